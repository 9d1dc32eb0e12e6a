package workflows

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/vouch"
)

// DecisionTimeout bounds how long a caller waits for the workflow to carry
// a decision out. A decision still running then may yet be carried out.
const DecisionTimeout = 60 * time.Second

// Dossiers starts, decides on and lists the dossiers of one unit: the one
// place outside the workflows that speaks to Temporal about them. The API's
// handlers and the audit command use it; none of them builds a workflow
// call or a visibility query of its own.
type Dossiers struct {
	Temporal  client.Client
	Namespace string
	Unit      motcua.Unit
	Calendar  *calendar.Calendar
	// Commands vouches for each decision: the workers carry out none
	// without its voucher.
	Commands vouch.Signer
	// DataConverter reads the applicant's name from each listed dossier's
	// memo, which is sealed like every payload; nil: lists without names.
	DataConverter converter.DataConverter

	codesOnce sync.Once
	codes     *codeBatches // the code requests of this API, batched
}

// Intake is a dossier accepted at the counter or from a back-office
// system: validated, its documents stored, not yet numbered.
type Intake struct {
	ExternalID string
	Procedure  motcua.Procedure
	Channel    motcua.Channel
	Applicant  motcua.Applicant
	Fields     map[string]string
	Documents  []motcua.DocumentRef
	// ReceivedBy is the user taking the dossier in.
	ReceivedBy motcua.User
}

// Start gives the dossier its code and starts its workflow, answering once
// the receipt is issued and review is open. existing is true when the
// external id was seen before: the answer is that earlier dossier.
func (s *Dossiers) Start(ctx context.Context, in Intake) (st motcua.State, existing bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, DecisionTimeout)
	defer cancel()
	alloc, err := s.allocate(ctx, in.ExternalID)
	if err != nil {
		return st, false, err
	}
	if alloc.Existing {
		if st, err := s.State(ctx, alloc.Code); err == nil {
			return st, true, nil
		}
		// the earlier request was cut before its workflow started: start it now
	}
	p := in.Procedure
	d := motcua.Dossier{
		ID: alloc.Code, ExternalID: in.ExternalID, ProcedureCode: p.Code, Procedure: &p, Channel: in.Channel,
		Applicant: in.Applicant, Fields: in.Fields, Documents: in.Documents,
		ReceivedBy: in.ReceivedBy.ID, ReceivedByName: in.ReceivedBy.Name, ReceivedAt: alloc.ReceivedAt,
		DueAt: s.Calendar.DueFor(p, alloc.ReceivedAt),
	}
	start := s.Temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       d.ID,
		TaskQueue:                TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes:    temporal.NewSearchAttributes(searchAttributes(motcua.StatusReceived, d.ProcedureCode, d.ReceivedAt, d.DueAt)...),
		// The lists show whose dossier it is: the name goes in the memo,
		// which the client's converter seals, never in a search attribute
		// (Temporal keeps those in clear).
		Memo: map[string]any{memoApplicant: d.Applicant.FullName},
	}, DossierWorkflow, d)
	h, err := s.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions:          client.UpdateWorkflowOptions{UpdateName: UpdateIntake, WaitForStage: client.WorkflowUpdateStageCompleted},
	})
	if err == nil {
		err = h.Get(ctx, &st)
	}
	if err != nil {
		return st, false, fmt.Errorf("start dossier %s: %w", d.ID, err)
	}
	return st, alloc.Existing, nil
}

// allocate gets the dossier code from the unit's code workflow. The
// intakes that arrive while a batch is under way wait for the next one,
// which carries them all in one update (group commit): under load the code
// workflow runs one task for many intakes instead of queueing one update
// each.
func (s *Dossiers) allocate(ctx context.Context, externalID string) (Allocation, error) {
	s.codesOnce.Do(func() { s.codes = &codeBatches{} })
	r := &codeRequest{req: AllocateRequest{ExternalID: externalID}, done: make(chan struct{})}
	if s.codes.add(r) {
		go s.sendCodeBatches()
	}
	select {
	case <-r.done:
		return r.a, r.err
	case <-ctx.Done():
		return Allocation{}, fmt.Errorf("allocate dossier code: %w", ctx.Err())
	}
}

