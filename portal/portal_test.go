package portal_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/portal"
	"github.com/motcua/motcua/portal/portalsim"
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
