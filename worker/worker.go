// Package worker builds motcua's Temporal clients and workers: one data
// converter (payloads sealed with the unit's key), one logger, the same
// registrations everywhere, so that workers, the API and replayers agree.
package worker

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/motcua/motcua/activities"
	"github.com/motcua/motcua/internal/logging"
	"github.com/motcua/motcua/internal/vouch"
	"github.com/motcua/motcua/workflows"
)

// Namespace is the Temporal namespace motcua uses by default.
const Namespace = "motcua"

// Dial connects to a Temporal frontend with motcua's data converter and
// logger, waiting up to wait for the frontend to answer. Each try asks
// tlsFor how to connect (nil: plain), so a process started beside the
// server finds the TLS files the server is still creating.
func Dial(ctx context.Context, addr, namespace string, dc converter.DataConverter, tlsFor func() (*tls.Config, error), log zerolog.Logger, wait time.Duration, metrics client.MetricsHandler) (client.Client, error) {
	deadline := time.Now().Add(wait)
	for {
		tlsConf, err := tlsFor() // files still being written are tried again
		if err == nil {
			var c client.Client
			c, err = client.DialContext(ctx, client.Options{
				HostPort:          addr,
				Namespace:         namespace,
				DataConverter:     dc,
				ConnectionOptions: client.ConnectionOptions{TLS: tlsConf},
				Logger:            logging.SDK{L: log.With().Str("component", "temporal-sdk").Logger()},
				Interceptors:      ClientInterceptors(dc),
				MetricsHandler:    metrics, // nil: none
			})
			if err == nil {
				return c, nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("connect to temporal at %s: %w", addr, err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// ClientInterceptors are the interceptors of every client of motcua's
// dossiers: the API's voucher for a decision goes in its update's header
// (see package vouch), encoded with dc (nil: Temporal's default).
func ClientInterceptors(dc converter.DataConverter) []interceptor.ClientInterceptor {
	if dc == nil {
		dc = converter.GetDefaultDataConverter()
	}
	return []interceptor.ClientInterceptor{vouch.ClientInterceptor(dc)}
}

// EnsureSearchAttributes registers motcua's search attributes on the
// namespace; attributes already there are left alone. A namespace the
// cluster does not know yet (its frontend is still making it, or has not
// seen it yet) is waited for, up to two minutes.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		_, err := c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
			Namespace:        namespace,
			SearchAttributes: workflows.SearchAttributes,
		})
		var exists *serviceerror.AlreadyExists
		var notFound *serviceerror.NotFound
		var nsNotFound *serviceerror.NamespaceNotFound
		switch {
		case err == nil || errors.As(err, &exists):
			return nil
		case (errors.As(err, &notFound) || errors.As(err, &nsNotFound)) && time.Now().Before(deadline):
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Second):
			}
		default:
			return fmt.Errorf("register search attributes: %w", err)
		}
	}
}

// registerWorkflows adds motcua's workflows to a worker or replayer.
func registerWorkflows(r sdkworker.WorkflowRegistry) {
	r.RegisterWorkflow(workflows.DossierWorkflow)
	r.RegisterWorkflow(workflows.CodesWorkflow)
	r.RegisterWorkflow(workflows.RegisterWorkflow)
	r.RegisterWorkflow(workflows.ArchiveTimestampsWorkflow)
	r.RegisterWorkflow(workflows.NightlyBackupWorkflow)
	r.RegisterWorkflow(workflows.WebhooksWorkflow)
}

// EnsureArchiveSchedule creates the Temporal Schedule that renews the
// archive's document timestamps every night (02:00 in Vietnam), with the
// given margin; when it exists with another margin, the margin is set
// (the schedule's note says which). Runs never overlap.
func EnsureArchiveSchedule(ctx context.Context, c client.Client, margin time.Duration) error {
	return ensureNightly(ctx, c, 2, &client.ScheduleWorkflowAction{
		ID:        workflows.ArchiveTimestampsID,
		Workflow:  workflows.ArchiveTimestampsWorkflow,
		Args:      []any{workflows.ArchiveTimestampsInput{Margin: margin}},
		TaskQueue: workflows.TaskQueue,
	}, "renew-margin "+margin.String())
}

// EnsureBackupSchedule creates the Temporal Schedule that backs the
// office up every night at 01:00 in Vietnam (before the archive's
// renewals), on the process that serves BackupTaskQueue (ServeBackups).
func EnsureBackupSchedule(ctx context.Context, c client.Client) error {
	return ensureNightly(ctx, c, 1, &client.ScheduleWorkflowAction{
		ID:        workflows.BackupID,
		Workflow:  workflows.NightlyBackupWorkflow,
		TaskQueue: workflows.TaskQueue,
	}, "backup")
}