// sendCodeBatches sends the waiting requests, batch after batch, until
// none wait. Each batch has its own deadline: the intake that started it
// may give up without taking the others down.
func (s *Dossiers) sendCodeBatches() {
	for {
		batch := s.codes.next(maxBatch)
		if len(batch) == 0 {
			return
		}
		reqs := make([]AllocateRequest, len(batch))
		for i, r := range batch {
			reqs[i] = r.req
		}
		ctx, cancel := context.WithTimeout(context.Background(), DecisionTimeout)
		as, err := s.allocateBatch(ctx, reqs)
		cancel()
		for i, r := range batch {
			if err != nil {
				r.err = err
			} else {
				r.a = as[i]
			}
			close(r.done)
		}
	}
}

// allocateBatch asks the unit's code workflow for the codes of reqs,
// starting that workflow (it runs for ever, continuing as new) when it is
// missing.
func (s *Dossiers) allocateBatch(ctx context.Context, reqs []AllocateRequest) ([]Allocation, error) {
	var as []Allocation
	for attempt := 0; ; attempt++ {
		h, err := s.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: CodesWorkflowID(s.Unit.Code), UpdateName: UpdateAllocateBatch,
			Args: []any{reqs}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			err = h.Get(ctx, &as)
		}
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) && attempt < 3 {
			_, err = s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
				ID: CodesWorkflowID(s.Unit.Code), TaskQueue: TaskQueue,
				WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
			}, CodesWorkflow, CodesState{Unit: s.Unit.Code})
			if err == nil {
				continue
			}
		}
		if err == nil && len(as) != len(reqs) {
			err = fmt.Errorf("%d codes for %d requests", len(as), len(reqs))
		}
		var app *temporal.ApplicationError
		if errors.As(err, &app) && app.Type() == ErrCodesUsedUp {
			return nil, motcua.Errorf(motcua.CodeInvalidState, "%s", app.Message())
		}
		if err != nil {
			return nil, fmt.Errorf("allocate dossier code: %w", err)
		}
		return as, nil
	}
}

// codeBatches are the code requests waiting for the next batch.
type codeBatches struct {
	mu      sync.Mutex
	waiting []*codeRequest
	sending bool
}

// codeRequest is one intake's request and, once done is closed, its answer.
type codeRequest struct {
	req  AllocateRequest
	done chan struct{}
	a    Allocation
	err  error
}

// add queues r and reports whether the caller must start sending: no batch
// is under way.
func (b *codeBatches) add(r *codeRequest) (start bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.waiting = append(b.waiting, r)
	start, b.sending = !b.sending, true
	return start
}

// next takes up to max waiting requests, in order; none means the sender
// stops (and the next add starts one).
func (b *codeBatches) next(max int) []*codeRequest {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := min(len(b.waiting), max)
	batch := b.waiting[:n:n]
	b.waiting = b.waiting[n:]
	if n == 0 {
		b.sending = false
	}
	return batch
}

// State returns the dossier as its workflow holds it; a dossier that does
// not exist, or is another unit's, is a motcua.Error with code not_found.
func (s *Dossiers) State(ctx context.Context, id string) (motcua.State, error) {
	var st motcua.State
	if !motcua.ValidDossierID(id) || !s.ours(id) {
		return st, motcua.Errorf(motcua.CodeNotFound, "no dossier %q", id)
	}
	v, err := s.Temporal.QueryWorkflow(ctx, id, "", QueryState)
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return st, motcua.Errorf(motcua.CodeNotFound, "no dossier %q", id)
		}
		return st, err
	}
	return st, v.Get(&st)
}

// Lookup is the public lookup of dossier id: its state when last4 are the
// last four digits of its applicant's phone or identity number. An unknown
// code and a wrong last4 are the same not_found, word for word.
func (s *Dossiers) Lookup(ctx context.Context, id, last4 string) (motcua.State, error) {
	var st motcua.State
	unknown := motcua.Errorf(motcua.CodeNotFound, "no dossier with this code and these digits")
	if !motcua.ValidDossierID(id) || !s.ours(id) || !motcua.ValidLast4(last4) {
		return st, unknown
	}
	v, err := s.Temporal.QueryWorkflow(ctx, id, "", QueryPublic, last4)
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return st, unknown
		}
		return st, err
	}
	if err := v.Get(&st); err != nil {
		return st, err
	}
	if st.DossierID == "" {
		return st, unknown
	}
	return st, nil
}

// Decision is the update that carries a user's command of type C on a
// dossier, answered with R.
type Decision[C motcua.Command[C], R any] struct{ Update string }

