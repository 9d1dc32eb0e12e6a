package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/motcua/motcua"
)

// UpdateAllocate is the update that hands out the next dossier code.
const UpdateAllocate = "allocate"

// UpdateAllocateBatch hands out the next codes for several requests at
// once, in order: an API gathers the intakes that arrive while its previous
// batch is under way, so the code workflow runs one task for many intakes.
const UpdateAllocateBatch = "allocate-batch"

// maxBatch bounds the requests of one UpdateAllocateBatch.
const maxBatch = 200

// CodesWorkflowID is the id of the code workflow of a unit.
func CodesWorkflowID(unitCode string) string { return "dossier-codes:" + unitCode }

// AllocateRequest asks for a dossier code.
type AllocateRequest struct {
	// ExternalID, when set, makes the request idempotent: the same id gets
	// the same code.
	ExternalID string `json:"external_id,omitempty"`
}

// Allocation is a handed-out code.
type Allocation struct {
	Code       string    `json:"code"`
	ReceivedAt time.Time `json:"received_at"`
	// Existing is true when ExternalID had been seen: the code is the
	// earlier dossier's.
	Existing bool `json:"existing"`
}

// CodesState is the state of a unit's code counter, carried across
// continue-as-new.
type CodesState struct {
	Unit string `json:"unit"`
	Day  string `json:"day"` // YYMMDD of the current sequence
	Seq  int    `json:"seq"`
	// External maps external ids seen in the last ExternalIDMemory to their
	// allocation.
	External map[string]Allocation `json:"external"`
}

// ExternalIDMemory is how long an external id is remembered.
const ExternalIDMemory = 90 * 24 * time.Hour

// allocationsPerRun bounds a run's history before it continues as new.
const allocationsPerRun = 500

// CodesWorkflow hands out dossier codes of a unit, `<unit>-YYMMDD-NNNN`:
// sequential per unit and day, never reused. One workflow per unit serialises
// every allocation, so concurrent intakes and restarts cannot reuse a number.
func CodesWorkflow(ctx workflow.Context, st CodesState) error {
	if st.External == nil {
		st.External = map[string]Allocation{}
	}
	handled := 0
	allocate := func(ctx workflow.Context, req AllocateRequest) (Allocation, error) {
		handled++
		if a, ok := st.External[req.ExternalID]; ok && req.ExternalID != "" {
			a.Existing = true
			return a, nil
		}
		now := workflow.Now(ctx).In(motcua.Vietnam)
		day := now.Format("060102")
		if day != st.Day {
			st.Day, st.Seq = day, 0
		}
		if st.Seq == 9999 {
			return Allocation{}, codesUsedUp(st.Unit, now, 1)
		}
		st.Seq++
		a := Allocation{Code: fmt.Sprintf("%s-%s-%04d", st.Unit, day, st.Seq), ReceivedAt: now}
		if req.ExternalID != "" {
			st.External[req.ExternalID] = a
		}
		return a, nil
	}
	valid := func(req AllocateRequest) error {
		if len(req.ExternalID) > 100 {
			return fmt.Errorf("external id longer than 100 characters")
		}
		return nil
	}
	err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateAllocate, allocate, workflow.UpdateHandlerOptions{Validator: valid})
	if err != nil {
		return err
	}
	// A batch is all or nothing: a request it cannot serve (the day's
	// codes used up) fails the whole batch before any code is handed out.
	err = workflow.SetUpdateHandlerWithOptions(ctx, UpdateAllocateBatch,
		func(ctx workflow.Context, reqs []AllocateRequest) ([]Allocation, error) {
			if now := workflow.Now(ctx).In(motcua.Vietnam); now.Format("060102") == st.Day && st.Seq+len(reqs) > 9999 {
				return nil, codesUsedUp(st.Unit, now, len(reqs))
			}
			out := make([]Allocation, 0, len(reqs))
			for _, req := range reqs {
				a, err := allocate(ctx, req)
				if err != nil {
					return nil, err
				}
				out = append(out, a)
			}
			return out, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(reqs []AllocateRequest) error {
			if len(reqs) == 0 || len(reqs) > maxBatch {
				return fmt.Errorf("a batch holds 1 to %d requests, not %d", maxBatch, len(reqs))
			}
			for _, req := range reqs {
				if err := valid(req); err != nil {
					return err
				}
			}
			return nil
		}},
	)
	if err != nil {
		return err
	}
	if err := workflow.Await(ctx, func() bool {
		return handled >= allocationsPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
	}); err != nil {
		return err
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	forget(&st, workflow.Now(ctx))
	return workflow.NewContinueAsNewError(ctx, CodesWorkflow, st)
}

// ErrCodesUsedUp is the type of the error a code request gets when its unit
// has handed out the day's 9,999 codes (NNNN in the code).
const ErrCodesUsedUp = "CodesUsedUp"

func codesUsedUp(unit string, now time.Time, asked int) error {
	return temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("unit %s has fewer than %d of the 9999 dossier codes of %s left; numbering starts again tomorrow", unit, asked, now.Format("02/01/2006")),
		ErrCodesUsedUp, nil)
}

// forget drops external ids older than ExternalIDMemory.
func forget(st *CodesState, now time.Time) {
	for _, k := range workflow.DeterministicKeys(st.External) {
		if now.Sub(st.External[k].ReceivedAt) > ExternalIDMemory {
			delete(st.External, k)
		}
	}
}
