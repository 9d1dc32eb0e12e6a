package api_test

import (
	"context"
	"fmt"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/motcua/motcua/workflows"
)

// A unit's code workflow on a real server: three batches of 200 (one
// external id asked twice) hand out 599 consecutive codes, the run
// continues as new after its 500th allocation with the counter and the
// remembered external ids, and the next run goes on from there. Both
// runs' histories are recorded for the replay gate (the continue-as-new
// and the forgetting of old external ids are in the first).
func TestCodesWorkflowContinuesAsNewOnARealServer(t *testing.T) {
	ctx := context.Background()
	const unit = "000.00.98.H22"
	id := workflows.CodesWorkflowID(unit)
	first, err := env.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: workflows.TaskQueue},
		workflows.CodesWorkflow, workflows.CodesState{Unit: unit})
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for batch := range 3 {
		reqs := make([]workflows.AllocateRequest, 200)
		for i := range reqs {
			reqs[i].ExternalID = fmt.Sprintf("portal-%d-%d", batch, i)
		}
		if batch == 2 {
			reqs[0].ExternalID = "portal-0-7" // asked again: the same code
		}
		h, err := env.tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: workflows.UpdateAllocateBatch,
			Args: []any{reqs}, WaitForStage: client.WorkflowUpdateStageCompleted})
		if err != nil {
			t.Fatal(err)
		}
		var got []workflows.Allocation
		if err := h.Get(ctx, &got); err != nil {
			t.Fatal(err)
		}
		for i, a := range got {
			if batch == 2 && i == 0 {
				if !a.Existing || a.Code != codes[7] {
					t.Errorf("the repeated external id got %+v, want %s", a, codes[7])
				}
				continue
			}
			codes = append(codes, a.Code)
		}
	}
	for i, c := range codes {
		if want := fmt.Sprintf("-%04d", i+1); c[len(c)-5:] != want {
			t.Fatalf("code %d is %s: not consecutive", i+1, c)
		}
	}
	desc, err := env.tc.DescribeWorkflowExecution(ctx, id, first.GetRunID())
	if err != nil {
		t.Fatal(err)
	}
	if s := desc.GetWorkflowExecutionInfo().GetStatus(); s != enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW {
		t.Fatalf("the first run is %v after 600 allocations, want continued as new", s)
	}
	// The next run remembers: the counter and an external id of the first.
	h, err := env.tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: workflows.UpdateAllocate,
		Args: []any{workflows.AllocateRequest{ExternalID: "portal-1-3"}}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err != nil {
		t.Fatal(err)
	}
	var again workflows.Allocation
	if err := h.Get(ctx, &again); err != nil || !again.Existing || again.Code != codes[203] {
		t.Errorf("an external id of the first run, asked of the next: %+v %v, want %s", again, err, codes[203])
	}
	h, err = env.tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: workflows.UpdateAllocate,
		Args: []any{workflows.AllocateRequest{}}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err != nil {
		t.Fatal(err)
	}
	var next workflows.Allocation
	if err := h.Get(ctx, &next); err != nil || next.Code[len(next.Code)-5:] != fmt.Sprintf("-%04d", len(codes)+1) {
		t.Errorf("the next run's first new code: %+v %v, want number %d", next, err, len(codes)+1)
	}
	recordRun(t, id, first.GetRunID(), "codes-continue-as-new")
	recordRun(t, id, "", "codes-next-run")
}
