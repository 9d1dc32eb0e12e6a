package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/activities"
	"github.com/motcua/motcua/internal/archive"
	"github.com/motcua/motcua/internal/portal"
	"github.com/motcua/motcua/internal/vouch"
	"github.com/motcua/motcua/workflows"
)

var a *activities.Activities

// harness runs DossierWorkflow on the SDK's test environment with the
// activities replaced by recorders.
type harness struct {
	t        *testing.T
	env      *testsuite.TestWorkflowEnvironment
	vouchers map[string]*vouch.Voucher // by update id
	sent     int                       // updates sent
	pushes   []portal.Update
	requests int // successful portal requests
	notified []string
	failFrom int // after this many successful pushes...
	failPush int // ...the next failPush pushes fail
	signErr  error
	signed   []activities.SignInput // SignResult's inputs that signed
	// archiveErr, when set, is the archive's answer to the next attempt.
	archiveErr error
	// draftErr fails the draft's rendering (once, then it renders);
	// notifyErr fails every notification, counted in notifyTries.
	draftErr    error
	notifyErr   error
	notifyTries int
	reminded    []string // RemindStaff calls: outcome:holders
	facts       []motcua.Facts
	// handBackAfter is when run hands the result back.
	handBackAfter time.Duration
	// numbers counts the register numbers taken; issued are the issues
	// made, issueErr fails the next.
	numbers  int
	issued   []activities.IssueInput
	issueErr error
}

func newHarness(t *testing.T) *harness {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	h := &harness{t: t, env: s.NewTestWorkflowEnvironment(), vouchers: map[string]*vouch.Voucher{}}
	// The test environment sends updates without headers: the harness
	// writes each update's voucher in its header on arrival, and the
	// worker's own vouch interceptor checks it from there.
	h.env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{
		&headerWriter{vouchers: h.vouchers}, vouch.WorkerInterceptor(commands.Verifier(), converter.GetDefaultDataConverter()),
	}})
	// A fixed Wednesday morning: reminders and due dates do not depend on
	// the day the tests run (the reminder tests set their own time).
	h.env.SetStartTime(time.Date(2026, 11, 25, 9, 0, 0, 0, motcua.Vietnam))
	h.env.RegisterWorkflow(workflows.DossierWorkflow)
	// Activities are bounded by the run's timeout in the test environment.
	h.env.SetStartWorkflowOptions(client.StartWorkflowOptions{WorkflowRunTimeout: 365 * 24 * time.Hour})
	h.env.RegisterActivity(a)
	h.env.OnActivity(a.IssueReceipt, mock.Anything, mock.Anything).Return(motcua.DocumentRef{SHA256: "receipt"}, nil)
	h.env.OnActivity(a.RenderDraft, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.DraftInput) (motcua.DocumentRef, error) {
			if err := h.draftErr; err != nil {
				h.draftErr = nil
				return motcua.DocumentRef{}, err
			}
			return motcua.DocumentRef{SHA256: "draft"}, nil
		})
	h.env.OnActivity(a.SignResult, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.SignInput) (activities.Signed, error) {
			if h.signErr != nil {
				err := h.signErr
				h.signErr = nil
				return activities.Signed{}, err
			}
			h.signed = append(h.signed, in)
			return activities.Signed{SHA256: "signed", SignerCN: in.Signer.Name, SignedAt: in.At}, nil
		})
	h.env.OnActivity(a.TakeNumber, mock.Anything, mock.Anything).Return(
		func(_ context.Context, req activities.NumberRequest) (motcua.RegisterEntry, error) {
			h.numbers++
			return motcua.RegisterEntry{Register: req.Register, RegisterName: req.RegisterName, Year: req.Year, Number: h.numbers, DossierID: req.DossierID, IssuedBy: req.By}, nil
		})
	h.env.OnActivity(a.IssueResult, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.IssueInput) (activities.Signed, error) {
			if h.issueErr != nil {
				err := h.issueErr
				h.issueErr = nil
				return activities.Signed{}, err
			}
			h.issued = append(h.issued, in)
			return activities.Signed{SHA256: "issued", SignerCN: "Ủy ban nhân dân xã Tân Lập", SignedAt: in.LeaderAt.Add(time.Minute)}, nil
		})
	h.env.OnActivity(a.ArchiveResult, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.ArchiveInput) (archive.Record, error) {
			if err := h.archiveErr; err != nil {
				h.archiveErr = nil
				return archive.Record{}, err
			}
			return archive.Record{ArchiveID: archive.ArchiveID(in.Dossier.ID), SHA256: in.Signed.SHA256}, nil
		})
	h.env.OnActivity(a.Notify, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.NotifyInput) (activities.Notified, error) {
			if h.notifyErr != nil {
				h.notifyTries++
				return activities.Notified{}, h.notifyErr
			}
			h.notified = append(h.notified, in.Event)
			return activities.Notified{Email: "sent", SMS: "sent"}, nil
		})
	h.env.OnActivity(a.RecordFacts, mock.Anything, mock.Anything).Return(
		func(_ context.Context, f motcua.Facts) (motcua.Facts, error) {
			h.facts = append(h.facts, f)
			return f, nil
		})
	h.env.OnActivity(a.RenderApology, mock.Anything, mock.Anything).Return(motcua.DocumentRef{SHA256: "apology-draft"}, nil)
	h.env.OnActivity(a.SignApology, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.ApologyInput) (motcua.DocumentRef, error) {
			return motcua.DocumentRef{SHA256: "apology-signed-by-" + in.Signer.ID}, nil
		})
	h.env.OnActivity(a.RemindStaff, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.RemindInput) (activities.Reminded, error) {
			h.reminded = append(h.reminded, in.Outcome+":"+strings.Join(in.Holders, ","))
			return activities.Reminded{Summary: "told: specialist1 (email)"}, nil
		})
	h.env.OnActivity(a.PushPortalUpdates, mock.Anything, mock.Anything).Return(
		func(_ context.Context, us []portal.Update) error { return h.push(us) })
	// Publish as the activity does it: the portal first, then the facts,
	// which say whether the portal took the updates.
	h.env.OnActivity(a.Publish, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.Publication) (activities.Published, error) {
			out := activities.Published{Updates: in.Updates}
			if len(in.Updates) > 0 {
				out.Pushed = h.push(in.Updates) == nil
				in.Facts.PortalInSync = in.Facts.PortalInSync && out.Pushed
			}
			h.facts = append(h.facts, in.Facts)
			out.Facts = in.Facts
			return out, nil
		})
	return h
}

