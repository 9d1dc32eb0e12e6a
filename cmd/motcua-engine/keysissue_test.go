package main

import (
	"crypto/sha256"
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/motcua/motcua/internal/mtls"
	"github.com/motcua/motcua/internal/vouch"
	"github.com/motcua/motcua/signer"
)

// motcua keys issue lays out each kind of process's own keys beside the
// certificates: the API's part holds the command key and a certified
// audit key, the worker's only the command key's public half and the
// office's signers; no part holds a CA key; a second run keeps every key.
func TestKeysIssueLaysOutEachProcessesOwn(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	issue := func() string {
		t.Helper()
		out, err := exec.Command(binary, "keys", "issue", "--dir", dir, "--users", "../../deploy/users.json").CombinedOutput()
		if err != nil {
			t.Fatalf("keys issue: %v\n%s", err, out)
		}
		return string(out)
	}
	if out := issue(); !strings.Contains(out, filepath.Join(dir, mtls.Worker)) || !strings.Contains(out, filepath.Join(dir, mtls.API)) {
		t.Fatalf("keys issue names no parts:\n%s", out)
	}
	names := func(part string) []string {
		t.Helper()
		entries, err := os.ReadDir(filepath.Join(dir, part))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	api, worker := names(mtls.API), names(mtls.Worker)
	for _, want := range []string{"payload.key", "command.key", "command.pub", "citizen-index.key", "audit-key.pem", "audit-key.crt", "roots.pem"} {
		if !slices.Contains(api, want) {
			t.Errorf("the API's part lacks %s: %v", want, api)
		}
	}
	for _, want := range []string{"payload.key", "command.pub", "citizen-index.key", "signers.json", "office.p12", "chairman1.p12", "vice1.p12", "pkcs12-password", "roots.pem"} {
		if !slices.Contains(worker, want) {
			t.Errorf("the worker's part lacks %s: %v", want, worker)
		}
	}
	auditor := names(mtls.Auditor)
	for _, want := range []string{"payload.key", "citizen-index.key", "audit-key.pem", "audit-key.crt", "roots.pem"} {
		if !slices.Contains(auditor, want) {
			t.Errorf("the auditor's part lacks %s: %v", want, auditor)
		}
	}
	for _, part := range []string{mtls.API, mtls.Worker, mtls.Auditor} {
		for _, n := range names(part) {
			if n == "root.key" || n == "ca.key" || strings.HasSuffix(n, ".p12") && part == mtls.API {
				t.Errorf("%s holds %s", part, n)
			}
		}
	}
	if slices.Contains(worker, "command.key") || slices.Contains(auditor, "command.key") {
		t.Error("the worker's or the auditor's part holds the command key")
	}
	for _, n := range []string{"clerk1.p12", "specialist1.p12", "auditor1.p12"} {
		if slices.Contains(worker, n) {
			t.Errorf("a key for a user who signs nothing: %s", n)
		}
	}

	// The parts agree: the worker checks what the API's key vouches, and
	// both hold the same payload key.
	read := func(part, name string) []byte {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, part, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if _, err := vouch.ParseSigner(string(read(mtls.API, "command.key"))); err != nil {
		t.Fatalf("command key: %v", err)
	}
	if string(read(mtls.API, "command.pub")) != string(read(mtls.Worker, "command.pub")) || string(read(mtls.API, "payload.key")) != string(read(mtls.Worker, "payload.key")) {
		t.Error("the API's and the worker's parts hold different keys")
	}

	// The signers file's keys and the audit key chain to the roots given.
	roots, err := signer.LoadRoots(filepath.Join(dir, mtls.Worker, "roots.pem"))
	if err != nil {
		t.Fatal(err)
	}
	signers, err := signer.LoadSigners(filepath.Join(dir, mtls.Worker, "signers.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"chairman1", "vice1", officeSigner} {
		src, ok := signers[id]
		if !ok {
			t.Fatalf("signers.json has no %s", id)
		}
		k, err := src.Key()
		if err != nil {
			t.Fatalf("%s's key: %v", id, err)
		}
		if _, err := k.Certificate.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			t.Errorf("%s's certificate does not chain to roots.pem: %v", id, err)
		}
		if id == "chairman1" && k.Certificate.Subject.CommonName != "Nguyễn Văn Vĩnh" {
			t.Errorf("chairman1's certificate names %q", k.Certificate.Subject.CommonName)
		}
	}
	audit, err := signer.ParseCertificates(read(mtls.API, "audit-key.crt"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := audit[0].Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Errorf("the audit key's certificate does not chain to roots.pem: %v", err)
	}

	// Again: every key kept.
	sums := map[string][32]byte{}
	for _, part := range []string{mtls.API, mtls.Worker, mtls.Auditor, officePart} {
		for _, n := range names(part) {
			sums[part+"/"+n] = sha256.Sum256(read(part, n))
		}
	}
	issue()
	for name, sum := range sums {
		part, n, _ := strings.Cut(name, "/")
		if sha256.Sum256(read(part, n)) != sum {
			t.Errorf("a second run changed %s", name)
		}
	}
}

// A worker or an API with no data folder starts only when given what the
// folder would have held, and says which flag or variable is missing
// before it dials Temporal; none of them writes a file.
func TestNoDataFolderSaysWhatIsMissing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if out, err := exec.Command(binary, "keys", "issue", "--dir", dir).CombinedOutput(); err != nil {
		t.Fatalf("keys issue: %v\n%s", err, out)
	}
	worker := filepath.Join(dir, mtls.Worker)
	users := filepath.Join(t.TempDir(), "users.json")
	if err := os.WriteFile(users, []byte(`{"users":[{"id":"clerk1","name":"Trần Thị Mai","role":"clerk","token_sha256":"`+strings.Repeat("ab", 32)+`"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	run := t.TempDir() // each runs here: it must stay empty
	const db = "postgres://nobody@127.0.0.1:1/motcua?sslmode=disable"
	base := []string{"worker", "--data", "", "--temporal-addr", "127.0.0.1:1", "--portal-url", "http://127.0.0.1:1", "--outbox", filepath.Join(t.TempDir(), "outbox")}
	signers := []string{"--signers", filepath.Join(worker, "signers.json"), "--roots", filepath.Join(worker, "roots.pem")}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no signers", base, "--signers FILE and --roots FILE"},
		{"no database", append(slices.Clone(base), signers...), "--db or $MOTCUA_DB"},
		{"no keys", append(append(slices.Clone(base), signers...), "--db", db), "--keys DIR or $MOTCUA_PAYLOAD_KEY"},
		{"no archive", append(append(slices.Clone(base), signers...), "--db", db, "--keys", worker), "--archive or $MOTCUA_ARCHIVE"},
		{"signers and roots beside the keys", append(slices.Clone(base), "--db", db, "--keys", worker), "--archive or $MOTCUA_ARCHIVE"},
		{"a keys folder without signers", append(slices.Clone(base), "--db", db, "--keys", filepath.Join(dir, mtls.Auditor)), "--signers FILE and --roots FILE"},
		{"API without its audit key", []string{"api", "--data", "", "--temporal-addr", "127.0.0.1:1", "--users", users, "--keys", worker}, "audit-key.pem and audit-key.crt"},
		{"API without keys", []string{"api", "--data", "", "--temporal-addr", "127.0.0.1:1", "--users", users}, "audit-key.pem and audit-key.crt"},
	} {
		cmd := exec.Command(binary, c.args...)
		cmd.Dir = run
		cmd.Env = append(os.Environ(), "MOTCUA_DB=", "MOTCUA_ARCHIVE=", "MOTCUA_PAYLOAD_KEY=", "MOTCUA_COMMAND_KEY=")
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "no data folder") || !strings.Contains(string(out), c.want) {
			t.Errorf("%s: %v\n%s\nwant it to name %q", c.name, err, out, c.want)
		}
	}
	if entries, _ := os.ReadDir(run); len(entries) > 0 {
		t.Errorf("a process with no data folder wrote %v", entries)
	}
}
