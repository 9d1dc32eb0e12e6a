package api_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	commonpb "go.temporal.io/api/common/v1"

	"github.com/motcua/motcua/internal/codec"
)

// The Web UI's codec endpoint decodes payloads for auditors only: with an
// auditor's bearer token, or the session cookie of /codec/login.
func TestCodecEndpointDecodesForAuditorsOnly(t *testing.T) {
	key, _ := codec.LoadOrCreateKey("../../workflows/testdata/payload.key")
	dc, _ := codec.DataConverter(key)
	p, err := dc.ToPayload(map[string]string{"id_number": "079190001234"})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{p}})
	decode := func(header, value string, cookie *http.Cookie) (int, string) {
		req, _ := http.NewRequest("POST", env.api.URL+"/codec/decode", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", testUIOrigin)
		if header != "" {
			req.Header.Set(header, value)
		}
		if cookie != nil {
			req.AddCookie(cookie)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		if resp.StatusCode == 200 && resp.Header.Get("Access-Control-Allow-Origin") != testUIOrigin {
			t.Error("no CORS answer for the Web UI's origin")
		}
		return resp.StatusCode, b.String()
	}
	if code, out := decode("Authorization", "Bearer "+env.tokens["auditor"], nil); code != 200 || !strings.Contains(out, "eyJpZF9udW1iZXIiOiIwNzkxOTAwMDEyMzQifQ") {
		t.Errorf("auditor: %d %s", code, out)
	}
	if code, _ := decode("Authorization", "Bearer "+env.tokens["clerk"], nil); code != 403 {
		t.Errorf("clerk: %d", code)
	}
	if code, _ := decode("", "", nil); code != 401 {
		t.Errorf("nobody: %d", code)
	}
	// The browser flow: open the sign-in page, sign in once, then the
	// cookie is enough until signing out.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	page, err := browser.Get(env.api.URL + "/codec/login")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(page.Body)
	page.Body.Close()
	// No other site may frame the page that takes the auditor's token,
	// nor the browser guess its type.
	for header, want := range map[string]string{"Content-Security-Policy": "frame-ancestors 'none'", "X-Frame-Options": "DENY",
		"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"} {
		if got := page.Header.Get(header); !strings.Contains(got, want) {
			t.Errorf("the codec sign-in page's %s: %q, want %q", header, got, want)
		}
	}
	m := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindSubmatch(raw)
	if m == nil {
		t.Fatalf("no CSRF token in the sign-in page:\n%s", raw)
	}
	csrf := string(m[1])
	post := func(path string, form url.Values) *http.Response {
		resp, err := browser.PostForm(env.api.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	// A form posted from elsewhere (no CSRF token, or another) is refused;
	// so is a token in the URL.
	if resp := post("/codec/login", url.Values{"token": {env.tokens["auditor"]}}); resp.StatusCode != 403 {
		t.Errorf("sign-in without the CSRF token: %d", resp.StatusCode)
	}
	if resp := post("/codec/login?token="+env.tokens["auditor"], url.Values{"csrf": {csrf}}); resp.StatusCode != 403 {
		t.Errorf("sign-in with the token in the URL: %d", resp.StatusCode)
	}
	resp := post("/codec/login", url.Values{"token": {env.tokens["auditor"]}, "csrf": {csrf}})
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "motcua_codec" && c.HttpOnly && c.SameSite == http.SameSiteStrictMode {
			session = c
		}
	}
	if resp.StatusCode != 200 || session == nil {
		t.Fatalf("login: %d, cookie %v", resp.StatusCode, session)
	}
	if code, _ := decode("", "", session); code != 200 {
		t.Errorf("with the session cookie: %d", code)
	}
	if resp := post("/codec/login", url.Values{"token": {env.tokens["specialist"]}, "csrf": {csrf}}); resp.StatusCode != 403 {
		t.Errorf("a specialist got a codec session: %d", resp.StatusCode)
	}
	if code, _ := decode("", "", &http.Cookie{Name: "motcua_codec", Value: "forged"}); code != 401 {
		t.Errorf("forged cookie: %d", code)
	}
	if resp := post("/codec/logout", url.Values{"csrf": {csrf}}); resp.StatusCode != 200 {
		t.Errorf("sign-out: %d", resp.StatusCode)
	}
	if code, _ := decode("", "", session); code != 401 {
		t.Errorf("the session still works after signing out: %d", code)
	}
	// Behind TLS (a proxy saying so), the cookies are Secure.
	req, _ := http.NewRequest("GET", env.api.URL+"/codec/login", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	tlsPage, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	tlsPage.Body.Close()
	if c := tlsPage.Cookies(); len(c) != 1 || !c[0].Secure {
		t.Errorf("cookies behind TLS: %v", c)
	}
}
