// Package apiclient is the Go client of motcua's HTTP API (the contract is
// internal/api/openapi.json): one typed method per operation, and every error body
// the API answers returned as a *motcua.Error that callers inspect with
// errors.As or motcua.ErrorCode.
package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/wire"
)

// Timeout bounds one call: the API waits up to 60 s for a decision to be
// carried out, and says so when it could not.
const Timeout = 2 * time.Minute

// Client calls one motcua API as one user. It is safe for concurrent use.
type Client struct {
	base  string
	token string
	http  *http.Client
}

// New returns a client of the API at base (e.g. http://127.0.0.1:8080) that
// authenticates with token. A nil hc uses a client with Timeout.
func New(base, token string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: Timeout}
	}
	return &Client{base: strings.TrimRight(base, "/"), token: token, http: hc}
}

// As returns a client of the same API, with the same connections, for
// another user.
func (c *Client) As(token string) *Client {
	d := *c
	d.token = token
	return &d
}

// Created is the answer to an intake.
type Created struct {
	wire.Created
	// Existing is true when the external id was seen before: the answer is
	// that earlier dossier (HTTP 200 rather than 201).
	Existing bool
}

// Page is one page of a list of dossiers.
type Page = wire.DossierList

// Filter selects dossiers to list; zero fields select all.
type Filter struct {
	Status        motcua.Status
	ProcedureCode string
	PageSize      int
	PageToken     string
}

// Health returns nil when the API reaches Temporal.
func (c *Client) Health(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, "/healthz", nil, nil)
}

// Procedures returns the procedure catalog.
func (c *Client) Procedures(ctx context.Context) ([]motcua.Procedure, error) {
	var out struct {
		Procedures []motcua.Procedure `json:"procedures"`
	}
	err := c.do(ctx, http.MethodGet, "/v1/procedures", nil, &out)
	return out.Procedures, err
}

// Create takes a dossier in.
func (c *Client) Create(ctx context.Context, a motcua.Application) (Created, error) {
	req := wire.IntakeRequest{
		ExternalID: a.ExternalID, ProcedureCode: a.ProcedureCode, Channel: a.Channel,
		Applicant: a.Applicant, Fields: a.Fields, Documents: uploads(a.Documents),
	}
	var out Created
	status, err := c.call(ctx, http.MethodPost, "/v1/dossiers", req, &out.Created)
	out.Existing = status == http.StatusOK
	return out, err
}

func uploads(docs []motcua.Document) []wire.Document {
	out := make([]wire.Document, len(docs))
	for i, d := range docs {
		out[i] = wire.Upload(d)
	}
	return out
}

// Get returns a dossier and its steps.
func (c *Client) Get(ctx context.Context, id string) (motcua.State, error) {
	var st motcua.State
	err := c.do(ctx, http.MethodGet, dossierPath(id, ""), nil, &st)
	return st, err
}

// List returns one page of dossiers.
func (c *Client) List(ctx context.Context, f Filter) (Page, error) {
	q := url.Values{}
	if f.Status != "" {
		q.Set("status", string(f.Status))
	}
	if f.ProcedureCode != "" {
		q.Set("procedure_code", f.ProcedureCode)
	}
	if f.PageSize != 0 {
		q.Set("page_size", strconv.Itoa(f.PageSize))
	}
	if f.PageToken != "" {
		q.Set("page_token", f.PageToken)
	}
	path := "/v1/dossiers"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var p Page
	err := c.do(ctx, http.MethodGet, path, nil, &p)
	return p, err
}

// Review sends the specialist's decision.
func (c *Client) Review(ctx context.Context, id string, r motcua.Review) (motcua.State, error) {
	return c.decide(ctx, id, "review", r)
}

// Supplement adds the documents a supplement request asked for.
func (c *Client) Supplement(ctx context.Context, id string, docs []motcua.Document) (motcua.State, error) {
	return c.decide(ctx, id, "supplement", wire.SupplementRequest{Documents: uploads(docs)})
}

// Sign sends the leader's decision on the draft: sign, or return. A
// signature made on the leader's own token goes with the signing request's
// id (the actor fields are the API's to fill: it knows who is asking).
func (c *Client) Sign(ctx context.Context, id string, d motcua.SignDecision) (motcua.State, error) {
	return c.decide(ctx, id, "sign", wire.SignBody(d))
}

// Withdraw records the citizen's withdrawal.
func (c *Client) Withdraw(ctx context.Context, id, comment string) (motcua.State, error) {
	return c.decide(ctx, id, "withdraw", motcua.Withdrawal{Comment: comment})
}

// Pay confirms the dossier's fee, as the payment gateway.
func (c *Client) Pay(ctx context.Context, id string, p motcua.Payment) (motcua.State, error) {
	return c.decide(ctx, id, "payment", p)
}

// Consulted gives another agency's answer, as its system.
func (c *Client) Consulted(ctx context.Context, id string, a wire.ConsultationAnswer) (motcua.State, error) {
	return c.decide(ctx, id, "consultation", a)
}

