package workflows

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/activities"
)

// The register of a kind of result, one workflow per register and year:
// the one authority that numbers results, as CodesWorkflow is for dossier
// codes. Every number is handed out by one update of one workflow, so
// numbers run in order without gaps under concurrent issues, crashes and
// retries; a dossier asking again gets its number again; a number is
// never taken back: a spoiled one stays, void, with its reason (Thông tư
// 04/2020/TT-BTP, điều 29, on correcting a civil-status register: what was
// written stays readable, the correction is recorded beside it).

// Updates and query of a register.
const (
	UpdateTakeNumber = "take-number"
	UpdateVoidNumber = "void-number"
	QueryEntries     = "entries"
)

// RegisterWorkflowID is the id of a register's workflow for a year.
func RegisterWorkflowID(unit, register string, year int) string {
	return fmt.Sprintf("register:%s:%s:%d", unit, register, year)
}

// RegisterState is a register's year, carried across continue-as-new.
type RegisterState struct {
	Unit     string                 `json:"unit"`
	Register string                 `json:"register"`
	Year     int                    `json:"year"`
	Entries  []motcua.RegisterEntry `json:"entries"`
}

// VoidRequest voids a number of the register.
type VoidRequest struct {
	motcua.VoidEntry
	By string `json:"by"`
}

// entriesPerRun bounds a run's history before it continues as new.
const entriesPerRun = 1000

// RegisterWorkflow keeps one register's numbers for one year.
func RegisterWorkflow(ctx workflow.Context, st RegisterState) error {
	handled := 0
	find := func(dossierID string) int {
		for i := len(st.Entries) - 1; i >= 0; i-- {
			if e := st.Entries[i]; e.DossierID == dossierID && !e.Void {
				return i
			}
		}
		return -1
	}
	err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateTakeNumber,
		func(ctx workflow.Context, req activities.NumberRequest) (motcua.RegisterEntry, error) {
			handled++
			if i := find(req.DossierID); i >= 0 {
				return st.Entries[i], nil
			}
			e := motcua.RegisterEntry{
				Register: st.Register, RegisterName: req.RegisterName, Year: st.Year, Number: len(st.Entries) + 1,
				DossierID: req.DossierID, ProcedureCode: req.ProcedureCode, IssuedBy: req.By, IssuedAt: workflow.Now(ctx).In(motcua.Vietnam),
			}
			st.Entries = append(st.Entries, e)
			return e, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(req activities.NumberRequest) error {
			if req.Register != st.Register || req.Year != st.Year || req.DossierID == "" {
				return fmt.Errorf("a number of register %s/%d for a dossier, not %s/%d for %q", st.Register, st.Year, req.Register, req.Year, req.DossierID)
			}
			return nil
		}})
	if err != nil {
		return err
	}
	err = workflow.SetUpdateHandlerWithOptions(ctx, UpdateVoidNumber,
		func(ctx workflow.Context, req VoidRequest) (motcua.RegisterEntry, error) {
			handled++
			e := &st.Entries[req.Number-1]
			at := workflow.Now(ctx).In(motcua.Vietnam)
			e.Void, e.VoidReason, e.VoidedBy, e.VoidedAt = true, req.Reason, req.By, &at
			return *e, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(req VoidRequest) error {
			if err := motcua.ValidateVoidEntry(req.VoidEntry); err != nil {
				return asUpdateError(err)
			}
			if req.Year != st.Year || req.Number > len(st.Entries) {
				return temporal.NewApplicationError(fmt.Sprintf("register %s has no number %d in %d", st.Register, req.Number, req.Year), motcua.CodeNotFound)
			}
			if st.Entries[req.Number-1].Void {
				return temporal.NewApplicationError(fmt.Sprintf("number %d of register %s/%d is void already", req.Number, st.Register, st.Year), errInvalidState)
			}
			return nil
		}})
	if err != nil {
		return err
	}
	if err := workflow.SetQueryHandler(ctx, QueryEntries, func() ([]motcua.RegisterEntry, error) {
		return st.Entries, nil
	}); err != nil {
		return err
	}
	if err := workflow.Await(ctx, func() bool {
		return handled >= entriesPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
	}); err != nil {
		return err
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	return workflow.NewContinueAsNewError(ctx, RegisterWorkflow, st)
}

// Registers speaks to the registers' workflows of a unit: the issuing
// activity takes numbers through it, the API lists and voids them.
type Registers struct {
	Temporal client.Client
	Unit     motcua.Unit
}

// Take gives the dossier its number in the register of req's year,
// starting that year's register on its first number.
func (r Registers) Take(ctx context.Context, req activities.NumberRequest) (motcua.RegisterEntry, error) {
	var e motcua.RegisterEntry
	start := r.Temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: RegisterWorkflowID(r.Unit.Code, req.Register, req.Year), TaskQueue: TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, RegisterWorkflow, RegisterState{Unit: r.Unit.Code, Register: req.Register, Year: req.Year})
	h, err := r.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateName: UpdateTakeNumber, Args: []any{req}, WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err == nil {
		err = h.Get(ctx, &e)
	}
	return e, err
}

// Entries lists the numbers of a register in a year; a year with none is
// an empty list.
func (r Registers) Entries(ctx context.Context, register string, year int) ([]motcua.RegisterEntry, error) {
	v, err := r.Temporal.QueryWorkflow(ctx, RegisterWorkflowID(r.Unit.Code, register, year), "", QueryEntries)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return []motcua.RegisterEntry{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list register %s/%d: %w", register, year, err)
	}
	var out []motcua.RegisterEntry
	if err := v.Get(&out); err != nil {
		return nil, err
	}
	if out == nil {
		out = []motcua.RegisterEntry{}
	}
	return out, nil
}

// Void voids a number of a register, by the user.
func (r Registers) Void(ctx context.Context, register string, v motcua.VoidEntry, by motcua.User) (motcua.RegisterEntry, error) {
	var e motcua.RegisterEntry
	if err := motcua.ValidateVoidEntry(v); err != nil {
		return e, err
	}
	h, err := r.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: RegisterWorkflowID(r.Unit.Code, register, v.Year), UpdateName: UpdateVoidNumber,
		Args: []any{VoidRequest{VoidEntry: v, By: by.ID}}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, &e)
	}
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return e, motcua.Errorf(motcua.CodeNotFound, "register %s has no number %d in %d", register, v.Number, v.Year)
	}
	return e, err
}
