package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/loadtest"
)

// A short load run against the test engine: every call answers as the
// contract says, and dossiers complete. (The one-minute, 50-client run is
// `motcua load`; its numbers are in the closing note.)
func TestShortLoadRun(t *testing.T) {
	rep := loadtest.Run(context.Background(), loadtest.Config{API: env.api.URL, Tokens: env.tokens, Clients: 6, Duration: 3 * time.Second})
	if rep.Errors > 0 {
		t.Fatalf("errors under load:\n%s", rep)
	}
	if rep.Completed == 0 {
		t.Fatalf("nothing completed:\n%s", rep)
	}
	if rep.Completed+rep.Rejected != rep.Started {
		t.Fatalf("%d dossiers started, %d completed and %d rejected:\n%s", rep.Started, rep.Completed, rep.Rejected, rep)
	}
	t.Logf("\n%s", rep)
}
