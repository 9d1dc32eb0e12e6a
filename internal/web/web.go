// Package web serves the pages the commune's people use — clerks,
// specialists, leaders and auditors — server-rendered from html/template
// with embedded assets, over the same application service as the HTTP
// API (office.Office: intake, decisions, papers, errors) and the domain's
// permission table (motcua.Role.May), so a page never offers what the API
// would refuse.
package web

import (
	"context"
	"crypto/subtle"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/converter"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/office"
	"github.com/motcua/motcua/signer"
)

// Server serves the pages.
type Server struct {
	// Office is the application service the API calls too.
	Office *office.Office
	// SignIn checks a password, with the API's limit on failures (a
	// *motcua.Error with code rate_limited when reached).
	SignIn   func(w http.ResponseWriter, r *http.Request, username, password string) (motcua.User, error)
	Catalog  motcua.Catalog
	Unit     motcua.Unit
	Calendar *calendar.Calendar
	// DataConverter reads histories for the auditor's timeline.
	DataConverter converter.DataConverter
	// Public is the gate of the public pages (Tra cứu hồ sơ, Kiểm tra văn
	// bản), shared with the API's public endpoints: one rate per address.
	Public PublicGate
	Log    zerolog.Logger
	// Now is the clock for due-date marks; nil is time.Now.
	Now func() time.Time
	// SignAgent is the URL of the signing agent on leaders' computers
	// (`motcua sign-agent`, e.g. http://127.0.0.1:8765); empty hides
	// signing with one's own token.
	SignAgent string
	// RemoteSigner, when set, is the remote-signing service leaders sign
	// through from their phone (SmartCA / MySign shape).
	RemoteSigner *signer.RemoteSigner

	sessions sessions
	once     sync.Once
	pages    *template.Template
}

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed assets
var assetFiles embed.FS

// Handler returns the pages: GET /, /login, /inbox, /dossiers/{id}, ...
func (s *Server) Handler() http.Handler {
	s.once.Do(func() {
		s.pages = template.Must(template.New("").Funcs(funcs).ParseFS(templateFiles, "templates/*.html"))
	})
	mux := http.NewServeMux()
	assets, _ := fs.Sub(assetFiles, "assets")
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", cacheable(http.FileServerFS(assets))))
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.signedIn(nil, s.logout))
	mux.HandleFunc("GET /lang/{lang}", s.setLang)
	mux.HandleFunc("GET /tra-cuu", s.lookupPage)
	mux.HandleFunc("POST /tra-cuu", s.lookupPage)
	mux.HandleFunc("GET /kiem-tra", s.checkPage)
	mux.HandleFunc("POST /kiem-tra", s.checkPage)
	mux.HandleFunc("GET /{$}", s.signedIn(nil, s.home))
	mux.HandleFunc("GET /inbox", s.signedIn(nil, s.inbox))
	mux.HandleFunc("GET /search", s.signedIn(nil, s.search))
	mux.HandleFunc("GET /dossiers/{id}", s.signedIn(nil, s.dossier))
	mux.HandleFunc("GET /dossiers/{id}/{doc}", s.signedIn(nil, s.file))
	mux.HandleFunc("GET /intake", s.signedIn(can(motcua.ActIntake), s.intakeForm))
	mux.HandleFunc("POST /intake", s.signedIn(can(motcua.ActIntake), s.intake))
	mux.HandleFunc("POST /dossiers/{id}/review", s.signedIn(can(motcua.ActReview), s.review))
	mux.HandleFunc("POST /dossiers/{id}/supplement", s.signedIn(can(motcua.ActSupplement), s.supplement))
	mux.HandleFunc("POST /dossiers/{id}/sign", s.signedIn(can(motcua.ActSign), s.sign))
	mux.HandleFunc("POST /dossiers/{id}/apology", s.signedIn(can(motcua.ActSign), s.signApology))
	mux.HandleFunc("POST /dossiers/{id}/hand-back", s.signedIn(can(motcua.ActHandBack), s.handBack))
	mux.HandleFunc("POST /sign-all", s.signedIn(can(motcua.ActSign), s.signAll))
	mux.HandleFunc("POST /dossiers/{id}/issue", s.signedIn(can(motcua.ActIssue), s.issue))
	mux.HandleFunc("POST /issue-all", s.signedIn(can(motcua.ActIssue), s.issueAll))
	mux.HandleFunc("POST /dossiers/{id}/signing-request", s.signedIn(can(motcua.ActSign), s.signingRequest))
	mux.HandleFunc("POST /dossiers/{id}/token-signature", s.signedIn(can(motcua.ActSign), s.tokenSignature))
	if s.RemoteSigner != nil {
		mux.HandleFunc("POST /remote-sign", s.signedIn(can(motcua.ActSign), s.remoteSign))
		mux.HandleFunc("GET /remote-sign/{tx}", s.signedIn(can(motcua.ActSign), s.remoteStatus))
	}
	return securityHeaders(mux, s.SignAgent)
}

