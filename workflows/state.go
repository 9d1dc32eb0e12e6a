package workflows

import (
	"errors"

	"time"

	"github.com/motcua/motcua/activities"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/calendar"
	"github.com/motcua/motcua/portal"
)

// dossier is the workflow's state: what the API shows, plus the decision
// being processed and the portal's outbox.
type dossier struct {
	dossier   motcua.Dossier
	procedure motcua.Procedure
	state     motcua.State

	pending *command // the decision the main flow is processing

	approvedAt       time.Time
	pausedAt         time.Time
	signRound        int
	supplementRounds int

	portalSeq   int
	portalQueue []portal.Update

	// reminders is on for dossiers started since deadline reminders exist
	// (workflow.GetVersion "deadline-reminders"); reminded and overdue
	// record that each was written once.
	reminders, reminded, overdue bool
	// localReceipt renders the receipt as a local activity.
	localReceipt bool
}

// command is a decision handed from an update handler to the main flow.
type command struct {
	review     *motcua.Review
	supplement *motcua.Supplement
	sign       *motcua.SignDecision
	withdrawal *motcua.Withdrawal

	finished bool
	err      error
}

// finish marks the decision applied (or failed) and frees the slot for the
// next one.
func (w *dossier) finish(c *command, err error) {
	c.finished, c.err = true, err
	w.pending = nil
}

// Error types of update failures, named after the API's error codes.
const (
	errInvalidState   = motcua.CodeInvalidState
	errInvalidRequest = motcua.CodeInvalidRequest
	errUnavailable    = motcua.CodeUnavailable
)

func invalidState(format string, status motcua.Status) error {
	return temporal.NewApplicationError(format+" (the dossier is "+string(status)+")", errInvalidState)
}

// asUpdateError turns a domain error into an update failure the API maps.
func asUpdateError(err error) error {
	var e *motcua.Error
	if errors.As(err, &e) {
		return temporal.NewApplicationError(e.Message, e.Code, e.Fields)
	}
	return err
}

func newDossier(ctx workflow.Context, d motcua.Dossier) (*dossier, error) {
	p, ok := d.ProcedureTakenIn()
	if !ok {
		return nil, temporal.NewNonRetryableApplicationError("unknown procedure "+d.ProcedureCode, motcua.CodeUnknownProcedure, nil)
	}
	d.Procedure = &p // the activities read it from the dossier
	w := &dossier{dossier: d, procedure: p, state: motcua.State{
		DossierID: d.ID, ProcedureCode: d.ProcedureCode, Channel: d.Channel,
		ReceivedAt: d.ReceivedAt, DueAt: d.DueAt, Applicant: d.Applicant.Masked(),
		Steps: []motcua.Step{},
	}}
	if err := w.registerHandlers(ctx); err != nil {
		return nil, err
	}
	workflow.Go(ctx, w.syncPortal)
	return w, nil
}

