package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/motcua/motcua/internal/cli"
	"github.com/motcua/motcua/internal/mtls"
	"github.com/motcua/motcua/workflows"
)

// runRenewTimestamps runs the archive-timestamps schedule now, waits for
// the run and prints what it renewed. The schedule runs nightly on its own;
// this is for an operator who rolled the TSA over, or wants to see it work.
func runRenewTimestamps(args []string) error {
	fs := flag.NewFlagSet("renew-timestamps", flag.ContinueOnError)
	var c common
	c.register(fs, "./motcua-data")
	temporalAddr := fs.String("temporal-addr", "127.0.0.1:7233", "Temporal frontend address")
	wait := fs.Duration("wait", 10*time.Minute, "how long to wait for the run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := cli.SignalContext()
	defer stop()
	conn, err := connect(ctx, &c, *temporalAddr, mtls.Worker, 10*time.Second)
	if err != nil {
		return err
	}
	defer conn.tc.Close()
	h := conn.tc.ScheduleClient().GetHandle(ctx, workflows.ArchiveTimestampsID)
	before, err := h.Describe(ctx)
	for start := time.Now(); err != nil && time.Since(start) < 30*time.Second; { // a worker that just started makes it
		time.Sleep(500 * time.Millisecond)
		before, err = h.Describe(ctx)
	}
	if err != nil {
		return fmt.Errorf("schedule %s (a worker creates it when it starts): %w", workflows.ArchiveTimestampsID, err)
	}
	seen := map[string]bool{}
	for _, a := range before.Info.RecentActions {
		if a.StartWorkflowResult != nil {
			seen[a.StartWorkflowResult.FirstExecutionRunID] = true
		}
	}
	if err := h.Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		return err
	}
	deadline := time.Now().Add(*wait)
	for time.Now().Before(deadline) {
		d, err := h.Describe(ctx)
		if err != nil {
			return err
		}
		for _, a := range d.Info.RecentActions {
			if r := a.StartWorkflowResult; r != nil && !seen[r.FirstExecutionRunID] {
				var res workflows.ArchiveTimestampsResult
				if err := conn.tc.GetWorkflow(ctx, r.WorkflowID, r.FirstExecutionRunID).Get(ctx, &res); err != nil {
					return fmt.Errorf("%s: %w", r.WorkflowID, err)
				}
				fmt.Printf("%s: %d renewed, %d failed\n", r.WorkflowID, len(res.Renewed), len(res.Failed))
				for _, n := range res.Renewed {
					fmt.Printf("  renewed %s: %s -> %s (new timestamp %s, renew before %s)\n", n.DossierID, n.From[:12], n.To[:12],
						n.Timestamp.Format(time.RFC3339), n.Expires.Format("2006-01-02"))
				}
				for _, f := range res.Failed {
					fmt.Printf("  FAILED %s\n", f)
				}
				if len(d.Info.NextActionTimes) > 0 {
					fmt.Printf("next scheduled run: %s\n", d.Info.NextActionTimes[0].Format(time.RFC3339))
				}
				if len(res.Failed) > 0 {
					return cli.ErrInvalid
				}
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	fmt.Fprintln(os.Stderr, "motcua: the triggered run did not start in time")
	return errors.New("timed out")
}
