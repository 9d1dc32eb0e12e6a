package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/calendar"
)

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