// push is the portal taking updates, or failing as the harness is told.
func (h *harness) push(us []portal.Update) error {
	if len(h.pushes) >= h.failFrom && h.failPush > 0 {
		h.failPush--
		return errors.New("portal down")
	}
	h.pushes = append(h.pushes, us...)
	h.requests++
	return nil
}

// outcome is what an update returned.
type outcome struct {
	rejected error
	err      error
	state    motcua.State
	done     bool
}

// update sends an update after delay of workflow time, vouched for as the
// API would (for the dossier at its revision then).
func (h *harness) update(delay time.Duration, name string, arg any) *outcome {
	return h.send(delay, name, func(st motcua.State) any {
		return vouched(h.t, name, arg.(interface{ MadeBy() motcua.User }), st)
	})
}

// send sends the update that arg gives for the dossier's state then: a
// command, or a command with its voucher (see vouched).
func (h *harness) send(delay time.Duration, name string, arg func(motcua.State) any) *outcome {
	o := &outcome{}
	h.env.RegisterDelayedCallback(func() {
		var st motcua.State
		if v, err := h.env.QueryWorkflow(workflows.QueryState); err == nil {
			v.Get(&st)
		}
		h.sent++
		id := fmt.Sprintf("update-%d", h.sent)
		cmd := arg(st)
		if vc, ok := cmd.(withVoucher); ok {
			cmd, h.vouchers[id] = vc.cmd, vc.voucher
		}
		h.env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
			OnReject: func(err error) { o.rejected, o.done = err, true },
			OnAccept: func() {},
			OnComplete: func(v any, err error) {
				o.done, o.err = true, err
				if st, ok := v.(motcua.State); ok {
					o.state = st
				}
			},
		}, cmd)
	}, delay)
	return o
}

// withVoucher is a command and the voucher its update carries.
type withVoucher struct {
	cmd     any
	voucher *vouch.Voucher
}

// headerWriter writes the voucher the harness sent an update with in the
// update's header, as the API's client interceptor does.
type headerWriter struct {
	interceptor.WorkerInterceptorBase
	vouchers map[string]*vouch.Voucher
}

