// Package realservers starts the real outside servers tests run against, in
// temporary folders: PostgreSQL from Debian's packages and SeaweedFS's S3
// server (the weed binary .ci/run builds from its Go module). Without them
// a test is skipped under -short and fails otherwise, saying what to
// install.
package realservers

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// S3 credentials of the SeaweedFS the tests start; tests give them to
// processes the standard AWS way.
const (
	S3AccessKey = "motcua-test"
	S3SecretKey = "motcua-test-secret-key"
)

// missing skips under -short, and fails otherwise: CI installs everything.
func missing(t testing.TB, what string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("%s (skipped under -short)", what)
	}
	t.Fatalf("%s: run .ci/run once, or install it as .ci/run does", what)
}

// Port returns a free TCP port on loopback below limit (the kernel's own
// range starts at 32768: ports drawn below it are not handed out to
// others meanwhile).
func Port(t testing.TB, limit int) int {
	t.Helper()
	for range 200 {
		p := 10000 + rand.IntN(limit-10000)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err == nil {
			l.Close()
			return p
		}
	}
	t.Fatal("no free port")
	return 0
}

// waitPort waits until something listens on addr.
func waitPort(t testing.TB, addr string, within time.Duration, log func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s after %v:\n%s", addr, within, log())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// postgresBin finds Debian's PostgreSQL programs (the newest version).
func postgresBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("PostgreSQL is not installed (apt-get install postgresql)")
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// Postgres starts a PostgreSQL server of its own in a temporary folder on a
// free loopback port and returns its URL (user temporal, trusted, no
// password), stopped when the test ends. As root it runs as the postgres
// user, which PostgreSQL requires.
func Postgres(t testing.TB) string {
	t.Helper()
	bin, err := postgresBin()
	if err != nil {
		missing(t, err.Error())
	}
	dir, err := os.MkdirTemp("", "motcua-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, PostgreSQL needs its own user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	run := func(name string, args ...string) *exec.Cmd {
		c := exec.Command(filepath.Join(bin, name), args...)
		c.Dir = dir
		c.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		return c
	}
	data := filepath.Join(dir, "data")
	if out, err := run("initdb", "-D", data, "-U", "temporal", "--auth=trust", "-E", "UTF8", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	port := Port(t, 32000)
	var log bytes.Buffer
	server := run("postgres", "-D", data, "-p", strconv.Itoa(port), "-k", dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "max_connections=400", "-c", "shared_buffers=64MB")
	server.Stdout, server.Stderr = &log, &log
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		server.Process.Signal(syscall.SIGINT) // fast shutdown
		done := make(chan struct{})
		go func() { server.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			server.Process.Kill()
			<-done
		}
	})
	waitPort(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Minute, log.String)
	return fmt.Sprintf("postgres://temporal@127.0.0.1:%d/temporal?sslmode=disable", port)
}

// weedBinary finds SeaweedFS's weed: $MOTCUA_WEED, .cache/bin/weed at the
// repository's root (where .ci/run builds it), or on PATH.
func weedBinary() (string, error) {
	if p := os.Getenv("MOTCUA_WEED"); p != "" {
		return p, nil
	}
	if wd, err := os.Getwd(); err == nil {
		for d := wd; d != filepath.Dir(d); d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				p := filepath.Join(d, ".cache", "bin", "weed")
				if _, err := os.Stat(p); err == nil {
					return p, nil
				}
				break
			}
		}
	}
	if p, err := exec.LookPath("weed"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("SeaweedFS's weed is not built (.ci/run builds it into .cache/bin)")
}

// S3 starts SeaweedFS (master, volume, filer and S3 gateway in one process,
// its "mini" setup) in a temporary folder and returns the S3 endpoint
// (http://127.0.0.1:PORT), which takes the S3AccessKey/S3SecretKey
// credentials. It is stopped when the test ends.
func S3(t testing.TB) string {
	t.Helper()
	weed, err := weedBinary()
	if err != nil {
		missing(t, err.Error())
	}
	dir := t.TempDir()
	conf := fmt.Sprintf(`{"identities":[{"name":"motcua","credentials":[{"accessKey":%q,"secretKey":%q}],"actions":["Admin","Read","Write","List","Tagging"]}]}`, S3AccessKey, S3SecretKey)
	if err := os.WriteFile(filepath.Join(dir, "s3.json"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	// Each service's gRPC port is its HTTP port + 10000: draw below 22000.
	port := func() string { return strconv.Itoa(Port(t, 22000)) }
	s3 := port()
	cmd := exec.Command(weed, "mini", "-dir="+filepath.Join(dir, "data"), "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-master.port="+port(), "-volume.port="+port(), "-filer.port="+port(), "-s3.port="+s3,
		"-admin.ui=false", "-admin.port="+port(), "-admin.port.legacy=0", "-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
		"-s3.config="+filepath.Join(dir, "s3.json"))
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitPort(t, "127.0.0.1:"+s3, 2*time.Minute, log.String)
	return "http://127.0.0.1:" + s3
}
