package workflows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/activities"
)

// The office's webhooks live in one workflow (WebhooksWorkflow, id
// WebhooksID): it keeps the subscriptions the system role makes through
// the API, takes the dossiers' status changes as they are pushed to the
// national portal (the portal push hands them over first, see
// activities.WebhookQueue), and delivers them to each subscriber in order,
// one coroutine a subscriber, each retried for as long as its subscriber
// is down: a subscriber's outage holds neither a dossier nor another
// subscriber. A repeated hand-over (a retried portal push) is recognised
// by the dossier's sequence number and dropped.

// WebhooksID is the id of the webhooks' workflow.
const WebhooksID = "webhooks"

// Updates, query and signal of the webhooks' workflow.
const (
	UpdateSubscribe    = "subscribe"
	UpdateUnsubscribe  = "unsubscribe"
	QuerySubscriptions = "subscriptions"
	SignalEvents       = "events"
)

// Bounds of the webhooks' workflow: the events that wait for one
// subscriber (beyond, the oldest are dropped and counted: a subscriber
// down for weeks rereads the dossiers instead), how long a dossier's last
// sequence number is remembered to drop repeats, and the events a run
// takes before it continues as new.
const (
	maxQueued      = 5000
	rememberSeen   = 30 * 24 * time.Hour
	eventsPerRun   = 2000
	webhookPause   = time.Minute
	webhookTimeout = 2 * time.Minute
)

// Subscriber is a subscription with its secret and the events waiting for
// it, carried across continue-as-new.
type Subscriber struct {
	motcua.Subscription
	Secret string                `json:"secret"`
	Queue  []motcua.WebhookEvent `json:"queue"`
}

// Seen is the last sequence number handed over for a dossier.
type Seen struct {
	DossierID string    `json:"dossier_id"`
	Seq       int       `json:"seq"`
	At        time.Time `json:"at"`
}

// WebhooksState is the webhooks' workflow's state.
type WebhooksState struct {
	Subscribers []*Subscriber `json:"subscribers"`
	Seen        []Seen        `json:"seen"` // in the order first seen
	Next        int           `json:"next"` // the number of the next subscription
}

// SubscribeRequest is a subscription and who asks for it.
type SubscribeRequest struct {
	motcua.SubscriptionInput
	By string `json:"by"`
}

// WebhooksWorkflow keeps the subscriptions and delivers the events.
func WebhooksWorkflow(ctx workflow.Context, st WebhooksState) error {
	seen := map[string]int{} // dossier -> its index in st.Seen (looked up, never ranged over)
	for i, e := range st.Seen {
		seen[e.DossierID] = i
	}
	taken, busy, draining := 0, 0, false
	find := func(id string) *Subscriber {
		for _, s := range st.Subscribers {
			if s.ID == id {
				return s
			}
		}
		return nil
	}
	// deliver sends a subscriber's events in order until it is removed or
	// the run continues as new.
	deliver := func(ctx workflow.Context, id string) {
		for {
			var s *Subscriber
			_ = workflow.Await(ctx, func() bool { s = find(id); return s == nil || draining || len(s.Queue) > 0 })
			if s == nil || draining {
				return
			}
			busy++
			err := workflow.ExecuteActivity(webhookCtx(ctx), a.DeliverWebhook, activities.WebhookDelivery{
				Subscription: s.ID, URL: s.URL, Secret: s.Secret, Event: s.Queue[0],
			}).Get(ctx, nil)
			busy--
			if s = find(id); s == nil {
				return
			}
			if err != nil {
				if s.FailingAt == nil {
					now := workflow.Now(ctx)
					s.FailingAt = &now
				}
				s.LastError = errorMessage(err)
				_ = workflow.Sleep(ctx, webhookPause) // its retries ran out: a pause, then again
				continue
			}
			s.Queue, s.FailingAt, s.LastError = s.Queue[1:], nil, "" // the one coroutine of s: its head is still the one sent
		}
	}
	take := func(ctx workflow.Context, events []motcua.WebhookEvent) {
		for _, e := range events {
			i, ok := seen[e.DossierID]
			if ok && st.Seen[i].Seq >= e.Seq {
				continue // handed over before
			}
			if !ok {
				i = len(st.Seen)
				seen[e.DossierID] = i
				st.Seen = append(st.Seen, Seen{DossierID: e.DossierID})
			}
			st.Seen[i].Seq, st.Seen[i].At = e.Seq, workflow.Now(ctx)
			taken++
			for _, s := range st.Subscribers {
				s.Queue = append(s.Queue, e)
				if over := len(s.Queue) - maxQueued; over > 0 {
					s.Queue, s.Dropped = s.Queue[over:], s.Dropped+over
				}
			}
		}
	}
	// The subscribers carried over, before the handlers: an update that
	// came with the run's first task runs as its handler is set.
	for _, s := range st.Subscribers {
		workflow.Go(ctx, func(ctx workflow.Context) { deliver(ctx, s.ID) })
	}
	err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateSubscribe,
		func(ctx workflow.Context, req SubscribeRequest) (motcua.Subscription, error) {
			st.Next++
			s := &Subscriber{Subscription: motcua.Subscription{
				ID: fmt.Sprintf("wh-%d", st.Next), URL: req.URL, CreatedAt: workflow.Now(ctx).In(motcua.Vietnam), CreatedBy: req.By,
			}, Secret: req.Secret}
			st.Subscribers = append(st.Subscribers, s)
			workflow.Go(ctx, func(ctx workflow.Context) { deliver(ctx, s.ID) })
			return s.Subscription, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(req SubscribeRequest) error {
			if err := motcua.ValidateSubscription(req.SubscriptionInput); err != nil {
				return asUpdateError(err)
			}
			if len(st.Subscribers) >= motcua.MaxSubscriptions {
				return temporal.NewApplicationError(fmt.Sprintf("at most %d subscriptions", motcua.MaxSubscriptions), errInvalidState)
			}
			for _, s := range st.Subscribers {
				if s.URL == req.URL {
					return temporal.NewApplicationError("this URL is subscribed already, as "+s.ID, errInvalidState)
				}
			}
			return nil
		}})
	if err != nil {
		return err
	}
	err = workflow.SetUpdateHandlerWithOptions(ctx, UpdateUnsubscribe,
		func(ctx workflow.Context, id string) (motcua.Subscription, error) {
			s := find(id)
			st.Subscribers = slices.DeleteFunc(st.Subscribers, func(s *Subscriber) bool { return s.ID == id })
			return s.Subscription, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(id string) error {
			if find(id) == nil {
				return temporal.NewApplicationError("no subscription "+id, motcua.CodeNotFound)
			}
			return nil
		}})
	if err != nil {
		return err
	}
	if err := workflow.SetQueryHandler(ctx, QuerySubscriptions, func() ([]motcua.Subscription, error) {
		out := []motcua.Subscription{}
		for _, s := range st.Subscribers {
			sub := s.Subscription
			sub.Pending = len(s.Queue)
			out = append(out, sub)
		}
		return out, nil
	}); err != nil {
		return err
	}
	events := workflow.GetSignalChannel(ctx, SignalEvents)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var batch []motcua.WebhookEvent
			events.Receive(ctx, &batch)
			take(ctx, batch)
		}
	})
	if err := workflow.Await(ctx, func() bool {
		return taken >= eventsPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
	}); err != nil {
		return err
	}
	// Continue as new: let the deliveries under way finish, take the events
	// that came meanwhile, forget dossiers long quiet.
	draining = true
	if err := workflow.Await(ctx, func() bool { return busy == 0 && workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	for {
		var batch []motcua.WebhookEvent
		if !events.ReceiveAsync(&batch) {
			break
		}
		take(ctx, batch)
	}
	now := workflow.Now(ctx)
	st.Seen = slices.DeleteFunc(st.Seen, func(e Seen) bool { return now.Sub(e.At) > rememberSeen })
	return workflow.NewContinueAsNewError(ctx, WebhooksWorkflow, st)
}

// webhookCtx delivers one event, retried for a while; the workflow pauses
// and tries again after.
func webhookCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: webhookTimeout,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 2 * time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
	})
}