func (hw *headerWriter) InterceptWorkflow(ctx workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	i := &headerInbound{vouchers: hw.vouchers}
	i.Next = next
	return i
}

type headerInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	vouchers map[string]*vouch.Voucher
}

func (i *headerInbound) write(ctx workflow.Context) {
	if v := i.vouchers[workflow.GetCurrentUpdateInfo(ctx).ID]; v != nil {
		p, _ := converter.GetDefaultDataConverter().ToPayload(v)
		interceptor.WorkflowHeader(ctx)[vouch.HeaderKey] = p
	}
}

func (i *headerInbound) ValidateUpdate(ctx workflow.Context, in *interceptor.UpdateInput) error {
	i.write(ctx)
	return i.Next.ValidateUpdate(ctx, in)
}

func (i *headerInbound) ExecuteUpdate(ctx workflow.Context, in *interceptor.UpdateInput) (any, error) {
	i.write(ctx)
	return i.Next.ExecuteUpdate(ctx, in)
}

// commands is the API's command key in these tests; the workers trust it.
var commands, _ = vouch.Generate()

// vouched is the command as the API sends it for the dossier in state st:
// made by the user it names, with the API's voucher.
func vouched(t *testing.T, update string, cmd interface{ MadeBy() motcua.User }, st motcua.State) withVoucher {
	v, err := commands.Vouch(cmd, vouch.Voucher{Actor: cmd.MadeBy(), DossierID: st.DossierID, Update: update, Revision: st.Revision})
	if err != nil {
		t.Fatal(err)
	}
	return withVoucher{cmd, v}
}

// run runs the dossier to its end. A dossier whose result is ready is
// handed back at the counter after handBackAfter (300 days unless set).
func (h *harness) run() motcua.State {
	return h.runDossier(dossier())
}

func (h *harness) runDossier(d motcua.Dossier) motcua.State {
	h.t.Helper()
	if h.handBackAfter == 0 {
		h.handBackAfter = 300 * 24 * time.Hour
	}
	h.send(h.handBackAfter, workflows.UpdateHandBack, func(st motcua.State) any {
		return vouched(h.t, workflows.UpdateHandBack, handIt, st)
	})
	h.env.ExecuteWorkflow(workflows.DossierWorkflow, d)
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("workflow did not complete")
	}
	if err := h.env.GetWorkflowError(); err != nil {
		h.t.Fatal(err)
	}
	var st motcua.State
	if err := h.env.GetWorkflowResult(&st); err != nil {
		h.t.Fatal(err)
	}
	return st
}

func (h *harness) codes() []int {
	var out []int
	for i, u := range h.pushes {
		if u.Seq != i+1 {
			h.t.Errorf("push %d has sequence %d", i+1, u.Seq)
		}
		out = append(out, u.Code)
	}
	return out
}

// dossier is a dossier of a procedure issued automatically, numbered in
// register HN (the issue tests take a records officer's).
func dossier() motcua.Dossier {
	received := time.Date(2026, 11, 25, 9, 0, 0, 0, motcua.Vietnam)
	p, _ := motcua.FirstCatalog.Lookup("1.004227")
	p.Issue, p.Register, p.RegisterName = motcua.IssueAuto, "HN", "Sổ cấp Giấy xác nhận tình trạng hôn nhân"
	return motcua.Dossier{
		ID: "000.00.01.H22-261125-0001", ProcedureCode: "1.004227", Procedure: &p, Channel: motcua.ChannelOnline,
		Applicant:  motcua.Applicant{FullName: "Hoàng Văn Nam", IDNumber: "001099012345", Email: "nam@example.vn"},
		Fields:     map[string]string{"purpose": "Kết hôn", "marital_status": "Chưa đăng ký kết hôn"},
		ReceivedBy: "clerk1", ReceivedAt: received,
		DueAt: time.Date(2026, 11, 30, 17, 0, 0, 0, motcua.Vietnam),
	}
}

