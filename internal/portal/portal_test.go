package portal_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/portal"
	"github.com/motcua/motcua/internal/portal/portalsim"
)

func update(seq, code int) portal.Update {
	now := time.Date(2026, 11, 25, 9, 30, 0, 0, motcua.Vietnam)
	return portal.Update{DossierID: "000.00.01.H22-261125-0007", ProcedureCode: "1.001193", Channel: 1,
		Seq: seq, Code: code, Status: "x", ReceivedAt: now, DueAt: now.Add(48 * time.Hour), ChangedAt: now}
}

func TestPushesAreOrderedAndReplaysIgnored(t *testing.T) {
	dir := t.TempDir()
	sim, err := portalsim.New(portalsim.Faults{}, dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c := &portal.Client{BaseURL: srv.URL}
	ctx := context.Background()
	for _, u := range []portal.Update{update(1, 1), update(2, 2), update(2, 2), update(3, 4)} {
		if err := c.Push(ctx, u); err != nil {
			t.Fatalf("push %d: %v", u.Seq, err)
		}
	}
	var refused *portal.Error
	if err := c.Push(ctx, update(5, 9)); !errors.As(err, &refused) || refused.Code != "02" {
		t.Errorf("a gap was accepted: %v", err)
	}
	recs := sim.Records("000.00.01.H22-261125-0007")
	if len(recs) != 3 || recs[2].TrangThaiHoSo != "4" || recs[0].NgayTiepNhan != "20261125093000" {
		t.Fatalf("records %+v", recs)
	}
	// A restarted simulator on the same folder remembers.
	again, _ := portalsim.New(portalsim.Faults{}, dir)
	if n := len(again.Records("000.00.01.H22-261125-0007")); n != 3 {
		t.Errorf("restarted simulator holds %d records", n)
	}
}

func TestOutageAndFailRate(t *testing.T) {
	sim, _ := portalsim.New(portalsim.Faults{OutageAfter: 1, OutageFor: time.Hour}, "")
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c := &portal.Client{BaseURL: srv.URL}
	if err := c.Push(context.Background(), update(1, 1)); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := c.Push(context.Background(), update(2, 2)); err == nil {
			t.Fatal("a push during the outage succeeded")
		}
	}

	flaky, _ := portalsim.New(portalsim.Faults{FailRate: 0.5, Timeout: 10 * time.Millisecond}, "")
	srv2 := httptest.NewServer(flaky)
	defer srv2.Close()
	c2 := &portal.Client{BaseURL: srv2.URL}
	failed, seq := 0, 1
	for range 200 {
		if err := c2.Push(context.Background(), update(seq, 4)); err != nil {
			failed++
		} else {
			seq++
		}
	}
	if failed < 50 || failed > 150 {
		t.Errorf("%d of 200 pushes failed at a 0.5 fail rate", failed)
	}
	if n := len(flaky.Records("000.00.01.H22-261125-0007")); n != seq-1 {
		t.Errorf("%d records for %d accepted pushes", n, seq-1)
	}
}

// replay serves the raw HTTP answer in testdata/answers/name, byte for
// byte as written there (status, headers, body).
func replay(t *testing.T, name string) *httptest.Server {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "answers", name))
	if err != nil {
		t.Fatal(err)
	}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		buf.Write(raw)
		buf.Flush()
	}))
}

// The client against answers shaped like the ones met in the field (see
// testdata/answers/README.md): success (with or without a byte-order
// mark), the portal's refusals, a proxy's or the server's own HTML error
// pages, a maintenance page answered 200, an empty body. Only a success
// is one; every failure says what was answered in one short line, never
// the page.
func TestPushReadsTheAnswersOfARealPortal(t *testing.T) {
	for _, c := range []struct {
		file    string
		ok      bool
		refusal string // the portal's error_code, when it refused
		says    string // what the error says
	}{
		{"ok.http", true, "", ""},
		{"ok-with-bom.http", true, "", ""},
		{"refused.http", false, "01", "Mã thủ tục hành chính không tồn tại"},
		{"error-500-json.http", false, "99", "500 Internal Server Error"},
		{"nginx-502.http", false, "", "portal answered 502 Bad Gateway: 502 Bad Gateway"},
		{"iis-503.http", false, "", "portal answered 503 Service Unavailable: Service Unavailable"},
		{"maintenance-200.http", false, "", "not its JSON (text/html; charset=utf-8): Hệ thống đang bảo trì"},
		{"empty-200.http", false, "", "not its JSON"},
	} {
		t.Run(c.file, func(t *testing.T) {
			srv := replay(t, c.file)
			defer srv.Close()
			err := (&portal.Client{BaseURL: srv.URL}).Push(context.Background(), update(1, 1))
			if c.ok {
				if err != nil {
					t.Fatalf("a success read as %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("a failure read as a success")
			}
			var refused *portal.Error
			if got := errors.As(err, &refused); got != (c.refusal != "") || (got && refused.Code != c.refusal) {
				t.Errorf("refusal %v (%v), want code %q", got, err, c.refusal)
			}
			if msg := err.Error(); !strings.Contains(msg, c.says) || strings.ContainsAny(msg, "<\n") {
				t.Errorf("the error says %q, want one line with %q", msg, c.says)
			}
		})
	}
}

// A portal that takes the request and never answers, or stops halfway
// through its answer, costs the push no more than its deadline.
func TestPushGivesUpOnAPortalThatDoesNotAnswer(t *testing.T) {
	hang := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-hang }))
	defer silent.Close()
	halfway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "44")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, `{"error_code":`)
		w.(http.Flusher).Flush()
		<-hang
	}))
	defer halfway.Close()
	defer close(hang) // before the servers close: they wait for their handlers
	for name, url := range map[string]string{"silent": silent.URL, "halfway": halfway.URL} {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		err := (&portal.Client{BaseURL: url}).Push(ctx, update(1, 1))
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: %v, want the deadline exceeded", name, err)
		}
	}
}
