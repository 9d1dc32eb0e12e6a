package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/apiclient"
	"github.com/motcua/motcua/internal/archive"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/codec"
	"github.com/motcua/motcua/internal/mtls"
	"github.com/motcua/motcua/internal/notify/notifytest"
	"github.com/motcua/motcua/internal/portal"
	"github.com/motcua/motcua/signer"
	"github.com/motcua/motcua/signer/devca"
)

// holdEnv, when set, makes the test binary a motcua worker (TestMain) that
// holds some activities after they did their work and before they report
// it, as a worker killed at that moment would: "Activity=dossier,..." ("*"
// for any dossier), first attempts only. It prints "HELD Activity dossier"
// when it holds one. "Activity=dossier~10s" holds for that long, then
// reports: a slow activity rather than a cut one.
const holdEnv = "MOTCUA_TEST_HOLD"

// runHeldWorker runs `motcua worker args...` with the holds of rules.
func runHeldWorker(rules string, args []string) int {
	h := holder{rules: map[string]string{}}
	for _, r := range strings.Split(rules, ",") {
		name, id, _ := strings.Cut(r, "=")
		h.rules[name] = id
	}
	workerInterceptors = []interceptor.WorkerInterceptor{&h}
	if err := runWorker(args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

type holder struct {
	interceptor.WorkerInterceptorBase
	rules map[string]string
}

func (h *holder) InterceptActivity(ctx context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &holdActivity{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}, rules: h.rules}
}

type holdActivity struct {
	interceptor.ActivityInboundInterceptorBase
	rules map[string]string
}

func (a *holdActivity) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	out, err := a.Next.ExecuteActivity(ctx, in)
	info := activity.GetInfo(ctx)
	rule, ok := a.rules[info.ActivityType.Name]
	id, hold, slow := strings.Cut(rule, "~")
	if err == nil && ok && info.Attempt == 1 && (id == "*" || id == info.WorkflowExecution.ID) {
		fmt.Printf("HELD %s %s\n", info.ActivityType.Name, info.WorkflowExecution.ID)
		if !slow {
			<-make(chan struct{}) // the test kills the process here
		}
		d, _ := time.ParseDuration(hold)
		time.Sleep(d)
		fmt.Printf("DONE %s %s\n", info.ActivityType.Name, info.WorkflowExecution.ID)
	}
	return out, err
}

