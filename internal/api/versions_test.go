package api_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/workflows"
)

// `motcua audit versions` counts each change's open dossiers by the side
// they run: a dossier started by today's code carries every change's
// marker, so none is on an old branch, and every old branch may go as far
// as this installation is concerned.
func TestVersionsCountsOpenDossiersBySide(t *testing.T) {
	create(t, maritalRequest()) // open: waiting for review
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for {
		uses, err := audit.Versions(ctx, env.tc, env.ts.GetDefaultNamespace())
		if err != nil {
			t.Fatal(err)
		}
		if len(uses) != len(workflows.Changes) {
			t.Fatalf("%d changes counted, %d made", len(uses), len(workflows.Changes))
		}
		settled := true
		for _, u := range uses {
			settled = settled && u.Open >= 1 && u.New >= 1 && u.Old() == 0
		}
		if settled {
			var b bytes.Buffer
			audit.WriteVersions(&b, uses)
			if !strings.Contains(b.String(), "deadline-reminders") || strings.Contains(b.String(), "must stay") {
				t.Errorf("the table:\n%s", b.String())
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("open dossiers by side: %+v", uses)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
