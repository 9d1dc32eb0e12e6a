package api

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"html"
	"html/template"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/codec"
)

// The codec endpoint lets auditors read encrypted payloads in the Temporal
// Web UI: the UI posts payloads to /codec/decode, with the browser's
// cookies. Only an auditor's session (or bearer token) gets them decoded;
// anyone else gets 401 or 403. An auditor opens /codec/login once, pastes
// their token, and the browser holds the session cookie until it expires
// or they sign out.

// Cookies of the codec's browser flow: the auditor's session, and the
// token that ties a sign-in (or sign-out) form to the page that served it
// (double-submit: a page of another site can post the form but not read
// the cookie to copy into it).
const (
	sessionCookie = "motcua_codec"
	csrfCookie    = "motcua_csrf"
	sessionLength = 8 * time.Hour
)

// codecSessions are auditors' browser sessions.
type codecSessions struct {
	mu       sync.Mutex
	sessions map[string]time.Time // id -> expiry
}

func randomID() string {
	b := make([]byte, 24)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// start opens a session and drops the expired ones.
func (c *codecSessions) start() (string, time.Time) {
	id, now := randomID(), time.Now()
	exp := now.Add(sessionLength)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sessions == nil {
		c.sessions = map[string]time.Time{}
	}
	for k, e := range c.sessions {
		if now.After(e) {
			delete(c.sessions, k)
		}
	}
	c.sessions[id] = exp
	return id, exp
}

func (c *codecSessions) valid(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	exp, ok := c.sessions[id]
	return ok && time.Now().Before(exp)
}

func (c *codecSessions) end(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.sessions, id)
}

// behindTLS reports whether the browser reached the API over HTTPS (here,
// or at a proxy that says so): cookies are then Secure.
func behindTLS(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}

func setCookie(w http.ResponseWriter, r *http.Request, name, value string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/codec", Expires: expires,
		HttpOnly: true, Secure: behindTLS(r), SameSite: http.SameSiteStrictMode})
}

