package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/activities"
	"github.com/motcua/motcua/workflows"
)

// A signature approved on the leader's phone is waited for by the dossier
// itself: a refused transaction leaves it awaiting signature with the
// outcome on its signing request; an approved one signs it with the
// signature the transaction brought.
func TestARemoteTransactionIsWaitedForInTheDossier(t *testing.T) {
	h := newHarness(t)
	requests := 0
	h.env.OnActivity(a.PrepareRemote, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.RemoteInput) (motcua.SigningRequest, error) {
			requests++
			return motcua.SigningRequest{ID: []string{"", "req-1", "req-2"}[requests], DossierID: in.Dossier.ID, Actor: in.Signer.ID}, nil
		})
	var waited []activities.RemoteWait
	h.env.OnActivity(a.AwaitRemoteSignature, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.RemoteWait) ([]byte, error) {
			waited = append(waited, in)
			if len(waited) == 1 {
				return nil, temporal.NewNonRetryableApplicationError("the leader refused the transaction on their phone", activities.ErrRemoteRefused, nil)
			}
			return []byte("raw signature"), nil
		})
	chairman := motcua.User{ID: "chairman1", Name: "Nguyễn Văn Vĩnh", Role: motcua.RoleChairman}
	ask := motcua.SigningRequestInput{Certificate: []byte("certificate")}.By(chairman)
	expires := time.Date(2026, 11, 25, 11, 5, 0, 0, motcua.Vietnam)
	remote := func(req, tx string) motcua.SignDecision {
		d := signIt
		d.SigningRequestID, d.Transaction = req, &motcua.RemoteTransaction{ID: tx, Code: "4711", ExpiresAt: expires}
		return d
	}
	h.update(time.Hour, workflows.UpdateReview, approve)
	h.update(2*time.Hour, workflows.UpdateSigningRequest, ask)
	refused := h.update(2*time.Hour+time.Minute, workflows.UpdateSign, remote("req-1", "tx-1"))
	var between motcua.State
	h.env.RegisterDelayedCallback(func() {
		v, _ := h.env.QueryWorkflow(workflows.QueryState)
		v.Get(&between)
	}, 2*time.Hour+2*time.Minute)
	withSignature := h.update(2*time.Hour+3*time.Minute, workflows.UpdateSign, func() motcua.SignDecision {
		d := remote("req-1", "tx-x")
		d.Signature = []byte("both")
		return d
	}())
	h.update(3*time.Hour, workflows.UpdateSigningRequest, ask)
	approved := h.update(3*time.Hour+time.Minute, workflows.UpdateSign, remote("req-2", "tx-2"))
	st := h.run()

	if refused.err == nil || updateErrorType(refused.err) != motcua.CodeSigningFailed {
		t.Errorf("refused on the phone: %+v, want %s", refused, motcua.CodeSigningFailed)
	}
	if between.Status != motcua.StatusAwaitingSignature || between.SigningRequest == nil || between.SigningRequest.Transaction == nil ||
		between.SigningRequest.Transaction.Outcome != motcua.TransactionRefused || between.SigningRequest.Transaction.Code != "4711" {
		t.Errorf("after the refusal: %s, %+v", between.Status, between.SigningRequest)
	}
	if withSignature.rejected == nil || updateErrorType(withSignature.rejected) != motcua.CodeInvalidRequest {
		t.Errorf("a transaction and a signature at once: %+v, want refused as %s", withSignature, motcua.CodeInvalidRequest)
	}
	if approved.err != nil || approved.rejected != nil || len(h.signed) != 1 ||
		string(h.signed[0].RemoteSignature) != "raw signature" || h.signed[0].RemoteRequest != "req-2" {
		t.Errorf("approved: %+v, signed %+v", approved, h.signed)
	}
	if len(waited) != 2 || waited[1].Request != "req-2" || waited[1].Transaction.ID != "tx-2" || waited[1].DossierID != st.DossierID {
		t.Errorf("waited %+v", waited)
	}
	if st.Result == nil || st.Result.SignedBy != "chairman1" || st.Status != motcua.StatusReturned {
		t.Errorf("final %s %+v", st.Status, st.Result)
	}
}
