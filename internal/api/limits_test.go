package api_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/apiclient"
	"github.com/motcua/motcua/internal/accounts"
	"github.com/motcua/motcua/internal/api"
)

// A client that sends a body one byte every 3 seconds (to the codec login,
// whose body is small) is cut off within the body's time limit, not kept
// open for ever; the headers have a limit of their own.
func TestSlowClientsAreCutOff(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out the 20 s body limit")
	}
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := api.HTTPServer(env.newServer().Handler())
	go srv.Serve(l)
	defer srv.Close()

	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /codec/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\n")
	began := time.Now()
	closed := make(chan time.Duration, 1)
	go func() {
		// The server answers (408 or an error) and closes once the deadline
		// passes; reading returns then.
		bufio.NewReader(conn).ReadString(0)
		closed <- time.Since(began)
	}()
	tick := time.NewTicker(3 * time.Second)
	defer tick.Stop()
	for {
		select {
		case d := <-closed:
			if d > 40*time.Second {
				t.Errorf("the slow client was served for %s", d)
			}
			return
		case <-tick.C:
			conn.Write([]byte("t"))
			if time.Since(began) > 60*time.Second {
				t.Fatal("the slow client is still connected after 60 s")
			}
		}
	}
}

// Guessing tokens makes the guesser's address back off (429 with the
// error body and Retry-After) after 20 failures; a right token from the
// same address is never refused, nor an auditor's codec sign-in.
func TestFailedTokensBackOffButRightTokensPass(t *testing.T) {
	ts := httptest.NewServer(env.newServer().Handler())
	defer ts.Close()
	ctx := context.Background()
	guess := apiclient.New(ts.URL, "guessed-token", nil)
	limited := 0
	for i := range 25 {
		_, err := guess.Procedures(ctx)
		switch motcua.ErrorCode(err) {
		case motcua.CodeRateLimited:
			limited++
		case motcua.CodeUnauthenticated:
			if i >= 21 {
				t.Fatalf("guess %d was checked: the address should be waiting", i+1)
			}
		default:
			t.Fatalf("guess %d: %v", i+1, err)
		}
	}
	if limited == 0 {
		t.Fatal("25 wrong tokens from one address and no 429")
	}
	resp, err := guess.Raw(ctx, http.MethodGet, "/v1/procedures", nil)
	if err != nil || resp.Status != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("a guess while waiting: %d %v %v", resp.Status, resp.Header, err)
	}
	// Everybody else at that address (one commune office behind one
	// router) goes on working.
	for _, role := range []motcua.Role{motcua.RoleClerk, motcua.RoleChairman, motcua.RoleAuditor} {
		if _, err := apiclient.New(ts.URL, env.tokens[role], nil).Procedures(ctx); err != nil {
			t.Errorf("the %s's right token from the guesser's address: %v", role, err)
		}
	}
}

// Passwords on the pages: a guesser at one person's account backs off
// (per account and per address), while the person, in the browser they
// signed in from before, still gets in with the right password; a
// colleague behind the same router too. Nothing locks: the wait grows,
// and is short.
func TestFailedPasswordsBackOffPerAccountAndAddress(t *testing.T) {
	srv := env.newServer()
	owner, colleague := env.logins[motcua.RoleChairman], env.logins[motcua.RoleClerk]
	signIn := func(addr string, cookies []*http.Cookie, login accounts.DevLogin) (*httptest.ResponseRecorder, error) {
		r := httptest.NewRequest(http.MethodPost, "/login", nil)
		r.RemoteAddr = addr + ":40000"
		for _, c := range cookies {
			r.AddCookie(c)
		}
		w := httptest.NewRecorder()
		_, err := srv.SignIn(w, r, login.Username, login.Password)
		return w, err
	}
	// The chairman signs in at the office: their browser is known.
	w, err := signIn("203.0.113.7", nil, owner)
	if err != nil {
		t.Fatal(err)
	}
	ownerBrowser := w.Result().Cookies()
	if len(ownerBrowser) == 0 {
		t.Fatal("a sign-in gave the browser no device cookie")
	}
	w, err = signIn("203.0.113.7", nil, colleague)
	if err != nil {
		t.Fatal(err)
	}
	colleagueBrowser := w.Result().Cookies()

	// Someone guesses the chairman's password from the office's address.
	wrong := accounts.DevLogin{Username: owner.Username, Password: "guess"}
	limited := 0
	for range 30 {
		if _, err := signIn("203.0.113.7", nil, wrong); motcua.ErrorCode(err) == motcua.CodeRateLimited {
			limited++
		}
	}
	if limited < 20 {
		t.Fatalf("30 wrong passwords for one account: only %d refused unchecked", limited)
	}
	// The right password from a new browser waits too (it might be the
	// guesser's next guess)...
	if _, err := signIn("198.51.100.9", nil, owner); motcua.ErrorCode(err) != motcua.CodeRateLimited {
		t.Errorf("the right password from a new browser during the guessing: %v, want rate_limited", err)
	}
	// ...but never from the chairman's own browser, or a colleague's.
	if _, err := signIn("203.0.113.7", ownerBrowser, owner); err != nil {
		t.Errorf("the chairman in their own browser: %v", err)
	}
	if _, err := signIn("203.0.113.7", colleagueBrowser, colleague); err != nil {
		t.Errorf("a colleague behind the same router: %v", err)
	}
	// A device cookie is the account's: another account's is no help,
	// and a forged one is ignored.
	forged := []*http.Cookie{{Name: ownerBrowser[0].Name, Value: "x.y"}}
	for name, c := range map[string][]*http.Cookie{"the colleague's browser": colleagueBrowser, "a forged cookie": forged} {
		if _, err := signIn("198.51.100.9", c, wrong); motcua.ErrorCode(err) != motcua.CodeRateLimited {
			t.Errorf("a guess at the chairman's account with %s: %v, want rate_limited", name, err)
		}
	}
}