var (
	approve   = motcua.Review{Decision: motcua.DecisionApprove, Actor: "specialist1"}
	signIt    = motcua.SignDecision{Decision: motcua.DecisionSign, Actor: "chairman1", ActorName: "Nguyễn Văn Vĩnh", ActorRole: motcua.RoleChairman}
	returnIt  = motcua.SignDecision{Decision: motcua.DecisionReturn, Comment: "Sửa mục đích", Actor: "chairman1", ActorName: "Nguyễn Văn Vĩnh", ActorRole: motcua.RoleChairman}
	reject    = motcua.Review{Decision: motcua.DecisionReject, Comment: "Không đủ điều kiện", Actor: "specialist1"}
	askDocs   = motcua.Review{Decision: motcua.DecisionRequestSupplement, Comment: "Thiếu tờ khai", MissingDocuments: []string{"TK_XNHN"}, Actor: "specialist1"}
	documents = motcua.Supplement{Documents: []motcua.DocumentRef{{Code: "TK_XNHN", SHA256: "x"}}, Actor: "clerk1"}
	handIt    = motcua.HandBack{Method: motcua.HandBackCounter, ReceivedBy: "Hoàng Văn Nam", Actor: "clerk1"}
)

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func outcomes(st motcua.State) []string {
	var out []string
	for _, s := range st.Steps {
		out = append(out, string(s.Stage)+":"+s.Outcome)
	}
	return out
}

func TestApproveAndSign(t *testing.T) {
	h := newHarness(t)
	rv := h.update(time.Hour, workflows.UpdateReview, approve)
	sg := h.update(2*time.Hour, workflows.UpdateSign, signIt)
	st := h.run()
	if rv.err != nil || rv.rejected != nil || rv.state.Status != motcua.StatusAwaitingSignature {
		t.Errorf("review: %+v", rv)
	}
	if sg.err != nil || sg.rejected != nil || sg.state.Status != motcua.StatusAwaitingIssue {
		t.Errorf("sign: %+v", sg)
	}
	if st.Status != motcua.StatusReturned || st.CompletedAt == nil {
		t.Errorf("final status %s", st.Status)
	}
	if r := st.Result; r == nil || r.SHA256 != "issued" || r.ArchiveID == "" || r.SignedBy != "chairman1" || r.IssuedBy != "system" ||
		r.Register == nil || r.Register.Label() != "Số: 1/2026/HN" {
		t.Errorf("result %+v", st.Result)
	}
	if len(h.issued) != 1 || h.issued[0].Result != "signed" || h.issued[0].Leader.ID != "chairman1" || h.issued[0].Voucher != nil {
		t.Errorf("issued %+v", h.issued)
	}
	if got, want := h.codes(), []int{1, 2, 4, 4, 4, 4, 9, 10}; !equalInts(got, want) {
		t.Errorf("portal codes %v, want %v", got, want)
	}
	if st.Portal.LastCode != 10 || st.Portal.Pending != 0 {
		t.Errorf("portal state %+v", st.Portal)
	}
	if len(h.notified) != 1 || h.notified[0] != "completed" {
		t.Errorf("notified %v", h.notified)
	}
	want := []string{"intake:received", "review:approved", "signature:signed", "issue:issued", "archive:archived", "notify:completed", "hand_back:handed_back"}
	if got := outcomes(st); !slices.Equal(got, want) {
		t.Errorf("steps %v, want %v", got, want)
	}
}

func TestReject(t *testing.T) {
	h := newHarness(t)
	rv := h.update(time.Hour, workflows.UpdateReview, reject)
	st := h.run()
	if rv.err != nil || st.Status != motcua.StatusRejected || st.CompletedAt == nil {
		t.Fatalf("status %s, update %+v", st.Status, rv)
	}
	if got, want := h.codes(), []int{1, 2, 4, 3}; !equalInts(got, want) {
		t.Errorf("portal codes %v, want %v", got, want)
	}
	if len(h.notified) != 1 || h.notified[0] != "rejected" {
		t.Errorf("notified %v", h.notified)
	}
}