// The decisions users make on a dossier.
var (
	Review         = Decision[motcua.Review, motcua.State]{UpdateReview}
	Supplement     = Decision[motcua.Supplement, motcua.State]{UpdateSupplement}
	Sign           = Decision[motcua.SignDecision, motcua.State]{UpdateSign}
	RequestSigning = Decision[motcua.SigningRequestInput, motcua.SigningRequest]{UpdateSigningRequest}
	Withdraw       = Decision[motcua.Withdrawal, motcua.State]{UpdateWithdraw}
	Pay            = Decision[motcua.Payment, motcua.State]{UpdatePayment}
	Consult        = Decision[motcua.ConsultationAnswer, motcua.State]{UpdateConsultation}
	HandBack       = Decision[motcua.HandBack, motcua.State]{UpdateHandBack}
	SignApology    = Decision[motcua.SignDecision, motcua.State]{UpdateSignApology}
	RetryArchive   = Decision[motcua.ArchiveRetry, motcua.State]{UpdateArchiveRetry}
	Issue          = Decision[motcua.Issue, motcua.State]{UpdateIssue}
)

// Decide hands by's command to the dossier, vouched for as by's at the
// dossier's current revision, and waits until the workflow has carried it
// out. The workflow checks it against the procedure the dossier was taken
// in with (the one place a decision is validated); a finished dossier
// refuses it before Temporal is asked.
func Decide[C motcua.Command[C], R any](ctx context.Context, s *Dossiers, d Decision[C, R], id string, by motcua.User, cmd C) (R, error) {
	var out R
	return out, hand(ctx, s, d, id, by, cmd, client.WorkflowUpdateStageCompleted, &out)
}

// Hand hands by's command to the dossier like Decide, but returns once
// the workflow has accepted it: for a decision that waits on someone
// outside, such as a leader's phone, which the dossier's state shows
// meanwhile.
func Hand[C motcua.Command[C], R any](ctx context.Context, s *Dossiers, d Decision[C, R], id string, by motcua.User, cmd C) error {
	return hand(ctx, s, d, id, by, cmd, client.WorkflowUpdateStageAccepted, nil)
}

func hand[C motcua.Command[C], R any](ctx context.Context, s *Dossiers, d Decision[C, R], id string, by motcua.User, cmd C, stage client.WorkflowUpdateStage, out *R) error {
	st, err := s.open(ctx, id)
	if err != nil {
		return err
	}
	cmd = cmd.By(by)
	v, err := s.Commands.Vouch(cmd, vouch.Voucher{
		Actor: by, DossierID: st.DossierID, Update: d.Update, Revision: st.Revision, IssuedAt: time.Now(),
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(vouch.WithVoucher(ctx, v), DecisionTimeout)
	defer cancel()
	h, err := s.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: id, UpdateName: d.Update, Args: []any{cmd}, WaitForStage: stage,
	})
	if err != nil {
		return err
	}
	if out != nil {
		return h.Get(ctx, out)
	}
	// Accepted: a refusal is already in the handle, the outcome comes
	// later; asked with a cancelled context, the handle answers the one
	// and does not wait for the other.
	asked, cancelAsk := context.WithCancel(ctx)
	cancelAsk()
	if err := h.Get(asked, nil); err != nil && !errors.As(err, new(*client.WorkflowUpdateServiceTimeoutOrCanceledError)) {
		return err
	}
	return nil
}

// open returns the dossier unless it is finished: a finished dossier
// refuses every decision before Temporal is asked.
func (s *Dossiers) open(ctx context.Context, id string) (motcua.State, error) {
	st, err := s.State(ctx, id)
	if err == nil && st.Status.Terminal() {
		err = motcua.Errorf(motcua.CodeInvalidState, "the dossier is %s: nothing more can be decided", st.Status)
	}
	if err == nil && st.Status == motcua.StatusCompleted {
		// Dossiers taken in before hand-back existed end at completed.
		d, derr := s.Temporal.DescribeWorkflowExecution(ctx, id, "")
		if derr == nil && d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			err = motcua.Errorf(motcua.CodeInvalidState, "the dossier was finished before motcua recorded hand-backs: nothing more can be decided")
		}
	}
	return st, err
}

