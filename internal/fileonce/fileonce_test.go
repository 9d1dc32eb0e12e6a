package fileonce_test

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/motcua/motcua/internal/fileonce"
)

// Of many writers racing for one path, one wins whole; the others are told
// the file exists; no temporary file is left behind.
func TestOneWriterWins(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "key")
	var wg sync.WaitGroup
	wins := make(chan string, 16)
	for i := range 16 {
		wg.Go(func() {
			body := string(rune('a'+i)) + "-secret"
			err := fileonce.Write(path, []byte(body))
			switch {
			case err == nil:
				wins <- body
			case !errors.Is(err, os.ErrExist):
				t.Error(err)
			}
		})
	}
	wg.Wait()
	close(wins)
	var won []string
	for w := range wins {
		won = append(won, w)
	}
	got, _ := os.ReadFile(path)
	if len(won) != 1 || string(got) != won[0] {
		t.Fatalf("winners %v, file %q", won, got)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
	if left, _ := os.ReadDir(dir); len(left) != 1 {
		t.Errorf("left behind: %v", left)
	}
}

// Of many replacers racing for one path, every one succeeds, the file is
// one of theirs whole, and no temporary file is left behind.
func TestReplacersAllSucceed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "key.p12")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	bodies := map[string]bool{}
	for i := range 16 {
		body := string(rune('a'+i)) + "-secret"
		bodies[body] = true
		wg.Go(func() {
			if err := fileonce.Replace(path, []byte(body)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, _ := os.ReadFile(path)
	if !bodies[string(got)] {
		t.Fatalf("file %q is none of the replacers'", got)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
	if left, _ := os.ReadDir(dir); len(left) != 1 {
		t.Errorf("left behind: %v", left)
	}
}
