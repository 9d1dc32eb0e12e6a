package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/activities"
	"github.com/motcua/motcua/workflows"
)

// The webhooks' workflow delivers every change to every subscriber in
// order, drops a repeated hand-over, keeps trying a subscriber that is
// down without holding the other, and forgets an unsubscribed one.
func TestWebhooksAreDeliveredInOrderToEachSubscriber(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(workflows.WebhooksWorkflow)
	env.RegisterActivity(a)
	delivered := map[string][]string{} // subscription -> event ids
	downUntil := 30 * time.Minute      // wh-2 answers 503 for its first half hour
	start := env.Now()
	env.OnActivity(a.DeliverWebhook, mock.Anything, mock.Anything).Return(
		func(_ context.Context, d activities.WebhookDelivery) error {
			if d.Subscription == "wh-2" && env.Now().Sub(start) < downUntil {
				return errors.New("503 Service Unavailable")
			}
			if d.Secret != "secret-of-"+d.URL {
				return fmt.Errorf("the secret of %s is %q", d.URL, d.Secret)
			}
			delivered[d.Subscription] = append(delivered[d.Subscription], d.Event.ID)
			return nil
		})
	event := func(dossier string, seq int) motcua.WebhookEvent {
		return motcua.WebhookEvent{ID: fmt.Sprintf("%s/%d", dossier, seq), DossierID: dossier, Seq: seq, Status: "in_review"}
	}
	subscribe := func(url string) {
		env.UpdateWorkflow(workflows.UpdateSubscribe, url, &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("subscribe %s: %v", url, err) }, OnAccept: func() {}, OnComplete: func(any, error) {},
		}, workflows.SubscribeRequest{SubscriptionInput: motcua.SubscriptionInput{URL: url, Secret: "secret-of-" + url}, By: "system1"})
	}
	var refused error
	env.RegisterDelayedCallback(func() {
		subscribe("https://a.example/hook")
		subscribe("https://b.example/hook")
		env.UpdateWorkflow(workflows.UpdateSubscribe, "dup", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { refused = err }, OnAccept: func() {}, OnComplete: func(any, error) {},
		}, workflows.SubscribeRequest{SubscriptionInput: motcua.SubscriptionInput{URL: "https://a.example/hook", Secret: "another-secret-16"}})
	}, time.Second)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalEvents, []motcua.WebhookEvent{event("D1", 1), event("D1", 2), event("D2", 1)})
		env.SignalWorkflow(workflows.SignalEvents, []motcua.WebhookEvent{event("D1", 1), event("D1", 2)}) // a retried push
		env.SignalWorkflow(workflows.SignalEvents, []motcua.WebhookEvent{event("D1", 3)})
	}, 2*time.Second)
	var listed []motcua.Subscription
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(workflows.QuerySubscriptions)
		if err == nil {
			v.Get(&listed)
		}
	}, 20*time.Minute)
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(workflows.UpdateUnsubscribe, "unsub", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("unsubscribe: %v", err) }, OnAccept: func() {}, OnComplete: func(any, error) {},
		}, "wh-1")
		env.SignalWorkflow(workflows.SignalEvents, []motcua.WebhookEvent{event("D2", 2)})
	}, 2*time.Hour)
	env.RegisterDelayedCallback(env.CancelWorkflow, 3*time.Hour)
	env.ExecuteWorkflow(workflows.WebhooksWorkflow, workflows.WebhooksState{})

	if refused == nil {
		t.Error("a URL subscribed twice was accepted")
	}
	want := []string{"D1/1", "D1/2", "D2/1", "D1/3"}
	if got := delivered["wh-1"]; !slices.Equal(got, want) {
		t.Errorf("wh-1 got %v, want %v", got, want)
	}
	if got := delivered["wh-2"]; !slices.Equal(got, append(want, "D2/2")) {
		t.Errorf("wh-2 (down for half an hour) got %v, want %v", got, append(want, "D2/2"))
	}
	if len(listed) != 2 || listed[0].Pending != 0 || listed[1].Pending != 4 || listed[1].FailingAt == nil || listed[1].LastError == "" {
		t.Errorf("listed while wh-2 was down: %+v", listed)
	}
}
