// Package api serves motcua's HTTP API, version 1 (its contract is openapi.json, served at /v1/openapi.json): JSON in and
// out, bearer-token authentication by role, and one error body for every
// failure.
package api

import (
	"context"
	"crypto/x509"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/accounts"
	"github.com/motcua/motcua/internal/archive"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/office"
	"github.com/motcua/motcua/internal/vouch"
	"github.com/motcua/motcua/wire"
	"github.com/motcua/motcua/workflows"
)

// MaxBodyBytes bounds a request body: a dossier with its documents.
const MaxBodyBytes = 40 << 20

// Server is the API over a Temporal client.
type Server struct {
	Temporal      client.Client
	DataConverter converter.DataConverter // the workers' converter, to read histories
	Namespace     string
	Users         *accounts.Users
	Catalog       motcua.Catalog
	Unit          motcua.Unit
	Calendar      *calendar.Calendar
	Store         *archive.Store
	// AuditKey signs the offline audit bundles auditors download.
	AuditKey audit.AuditKey
	// Commands vouches for every decision the API hands to a workflow
	// (package vouch); the workers trust its public key.
	Commands vouch.Signer
	// Codec decodes payloads for auditors in the Web UI (see codec.go);
	// UIOrigin is the Web UI's origin, allowed to call it.
	Codec    converter.PayloadCodec
	UIOrigin string
	// Pages, when set, serves every path outside /v1/ and /codec/ (the
	// people's pages, package web).
	Pages http.Handler
	// Roots are the certificates the public check trusts signatures to.
	Roots *x509.CertPool
	// Facts is the read model of the commune's figures (GET /v1/reports/kpi).
	Facts FactReader
	Log   zerolog.Logger
	// TrustedProxies are the TLS proxies in front of the API whose
	// X-Forwarded-For names the client (for counting failed sign-ins).
	TrustedProxies []netip.Prefix

	paths         map[string]bool          // paths with a method-not-allowed handler
	patterns      []string                 // every "METHOD /path" registered
	allowed       map[string][]motcua.Role // the roles each route lets in
	codecSessions codecSessions
	signIns       signInLimit
	publicOnce    sync.Once
	publicGate    *PublicGate
	officeOnce    sync.Once
	officeOf      *office.Office // made once: its dossiers batch the code requests of every intake
}