func TestSupplementRoundPausesTheClock(t *testing.T) {
	h := newHarness(t)
	h.update(time.Hour, workflows.UpdateReview, askDocs)
	// The citizen comes back a week later: five working days were paused.
	sp := h.update(7*24*time.Hour, workflows.UpdateSupplement, documents)
	h.update(8*24*time.Hour, workflows.UpdateReview, approve)
	h.update(8*24*time.Hour+time.Hour, workflows.UpdateSign, signIt)
	st := h.run()
	if sp.err != nil || sp.state.Status != motcua.StatusInReview {
		t.Fatalf("supplement: %+v", sp)
	}
	if st.Status != motcua.StatusReturned {
		t.Fatalf("status %s", st.Status)
	}
	if got, want := h.codes(), []int{1, 2, 4, 5, 4, 4, 4, 4, 9, 10}; !equalInts(got, want) {
		t.Errorf("portal codes %v, want %v", got, want)
	}
	// Due Monday 30/11 17:00. The supplement was asked for on Wednesday
	// 25/11 and came on Wednesday 02/12: Wednesday, Thursday, Friday,
	// Monday and Tuesday were paused (the weekend is no working day), so
	// five working days after Monday 30/11: Monday 07/12, at closing.
	if want := time.Date(2026, 12, 7, 17, 0, 0, 0, motcua.Vietnam); !st.DueAt.Equal(want) {
		t.Errorf("due %s, want %s: five working days paused", st.DueAt, want)
	}
	if len(h.notified) != 2 || h.notified[0] != "supplement_requested" {
		t.Errorf("notified %v", h.notified)
	}
}

func TestReturnFromSignature(t *testing.T) {
	h := newHarness(t)
	h.update(time.Hour, workflows.UpdateReview, approve)
	ret := h.update(2*time.Hour, workflows.UpdateSign, returnIt)
	h.update(3*time.Hour, workflows.UpdateReview, approve)
	h.update(4*time.Hour, workflows.UpdateSign, signIt)
	st := h.run()
	if ret.err != nil || ret.state.Status != motcua.StatusInReview {
		t.Fatalf("return: %+v", ret)
	}
	if st.Status != motcua.StatusReturned {
		t.Fatalf("status %s", st.Status)
	}
	if got, want := h.codes(), []int{1, 2, 4, 4, 4, 4, 4, 4, 9, 10}; !equalInts(got, want) {
		t.Errorf("portal codes %v, want %v", got, want)
	}
}

func TestWithdraw(t *testing.T) {
	h := newHarness(t)
	// The portal is down once the dossier is withdrawn: the workflow stays
	// open, waiting to tell it, while the late signature comes.
	h.failFrom, h.failPush = 4, 40
	h.update(time.Hour, workflows.UpdateReview, approve)
	wd := h.update(2*time.Hour, workflows.UpdateWithdraw, motcua.Withdrawal{Comment: "Công dân rút", Actor: "clerk1"})
	late := h.update(2*time.Hour+10*time.Minute, workflows.UpdateSign, signIt)
	st := h.run()
	if wd.err != nil || st.Status != motcua.StatusWithdrawn {
		t.Fatalf("status %s, withdraw %+v", st.Status, wd)
	}
	if got, want := h.codes(), []int{1, 2, 4, 4, 7}; !equalInts(got, want) {
		t.Errorf("portal codes %v, want %v", got, want)
	}
	if !late.done || updateErrorType(late.rejected) != motcua.CodeInvalidState {
		t.Errorf("a signature after withdrawal: %+v, want it refused as invalid_state", late)
	}
}

func TestSupplementDeadlineStopsTheDossier(t *testing.T) {
	h := newHarness(t)
	h.update(time.Hour, workflows.UpdateReview, askDocs)
	st := h.run()
	if st.Status != motcua.StatusStopped {
		t.Fatalf("status %s", st.Status)
	}
	if got, want := h.codes(), []int{1, 2, 4, 5, 8}; !equalInts(got, want) {
		t.Errorf("portal codes %v, want %v", got, want)
	}
}

func updateErrorType(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Type()
	}
	return ""
}

func TestDecisionsOutOfTurnAreRefused(t *testing.T) {
	h := newHarness(t)
	early := h.update(time.Hour, workflows.UpdateSign, signIt)
	supp := h.update(time.Hour, workflows.UpdateSupplement, documents)
	bad := h.update(time.Hour, workflows.UpdateReview, motcua.Review{Decision: "maybe", Actor: "specialist1"})
	noActor := h.update(time.Hour, workflows.UpdateSign, motcua.SignDecision{Decision: motcua.DecisionSign, ActorRole: motcua.RoleSpecialist, Actor: "x"})
	h.failFrom, h.failPush = 3, 40 // the workflow stays open, telling the portal
	h.update(2*time.Hour, workflows.UpdateReview, reject)
	again := h.update(2*time.Hour+10*time.Minute, workflows.UpdateReview, approve)
	h.run()
	for name, o := range map[string]*outcome{"sign in review": early, "supplement in review": supp} {
		if got := updateErrorType(o.rejected); got != motcua.CodeInvalidState {
			t.Errorf("%s: rejection %v (type %q), want invalid_state", name, o.rejected, got)
		}
	}
	if got := updateErrorType(bad.rejected); got != motcua.CodeInvalidRequest {
		t.Errorf("bad decision: rejection %v, want invalid_request", bad.rejected)
	}
	if noActor.rejected == nil {
		t.Error("a specialist's signature was accepted")
	}
	if !again.done || updateErrorType(again.rejected) != motcua.CodeInvalidState {
		t.Errorf("a review after rejection: %+v, want it refused as invalid_state", again)
	}
}

