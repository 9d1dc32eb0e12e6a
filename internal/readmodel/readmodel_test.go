package readmodel_test

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/notify"
	"github.com/motcua/motcua/internal/realservers"

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

// kinds are the two places a read model lives, each giving a new empty
// one per call: a SQLite file, and a database of a real PostgreSQL server
// started for the test (skipped under -short).
func kinds(parent *testing.T) map[string]func(t *testing.T) string {
	var server string
	return map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return filepath.Join(t.TempDir(), "readmodel.db") },
		"postgres": func(t *testing.T) string {
			if server == "" {
				server = realservers.Postgres(parent)
			}
			// A database the server does not have yet: the read model makes it.
			u, _ := url.Parse(server)
			u.Path = fmt.Sprintf("/readmodel_%d", databases.Add(1))
			return u.String()
		},
	}
}

var databases atomic.Int64

// Processes starting together (a worker and an API on a new data folder,
// or on one PostgreSQL database) open a new read model at once: each gets
// it (PostgreSQL's schema made once, under goose's lock), and their writes
// all land.
func TestOpenedTogether(t *testing.T) {
	for kind, fresh := range kinds(t) {
		t.Run(kind, func(t *testing.T) {
			rounds := 20
			if kind == "postgres" {
				rounds = 4
			}
			for round := range rounds {
				where := fresh(t)
				at := time.Date(2026, 11, 27, 9, 0, 0, 0, motcua.Vietnam)
				var wg sync.WaitGroup
				errs := make(chan error, 8)
				for i := range 8 {
					wg.Go(func() {
						s, err := readmodel.Open(where)
						if err != nil {
							errs <- err
							return
						}
						defer s.Close()
						errs <- s.Record(context.Background(), motcua.Facts{DossierID: fmt.Sprintf("D-%d", i), ProcedureCode: "1.004227", Status: motcua.StatusInReview, ReceivedAt: at, Seq: 1})
					})
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					if err != nil {
						t.Fatalf("round %d: %v", round, err)
					}
				}
				s, err := readmodel.Open(where)
				if err != nil {
					t.Fatal(err)
				}
				got, err := s.Received(context.Background(), at.Add(-time.Hour), at.Add(time.Hour), "")
				s.Close()
				if err != nil || len(got) != 8 {
					t.Fatalf("round %d: %v, %d facts stored, want 8", round, err, len(got))
				}
			}
		})
	}
}

// A copy replaces the stored one only when it is newer: a late retry of an
// older copy changes nothing. The store survives being opened again, and
// counts its dossiers the same on both databases.
func TestNewerCopyWins(t *testing.T) {
	for kind, fresh := range kinds(t) {
		t.Run(kind, func(t *testing.T) {
			where := fresh(t)
			s, err := readmodel.Open(where)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			at := time.Date(2026, 11, 25, 9, 0, 0, 0, motcua.Vietnam)
			f := motcua.Facts{DossierID: "D-1", ProcedureCode: "1.004227", Status: motcua.StatusInReview, ReceivedAt: at, DueAt: at.Add(24 * time.Hour), Seq: 2}
			newer := f
			newer.Status, newer.Seq = motcua.StatusSigned, 5
			older := f
			older.Status, older.Seq = motcua.StatusReceived, 1
			other := motcua.Facts{DossierID: "D-2", ProcedureCode: "2.000815", Status: motcua.StatusInReview, ReceivedAt: at, DueAt: at.Add(time.Hour), Seq: 1, PortalInSync: true}
			for i, c := range []motcua.Facts{f, newer, older, f, other} {
				before, applied, err := s.Apply(ctx, c)
				if err != nil {
					t.Fatal(err)
				}
				if want := i == 0 || i == 1 || i == 4; applied != want {
					t.Errorf("copy %d (seq %d) applied %v, want %v (stored before: %q)", i, c.Seq, applied, want, before)
				}
			}
			s.Close()
			if s, err = readmodel.Open(where); err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			got, err := s.Received(ctx, at.Add(-time.Hour), at.Add(time.Hour), "1.004227")
			if err != nil || len(got) != 1 || got[0].Status != motcua.StatusSigned || got[0].Seq != 5 {
				t.Fatalf("%v %+v", err, got)
			}
			if other, _ := s.Received(ctx, at.Add(-time.Hour), at.Add(time.Hour), "3.000001"); len(other) != 0 {
				t.Errorf("another procedure's report has %v", other)
			}
			if later, _ := s.Received(ctx, at.Add(time.Hour), at.Add(2*time.Hour), ""); len(later) != 0 {
				t.Errorf("a later period has %v", later)
			}
			c, err := s.Census(ctx, at.Add(2*time.Hour))
			if err != nil || c.OpenByStatus[motcua.StatusSigned] != 1 || c.OpenByStatus[motcua.StatusInReview] != 1 || c.Overdue != 1 || c.PortalBehind != 1 {
				t.Errorf("census %+v %v", c, err)
			}
		})
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

// The ledger of notifications sent, on both databases: a key is sent once
// per channel, marking it twice is no error, and a store opened again
// (another worker) knows it.
func TestTheNotificationLedger(t *testing.T) {
	for kind, fresh := range kinds(t) {
		t.Run(kind, func(t *testing.T) {
			where := fresh(t)
			ctx := context.Background()
			s, err := readmodel.Open(where)
			if err != nil {
				t.Fatal(err)
			}
			var ledger notify.Ledger = s
			if sent, err := ledger.Sent(ctx, "email", "D1/completed"); err != nil || sent {
				t.Fatalf("before: %v %v", sent, err)
			}
			for range 2 {
				if err := ledger.Mark(ctx, "email", "D1/completed"); err != nil {
					t.Fatal(err)
				}
			}
			s.Close()
			other, err := readmodel.Open(where)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			if sent, err := other.Sent(ctx, "email", "D1/completed"); err != nil || !sent {
				t.Errorf("after: %v %v", sent, err)
			}
			if sent, _ := other.Sent(ctx, "sms", "D1/completed"); sent {
				t.Error("another channel counts as sent")
			}
		})
	}
}
