package workflows

import (
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/activities"
	"github.com/motcua/motcua/internal/calendar"
)

// The steps a procedure composes (motcua.Procedure.Steps) besides review
// and signature: the fee's payment and another agency's consultation; and
// the hand-back that ends every dossier since "procedure-steps".

// PaymentDeadline is how long a dossier waits for its fee; after that it is
// stopped, as after a supplement request nobody answered.
const PaymentDeadline = SupplementDeadline

// enter starts step k of the procedure and returns the stage that waits
// for it.
func (w *dossier) enter(ctx workflow.Context, k motcua.StepKind) stage {
	switch k {
	case motcua.StepPayment:
		w.state.Fee = &motcua.Fee{AmountVND: w.procedure.Fee(w.dossier.Fields)}
		w.pausedAt = workflow.Now(ctx)
		w.setStatus(ctx, motcua.StatusAwaitingPayment)
		return w.payment
	case motcua.StepConsultation:
		now := workflow.Now(ctx)
		c := w.procedure.Consultation
		w.state.Consultation = &motcua.ConsultationState{
			Agency: c.Agency, AskedAt: now.In(motcua.Vietnam),
			DueAt: calendar.Vietnam.DueDate(now, c.WorkingDays),
		}
		w.consultReminded, w.consultOverdue = false, false
		w.step(ctx, motcua.StageConsultation, "system", "asked", c.Agency)
		w.setStatus(ctx, motcua.StatusInConsultation)
		return w.consultation
	case motcua.StepSignature:
		if err := w.renderDraft(ctx); err != nil {
			w.setStatus(ctx, motcua.StatusInReview)
			return w.review
		}
		return w.signature
	}
	w.setStatus(ctx, motcua.StatusInReview)
	return w.review
}

// after is the step that follows k in the procedure's plan.
func (w *dossier) after(k motcua.StepKind) motcua.StepKind {
	plan := w.procedure.Plan()
	for i, s := range plan[:len(plan)-1] {
		if s == k {
			return plan[i+1]
		}
	}
	return motcua.StepSignature
}

// payment waits for the payment gateway's confirmation, the citizen's
// withdrawal, or the deadline. The SLA clock is paused meanwhile.
func (w *dossier) payment(ctx workflow.Context) stage {
	cmd, ok := w.awaitUntil(ctx, PaymentDeadline)
	if !ok {
		return w.stopAtDeadline(ctx, motcua.StagePayment)
	}
	if cmd.withdrawal != nil {
		return w.withdraw(ctx, cmd)
	}
	p := cmd.payment
	paidAt := p.PaidAt.In(motcua.Vietnam)
	w.state.Fee.Paid, w.state.Fee.TransactionID, w.state.Fee.Method, w.state.Fee.PaidAt = true, p.TransactionID, p.Method, &paidAt
	w.state.DueAt = calendar.Vietnam.Extend(w.state.DueAt, w.pausedAt, workflow.Now(ctx))
	w.step(ctx, motcua.StagePayment, p.Actor, "paid", p.Method+" "+p.TransactionID)
	w.finish(cmd, nil)
	return w.enter(ctx, w.after(motcua.StepPayment))
}

// consultation waits for the other agency's answer (or the citizen's
// withdrawal). The SLA clock runs: the agency's time is part of the
// procedure's. Agreed goes on to the next step; refused goes back to the
// specialist, who decides with the refusal in hand.
func (w *dossier) consultation(ctx workflow.Context) stage {
	cmd := w.await(ctx)
	if cmd.withdrawal != nil {
		return w.withdraw(ctx, cmd)
	}
	ans := cmd.answer
	now := workflow.Now(ctx).In(motcua.Vietnam)
	c := w.state.Consultation
	c.Outcome, c.Answer, c.Answered = ans.Outcome, ans.Document, &now
	if ans.Document != nil {
		w.dossier.Documents = append(w.dossier.Documents, *ans.Document)
	}
	w.step(ctx, motcua.StageConsultation, ans.Actor, ans.Outcome, ans.Comment)
	next := motcua.StepReview
	if ans.Outcome == motcua.ConsultationAgreed {
		next = w.after(motcua.StepConsultation)
	}
	then := w.enter(ctx, next) // the answer's reply shows the dossier moved on
	w.finish(cmd, nil)
	return then
}

// handBack waits for the clerk's record that the citizen has the result:
// at the counter or by post. The portal hears code 10; the dossier ends.
func (w *dossier) handBack(ctx workflow.Context) stage {
	cmd, _ := w.awaitUntil(ctx, 0)
	h := cmd.handBack
	w.state.HandedBack = &motcua.HandedBack{
		Method: h.Method, ReceivedBy: h.ReceivedBy, PostalTracking: h.PostalTracking,
		By: h.Actor, At: workflow.Now(ctx).In(motcua.Vietnam),
	}
	how := h.Method
	if h.PostalTracking != "" {
		how += " " + h.PostalTracking
	}
	w.step(ctx, motcua.StageHandBack, h.Actor, "handed_back", how)
	w.setStatus(ctx, motcua.StatusReturned)
	w.finish(cmd, nil)
	return nil
}

// alarm is a deadline mark the dossier waits for beside its decisions.
type alarm struct {
	at   time.Time
	fire func(ctx workflow.Context)
}

// consultationAlarm is the consultation's next deadline mark: the working
// day before its due date, then the due date.
func (w *dossier) consultationAlarm(now time.Time) (alarm, bool) {
	c := w.state.Consultation
	if w.state.Status != motcua.StatusInConsultation || c == nil || w.consultOverdue {
		return alarm{}, false
	}
	mark := func(outcome string) func(workflow.Context) {
		return func(ctx workflow.Context) {
			w.consultReminded = true
			w.consultOverdue = outcome == "consultation_overdue"
			w.step(ctx, motcua.StageConsultation, "system", outcome,
				c.Agency+"; hạn trả lời / due "+c.DueAt.In(motcua.Vietnam).Format("02/01/2006 15:04"))
			w.remindStaff(ctx, outcome)
		}
	}
	if remindAt := calendar.Vietnam.WorkingDayBefore(c.DueAt); !w.consultReminded && now.Before(remindAt) {
		return alarm{remindAt, mark("consultation_reminder")}, true
	}
	return alarm{c.DueAt, mark("consultation_overdue")}, true
}

// remindStaff tells the staff holding the dossier and its leaders of a
// deadline mark (since "procedure-steps"); a failure is recorded, not
// fatal.
func (w *dossier) remindStaff(ctx workflow.Context, outcome string) {
	if !w.steps {
		return
	}
	var n activities.Reminded
	err := workflow.ExecuteActivity(notifyCtx(ctx), a.RemindStaff, activities.RemindInput{
		DossierID: w.state.DossierID, ProcedureCode: w.state.ProcedureCode, Status: w.state.Status,
		Outcome: outcome, DueAt: w.state.DueAt, Holders: w.holders(),
	}).Get(ctx, &n)
	if err != nil {
		w.step(ctx, w.currentStage(), "system", "staff_not_reached", errorMessage(err))
		return
	}
	w.step(ctx, w.currentStage(), "system", "staff_reminded", n.Summary)
}

// holders are the users who last acted on the dossier at its current
// stage, newest first: who holds it.
func (w *dossier) holders() []string {
	var out []string
	for i := len(w.state.Steps) - 1; i >= 0 && len(out) < 2; i-- {
		s := w.state.Steps[i]
		if s.Actor != "system" && !slices.Contains(out, s.Actor) {
			out = append(out, s.Actor)
		}
	}
	return out
}