func TestPortalOutageDoesNotHoldTheDossier(t *testing.T) {
	h := newHarness(t)
	h.failFrom, h.failPush = 3, 40 // hours of outage at the capped backoff, once review began
	rv := h.update(time.Hour, workflows.UpdateReview, approve)
	sg := h.update(2*time.Hour, workflows.UpdateSign, signIt)
	var during motcua.State
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(workflows.QueryState)
		if err != nil {
			t.Error(err)
			return
		}
		v.Get(&during)
	}, 2*time.Hour+time.Minute)
	st := h.run()
	if rv.err != nil || sg.err != nil || sg.state.Status != motcua.StatusAwaitingIssue {
		t.Fatalf("decisions held up by the portal: review %+v sign %+v", rv, sg)
	}
	if during.Status != motcua.StatusCompleted || during.Portal.Pending == 0 {
		t.Errorf("while the portal was down: status %s, pending %d", during.Status, during.Portal.Pending)
	}
	if got, want := h.codes(), []int{1, 2, 4, 4, 4, 4, 9, 10}; !equalInts(got, want) {
		t.Errorf("portal codes after recovery %v, want %v", got, want)
	}
	// [1] and [2 4] at intake; the updates that waited out the outage go
	// together (behind the one being retried, if it was still being
	// retried); the hand-back's, months later.
	if h.requests > 5 {
		t.Errorf("%d portal requests for 6 updates: those that waited out the outage should go together", h.requests)
	}
	if st.Portal.Pending != 0 || st.Portal.LastCode != 10 {
		t.Errorf("final portal state %+v", st.Portal)
	}
}

func TestSigningFailureKeepsTheDossierAwaitingSignature(t *testing.T) {
	h := newHarness(t)
	h.signErr = temporal.NewNonRetryableApplicationError("certificate expired", activities.ErrSigningKey, nil)
	h.update(time.Hour, workflows.UpdateReview, approve)
	first := h.update(2*time.Hour, workflows.UpdateSign, signIt)
	var between motcua.State
	h.env.RegisterDelayedCallback(func() {
		v, _ := h.env.QueryWorkflow(workflows.QueryState)
		v.Get(&between)
	}, 2*time.Hour+time.Minute)
	second := h.update(3*time.Hour, workflows.UpdateSign, signIt)
	st := h.run()
	if first.err == nil || updateErrorType(first.err) != motcua.CodeSigningFailed {
		t.Errorf("first signature: %+v, want %s (a permanent failure is not retried by clients)", first, motcua.CodeSigningFailed)
	}
	if between.Status != motcua.StatusAwaitingSignature {
		t.Errorf("after the failure the dossier is %s", between.Status)
	}
	if second.err != nil || st.Status != motcua.StatusReturned {
		t.Errorf("second signature: %+v, final %s", second, st.Status)
	}
}

func TestRemindersBeforeAndAfterTheDueDate(t *testing.T) {
	h := newHarness(t)
	// Due Monday 30/11 17:00: reminded Friday 27/11 08:00, overdue after the
	// due date; the specialist decides only on 2/12.
	h.env.SetStartTime(time.Date(2026, 11, 25, 9, 0, 0, 0, motcua.Vietnam))
	h.update(7*24*time.Hour, workflows.UpdateReview, approve)
	h.update(7*24*time.Hour+time.Hour, workflows.UpdateSign, signIt)
	st := h.run()
	want := []string{"intake:received", "review:reminder", "review:staff_reminded", "review:apology_drafted", "review:overdue", "review:staff_reminded", "review:approved", "signature:signed", "issue:issued", "archive:archived", "notify:completed", "hand_back:handed_back"}
	if got := outcomes(st); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("steps %v\nwant  %v", got, want)
	}
	for _, s := range st.Steps {
		if s.Outcome == "reminder" && !s.At.Equal(time.Date(2026, 11, 27, 8, 0, 0, 0, motcua.Vietnam)) {
			t.Errorf("reminder at %s", s.At)
		}
	}
}

