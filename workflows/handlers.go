package workflows

import (
	"errors"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/activities"
	"github.com/motcua/motcua/internal/vouch"
)

// The dossier's query and updates. Each update has a validator: a decision
// out of turn, or one that is not well formed, is refused before it is
// written to the history. An accepted decision is handed to the main flow
// (submit), which carries it out and answers.

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

// registerHandlers sets the query and the update handlers.
func (w *dossier) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (motcua.State, error) {
		return w.snapshot(), nil
	}); err != nil {
		return err
	}
	// public answers the public lookup: the state when last4 are the last
	// four digits of the applicant's phone or identity number, else a
	// zero state. The workflow holds the applicant in clear; the API and
	// the history do not (a query is not recorded).
	if err := workflow.SetQueryHandler(ctx, QueryPublic, func(last4 string) (motcua.State, error) {
		if !w.dossier.Applicant.Owns(last4) {
			return motcua.State{}, nil
		}
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
	if err := decision(ctx, w, UpdateReview, func(r motcua.Review) error {
		if err := motcua.ValidateReview(w.procedure, r); err != nil {
			return asUpdateError(err)
		}
		return w.ready(motcua.StatusInReview, "a review decision")
	}, func(ctx workflow.Context, r motcua.Review) (motcua.State, error) {
		return w.submit(ctx, &command{review: &r})
	}); err != nil {
		return err
	}
	if err := decision(ctx, w, UpdateSupplement, func(s motcua.Supplement) error {
		if err := w.ready(motcua.StatusSupplementRequested, "a supplement"); err != nil {
			return err
		}
		if len(s.Documents) == 0 {
			return temporal.NewApplicationError("no documents", errInvalidRequest, map[string]string{"documents": "at least one document is required"})
		}
		return nil
	}, func(ctx workflow.Context, s motcua.Supplement) (motcua.State, error) {
		return w.submit(ctx, &command{supplement: &s})
	}); err != nil {
		return err
	}
	if err := decision(ctx, w, UpdateSign, func(s motcua.SignDecision) error {
		if err := motcua.ValidateSignDecision(s); err != nil {
			return asUpdateError(err)
		}
		if err := w.ready(motcua.StatusAwaitingSignature, "a signature decision"); err != nil {
			return err
		}
		if !s.ActorRole.Signs() {
			return temporal.NewApplicationError("only the chairman or a vice-chairman decides on the signature", motcua.CodeForbidden)
		}
		if r := w.state.SigningRequest; s.SigningRequestID != "" && (r == nil || r.ID != s.SigningRequestID || r.Actor != s.Actor) {
			return invalidState("no open signing request "+s.SigningRequestID+" of "+s.Actor, w.state.Status)
		}
		return nil
	}, func(ctx workflow.Context, s motcua.SignDecision) (motcua.State, error) {
		return w.submit(ctx, &command{sign: &s, voucher: vouch.Vouched(ctx)})
	}); err != nil {
		return err
	}
	if err := decision(ctx, w, UpdateSigningRequest, func(in motcua.SigningRequestInput) error {
		if err := w.ready(motcua.StatusAwaitingSignature, "a signing request"); err != nil {
			return err
		}
		if !in.ActorRole.Signs() {
			return temporal.NewApplicationError("only the chairman or a vice-chairman asks for a signing request", motcua.CodeForbidden)
		}
		if len(in.Certificate) == 0 {
			return temporal.NewApplicationError("no certificate", errInvalidRequest, map[string]string{"certificate_pem": "required"})
		}
		return nil
	}, func(ctx workflow.Context, in motcua.SigningRequestInput) (motcua.SigningRequest, error) {
		var req motcua.SigningRequest
		err := workflow.ExecuteActivity(signCtx(ctx), a.PrepareRemote, activities.RemoteInput{
			Dossier: w.dossier, ApprovedAt: w.approvedAt, At: workflow.Now(ctx),
			Signer: in.MadeBy(), Certificate: in.Certificate, Chain: in.Chain, ToIssue: w.issue,
		}).Get(ctx, &req)
		if err != nil {
			return req, signingFailure("the signing request could not be prepared", err)
		}
		w.state.SigningRequest = &req
		return req, nil
	}); err != nil {
		return err
	}
	if err := decision(ctx, w, UpdateIssue, func(i motcua.Issue) error {
		if err := motcua.ValidateIssue(i); err != nil {
			return asUpdateError(err)
		}
		if err := w.ready(motcua.StatusAwaitingIssue, "an issue decision"); err != nil {
			return err
		}
		if w.issuing {
			return invalidState("the result is being issued", w.state.Status)
		}
		if i.ActorRole != motcua.RoleRecordsOfficer {
			return temporal.NewApplicationError("only the records officer issues a result", motcua.CodeForbidden)
		}
		return nil
	}, func(ctx workflow.Context, i motcua.Issue) (motcua.State, error) {
		return w.submit(ctx, &command{issue: &i, voucher: vouch.Vouched(ctx)})
	}); err != nil {
		return err
	}
	if err := w.registerStepHandlers(ctx); err != nil {
		return err
	}
	if err := w.registerApologyHandler(ctx); err != nil {
		return err
	}
	return decision(ctx, w, UpdateWithdraw, func(wd motcua.Withdrawal) error {
		if err := motcua.ValidateWithdrawal(wd); err != nil {
			return asUpdateError(err)
		}
		if w.pending != nil {
			return invalidState("another decision on this dossier is being processed", w.state.Status)
		}
		if !w.state.Status.Withdrawable() {
			return invalidState("the dossier can no longer be withdrawn", w.state.Status)
		}
		return nil
	}, func(ctx workflow.Context, wd motcua.Withdrawal) (motcua.State, error) {
		return w.submit(ctx, &command{withdrawal: &wd})
	})
}

// decision sets the update that carries a user's command of type C. Its
// validator takes it only if the API vouched for it (see vouched), then
// asks check whether it is well formed, against the procedure the dossier
// was taken in with, and expected now; run carries it out.
func decision[C motcua.Command[C], R any](ctx workflow.Context, w *dossier, update string, check func(C) error, run func(workflow.Context, C) (R, error)) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, update, run, workflow.UpdateHandlerOptions{
		Validator: func(ctx workflow.Context, c C) error {
			if err := w.vouched(ctx, update, c.MadeBy()); err != nil {
				return err
			}
			return check(c)
		},
	})
}

