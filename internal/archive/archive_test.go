package archive_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/archive"
	"github.com/motcua/motcua/internal/archive/archivetest"
)

func TestArchiveIsWriteOnceAndContentAddressed(t *testing.T) {
	dir := t.TempDir()
	s, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	result := []byte("%PDF-1.7 signed result")
	rec := archive.Record{DossierID: "000.00.01.H22-261125-0001", ProcedureCode: "1.001193", SignedBy: "chairman1", SignedAt: time.Now()}
	first, err := s.Archive(result, rec, "001203004567")
	if err != nil {
		t.Fatal(err)
	}
	if first.SHA256 != archive.Sum(result) || first.ArchiveID == "" {
		t.Fatalf("record %+v", first)
	}
	// Archiving the same result again is a no-op with the same record.
	second, err := s.Archive(result, rec, "001203004567")
	if err != nil || second != first {
		t.Fatalf("re-archive: %+v %v", second, err)
	}
	// Another result for the same dossier is refused.
	if _, err := s.Archive([]byte("%PDF another"), rec, "001203004567"); !errors.Is(err, archive.ErrConflict) {
		t.Errorf("a second result was archived: %v", err)
	}
	got, err := s.Lookup(rec.DossierID)
	if err != nil || got != first {
		t.Errorf("lookup %+v %v", got, err)
	}
	byCitizen, err := s.ByCitizen("001203004567")
	if err != nil || len(byCitizen) != 1 || byCitizen[0].DossierID != rec.DossierID {
		t.Errorf("by citizen %+v %v", byCitizen, err)
	}
	if other, _ := s.ByCitizen("001203004568"); len(other) != 0 {
		t.Errorf("another citizen sees %+v", other)
	}
	// The index names no ID number in clear.
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if strings.Contains(path, "001203004567") {
			t.Errorf("index path holds the ID number: %s", path)
		}
		if info != nil && !info.IsDir() {
			if b, _ := os.ReadFile(path); strings.Contains(string(b), "001203004567") {
				t.Errorf("%s holds the ID number", path)
			}
		}
		return nil
	})
	// A blob altered on disk is detected.
	blob := filepath.Join(dir, "blobs", first.SHA256[:2], first.SHA256)
	os.Chmod(blob, 0o600)
	os.WriteFile(blob, []byte("%PDF-1.7 forged"), 0o600)
	if _, err := s.Get(first.SHA256); err == nil || !strings.Contains(err.Error(), "altered") {
		t.Errorf("tampering not detected: %v", err)
	}
}

func TestRefsKeepTheFirstValue(t *testing.T) {
	s, err := archive.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a, _ := s.Put([]byte("a"))
	b, _ := s.Put([]byte("b"))
	if got, err := s.SetRef("signature/X/1", a); err != nil || got != a {
		t.Fatal(got, err)
	}
	if got, err := s.SetRef("signature/X/1", b); err != nil || got != a {
		t.Errorf("second SetRef returned %s, %v; want the first value", got, err)
	}
	if _, err := s.Ref("signature/X/2"); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("missing ref: %v", err)
	}
}

// A renewal is a new version of an archived result, found by Current;
// renewing the same version twice keeps the first, and every version stays.
func TestRenewalsChainFromTheArchivedResult(t *testing.T) {
	s, err := archive.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Renew("D-1", "x", []byte("v2")); !errors.Is(err, archive.ErrNotFound) {
		t.Fatalf("renewing what is not archived: %v", err)
	}
	rec, err := s.Archive([]byte("v1"), archive.Record{DossierID: "D-1"}, "001203004567")
	if err != nil {
		t.Fatal(err)
	}
	v2, err := s.Renew("D-1", rec.SHA256, []byte("v2"))
	if err != nil {
		t.Fatal(err)
	}
	if again, err := s.Renew("D-1", rec.SHA256, []byte("v2 made again, later")); err != nil || again != v2 {
		t.Fatalf("second attempt at the same renewal: %s, %v", again, err)
	}
	v3, err := s.Renew("D-1", v2, []byte("v3"))
	if err != nil {
		t.Fatal(err)
	}
	_, versions, err := s.Current("D-1")
	if err != nil || !slices.Equal(versions, []string{rec.SHA256, v2, v3}) {
		t.Fatalf("versions %v, %v", versions, err)
	}
	for _, v := range versions {
		if _, err := s.Get(v); err != nil {
			t.Errorf("version %s: %v", v, err)
		}
	}
}

// An archive made before its access log was one object per look-up keeps
// its old log, read before the new entries.
func TestAccessLogReadsTheOldLogFile(t *testing.T) {
	dir := t.TempDir()
	old := `{"at":"2026-11-01T08:00:00Z","user":"clerk1","role":"clerk","citizen":"ab","reason":"old","found":1}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "access-log.jsonl"), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.LogAccess(archive.Access{At: time.Now(), User: "clerk2", Role: "clerk", Citizen: "cd", Reason: "new", Found: 0}); err != nil {
		t.Fatal(err)
	}
	log, err := s.AccessLog()
	if err != nil || len(log) != 2 || log[0].Reason != "old" || log[1].Reason != "new" {
		t.Fatalf("access log %+v %v", log, err)
	}
}

func TestFolderMeetsTheContract(t *testing.T) {
	archivetest.Run(t, func(t *testing.T) archive.Objects {
		f, err := archive.NewFolder(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return f
	})
}
