package bench

import (
	"context"
	"time"

	"go.temporal.io/sdk/workflow"
)

// BareTaskQueue is where the bare workflow's worker polls.
const BareTaskQueue = "bench-bare"

// BareWorkflow has a dossier's shape and does no work: two activities (the
// intake's), two Updates (the review and the signature, each waiting for
// the step before), four activities (render, sign, archive, notify). It is
// what Temporal alone costs for a dossier, the yardstick motcua is held to.
func BareWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	stage := 0
	for i, name := range []string{"review", "sign"} {
		err := workflow.SetUpdateHandler(ctx, name, func(ctx workflow.Context) error {
			if err := workflow.Await(ctx, func() bool { return stage >= i+1 }); err != nil {
				return err
			}
			stage = i + 2
			return nil
		})
		if err != nil {
			return err
		}
	}
	for range 2 {
		if err := workflow.ExecuteActivity(ctx, Noop).Get(ctx, nil); err != nil {
			return err
		}
	}
	stage = 1
	if err := workflow.Await(ctx, func() bool { return stage >= 3 }); err != nil {
		return err
	}
	for range 4 {
		if err := workflow.ExecuteActivity(ctx, Noop).Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}

// Noop is an activity that does nothing.
func Noop(context.Context) error { return nil }
