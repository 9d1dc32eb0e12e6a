package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/motcua/motcua/apiclient"
	"github.com/motcua/motcua/internal/leaks"
)

// proc is a motcua child process.
type proc struct {
	cmd *exec.Cmd
	out *bytes.Buffer
}

func start(t *testing.T, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(binary, args...), out: &bytes.Buffer{}}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		p.cmd.Wait()
		noIDNumbers(t, "motcua "+args[0], p.out.String())
		if t.Failed() { // what the process said, for the reader of the failure
			out := p.out.Bytes()
			t.Logf("motcua %s said (last 3000 bytes):\n%s", args[0], out[max(0, len(out)-3000):])
		}
	})
	return p
}

// noIDNumbers fails t when a process's output writes a citizen ID number.
func noIDNumbers(t *testing.T, who, out string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if ids := leaks.IDNumbers(line); len(ids) > 0 {
			t.Errorf("%s wrote a citizen ID number: %s", who, line)
		}
	}
}

func (p *proc) signal(t *testing.T, s syscall.Signal) error {
	t.Helper()
	p.cmd.Process.Signal(s)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(60 * time.Second):
		t.Fatalf("%v did not end after %v:\n%s", p.cmd.Args[1], s, p.out)
		return nil
	}
}

// startWithin is how long a process test waits for a process to answer:
// the process tests run in parallel, a dozen processes on two cores, and a
// Temporal server's first start creates its database.
const startWithin = 3 * time.Minute

// waitStatus polls url until it answers want.
func waitStatus(t *testing.T, url string, want int) {
	t.Helper()
	deadline := time.Now().Add(startWithin)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == want {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never answered %d", url, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The worker and the API run as separate processes against the durable
// server; while the server is down the API answers 503 with the error body,
// and it recovers by itself when the server is back. SIGTERM stops a worker
// cleanly.
func TestSeparateProcessesSurviveTheServerGoingAway(t *testing.T) {
	processTest(t, "stops and restarts the server")
	data := t.TempDir()
	temporal, apiAddr, portalAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	token := "test-clerk-token"
	sum := sha256.Sum256([]byte(token))
	users := filepath.Join(data, "users.json")
	b, _ := json.Marshal(map[string]any{"users": []map[string]string{
		{"id": "clerk1", "name": "Trần Thị Mai", "role": "clerk", "token_sha256": hex.EncodeToString(sum[:])}}})
	os.WriteFile(users, b, 0o600)

	uiAddr := freeAddr(t)
	server := start(t, "server", "--data", data, "--temporal-addr", temporal, "--ui-addr", uiAddr)
	start(t, "portal-sim", "--addr", portalAddr)
	worker := start(t, "worker", "--data", data, "--temporal-addr", temporal, "--portal-url", "http://"+portalAddr, "--outbox", filepath.Join(data, "outbox"))
	start(t, "api", "--data", data, "--temporal-addr", temporal, "--users", users, "--api-addr", apiAddr)
	api := "http://" + apiAddr
	waitStatus(t, api+"/healthz", 200)
	uiIsReadOnly(t, "http://"+uiAddr)
	cutsOffSlowHeaders(t, uiAddr)

	dev := &devProcess{api: api}
	var created struct {
		DossierID string `json:"dossier_id"`
	}
	body := map[string]any{
		"procedure_code": "1.004227", "channel": "online",
		"applicant": map[string]string{"full_name": "Hoàng Văn Nam", "id_number": "001099012345"},
		"fields":    map[string]string{"purpose": "Kết hôn", "marital_status": "Chưa kết hôn"},
		"documents": []map[string]string{{"code": "TK_XNHN", "name": "tk.pdf", "content_type": "application/pdf", "content_base64": "JVBERi0xLjQKJSVFT0YK"}},
	}
	if s := dev.call(t, token, "POST", "/v1/dossiers", body, &created); s != 201 {
		t.Fatalf("create: %d", s)
	}

	server.signal(t, syscall.SIGKILL)
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if s := dev.call(t, token, "GET", "/v1/dossiers/"+created.DossierID, nil, &e); s != 503 || e.Error.Code != "unavailable" {
		t.Errorf("with the server down: %d %+v", s, e)
	}
	waitStatus(t, api+"/healthz", 503)

	start(t, "server", "--data", data, "--temporal-addr", temporal, "--ui-addr", "")
	waitStatus(t, api+"/healthz", 200)
	var st struct {
		Status string `json:"status"`
	}
	deadline := time.Now().Add(60 * time.Second)
	for dev.call(t, token, "GET", "/v1/dossiers/"+created.DossierID, nil, &st); st.Status != "in_review"; dev.call(t, token, "GET", "/v1/dossiers/"+created.DossierID, nil, &st) {
		if time.Now().After(deadline) {
			t.Fatalf("the API did not recover: %+v", st)
		}
		time.Sleep(200 * time.Millisecond)
	}

	if err := worker.signal(t, syscall.SIGTERM); err != nil {
		t.Errorf("worker on SIGTERM: %v\n%s", err, worker.out)
	}
	if !bytes.Contains(worker.out.Bytes(), []byte("stopping worker")) {
		t.Errorf("the worker did not stop cleanly:\n%s", worker.out)
	}
}

// cutsOffSlowHeaders checks that the server at addr closes the connection
// of a client that sends its headers a byte every 2 seconds (it would hold
// a connection for ever), instead of waiting for the end of them.
func cutsOffSlowHeaders(t *testing.T, addr string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: %s\r\n", addr)
	closed := make(chan struct{})
	go func() {
		io.Copy(io.Discard, conn) // returns when the server closes
		close(closed)
	}()
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	give := time.After(60 * time.Second)
	for {
		select {
		case <-closed:
			return
		case <-tick.C:
			conn.Write([]byte("X"))
		case <-give:
			t.Errorf("%s still waits for the headers of a client that sends a byte every 2 s", addr)
			return
		}
	}
}

// uiIsReadOnly checks that the Temporal Web UI at base refuses every write
// (terminate, start, signal, update...), even with its own CSRF token, and
// says so in its settings.
func uiIsReadOnly(t *testing.T, base string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	ui := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	waitStatus(t, base+"/api/v1/settings", 200)
	resp, err := ui.Get(base + "/api/v1/settings")
	if err != nil {
		t.Fatal(err)
	}
	var settings map[string]any
	json.NewDecoder(resp.Body).Decode(&settings)
	resp.Body.Close()
	if settings["DisableWriteActions"] != true || settings["WorkflowUpdateDisabled"] != true || settings["StartWorkflowDisabled"] != true {
		t.Errorf("the Web UI allows writes: %v", settings)
	}
	u, _ := url.Parse(base)
	var csrf string
	for _, c := range jar.Cookies(u) {
		if c.Name == "_csrf" {
			csrf = c.Value
		}
	}
	for _, path := range []string{"/workflows/x/terminate", "/workflows/x/signal/approve", "/workflows/x/update/sign", "/workflows/x/reset", "/workflows"} {
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/namespaces/motcua"+path, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-TOKEN", csrf)
		resp, err := ui.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST %s through the Web UI: %d, want 405", path, resp.StatusCode)
		}
	}
}

