package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/server/temporaltest"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/activities"
	"github.com/motcua/motcua/apiclient"
	"github.com/motcua/motcua/internal/accounts"
	"github.com/motcua/motcua/internal/api"
	"github.com/motcua/motcua/internal/archive"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/codec"
	"github.com/motcua/motcua/internal/document"
	"github.com/motcua/motcua/internal/leaks"
	"github.com/motcua/motcua/internal/logging"
	"github.com/motcua/motcua/internal/notify"
	"github.com/motcua/motcua/internal/notify/notifytest"
	"github.com/motcua/motcua/internal/portal"
	"github.com/motcua/motcua/internal/portal/portalsim"
	"github.com/motcua/motcua/internal/readmodel"
	"github.com/motcua/motcua/internal/recorded"
	"github.com/motcua/motcua/internal/vouch"
	"github.com/motcua/motcua/signer"
	"github.com/motcua/motcua/signer/devca"
	"github.com/motcua/motcua/wire"
	"github.com/motcua/motcua/worker"
	"github.com/motcua/motcua/workflows"
)

// env is the engine under test: one real Temporal server for the package,
// a worker with the real activities, the HTTP API, the portal simulator,
// an SMTP server and an SMS gateway, all on loopback.
var env struct {
	ts  *temporaltest.TestServer
	tc  client.Client
	raw client.Client // a client without the codec: sees what Temporal stores
	dc  converter.DataConverter
	// newServer makes another API over the same engine.
	newServer func() *api.Server
	logins    map[motcua.Role]accounts.DevLogin // every role's username and password
	api       *httptest.Server
	portal    *portalsim.Simulator
	smtp      *notifytest.SMTPServer
	sms       *notifytest.SMSGateway
	store     *archive.Store
	facts     *readmodel.Store
	ca        *devca.CA
	dir       string
	tokens    map[motcua.Role]string
	roleIDs   map[motcua.Role]string
	logs      lockedBuffer
}

// lockedBuffer collects log lines written from many goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// Lines returns the lines written so far.
func (l *lockedBuffer) Lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Split(strings.TrimSpace(l.b.String()), "\n")
}

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "setup:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

type quiet struct{}

func (quiet) Debug(string, ...any) {}
func (quiet) Info(string, ...any)  {}
func (quiet) Warn(string, ...any)  {}
func (quiet) Error(string, ...any) {}

