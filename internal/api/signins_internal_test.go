package api

import (
	"testing"
	"time"
)

// A key backs off, never locks: free failures, then a wait that doubles
// up to its most; a try after the wait is let through, and a quiet spell
// forgets everything.
func TestBackoffGrowsToItsMostAndForgets(t *testing.T) {
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	l := &signInLimit{now: func() time.Time { return now }}
	k := accountKey("chairman1")
	for range perAccount.free {
		l.failed(k)
		if d, _ := l.wait(k); d != 0 {
			t.Fatalf("a free failure made the account wait %v", d)
		}
	}
	var waits []time.Duration
	for range 12 {
		l.failed(k)
		d, p := l.wait(k)
		if p.identify != "this account" {
			t.Fatalf("the wait is blamed on %q", p.identify)
		}
		waits = append(waits, d)
		now = now.Add(d) // waits it out, then fails again
		if d, _ := l.wait(k); d != 0 {
			t.Fatalf("still waiting after the wait: %v", d)
		}
	}
	if waits[0] != perAccount.base || waits[1] != 2*perAccount.base || waits[len(waits)-1] != perAccount.most {
		t.Errorf("waits %v: want %v doubling to %v", waits, perAccount.base, perAccount.most)
	}
	now = now.Add(perAccount.forget + time.Second)
	l.failed(k)
	if d, _ := l.wait(k); d != 0 {
		t.Errorf("after a quiet spell one failure waits %v", d)
	}
}
