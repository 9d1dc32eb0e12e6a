package api_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/api"
	"github.com/motcua/motcua/apiclient"
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

// Guessing tokens gets 429 after ten failures from one address, with the
// error body; the same address is let in again once it waits.
func TestFailedSignInsAreRateLimited(t *testing.T) {
	ts := httptest.NewServer(env.newServer().Handler())
	defer ts.Close()
	ctx := context.Background()
	guess := apiclient.New(ts.URL, "guessed-token", nil)
	for i := range 10 {
		if _, err := guess.Procedures(ctx); motcua.ErrorCode(err) != motcua.CodeUnauthenticated {
			t.Fatalf("guess %d: %v, want unauthenticated", i+1, err)
		}
	}
	_, err := guess.Procedures(ctx)
	if motcua.ErrorCode(err) != motcua.CodeRateLimited {
		t.Fatalf("the 11th guess: %v, want rate_limited", err)
	}
	resp, err := guess.Raw(ctx, http.MethodPost, "/codec/login", nil)
	if err != nil || resp.Status != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("codec login from the same address: %d %v", resp.Status, err)
	}
	// Another server (another process) has its own count; a right token
	// from a fresh address works, as this shows for a fresh limiter.
	ts2 := httptest.NewServer(env.newServer().Handler())
	defer ts2.Close()
	if _, err := apiclient.New(ts2.URL, env.tokens[motcua.RoleClerk], nil).Procedures(ctx); err != nil {
		t.Fatalf("a signed-in user: %v", err)
	}
}
