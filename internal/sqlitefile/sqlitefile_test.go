package sqlitefile

import (
	"os"
	"path/filepath"
	"testing"
)

// A new database file is 0600 from its first byte; an old one left 0644,
// with its log, is made 0600.
func TestPrivate(t *testing.T) {
	dir := t.TempDir()
	fresh := filepath.Join(dir, "new.db")
	if err := Private(fresh); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(dir, "old.db")
	for _, p := range []string{old, old + "-wal"} {
		os.WriteFile(p, []byte("x"), 0o644)
	}
	if err := Private(old); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fresh, old, old + "-wal"} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v, want 0600", p, fi.Mode(), err)
		}
	}
	if b, _ := os.ReadFile(old); string(b) != "x" {
		t.Error("an existing database was changed")
	}
}
