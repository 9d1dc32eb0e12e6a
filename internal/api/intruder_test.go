package api_test

import (
	"context"
	"errors"
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/vouch"
	"github.com/motcua/motcua/workflows"
)

// An intruder who reaches Temporal's frontend (here even with motcua's own
// data converter and client interceptors, as a stolen worker configuration
// would give) sends every update straight to a dossier: decisions with no
// voucher, the chairman's signature claimed by Mallory, a genuine voucher
// read from the history and replayed with its own command, and the same
// voucher on a command of the intruder's. Each is refused (by the worker's
// vouch interceptor or the workflow's validators) and the dossier is
// unchanged.
func TestAnIntruderOnTemporalCannotDecide(t *testing.T) {
	ctx := context.Background()
	id := create(t, maritalRequest()).DossierID
	if _, err := as(motcua.RoleSpecialist).Review(ctx, id, motcua.Review{Decision: motcua.DecisionRequestSupplement, Comment: "Thiếu tờ khai", MissingDocuments: []string{"TK_XNHN"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := as(motcua.RoleClerk).Supplement(ctx, id, []motcua.Document{application(t, maritalRequest()).Documents[0]}); err != nil {
		t.Fatal(err)
	}
	before := get(t, id) // in review again, revision 2

	// The first review as the API vouched for it, read back from the history.
	h, err := audit.History(ctx, env.tc, id)
	if err != nil {
		t.Fatal(err)
	}
	var genuine motcua.Review
	var voucher *vouch.Voucher
	for _, e := range h.Events {
		in := e.GetWorkflowExecutionUpdateAcceptedEventAttributes().GetAcceptedRequest().GetInput()
		if in.GetName() == workflows.UpdateReview && voucher == nil {
			if err := env.dc.FromPayloads(in.GetArgs(), &genuine); err != nil {
				t.Fatal(err)
			}
			if p := in.GetHeader().GetFields()[vouch.HeaderKey]; p != nil {
				if err := env.dc.FromPayload(p, &voucher); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if voucher == nil || genuine.Actor == "" {
		t.Fatal("no vouched review in the history")
	}
	approval := genuine
	approval.Decision, approval.Comment, approval.MissingDocuments = motcua.DecisionApprove, "", nil
	mallory := motcua.User{ID: "mallory", Name: "Mallory Forger", Role: motcua.RoleChairman}
	attempts := []struct {
		name, update string
		arg          any
		voucher      *vouch.Voucher
		want         string
	}{
		{"review", workflows.UpdateReview, motcua.Review{Decision: motcua.DecisionApprove, Actor: "specialist1"}, nil, motcua.CodeForbidden},
		{"replayed review", workflows.UpdateReview, genuine, voucher, motcua.CodeInvalidState},
		{"the voucher on another review", workflows.UpdateReview, approval, voucher, motcua.CodeForbidden},
		{"the voucher on a withdrawal", workflows.UpdateWithdraw, motcua.Withdrawal{Comment: "x", Actor: genuine.Actor}, voucher, motcua.CodeForbidden},
		{"supplement", workflows.UpdateSupplement, motcua.Supplement{Documents: []motcua.DocumentRef{{Code: "TK_XNHN", SHA256: "x"}}, Actor: "clerk1"}, nil, motcua.CodeForbidden},
		{"sign", workflows.UpdateSign, motcua.SignDecision{Decision: motcua.DecisionSign, Actor: mallory.ID, ActorName: mallory.Name, ActorRole: mallory.Role}, nil, motcua.CodeForbidden},
		{"signing request", workflows.UpdateSigningRequest, motcua.SigningRequestInput{Certificate: []byte{1}, Actor: mallory.ID, ActorName: mallory.Name, ActorRole: mallory.Role}, nil, motcua.CodeForbidden},
		{"withdraw", workflows.UpdateWithdraw, motcua.Withdrawal{Comment: "x", Actor: "clerk1"}, nil, motcua.CodeForbidden},
	}
	for _, a := range attempts {
		h, err := env.tc.UpdateWorkflow(vouch.WithVoucher(ctx, a.voucher), client.UpdateWorkflowOptions{
			WorkflowID: id, UpdateName: a.update, Args: []any{a.arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		var app *temporal.ApplicationError
		if !errors.As(err, &app) || app.Type() != a.want {
			t.Errorf("%s: %v, want it refused as %s", a.name, err, a.want)
		}
	}
	after := get(t, id)
	if after.Status != before.Status || after.Revision != before.Revision || len(after.Steps) != len(before.Steps) {
		t.Errorf("the dossier changed: %s rev %d (%d steps), was %s rev %d (%d steps)", after.Status, after.Revision, len(after.Steps), before.Status, before.Revision, len(before.Steps))
	}
	// Refused updates are never written: the history holds only the API's.
	h2, _ := audit.History(ctx, env.tc, id)
	accepted := 0
	for _, e := range h2.Events {
		if e.GetWorkflowExecutionUpdateAcceptedEventAttributes() != nil {
			accepted++
		}
	}
	if accepted != 3 { // intake, the review, the supplement
		t.Errorf("%d updates accepted, want the API's 3", accepted)
	}
}
