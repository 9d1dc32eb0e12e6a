package workflows_test

import (
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/workflows"
)

func TestCodesAreSequentialPerDayAndIdempotentOnExternalID(t *testing.T) {
	// 25 Nov 2026, 23:00 in Vietnam: the day changes an hour later.
	env := codesEnv(time.Date(2026, 11, 25, 23, 0, 0, 0, motcua.Vietnam))
	var got []workflows.Allocation
	ask := func(delay time.Duration, ext string) {
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(workflows.UpdateAllocate, "", &testsuite.TestUpdateCallback{
				OnReject: func(err error) { t.Errorf("rejected: %v", err) },
				OnAccept: func() {},
				OnComplete: func(v any, err error) {
					if err != nil {
						t.Error(err)
						return
					}
					got = append(got, v.(workflows.Allocation))
				},
			}, workflows.AllocateRequest{ExternalID: ext})
		}, delay)
	}
	ask(time.Minute, "")
	ask(2*time.Minute, "BO-1")
	ask(3*time.Minute, "BO-1") // the back office retries
	ask(4*time.Minute, "")
	ask(2*time.Hour, "") // the next day
	ask(2*time.Hour+time.Minute, "BO-1")
	env.RegisterDelayedCallback(env.CancelWorkflow, 3*time.Hour)
	env.ExecuteWorkflow(workflows.CodesWorkflow, workflows.CodesState{Unit: "000.00.01.H22"})

	want := []struct {
		code     string
		existing bool
	}{
		{"000.00.01.H22-261125-0001", false},
		{"000.00.01.H22-261125-0002", false},
		{"000.00.01.H22-261125-0002", true},
		{"000.00.01.H22-261125-0003", false},
		{"000.00.01.H22-261126-0001", false},
		{"000.00.01.H22-261125-0002", true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d allocations: %+v", len(got), got)
	}
	for i, w := range want {
		if got[i].Code != w.code || got[i].Existing != w.existing {
			t.Errorf("allocation %d: %s existing=%v, want %s existing=%v", i+1, got[i].Code, got[i].Existing, w.code, w.existing)
		}
		if !motcua.ValidDossierID(got[i].Code) {
			t.Errorf("%s is not a valid dossier code", got[i].Code)
		}
	}
}

func TestCodesContinueAsNewKeepsTheCounter(t *testing.T) {
	env := codesEnv(time.Date(2026, 11, 25, 9, 0, 0, 0, motcua.Vietnam))
	for i := range 500 {
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(workflows.UpdateAllocate, fmt.Sprint(i), &testsuite.TestUpdateCallback{
				OnReject: func(error) {}, OnAccept: func() {}, OnComplete: func(any, error) {},
			}, workflows.AllocateRequest{ExternalID: fmt.Sprintf("BO-%d", i)})
		}, time.Duration(i+1)*time.Second)
	}
	env.ExecuteWorkflow(workflows.CodesWorkflow, workflows.CodesState{Unit: "U"})
	err := env.GetWorkflowError()
	var next workflows.CodesState
	if !continuedAsNew(err, &next) {
		t.Fatalf("workflow ended with %v, want continue-as-new", err)
	}
	if next.Seq != 500 || next.Day != "261125" || len(next.External) != 500 {
		t.Errorf("carried state: seq %d day %s, %d external ids", next.Seq, next.Day, len(next.External))
	}
}