// ensureNightly creates the schedule of action at hour:00 every night,
// or brings an existing one to it when its note (what, and when) differs.
// Runs never overlap.
func ensureNightly(ctx context.Context, c client.Client, hour int, action *client.ScheduleWorkflowAction, what string) error {
	// On the office's clock, by the time zone's name: Temporal's server
	// reads it from the tz database (motcua's binaries embed it,
	// time/tzdata), not from a fixed offset from UTC. The note names the
	// spec too, so a schedule made by an older motcua is brought to it.
	at := fmt.Sprintf("%02d:00", hour)
	spec := client.ScheduleSpec{
		Calendars:    []client.ScheduleCalendarSpec{{Hour: []client.ScheduleRange{{Start: hour}}, Comment: at + " every night"}},
		TimeZoneName: "Asia/Ho_Chi_Minh",
	}
	note := what + "; " + at + " Asia/Ho_Chi_Minh"
	h := c.ScheduleClient().GetHandle(ctx, action.ID)
	d, err := h.Describe(ctx)
	var missing *serviceerror.NotFound
	switch {
	case errors.As(err, &missing):
		_, err = c.ScheduleClient().Create(ctx, client.ScheduleOptions{
			ID:      action.ID,
			Spec:    spec,
			Action:  action,
			Overlap: enums.SCHEDULE_OVERLAP_POLICY_SKIP,
			Note:    note,
		})
		if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
			err = nil // another worker made it just now
		}
	case err == nil && (d.Schedule.State == nil || d.Schedule.State.Note != note):
		err = h.Update(ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			in.Description.Schedule.Action, in.Description.Schedule.Spec = action, &spec
			if in.Description.Schedule.State != nil {
				in.Description.Schedule.State.Note = note
			}
			return &client.ScheduleUpdate{Schedule: &in.Description.Schedule}, nil
		}})
	}
	if err != nil {
		return fmt.Errorf("schedule %s: %w", action.ID, err)
	}
	return nil
}

// ServeBackups starts the worker of BackupTaskQueue, which takes the
// nightly snapshots of b.Data, and makes sure the schedule is there.
func ServeBackups(ctx context.Context, c client.Client, b *activities.Backups) (sdkworker.Worker, error) {
	w := sdkworker.New(c, workflows.BackupTaskQueue, sdkworker.Options{MaxConcurrentActivityExecutionSize: 1})
	w.RegisterActivity(b)
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start the backup worker: %w", err)
	}
	if err := EnsureBackupSchedule(ctx, c); err != nil {
		w.Stop()
		return nil, err
	}
	return w, nil
}

// NewReplayer returns a replayer of motcua's workflows: histories are read
// with dc, the converter the workers wrote them with.
func NewReplayer(dc converter.DataConverter) (sdkworker.WorkflowReplayer, error) {
	r, err := sdkworker.NewWorkflowReplayerWithOptions(sdkworker.WorkflowReplayerOptions{DataConverter: dc})
	if err != nil {
		return nil, err
	}
	registerWorkflows(r)
	return r, nil
}

// StickyCacheSize is how many workflows a worker keeps in memory between
// their tasks (the SDK's default is 10,000). A dossier waiting for review
// holds about 90 KB there; a dossier not kept is rebuilt from its history
// at its next task, a few dozen events. 2,000 keeps the worker well under
// 1 GB with 20,000 dossiers open, and every dossier a busy office is
// working on in memory.
const StickyCacheSize = 2000

// New returns a worker on motcua's task queue, whose client reads and
// writes payloads with dc; interceptors, if any, wrap its workflows and
// activities. Its dossier workflows carry out the decisions vouched for by
// the command keys the activities trust (the vouch interceptor checks
// them). Stop it with Stop: in-flight activities get a grace period to
// finish.
func New(c client.Client, dc converter.DataConverter, acts *activities.Activities, interceptors ...interceptor.WorkerInterceptor) sdkworker.Worker {
	if dc == nil {
		dc = converter.GetDefaultDataConverter()
	}
	sdkworker.SetStickyWorkflowCacheSize(StickyCacheSize)
	w := sdkworker.New(c, workflows.TaskQueue, sdkworker.Options{
		WorkerStopTimeout: 30 * time.Second,
		Interceptors:      append([]interceptor.WorkerInterceptor{vouch.WorkerInterceptor(acts.Commands, dc)}, interceptors...),
		// More long polls than the SDK's two each: under load a task
		// waits in the queue for a free poller, and an intake waits on
		// two tasks (the code, then the receipt).
		MaxConcurrentWorkflowTaskPollers: 8,
		MaxConcurrentActivityTaskPollers: 8,
	})
	registerWorkflows(w)
	w.RegisterActivity(acts)
	return w
}
