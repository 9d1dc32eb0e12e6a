package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/calendar"
)

// await waits for the next decision. Meanwhile, on dossiers with
// reminders, the office is reminded on the working day before the due date,
// and the dossier is marked overdue when the due date passes; a
// consultation's own deadline is marked the same way.
func (w *dossier) await(ctx workflow.Context) *command {
	for w.reminders {
		now := workflow.Now(ctx)
		next, ok := w.dueAlarm(now)
		if c, has := w.consultationAlarm(now); has && (!ok || c.at.Before(next.at)) {
			next, ok = c, true
		}
		if !ok {
			break
		}
		if !now.Before(next.at) {
			next.fire(ctx)
			continue
		}
		if w.lean {
			if c, ok := w.awaitOrAlarm(ctx, next.at); ok {
				return c
			}
		} else if c, ok := w.awaitUntil(ctx, next.at.Sub(now)); ok {
			return c
		}
		next.fire(ctx)
	}
	c, _ := w.awaitUntil(ctx, 0)
	return c
}

// dueAlarm is the dossier's next deadline mark: the reminder on the working
// day before the due date (unless that is past), then the due date.
func (w *dossier) dueAlarm(now time.Time) (alarm, bool) {
	if w.overdue {
		return alarm{}, false
	}
	if remindAt := calendar.Vietnam.WorkingDayBefore(w.state.DueAt); !w.reminded && now.Before(remindAt) {
		return alarm{remindAt, func(ctx workflow.Context) { w.markDeadline(ctx, "reminder") }}, true
	}
	return alarm{w.state.DueAt, func(ctx workflow.Context) { w.markDeadline(ctx, "overdue") }}, true
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
	w.remindStaff(ctx, outcome)
	if w.mayBeLate(outcome) {
		w.draftApology(ctx)
	}
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
	w.answering = false // the decision came in a workflow task of its own
	c := w.pending
	return c, true
}