// Behind the TLS proxy everyone's connection comes from the proxy: the
// client is the address the proxy puts in X-Forwarded-For, believed only
// from a trusted proxy, and only as far as the first hop it did not add.
func TestClientAddr(t *testing.T) {
	trusted, err := api.ParseTrustedProxies([]string{"10.0.0.0/8, 127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		remote, xff string
		trusted     bool
		want        string
	}{
		{"198.51.100.1:5000", "", true, "198.51.100.1"},
		{"198.51.100.1:5000", "203.0.113.5", true, "198.51.100.1"},      // not a proxy of ours: XFF is the client's word
		{"127.0.0.1:5000", "203.0.113.5", false, "127.0.0.1"},           // no proxy trusted
		{"127.0.0.1:5000", "203.0.113.5", true, "203.0.113.5"},          // the proxy's word
		{"127.0.0.1:5000", "6.6.6.6, 203.0.113.5", true, "203.0.113.5"}, // the client wrote 6.6.6.6 itself
		{"127.0.0.1:5000", "203.0.113.5, 10.1.2.3", true, "203.0.113.5"},
		{"[::ffff:127.0.0.1]:5000", "203.0.113.5", true, "203.0.113.5"},
		{"127.0.0.1:5000", "10.1.2.3", true, "127.0.0.1"},  // only proxies: count against the proxy
		{"127.0.0.1:5000", "not-an-ip", true, "127.0.0.1"}, // nonsense from a proxy
		{"10.9.9.9:5000", "2001:db8::1", true, "2001:db8::1"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		var tr = trusted
		if !c.trusted {
			tr = nil
		}
		if got := api.ClientAddr(r, tr); got != c.want {
			t.Errorf("%s with X-Forwarded-For %q (trusting: %v): %s, want %s", c.remote, c.xff, c.trusted, got, c.want)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "example.com", "10.0.0.1/"} {
		if _, err := api.ParseTrustedProxies([]string{bad}); err == nil {
			t.Errorf("--trusted-proxy %q accepted", bad)
		}
	}
}

// Behind a trusted proxy, one client's failures are its own: another
// client of the same proxy is not made to wait.
func TestFailuresBehindATrustedProxyAreEachClients(t *testing.T) {
	srv := env.newServer()
	srv.TrustedProxies, _ = api.ParseTrustedProxies([]string{"127.0.0.1"})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	ctx := context.Background()
	from := func(client, token string) int {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/v1/procedures", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("X-Forwarded-For", client)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for range 30 {
		from("203.0.113.66", "guessed-token")
	}
	if got := from("203.0.113.66", "guessed-token"); got != http.StatusTooManyRequests {
		t.Errorf("the guesser behind the proxy: %d, want 429", got)
	}
	if got := from("203.0.113.67", "another-guess"); got != http.StatusUnauthorized {
		t.Errorf("another client of the proxy with a wrong token: %d, want 401 (checked, not made to wait)", got)
	}
}

// A decision's body is a few fields and a comment: a 3 MB comment (which
// would make the workflow task fail for being larger than Temporal's
// payload limit, again and again) is refused at the door with too_large,
// and the dossier does not hear of it; an intake with its documents may
// still be large.
func TestDecisionBodiesAreSmall(t *testing.T) {
	c := create(t, maritalRequest())
	before := get(t, c.DossierID)
	huge := map[string]any{"decision": "approve", "comment": strings.Repeat("ạ", 1<<20)}
	for path, role := range map[string]motcua.Role{"/review": motcua.RoleSpecialist, "/withdraw": motcua.RoleClerk, "/hand-back": motcua.RoleClerk,
		"/payment": motcua.RoleSystem, "/apology": motcua.RoleChairman, "/sign": motcua.RoleChairman} {
		raw := must(t, http.StatusRequestEntityTooLarge, role, "POST", "/v1/dossiers/"+c.DossierID+path, huge, nil)
		if !strings.Contains(string(raw), `"too_large"`) {
			t.Errorf("POST %s with 3 MB: %s", path, raw)
		}
	}
	must(t, http.StatusRequestEntityTooLarge, motcua.RoleClerk, "POST", "/v1/citizens/documents:search", huge, nil)
	if after := get(t, c.DossierID); after.Revision != before.Revision || len(after.Steps) != len(before.Steps) {
		t.Errorf("the dossier changed: %+v", after)
	}
	// A dossier with a 5 MB scan is still taken in.
	big := maritalRequest()
	big.Documents[0].ContentBase64 = base64.StdEncoding.EncodeToString(append([]byte("%PDF-1.4\n"), make([]byte, 5<<20)...))
	create(t, big)
}
