package workflows_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/motcua/motcua/activities"
	"github.com/motcua/motcua/workflows"
)

// One result that cannot be renewed does not hold up the others; the run
// asks for the results expiring within its margin, from its own clock.
func TestArchiveTimestampsRenewEachAndReportFailures(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(a)
	start := time.Date(2026, 11, 26, 19, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	due := []activities.ArchiveVersion{{DossierID: "D-1", SHA256: "a1"}, {DossierID: "D-2", SHA256: "b1"}, {DossierID: "D-3", SHA256: "c1"}}
	var asked time.Time
	env.OnActivity(a.FindExpiringArchives, mock.Anything, mock.Anything).Return(func(_ context.Context, before time.Time) ([]activities.ArchiveVersion, error) {
		asked = before
		return due, nil
	})
	env.OnActivity(a.RenewArchiveTimestamp, mock.Anything, mock.Anything).Return(func(_ context.Context, v activities.ArchiveVersion) (activities.Renewal, error) {
		if v.DossierID == "D-2" {
			return activities.Renewal{}, temporal.NewNonRetryableApplicationError("the file does not verify", activities.ErrInvalidDocument, errors.New("x"))
		}
		return activities.Renewal{DossierID: v.DossierID, From: v.SHA256, To: v.SHA256 + "-renewed"}, nil
	})
	env.ExecuteWorkflow(workflows.ArchiveTimestampsWorkflow, workflows.ArchiveTimestampsInput{Margin: 30 * 24 * time.Hour})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res workflows.ArchiveTimestampsResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if len(res.Renewed) != 2 || res.Renewed[0].DossierID != "D-1" || res.Renewed[1].DossierID != "D-3" || len(res.Failed) != 1 {
		t.Errorf("result %+v", res)
	}
	if !asked.Equal(start.Add(30 * 24 * time.Hour)) {
		t.Errorf("asked for results expiring before %v, want start + margin", asked)
	}
}