// Each activity is cut by a SIGKILL of its worker after it did its work and
// before it reported it: the receipt issued, the draft rendered, the result
// signed, its register number taken, the office's signature applied, the
// result archived, the applicant notified, the portal told, a remote
// signing request prepared. A new worker runs each again (the history shows
// a second attempt), and none has a second effect: one receipt, one
// leader's signature, one register number, one office's signature, one
// archived result, one email and one SMS, each portal status once and in
// order, and nothing in the archive that no history accounts for.
func TestKillingTheWorkerInTheMiddleOfEachActivity(t *testing.T) {
	processTest(t, "kills workers; takes about a minute")
	data := t.TempDir()
	temporalAddr, apiAddr, portalAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	users, tok := writeUsers(t, data)
	smtpSrv, err := notifytest.StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	defer smtpSrv.Close()
	sms := notifytest.StartSMS()
	defer sms.Close()
	workerArgs := []string{"worker", "--data", data, "--temporal-addr", temporalAddr, "--portal-url", "http://" + portalAddr, "--outbox", filepath.Join(data, "outbox"),
		"--smtp-addr", smtpSrv.Addr, "--sms-url", sms.URL}

	start(t, "server", "--data", data, "--temporal-addr", temporalAddr, "--ui-addr", "")
	start(t, "portal-sim", "--addr", portalAddr)
	w0 := start(t, workerArgs...)
	start(t, "api", "--data", data, "--temporal-addr", temporalAddr, "--users", users, "--api-addr", apiAddr)
	api := newRoleClient("http://"+apiAddr, tok)
	waitStatus(t, "http://"+apiAddr+"/healthz", 200)

	// Five dossiers are brought to the step before the one that is cut.
	intake := func(n int) motcua.Application {
		return motcua.Application{
			ProcedureCode: "1.004227", Channel: motcua.ChannelOnline,
			Applicant: motcua.Applicant{FullName: "Hoàng Văn Nam", IDNumber: fmt.Sprintf("0010990%05d", n),
				Email: fmt.Sprintf("nam%d@example.vn", n), Phone: fmt.Sprintf("09120%05d", n)},
			Fields:    map[string]string{"purpose": "Kết hôn", "marital_status": "Chưa kết hôn"},
			Documents: []motcua.Document{{Code: "TK_XNHN", Name: "tk.pdf", ContentType: "application/pdf", Content: []byte("%PDF-1.4\n%%EOF\n")}},
		}
	}
	approve := motcua.Review{Decision: motcua.DecisionApprove, Comment: "Hồ sơ hợp lệ"}
	ctx := context.Background()
	ids := map[string]string{}
	// signedOnes are the dossiers the chairman signs after the cut worker
	// takes over: the office issues each at once (the default catalog's
	// "issue": "auto"), taking a register number.
	signedOnes := []string{"SignResult", "TakeNumber", "IssueResult", "ArchiveResult"}
	for i, name := range []string{"RenderDraft", "SignResult", "TakeNumber", "IssueResult", "ArchiveResult", "Notify", "Publish", "PrepareRemote"} {
		c, err := api["clerk"].Create(ctx, intake(i))
		if err != nil {
			t.Fatalf("intake: %v", err)
		}
		ids[name] = c.DossierID
		if slices.Contains(signedOnes, name) || name == "PrepareRemote" {
			if _, err := api["specialist"].Review(ctx, c.DossierID, approve); err != nil {
				t.Fatalf("approve: %v", err)
			}
		}
	}
	for _, id := range ids {
		await(t, api["clerk"], id, func(d motcua.State) bool { return d.Portal.Pending == 0 }, "portal synced")
	}
	if err := w0.signal(t, syscall.SIGTERM); err != nil {
		t.Fatalf("worker: %v", err)
	}

	// The held worker takes over; each dossier's next step is asked for.
	var rules []string
	for name, id := range ids {
		rules = append(rules, name+"="+id)
	}
	rules = append(rules, "IssueReceipt=*")
	held, holds, heldLog := startHeld(t, rules, workerArgs)
	var calls sync.WaitGroup
	answers := make(chan string, 16)
	ask := func(what string, call func() error) {
		calls.Go(func() { answers <- fmt.Sprintf("%s: %v", what, call()) })
	}
	review := func(id string, r motcua.Review) func() error {
		return func() error { _, err := api["specialist"].Review(ctx, id, r); return err }
	}
	sign := func(id string) func() error {
		return func() error {
			_, err := api["chairman"].Sign(ctx, id, motcua.SignDecision{Decision: motcua.DecisionSign})
			return err
		}
	}
	ask("intake", func() error { _, err := api["clerk"].Create(ctx, intake(9)); return err })
	ask("approve", review(ids["RenderDraft"], approve))
	for _, name := range signedOnes {
		ask("sign", sign(ids[name]))
	}
	ask("reject", review(ids["Notify"], motcua.Review{Decision: motcua.DecisionReject, Comment: "Không đủ điều kiện"}))
	ask("supplement", review(ids["Publish"], motcua.Review{Decision: motcua.DecisionRequestSupplement, Comment: "Thiếu tờ khai", MissingDocuments: []string{"TK_XNHN"}}))
	ca, err := devca.Open(filepath.Join(data, "ca"), motcua.DefaultUnit.Name)
	if err != nil {
		t.Fatal(err)
	}
	token, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader) // the chairman's own token
	cert, err := ca.Certify("Nguyễn Văn Vĩnh", token.Public())
	if err != nil {
		t.Fatal(err)
	}
	ask("signing request", func() error {
		_, err := api["chairman"].CreateSigningRequest(ctx, ids["PrepareRemote"], cert.Raw, [][]byte{ca.Chain()[0].Raw})
		return err
	})

	seen := map[string]bool{}
	timeout := time.After(2 * time.Minute)
	want := len(ids) + 1 // and the receipt of the dossier taken in now
	for len(seen) < want {
		select {
		case h := <-holds:
			name, id, _ := strings.Cut(strings.TrimPrefix(h, "HELD "), "=")
			if name == "IssueReceipt" {
				ids[name] = id
			}
			seen[name] = true
		case <-timeout:
			t.Fatalf("held only %v\n%s", seen, heldLog.String())
		}
	}
	held.Process.Signal(syscall.SIGKILL)
	held.Wait()
	start(t, workerArgs...)
	calls.Wait()
	close(answers)
	for a := range answers {
		t.Log(a) // a call may have timed out waiting (503); the dossier goes on regardless
	}

	final := map[string]string{"IssueReceipt": "in_review", "RenderDraft": "awaiting_signature", "SignResult": "completed",
		"TakeNumber": "completed", "IssueResult": "completed", "ArchiveResult": "completed", "Notify": "rejected", "Publish": "supplement_requested", "PrepareRemote": "awaiting_signature"}
	views := map[string]motcua.State{}
	for name, id := range ids {
		views[name] = await(t, api["clerk"], id, func(d motcua.State) bool {
			return string(d.Status) == final[name] && d.Portal.Pending == 0 && (name != "PrepareRemote" || d.SigningRequest != nil)
		}, final[name])
	}

	// Each cut activity ran again, and had no second effect.
	tc, dc := dialTemporal(t, temporalAddr, data)
	histories := map[string]*historypb.History{}
	for name, id := range ids {
		h, err := audit.History(context.Background(), tc, id)
		if err != nil {
			t.Fatal(err)
		}
		histories[id] = h
		if err := redone(dc, h, name); err != nil {
			t.Errorf("%s of %s: %v", name, id, err)
		}
		if err := audit.Replay(dc, h); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	store, err := archive.Open(filepath.Join(data, "archive"))
	if err != nil {
		t.Fatal(err)
	}
	roots, _ := signer.LoadRoots(filepath.Join(data, "ca", "root.crt"))
	blobs, records, refs, _ := store.Files()
	// Each signed dossier has two files, made once each: the leader's
	// signed result (one signature) and the office's issued one (the
	// leader's bytes and the office's signature after them).
	references := map[string]int{}
	for name := range refs {
		kind, _, _ := strings.Cut(name, "_")
		references[kind]++
	}
	bySignatures := map[int]int{}
	for _, sum := range blobs {
		if b, _ := store.Get(sum); bytes.HasPrefix(b, []byte("%PDF")) {
			if rep, err := signer.Verify(b, roots); err == nil && len(rep.Signatures) > 0 {
				bySignatures[len(rep.Signatures)]++
				if rep.Err() != nil {
					t.Errorf("blob %s: %v", sum[:12], rep.Err())
				}
			}
		}
	}
	var wantRecords []string
	for _, name := range signedOnes {
		wantRecords = append(wantRecords, ids[name])
	}
	slices.Sort(wantRecords)
	slices.Sort(records)
	if n := len(signedOnes); bySignatures[1] != n || bySignatures[2] != n || references["signature"] != n || references["issue"] != n || !slices.Equal(records, wantRecords) {
		t.Errorf("signed files by signatures %v, references %v, archived %v; want one leader's file, one issued file and one record for each of the %d signed dossiers",
			bySignatures, references, records, n)
	}
	for _, name := range signedOnes {
		id := ids[name]
		r := views[name].Result
		if r == nil || refs["issue_"+id+"_1"] != r.SHA256 || r.Register == nil {
			t.Errorf("%s: result %+v is not the issue made once (%v)", name, r, refs)
			continue
		}
		leader, _ := store.Get(refs["signature_"+id+"_1"])
		issued, _ := store.Get(r.SHA256)
		if len(leader) == 0 || !bytes.HasPrefix(issued, leader) {
			t.Errorf("%s: the issued file does not extend the leader's signed one", name)
		}
	}
	// One register number each, in order, none skipped or taken twice.
	register := views["TakeNumber"].Result.Register
	var book struct{ Entries []motcua.RegisterEntry }
	raw, err := apiclient.New("http://"+apiAddr, tok["auditor"], nil).Raw(ctx, "GET", fmt.Sprintf("/v1/registers/%s?year=%d", register.Register, register.Year), nil)
	if err != nil || raw.Status != 200 || json.Unmarshal(raw.Body, &book) != nil {
		t.Fatalf("the register: %v %+v", err, raw)
	}
	var numbered []string
	for i, e := range book.Entries {
		if e.Number != i+1 || e.Void {
			t.Errorf("register entry %d: %+v", i+1, e)
		}
		numbered = append(numbered, e.DossierID)
	}
	slices.Sort(numbered)
	if !slices.Equal(numbered, wantRecords) {
		t.Errorf("the register numbers %v; want each signed dossier once: %v", numbered, wantRecords)
	}
	if orphans, err := audit.Orphans(dc, histories, store); err != nil || len(orphans) > 0 {
		t.Errorf("orphans: %v %v", orphans, err)
	}
	if v := views["IssueReceipt"]; v.Receipt == nil {
		t.Error("the dossier whose receipt was cut has no receipt")
	}
	if r := views["PrepareRemote"].SigningRequest; r == nil || !slices.Contains(blobs, r.ID) {
		t.Errorf("the signing request prepared twice is not the one stored: %+v", r)
	}

	rejected := ids["Notify"]
	mails := 0
	for _, m := range smtpSrv.Mail() {
		if strings.Contains(m.Data, rejected) {
			mails++
		}
	}
	texts := 0
	for _, m := range sms.Messages() {
		if m.ID == rejected+"/rejected" {
			texts++
		}
	}
	if mails != 1 || texts != 1 {
		t.Errorf("the rejected applicant got %d emails and %d SMS; want one of each", mails, texts)
	}
	if !slices.ContainsFunc(views["Notify"].Steps, func(s motcua.Step) bool {
		return s.Stage == "notify" && s.Comment == "email: already_sent, sms: already_sent"
	}) {
		t.Errorf("the retried notification should have found both channels sent: %+v", views["Notify"].Steps)
	}

	resp, err := http.Get("http://" + portalAddr + "/records/" + ids["Publish"])
	if err != nil {
		t.Fatal(err)
	}
	var recs []portal.Record
	json.NewDecoder(resp.Body).Decode(&recs)
	resp.Body.Close()
	var got []string
	for _, r := range recs {
		got = append(got, r.TrangThaiHoSo)
	}
	if want := []string{"1", "2", "4", "5"}; !slices.Equal(got, want) {
		t.Errorf("the portal holds %v for the dossier whose push was cut; want %v once each, in order", got, want)
	}
}