// office is one office's processes on one machine, each its own: the
// Temporal server, the portal simulator, a worker and the API, sharing a
// data folder, with the users of writeUsers.
type office struct {
	data, temporal, api string
	users               string // the users file
	tok                 map[string]string
	as                  map[string]*apiclient.Client // by role
	workerArgs          []string                     // `motcua worker` as started; start more with them
	worker              *proc
}

// startOffice starts an office; workerFlags are added to the worker's.
func startOffice(t *testing.T, workerFlags ...string) *office {
	t.Helper()
	o := &office{data: t.TempDir(), temporal: freeAddr(t)}
	portal := freeAddr(t)
	users, tok := writeUsers(t, o.data)
	o.users, o.tok = users, tok
	seedRecordingKey(t, o.data)
	o.workerArgs = append([]string{"worker", "--data", o.data, "--temporal-addr", o.temporal, "--portal-url", "http://" + portal, "--outbox", filepath.Join(o.data, "outbox")}, workerFlags...)
	start(t, "server", "--data", o.data, "--temporal-addr", o.temporal, "--ui-addr", "")
	start(t, "portal-sim", "--addr", portal)
	o.worker = start(t, o.workerArgs...)
	o.api, _ = o.startAPI(t)
	o.as = newRoleClient("http://"+o.api, tok)
	return o
}

// startAPI starts one more API of the office with flags added, and
// returns its address once it answers.
func (o *office) startAPI(t *testing.T, flags ...string) (string, *proc) {
	t.Helper()
	addr := freeAddr(t)
	p := start(t, append([]string{"api", "--data", o.data, "--temporal-addr", o.temporal, "--users", o.users, "--api-addr", addr}, flags...)...)
	waitStatus(t, "http://"+addr+"/healthz", 200)
	return addr, p
}
