package audit

import (
	"context"
	"fmt"
	"slices"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/motcua/motcua/activities"
)

// Run is one workflow run with its history.
type Run struct {
	WorkflowID, RunID string
	History           *historypb.History
	started           time.Time
}

// RenewalRuns returns every run of the archive-timestamps workflow the
// namespace keeps, with its history, oldest first: the record of every
// renewal of an archived result's document timestamp.
func RenewalRuns(ctx context.Context, tc client.Client, namespace string) ([]Run, error) {
	var runs []Run
	var token []byte
	for {
		resp, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: namespace, PageSize: 100, NextPageToken: token,
			Query: "WorkflowType = 'ArchiveTimestampsWorkflow'",
		})
		if err != nil {
			return nil, fmt.Errorf("list archive-timestamps runs: %w", err)
		}
		for _, e := range resp.GetExecutions() {
			id, run := e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId()
			it := tc.GetWorkflowHistory(ctx, id, run, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
			h := &historypb.History{}
			for it.HasNext() {
				ev, err := it.Next()
				if err != nil {
					return nil, fmt.Errorf("history of %s: %w", id, err)
				}
				h.Events = append(h.Events, ev)
			}
			runs = append(runs, Run{WorkflowID: id, RunID: run, History: h, started: e.GetStartTime().AsTime()})
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			slices.SortFunc(runs, func(a, b Run) int { return a.started.Compare(b.started) })
			return runs, nil
		}
	}
}

// Renewals reads the renewals every run recorded.
func Renewals(dc converter.DataConverter, runs []Run) ([]activities.Renewal, error) {
	var out []activities.Renewal
	for _, r := range runs {
		f, err := Referenced(dc, r.History)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.WorkflowID, err)
		}
		out = append(out, f.Renewals...)
	}
	return out, nil
}
