package main

import (
	"database/sql"
	"slices"

	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/apiclient"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/ports"
	"github.com/motcua/motcua/signer/signertest"
)

// The tests here run the real binary, as a user would: `motcua dev` on a
// data folder, killed with SIGKILL and started again.

var binary string

func TestMain(m *testing.M) {
	if rules := os.Getenv(holdEnv); rules != "" {
		os.Exit(runHeldWorker(rules, os.Args[2:])) // os.Args[1] is "worker"
	}
	dir, err := os.MkdirTemp("", "motcua-bin-")
	if err != nil {
		panic(err)
	}
	// Both binaries, side by side as `go build -o DIR ./cmd/...` leaves
	// them: the tests run motcua as a user does, which hands the engine's
	// commands to motcua-engine.
	binary = filepath.Join(dir, "motcua")
	if out, err := exec.Command("go", "build", "-o", dir+"/", ".", "../motcua").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build motcua: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// rewriteZip returns the zip with the named file changed (or added) and
// every checksum valid, as a forger would write it.
func rewriteZip(t *testing.T, zb []byte, name string, change func([]byte) []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(zb), int64(len(zb)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	found := false
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == name {
			found = true
			changed := change(b)
			if bytes.Equal(changed, b) {
				t.Fatalf("the change to %s changed nothing", name)
			}
			b = changed
		}
		w, _ := zw.Create(f.Name)
		w.Write(b)
	}
	if !found {
		w, _ := zw.Create(name)
		w.Write(change(nil))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// zipEntry is the content of the entry named name.
func zipEntry(t *testing.T, zb []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(zb), int64(len(zb)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withDuplicate returns the zip with one more entry named name after all
// of its own: two entries of one name, the first of which unzip extracts.
func withDuplicate(t *testing.T, zb []byte, name string, body []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(zb), int64(len(zb)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	w, _ := zw.Create(name)
	w.Write(body)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// processTest marks a test that runs motcua's processes for real: skipped
// by `go test -short` (the developers' loop), and run in parallel with the
// others, each on its own folder and ports.
func processTest(t *testing.T, what string) {
	t.Helper()
	if testing.Short() {
		t.Skip("process-level test (" + what + "); runs without -short")
	}
	t.Parallel()
}

// freeAddr is a loopback address for a child process to listen on (see
// package ports).
func freeAddr(t *testing.T) string {
	t.Helper()
	addr, err := ports.Loopback()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

type devProcess struct {
	cmd    *exec.Cmd
	api    string
	stderr *bytes.Buffer
}

type devConfig struct {
	data, api, temporal, pki string
	extra                    []string // more flags
	env                      []string // more environment, NAME=value
}

func startDev(t *testing.T, c devConfig) *devProcess {
	t.Helper()
	p := &devProcess{api: "http://" + c.api, stderr: &bytes.Buffer{}}
	p.cmd = exec.Command(binary, append([]string{"dev", "--data", c.data, "--api-addr", c.api, "--temporal-addr", c.temporal, "--ui-addr", "", "--pki-addr", c.pki}, c.extra...)...)
	p.cmd.Stderr = p.stderr
	p.cmd.Stdout = p.stderr
	if c.env != nil {
		p.cmd.Env = append(os.Environ(), c.env...)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait(); noIDNumbers(t, "motcua dev", p.stderr.String()) })
	deadline := time.Now().Add(startWithin)
	for {
		resp, err := http.Get(p.api + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		if strings.Contains(p.stderr.String(), "address already in use") {
			// Another process took a port between the check and the bind:
			// the API that answers may not be this one.
			t.Fatalf("motcua dev could not bind its ports:\n%s", p.stderr)
		}
		if time.Now().After(deadline) {
			t.Fatalf("motcua dev did not become healthy:\n%s", p.stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (p *devProcess) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
}

// call makes an API request with token through the API client and decodes
// the answer (an error body too) into out; it returns the status.
func (p *devProcess) call(t *testing.T, token, method, path string, body any, out any) int {
	t.Helper()
	resp, err := apiclient.New(p.api, token, nil).Raw(context.Background(), method, path, body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			t.Fatalf("%s %s: %d %s", method, path, resp.Status, resp.Body)
		}
	}
	return resp.Status
}

func tokens(t *testing.T, data string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(data, "dev-tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

const idNumber = "038201009876"

func TestDevSurvivesSIGKILLMidDossier(t *testing.T) {
	processTest(t, "kills motcua dev mid-dossier")
	cfg := devConfig{data: t.TempDir(), api: freeAddr(t), temporal: freeAddr(t), pki: freeAddr(t)}
	p := startDev(t, cfg)
	tok := tokens(t, cfg.data)
	for role, token := range tok {
		if strings.Contains(p.stderr.String(), token) {
			t.Errorf("motcua dev wrote the %s's token to its output", role)
		}
	}
	// Temporal's database runs on a write-ahead log (a mode the file
	// keeps): a pragma the driver does not know is silently ignored, as
	// ours once were.
	if got := sqlitePragma(t, filepath.Join(cfg.data, "temporal.db"), "journal_mode"); got != "wal" {
		t.Errorf("temporal.db's journal mode is %s, want wal", got)
	}
	// The databases hold every history and figure: their owner alone reads
	// them, logs included.
	dbs, _ := filepath.Glob(filepath.Join(cfg.data, "*.db*"))
	if len(dbs) < 2 {
		t.Errorf("no databases in the data folder: %v", dbs)
	}
	for _, db := range dbs {
		if fi, err := os.Stat(db); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", filepath.Base(db), fi.Mode())
		}
	}
	pdf := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4\n% scanned form\n%%EOF\n"))
	var created struct {
		DossierID string `json:"dossier_id"`
		Status    string `json:"status"`
	}
	body := map[string]any{
		"external_id": "BO-restart-1", "procedure_code": "2.000815", "channel": "counter",
		"applicant": map[string]string{"full_name": "Vũ Thị Lan", "id_number": idNumber, "phone": "0911222333"},
		"fields":    map[string]string{"document_title": "Bằng tốt nghiệp THPT", "copies": "2"},
		"documents": []map[string]string{{"code": "BAN_CHINH", "name": "bang.pdf", "content_type": "application/pdf", "content_base64": pdf}},
	}
	if s := p.call(t, tok["clerk"], "POST", "/v1/dossiers", body, &created); s != 201 {
		t.Fatalf("create: %d", s)
	}
	var st struct {
		Status string `json:"status"`
		Result *struct {
			SHA256 string `json:"sha256"`
		} `json:"result"`
		Portal struct {
			LastCode int `json:"last_code"`
			Pending  int `json:"pending"`
		} `json:"portal"`
		Steps []struct {
			Outcome string `json:"outcome"`
		} `json:"steps"`
	}
	id := created.DossierID
	// Certification of copies has a fee: the dossier waits for the payment
	// gateway. The process is killed while it waits, and comes back with
	// another edition of the catalog, which changes new dossiers only.
	if created.Status != "awaiting_payment" {
		t.Fatalf("after intake: %s", created.Status)
	}
	p.kill(t)
	edition := catalog.File{Version: "2026.12-test", Procedures: catalog.Default()}
	for _, p := range edition.Procedures {
		if r := (motcua.Register{Code: p.Register, Name: p.RegisterName}); r.Code != "" && !slices.Contains(edition.Registers, r) {
			edition.Registers = append(edition.Registers, r)
		}
	}
	for i := range edition.Procedures {
		edition.Procedures[i].Version = ""
		if edition.Procedures[i].Code == "2.000815" {
			edition.Procedures[i].SLAWorkingHours = 4
		}
	}
	catalogFile := filepath.Join(t.TempDir(), "catalog.json")
	if b, err := json.Marshal(edition); err != nil || os.WriteFile(catalogFile, b, 0o600) != nil {
		t.Fatal(err)
	}
	cfg.extra = []string{"--catalog", catalogFile}
	p = startDev(t, cfg)
	var versions struct {
		Version          string    `json:"version"`
		ProcedureVersion string    `json:"procedure_version"`
		Status           string    `json:"status"`
		DueAt            time.Time `json:"due_at"`
		ReceivedAt       time.Time `json:"received_at"`
	}
	if p.call(t, tok["clerk"], "GET", "/v1/procedures", nil, &versions); versions.Version != "2026.12-test" {
		t.Errorf("GET /v1/procedures after restart: version %q", versions.Version)
	}
	if p.call(t, tok["clerk"], "GET", "/v1/dossiers/"+id, nil, &versions); versions.Status != "awaiting_payment" || versions.ProcedureVersion != catalog.Default()[0].Version {
		t.Fatalf("after restart: %+v, want awaiting_payment in the built-in catalog's version", versions)
	}
	newer := map[string]any{}
	for k, v := range body {
		newer[k] = v
	}
	newer["external_id"] = "BO-restart-2"
	newer["applicant"] = map[string]string{"full_name": "Vũ Thị Lan", "id_number": idNumber}
	var second struct {
		DossierID string `json:"dossier_id"`
	}
	p.call(t, tok["clerk"], "POST", "/v1/dossiers", newer, &second)
	if p.call(t, tok["clerk"], "GET", "/v1/dossiers/"+second.DossierID, nil, &versions); versions.ProcedureVersion != "2026.12-test" ||
		!versions.DueAt.Equal(calendar.Vietnam.AddWorkingHours(versions.ReceivedAt, 4)) {
		t.Errorf("a dossier taken in after the new catalog: %+v", versions)
	}
	pay := map[string]any{"transaction_id": "GW-" + id, "amount_vnd": 4000, "method": "counter", "paid_at": time.Now().Format(time.RFC3339)}
	if s := p.call(t, tok["system"], "POST", "/v1/dossiers/"+id+"/payment", pay, &st); s != 200 || st.Status != "in_review" {
		t.Fatalf("payment after restart: %d %s", s, st.Status)
	}
	if s := p.call(t, tok["specialist"], "POST", "/v1/dossiers/"+id+"/review", map[string]string{"decision": "approve"}, &st); s != 200 {
		t.Fatalf("review: %d", s)
	}
	p.kill(t)

	// Start again on the same data: the dossier is where it was.
	p = startDev(t, cfg)
	if s := p.call(t, tok["clerk"], "GET", "/v1/dossiers/"+id, nil, &st); s != 200 || st.Status != "awaiting_signature" {
		t.Fatalf("after restart: %d %s", s, st.Status)
	}
	// The same external id is still the same dossier.
	var again struct {
		DossierID string `json:"dossier_id"`
	}
	if s := p.call(t, tok["system"], "POST", "/v1/dossiers", body, &again); s != 200 || again.DossierID != id {
		t.Fatalf("re-sent intake after restart: %d %s", s, again.DossierID)
	}
	if s := p.call(t, tok["vice_chairman"], "POST", "/v1/dossiers/"+id+"/sign", map[string]string{"decision": "sign"}, &st); s != 200 {
		t.Fatalf("sign: %d", s)
	}
	// A parent's acknowledgement waits for the commune police when the
	// process is killed; the answer is taken after the restart.
	consult := map[string]any{
		"external_id": "BO-restart-3", "procedure_code": "1.000689", "channel": "counter",
		"applicant": map[string]string{"full_name": "Vũ Văn Hải", "id_number": "038201001111"},
		"fields":    map[string]string{"parent_name": "Vũ Văn Hải", "child_name": "Vũ Minh Anh", "relationship": "cha"},
		"documents": []map[string]string{{"code": "TK_NCMC", "name": "tk.pdf", "content_type": "application/pdf", "content_base64": pdf},
			{"code": "CHUNG_CU", "name": "cc.pdf", "content_type": "application/pdf", "content_base64": pdf}},
	}
	var third struct {
		DossierID string `json:"dossier_id"`
	}
	p.call(t, tok["clerk"], "POST", "/v1/dossiers", consult, &third)
	if s := p.call(t, tok["specialist"], "POST", "/v1/dossiers/"+third.DossierID+"/review", map[string]string{"decision": "approve"}, &st); s != 200 || st.Status != "in_consultation" {
		t.Fatalf("consultation: %d %s", s, st.Status)
	}
	p.kill(t)
	p = startDev(t, cfg)
	if s := p.call(t, tok["system"], "POST", "/v1/dossiers/"+third.DossierID+"/consultation",
		map[string]string{"outcome": "agreed", "comment": "Đã xác minh"}, &st); s != 200 || st.Status != "awaiting_signature" {
		t.Fatalf("the answer after the restart: %d %s", s, st.Status)
	}
	// Activities the killed worker had started are retried once their
	// start-to-close timeout (30s) passes.
	deadline := time.Now().Add(3 * time.Minute)
	for {
		p.call(t, tok["clerk"], "GET", "/v1/dossiers/"+id, nil, &st)
		if st.Status == "completed" && st.Portal.Pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not completed after restart: %+v", st)
		}
		time.Sleep(100 * time.Millisecond)
	}
	signed := 0
	for _, s := range st.Steps {
		if s.Outcome == "signed" {
			signed++
		}
	}
	if signed != 1 || st.Result == nil || st.Portal.LastCode != 9 {
		t.Errorf("final state %+v", st)
	}
	// The citizen collects the result: the dossier is returned, the portal
	// hears code 10.
	if s := p.call(t, tok["clerk"], "POST", "/v1/dossiers/"+id+"/hand-back", map[string]string{"method": "counter", "received_by": "Vũ Thị Lan"}, &st); s != 200 || st.Status != "returned" {
		t.Fatalf("hand-back: %d %s", s, st.Status)
	}
	// The result is timestamped by the dev TSA and carries its OCSP answer.
	result, err := apiclient.New(p.api, tok["clerk"], nil).Result(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "result.pdf")
	os.WriteFile(path, result, 0o600)
	// ...and the independent checkers agree: two valid signatures (the
	// vice-chairman's, then the office's), a document timestamp over the
	// whole file, trusted through the dev root, and a sound file.
	signertest.Qpdf(t, path)
	if c := signertest.OpenSSL(t, path, filepath.Join(cfg.data, "ca", "root.crt")); c.Timestamped == 0 || c.DocTimestamps == 0 || c.PAdESBaseline != c.Signatures {
		t.Error("openssl found no timestamp on the dev result")
	}
	if text := signertest.PdfsigTrusting(t, path, filepath.Join(cfg.data, "ca", "root.crt")); strings.Count(text, "Signature is Valid") != 2 ||
		!strings.Contains(text, "Total document signed") || !strings.Contains(text, "Certificate is Trusted") ||
		!strings.Contains(text, "Phó Chủ tịch UBND xã Tân Lập") || !strings.Contains(text, "Common Name: Ủy ban nhân dân xã Tân Lập") || !strings.Contains(text, "ETSI.CAdES.detached") {
		t.Errorf("pdfsig:\n%s", text)
	}
	report, err := exec.Command(binary, "verify", path, "--data", cfg.data).CombinedOutput()
	if err != nil || !strings.Contains(string(report), "motcua dev TSA") || !strings.Contains(string(report), "trả lời OCSP/CRL") || !strings.Contains(string(report), "Phát hành / Issue: đã phát hành") ||
		!strings.Contains(string(report), "VERDICT: HỢP LỆ / VALID") || !strings.Contains(string(report), "Mức PAdES / PAdES level:     B-LTA") {
		t.Errorf("verify: %v\n%s", err, report)
	}
	// Exactly one signed result, one email-less SMS in the outbox.
	sms, _ := filepath.Glob(filepath.Join(cfg.data, "outbox", "*.sms"))
	if len(sms) != 1 {
		t.Errorf("%d SMS in the outbox, want 1", len(sms))
	}
	// Personal data is in no Temporal database file and in no log line.
	files, _ := filepath.Glob(filepath.Join(cfg.data, "temporal.db*"))
	if len(files) == 0 {
		t.Fatal("no temporal database files")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(idNumber)) || bytes.Contains(b, []byte("0911222333")) {
			t.Errorf("%s holds personal data in clear", filepath.Base(f))
		}
	}
	if strings.Contains(p.stderr.String(), idNumber) {
		t.Error("the log shows the ID number")
	}

	// The auditor exports, replays and verifies the dossier.
	auditCmd := func(args ...string) (string, int) {
		args = append([]string{"audit"}, args...)
		args = append(args, "--temporal-addr", cfg.temporal, "--data", cfg.data)
		out, err := exec.Command(binary, args...).CombinedOutput()
		code := 0
		if e, ok := err.(*exec.ExitError); ok {
			code = e.ExitCode()
		}
		return string(out), code
	}
	exported := filepath.Join(t.TempDir(), id+".json")
	if out, code := auditCmd("export", "--dossier", id, "-o", exported); code != 0 {
		t.Fatalf("export: %d %s", code, out)
	}
	for _, args := range [][]string{{"replay", exported}, {"replay", "--dossier", id}, {"replay", "--all", "--status", "returned"}} {
		if out, code := auditCmd(args...); code != 0 || !strings.Contains(out, "ok ") {
			t.Errorf("audit %v: %d\n%s", args, code, out)
		}
	}
	if out, code := auditCmd("rebuild-read-model"); code != 0 || !strings.Contains(out, "3 dossiers") {
		t.Errorf("rebuild-read-model: %d\n%s", code, out)
	}
	if out, code := auditCmd("timeline", "--dossier", id, "--lang", "vi"); code != 0 || !strings.Contains(out, "Ký số kết quả") ||
		!strings.Contains(out, "thẩm định: chấp thuận") || !strings.Contains(out, "vice1") {
		t.Errorf("timeline: %d\n%s", code, out)
	}
	if out, code := auditCmd("verify", "--dossier", id); code != 0 || !strings.Contains(out, `"problems": null`) {
		t.Errorf("verify: %d\n%s", code, out)
	}
	// An offline bundle checks out with no server; an altered one does not.
	bundle := filepath.Join(t.TempDir(), "bundle.zip")
	if out, code := auditCmd("bundle", "--dossier", id, "-o", bundle); code != 0 {
		t.Fatalf("bundle: %d %s", code, out)
	}
	check := func(path string) (string, int) {
		out, err := exec.Command(binary, "audit", "check-bundle", path, "--data", cfg.data).CombinedOutput()
		code := 0
		if e, ok := err.(*exec.ExitError); ok {
			code = e.ExitCode()
		}
		return string(out), code
	}
	if out, code := check(bundle); code != 0 || !strings.Contains(out, `"problems": null`) {
		t.Errorf("check-bundle: %d\n%s", code, out)
	}
	// An outside auditor has the bundle alone, in an empty folder: it is
	// intact but not trusted (exit 3, the key's fingerprint said) until they
	// trust the unit's root or pin the key.
	outside := func(args ...string) (string, int) {
		cmd := exec.Command(binary, append([]string{"audit", "check-bundle", bundle}, args...)...)
		cmd.Dir = t.TempDir()
		out, err := cmd.CombinedOutput()
		code := 0
		if e, ok := err.(*exec.ExitError); ok {
			code = e.ExitCode()
		}
		return string(out), code
	}
	out, code := outside()
	var res struct {
		AuditKey string `json:"audit_key_sha256"`
	}
	json.Unmarshal([]byte(out[:strings.LastIndex(out, "}")+1]), &res)
	if code != 3 || res.AuditKey == "" || !strings.Contains(out, "signed by audit key "+res.AuditKey) {
		t.Errorf("check-bundle with nothing trusted: %d\n%s", code, out)
	}
	if out, code := outside("--roots", filepath.Join(cfg.data, "ca", "root.crt")); code != 0 || !strings.Contains(out, `"trusted": "chains to`) {
		t.Errorf("check-bundle trusting the unit's root: %d\n%s", code, out)
	}
	if out, code := outside("--audit-key", res.AuditKey, "--roots", filepath.Join(cfg.data, "ca", "root.crt")); code != 0 || !strings.Contains(out, `"trusted": "pinned audit key"`) {
		t.Errorf("check-bundle pinning the audit key: %d\n%s", code, out)
	}
	if out, code := outside("--audit-key", strings.Repeat("0", 64)); code != 3 {
		t.Errorf("check-bundle pinning another key: %d\n%s", code, out)
	}
	// A motcua-data folder lying where it runs is not trusted: a forger
	// plants one next to a bundle re-signed with their own key. (Here it
	// holds the office's real keys: trusting it would pass.)
	planted := t.TempDir()
	for _, f := range []string{filepath.Join("ca", "root.crt"), filepath.Join("keys", "audit-key.crt")} {
		b, err := os.ReadFile(filepath.Join(cfg.data, f))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(planted, "motcua-data", filepath.Dir(f)), 0o700)
		os.WriteFile(filepath.Join(planted, "motcua-data", f), b, 0o600)
	}
	cmd := exec.Command(binary, "audit", "check-bundle", bundle)
	cmd.Dir = planted
	if out, err := cmd.CombinedOutput(); cmd.ProcessState.ExitCode() != 3 || strings.Contains(string(out), "pinned audit key") {
		t.Errorf("check-bundle next to a planted motcua-data: %v\n%s", err, out)
	}
	// A forger rewrites the zip with valid checksums: a line of the
	// timeline changed, or a file slipped in; the signed manifest catches
	// each.
	zb, _ := os.ReadFile(bundle)
	for name, forged := range map[string][]byte{
		"timeline-vi.txt": rewriteZip(t, zb, "timeline-vi.txt", func(b []byte) []byte {
			return bytes.Replace(b, []byte("Ký số kết quả"), []byte("Trả lại hồ sơ"), 1)
		}),
		"extra.txt": rewriteZip(t, zb, "extra.txt", func([]byte) []byte { return []byte("added later") }),
		// A forged timeline first (what unzip shows), the signed one after
		// (what a reader keeping the last would check).
		"two entries with this name": withDuplicate(t, rewriteZip(t, zb, "timeline-vi.txt", func(b []byte) []byte {
			return bytes.Replace(b, []byte("Ký số kết quả"), []byte("Trả lại hồ sơ"), 1)
		}), "timeline-vi.txt", zipEntry(t, zb, "timeline-vi.txt")),
	} {
		altered := filepath.Join(t.TempDir(), "altered.zip")
		os.WriteFile(altered, forged, 0o600)
		if out, code := check(altered); code != 1 || !strings.Contains(out, name) {
			t.Errorf("check-bundle of a bundle with %s forged: %d\n%s", name, code, out)
		}
	}

	// Tampering with the archived file is detected.
	blobs, _ := filepath.Glob(filepath.Join(cfg.data, "archive", "blobs", st.Result.SHA256[:2], st.Result.SHA256))
	if len(blobs) != 1 {
		t.Fatalf("archived blob not found: %v", blobs)
	}
	os.Chmod(blobs[0], 0o600)
	b, _ := os.ReadFile(blobs[0])
	b[len(b)/2] ^= 1
	os.WriteFile(blobs[0], b, 0o600)
	if out, code := auditCmd("verify", "--dossier", id); code != 1 || !strings.Contains(out, "altered") {
		t.Errorf("verify after tampering: %d\n%s", code, out)
	}
}

func TestDevRefusesABusyPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cmd := exec.Command(binary, "dev", "--data", t.TempDir(), "--api-addr", l.Addr().String(), "--temporal-addr", freeAddr(t), "--ui-addr", "")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errorsAs(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("motcua dev on a busy port: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "cannot listen on "+l.Addr().String()) || strings.Contains(string(out), "panic") {
		t.Errorf("unclear error:\n%s", out)
	}
	// A busy Temporal port too.
	cmd = exec.Command(binary, "dev", "--data", t.TempDir(), "--api-addr", freeAddr(t), "--temporal-addr", l.Addr().String(), "--ui-addr", "")
	out, _ = cmd.CombinedOutput()
	if !strings.Contains(string(out), "cannot listen on "+l.Addr().String()) || strings.Contains(string(out), "panic") {
		t.Errorf("unclear error for the temporal port:\n%s", out)
	}
}

// sqlitePragma reads a pragma of the SQLite file at path as a new
// connection sees it.
func sqlitePragma(t *testing.T, path, pragma string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v string
	if err := db.QueryRow("PRAGMA " + pragma).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}
