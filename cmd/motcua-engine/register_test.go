package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/apiclient"
)

// Two hundred results issued at once, the worker SIGKILLed twice while
// they are numbered: the register still gives each dossier exactly one
// number, 1 to 200 without a gap, none twice, none void, and each
// dossier's result carries the number the register gave it.
func TestRegisterNumbersSurviveKilledWorkers(t *testing.T) {
	processTest(t, "issues 200 results while killing the worker twice; about two minutes")
	const dossiers = 200
	o := startOffice(t)
	api, worker := o.as, o.worker
	ctx := context.Background()

	// Two hundred certificates of marital status (issued automatically,
	// numbered in the register HN), approved and awaiting the chairman.
	ids := make([]string, dossiers)
	each := func(work func(i int) error) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan error, dossiers)
		next := atomic.Int64{}
		for range 16 {
			wg.Go(func() {
				for i := int(next.Add(1)) - 1; i < dossiers; i = int(next.Add(1)) - 1 {
					if err := work(i); err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}
	each(func(i int) error {
		c, err := api["clerk"].Create(ctx, withExternalID(maritalStatus(i), fmt.Sprintf("BO-register-%d", i)))
		if err != nil {
			return fmt.Errorf("intake %d: %w", i, err)
		}
		ids[i] = c.DossierID
		approved := func(s motcua.Status) bool { return s == motcua.StatusAwaitingSignature }
		return decideUntil(ctx, api["clerk"], c.DossierID, approved, func() (motcua.State, error) {
			return api["specialist"].Review(ctx, c.DossierID, motcua.Review{Decision: motcua.DecisionApprove})
		})
	})

	// The register as the auditor reads it: a query its workflow answers
	// on a worker, so not while none runs (a restarted one takes over).
	year := time.Now().In(motcua.Vietnam).Year()
	entries := func() []motcua.RegisterEntry {
		deadline := time.Now().Add(2 * time.Minute)
		for {
			var book struct{ Entries []motcua.RegisterEntry }
			raw, err := apiclient.New("http://"+o.api, o.tok["auditor"], nil).Raw(ctx, "GET", fmt.Sprintf("/v1/registers/HN?year=%d", year), nil)
			if err == nil && raw.Status == 200 && json.Unmarshal(raw.Body, &book) == nil {
				return book.Entries
			}
			if time.Now().After(deadline) {
				t.Fatalf("the register: %v %+v", err, raw)
			}
			time.Sleep(time.Second)
		}
	}

	// The chairman signs all at once; the worker is killed when a fifth of
	// the numbers are taken, and again at three fifths.
	signed := make(chan struct{})
	go func() {
		defer close(signed)
		each(func(i int) error {
			past := func(s motcua.Status) bool { return s != "" && s != motcua.StatusAwaitingSignature }
			return decideUntil(ctx, api["clerk"], ids[i], past, func() (motcua.State, error) {
				return api["chairman"].Sign(ctx, ids[i], motcua.SignDecision{Decision: motcua.DecisionSign})
			})
		})
	}()
	for _, at := range []int{dossiers / 5, dossiers * 3 / 5} {
		deadline := time.Now().Add(5 * time.Minute)
		for len(entries()) < at {
			if time.Now().After(deadline) {
				t.Fatalf("only %d numbers taken", len(entries()))
			}
			time.Sleep(200 * time.Millisecond)
		}
		worker.signal(t, syscall.SIGKILL)
		worker = start(t, o.workerArgs...)
		t.Logf("worker killed with %d numbers taken", len(entries()))
	}
	<-signed

	got := map[string]int{}
	for _, id := range ids {
		st := await(t, api["clerk"], id, func(s motcua.State) bool { return s.Status == motcua.StatusCompleted }, "completed")
		if r := st.Result; r == nil || r.Register == nil || r.Register.Register != "HN" || r.Register.DossierID != id {
			t.Fatalf("%s: the result %+v", id, st.Result)
		}
		got[id] = st.Result.Register.Number
	}
	book := entries()
	var numbered []string
	for i, e := range book {
		if e.Number != i+1 || e.Void || e.Year != year {
			t.Errorf("entry %d: %+v", i+1, e)
		}
		if got[e.DossierID] != e.Number {
			t.Errorf("%s carries number %d, the register gave it %d", e.DossierID, got[e.DossierID], e.Number)
		}
		numbered = append(numbered, e.DossierID)
	}
	slices.Sort(numbered)
	want := slices.Clone(ids)
	slices.Sort(want)
	if len(book) != dossiers || !slices.Equal(numbered, want) {
		t.Errorf("%d numbers for %d dossiers; each dossier must have exactly one", len(book), dossiers)
	}
}

// decideUntil hands a decision to dossier id as a clerk's screen would:
// a call that timed out (503 "no answer in time": a killed worker, a
// crowded machine) may still be carried out, so the dossier is watched for
// a minute for the status the decision leads to, and the decision is asked
// again only if it did not come; five tries. Any other refusal is an error.
func decideUntil(ctx context.Context, reader *apiclient.Client, id string, done func(motcua.Status) bool, decide func() (motcua.State, error)) error {
	for try := 0; ; try++ {
		st, err := decide()
		if err == nil || done(st.Status) {
			return nil
		}
		if e := (*motcua.Error)(nil); !errors.As(err, &e) || e.Code != motcua.CodeUnavailable {
			return fmt.Errorf("%s: %w", id, err)
		}
		for wait := time.Now().Add(time.Minute); time.Now().Before(wait); time.Sleep(time.Second) {
			if now, gerr := reader.Get(ctx, id); gerr == nil && done(now.Status) {
				return nil
			}
		}
		if try == 5 {
			return fmt.Errorf("%s: %w", id, err)
		}
	}
}
