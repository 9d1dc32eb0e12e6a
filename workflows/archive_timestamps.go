package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/motcua/motcua/activities"
)

// ArchiveTimestampsID is the id of the Temporal Schedule that renews the
// archive's document timestamps, and the prefix of the workflows it starts.
const ArchiveTimestampsID = "archive-timestamps"

// DefaultRenewalMargin is how long before its authority's certificate
// expires a document timestamp is renewed.
const DefaultRenewalMargin = 365 * 24 * time.Hour

// ArchiveTimestampsInput says how early to renew.
type ArchiveTimestampsInput struct {
	// Margin: results whose newest document timestamp's authority
	// certificate expires within it are renewed.
	Margin time.Duration
}

// ArchiveTimestampsResult is what one run renewed, and what it could not.
type ArchiveTimestampsResult struct {
	Renewed []activities.Renewal
	Failed  []string
}

// ArchiveTimestampsWorkflow keeps archived results verifiable for decades:
// it finds those whose newest document timestamp's authority certificate
// expires within the margin, and renews each (a new document timestamp
// over the file and the validation data of the one before), one at a time
// so a run never floods the TSA. A result that cannot be renewed does not
// hold up the others; it is named in the result and tried again at the
// next run. Its history is the record of every renewal, for auditors.
func ArchiveTimestampsWorkflow(ctx workflow.Context, in ArchiveTimestampsInput) (ArchiveTimestampsResult, error) {
	if in.Margin <= 0 {
		in.Margin = DefaultRenewalMargin
	}
	var res ArchiveTimestampsResult
	var due []activities.ArchiveVersion
	findCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Hour, HeartbeatTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 10 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute, MaximumAttempts: 5},
	})
	if err := workflow.ExecuteActivity(findCtx, a.FindExpiringArchives, workflow.Now(ctx).Add(in.Margin)).Get(ctx, &due); err != nil {
		return res, err
	}
	renewCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute, MaximumAttempts: 8,
			NonRetryableErrorTypes: []string{activities.ErrInvalidDocument}},
	})
	for _, v := range due {
		var r activities.Renewal
		if err := workflow.ExecuteActivity(renewCtx, a.RenewArchiveTimestamp, v).Get(ctx, &r); err != nil {
			workflow.GetLogger(ctx).Warn("archive timestamp not renewed", "dossier_id", v.DossierID, "error", err)
			res.Failed = append(res.Failed, v.DossierID+": "+err.Error())
			continue
		}
		res.Renewed = append(res.Renewed, r)
	}
	return res, nil
}
