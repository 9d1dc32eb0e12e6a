package api_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	commonpb "go.temporal.io/api/common/v1"

	"github.com/motcua/motcua/codec"
)

// The Web UI's codec endpoint decodes payloads for auditors only: with an
// auditor's bearer token, or the session cookie of /codec/login.
func TestCodecEndpointDecodesForAuditorsOnly(t *testing.T) {
	key, _ := codec.LoadOrCreateKey("../workflows/testdata/payload.key")
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
	// The browser flow: sign in once, then the cookie is enough.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(env.api.URL+"/codec/login", url.Values{"token": {env.tokens["auditor"]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "motcua_codec" && c.HttpOnly {
			session = c
		}
	}
	if resp.StatusCode != 200 || session == nil {
		t.Fatalf("login: %d, cookie %v", resp.StatusCode, session)
	}
	if code, _ := decode("", "", session); code != 200 {
		t.Errorf("with the session cookie: %d", code)
	}
	resp, _ = noRedirect.PostForm(env.api.URL+"/codec/login", url.Values{"token": {env.tokens["specialist"]}})
	resp.Body.Close()
	if resp.StatusCode != 403 || len(resp.Cookies()) != 0 {
		t.Errorf("a specialist got a codec session: %d", resp.StatusCode)
	}
	if code, _ := decode("", "", &http.Cookie{Name: "motcua_codec", Value: "forged"}); code != 401 {
		t.Errorf("forged cookie: %d", code)
	}
}
