package archive

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// A signature is made anew on every attempt. Whatever point an attempt is
// cut at, the retry ends with one reference and exactly one blob: the first
// attempt's when it had set the reference, the retry's otherwise.
func TestPutRefLeavesNoOrphanWhereverItIsCut(t *testing.T) {
	first, second := []byte("signed on attempt 1"), []byte("signed on attempt 2")
	for _, c := range []struct {
		name string
		cut  func(s *Store) // what attempt 1 did before it was killed
		want []byte         // the blob the reference ends on
	}{
		{"before anything", func(*Store) {}, second},
		{"after staging", func(s *Store) { s.stage("sig", first) }, second},
		{"after setting the reference", func(s *Store) {
			s.stage("sig", first)
			s.SetRef("sig", Sum(first))
		}, first},
		{"after filing", func(s *Store) { s.PutRef("sig", first) }, first},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			c.cut(s)
			// The retry looks for the reference first, then stores its own.
			sum, err := s.Ref("sig")
			if err == ErrNotFound {
				sum, err = s.PutRef("sig", second)
			}
			if err != nil {
				t.Fatal(err)
			}
			if sum != Sum(c.want) {
				t.Errorf("the reference names %s, want %s", sum[:8], Sum(c.want)[:8])
			}
			if b, err := s.Get(sum); err != nil || string(b) != string(c.want) {
				t.Errorf("Get: %q %v", b, err)
			}
			blobs, _, refs, err := s.Files()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(blobs, []string{sum}) || len(refs) != 1 {
				t.Errorf("blobs %v, refs %v; want only the referenced blob", blobs, refs)
			}
			// What a cut attempt left in tmp goes with the next sweep, and the
			// referenced blob stays.
			if err := s.sweep(time.Now().Add(time.Second)); err != nil {
				t.Fatal(err)
			}
			if tmp, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(tmp) != 0 {
				t.Errorf("left in tmp after a sweep: %v", tmp)
			}
			if _, err := s.Get(sum); err != nil {
				t.Errorf("after the sweep: %v", err)
			}
		})
	}
}

// Opening the archive removes what writers cut long ago left in tmp, but
// files a staged blob whose reference was set, and leaves fresh files to the
// writers that may still be at work.
func TestOpenSweepsLeftovers(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	signed := []byte("signed, reference set, then the power went off")
	kept, _ := s.stage("kept", signed)
	s.SetRef("kept", Sum(signed))
	loser, _ := s.stage("kept", []byte("signed by an attempt that lost"))
	orphan, _ := s.stage("never-referenced", []byte("staged only"))
	old := filepath.Join(dir, "tmp", "w-old")
	fresh := filepath.Join(dir, "tmp", "w-fresh")
	os.WriteFile(old, []byte("x"), 0o600)
	os.WriteFile(fresh, []byte("y"), 0o600)
	long := time.Now().Add(-time.Hour)
	for _, f := range []string{old, filepath.Join(dir, kept), filepath.Join(dir, loser), filepath.Join(dir, orphan)} {
		os.Chtimes(f, long, long)
	}

	if _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
	left, _ := os.ReadDir(filepath.Join(dir, "tmp"))
	if len(left) != 1 || left[0].Name() != "w-fresh" {
		t.Errorf("tmp after Open: %v, want only w-fresh", left)
	}
	if b, err := s.Get(Sum(signed)); err != nil || string(b) != string(signed) {
		t.Errorf("the staged blob of a set reference was not filed: %v", err)
	}
}

// Two attempts at once (one outlived its timeout while the retry ran): the
// one that set the reference may find the other already filed its blob.
func TestPutRefRacingAttempts(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	first, second := []byte("attempt 1"), []byte("attempt 2")
	s.stage("sig", first) // attempt 1 staged and set the reference...
	s.SetRef("sig", Sum(first))
	if sum, err := s.PutRef("sig", second); err != nil || sum != Sum(first) { // ...attempt 2 ran in between...
		t.Fatalf("attempt 2: %s %v", sum, err)
	}
	if err := s.fileStaged("sig", Sum(first)); err != nil { // ...and attempt 1 goes on
		t.Errorf("attempt 1 filing after attempt 2 filed its copy: %v", err)
	}
	if blobs, _, _, _ := s.Files(); !slices.Equal(blobs, []string{Sum(first)}) {
		t.Errorf("blobs %v", blobs)
	}
}
