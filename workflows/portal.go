package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/motcua/motcua/internal/portal"
)

// The national portal is told of every status change, in order, by a
// coroutine of its own (syncPortal) that retries for as long as the portal
// is down, while the dossier goes on.

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
// meanwhile. Since "lean-history" it pushes only what publish could not.
func (w *dossier) syncPortal(ctx workflow.Context) {
	together := w.lean || workflow.GetVersion(ctx, changePortalBatches, workflow.DefaultVersion, 1) >= 1
	for {
		// Since lean-history the updates are pushed by publish; they come
		// here only when the portal did not take them.
		if err := workflow.Await(ctx, func() bool { return len(w.portalQueue) > 0 && (!w.lean || w.portalDown) }); err != nil {
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
		w.pushed(ctx, n)
		w.portalDown = w.portalDown && len(w.portalQueue) > 0
		w.touchFacts()
	}
}

// maxPortalBatch bounds the updates sent in one request.
const maxPortalBatch = 20

// portalPause is the wait before an update whose retries ran out is tried
// again.
const portalPause = 5 * time.Minute

// waitPortal waits until the portal, and the read model, have the
// dossier's last state.
func (w *dossier) waitPortal(ctx workflow.Context) {
	_ = workflow.Await(ctx, func() bool { return len(w.portalQueue) == 0 && w.factsSent == w.factsSeq })
}