// redone checks that the named activity was cut and done again: a regular
// activity completed on a later attempt; a local one (run inside a workflow
// task) was recorded once, after the killed worker's workflow task timed
// out.
func redone(dc converter.DataConverter, h *historypb.History, activityType string) error {
	scheduled := map[int64]string{}
	started := map[int64]int32{}
	var last int32
	for _, e := range h.Events {
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			scheduled[e.GetEventId()] = e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName()
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			a := e.GetActivityTaskStartedEventAttributes()
			started[a.GetScheduledEventId()] = a.GetAttempt()
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			if id := e.GetActivityTaskCompletedEventAttributes().GetScheduledEventId(); scheduled[id] == activityType {
				last = max(last, started[id])
			}
		}
	}
	if last >= 2 {
		return nil
	} else if last == 1 {
		return errors.New("completed on attempt 1 only; the held attempt should have been cut")
	}
	timedOut, local := false, 0
	for _, e := range audit.Events(dc, h) {
		switch {
		case e.Type == "WorkflowTaskTimedOut" || e.Type == "WorkflowTaskFailed":
			timedOut = true
		case strings.HasPrefix(e.Summary, activityType+" completed, attempt"):
			if !timedOut {
				if activityType == "Publish" { // it runs at every change: the earlier ones were not cut
					continue
				}
				return fmt.Errorf("recorded before any workflow task was cut: %s", e.Summary)
			}
			local++
		}
	}
	if local != 1 {
		return fmt.Errorf("recorded %d times, want once", local)
	}
	return nil
}

