package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/activities"
)

// Since "lean-history" a dossier's history holds what its work needs and
// little else (an auditor reads the same timeline, facts and portal order):
//
//   - one version marker stands for every change before it (each marker
//     also upserts a search attribute: six markers were twelve events);
//   - the effects the flow waits for run as local activities on the worker
//     running the dossier: one marker each, instead of three events and a
//     workflow task (effect);
//   - each status change is published, to the portal and the read model
//     together, by one local activity (publish); a portal that does not
//     answer falls back to the pushes retried for hours (syncPortal);
//   - the search attributes are upserted only when a listed field changed;
//   - the deadline's timer is started once and serves every stage that
//     waits for it (awaitOrAlarm), instead of one started and cancelled per
//     stage.

// effect runs an activity the dossier's flow waits for and stores its
// result in out. Since lean-history it runs as a local activity, unless a
// decision's answer is waiting to go out: the answer leaves with the
// workflow task, which a local activity holds open until it ends, so the
// first effect after an answer is scheduled as an activity and the answer
// leaves at once. A local activity gets a minute (localBudget); one that
// has not succeeded by then (a store or service down for a while) goes on
// as an activity with o's retries, which cost the history nothing while
// they last.
func (w *dossier) effect(ctx workflow.Context, o workflow.ActivityOptions, out any, activity any, args ...any) error {
	if w.lean && !w.answering {
		lo := local(o)
		if lo.ScheduleToCloseTimeout == 0 || lo.ScheduleToCloseTimeout > localBudget {
			lo.ScheduleToCloseTimeout = localBudget
		}
		err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, lo), activity, args...).Get(ctx, out)
		var timeout *temporal.TimeoutError
		if !errors.As(err, &timeout) {
			return err
		}
	}
	w.answering = false
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, o), activity, args...).Get(ctx, out)
}

// draftRound numbers a lean dossier's drafts by the decisions carried out
// before it (each draft follows a different one), so that a draft's local
// activity run again after a crash stores nothing new (see
// activities.DraftInput); 0, no numbering, before lean-history.
func (w *dossier) draftRound() int {
	if !w.lean {
		return 0
	}
	return w.revision + 1
}

// localBudget is how long an effect runs as a local activity before it
// goes on as an activity.
const localBudget = time.Minute

// publishOptions bound a status change's publication: the portal gets a
// few seconds (its answer holds the workflow task, and a decision's answer
// with it); a portal slower than that is left to syncPortal.
var publishOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout: 2 * activities.PublishPortalWait,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Second, MaximumAttempts: 5},
}

// publish sends each change to the portal and the read model together,
// in order, the newest facts each time (lean-history's syncFacts). When the
// portal does not take a push, the updates stay queued for syncPortal,
// which retries them for as long as the portal is down; meanwhile only the
// facts are published here.
func (w *dossier) publish(ctx workflow.Context) {
	for {
		if err := workflow.Await(ctx, func() bool {
			return w.factsSeq > w.factsSent || len(w.portalQueue) > 0 && !w.portalDown
		}); err != nil {
			return
		}
		seq := w.factsSeq
		in := activities.Publication{Facts: w.facts(seq)}
		if !w.portalDown {
			in.Updates = w.portalQueue[:min(len(w.portalQueue), maxPortalBatch)]
			in.Facts.PortalInSync = len(in.Updates) == len(w.portalQueue)
		}
		var out activities.Published
		err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, publishOptions), a.Publish, in).Get(ctx, &out)
		if err != nil {
			if temporal.IsCanceledError(err) || ctx.Err() != nil {
				return
			}
			// The read model is out of reach: the newest facts are tried
			// again after a pause, the portal's updates by syncPortal.
			w.portalDown = len(w.portalQueue) > 0
			_ = workflow.Sleep(ctx, portalPause)
			continue
		}
		w.factsSent = seq
		if n := len(in.Updates); n > 0 && out.Pushed {
			w.pushed(ctx, n)
		} else if n > 0 {
			w.portalDown = true // syncPortal takes over
		}
	}
}

// pushed drops the first n queued updates, which the portal took.
func (w *dossier) pushed(ctx workflow.Context, n int) {
	last := w.portalQueue[n-1]
	w.portalQueue = w.portalQueue[n:]
	now := workflow.Now(ctx).In(motcua.Vietnam)
	w.state.Portal.LastCode, w.state.Portal.SyncedAt = last.Code, &now
}

// setListed upserts the search attributes the lists read, when one of
// them changed (lean-history; before, at every status). Each status is
// listed as it is set, even one the dossier passes through on its way:
// a list must never show a dossier where it no longer is (a signed result
// still awaiting signature while the applicant is notified).
func (w *dossier) setListed(ctx workflow.Context) {
	now := listed{w.state.Status, w.state.DueAt}
	if w.lean && now == w.listed {
		return
	}
	w.listed = now
	_ = workflow.UpsertTypedSearchAttributes(ctx, searchAttributes(w.state.Status, w.state.ProcedureCode, w.state.ReceivedAt, w.state.DueAt)...)
}

// listed are the dossier's fields its search attributes carry besides
// those fixed at intake.
type listed struct {
	status motcua.Status
	dueAt  time.Time
}

// awaitOrAlarm waits for the next decision or the alarm at at; ok is false
// when the alarm came first. The alarm's timer outlives the wait: the next
// stage waiting for the same alarm waits on the same timer.
func (w *dossier) awaitOrAlarm(ctx workflow.Context, at time.Time) (*command, bool) {
	if w.alarm == nil || !w.alarmAt.Equal(at) {
		w.stopAlarm()
		tctx, cancel := workflow.WithCancel(ctx)
		w.alarm, w.alarmAt, w.cancelAlarm = workflow.NewTimer(tctx, at.Sub(workflow.Now(ctx))), at, cancel
	}
	took := func() bool { return w.pending != nil && !w.pending.finished }
	_ = workflow.Await(ctx, func() bool { return took() || w.alarm.IsReady() })
	w.answering = false
	if took() {
		return w.pending, true
	}
	w.alarm = nil
	return nil, false
}

// stopAlarm cancels the alarm's timer if it has not fired: the alarm
// moved, or the dossier no longer waits for one.
func (w *dossier) stopAlarm() {
	if w.alarm != nil && !w.alarm.IsReady() {
		w.cancelAlarm()
	}
	w.alarm = nil
}