// formFromThisPage reports whether a posted form carries the CSRF token of
// the page that served it.
func formFromThisPage(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	return err == nil && len(c.Value) > 0 && subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) == 1
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html><meta charset="utf-8"><title>motcua — kiểm toán</title>
<form method="post" action="/codec/login"><input type="hidden" name="csrf" value="{{.}}">
<p>Mã truy cập của kiểm toán viên / auditor token:
<input name="token" type="password" size="60" autocomplete="off" autofocus> <button>Đăng nhập / Sign in</button></p></form>
<form method="post" action="/codec/logout"><input type="hidden" name="csrf" value="{{.}}">
<p><button>Đăng xuất / Sign out</button></p></form>`))

// codecPage serves one of the codec's sign-in pages: nothing but its own
// form may run or load there, no other site may frame it (clickjacking
// the auditor's token), and nothing is sniffed, cached or referred.
func codecPage(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Cache-Control", "no-store")
		h(w, r)
	}
}

// codecRoutes registers the codec endpoint and its sign-in. They check who
// is asking themselves (a session cookie, or the token in a form or a
// header), against the permission table's auditors.
func (s *Server) codecRoutes(mux *http.ServeMux) {
	for _, p := range []string{"POST /codec/login", "POST /codec/logout", "POST /codec/decode"} {
		s.allowed[p] = motcua.ActAudit.Allowed()
	}
	s.handle(mux, "GET /codec/login", codecPage(func(w http.ResponseWriter, r *http.Request) {
		csrf := randomID()
		setCookie(w, r, csrfCookie, csrf, time.Now().Add(time.Hour))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		loginPage.Execute(w, csrf)
	}))
	s.handle(mux, "POST /codec/login", codecPage(func(w http.ResponseWriter, r *http.Request) {
		if !formFromThisPage(r) {
			writeError(w, r, http.StatusForbidden, motcua.Errorf(motcua.CodeForbidden, "the form was not sent from the sign-in page (open /codec/login again)"))
			return
		}
		user, ok := s.Users.Authenticate(r.PostFormValue("token")) // never from the URL
		if !ok && s.tokenFailed(w, r) {
			return
		}
		if !ok || !user.Role.May(motcua.ActAudit) {
			writeError(w, r, http.StatusForbidden, motcua.Errorf(motcua.CodeForbidden, "only auditors can read payloads"))
			return
		}
		id, exp := s.codecSessions.start()
		setCookie(w, r, sessionCookie, id, exp)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<!doctype html><meta charset=\"utf-8\"><p>"+html.EscapeString(user.Name)+
			": Temporal Web UI hiển thị dữ liệu đã giải mã trong trình duyệt này trong 8 giờ / the Temporal Web UI can now show decrypted payloads in this browser for 8 hours.</p>")
		s.Log.Info().Str("user", user.ID).Msg("codec session started")
	}))
	s.handle(mux, "POST /codec/logout", codecPage(func(w http.ResponseWriter, r *http.Request) {
		if !formFromThisPage(r) {
			writeError(w, r, http.StatusForbidden, motcua.Errorf(motcua.CodeForbidden, "the form was not sent from the sign-in page (open /codec/login again)"))
			return
		}
		if c, err := r.Cookie(sessionCookie); err == nil {
			s.codecSessions.end(c.Value)
		}
		setCookie(w, r, sessionCookie, "", time.Unix(1, 0))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<!doctype html><meta charset=\"utf-8\"><p>Đã đăng xuất / signed out.</p>")
	}))
	s.handle(mux, "OPTIONS /codec/decode", s.codecCORS(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	s.handle(mux, "POST /codec/decode", s.codecCORS(s.decodePayloads))
}

// codecCORS lets the Web UI's origin call the endpoint with credentials.
func (s *Server) codecCORS(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" && o == s.UIOrigin {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
			w.Header().Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			w.Header().Set("Access-Control-Allow-Headers", "Content-Type, X-Namespace, Authorization")
			w.Header().Set("Vary", "Origin")
		}
		h(w, r)
	}
}

func (s *Server) decodePayloads(w http.ResponseWriter, r *http.Request) {
	allowed := false
	if c, err := r.Cookie(sessionCookie); err == nil && s.codecSessions.valid(c.Value) {
		allowed = true
	} else if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		user, ok := s.Users.Authenticate(tok)
		if !ok {
			writeError(w, r, http.StatusUnauthorized, motcua.Errorf(motcua.CodeUnauthenticated, "unknown token"))
			return
		}
		allowed = user.Role.May(motcua.ActAudit)
	} else {
		writeError(w, r, http.StatusUnauthorized, motcua.Errorf(motcua.CodeUnauthenticated, "an auditor's session or token is required"))
		return
	}
	if !allowed {
		writeError(w, r, http.StatusForbidden, motcua.Errorf(motcua.CodeForbidden, "only auditors can read payloads"))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		writeError(w, r, http.StatusBadRequest, motcua.Errorf(motcua.CodeInvalidRequest, "unreadable body"))
		return
	}
	var in commonpb.Payloads
	if err := protojson.Unmarshal(body, &in); err != nil {
		writeError(w, r, http.StatusBadRequest, motcua.Errorf(motcua.CodeInvalidRequest, "the body is not a list of payloads: %v", err))
		return
	}
	// The Web UI shows plain payloads too (none of motcua's are, but the
	// server's own may be): those pass through; sealed ones are opened.
	out := make([]*commonpb.Payload, len(in.Payloads))
	for i, p := range in.Payloads {
		out[i] = p
		if codec.Sealed(p) {
			var opened []*commonpb.Payload
			if opened, err = s.Codec.Decode([]*commonpb.Payload{p}); err != nil {
				break
			}
			out[i] = opened[0]
		}
	}
	if err != nil {
		writeError(w, r, http.StatusBadRequest, motcua.Errorf(motcua.CodeInvalidRequest, "cannot decode: %v", err))
		return
	}
	b, _ := protojson.Marshal(&commonpb.Payloads{Payloads: out})
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}