func run(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "motcua-api-test-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	env.dir = dir
	// The test key of the recorded histories, so that a run can record new
	// ones (see record).
	key, err := codec.LoadOrCreateKey("../../workflows/testdata/payload.key")
	if err != nil {
		return 0, err
	}
	dc, err := codec.DataConverter(key)
	if err != nil {
		return 0, err
	}
	env.ts = temporaltest.NewServer(temporaltest.WithBaseClientOptions(client.Options{Logger: sdklog.Logger(quiet{})}))
	defer env.ts.Stop()
	// Every log line of the engine is kept (env.logs) for the tests that
	// read them, and shown with MOTCUA_TEST_LOG set.
	var logTo io.Writer = &env.logs
	if os.Getenv("MOTCUA_TEST_LOG") != "" {
		logTo = io.MultiWriter(&env.logs, os.Stderr)
	}
	var sdkLogger sdklog.Logger = logging.SDK{L: zerolog.New(logTo)}
	tc := env.ts.NewClientWithOptions(client.Options{DataConverter: dc, Logger: sdkLogger, Interceptors: worker.ClientInterceptors(dc)})
	env.raw = env.ts.GetDefaultClient()
	env.tc, env.dc = tc, dc
	if err := worker.EnsureSearchAttributes(context.Background(), tc, env.ts.GetDefaultNamespace()); err != nil {
		return 0, err
	}
	if env.store, err = archive.Open(filepath.Join(dir, "archive")); err != nil {
		return 0, err
	}
	if env.ca, err = devca.Open(filepath.Join(dir, "ca"), motcua.DefaultUnit.Name); err != nil {
		return 0, err
	}
	if env.portal, err = portalsim.New(portalsim.Faults{}, ""); err != nil {
		return 0, err
	}
	portalSrv := httptest.NewServer(env.portal)
	defer portalSrv.Close()
	if env.smtp, err = notifytest.StartSMTP(); err != nil {
		return 0, err
	}
	defer env.smtp.Close()
	env.sms = notifytest.StartSMS()
	defer env.sms.Close()
	ledger, err := notify.NewLedger(filepath.Join(dir, "notify"))
	if err != nil {
		return 0, err
	}
	log := zerolog.New(logTo)
	commands, err := vouch.LoadOrCreate(filepath.Join(dir, "keys", "command.key"))
	if err != nil {
		return 0, err
	}
	acts := &activities.Activities{
		Unit: testUnit, Store: env.store, Commands: commands.Verifier(),
		Keys: func(u motcua.User) (signer.Key, error) {
			return env.ca.Key(devca.Person{ID: u.ID, Name: u.Name})
		},
		Signing: signer.Options{Roots: env.ca.Roots()},
		Portal:  &portal.Client{BaseURL: portalSrv.URL},
		Email:   notify.Once{Channel: "email", Sender: notify.SMTP{Addr: env.smtp.Addr, From: "motcua@localhost"}, Ledger: ledger},
		SMS:     notify.Once{Channel: "sms", Sender: notify.SMSGateway{URL: env.sms.URL}, Ledger: ledger},
		Log:     log,
	}
	users, tokens, logins, err := accounts.LoadOrCreateDevUsers(filepath.Join(dir, "tokens.json"), filepath.Join(dir, "passwords.json"))
	if err != nil {
		return 0, err
	}
	if env.facts, err = readmodel.Open(filepath.Join(dir, "readmodel.db")); err != nil {
		return 0, err
	}
	acts.Staff, acts.Catalog, acts.Facts = users.Staff(), catalog.Default(), env.facts
	acts.Registers = workflows.Registers{Temporal: tc, Unit: motcua.DefaultUnit}
	acts.OfficeKey = func() (signer.Key, error) { return env.ca.OfficeKey(motcua.DefaultUnit.Name) }
	acts.Looks = activities.Looks{Signature: func(u motcua.User) []byte { return devca.Handwriting(u.Name) }, Seal: devca.Seal(motcua.DefaultUnit.Name)}
	w := worker.New(tc, dc, acts)
	if err := w.Start(); err != nil {
		return 0, err
	}
	defer w.Stop()
	env.tokens, env.logins = tokens, logins
	env.roleIDs = map[motcua.Role]string{}
	for _, u := range accounts.DevUsers {
		env.roleIDs[u.Role] = u.ID
	}
	auditKey, err := audit.LoadOrCreateAuditKey(filepath.Join(dir, "keys"), env.ca.CertifyAuditKey)
	if err != nil {
		return 0, err
	}
	pc, err := codec.New(key)
	if err != nil {
		return 0, err
	}
	// newServer makes an API over the engine; the tests that need their
	// own (a fresh rate limit, say) make another.
	env.newServer = func() *api.Server {
		return &api.Server{
			Temporal: tc, DataConverter: dc, Namespace: env.ts.GetDefaultNamespace(), Users: users,
			Catalog: catalog.Default(), Unit: testUnit, Calendar: calendar.Vietnam,
			Store: env.store, Commands: commands, AuditKey: auditKey, Codec: pc, UIOrigin: testUIOrigin, Log: log,
			Facts: env.facts, Roots: env.ca.Roots(),
		}
	}
	srv := env.newServer()
	env.api = httptest.NewServer(srv.Handler())
	defer env.api.Close()
	code := m.Run()
	// No test may have made the engine log an ID number: every line of
	// the whole run is scanned.
	for _, line := range env.logs.Lines() {
		if ids := leaks.IDNumbers(line); len(ids) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: a citizen ID number in the log: %s\n", line)
			code = 1
		}
	}
	return code, nil
}

const testUIOrigin = "http://127.0.0.1:8233"

// as is the API client of a role ("" for none: no token).
func as(role motcua.Role) *apiclient.Client {
	return apiclient.New(env.api.URL, env.tokens[role], nil)
}

// call makes an API request as role ("" for no token) and decodes the JSON
// answer into out when out is not nil. It returns the status and raw body.
// Typed calls go through as(role); call is for the HTTP layer itself.
func call(t testing.TB, role motcua.Role, method, path string, body any, out any) (int, []byte) {
	t.Helper()
	resp, err := as(role).Raw(context.Background(), method, path, body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil && len(resp.Body) > 0 && resp.Header.Get("Content-Type") != "application/pdf" {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %v\n%s", method, path, err, resp.Body)
		}
	}
	return resp.Status, resp.Body
}