// ours reports whether the dossier is this unit's: its code begins with the
// unit's (every unit when Unit.Code is empty, as for the audit command).
func (s *Dossiers) ours(id string) bool {
	return s.Unit.Code == "" || strings.HasPrefix(id, s.Unit.Code+"-")
}

// Filter selects dossiers; zero fields select all.
type Filter struct {
	Status        motcua.Status
	ProcedureCode string
}

// query is the visibility query of f. Its values are checked against the
// known statuses and procedure codes by the callers; quotes are dropped so
// no value can change the query's shape.
func (f Filter) query(unit string) string {
	q := []string{"WorkflowType = 'DossierWorkflow'"}
	clean := func(v string) string { return strings.NewReplacer("'", "", `"`, "", `\`, "").Replace(v) }
	if unit != "" {
		q = append(q, "WorkflowId STARTS_WITH '"+clean(unit)+"-'")
	}
	if f.Status != "" {
		q = append(q, AttrStatus.GetName()+" = '"+clean(string(f.Status))+"'")
	}
	if f.ProcedureCode != "" {
		q = append(q, AttrProcedure.GetName()+" = '"+clean(f.ProcedureCode)+"'")
	}
	return strings.Join(q, " AND ")
}

// ErrBadPageToken is List's answer to a page token it did not give.
var ErrBadPageToken = errors.New("not a page token of this list")

// List returns one page of dossiers (at most size) from the search
// attributes, and the token of the next page (nil on the last).
func (s *Dossiers) List(ctx context.Context, f Filter, size int, token []byte) ([]motcua.Summary, []byte, error) {
	resp, err := s.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: s.Namespace, PageSize: int32(size), NextPageToken: token, Query: f.query(s.Unit.Code),
	})
	if err != nil {
		var inv *serviceerror.InvalidArgument
		if errors.As(err, &inv) && len(token) > 0 {
			return nil, nil, ErrBadPageToken
		}
		return nil, nil, fmt.Errorf("list dossiers: %w", err)
	}
	out := make([]motcua.Summary, 0, len(resp.Executions))
	for _, e := range resp.Executions {
		row := summary(e.GetExecution().GetWorkflowId(), e.GetSearchAttributes())
		if p := e.GetMemo().GetFields()[memoApplicant]; p != nil && s.DataConverter != nil {
			_ = s.DataConverter.FromPayload(p, &row.Applicant) // dossiers taken in before the memo have none
		}
		out = append(out, row)
	}
	return out, resp.NextPageToken, nil
}

// Each calls fn with every dossier f selects, page by page.
func (s *Dossiers) Each(ctx context.Context, f Filter, fn func(motcua.Summary) error) error {
	var token []byte
	for {
		page, next, err := s.List(ctx, f, 200, token)
		if err != nil {
			return err
		}
		for _, d := range page {
			if err := fn(d); err != nil {
				return err
			}
		}
		if token = next; len(token) == 0 {
			return nil
		}
	}
}

// memoApplicant is the memo field holding the applicant's name.
const memoApplicant = "applicant"

// summary reads a dossier's list row from its search attributes (which
// Temporal keeps in clear: they hold no personal data).
func summary(id string, attrs *commonpb.SearchAttributes) motcua.Summary {
	dc := converter.GetDefaultDataConverter()
	fields := attrs.GetIndexedFields()
	row := motcua.Summary{DossierID: id}
	var status string
	_ = dc.FromPayload(fields[AttrStatus.GetName()], &status)
	row.Status = motcua.Status(status)
	_ = dc.FromPayload(fields[AttrProcedure.GetName()], &row.ProcedureCode)
	var rec, due time.Time
	if dc.FromPayload(fields[AttrReceivedAt.GetName()], &rec) == nil && !rec.IsZero() {
		row.ReceivedAt = &rec
	}
	if dc.FromPayload(fields[AttrDueAt.GetName()], &due) == nil && !due.IsZero() {
		row.DueAt = &due
	}
	return row
}

// searchAttributes are a dossier's attributes for a status: the same at
// the start and at every change of status.
func searchAttributes(s motcua.Status, procedure string, receivedAt, dueAt time.Time) []temporal.SearchAttributeUpdate {
	return []temporal.SearchAttributeUpdate{
		AttrStatus.ValueSet(string(s)),
		AttrProcedure.ValueSet(procedure),
		AttrReceivedAt.ValueSet(receivedAt),
		AttrDueAt.ValueSet(dueAt),
	}
}