// The applicant cannot be reached: the notification gives up after 12
// tries, records not_reached with the reason, and the dossier completes.
func TestNotificationGivesUpAfterTwelveTries(t *testing.T) {
	h := newHarness(t)
	h.notifyErr = errors.New("mail server refused: 554")
	h.update(time.Hour, workflows.UpdateReview, approve)
	h.update(2*time.Hour, workflows.UpdateSign, signIt)
	st := h.run()
	if h.notifyTries != 12 {
		t.Errorf("%d tries, want 12", h.notifyTries)
	}
	last := st.Steps[len(st.Steps)-2] // before the hand-back
	if st.Status != motcua.StatusReturned || last.Stage != motcua.StageNotify || last.Outcome != "not_reached" || !strings.Contains(last.Comment, "554") {
		t.Errorf("status %s, last step %+v", st.Status, last)
	}
}

// The draft cannot be rendered: the approval fails with the reason, the
// dossier stays in review with a draft_failed step, and a later approval
// goes through.
func TestDraftFailureKeepsTheDossierInReview(t *testing.T) {
	h := newHarness(t)
	h.draftErr = temporal.NewNonRetryableApplicationError("template broken", activities.ErrInvalidDocument, nil)
	first := h.update(time.Hour, workflows.UpdateReview, approve)
	var between motcua.State
	h.env.RegisterDelayedCallback(func() {
		v, _ := h.env.QueryWorkflow(workflows.QueryState)
		v.Get(&between)
	}, time.Hour+time.Minute)
	h.update(2*time.Hour, workflows.UpdateReview, approve)
	h.update(3*time.Hour, workflows.UpdateSign, signIt)
	st := h.run()
	if first.err == nil || !strings.Contains(first.err.Error(), "template broken") {
		t.Errorf("first approval: %+v", first)
	}
	if between.Status != motcua.StatusInReview || between.Steps[len(between.Steps)-1].Outcome != "draft_failed" {
		t.Errorf("after the failure: %s, steps %v", between.Status, outcomes(between))
	}
	if st.Status != motcua.StatusReturned {
		t.Errorf("final status %s", st.Status)
	}
}

// A client that reaches Temporal without the API cannot decide: a decision
// without a voucher, with a forged one, with one for another dossier or
// another user, or replayed once the dossier has moved on, is refused by
// the validator and never written; the dossier is unchanged.
func TestDecisionsNeedTheAPIsVoucher(t *testing.T) {
	h := newHarness(t)
	forger, _ := vouch.Generate()
	var approval withVoucher // the first approval as vouched, replayed later
	refused := map[string]*outcome{
		"unsigned": h.send(time.Hour, workflows.UpdateReview, func(motcua.State) any { return approve }),
		"forged": h.send(time.Hour, workflows.UpdateReview, func(st motcua.State) any {
			v, _ := forger.Vouch(approve, vouch.Voucher{Actor: approve.MadeBy(), DossierID: st.DossierID, Update: workflows.UpdateReview, Revision: st.Revision})
			return withVoucher{approve, v}
		}),
		"another update": h.send(time.Hour, workflows.UpdateReview, func(st motcua.State) any {
			return vouched(t, workflows.UpdateWithdraw, approve, st)
		}),
		"another dossier": h.send(time.Hour, workflows.UpdateReview, func(st motcua.State) any {
			st.DossierID = "000.00.01.H22-261125-0999"
			return vouched(t, workflows.UpdateReview, approve, st)
		}),
		"another decision": h.send(time.Hour, workflows.UpdateReview, func(st motcua.State) any {
			vc := vouched(t, workflows.UpdateReview, approve, st)
			r := approve
			r.Decision, r.Comment = motcua.DecisionReject, "đổi ý"
			return withVoucher{r, vc.voucher}
		}),
		"another user": h.send(time.Hour, workflows.UpdateSign, func(st motcua.State) any {
			vc := vouched(t, workflows.UpdateSign, signIt, st)
			s := signIt
			s.Actor, s.ActorName = "mallory", "Mallory Forger"
			return withVoucher{s, vc.voucher}
		}),
	}
	first := h.send(2*time.Hour, workflows.UpdateReview, func(st motcua.State) any {
		approval = vouched(t, workflows.UpdateReview, approve, st)
		return approval
	})
	ret := h.update(3*time.Hour, workflows.UpdateSign, returnIt)
	replayed := h.send(4*time.Hour, workflows.UpdateReview, func(motcua.State) any { return approval })
	h.update(5*time.Hour, workflows.UpdateReview, approve)
	h.update(6*time.Hour, workflows.UpdateSign, signIt)
	st := h.run()
	for name, o := range refused {
		if got := updateErrorType(o.rejected); got != motcua.CodeForbidden {
			t.Errorf("%s: %v (type %q), want it refused as forbidden", name, o.rejected, got)
		}
	}
	if first.err != nil || ret.err != nil {
		t.Fatalf("vouched decisions: %v %v", first.err, ret.err)
	}
	if got := updateErrorType(replayed.rejected); got != motcua.CodeInvalidState {
		t.Errorf("a replayed approval: %v, want invalid_state", replayed.rejected)
	}
	want := []string{"intake:received", "review:approved", "signature:returned", "review:approved", "signature:signed", "issue:issued", "archive:archived", "notify:completed", "hand_back:handed_back"}
	if got := outcomes(st); !slices.Equal(got, want) {
		t.Errorf("steps %v, want %v", got, want)
	}
}

