package main

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/activities"
	"github.com/motcua/motcua/internal/recorded"
	"github.com/motcua/motcua/workflows"
)

// A back-office system subscribes to the dossiers' changes and is down
// while a dossier goes from intake to its result: the dossier does not
// wait for it, and once the receiver is back every change arrives, in
// order, each signed with the HMAC of its body under the secret.
func TestWebhooksReachASubscriberThatWasDown(t *testing.T) {
	processTest(t, "delivers webhooks to a receiver that is down for a while")
	o := startOffice(t)
	ctx := context.Background()
	const secret = "bí-mật-của-hệ-thống-một-cửa"
	var up atomic.Bool
	var mu sync.Mutex
	var got []motcua.WebhookEvent
	var refused atomic.Int64
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !up.Load() {
			refused.Add(1)
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		sig := r.Header.Get(motcua.SignatureHeader)
		if !hmac.Equal([]byte(sig), []byte("sha256="+activities.Sign(secret, body))) {
			t.Errorf("a delivery signed %q", sig)
		}
		var e motcua.WebhookEvent
		if err := json.Unmarshal(body, &e); err != nil || r.Header.Get("X-Motcua-Event") != e.ID {
			t.Errorf("a delivery: %v %s (event header %q)", err, body, r.Header.Get("X-Motcua-Event"))
		}
		mu.Lock()
		got = append(got, e)
		mu.Unlock()
	}))
	defer receiver.Close()

	system := o.as["system"]
	for _, bad := range []map[string]string{{"url": "ftp://x.example/", "secret": secret}, {"url": receiver.URL, "secret": "short"}, {"url": receiver.URL}} {
		if resp, _ := system.Raw(ctx, "POST", "/v1/subscriptions", bad); resp.Status != http.StatusBadRequest {
			t.Errorf("subscribe %v: %d, want 400", bad, resp.Status)
		}
	}
	if resp, _ := o.as["clerk"].Raw(ctx, "POST", "/v1/subscriptions", map[string]string{"url": receiver.URL, "secret": secret}); resp.Status != http.StatusForbidden {
		t.Errorf("a clerk subscribes: %d, want 403", resp.Status)
	}
	resp, err := system.Raw(ctx, "POST", "/v1/subscriptions", map[string]string{"url": receiver.URL, "secret": secret})
	var sub motcua.Subscription
	if err != nil || resp.Status != http.StatusCreated || json.Unmarshal(resp.Body, &sub) != nil || sub.ID == "" || strings.Contains(string(resp.Body), secret) {
		t.Fatalf("subscribe: %v %d %s", err, resp.Status, resp.Body)
	}
	if resp, _ := system.Raw(ctx, "POST", "/v1/subscriptions", map[string]string{"url": receiver.URL, "secret": secret}); resp.Status != http.StatusConflict {
		t.Errorf("the same URL again: %d, want 409", resp.Status)
	}
	time.Sleep(6 * time.Second) // the workers hear of it within SubscriptionsTTL

	id := throughSignature(t, o.as, maritalStatus(12345))
	await(t, o.as["clerk"], id, func(s motcua.State) bool { return s.Status == motcua.StatusCompleted }, "completed")
	if refused.Load() == 0 {
		t.Fatal("the receiver was never tried while down")
	}
	var listed struct{ Subscriptions []motcua.Subscription }
	if resp, err := system.Raw(ctx, "GET", "/v1/subscriptions", nil); err != nil || json.Unmarshal(resp.Body, &listed) != nil ||
		len(listed.Subscriptions) != 1 || listed.Subscriptions[0].Pending == 0 || strings.Contains(string(resp.Body), secret) {
		t.Errorf("the subscriptions while the receiver is down: %v %s", err, resp.Body)
	}

	up.Store(true)
	var seqs []int
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		mu.Lock()
		seqs = seqs[:0]
		for _, e := range got {
			if e.DossierID == id {
				seqs = append(seqs, e.Seq)
			}
		}
		last := len(got) > 0 && got[len(got)-1].Status == string(motcua.StatusCompleted)
		mu.Unlock()
		if last || time.Now().After(deadline) {
			break
		}
	}
	// Every change the portal was told, in order, none twice, the last
	// the dossier's completion.
	if len(seqs) < 5 {
		t.Errorf("the receiver got seqs %v", seqs)
	}
	for i, s := range seqs {
		if s != i+1 {
			t.Errorf("the receiver got seqs %v, want 1..%d in order", seqs, len(seqs))
			break
		}
	}
	tc, _ := dialTemporal(t, o.temporal, o.data)
	recorded.Record(t, tc, workflows.WebhooksID, "", "../../workflows/testdata", "webhooks-subscriber-down")
	if resp, _ := system.Raw(ctx, "DELETE", "/v1/subscriptions/"+sub.ID, nil); resp.Status != http.StatusNoContent {
		t.Errorf("unsubscribe: %d", resp.Status)
	}
	if resp, _ := system.Raw(ctx, "DELETE", "/v1/subscriptions/"+sub.ID, nil); resp.Status != http.StatusNotFound {
		t.Errorf("unsubscribe again: %d, want 404", resp.Status)
	}
	if resp, _ := system.Raw(ctx, "GET", "/v1/subscriptions", nil); !strings.Contains(string(resp.Body), `"subscriptions":[]`) {
		t.Errorf("after unsubscribing: %s", resp.Body)
	}
}
