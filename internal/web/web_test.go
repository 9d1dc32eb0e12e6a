package web_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/web"
)

// signIn signs in one clerk; the session tests need nothing else of the
// office.
func signIn(w http.ResponseWriter, r *http.Request, username, password string) (motcua.User, error) {
	if username == "clerk1" && password == "right" {
		return motcua.User{ID: "clerk1", Name: "Trần Thị Mai", Role: motcua.RoleClerk}, nil
	}
	return motcua.User{}, errors.New("wrong username or password")
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// pages returns a function that sends one request to h over "TLS" (as
// behind the proxy), with a form and cookies.
func pages(h http.Handler) func(method, path string, form url.Values, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	return func(method, path string, form url.Values, cookies ...*http.Cookie) *httptest.ResponseRecorder {
		body := strings.NewReader("")
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		r := httptest.NewRequest(method, path, body)
		r.Header.Set("X-Forwarded-Proto", "https")
		if form != nil {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for _, c := range cookies {
			r.AddCookie(c)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
}

// After signing in, the browser goes only to a path on this site. Each
// next= is sent as a browser would (the form field, and the query of the
// sign-in page), and the Location answered is read the WHATWG way (tabs
// and newlines dropped, ends trimmed, backslashes as slashes) against the
// site: it must stay on the site.
func TestSignInSendsTheBrowserNowhereElse(t *testing.T) {
	do := pages((&web.Server{SignIn: signIn, Catalog: catalog.Default(), Log: zerolog.Nop()}).Handler())
	site, _ := url.Parse("https://motcua.xa.example/login")
	browser := func(location string) *url.URL {
		location = strings.Map(func(r rune) rune {
			switch r {
			case '\t', '\n', '\r':
				return -1
			case '\\':
				return '/'
			}
			return r
		}, strings.Trim(location, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "))
		u, err := site.Parse(location)
		if err != nil {
			return site
		}
		return u
	}
	evil := []string{
		"https://evil.example/", "//evil.example", "///evil.example", "/\t/evil.example", "/\n/evil.example",
		"/\r/evil.example", "\t//evil.example", "/\\evil.example", "\\\\evil.example", "/\\/evil.example",
		" //evil.example", "/\x00/evil.example", "/\x7f/evil.example", "javascript:alert(1)", "JaVaScRiPt:alert(1)",
		"data:text/html,x", "http:evil.example", "https:/evil.example", "/%2F/evil.example", "evil.example",
		"/\t\t/\t/evil.example", "\x1f//evil.example", "//user@evil.example/",
	}
	kept := []string{"/inbox", "/dossiers/000.00.01.H22-261125-0001?tab=steps", "/search?q=a%2Fb", "/", "/dossiers/x#steps", "/@evil.example"}
	for _, next := range append(evil, kept...) {
		page := do("GET", "/login?next="+url.QueryEscape(next), nil)
		token := csrfField.FindStringSubmatch(page.Body.String())[1]
		w := do("POST", "/login", url.Values{"csrf": {token}, "username": {"clerk1"}, "password": {"right"}, "next": {next}}, page.Result().Cookies()[0])
		if w.Code != http.StatusSeeOther {
			t.Fatalf("sign-in with next=%q: %d", next, w.Code)
		}
		loc := w.Header().Get("Location")
		if got := browser(loc); got.Host != site.Host || got.Scheme != site.Scheme {
			t.Errorf("next=%q: Location %q takes the browser to %s", next, loc, got)
		}
		if slices.Contains(kept, next) && loc != next {
			t.Errorf("next=%q: Location %q, want it kept", next, loc)
		}
		if !slices.Contains(kept, next) && strings.Contains(page.Body.String(), "evil.example") { // the hidden next field
			t.Errorf("the sign-in page with next=%q carries it on", next)
		}
	}
}

// Sessions: the cookie is HttpOnly, SameSite=Strict and Secure behind TLS;
// a form without the session's token is refused; a session ends after 30
// idle minutes; a role is refused a page it may not use; sign-out ends it.
func TestSessions(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, motcua.Vietnam)
	s := &web.Server{SignIn: signIn, Catalog: catalog.Default(), Log: zerolog.Nop(), Now: func() time.Time { return now }}
	do := pages(s.Handler())
	page := do("GET", "/login", nil)
	loginCSRF := page.Result().Cookies()[0]
	token := csrfField.FindStringSubmatch(page.Body.String())[1]
	if w := do("POST", "/login", url.Values{"csrf": {"forged"}, "username": {"clerk1"}, "password": {"right"}}, loginCSRF); w.Code != http.StatusForbidden {
		t.Errorf("sign-in with a forged form token: %d", w.Code)
	}
	if w := do("POST", "/login", url.Values{"csrf": {token}, "username": {"clerk1"}, "password": {"wrong"}}, loginCSRF); w.Code != http.StatusUnauthorized {
		t.Errorf("a wrong password: %d", w.Code)
	}
	w := do("POST", "/login", url.Values{"csrf": {token}, "username": {"clerk1"}, "password": {"right"}, "next": {"https://evil.example/"}}, loginCSRF)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
		t.Fatalf("sign-in: %d to %q", w.Code, w.Header().Get("Location"))
	}
	var session *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == "motcua_session" {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || !session.Secure || session.SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie %+v", session)
	}
	form := do("GET", "/intake", nil, session)
	if form.Code != http.StatusOK {
		t.Fatalf("the clerk's intake form: %d", form.Code)
	}
	formToken := csrfField.FindStringSubmatch(form.Body.String())[1]
	if w := do("POST", "/logout", url.Values{}, session); w.Code != http.StatusForbidden {
		t.Errorf("sign-out without the form token: %d", w.Code)
	}
	if w := do("POST", "/sign-all", url.Values{"csrf": {formToken}}, session); w.Code != http.StatusForbidden {
		t.Errorf("a clerk signing: %d", w.Code)
	}
	now = now.Add(29 * time.Minute)
	if w := do("GET", "/intake", nil, session); w.Code != http.StatusOK {
		t.Errorf("29 minutes on: %d", w.Code)
	}
	now = now.Add(31 * time.Minute)
	if w := do("GET", "/intake", nil, session); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login") {
		t.Errorf("31 idle minutes on: %d %s", w.Code, w.Header().Get("Location"))
	}
}
