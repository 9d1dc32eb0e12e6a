package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/motcua/motcua/internal/realservers"
)

// The production topology for real, as processes on this machine:
// PostgreSQL (Debian's, started in a temporary folder), SeaweedFS's S3
// server, Temporal as separate frontend, history, matching and worker
// processes on PostgreSQL (schema made by the first to start), each with
// only its own certificates (motcua tls issue; mutual TLS, the claim
// mapper), two motcua workers and two APIs as on machines of their own:
// each its own data folder, its secrets by variable (the workers the
// command key's public half only), the office's signers and roots, motcua's
// tables in PostgreSQL, the archive in the bucket; an intruder without a
// certificate, and the Web UI's reader, are refused; no process makes a CA. Dossiers go over every
// path through both APIs while a worker, the history process and an API
// are SIGKILLed and restarted; the chaos checks then hold: every dossier
// final, one signature, one notification per channel, the portal in
// order, every history replays, no orphan in the bucket.
func TestProductionTopology(t *testing.T) {
	processTest(t, "Temporal on PostgreSQL as four processes, two workers, two APIs, an S3 archive, with kills")
	postgres, s3 := realservers.Postgres(t), realservers.S3(t)
	cmd := exec.Command(binary, "chaos", "--dossiers", "30", "--kills", "3", "--outage", "20s", "--dir", t.TempDir(), "--timeout", "25m",
		"--postgres", postgres, "--archive", "s3://motcua-archive/commune-a?endpoint="+s3+"&region=ap-southeast-1")
	cmd.Env = append(cmd.Environ(), "AWS_ACCESS_KEY_ID="+realservers.S3AccessKey, "AWS_SECRET_ACCESS_KEY="+realservers.S3SecretKey)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "VERDICT: OK — 30 dossiers, 3 kills") {
		t.Fatalf("chaos on the production topology: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "door locked: no client certificate, no connection; the Web UI's certificate starts no workflow") {
		t.Error("the run did not try the frontend's door as an intruder")
	}
	for _, killed := range []string{"killed worker", "killed temporal-history", "killed api"} {
		if !strings.Contains(string(out), killed) {
			t.Errorf("the run never %s", killed)
		}
	}
	t.Logf("\n%s", out)
}