// Webhooks speaks to the webhooks' workflow: the API manages the
// subscriptions through it, the portal push hands it the events
// (activities.WebhookQueue).
type Webhooks struct {
	Temporal client.Client

	mu      sync.Mutex
	checked time.Time
	any     bool
}

// SubscriptionsTTL is how long a worker trusts what it last heard of
// whether anyone subscribed: a new subscription hears the changes made
// from then on, at most this much later.
const SubscriptionsTTL = 5 * time.Second

// Subscribe adds a subscription, starting the webhooks' workflow on the
// first.
func (h *Webhooks) Subscribe(ctx context.Context, in motcua.SubscriptionInput, by motcua.User) (motcua.Subscription, error) {
	var sub motcua.Subscription
	if err := motcua.ValidateSubscription(in); err != nil {
		return sub, err
	}
	start := h.Temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: WebhooksID, TaskQueue: TaskQueue, WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, WebhooksWorkflow, WebhooksState{})
	u, err := h.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{UpdateName: UpdateSubscribe, WaitForStage: client.WorkflowUpdateStageCompleted,
			Args: []any{SubscribeRequest{SubscriptionInput: in, By: by.ID}}},
	})
	if err == nil {
		err = u.Get(ctx, &sub)
	}
	return sub, err
}

// Unsubscribe removes a subscription; its waiting events are dropped.
func (h *Webhooks) Unsubscribe(ctx context.Context, id string) error {
	u, err := h.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: WebhooksID, UpdateName: UpdateUnsubscribe, Args: []any{id}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = u.Get(ctx, nil)
	}
	if errors.As(err, new(*serviceerror.NotFound)) {
		return motcua.Errorf(motcua.CodeNotFound, "no subscription %s", id)
	}
	return err
}

// Subscriptions lists the subscriptions, without their secrets.
func (h *Webhooks) Subscriptions(ctx context.Context) ([]motcua.Subscription, error) {
	out := []motcua.Subscription{}
	v, err := h.Temporal.QueryWorkflow(ctx, WebhooksID, "", QuerySubscriptions)
	if errors.As(err, new(*serviceerror.NotFound)) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	if err := v.Get(&out); err != nil {
		return nil, err
	}
	return out, nil
}

// Enqueue hands the events to the webhooks' workflow, when anyone
// subscribed (as last heard, SubscriptionsTTL ago at most).
func (h *Webhooks) Enqueue(ctx context.Context, events []motcua.WebhookEvent) error {
	h.mu.Lock()
	if time.Since(h.checked) > SubscriptionsTTL {
		subs, err := h.Subscriptions(ctx)
		if err != nil {
			h.mu.Unlock()
			return err
		}
		h.any, h.checked = len(subs) > 0, time.Now()
	}
	anyone := h.any
	h.mu.Unlock()
	if !anyone {
		return nil
	}
	err := h.Temporal.SignalWorkflow(ctx, WebhooksID, "", SignalEvents, events)
	if errors.As(err, new(*serviceerror.NotFound)) {
		return nil // unsubscribed since, and the workflow gone
	}
	return err
}