// Handler returns the routes of the API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.paths, s.patterns, s.allowed = map[string]bool{}, nil, map[string][]motcua.Role{}
	s.handle(mux, "GET /healthz", s.healthz)
	may := func(a motcua.Action) []motcua.Role { return a.Allowed() }
	s.route(mux, "GET /v1/openapi.json", may(motcua.ActRead), s.openAPI)
	s.route(mux, "GET /v1/procedures", may(motcua.ActRead), s.procedures)
	s.route(mux, "POST /v1/dossiers", may(motcua.ActIntake), s.createDossier)
	s.route(mux, "GET /v1/dossiers", may(motcua.ActRead), s.listDossiers)
	s.route(mux, "GET /v1/dossiers/{id}", may(motcua.ActRead), s.getDossier)
	s.route(mux, "POST /v1/dossiers/{id}/review", may(motcua.ActReview), decision(s, workflows.Review))
	s.route(mux, "POST /v1/dossiers/{id}/supplement", may(motcua.ActSupplement), s.supplement)
	s.route(mux, "POST /v1/dossiers/{id}/sign", may(motcua.ActSign), s.sign)
	s.route(mux, "POST /v1/dossiers/{id}/signing-request", may(motcua.ActSign), s.createSigningRequest)
	s.route(mux, "GET /v1/dossiers/{id}/signing-request", append(may(motcua.ActSign), motcua.RoleAuditor), s.getSigningRequest)
	s.route(mux, "POST /v1/dossiers/{id}/withdraw", may(motcua.ActWithdraw), decision(s, workflows.Withdraw))
	s.route(mux, "POST /v1/dossiers/{id}/payment", may(motcua.ActPayment), decision(s, workflows.Pay))
	s.route(mux, "POST /v1/dossiers/{id}/consultation", may(motcua.ActConsultation), s.consultation)
	s.route(mux, "POST /v1/dossiers/{id}/hand-back", may(motcua.ActHandBack), decision(s, workflows.HandBack))
	s.route(mux, "POST /v1/dossiers/{id}/archive-retry", may(motcua.ActOperate), decision(s, workflows.RetryArchive))
	s.route(mux, "POST /v1/dossiers/{id}/issue", may(motcua.ActIssue), decision(s, workflows.Issue))
	s.route(mux, "GET /v1/registers", may(motcua.ActRegisters), s.listRegisters)
	s.route(mux, "GET /v1/registers/{code}", may(motcua.ActRegisters), s.register)
	s.route(mux, "POST /v1/registers/{code}/void", may(motcua.ActIssue), s.voidNumber)
	s.route(mux, "POST /v1/subscriptions", may(motcua.ActSubscribe), s.subscribe)
	s.route(mux, "GET /v1/subscriptions", may(motcua.ActSubscribe), s.subscriptions)
	s.route(mux, "DELETE /v1/subscriptions/{sub}", may(motcua.ActSubscribe), s.unsubscribe)
	s.route(mux, "POST /v1/dossiers/{id}/apology", may(motcua.ActSign), s.signApology)
	s.route(mux, "GET /v1/dossiers/{id}/apology", may(motcua.ActRead), s.paper(office.Apology))
	s.route(mux, "GET /v1/dossiers/{id}/receipt", may(motcua.ActRead), s.paper(office.Receipt))
	s.route(mux, "GET /v1/dossiers/{id}/draft", may(motcua.ActReadDraft), s.paper(office.Draft))
	s.route(mux, "GET /v1/dossiers/{id}/result", may(motcua.ActRead), s.paper(office.Result))
	s.route(mux, "GET /v1/dossiers/{id}/history", may(motcua.ActAudit), s.history)
	s.route(mux, "GET /v1/dossiers/{id}/bundle", may(motcua.ActAudit), s.bundle)
	s.route(mux, "POST /v1/citizens/documents:search", may(motcua.ActCitizenPapers), s.citizenDocuments)
	s.route(mux, "GET /v1/citizens/{id_number}/documents", may(motcua.ActCitizenPapers), s.citizenDocumentsMoved)
	s.route(mux, "GET /v1/access-log", may(motcua.ActAudit), s.accessLog)
	s.route(mux, "GET /v1/reports/kpi", may(motcua.ActReport), s.kpi)
	s.handle(mux, "GET /v1/public/lookup", s.public(s.lookup))
	s.handle(mux, "POST /v1/public/verify", s.public(s.verifyPaper))
	s.handle(mux, "GET /v1/public/verify", s.public(s.checkIssued))
	if s.Codec != nil {
		s.codecRoutes(mux)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if s.Pages != nil && !strings.HasPrefix(r.URL.Path, "/v1/") && !strings.HasPrefix(r.URL.Path, "/codec/") {
			s.Pages.ServeHTTP(w, r)
			return
		}
		writeError(w, r, http.StatusNotFound, motcua.Errorf(motcua.CodeNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	return s.logRequests(bodyDeadline(mux))
}

// Office is the application service the API and the pages both call.
func (s *Server) Office() *office.Office { return s.office() }

func (s *Server) office() *office.Office {
	s.officeOnce.Do(func() {
		s.officeOf = &office.Office{
			Dossiers: &workflows.Dossiers{Temporal: s.Temporal, Namespace: s.Namespace, Unit: s.Unit, Calendar: s.Calendar, Commands: s.Commands, DataConverter: s.DataConverter},
			Catalog:  s.Catalog, Store: s.Store, Users: s.Users, DataConverter: s.DataConverter, AuditKey: s.AuditKey, Roots: s.Roots, Log: s.Log,
		}
	})
	return s.officeOf
}

func (s *Server) dossiers() *workflows.Dossiers { return s.office().Dossiers }

// Routes lists the "METHOD /path" patterns Handler registers, in order: the
// endpoints the OpenAPI document must describe.
func (s *Server) Routes() []string {
	if s.patterns == nil {
		s.Handler()
	}
	return append([]string(nil), s.patterns...)
}

// Allowed lists the roles the route of pattern ("METHOD /path", as Routes
// gives it) lets in; nil for an endpoint that checks who is asking itself.
func (s *Server) Allowed(pattern string) []motcua.Role {
	if s.patterns == nil {
		s.Handler()
	}
	return append([]motcua.Role(nil), s.allowed[pattern]...)
}

// handle registers an endpoint that checks who is asking itself (or needs
// no one).
func (s *Server) handle(mux *http.ServeMux, pattern string, h http.HandlerFunc) {
	s.patterns = append(s.patterns, pattern)
	mux.HandleFunc(pattern, h)
}

type userKey struct{}

// route registers an authenticated handler open to the given roles; the
// same path with another method answers 405 with the error body.
func (s *Server) route(mux *http.ServeMux, pattern string, allowed []motcua.Role, h http.HandlerFunc) {
	s.allowed[pattern] = allowed
	s.handle(mux, pattern, func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		user, known := s.Users.Authenticate(strings.TrimSpace(token))
		if !ok || !known {
			if s.tokenFailed(w, r) {
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="motcua"`)
			writeError(w, r, http.StatusUnauthorized, motcua.Errorf(motcua.CodeUnauthenticated, "a valid bearer token is required"))
			return
		}
		permitted := false
		for _, role := range allowed {
			permitted = permitted || role == user.Role
		}
		if !permitted {
			writeError(w, r, http.StatusForbidden, motcua.Errorf(motcua.CodeForbidden, "the role %s may not do this", user.Role))
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), userKey{}, user)))
	})
	_, path, _ := strings.Cut(pattern, " ")
	if s.paths[path] {
		return
	}
	s.paths[path] = true
	mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusMethodNotAllowed, motcua.Errorf(motcua.CodeInvalidRequest, "method %s is not allowed on %s", r.Method, r.URL.Path))
	})
}

// tooManyTries answers a client that failed to sign in too often.
// tokenFailed counts a wrong token against its client's address, and
// answers 429 (true) when that address must wait first. A right token is
// checked before and never waits.
func (s *Server) tokenFailed(w http.ResponseWriter, r *http.Request) bool {
	addr := addressKey(ClientAddr(r, s.TrustedProxies))
	if d, p := s.signIns.wait(addr); d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter(d)))
		writeError(w, r, http.StatusTooManyRequests, motcua.Errorf(motcua.CodeRateLimited, "%s", waitError(d, p)))
		return true
	}
	s.signIns.failed(addr)
	return false
}

func currentUser(r *http.Request) motcua.User {
	u, _ := r.Context().Value(userKey{}).(motcua.User)
	return u
}

type errorBody struct {
	Error *motcua.Error `json:"error"`
}

func writeError(w http.ResponseWriter, r *http.Request, status int, e *motcua.Error) {
	writeJSON(w, status, errorBody{Error: e})
}

// fail writes err as the API error it stands for (see office.ErrorOf).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := s.office().ErrorOf(r.Context(), r.PathValue("id"), err)
	writeError(w, r, wire.Status(e.Code), e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// Body limits, far below Temporal's payload limit (2 MiB a payload by
// default; a larger decision fails the workflow task, again and again):
// a dossier and its documents, or a supplement's, may be large;
// everything else is a few fields and a comment.
const (
	smallBody = 64 << 10
	// signatureBody: a remote signature (CMS) or a leader's certificate
	// chain, a few kilobytes each.
	signatureBody = 256 << 10
)

// decode reads a JSON body of at most limit bytes strictly into v.
func decode(w http.ResponseWriter, r *http.Request, v any, limit int64) *motcua.Error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return motcua.Errorf(motcua.CodeTooLarge, "the request body is larger than %s", sizeText(limit))
		}
		return motcua.Errorf(motcua.CodeInvalidRequest, "the body is not valid JSON for this request: %v", err)
	}
	if dec.More() {
		return motcua.Errorf(motcua.CodeInvalidRequest, "the body holds more than one JSON value")
	}
	return nil
}

func sizeText(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if _, err := s.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		writeError(w, r, http.StatusServiceUnavailable, motcua.Errorf(motcua.CodeUnavailable, "temporal is unreachable"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// OpenAPI is the API's contract, an OpenAPI 3.1 document.
//
//go:embed openapi.json
var OpenAPI []byte

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(OpenAPI)
}

func (s *Server) procedures(w http.ResponseWriter, r *http.Request) {
	version := ""
	if len(s.Catalog) > 0 {
		version = s.Catalog[0].Version
	}
	writeJSON(w, http.StatusOK, map[string]any{"version": version, "procedures": s.Catalog})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (deadlines).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// logRequests writes one line per request: never a body, never a token.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		ev := s.Log.Info()
		if rec.status >= 500 {
			ev = s.Log.Error()
		}
		ev = ev.Str("method", r.Method).Str("path", redactNumbers(r.URL.Path)).Int("status", rec.status)
		if id := dossierIDOf(r.URL.Path); id != "" {
			ev = ev.Str("dossier_id", id).Str("workflow_id", id) // a dossier's workflow id is its id
		}
		ev.Dur("took", time.Since(start)).Msg("http request")
	})
}

// longNumber is a run of nine digits or more: a citizen ID number (12;
// the old ones 9), a phone number (10), never part of a dossier code.
var longNumber = regexp.MustCompile(`[0-9]{9,}`)

// redactNumbers is a path as the request log writes it: long numbers,
// which a client may have put there against the contract, blanked out.
func redactNumbers(path string) string {
	return longNumber.ReplaceAllString(path, "{number}")
}

// dossierIDOf returns the {id} of a /v1/dossiers/{id}... path, or "".
func dossierIDOf(path string) string {
	rest, ok := strings.CutPrefix(path, "/v1/dossiers/")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, "/")
	return id
}
