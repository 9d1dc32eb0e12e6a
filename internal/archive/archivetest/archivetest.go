// Package archivetest is the contract every place an archive keeps its
// objects must meet (a folder, an S3 bucket): write-once names that exactly
// one of racing writers wins, and the archive on top of them behaving the
// same — content addressing, the dossier and citizen indexes, references
// that leave no orphan, renewals, the access log.
package archivetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/archive"
)

// Run runs the contract on fresh, empty objects from open.
func Run(t *testing.T, open func(t *testing.T) archive.Objects) {
	t.Run("objects are write-once", func(t *testing.T) { writeOnce(t, open(t)) })
	t.Run("one of racing writers wins", func(t *testing.T) { racing(t, open(t)) })
	t.Run("listing and deleting", func(t *testing.T) { listing(t, open(t)) })
	t.Run("the archive on them", func(t *testing.T) { store(t, open(t)) })
}

func writeOnce(t *testing.T, o archive.Objects) {
	if _, err := o.Read("dossiers/none.json"); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("reading a missing object: %v, want ErrNotFound", err)
	}
	if err := o.Create("dossiers/a.json", []byte("first")); err != nil {
		t.Fatal(err)
	}
	if err := o.Create("dossiers/a.json", []byte("first")); err != nil {
		t.Errorf("creating again with the same bytes: %v", err)
	}
	if err := o.Create("dossiers/a.json", []byte("second")); !errors.Is(err, archive.ErrConflict) {
		t.Errorf("creating again with other bytes: %v, want ErrConflict", err)
	}
	if b, err := o.Read("dossiers/a.json"); err != nil || string(b) != "first" {
		t.Errorf("read %q %v", b, err)
	}
	if ok, err := o.Exists("dossiers/a.json"); !ok || err != nil {
		t.Errorf("exists: %v %v", ok, err)
	}
	if ok, err := o.Exists("dossiers/none.json"); ok || err != nil {
		t.Errorf("a missing object exists: %v %v", ok, err)
	}
	empty := []byte{}
	if err := o.Create("refs/empty", empty); err != nil {
		t.Errorf("an empty object: %v", err)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	if err := o.Create("blobs/big", big); err != nil {
		t.Fatal(err)
	}
	if b, err := o.Read("blobs/big"); err != nil || !bytes.Equal(b, big) {
		t.Errorf("1 MiB read back: %d bytes, %v", len(b), err)
	}
}

func racing(t *testing.T, o archive.Objects) {
	const writers = 8
	for round := range 3 {
		name := fmt.Sprintf("refs/race-%d", round)
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = o.Create(name, fmt.Appendf(nil, "writer %d", i))
			}()
		}
		wg.Wait()
		won := -1
		for i, err := range errs {
			switch {
			case err == nil && won >= 0:
				t.Errorf("round %d: writers %d and %d both won", round, won, i)
			case err == nil:
				won = i
			case !errors.Is(err, archive.ErrConflict):
				t.Errorf("round %d: writer %d: %v", round, i, err)
			}
		}
		if won < 0 {
			t.Fatalf("round %d: no writer won: %v", round, errs)
		}
		if b, _ := o.Read(name); string(b) != fmt.Sprintf("writer %d", won) {
			t.Errorf("round %d: stored %q, but writer %d won", round, b, won)
		}
	}
}

func listing(t *testing.T, o archive.Objects) {
	for _, n := range []string{"tmp/ref-6162-1", "tmp/ref-6162-2", "tmp/ref-6364-1", "citizens/k/x.json"} {
		if err := o.Create(n, []byte(n)); err != nil {
			t.Fatal(err)
		}
	}
	names := func(prefix string) []string {
		list, err := o.List(prefix)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range list {
			out = append(out, e.Name)
			if time.Since(e.Modified) > time.Hour || time.Until(e.Modified) > time.Hour {
				t.Errorf("%s modified %v", e.Name, e.Modified)
			}
		}
		slices.Sort(out)
		return out
	}
	if got := names("tmp/ref-6162-"); !slices.Equal(got, []string{"tmp/ref-6162-1", "tmp/ref-6162-2"}) {
		t.Errorf("list tmp/ref-6162-: %v", got)
	}
	if got := names("citizens/"); !slices.Equal(got, []string{"citizens/k/x.json"}) {
		t.Errorf("list citizens/: %v", got)
	}
	if got := names("nothing/"); len(got) != 0 {
		t.Errorf("list nothing/: %v", got)
	}
	if err := o.Delete("tmp/ref-6162-1"); err != nil {
		t.Fatal(err)
	}
	if err := o.Delete("tmp/ref-6162-1"); err != nil {
		t.Errorf("deleting twice: %v", err)
	}
	if got := names("tmp/"); !slices.Equal(got, []string{"tmp/ref-6162-2", "tmp/ref-6364-1"}) {
		t.Errorf("after delete: %v", got)
	}
}

