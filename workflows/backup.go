package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/motcua/motcua/activities"
)

// BackupID is the id of the Temporal Schedule that backs the office up
// every night, and the prefix of the workflows it starts.
const BackupID = "nightly-backup"

// BackupTaskQueue is served only by the process that holds the data
// folder and was told where to back it up (--backup-to).
const BackupTaskQueue = "motcua-backup"

var backups *activities.Backups

// NightlyBackupWorkflow takes a snapshot of the office's data folder on
// the process that holds it. If that process is down at the hour, the
// snapshot waits for it (up to half a day); a failed one is tried again a
// few times, minutes apart.
func NightlyBackupWorkflow(ctx workflow.Context) (activities.BackupTaken, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:              BackupTaskQueue,
		ScheduleToCloseTimeout: 12 * time.Hour,
		StartToCloseTimeout:    2 * time.Hour,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Minute, BackoffCoefficient: 2, MaximumInterval: 30 * time.Minute, MaximumAttempts: 5},
	})
	var taken activities.BackupTaken
	err := workflow.ExecuteActivity(ctx, backups.TakeBackup).Get(ctx, &taken)
	return taken, err
}