// PublicGate lets the public pages' visitors in at a rate, and counts the
// lookups that find nothing against them (api.PublicGate).
type PublicGate interface {
	// Wait is how long r's client must wait; zero lets it in.
	Wait(r *http.Request) time.Duration
	// Missed counts a lookup that found nothing.
	Missed(r *http.Request)
}

// cacheable lets browsers keep the embedded assets for a day.
func cacheable(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		h.ServeHTTP(w, r)
	})
}

// securityHeaders: every asset is ours, nothing is framed by another site;
// scripts talk to this site and to the leader's signing agent only.
func securityHeaders(h http.Handler, agent string) http.Handler {
	csp := "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'; connect-src 'self'"
	if agent != "" {
		csp += " " + agent
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// can is the permission a page needs.
func can(a motcua.Action) *motcua.Action { return &a }

// sessions are the signed-in browsers.
type sessions struct {
	mu   sync.Mutex
	byID map[string]*session
}

// session is one signed-in browser: its user, the token its forms carry,
// and when it ends (sessionIdle after its last request, sessionMax after
// sign-in at the latest).
type session struct {
	id, csrf  string
	user      motcua.User
	idleUntil time.Time
	hardUntil time.Time
	lang      string
}

const (
	sessionCookie = "motcua_session"
	sessionIdle   = 30 * time.Minute
	sessionMax    = 10 * time.Hour
)

func (ss *sessions) start(u motcua.User, now time.Time) *session {
	s := &session{id: randomID(), csrf: randomID(), user: u, idleUntil: now.Add(sessionIdle), hardUntil: now.Add(sessionMax)}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.byID == nil {
		ss.byID = map[string]*session{}
	}
	for id, old := range ss.byID {
		if now.After(old.idleUntil) || now.After(old.hardUntil) {
			delete(ss.byID, id)
		}
	}
	ss.byID[s.id] = s
	return s
}

// get returns the live session of id and extends its idle time.
func (ss *sessions) get(id string, now time.Time) *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.byID[id]
	if s == nil || now.After(s.idleUntil) || now.After(s.hardUntil) {
		delete(ss.byID, id)
		return nil
	}
	s.idleUntil = now.Add(sessionIdle)
	return s
}

func (ss *sessions) end(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.byID, id)
}

type sessionKey struct{}

// signedIn serves h to a signed-in user whose role may do need (any role
// when need is nil); others go to /login, or get 403. A POST must carry
// the session's CSRF token.
func (s *Server) signedIn(need *motcua.Action, h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var sess *session
		if c, err := r.Cookie(sessionCookie); err == nil {
			sess = s.sessions.get(c.Value, s.now())
		}
		if sess == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			http.Error(w, "phiên đăng nhập đã hết / the session has ended: sign in again", http.StatusUnauthorized)
			return
		}
		if need != nil && !sess.user.Role.May(*need) {
			s.render(w, r, sess, http.StatusForbidden, "error", view{Title: t(sess.lang, "forbidden"), Message: t(sess.lang, "forbidden_text")})
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
			if err := r.ParseMultipartForm(8 << 20); err != nil && err != http.ErrNotMultipart {
				s.render(w, r, sess, http.StatusBadRequest, "error", view{Title: t(sess.lang, "bad_request"), Message: err.Error()})
				return
			}
			if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(sess.csrf)) != 1 {
				s.render(w, r, sess, http.StatusForbidden, "error", view{Title: t(sess.lang, "forbidden"), Message: t(sess.lang, "csrf_text")})
				return
			}
		}
		h(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess)), sess)
	}
}

// maxUpload bounds a posted form: an intake with its scanned documents.
const maxUpload = 40 << 20
