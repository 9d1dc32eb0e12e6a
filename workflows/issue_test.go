package workflows_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/activities"
	"github.com/motcua/motcua/workflows"
)

var (
	officer   = motcua.User{ID: "vanthu1", Name: "Hoàng Thị Lan", Role: motcua.RoleRecordsOfficer}
	issueIt   = motcua.Issue{Decision: motcua.DecisionIssue}.By(officer)
	returnOne = motcua.Issue{Decision: motcua.DecisionReturn, Comment: "Sai ngày sinh, đề nghị ký lại"}.By(officer)
)

// manual is the test dossier of a procedure the records officer issues.
func manual() motcua.Dossier {
	d := dossier()
	p := *d.Procedure
	p.Issue = ""
	d.Procedure = &p
	return d
}

func TestTheRecordsOfficerIssuesTheSignedResult(t *testing.T) {
	h := newHarness(t)
	h.update(time.Hour, workflows.UpdateReview, approve)
	h.update(2*time.Hour, workflows.UpdateSign, signIt)
	// A leader cannot issue, a records officer cannot sign, nor can an
	// issue be sent by anyone the API did not vouch for.
	chairman := motcua.Issue{Decision: motcua.DecisionIssue}.By(motcua.User{ID: "chairman1", Name: "Nguyễn Văn Vĩnh", Role: motcua.RoleChairman})
	byLeader := h.update(3*time.Hour, workflows.UpdateIssue, chairman)
	officerSigns := h.update(3*time.Hour+time.Minute, workflows.UpdateSign, motcua.SignDecision{Decision: motcua.DecisionSign}.By(officer))
	bad := h.update(3*time.Hour+2*time.Minute, workflows.UpdateIssue, motcua.Issue{Decision: "publish"}.By(officer))
	back := h.update(4*time.Hour, workflows.UpdateIssue, returnOne)
	resign := h.update(5*time.Hour, workflows.UpdateSign, signIt)
	h.issueErr = temporal.NewNonRetryableApplicationError("the office key: token not present", activities.ErrSigningKey, errors.New("x"))
	failed := h.update(6*time.Hour, workflows.UpdateIssue, issueIt)
	issued := h.update(7*time.Hour, workflows.UpdateIssue, issueIt)
	again := h.update(8*time.Hour, workflows.UpdateIssue, issueIt)
	st := h.runDossier(manual())

	if updateErrorType(byLeader.rejected) != motcua.CodeForbidden {
		t.Errorf("a leader's issue: %+v", byLeader)
	}
	if officerSigns.rejected == nil {
		t.Errorf("a records officer signed: %+v", officerSigns)
	}
	if updateErrorType(bad.rejected) != motcua.CodeInvalidRequest {
		t.Errorf("an unknown decision: %+v", bad)
	}
	if back.err != nil || back.rejected != nil || back.state.Status != motcua.StatusAwaitingSignature || back.state.Result != nil {
		t.Errorf("returned to the leader: %+v", back)
	}
	if resign.err != nil || resign.state.Status != motcua.StatusAwaitingIssue {
		t.Errorf("signed again: %+v", resign)
	}
	if failed.err == nil || failed.state.Status != motcua.StatusAwaitingIssue {
		t.Errorf("an issue whose signature failed: %+v", failed)
	}
	if issued.err != nil || issued.rejected != nil || issued.state.Status != motcua.StatusCompleted && issued.state.Status != motcua.StatusSigned {
		t.Errorf("issued: %+v", issued)
	}
	if again.rejected == nil {
		t.Errorf("issued twice: %+v", again)
	}
	// The failed issue kept its number: the second try got the same one
	// from the register (the mock counts takes; the register workflow
	// answers a dossier's second take with its first number).
	if len(h.issued) != 1 || h.issued[0].Voucher == nil || h.issued[0].Voucher.Actor.ID != "vanthu1" || h.issued[0].Entry == nil {
		t.Fatalf("issued %+v", h.issued)
	}
	if r := st.Result; r == nil || r.IssuedBy != "vanthu1" || r.Register == nil || r.SHA256 != "issued" {
		t.Errorf("result %+v", st.Result)
	}
	want := []string{"intake:received", "review:approved", "signature:signed", "issue:returned_to_leader", "signature:signed",
		"issue:issue_failed", "issue:issued", "archive:archived", "notify:completed", "hand_back:handed_back"}
	if got := outcomes(st); !slices.Equal(got, want) {
		t.Errorf("steps %v, want %v", got, want)
	}
}