func (w *dossier) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (motcua.State, error) {
		return w.snapshot(), nil
	}); err != nil {
		return err
	}
	// intake answers once the receipt is issued and review can start.
	if err := workflow.SetUpdateHandler(ctx, UpdateIntake, func(ctx workflow.Context) (motcua.State, error) {
		err := workflow.Await(ctx, func() bool { return w.state.Status != "" && w.state.Status != motcua.StatusReceived })
		return w.snapshot(), err
	}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateReview,
		func(ctx workflow.Context, r motcua.Review) (motcua.State, error) {
			return w.submit(ctx, &command{review: &r})
		},
		workflow.UpdateHandlerOptions{Validator: func(r motcua.Review) error {
			if r.Actor == "" {
				return temporal.NewApplicationError("the decision names no actor", errInvalidRequest)
			}
			if err := motcua.ValidateReview(w.procedure, r); err != nil {
				return asUpdateError(err)
			}
			return w.ready(motcua.StatusInReview, "a review decision")
		}},
	); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateSupplement,
		func(ctx workflow.Context, s motcua.Supplement) (motcua.State, error) {
			return w.submit(ctx, &command{supplement: &s})
		},
		workflow.UpdateHandlerOptions{Validator: func(s motcua.Supplement) error {
			if err := w.ready(motcua.StatusSupplementRequested, "a supplement"); err != nil {
				return err
			}
			if len(s.Documents) == 0 {
				return temporal.NewApplicationError("no documents", errInvalidRequest, map[string]string{"documents": "at least one document is required"})
			}
			return nil
		}},
	); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateSign,
		func(ctx workflow.Context, s motcua.SignDecision) (motcua.State, error) {
			return w.submit(ctx, &command{sign: &s})
		},
		workflow.UpdateHandlerOptions{Validator: func(s motcua.SignDecision) error {
			if err := w.ready(motcua.StatusAwaitingSignature, "a signature decision"); err != nil {
				return err
			}
			if s.Actor == "" || !s.ActorRole.Signs() {
				return temporal.NewApplicationError("only the chairman or a vice-chairman decides on the signature", motcua.CodeForbidden)
			}
			if r := w.state.SigningRequest; s.SigningRequestID != "" && (r == nil || r.ID != s.SigningRequestID || r.Actor != s.Actor) {
				return invalidState("no open signing request "+s.SigningRequestID+" of "+s.Actor, w.state.Status)
			}
			return asUpdateError(motcua.ValidateSignDecision(s))
		}},
	); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateSigningRequest,
		func(ctx workflow.Context, in motcua.SigningRequestInput) (motcua.SigningRequest, error) {
			var req motcua.SigningRequest
			err := workflow.ExecuteActivity(signCtx(ctx), a.PrepareRemote, activities.RemoteInput{
				Dossier: w.dossier, ApprovedAt: w.approvedAt, At: workflow.Now(ctx),
				Signer:      motcua.User{ID: in.Actor, Name: in.ActorName, Role: in.ActorRole},
				Certificate: in.Certificate, Chain: in.Chain,
			}).Get(ctx, &req)
			if err != nil {
				return req, temporal.NewApplicationError("the signing request could not be prepared: "+errorMessage(err), errUnavailable)
			}
			w.state.SigningRequest = &req
			return req, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(in motcua.SigningRequestInput) error {
			if err := w.ready(motcua.StatusAwaitingSignature, "a signing request"); err != nil {
				return err
			}
			if in.Actor == "" || !in.ActorRole.Signs() {
				return temporal.NewApplicationError("only the chairman or a vice-chairman asks for a signing request", motcua.CodeForbidden)
			}
			if len(in.Certificate) == 0 {
				return temporal.NewApplicationError("no certificate", errInvalidRequest, map[string]string{"certificate_pem": "required"})
			}
			return nil
		}},
	); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateWithdraw,
		func(ctx workflow.Context, wd motcua.Withdrawal) (motcua.State, error) {
			return w.submit(ctx, &command{withdrawal: &wd})
		},
		workflow.UpdateHandlerOptions{Validator: func(motcua.Withdrawal) error {
			if w.pending != nil {
				return invalidState("another decision on this dossier is being processed", w.state.Status)
			}
			if !w.state.Status.Withdrawable() {
				return invalidState("the dossier can no longer be withdrawn", w.state.Status)
			}
			return nil
		}},
	)
}

// ready checks that a decision of the given kind is expected now.
func (w *dossier) ready(want motcua.Status, what string) error {
	if w.state.Status != want {
		return invalidState(what+" is only taken when the dossier is "+string(want), w.state.Status)
	}
	if w.pending != nil {
		return invalidState("another decision on this dossier is being processed", w.state.Status)
	}
	return nil
}

// submit hands a decision to the main flow and waits until it is applied.
func (w *dossier) submit(ctx workflow.Context, c *command) (motcua.State, error) {
	w.pending = c
	if err := workflow.Await(ctx, func() bool { return c.finished }); err != nil {
		return motcua.State{}, err
	}
	var e *motcua.Error
	switch {
	case errors.As(c.err, &e):
		return w.snapshot(), asUpdateError(e)
	case c.err != nil:
		return w.snapshot(), temporal.NewApplicationError(c.err.Error(), errUnavailable)
	}
	return w.snapshot(), nil
}

// await waits for the next decision. Meanwhile, on dossiers with
// reminders, the office is reminded on the working day before the due date,
// and the dossier is marked overdue when the due date passes.
func (w *dossier) await(ctx workflow.Context) *command {
	for w.reminders {
		now := workflow.Now(ctx)
		var next time.Time
		var outcome string
		switch remindAt := calendar.Vietnam.WorkingDayBefore(w.state.DueAt); {
		case !w.reminded && now.Before(remindAt):
			next, outcome = remindAt, "reminder"
		case !w.overdue && now.Before(w.state.DueAt):
			next, outcome = w.state.DueAt, "overdue"
		case !w.overdue:
			w.markDeadline(ctx, "overdue")
			continue
		}
		if next.IsZero() {
			break
		}
		if c, ok := w.awaitUntil(ctx, next.Sub(now)); ok {
			return c
		}
		w.markDeadline(ctx, outcome)
	}
	c, _ := w.awaitUntil(ctx, 0)
	return c
}

// markDeadline records a reminder or the passing of the due date.
func (w *dossier) markDeadline(ctx workflow.Context, outcome string) {
	if outcome == "reminder" {
		w.reminded = true
	} else {
		w.reminded, w.overdue = true, true
	}
	w.step(ctx, w.currentStage(), "system", outcome, "hạn trả kết quả / due "+w.state.DueAt.In(motcua.Vietnam).Format("02/01/2006 15:04"))
	workflow.GetLogger(ctx).Info("deadline "+outcome, "dossier_id", w.state.DossierID)
}