// vouched checks that the update in ctx came with the API's voucher (the
// worker's vouch interceptor has checked its signature over the command),
// for this dossier at its current revision, for the update named, and for
// the user the command names as its maker.
func (w *dossier) vouched(ctx workflow.Context, update string, by motcua.User) error {
	v := vouch.Vouched(ctx)
	switch {
	case v == nil:
		return temporal.NewApplicationError(vouch.ErrNoVoucher.Error(), motcua.CodeForbidden)
	case v.DossierID != w.state.DossierID || v.Update != update:
		return temporal.NewApplicationError("the voucher is for "+v.Update+" on dossier "+v.DossierID, motcua.CodeForbidden)
	case by.ID == "" || v.Actor.ID != by.ID || (by.Name != "" && v.Actor.Name != by.Name) || (by.Role != "" && v.Actor.Role != by.Role):
		return temporal.NewApplicationError("the decision is not made by the user the API vouched for", motcua.CodeForbidden)
	case v.Revision != w.revision:
		return invalidState("the dossier has changed since this decision was vouched for; look at it again", w.state.Status)
	}
	return nil
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
	if app, ok := c.err.(*temporal.ApplicationError); ok { // an answer made for the caller
		return w.snapshot(), app
	}
	switch {
	case errors.As(c.err, &e):
		return w.snapshot(), asUpdateError(e)
	case c.err != nil:
		return w.snapshot(), temporal.NewApplicationError(c.err.Error(), errUnavailable)
	}
	return w.snapshot(), nil
}

// registerStepHandlers sets the updates of the procedure's own steps:
// payment, the consultation's answer, the hand-back.
func (w *dossier) registerStepHandlers(ctx workflow.Context) error {
	if err := decision(ctx, w, UpdatePayment, func(p motcua.Payment) error {
		if err := motcua.ValidatePayment(p, w.state.Fee.AmountVND); err != nil {
			return asUpdateError(err)
		}
		return w.ready(motcua.StatusAwaitingPayment, "a payment")
	}, func(ctx workflow.Context, p motcua.Payment) (motcua.State, error) {
		return w.submit(ctx, &command{payment: &p})
	}); err != nil {
		return err
	}
	if err := decision(ctx, w, UpdateConsultation, func(ans motcua.ConsultationAnswer) error {
		if err := motcua.ValidateConsultationAnswer(ans); err != nil {
			return asUpdateError(err)
		}
		return w.ready(motcua.StatusInConsultation, "a consultation answer")
	}, func(ctx workflow.Context, ans motcua.ConsultationAnswer) (motcua.State, error) {
		return w.submit(ctx, &command{answer: &ans})
	}); err != nil {
		return err
	}
	if err := decision(ctx, w, UpdateArchiveRetry, func(r motcua.ArchiveRetry) error {
		if err := motcua.ValidateArchiveRetry(r); err != nil {
			return asUpdateError(err)
		}
		if !w.archiveFailed || w.pending != nil {
			return invalidState("an archive retry is only taken when the archive has refused the signed result", w.state.Status)
		}
		return nil
	}, func(ctx workflow.Context, r motcua.ArchiveRetry) (motcua.State, error) {
		return w.submit(ctx, &command{retry: &r})
	}); err != nil {
		return err
	}
	return decision(ctx, w, UpdateHandBack, func(h motcua.HandBack) error {
		if err := motcua.ValidateHandBack(h); err != nil {
			return asUpdateError(err)
		}
		return w.ready(motcua.StatusCompleted, "a hand-back")
	}, func(ctx workflow.Context, h motcua.HandBack) (motcua.State, error) {
		return w.submit(ctx, &command{handBack: &h})
	})
}