func store(t *testing.T, o archive.Objects) {
	s, err := archive.New(o, bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	const citizen = "001203004567"
	result := []byte("%PDF-1.7 signed result")
	rec := archive.Record{DossierID: "000.00.01.H22-261125-0001", ProcedureCode: "1.001193", SignedBy: "chairman1", SignedAt: time.Now()}
	first, err := s.Archive(result, rec, citizen)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := s.Archive(result, rec, citizen); err != nil || again != first {
		t.Errorf("archiving again: %+v %v", again, err)
	}
	if _, err := s.Archive([]byte("%PDF another"), rec, citizen); !errors.Is(err, archive.ErrConflict) {
		t.Errorf("a second result for the dossier: %v", err)
	}
	if got, err := s.Lookup(rec.DossierID); err != nil || got != first {
		t.Errorf("lookup %+v %v", got, err)
	}
	if _, err := s.Lookup("000.00.01.H22-261125-9999"); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("lookup of a dossier not archived: %v", err)
	}
	if got, err := s.ByCitizen(citizen); err != nil || len(got) != 1 || got[0] != first {
		t.Errorf("by citizen %+v %v", got, err)
	}
	if b, err := s.Get(first.SHA256); err != nil || !bytes.Equal(b, result) {
		t.Errorf("get %q %v", b, err)
	}

	paper := []byte("a scanned paper")
	sum, err := s.Put(paper)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.IndexDocuments(citizen, rec.DossierID, []archive.CitizenDocument{{Code: "TK", Name: "to-khai.pdf", ContentType: "application/pdf", SHA256: sum, Size: int64(len(paper))}}); err != nil {
		t.Fatal(err)
	}
	docs, err := s.CitizenDocuments(citizen)
	if err != nil || len(docs) != 2 || docs[0].Kind != "document" || docs[1].Kind != "result" {
		t.Errorf("citizen documents %+v %v", docs, err)
	}

	// A renewal made anew on each attempt: the first stored wins.
	renewed := append(append([]byte{}, result...), " + document timestamp 1"...)
	v2, err := s.Renew(rec.DossierID, first.SHA256, renewed)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := s.Renew(rec.DossierID, first.SHA256, append(append([]byte{}, result...), " + document timestamp 2"...)); err != nil || again != v2 {
		t.Errorf("a second attempt at the renewal: %s %v, want the first's %s", again, err, v2)
	}
	if _, versions, err := s.Current(rec.DossierID); err != nil || !slices.Equal(versions, []string{first.SHA256, v2}) {
		t.Errorf("versions %v %v", versions, err)
	}
	blobs, records, refs, err := s.Files()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{first.SHA256, sum, v2}; !sameSet(blobs, want) {
		t.Errorf("blobs %v, want %v (one per stored content, the losing attempt's not among them)", blobs, want)
	}
	if !slices.Equal(records, []string{rec.DossierID}) || len(refs) != 1 {
		t.Errorf("records %v refs %v", records, refs)
	}

	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	for i, reason := range []string{"first look", "second look"} {
		if err := s.LogAccess(archive.Access{At: at.Add(time.Duration(i) * time.Minute), User: "clerk1", Role: "clerk", Citizen: s.CitizenKey(citizen), Reason: reason}); err != nil {
			t.Fatal(err)
		}
	}
	log, err := s.AccessLog()
	if err != nil || len(log) != 2 || log[0].Reason != "first look" || log[1].Reason != "second look" {
		t.Errorf("access log %+v %v", log, err)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
