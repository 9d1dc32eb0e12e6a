package workflows

import (
	"errors"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/activities"
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
			cmd := r
			cmd.Voucher = nil
			if err := w.vouched(UpdateReview, cmd, r.Voucher, r.Actor); err != nil {
				return err
			}
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
			cmd := s
			cmd.Voucher = nil
			if err := w.vouched(UpdateSupplement, cmd, s.Voucher, s.Actor); err != nil {
				return err
			}
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
			cmd := s
			cmd.Voucher = nil
			if err := w.vouched(UpdateSign, cmd, s.Voucher, s.Actor); err != nil {
				return err
			}
			if v := s.Voucher; v.Actor.Name != s.ActorName || v.Actor.Role != s.ActorRole {
				return temporal.NewApplicationError("the signer is not the user the API vouched for", motcua.CodeForbidden)
			}
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
				return req, signingFailure("the signing request could not be prepared", err)
			}
			w.state.SigningRequest = &req
			return req, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(in motcua.SigningRequestInput) error {
			cmd := in
			cmd.Voucher = nil
			if err := w.vouched(UpdateSigningRequest, cmd, in.Voucher, in.Actor); err != nil {
				return err
			}
			if v := in.Voucher; v.Actor.Name != in.ActorName || v.Actor.Role != in.ActorRole {
				return temporal.NewApplicationError("the signer is not the user the API vouched for", motcua.CodeForbidden)
			}
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
	if err := w.registerStepHandlers(ctx); err != nil {
		return err
	}
	if err := w.registerApologyHandler(ctx); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateWithdraw,
		func(ctx workflow.Context, wd motcua.Withdrawal) (motcua.State, error) {
			return w.submit(ctx, &command{withdrawal: &wd})
		},
		workflow.UpdateHandlerOptions{Validator: func(wd motcua.Withdrawal) error {
			cmd := wd
			cmd.Voucher = nil
			if err := w.vouched(UpdateWithdraw, cmd, wd.Voucher, wd.Actor); err != nil {
				return err
			}
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
		}},
	)
}

// vouched checks that the API vouched for cmd (given without its voucher v)
// as the update named, for this dossier at its current revision, by the
// actor the command names. Validators run when an update arrives, never on
// replay, so the trusted keys may be the worker's of today.
func (w *dossier) vouched(update string, cmd any, v *motcua.Voucher, actor string) error {
	// Validators run only when an update arrives, never on replay; the
	// check hashes the command's JSON (struct fields in order, map keys
	// sorted), the same bytes every time.
	//workflowcheck:ignore
	if err := trustedCommands().Verify(cmd, v); err != nil {
		return temporal.NewApplicationError(err.Error(), motcua.CodeForbidden)
	}
	switch {
	case v.DossierID != w.state.DossierID || v.Update != update:
		return temporal.NewApplicationError("the voucher is for "+v.Update+" on dossier "+v.DossierID, motcua.CodeForbidden)
	case v.Actor.ID != actor:
		return temporal.NewApplicationError("the voucher is for another user", motcua.CodeForbidden)
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
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdatePayment,
		func(ctx workflow.Context, p motcua.Payment) (motcua.State, error) {
			return w.submit(ctx, &command{payment: &p})
		},
		workflow.UpdateHandlerOptions{Validator: func(p motcua.Payment) error {
			cmd := p
			cmd.Voucher = nil
			if err := w.vouched(UpdatePayment, cmd, p.Voucher, p.Actor); err != nil {
				return err
			}
			if err := w.ready(motcua.StatusAwaitingPayment, "a payment"); err != nil {
				return err
			}
			return asUpdateError(motcua.ValidatePayment(p, w.state.Fee.AmountVND))
		}},
	); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateConsultation,
		func(ctx workflow.Context, ans motcua.ConsultationAnswer) (motcua.State, error) {
			return w.submit(ctx, &command{answer: &ans})
		},
		workflow.UpdateHandlerOptions{Validator: func(ans motcua.ConsultationAnswer) error {
			cmd := ans
			cmd.Voucher = nil
			if err := w.vouched(UpdateConsultation, cmd, ans.Voucher, ans.Actor); err != nil {
				return err
			}
			if err := w.ready(motcua.StatusInConsultation, "a consultation answer"); err != nil {
				return err
			}
			return asUpdateError(motcua.ValidateConsultationAnswer(ans))
		}},
	); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateHandBack,
		func(ctx workflow.Context, h motcua.HandBack) (motcua.State, error) {
			return w.submit(ctx, &command{handBack: &h})
		},
		workflow.UpdateHandlerOptions{Validator: func(h motcua.HandBack) error {
			cmd := h
			cmd.Voucher = nil
			if err := w.vouched(UpdateHandBack, cmd, h.Voucher, h.Actor); err != nil {
				return err
			}
			if err := w.ready(motcua.StatusCompleted, "a hand-back"); err != nil {
				return err
			}
			return asUpdateError(motcua.ValidateHandBack(h))
		}},
	)
}
