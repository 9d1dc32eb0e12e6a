package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/signer/signertest"
)

// The front's start-up is what the light commands cost: it must link none
// of the packages whose initialisation made `motcua verify` slow.
func TestTheFrontLinksNoTemporal(t *testing.T) {
	for _, pkg := range links(t, ".") {
		for _, h := range []string{"go.temporal.io/", "google.golang.org/grpc", "google.golang.org/protobuf", "github.com/aws/", "k8s.io/", "github.com/prometheus/"} {
			if strings.HasPrefix(pkg, h) {
				t.Errorf("cmd/motcua links %s", pkg)
			}
		}
	}
}

// What outside programs import (the domain, the typed API client and the
// bodies it speaks) and what every
// process uses (the logger) do not drag in the Temporal server.
func TestOutsidersLinkNoTemporalServer(t *testing.T) {
	for _, dir := range []string{"../../apiclient", "../../wire", "../..", "../../internal/logging"} {
		for _, pkg := range links(t, dir) {
			if strings.HasPrefix(pkg, "go.temporal.io/server") {
				t.Errorf("%s links %s", dir, pkg)
			}
		}
	}
}

// links are the packages the package in dir is built from.
func links(t *testing.T, dir string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", dir).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(out))
}

// buildFront builds motcua alone, with no engine beside it.
func buildFront(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "motcua")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// run runs the binary in dir with env added to a PATH that holds no engine,
// and returns its output and exit code.
func run(t *testing.T, dir string, env []string, bin string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir()}, env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return string(out), cmd.ProcessState.ExitCode()
}

func TestVerifyNeedsNoEngine(t *testing.T) {
	bin := buildFront(t)
	dir := t.TempDir()
	_, signed := signertest.SignedReceipt(t, dir)
	good := filepath.Join(dir, "good.pdf")
	os.WriteFile(good, signed, 0o600)
	tampered := append([]byte(nil), signed...)
	tampered[len(tampered)/4] ^= 0x20 // inside the first signed range
	bad := filepath.Join(dir, "bad.pdf")
	os.WriteFile(bad, tampered, 0o600)

	out, code := run(t, dir, nil, bin, "verify", good, "--data", dir)
	if code != 0 || !strings.Contains(out, "HỢP LỆ / VALID") {
		t.Fatalf("verify of a good result: exit %d\n%s", code, out)
	}
	// Trusted by the dev CA only: without it, the system's roots are read
	// too, and do not vouch for it.
	if out, code := run(t, dir, nil, bin, "verify", good); code != 1 || !strings.Contains(out, "not trusted") {
		t.Fatalf("verify without the dev CA: exit %d\n%s", code, out)
	}
	if out, code := run(t, dir, nil, bin, "verify", good, bad, "--data", dir); code != 1 || !strings.Contains(out, "1 hợp lệ / valid, 1 không hợp lệ / invalid") {
		t.Fatalf("verify of a good and a tampered file: exit %d\n%s", code, out)
	}
}

// The engine replaces the front: same process, the arguments as given, its
// exit code the command's.
func TestTheEngineTakesTheProcessOver(t *testing.T) {
	bin := buildFront(t)
	dir := t.TempDir()
	engine := filepath.Join(dir, "engine")
	record := filepath.Join(dir, "record")
	os.WriteFile(engine, []byte("#!/bin/sh\necho \"$$ $*\" > "+record+"\nexit 7\n"), 0o755)

	cmd := exec.Command(bin, "worker", "--data", "some dir")
	cmd.Env = []string{"PATH=/usr/bin:/bin", "MOTCUA_ENGINE=" + engine}
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 7 {
		t.Fatalf("exit: %v, want the engine's 7", err)
	}
	b, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	want := strconv.Itoa(cmd.Process.Pid) + " worker --data some dir\n"
	if string(b) != want {
		t.Fatalf("the engine saw %q, want %q (the same process, the same arguments)", b, want)
	}
}

func TestUnknownAndMissing(t *testing.T) {
	bin := buildFront(t)
	dir := t.TempDir()
	if out, code := run(t, dir, nil, bin, "sing"); code != 2 || !strings.Contains(out, `unknown command "sing"`) {
		t.Fatalf("unknown command: exit %d\n%s", code, out)
	}
	if out, code := run(t, dir, []string{"MOTCUA_ENGINE=" + filepath.Join(dir, "none")}, bin, "worker"); code != 1 || !strings.Contains(out, "none") {
		t.Fatalf("missing engine: exit %d\n%s", code, out)
	}
}

// `go run ./cmd/motcua dev`, the README's first command, has no engine
// beside it: the front builds it from the source it runs from.
func TestGoRunBuildsTheEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("links the engine")
	}
	bin := buildFront(t)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	cache, data := t.TempDir(), t.TempDir()
	path := "PATH=" + filepath.Dir(goTool(t)) + ":/usr/bin:/bin"
	// A fresh home, but Go's own caches, as the user's go would find them.
	env := []string{path, "XDG_CACHE_HOME=" + cache, "GOCACHE=" + goEnv(t, "GOCACHE"), "GOMODCACHE=" + goEnv(t, "GOMODCACHE"), "GOPROXY=" + goEnv(t, "GOPROXY")}
	out, code := run(t, root, env, bin, "keys", "list", "--data", data)
	if code != 0 || !strings.Contains(out, "sealing:") {
		t.Fatalf("keys list through a built engine: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(cache, "motcua", "motcua-engine")); err != nil {
		t.Fatalf("the engine is not in the cache folder: %v", err)
	}
}

func goEnv(t *testing.T, name string) string {
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

func goTool(t *testing.T) string {
	p, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// BenchmarkVerifyProcess is what an auditor's `motcua verify` of one result
// costs as a process, start-up included, beside pdfsig's on the same file
// when poppler is installed:
//
//	go test ./cmd/motcua -run '^$' -bench VerifyProcess
func BenchmarkVerifyProcess(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "motcua")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	_, signed := signertest.SignedReceipt(b, dir)
	file := filepath.Join(dir, "result.pdf")
	os.WriteFile(file, signed, 0o600)

	timed := func(name string, args ...string) (perRun time.Duration) {
		start := time.Now()
		for range b.N {
			if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
				b.Fatalf("%s: %v\n%s", name, err, out)
			}
		}
		return time.Since(start) / time.Duration(b.N)
	}
	b.ResetTimer()
	b.ReportMetric(float64(timed(bin, "verify", file, "--data", dir).Microseconds())/1000, "ms/verify")
	if _, err := exec.LookPath("pdfsig"); err == nil {
		b.ReportMetric(float64(timed("pdfsig", file).Microseconds())/1000, "ms/pdfsig")
	}
	b.ReportMetric(0, "ns/op")
}
