package main

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/audit"
)

// Slow work, as on a commune's slow link: a decision whose work outlasts
// the API's 60-second wait is answered 503 saying it may still be carried
// out, and it is; a worker stopped with SIGTERM while an activity runs lets
// it finish (it is not tried again) and exits cleanly.
func TestSlowActivitiesAndTheDrainOnSIGTERM(t *testing.T) {
	processTest(t, "waits out the API's 60 s")
	o := startOffice(t)
	data, temporalAddr, workerArgs, w1, api := o.data, o.temporal, o.workerArgs, o.worker, o.as
	ctx := context.Background()

	var ids []string
	for range 2 {
		c, err := api["clerk"].Create(ctx, maritalStatus(12345))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.DossierID)
	}
	slow, drained := ids[0], ids[1]
	for _, id := range ids {
		if _, err := api["specialist"].Review(ctx, id, motcua.Review{Decision: motcua.DecisionApprove}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w1.signal(t, syscall.SIGTERM); err != nil {
		t.Fatalf("an idle worker stopped with SIGTERM: %v\n%s", err, w1.out)
	}

	// The first signature of one dossier takes 62 s (it times out after its
	// minute and is made again); archiving the other takes 5 s.
	held, holds, heldLog := startHeld(t, []string{"SignResult=" + slow + "~62s", "ArchiveResult=" + drained + "~5s"}, workerArgs)
	began := time.Now()
	_, err := api["chairman"].Sign(ctx, slow, motcua.SignDecision{Decision: motcua.DecisionSign})
	var e *motcua.Error
	if !errors.As(err, &e) || e.Code != motcua.CodeUnavailable || !strings.Contains(e.Message, "may still be carried out") {
		t.Fatalf("a decision that outlasts the wait: %v", err)
	}
	if waited := time.Since(began); waited < 60*time.Second || waited > 90*time.Second {
		t.Errorf("answered after %s, want the 60 s wait", waited)
	}
	await(t, api["clerk"], slow, func(s motcua.State) bool { return s.Status == motcua.StatusCompleted }, "completed: the decision was carried out")

	signed := make(chan error, 1)
	go func() {
		_, err := api["chairman"].Sign(ctx, drained, motcua.SignDecision{Decision: motcua.DecisionSign})
		signed <- err
	}()
	for h := range holds {
		if h == "HELD ArchiveResult="+drained {
			break
		}
	}
	held.Process.Signal(syscall.SIGTERM)
	exited := make(chan error, 1)
	go func() { exited <- held.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("the worker stopped during an activity exited with %v:\n%s", err, heldLog)
		}
	case <-time.After(45 * time.Second):
		t.Fatalf("the worker did not exit within 45 s of SIGTERM:\n%s", heldLog)
	}
	finished := false
	for len(holds) > 0 {
		finished = finished || <-holds == "DONE ArchiveResult="+drained
	}
	if !finished {
		t.Errorf("the worker exited before the archive it was writing was done:\n%s", heldLog)
	}
	start(t, workerArgs...)
	if err := <-signed; err != nil && motcua.ErrorCode(err) != motcua.CodeUnavailable {
		t.Errorf("sign: %v", err)
	}
	await(t, api["clerk"], drained, func(s motcua.State) bool { return s.Status == motcua.StatusCompleted }, "completed")

	// The result was archived once: its activity completed on its first
	// attempt, by the worker that was stopping. As an activity, its one
	// start is attempt 1; as a local activity (since lean-history), its
	// marker says attempt 1 and no workflow task was cut before it (the
	// stopping worker reported it: a cut task would have had the next
	// worker run it again).
	tc, dc := dialTemporal(t, temporalAddr, data)
	h, err := audit.History(ctx, tc, drained)
	if err != nil {
		t.Fatal(err)
	}
	archived, cut := 0, false
	for _, ev := range audit.Events(dc, h) {
		switch {
		case ev.Type == "WorkflowTaskTimedOut" || ev.Type == "WorkflowTaskFailed":
			cut = true
		case strings.HasPrefix(ev.Summary, "ArchiveResult started, attempt "), strings.HasPrefix(ev.Summary, "ArchiveResult completed, attempt "):
			archived++
			if !strings.HasSuffix(ev.Summary, "attempt 1") || cut {
				t.Errorf("%s (a workflow task cut before: %v): the stopping worker did not finish it", ev.Summary, cut)
			}
		}
	}
	if archived != 1 {
		t.Errorf("%d ArchiveResult runs recorded, want 1", archived)
	}
}
