// Package recorded writes the histories the replay gate keeps
// (workflows/testdata): the end-to-end tests record one when asked to
// (MOTCUA_RECORD_HISTORIES=1), and never overwrite one, since old
// versions must keep replaying.
package recorded

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/client"

	"github.com/motcua/motcua/internal/audit"
)

// Record writes one run of workflow id (its latest when runID is empty) to
// DIR/NAME.json, when MOTCUA_RECORD_HISTORIES is set and no such file is
// there; dir is the replay gate's testdata folder.
func Record(t testing.TB, tc client.Client, id, runID, dir, name string) {
	t.Helper()
	path := filepath.Join(dir, name+".json")
	if _, err := os.Stat(path); os.Getenv("MOTCUA_RECORD_HISTORIES") == "" || err == nil {
		return
	}
	h, err := audit.RunHistory(context.Background(), tc, id, runID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := audit.Export(h)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
