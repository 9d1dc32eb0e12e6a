package workflows

import (
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/activities"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/vouch"
)

// A dossier that will be late gets an apology letter (form 04, "Phiếu xin
// lỗi và hẹn lại ngày trả kết quả"): drafted by the workflow when the
// reminder finds the office still reviewing it (or when the due date
// passes with the office's work not done), signed by a leader
// (update sign_apology, beside the main flow), then sent to the citizen.

// UpdateSignApology is the leader's signature of the apology letter.
const UpdateSignApology = "sign_apology"

// mayBeLate reports whether, at a deadline mark, the dossier needs an
// apology: not paused for the citizen, not done, and at the reminder still
// before the leader's signature.
func (w *dossier) mayBeLate(outcome string) bool {
	if !w.steps || w.state.Apology != nil {
		return false
	}
	switch s := w.state.Status; {
	case s.Done(), s == motcua.StatusSupplementRequested, s == motcua.StatusAwaitingPayment:
		return false
	case outcome == "reminder":
		return s == motcua.StatusInReview || s == motcua.StatusInConsultation
	}
	return outcome == "overdue"
}

// draftApology drafts the letter with a new promised date: the procedure's
// processing time again, after the date promised.
func (w *dossier) draftApology(ctx workflow.Context) {
	days := max(w.procedure.SLAWorkingDays, 1)
	reason := "hồ sơ đang được thẩm định, chưa đủ thời gian hoàn thành"
	if w.state.Status == motcua.StatusInConsultation {
		reason = "đang chờ ý kiến của cơ quan phối hợp (" + w.state.Consultation.Agency + ")"
	}
	ap := motcua.Apology{
		Reason: reason, PromisedAt: w.state.DueAt.In(motcua.Vietnam),
		NewDueAt: calendar.Vietnam.DueDate(w.state.DueAt, days), DraftedAt: workflow.Now(ctx).In(motcua.Vietnam),
	}
	var draft motcua.DocumentRef
	err := workflow.ExecuteActivity(documentCtx(ctx), a.RenderApology, activities.ApologyInput{Dossier: w.dossier, Apology: ap}).Get(ctx, &draft)
	if err != nil {
		w.step(ctx, w.currentStage(), "system", "apology_failed", errorMessage(err))
		return
	}
	ap.Draft = &draft
	w.state.Apology = &ap
	w.step(ctx, w.currentStage(), "system", "apology_drafted", "hẹn lại / new date "+ap.NewDueAt.Format("02/01/2006 15:04"))
}

// registerApologyHandler sets the leader's signature of the letter. It runs
// beside the main flow: the dossier's own decisions go on meanwhile.
func (w *dossier) registerApologyHandler(ctx workflow.Context) error {
	return decision(ctx, w, UpdateSignApology, func(d motcua.SignDecision) error {
		if !d.ActorRole.Signs() {
			return temporal.NewApplicationError("only the chairman or a vice-chairman signs the apology letter", motcua.CodeForbidden)
		}
		if d.Decision != motcua.DecisionSign {
			return temporal.NewApplicationError("the apology letter is signed (decision sign)", errInvalidRequest, map[string]string{"decision": "must be sign"})
		}
		if ap := w.state.Apology; ap == nil || ap.Letter != nil || w.apologySigning {
			return invalidState("no apology letter waits for a signature", w.state.Status)
		}
		return nil
	}, func(ctx workflow.Context, d motcua.SignDecision) (motcua.State, error) {
		w.apologySigning = true
		defer func() { w.apologySigning = false }()
		ap := w.state.Apology
		var letter motcua.DocumentRef
		err := workflow.ExecuteActivity(signCtx(ctx), a.SignApology, activities.ApologyInput{
			Dossier: w.dossier, Apology: *ap, At: workflow.Now(ctx),
			Signer: d.MadeBy(), Voucher: vouch.Vouched(ctx),
		}).Get(ctx, &letter)
		if err != nil {
			w.step(ctx, w.currentStage(), d.Actor, "apology_signing_failed", errorMessage(err))
			return w.snapshot(), signingFailure("the apology letter could not be signed", err)
		}
		ap.Letter, ap.SignedBy = &letter, d.Actor
		w.revision++
		w.step(ctx, w.currentStage(), d.Actor, "apology_signed", "")
		var n activities.Notified
		err = workflow.ExecuteActivity(notifyCtx(ctx), a.Notify, activities.NotifyInput{
			Dossier: w.dossier, Event: "apology", Comment: ap.NewDueAt.Format("15:04 ngày 02/01/2006"),
		}).Get(ctx, &n)
		if err != nil {
			w.step(ctx, motcua.StageNotify, "system", "not_reached", errorMessage(err))
			return w.snapshot(), nil
		}
		ap.Sent = "email: " + n.Email + ", sms: " + n.SMS
		w.step(ctx, motcua.StageNotify, "system", "apology", ap.Sent)
		return w.snapshot(), nil
	})
}