// HandBack records that the citizen received the result.
func (c *Client) HandBack(ctx context.Context, id string, h motcua.HandBack) (motcua.State, error) {
	return c.decide(ctx, id, "hand-back", h)
}

// CreateSigningRequest prepares a signature on the leader's own token for
// the certificate (DER) and the chain above it (DER, may be empty).
func (c *Client) CreateSigningRequest(ctx context.Context, id string, certificate []byte, chain [][]byte) (motcua.SigningRequest, error) {
	var req motcua.SigningRequest
	err := c.do(ctx, http.MethodPost, dossierPath(id, "signing-request"),
		wire.SigningRequestBody{CertificatePEM: wire.PEM(certificate), ChainPEM: wire.PEM(chain...)}, &req)
	return req, err
}

// SigningRequest returns the dossier's open signing request.
func (c *Client) SigningRequest(ctx context.Context, id string) (motcua.SigningRequest, error) {
	var req motcua.SigningRequest
	err := c.do(ctx, http.MethodGet, dossierPath(id, "signing-request"), nil, &req)
	return req, err
}

// History returns the dossier's audit events, oldest first.
func (c *Client) History(ctx context.Context, id string) ([]motcua.Event, error) {
	var out struct {
		Events []motcua.Event `json:"events"`
	}
	err := c.do(ctx, http.MethodGet, dossierPath(id, "history"), nil, &out)
	return out.Events, err
}

// Receipt returns the receipt (form 01), a PDF.
func (c *Client) Receipt(ctx context.Context, id string) ([]byte, error) {
	return c.file(ctx, dossierPath(id, "receipt"))
}

// Draft returns the unsigned result, a PDF.
func (c *Client) Draft(ctx context.Context, id string) ([]byte, error) {
	return c.file(ctx, dossierPath(id, "draft"))
}

// Result returns the signed, archived result, a PDF.
func (c *Client) Result(ctx context.Context, id string) ([]byte, error) {
	return c.file(ctx, dossierPath(id, "result"))
}

// Bundle returns the dossier's offline audit bundle, a zip.
func (c *Client) Bundle(ctx context.Context, id string) ([]byte, error) {
	return c.file(ctx, dossierPath(id, "bundle"))
}

// OpenAPI returns the API's OpenAPI document.
func (c *Client) OpenAPI(ctx context.Context) (json.RawMessage, error) {
	var doc json.RawMessage
	err := c.do(ctx, http.MethodGet, "/v1/openapi.json", nil, &doc)
	return doc, err
}

// Response is an answer as it came, for callers that test the HTTP layer
// itself (status codes, headers, bodies that are not what a typed call
// sends).
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Raw sends body (nil, raw []byte, or a value encoded as JSON) and returns
// the answer whatever its status; err is only for a call that got no
// answer.
func (c *Client) Raw(ctx context.Context, method, path string, body any) (Response, error) {
	return c.RawWith(ctx, method, path, body, nil)
}

// RawWith is Raw with more request headers (Accept: text/csv, say).
func (c *Client) RawWith(ctx context.Context, method, path string, body any, header map[string]string) (Response, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return Response{}, fmt.Errorf("%s %s: encode the body: %w", method, path, err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return Response{}, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return Response{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return Response{}, fmt.Errorf("%s %s: read the answer: %w", method, path, err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}, nil
}

// Err returns the answer's error: nil for a 2xx status, the *motcua.Error
// of an error body, or an error naming the status when the body is not
// one (a proxy's page, say).
func (r Response) Err() error {
	if r.Status >= 200 && r.Status < 300 {
		return nil
	}
	var body struct {
		Error *motcua.Error `json:"error"`
	}
	if json.Unmarshal(r.Body, &body) == nil && body.Error != nil && body.Error.Code != "" {
		return body.Error
	}
	text := strings.TrimSpace(string(r.Body))
	if len(text) > 200 {
		text = text[:200] + "…"
	}
	return fmt.Errorf("HTTP %d %s: %s", r.Status, http.StatusText(r.Status), text)
}

func (c *Client) decide(ctx context.Context, id, action string, body any) (motcua.State, error) {
	var st motcua.State
	err := c.do(ctx, http.MethodPost, dossierPath(id, action), body, &st)
	return st, err
}

func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	_, err := c.call(ctx, method, path, body, out)
	return err
}

// call makes a JSON call and decodes a 2xx answer into out (when not nil).
func (c *Client) call(ctx context.Context, method, path string, body, out any) (int, error) {
	resp, err := c.Raw(ctx, method, path, body)
	if err != nil {
		return 0, err
	}
	if err := resp.Err(); err != nil {
		return resp.Status, err
	}
	if out != nil {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			return resp.Status, fmt.Errorf("%s %s: the answer is not the JSON expected: %w", method, path, err)
		}
	}
	return resp.Status, nil
}

func (c *Client) file(ctx context.Context, path string) ([]byte, error) {
	resp, err := c.Raw(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	return resp.Body, resp.Err()
}

// dossierPath is /v1/dossiers/{id}[/action], the id escaped.
func dossierPath(id, action string) string {
	p := "/v1/dossiers/" + url.PathEscape(id)
	if action != "" {
		p += "/" + action
	}
	return p
}
