package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The small chaos configuration: 30 dossiers over the five paths, 3 kills
// of workers or the server, a failing portal with a 20-second outage.
//
// Usually about 2 minutes; a dossier whose portal pushes fail a few times
// in a row after the outage waits out the capped backoff (5 minutes a try,
// as against a real portal), so a run may take 10-15: the timeout leaves
// room for that.
func TestChaosSmall(t *testing.T) {
	processTest(t, "30 dossiers with kills, about 2 minutes")
	out, err := exec.Command(binary, "chaos", "--dossiers", "30", "--kills", "3", "--outage", "20s", "--dir", t.TempDir(), "--timeout", "25m").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "VERDICT: OK — 30 dossiers, 3 kills") {
		t.Fatalf("chaos: %v\n%s", err, out)
	}
	t.Logf("\n%s", out)
}