// dialTemporal connects to the server at addr with the data folder's
// payload key, as motcua's own processes do; the client closes with the
// test.
func dialTemporal(t *testing.T, addr, data string) (client.Client, converter.DataConverter) {
	t.Helper()
	return dialTemporalWith(t, addr, data, mtls.Auditor) // the tests only read
}

// dialTemporalAs is a client of the office's Temporal as identity.
func dialTemporalAs(t *testing.T, addr, data, identity string) client.Client {
	t.Helper()
	tc, _ := dialTemporalWith(t, addr, data, identity)
	return tc
}

func dialTemporalWith(t *testing.T, addr, data, identity string) (client.Client, converter.DataConverter) {
	t.Helper()
	key, err := codec.LoadOrCreateKey(filepath.Join(data, "keys", "payload.key"))
	if err != nil {
		t.Fatal(err)
	}
	dc, err := codec.DataConverter(key)
	if err != nil {
		t.Fatal(err)
	}
	tlsConf, err := mtls.ClientConfig(mtls.FilesOf(filepath.Join(data, "tls"), identity))
	if err != nil {
		t.Fatal(err)
	}
	tc, err := client.Dial(client.Options{HostPort: addr, Namespace: "motcua", DataConverter: dc, ConnectionOptions: client.ConnectionOptions{TLS: tlsConf}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	return tc, dc
}

// writeUsers writes a users file with a clerk, a specialist, the chairman,
// an auditor and a back-office system, and returns it with their tokens
// by role.
func writeUsers(t *testing.T, dir string) (string, map[string]string) {
	t.Helper()
	tok := map[string]string{}
	var list []map[string]string
	for _, u := range [][3]string{{"clerk1", "Trần Thị Mai", "clerk"}, {"specialist1", "Lê Văn Hùng", "specialist"}, {"chairman1", "Nguyễn Văn Vĩnh", "chairman"}, {"auditor1", "Đỗ Minh Khoa", "auditor"}, {"system1", "Hệ thống một cửa của tỉnh", "system"}} {
		tok[u[2]] = "process-test-" + u[0]
		sum := sha256.Sum256([]byte(tok[u[2]]))
		list = append(list, map[string]string{"id": u[0], "name": u[1], "role": u[2], "token_sha256": hex.EncodeToString(sum[:])})
	}
	b, _ := json.Marshal(map[string]any{"users": list})
	path := filepath.Join(dir, "users.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, tok
}

// startHeld starts `motcua worker args...` holding the activities of rules
// (see holdEnv); each "HELD" or "DONE" line it prints comes on the
// channel as "HELD Activity=dossier". Its log is in the buffer.
func startHeld(t *testing.T, rules []string, args []string) (*exec.Cmd, chan string, *syncBuffer) {
	t.Helper()
	held := exec.Command(os.Args[0], args...)
	held.Env = append(os.Environ(), holdEnv+"="+strings.Join(rules, ","))
	log := &syncBuffer{}
	held.Stderr = log
	out, _ := held.StdoutPipe()
	if err := held.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { held.Process.Kill(); held.Wait() })
	holds := make(chan string, 20)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 3 && (f[0] == "HELD" || f[0] == "DONE") {
				holds <- f[0] + " " + f[1] + "=" + f[2]
			}
		}
	}()
	return held, holds, log
}

// syncBuffer is a buffer a child process and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newRoleClient returns the API's client for each role of tokens.
func newRoleClient(base string, tokens map[string]string) map[string]*apiclient.Client {
	api := apiclient.New(base, "", nil)
	out := map[string]*apiclient.Client{}
	for role, tok := range tokens {
		out[role] = api.As(tok)
	}
	return out
}

// await polls a dossier until ok, for up to three minutes.
func await(t *testing.T, api *apiclient.Client, id string, ok func(motcua.State) bool, what string) motcua.State {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		d, err := api.Get(context.Background(), id)
		if err == nil && ok(d) {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never became %s: %+v (%v)", id, what, d, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
