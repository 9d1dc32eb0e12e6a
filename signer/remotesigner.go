package signer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// RemoteSigner is a client of a remote-signing service, the shape of
// Vietnam's cloud signing services (SmartCA, MySign): the signer's key
// lives with the provider; motcua sends only the digests of a transaction,
// the signer approves it on their phone after matching its code, and
// motcua collects the signatures; a transaction not approved in time
// expires. The HTTP API below is motcua's adapter contract, which `motcua
// remote-sign-sim` serves; a provider's own API is mapped onto it.
//
//	GET  /v1/users/{user}/certificate -> {"certificate": b64 DER, "chain": [b64 DER]}
//	POST /v1/transactions {"user","description","digests":[b64]} -> {"id","code","expires_at"}
//	GET  /v1/transactions/{id} -> {"status": "pending|approved|refused|expired", "signatures": [b64]}
type RemoteSigner struct {
	URL  string
	HTTP *http.Client
}

// Transaction is a batch of digests waiting for the signer's approval.
type Transaction struct {
	ID        string    `json:"id"`
	Code      string    `json:"code"` // shown on screen and on the phone, to match
	ExpiresAt time.Time `json:"expires_at"`
}

// Transaction statuses.
const (
	TransactionPending  = "pending"
	TransactionApproved = "approved"
	TransactionRefused  = "refused"
	TransactionExpired  = "expired"
)

// TransactionStatus is where a transaction stands; Signatures, once
// approved, are in the order of the digests (raw: PKCS#1 v1.5 or ASN.1
// ECDSA over the pre-hashed SHA-256 digest).
type TransactionStatus struct {
	Status     string   `json:"status"`
	Signatures [][]byte `json:"signatures"`
}

// Certificate returns the signer's certificate and its chain (DER).
func (r RemoteSigner) Certificate(ctx context.Context, user string) (cert []byte, chain [][]byte, err error) {
	var out struct {
		Certificate []byte   `json:"certificate"`
		Chain       [][]byte `json:"chain"`
	}
	err = r.call(ctx, http.MethodGet, "/v1/users/"+url.PathEscape(user)+"/certificate", nil, &out)
	return out.Certificate, out.Chain, err
}

// Begin asks the signer to approve signing the digests (SHA-256 each).
func (r RemoteSigner) Begin(ctx context.Context, user, description string, digests [][]byte) (Transaction, error) {
	var tx Transaction
	err := r.call(ctx, http.MethodPost, "/v1/transactions", map[string]any{"user": user, "description": description, "digests": digests}, &tx)
	return tx, err
}

// Status asks where a transaction stands.
func (r RemoteSigner) Status(ctx context.Context, id string) (TransactionStatus, error) {
	var st TransactionStatus
	err := r.call(ctx, http.MethodGet, "/v1/transactions/"+url.PathEscape(id), nil, &st)
	return st, err
}

func (r RemoteSigner) call(ctx context.Context, method, path string, in, out any) error {
	var body bytes.Buffer
	if in != nil {
		json.NewEncoder(&body).Encode(in)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(r.URL, "/")+path, &body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	b, err := do(r.HTTP, req)
	if err != nil {
		return fmt.Errorf("%w: remote signing service: %v", ErrUnavailable, err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%w: remote signing service answer: %v", ErrUnavailable, err)
	}
	return nil
}