// A batch hands out codes in the order of its requests, after the single
// allocations before it, with a repeated external id answered by its first
// code; an empty or oversized batch is refused before it is written.
func TestCodesInBatches(t *testing.T) {
	env := codesEnv(time.Date(2026, 11, 27, 9, 0, 0, 0, motcua.Vietnam))
	var got []workflows.Allocation
	rejected := 0
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(workflows.UpdateAllocate, "single", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("rejected: %v", err) }, OnAccept: func() {},
			OnComplete: func(v any, err error) { got = append(got, v.(workflows.Allocation)) },
		}, workflows.AllocateRequest{ExternalID: "BO-0"})
	}, time.Minute)
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(workflows.UpdateAllocateBatch, "batch", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("rejected: %v", err) }, OnAccept: func() {},
			OnComplete: func(v any, err error) {
				if err != nil {
					t.Error(err)
					return
				}
				got = append(got, v.([]workflows.Allocation)...)
			},
		}, []workflows.AllocateRequest{{ExternalID: "BO-1"}, {}, {ExternalID: "BO-1"}, {ExternalID: "BO-0"}, {}})
	}, 2*time.Minute)
	for i, reqs := range [][]workflows.AllocateRequest{{}, make([]workflows.AllocateRequest, 201)} {
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(workflows.UpdateAllocateBatch, fmt.Sprint("bad", i), &testsuite.TestUpdateCallback{
				OnReject:   func(error) { rejected++ },
				OnAccept:   func() { t.Errorf("a batch of %d was accepted", len(reqs)) },
				OnComplete: func(any, error) {},
			}, reqs)
		}, 3*time.Minute)
	}
	env.RegisterDelayedCallback(env.CancelWorkflow, time.Hour)
	env.ExecuteWorkflow(workflows.CodesWorkflow, workflows.CodesState{Unit: "000.00.01.H22"})

	want := []struct {
		code     string
		existing bool
	}{
		{"000.00.01.H22-261127-0001", false}, // the single one, BO-0
		{"000.00.01.H22-261127-0002", false}, // BO-1
		{"000.00.01.H22-261127-0003", false},
		{"000.00.01.H22-261127-0002", true}, // BO-1 again, in the same batch
		{"000.00.01.H22-261127-0001", true}, // BO-0, from before the batch
		{"000.00.01.H22-261127-0004", false},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d allocations: %+v", len(got), got)
	}
	for i, w := range want {
		if got[i].Code != w.code || got[i].Existing != w.existing {
			t.Errorf("allocation %d: %s existing=%v, want %s existing=%v", i+1, got[i].Code, got[i].Existing, w.code, w.existing)
		}
	}
	if rejected != 2 {
		t.Errorf("%d bad batches refused, want 2", rejected)
	}
}

// A unit that has handed out the day's 9,999 codes refuses more with an
// error of its own type (the API answers 409, not "try again shortly"),
// a batch as a whole.
func TestCodesUsedUp(t *testing.T) {
	env := codesEnv(time.Date(2026, 11, 27, 9, 0, 0, 0, motcua.Vietnam))
	var got []string
	ask := func(name string, arg any) {
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
				OnReject: func(err error) { t.Errorf("rejected: %v", err) }, OnAccept: func() {},
				OnComplete: func(v any, err error) {
					var app *temporal.ApplicationError
					switch {
					case errors.As(err, &app):
						got = append(got, app.Type())
					case err != nil:
						t.Error(err)
					case name == workflows.UpdateAllocate:
						got = append(got, v.(workflows.Allocation).Code)
					default:
						got = append(got, fmt.Sprint(len(v.([]workflows.Allocation))))
					}
				},
			}, arg)
		}, time.Minute)
	}
	ask(workflows.UpdateAllocateBatch, []workflows.AllocateRequest{{}, {}})
	ask(workflows.UpdateAllocate, workflows.AllocateRequest{})
	ask(workflows.UpdateAllocate, workflows.AllocateRequest{})
	env.RegisterDelayedCallback(env.CancelWorkflow, time.Hour)
	env.ExecuteWorkflow(workflows.CodesWorkflow, workflows.CodesState{Unit: "000.00.01.H22", Day: "261127", Seq: 9998})
	want := []string{workflows.ErrCodesUsedUp, "000.00.01.H22-261127-9999", workflows.ErrCodesUsedUp}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// codesEnv is a test environment of the code workflow starting at start.
func codesEnv(start time.Time) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(workflows.CodesWorkflow)
	env.SetStartTime(start)
	return env
}
