package jsonl_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/motcua/motcua/internal/jsonl"
)

// Values come back in order; a missing log is empty; a line torn by a
// crash ends the log without an error.
func TestAppendAndRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.jsonl")
	if got, err := jsonl.Read[int](path); err != nil || got != nil {
		t.Fatalf("missing log: %v %v", got, err)
	}
	for i := range 3 {
		if err := jsonl.Append(path, i); err != nil {
			t.Fatal(err)
		}
	}
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"torn":`)
	f.Close()
	got, err := jsonl.Read[int](path)
	if err != nil || !slices.Equal(got, []int{0, 1, 2}) {
		t.Fatalf("read %v, %v", got, err)
	}
}
