package activities

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/portal"
)

// WebhookQueue takes the dossiers' status changes for the webhooks'
// subscribers (workflows.Webhooks).
type WebhookQueue interface {
	Enqueue(ctx context.Context, events []motcua.WebhookEvent) error
}

// WebhookDelivery is one event for one subscriber.
type WebhookDelivery struct {
	Subscription string              `json:"subscription"`
	URL          string              `json:"url"`
	Secret       string              `json:"secret"`
	Event        motcua.WebhookEvent `json:"event"`
}

// webhookClient posts deliveries; a subscriber gets 15 s to answer.
var webhookClient = &http.Client{Timeout: 15 * time.Second}

// DeliverWebhook POSTs the event as JSON to the subscriber, signed with
// the HMAC-SHA256 of the body under its secret (motcua.SignatureHeader:
// sha256=<hex>); any answer but 2xx is a failure, tried again.
func (a *Activities) DeliverWebhook(ctx context.Context, d WebhookDelivery) error {
	body, err := json.Marshal(d.Event)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "motcua-webhooks")
	req.Header.Set(motcua.SignatureHeader, "sha256="+Sign(d.Secret, body))
	req.Header.Set("X-Motcua-Event", d.Event.ID)
	resp, err := webhookClient.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", d.Subscription, err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook %s answered %s", d.Subscription, resp.Status)
	}
	a.logger(ctx, d.Event.DossierID).Info().Str("subscription", d.Subscription).Int("seq", d.Event.Seq).
		Str("status", d.Event.Status).Msg("webhook delivered")
	return nil
}

// Sign is the hex HMAC-SHA256 of body under secret: what a subscriber
// computes to check a delivery (compare in constant time).
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// webhookEvents are the events of the portal's updates.
func webhookEvents(us []portal.Update) []motcua.WebhookEvent {
	out := make([]motcua.WebhookEvent, len(us))
	for i, u := range us {
		out[i] = motcua.WebhookEvent{
			ID: u.DossierID + "/" + strconv.Itoa(u.Seq), DossierID: u.DossierID, ProcedureCode: u.ProcedureCode,
			Seq: u.Seq, Status: u.Status, ChangedAt: u.ChangedAt,
		}
	}
	return out
}
