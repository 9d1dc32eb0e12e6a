package readmodel_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/readmodel"
	"github.com/motcua/motcua/internal/report"
)

func open(t testing.TB) *readmodel.Store {
	s, err := readmodel.Open(filepath.Join(t.TempDir(), "readmodel.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Processes starting together (a worker and an API on a new data folder)
// open a new read model at once: each gets it, and their writes all land.
func TestOpenedTogether(t *testing.T) {
	for round := range 20 {
		path := filepath.Join(t.TempDir(), "readmodel.db")
		at := time.Date(2026, 11, 27, 9, 0, 0, 0, motcua.Vietnam)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := readmodel.Open(path)
				if err != nil {
					errs <- err
					return
				}
				defer s.Close()
				errs <- s.Record(context.Background(), motcua.Facts{DossierID: fmt.Sprintf("D-%d", i), ProcedureCode: "1.004227", Status: motcua.StatusInReview, ReceivedAt: at, Seq: 1})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		s, err := readmodel.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Received(context.Background(), at.Add(-time.Hour), at.Add(time.Hour), "")
		s.Close()
		if err != nil || len(got) != 8 {
			t.Fatalf("round %d: %v, %d facts stored, want 8", round, err, len(got))
		}
	}
}

// A copy replaces the stored one only when it is newer: a late retry of an
// older copy changes nothing. The store survives being opened again.
func TestNewerCopyWins(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "readmodel.db")
	s, err := readmodel.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, motcua.Vietnam)
	f := motcua.Facts{DossierID: "D-1", ProcedureCode: "1.004227", Status: motcua.StatusInReview, ReceivedAt: at, Seq: 2}
	newer := f
	newer.Status, newer.Seq = motcua.StatusCompleted, 5
	older := f
	older.Status, older.Seq = motcua.StatusReceived, 1
	for _, c := range []motcua.Facts{f, newer, older, f} {
		if err := s.Record(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	if s, err = readmodel.Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Received(ctx, at.Add(-time.Hour), at.Add(time.Hour), "1.004227")
	if err != nil || len(got) != 1 || got[0].Status != motcua.StatusCompleted || got[0].Seq != 5 {
		t.Fatalf("%v %+v", err, got)
	}
	if other, _ := s.Received(ctx, at.Add(-time.Hour), at.Add(time.Hour), "2.000815"); len(other) != 0 {
		t.Errorf("another procedure's report has %v", other)
	}
	if later, _ := s.Received(ctx, at.Add(time.Hour), at.Add(2*time.Hour), ""); len(later) != 0 {
		t.Errorf("a later period has %v", later)
	}
}

// BenchmarkKPI reads a month of 1,000 dossiers' facts and computes the
// figures, as GET /v1/reports/kpi does.
func BenchmarkKPI(b *testing.B) {
	s := open(b)
	ctx := context.Background()
	start := time.Date(2026, 11, 1, 9, 0, 0, 0, motcua.Vietnam)
	statuses := []motcua.Status{motcua.StatusReturned, motcua.StatusCompleted, motcua.StatusRejected, motcua.StatusInReview, motcua.StatusWithdrawn}
	for i := range 1000 {
		at := start.Add(time.Duration(i) * 40 * time.Minute)
		fin := at.Add(48 * time.Hour)
		f := motcua.Facts{DossierID: fmt.Sprintf("D-%04d", i), ProcedureCode: []string{"1.004227", "2.000815", "1.000689"}[i%3],
			Channel: motcua.ChannelOnline, Status: statuses[i%len(statuses)], ReceivedAt: at, DueAt: at.Add(72 * time.Hour),
			FinishedAt: &fin, SupplementRounds: i % 3, Digitized: 2, Seq: 1}
		if err := s.Record(ctx, f); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		facts, err := s.Received(ctx, start, start.AddDate(0, 1, 0), "")
		if err != nil || len(facts) != 1000 {
			b.Fatal(err, len(facts))
		}
		report.Compute(facts, "2026-11-01", "2026-11-30", "", start.AddDate(0, 1, 0), calendar.Vietnam)
	}
}
