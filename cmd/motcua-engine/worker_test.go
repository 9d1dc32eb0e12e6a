package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/motcua/motcua"
)

// Outside motcua dev, a worker's notifications go to a real SMTP relay
// and SMS gateway; without one of them it refuses to start, before it
// dials Temporal, unless told to write them to an outbox folder.
func TestAWorkerWithoutMailOrSMSRefusesToStart(t *testing.T) {
	for _, tc := range []struct {
		flags []string
		want  string
	}{
		{nil, "notifications need --smtp-addr and --sms-url, or --outbox DIR"},
		{[]string{"--smtp-addr", "127.0.0.1:25"}, "notifications need --sms-url, or --outbox DIR"},
		{[]string{"--sms-url", "http://127.0.0.1:1/sms"}, "notifications need --smtp-addr, or --outbox DIR"},
	} {
		args := append([]string{"--data", t.TempDir(), "--temporal-addr", "127.0.0.1:1", "--portal-url", "http://127.0.0.1:1"}, tc.flags...)
		err := runWorker(args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("worker %v: %v, want %q", tc.flags, err, tc.want)
		}
	}
}

// A worker holds the command key's public half, never the key: given a
// keys folder with the payload key, the citizen index's key and
// command.pub alone, it carries a dossier from intake to its signed
// result, and writes no command key.
func TestAWorkerNeedsOnlyThePublicHalfOfTheCommandKey(t *testing.T) {
	processTest(t, "runs a worker with a keys folder without the command key")
	o := startOffice(t)
	keys := filepath.Join(t.TempDir(), "worker-keys")
	os.MkdirAll(keys, 0o700)
	for _, name := range []string{"payload.key", "citizen-index.key", "command.pub"} {
		b, err := os.ReadFile(filepath.Join(o.data, "keys", name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(keys, name), b, 0o600)
	}
	o.worker.signal(t, syscall.SIGKILL)
	o.worker = start(t, append(slices.Clone(o.workerArgs), "--keys", keys)...)
	id := throughSignature(t, o.as, maritalStatus(12345))
	await(t, o.as["clerk"], id, func(s motcua.State) bool { return s.Status == motcua.StatusCompleted }, "completed")
	if _, err := os.Stat(filepath.Join(keys, "command.key")); err == nil {
		t.Error("the worker wrote a command key")
	}
}

// A worker given the office's signers file trusts the roots it is given,
// never a dev CA's: without --roots it refuses to start, and it makes no
// dev CA in its data folder.
func TestAWorkerWithTheOfficesSignersMakesNoDevCA(t *testing.T) {
	data := t.TempDir()
	err := runWorker([]string{"--data", data, "--temporal-addr", "127.0.0.1:1", "--portal-url", "http://127.0.0.1:1", "--outbox", t.TempDir(),
		"--signers", filepath.Join(data, "signers.json")})
	if err == nil || !strings.Contains(err.Error(), "--signers needs --roots") {
		t.Errorf("worker --signers without --roots: %v", err)
	}
	if _, err := os.Stat(filepath.Join(data, "ca")); err == nil {
		t.Error("the worker made a dev CA")
	}
}