// must is call that fails the test unless the status is want.
func must(t testing.TB, want int, role motcua.Role, method, path string, body any, out any) []byte {
	t.Helper()
	status, raw := call(t, role, method, path, body, out)
	if status != want {
		t.Fatalf("%s %s as %s: status %d, want %d\n%s", method, path, role, status, want, raw)
	}
	return raw
}

// samplePDF stands for a scanned form the citizen hands in.
var samplePDF = func() []byte {
	p, _ := catalog.Default().Lookup("1.001193")
	b, err := document.Receipt(motcua.DefaultUnit, p, motcua.Dossier{ID: "SAMPLE", ReceivedAt: time.Unix(0, 0)})
	if err != nil {
		panic(err)
	}
	return b
}()

func doc(code string) wire.Document {
	return wire.Document{Code: code, Name: code + ".pdf", ContentType: "application/pdf",
		ContentBase64: base64.StdEncoding.EncodeToString(samplePDF)}
}

// Personal data of the sample applicant, searched for in Temporal's storage.
const (
	sampleID      = "079190001234"
	samplePhone   = "0987654321"
	sampleEmail   = "ngoc.tran@example.vn"
	sampleAddress = "Số 12, thôn Đông Hòa, xã Tân Lập"
)

// testPublicURL is where the office's public pages are, as the QR codes
// print it.
const testPublicURL = "https://motcua.tanlap.example"

// testUnit is the demo unit with its public pages' address.
var testUnit = func() motcua.Unit { u := motcua.DefaultUnit; u.PublicURL = testPublicURL; return u }()

func birthRequest(ext string) wire.IntakeRequest {
	return wire.IntakeRequest{
		ExternalID: ext, ProcedureCode: "1.001193", Channel: motcua.ChannelCounter,
		Applicant: motcua.Applicant{FullName: "Trần Thị Bích Ngọc", IDNumber: sampleID,
			Phone: samplePhone, Email: sampleEmail, Address: sampleAddress},
		Fields: map[string]string{"child_name": "Trần Minh Khôi", "child_birth_date": "2026-11-01",
			"birth_place": "Trạm y tế xã Tân Lập", "relationship": "Mẹ"},
		Documents: []wire.Document{doc("TK_KS"), doc("GCS")},
	}
}

func maritalRequest() wire.IntakeRequest {
	return wire.IntakeRequest{
		ProcedureCode: "1.004227", Channel: motcua.ChannelOnline,
		Applicant: motcua.Applicant{FullName: "Hoàng Văn Nam", IDNumber: "001099012345", Email: "nam@example.vn"},
		Fields:    map[string]string{"purpose": "Kết hôn", "marital_status": "Chưa đăng ký kết hôn"},
		Documents: []wire.Document{doc("TK_XNHN")},
	}
}

// application is what the typed client sends for a wire body.
func application(t testing.TB, req wire.IntakeRequest) motcua.Application {
	t.Helper()
	a, bad := req.Decode()
	if len(bad) > 0 {
		t.Fatalf("the test's request does not decode: %v", bad)
	}
	return a
}

func create(t testing.TB, req wire.IntakeRequest) apiclient.Created {
	t.Helper()
	c, err := as(motcua.RoleClerk).Create(context.Background(), application(t, req))
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if c.Existing {
		t.Fatalf("create: answered with an existing dossier %s", c.DossierID)
	}
	return c
}

func get(t testing.TB, id string) motcua.State {
	t.Helper()
	st, err := as(motcua.RoleAuditor).Get(context.Background(), id)
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	return st
}

// waitFor polls the dossier until cond holds. Temporal finishes archive,
// notification and portal pushes after the sign call returns.
func waitFor(t *testing.T, id string, what string, cond func(motcua.State) bool) motcua.State {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		st := get(t, id)
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("dossier %s never became %s; last state %+v", id, what, st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// record writes the dossier's history to workflows/testdata/NAME.json when
// MOTCUA_RECORD_HISTORIES is set: the histories the replay test keeps
// replaying against every later version of the workflow.
func record(t *testing.T, id, name string) {
	t.Helper()
	recordRun(t, id, "", name)
}

// recordRun records one run of a workflow (its latest when runID is
// empty), as record does.
func recordRun(t *testing.T, id, runID, name string) {
	t.Helper()
	recorded.Record(t, env.tc, id, runID, "../../workflows/testdata", name)
}
