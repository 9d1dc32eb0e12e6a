package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/catalog"
	"github.com/motcua/motcua/web"
	"github.com/motcua/motcua/workflows"
)

// office signs in one clerk; the session tests need nothing else of it.
type office struct{}

func (office) SignIn(w http.ResponseWriter, r *http.Request, username, password string) (motcua.User, error) {
	if username == "clerk1" && password == "right" {
		return motcua.User{ID: "clerk1", Name: "Trần Thị Mai", Role: motcua.RoleClerk}, nil
	}
	return motcua.User{}, errors.New("wrong username or password")
}
func (office) Receive(context.Context, motcua.Application, map[string]string, motcua.User) (motcua.State, bool, error) {
	panic("not in these tests")
}
func (office) AddDocuments(context.Context, string, []motcua.Document, map[string]string, motcua.User) (motcua.State, error) {
	panic("not in these tests")
}
func (office) RequestSignature(context.Context, string, motcua.User, []byte, [][]byte) (motcua.SigningRequest, error) {
	panic("not in these tests")
}
func (office) Dossiers() *workflows.Dossiers { panic("not in these tests") }
func (office) ErrorOf(r *http.Request, err error) *motcua.Error {
	return motcua.Errorf(motcua.CodeUnavailable, "%v", err)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// Sessions: the cookie is HttpOnly, SameSite=Strict and Secure behind TLS;
// a form without the session's token is refused; a session ends after 30
// idle minutes; a role is refused a page it may not use; sign-out ends it.
func TestSessions(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, motcua.Vietnam)
	s := &web.Server{Office: office{}, Catalog: catalog.Default(), Log: zerolog.Nop(), Now: func() time.Time { return now }}
	h := s.Handler()
	do := func(method, path string, form url.Values, cookies ...*http.Cookie) *httptest.ResponseRecorder {
		var body *strings.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		} else {
			body = strings.NewReader("")
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