// awaitUntil waits for the next decision, at most d (0: no limit); ok is
// false when the time ran out.
func (w *dossier) awaitUntil(ctx workflow.Context, d time.Duration) (*command, bool) {
	took := func() bool { return w.pending != nil && !w.pending.finished }
	if d == 0 {
		_ = workflow.Await(ctx, took)
	} else if ok, _ := workflow.AwaitWithTimeout(ctx, d, took); !ok {
		return nil, false
	}
	c := w.pending
	return c, true
}

func (w *dossier) step(ctx workflow.Context, stage motcua.Stage, actor, outcome, comment string) {
	if actor == "" {
		actor = "system"
	}
	w.state.Steps = append(w.state.Steps, motcua.Step{
		Stage: stage, Actor: actor, Outcome: outcome, Comment: comment, At: workflow.Now(ctx).In(motcua.Vietnam),
	})
}

// setStatus records a status, updates the search attributes and queues the
// portal pushes. Entering review for the first time is reported as accepted
// (2) and then as processing (4).
func (w *dossier) setStatus(ctx workflow.Context, s motcua.Status) {
	first := w.state.Status == motcua.StatusReceived && s == motcua.StatusInReview
	w.state.Status = s
	_ = workflow.UpsertTypedSearchAttributes(ctx, searchAttributes(s, w.state.ProcedureCode, w.state.ReceivedAt, w.state.DueAt)...)
	if first {
		w.queuePortal(ctx, motcua.PortalAccepted, "accepted")
	}
	w.queuePortal(ctx, s.PortalCode(), string(s))
}

func (w *dossier) complete(ctx workflow.Context) {
	t := workflow.Now(ctx).In(motcua.Vietnam)
	w.state.CompletedAt = &t
}

func (w *dossier) queuePortal(ctx workflow.Context, code int, status string) {
	w.portalSeq++
	u := portal.Update{
		DossierID: w.state.DossierID, ProcedureCode: w.state.ProcedureCode, Channel: w.state.Channel.PortalCode(),
		Seq: w.portalSeq, Code: code, Status: status,
		ReceivedAt: w.state.ReceivedAt, DueAt: w.state.DueAt, ChangedAt: workflow.Now(ctx),
	}
	if w.state.CompletedAt != nil {
		u.CompletedAt = *w.state.CompletedAt
	}
	w.portalQueue = append(w.portalQueue, u)
}

// syncPortal pushes the queued updates in order: all that are waiting in one
// request (dossiers started before "portal-batches": one at a time). A push
// is retried for as long as the portal is down; the dossier goes on
// meanwhile.
func (w *dossier) syncPortal(ctx workflow.Context) {
	together := workflow.GetVersion(ctx, "portal-batches", workflow.DefaultVersion, 1) >= 1
	for {
		if err := workflow.Await(ctx, func() bool { return len(w.portalQueue) > 0 }); err != nil {
			return
		}
		n, f := 1, workflow.Future(nil)
		if together {
			n = min(len(w.portalQueue), maxPortalBatch)
			f = workflow.ExecuteActivity(portalCtx(ctx), a.PushPortalUpdates, w.portalQueue[:n])
		} else {
			f = workflow.ExecuteActivity(portalCtx(ctx), a.PushPortal, w.portalQueue[0])
		}
		if err := f.Get(ctx, nil); err != nil {
			if temporal.IsCanceledError(err) || ctx.Err() != nil {
				return
			}
			// The activity gave up (a timeout bounded its retries): the
			// updates stay first in line and are tried again.
			_ = workflow.Sleep(ctx, portalPause)
			continue
		}
		last := w.portalQueue[n-1]
		w.portalQueue = w.portalQueue[n:]
		now := workflow.Now(ctx).In(motcua.Vietnam)
		w.state.Portal.LastCode, w.state.Portal.SyncedAt = last.Code, &now
	}
}

// maxPortalBatch bounds the updates sent in one request.
const maxPortalBatch = 20

// portalPause is the wait before an update whose retries ran out is tried
// again.
const portalPause = 5 * time.Minute

func (w *dossier) waitPortal(ctx workflow.Context) {
	_ = workflow.Await(ctx, func() bool { return len(w.portalQueue) == 0 })
}

// snapshot is a copy of the state for queries and update results.
func (w *dossier) snapshot() motcua.State {
	s := w.state
	s.Steps = append([]motcua.Step(nil), w.state.Steps...)
	if w.state.Result != nil {
		r := *w.state.Result
		s.Result = &r
	}
	s.Portal.Pending = len(w.portalQueue)
	return s
}
