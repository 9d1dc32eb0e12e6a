package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/motcua/motcua/activities"
)

// Activity options, per kind of side effect. Start-to-close timeouts are
// short: a worker that dies mid-activity (a power cut) holds its task until
// the timeout, then another worker retries it. Each kind's options serve
// both an activity and, since "lean-history", a local activity (see
// dossier.effect).

var documentOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
}

// signOptions: the leader waits for the answer: a few quick tries, then
// the dossier stays awaiting_signature and the leader can sign again.
var signOptions = workflow.ActivityOptions{
	StartToCloseTimeout: time.Minute,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Second, MaximumAttempts: 4,
		NonRetryableErrorTypes: []string{activities.ErrSigningKey, activities.ErrInvalidDocument}},
}

// issueOptions are for taking a register number: the register's workflow
// answers at once unless Temporal itself, or every worker, is out of
// reach. Taking a number is idempotent per dossier, so it is tried for
// half an hour (a worker killed and restarted under load lost six 30 s
// attempts in a row, and an automatic issue fell to the records officer)
// before the dossier waits for the records officer.
var issueOptions = workflow.ActivityOptions{
	StartToCloseTimeout:    30 * time.Second,
	ScheduleToCloseTimeout: 30 * time.Minute,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Second,
		NonRetryableErrorTypes: []string{activities.ErrSigningKey}},
}

var archiveOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute,
		NonRetryableErrorTypes: []string{activities.ErrInvalidDocument}},
}

var notifyOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute, MaximumAttempts: 12},
}

// portalOptions: the portal goes down for hours: retry forever, at most
// every 5 minutes.
var portalOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second, // the client gives up after 20s
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 2 * time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute},
}

// localFactsOptions run the read model's write on the worker itself: a
// few quick tries, then the facts coroutine pauses and sends the newest
// copy.
var localFactsOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout: 10 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Second, MaximumAttempts: 5},
}

// local is o for a local activity.
func local(o workflow.ActivityOptions) workflow.LocalActivityOptions {
	return workflow.LocalActivityOptions{StartToCloseTimeout: o.StartToCloseTimeout, ScheduleToCloseTimeout: o.ScheduleToCloseTimeout, RetryPolicy: o.RetryPolicy}
}

func documentCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, documentOptions)
}

// localDocumentCtx is documentCtx for a document rendered by the workflow's
// own worker.
func localDocumentCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, local(documentOptions))
}

func localFactsCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, localFactsOptions)
}

func signCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, signOptions)
}

func notifyCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, notifyOptions)
}

func portalCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, portalOptions)
}
