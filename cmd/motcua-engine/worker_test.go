package main

import (
	"strings"
	"testing"
)

// Outside motcua dev, a worker's notifications go to a real SMTP relay
// and SMS gateway; without one of them it refuses to start, before it
// dials Temporal, unless told to write them to an outbox folder.
func TestAWorkerWithoutMailOrSMSRefusesToStart(t *testing.T) {
	for _, tc := range []struct {
		flags []string
		want  string
	}{
		{nil, "notifications need --smtp-addr and --sms-url, or --outbox DIR"},
		{[]string{"--smtp-addr", "127.0.0.1:25"}, "notifications need --sms-url, or --outbox DIR"},
		{[]string{"--sms-url", "http://127.0.0.1:1/sms"}, "notifications need --smtp-addr, or --outbox DIR"},
	} {
		args := append([]string{"--data", t.TempDir(), "--temporal-addr", "127.0.0.1:1", "--portal-url", "http://127.0.0.1:1"}, tc.flags...)
		err := runWorker(args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("worker %v: %v, want %q", tc.flags, err, tc.want)
		}
	}
}
