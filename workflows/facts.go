package workflows

import (
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/motcua/motcua"
)

// The read model of the commune's figures is kept like the portal: the
// dossier's facts are sent by a coroutine of their own (syncFacts) after
// every change, the newest copy each time, retried while the store is
// unavailable; each copy is numbered, so a late retry never overwrites a
// newer one. Dossiers from before "procedure-steps" have no facts.

// touchFacts records that the facts changed.
func (w *dossier) touchFacts() {
	if w.steps {
		w.factsSeq++
	}
}

// facts are the dossier's facts now, numbered seq.
func (w *dossier) facts(seq int) motcua.Facts {
	st := w.state
	f := motcua.Facts{
		DossierID: st.DossierID, ProcedureCode: st.ProcedureCode, ProcedureVersion: st.ProcedureVersion,
		Channel: st.Channel, Status: st.Status, ReceivedAt: st.ReceivedAt, DueAt: st.DueAt,
		FinishedAt: st.CompletedAt, SupplementRounds: w.supplementRounds,
		SignedDigitally: st.Result != nil, PortalInSync: len(w.portalQueue) == 0, Seq: seq,
	}
	if st.Result != nil && st.Result.Register != nil {
		f.Register = st.Result.Register.Label()
	}
	if st.HandedBack != nil {
		at := st.HandedBack.At
		f.ReturnedAt = &at
	}
	if fee := st.Fee; fee != nil {
		f.FeeVND, f.Paid, f.PaidOnline = fee.AmountVND, fee.Paid, fee.Paid && fee.Method == motcua.PaymentOnline
	}
	for _, d := range w.dossier.Documents {
		if d.Reused {
			f.Reused++
		} else {
			f.Digitized++
		}
	}
	return f
}

// syncFacts sends the newest facts whenever they changed. Since
// "facts-local" it does so by a local activity: writing a row to the
// worker's read model is small and idempotent (numbered copies), and as a
// local activity it costs the history one marker instead of three events
// and a workflow task of its own.
func (w *dossier) syncFacts(ctx workflow.Context) {
	local := workflow.GetVersion(ctx, changeLocalFacts, workflow.DefaultVersion, 1) == 1
	for {
		if err := workflow.Await(ctx, func() bool { return w.factsSeq > w.factsSent }); err != nil {
			return
		}
		seq := w.factsSeq
		var sent workflow.Future
		if local {
			sent = workflow.ExecuteLocalActivity(localFactsCtx(ctx), a.RecordFacts, w.facts(seq))
		} else {
			sent = workflow.ExecuteActivity(portalCtx(ctx), a.RecordFacts, w.facts(seq))
		}
		if err := sent.Get(ctx, nil); err != nil {
			if temporal.IsCanceledError(err) || ctx.Err() != nil {
				return
			}
			_ = workflow.Sleep(ctx, portalPause)
			continue
		}
		w.factsSent = seq
	}
}
