package motcua

import (
	"net/url"
	"strings"
	"time"
)

// Back-office systems hear of every status change of every dossier
// through webhooks: the system role subscribes a URL with a secret, and
// each change is POSTed there as a WebhookEvent, signed with an
// HMAC-SHA256 of the raw body under the secret (header
// X-Motcua-Signature: sha256=<hex>). Delivery is at least once and in
// order per dossier (an event id says which event a repeat is); a
// subscriber that is down is tried again until it answers, without
// holding any dossier or any other subscriber.

// SignatureHeader is the header that carries a webhook's signature.
const SignatureHeader = "X-Motcua-Signature"

// Subscription is a back-office system's webhook, as listed (its secret
// is never shown again).
type Subscription struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	// Pending counts the events waiting to reach it, Dropped those given
	// up after a long outage (the oldest beyond the most kept waiting);
	// FailingAt says since when its deliveries fail, with the last error.
	Pending   int        `json:"pending"`
	Dropped   int        `json:"dropped,omitempty"`
	FailingAt *time.Time `json:"failing_since,omitempty"`
	LastError string     `json:"last_error,omitempty"`
}

// SubscriptionInput subscribes a URL (POST /v1/subscriptions).
type SubscriptionInput struct {
	URL    string `json:"url"`
	Secret string `json:"secret"`
}

// WebhookEvent is one status change of a dossier, the body of a delivery.
// ID is the dossier's id and the change's sequence number: the same for a
// repeat.
type WebhookEvent struct {
	ID            string    `json:"id"`
	DossierID     string    `json:"dossier_id"`
	ProcedureCode string    `json:"procedure_code"`
	Seq           int       `json:"seq"`
	Status        string    `json:"status"`
	ChangedAt     time.Time `json:"changed_at"`
}

// MaxSubscriptions bounds an office's webhooks.
const MaxSubscriptions = 20

// ValidateSubscription checks a subscription as entered: an absolute
// http(s) URL without credentials or fragment, and a secret of 16 to 256
// characters.
func ValidateSubscription(in SubscriptionInput) error {
	bad := map[string]string{}
	u, err := url.Parse(in.URL)
	switch {
	case in.URL == "":
		bad["url"] = "required"
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		bad["url"] = "must be an absolute http or https URL"
	case u.User != nil || u.Fragment != "" || len(in.URL) > 2000:
		bad["url"] = "must carry no user, no fragment, and be at most 2000 characters"
	}
	switch s := strings.TrimSpace(in.Secret); {
	case s == "":
		bad["secret"] = "required: each delivery is signed with it"
	case len(in.Secret) < 16 || len(in.Secret) > 256:
		bad["secret"] = "must be 16 to 256 characters"
	}
	if len(bad) > 0 {
		return &Error{Code: CodeInvalidRequest, Message: "the subscription has invalid fields", Fields: bad}
	}
	return nil
}