// An archive that refuses the signed result (another result already filed
// under the dossier) leaves it signed; the operator, having fixed the
// archive, sends an archive retry: it is refused before the archive has
// failed and without a word of what was done, and once taken it is a step
// with the operator's name and comment, and the result is archived.
func TestAnOperatorRetriesAnArchiveThatRefusedTheResult(t *testing.T) {
	h := newHarness(t)
	h.archiveErr = temporal.NewNonRetryableApplicationError("a different result is archived for this dossier", activities.ErrInvalidDocument, nil)
	retry := motcua.ArchiveRetry{Comment: "Đã gỡ bản lưu sai trong kho lưu trữ", Actor: "system1"}
	early := h.update(30*time.Minute, workflows.UpdateArchiveRetry, retry)
	h.update(time.Hour, workflows.UpdateReview, approve)
	h.update(2*time.Hour, workflows.UpdateSign, signIt)
	var blocked motcua.State
	h.env.RegisterDelayedCallback(func() {
		v, _ := h.env.QueryWorkflow(workflows.QueryState)
		v.Get(&blocked)
	}, 3*time.Hour)
	silent := h.update(4*time.Hour, workflows.UpdateArchiveRetry, motcua.ArchiveRetry{Actor: "system1"})
	retried := h.update(5*time.Hour, workflows.UpdateArchiveRetry, retry)
	again := h.update(6*time.Hour, workflows.UpdateArchiveRetry, retry)
	st := h.run()
	if got := updateErrorType(early.rejected); got != motcua.CodeInvalidState {
		t.Errorf("a retry before the archive failed: %v, want invalid_state", early.rejected)
	}
	if blocked.Status != motcua.StatusSigned || blocked.Result == nil || blocked.Result.ArchiveID != "" {
		t.Errorf("after the archive refused: %s %+v, want signed, not archived", blocked.Status, blocked.Result)
	}
	if got := updateErrorType(silent.rejected); got != motcua.CodeInvalidRequest {
		t.Errorf("a retry without a comment: %v, want invalid_request", silent.rejected)
	}
	if retried.rejected != nil || retried.err != nil {
		t.Fatalf("the retry: %v %v", retried.rejected, retried.err)
	}
	if got := updateErrorType(again.rejected); got != motcua.CodeInvalidState {
		t.Errorf("a second retry once archived: %v, want invalid_state", again.rejected)
	}
	want := []string{"intake:received", "review:approved", "signature:signed", "issue:issued", "archive:failed", "archive:archive_retried", "archive:archived", "notify:completed", "hand_back:handed_back"}
	if got := outcomes(st); !slices.Equal(got, want) {
		t.Errorf("steps %v, want %v", got, want)
	}
	for _, s := range st.Steps {
		if s.Outcome == "archive_retried" && (s.Actor != "system1" || s.Comment != retry.Comment) {
			t.Errorf("the retry's step: %+v", s)
		}
	}
}
