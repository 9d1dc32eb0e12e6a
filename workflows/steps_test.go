package workflows_test

import (
	"slices"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/workflows"
)

// dossierOf is the test dossier taken in with catalog procedure code.
func dossierOf(t *testing.T, code string, fields map[string]string) motcua.Dossier {
	t.Helper()
	p, ok := catalog.Default().Lookup(code)
	if !ok {
		t.Fatalf("no procedure %s in the catalog", code)
	}
	p.Issue = motcua.IssueAuto // the issue tests take the records officer's
	d := dossier()
	d.ProcedureCode, d.Procedure, d.Fields = code, &p, fields
	return d
}

var (
	pay      = motcua.Payment{TransactionID: "VNPAY-1", AmountVND: 6000, Method: motcua.PaymentOnline, PaidAt: time.Date(2026, 11, 25, 9, 30, 0, 0, motcua.Vietnam), Actor: "system1"}
	agreed   = motcua.ConsultationAnswer{Outcome: motcua.ConsultationAgreed, Comment: "Thông tin cư trú khớp", Actor: "system1"}
	refusal  = motcua.ConsultationAnswer{Outcome: motcua.ConsultationRefused, Comment: "Không có thông tin cư trú", Actor: "system1"}
	approveP = motcua.Review{Decision: motcua.DecisionApprove, Actor: "specialist1"}
)

// A paid procedure waits for the payment before review; the wrong amount
// is refused before it is written; the clock is paused while waiting.
func TestPaymentBeforeReview(t *testing.T) {
	h := newHarness(t)
	early := h.update(time.Hour, workflows.UpdateReview, approveP)
	wrong := pay
	wrong.AmountVND = 2000
	short := h.update(2*time.Hour, workflows.UpdatePayment, wrong)
	paid := h.update(3*24*time.Hour, workflows.UpdatePayment, pay)
	h.update(3*24*time.Hour+time.Hour, workflows.UpdateReview, approveP)
	h.update(3*24*time.Hour+2*time.Hour, workflows.UpdateSign, signIt)
	st := h.runDossier(dossierOf(t, "2.000815", map[string]string{"document_title": "Bằng tốt nghiệp", "copies": "3"}))
	if updateErrorType(early.rejected) != motcua.CodeInvalidState {
		t.Errorf("a review before the payment: %+v", early)
	}
	if updateErrorType(short.rejected) != motcua.CodeInvalidRequest {
		t.Errorf("2.000 đồng for a 6.000 đồng fee: %+v", short)
	}
	if paid.err != nil || paid.state.Status != motcua.StatusInReview {
		t.Fatalf("payment: %+v", paid)
	}
	if f := st.Fee; f == nil || !f.Paid || f.AmountVND != 6000 || f.TransactionID != "VNPAY-1" || f.Method != "online" {
		t.Errorf("fee %+v", st.Fee)
	}
	// Due Monday 30/11 17:00; the clock stopped from the intake (Wednesday
	// 25/11) until the payment came in on Saturday 28/11: Wednesday,
	// Thursday and Friday, three working days, move it to Thursday 03/12.
	if want := time.Date(2026, 12, 3, 17, 0, 0, 0, motcua.Vietnam); !st.DueAt.Equal(want) {
		t.Errorf("due %s, want %s: the three working days waiting for the payment paused", st.DueAt, want)
	}
	if got, want := h.codes(), []int{1, 1, 2, 4, 4, 4, 4, 9, 10}; !equalInts(got, want) {
		t.Errorf("portal codes %v, want %v", got, want)
	}
	// The read model got every change in order, the last one final.
	for i := 1; i < len(h.facts); i++ {
		if h.facts[i].Seq <= h.facts[i-1].Seq {
			t.Fatalf("facts out of order: %d after %d", h.facts[i].Seq, h.facts[i-1].Seq)
		}
	}
	if f := h.facts[len(h.facts)-1]; f.Status != motcua.StatusReturned || !f.Paid || !f.PaidOnline || f.FeeVND != 6000 ||
		!f.PortalInSync || !f.SignedDigitally || f.FinishedAt == nil || f.ReturnedAt == nil {
		t.Errorf("last facts %+v", f)
	}
	want := []string{"intake:received", "payment:paid", "review:approved", "signature:signed", "issue:issued", "archive:archived", "notify:completed", "hand_back:handed_back"}
	if got := outcomes(st); !slices.Equal(got, want) {
		t.Errorf("steps %v, want %v", got, want)
	}
}

// A fee nobody pays stops the dossier after the deadline.
func TestUnpaidDossierStops(t *testing.T) {
	h := newHarness(t)
	st := h.runDossier(dossierOf(t, "2.000884", map[string]string{"document_title": "Giấy ủy quyền"}))
	if st.Status != motcua.StatusStopped || st.Fee == nil || st.Fee.Paid || st.Fee.AmountVND != 10000 {
		t.Fatalf("status %s, fee %+v", st.Status, st.Fee)
	}
}

// The consultation waits for the other agency; its own deadline is
// reminded and marked (staff told each time), the dossier's clock runs,
// and the answer moves the dossier on.
func TestConsultationWaitsWithItsOwnDeadline(t *testing.T) {
	h := newHarness(t)
	h.update(time.Hour, workflows.UpdateReview, approveP)
	early := h.update(2*time.Hour, workflows.UpdateSign, signIt)
	// Asked Wednesday 25/11 10:00, 5 working days: due Wednesday 2/12 17:00,
	// reminded Tuesday 1/12 08:00; the agency answers on Thursday 3/12.
	ans := h.update(8*24*time.Hour, workflows.UpdateConsultation, agreed)
	h.update(8*24*time.Hour+time.Hour, workflows.UpdateSign, signIt)
	st := h.runDossier(dossierOf(t, "1.000689", map[string]string{"parent_name": "Hoàng Văn Nam", "child_name": "Hoàng Minh An", "relationship": "cha"}))
	if updateErrorType(early.rejected) != motcua.CodeInvalidState {
		t.Errorf("a signature during the consultation: %+v", early)
	}
	if ans.err != nil || ans.state.Status != motcua.StatusAwaitingSignature {
		t.Fatalf("answer: %+v", ans)
	}
	c := st.Consultation
	if c == nil || c.Outcome != "agreed" || !c.DueAt.Equal(time.Date(2026, 12, 2, 17, 0, 0, 0, motcua.Vietnam)) {
		t.Fatalf("consultation %+v", c)
	}
	var got []string
	for _, s := range st.Steps {
		if s.Stage == motcua.StageConsultation {
			got = append(got, s.Outcome+"@"+s.At.Format("02/01 15:04"))
		}
	}
	// The dossier's own deadline (due 30/11 17:00) runs meanwhile.
	want := []string{"asked@25/11 10:00", "reminder@27/11 08:00", "staff_reminded@27/11 08:00", "apology_drafted@27/11 08:00",
		"overdue@30/11 17:00", "staff_reminded@30/11 17:00", "consultation_reminder@01/12 08:00", "staff_reminded@01/12 08:00",
		"consultation_overdue@02/12 17:00", "staff_reminded@02/12 17:00", "agreed@03/12 09:00"}
	if !slices.Equal(got, want) {
		t.Errorf("consultation steps %v\nwant %v", got, want)
	}
	if !slices.Contains(h.reminded, "consultation_reminder:specialist1,clerk1") {
		t.Errorf("staff reminders %v: the specialist who approved holds the dossier", h.reminded)
	}
	if got, want := h.codes(), []int{1, 2, 4, 4, 4, 4, 4, 9, 10}; !equalInts(got, want) {
		t.Errorf("portal codes %v, want %v", got, want)
	}
}

// A refusal goes back to the specialist, who can reject with it in hand.
func TestConsultationRefusalReturnsToReview(t *testing.T) {
	h := newHarness(t)
	h.update(time.Hour, workflows.UpdateReview, approveP)
	no := h.update(2*time.Hour, workflows.UpdateConsultation, refusal)
	h.update(3*time.Hour, workflows.UpdateReview, motcua.Review{Decision: motcua.DecisionReject, Comment: "Cơ quan công an không xác nhận", Actor: "specialist1"})
	st := h.runDossier(dossierOf(t, "1.004884", map[string]string{"child_name": "Hoàng Minh An", "child_birth_date": "2020-01-02", "first_registered_at": "xã Tân Lập"}))
	if no.err != nil || no.state.Status != motcua.StatusInReview {
		t.Fatalf("refusal: %+v", no)
	}
	if st.Status != motcua.StatusRejected || st.Consultation.Outcome != "refused" {
		t.Fatalf("status %s, consultation %+v", st.Status, st.Consultation)
	}
}

// The hand-back is taken only once the result is ready, and is checked.
func TestHandBackOnlyWhenCompleted(t *testing.T) {
	h := newHarness(t)
	early := h.update(time.Hour, workflows.UpdateHandBack, handIt)
	h.update(2*time.Hour, workflows.UpdateReview, approve)
	h.update(3*time.Hour, workflows.UpdateSign, signIt)
	bad := h.update(4*time.Hour, workflows.UpdateHandBack, motcua.HandBack{Method: "drone", ReceivedBy: "x", Actor: "clerk1"})
	post := h.update(5*time.Hour, workflows.UpdateHandBack, motcua.HandBack{Method: motcua.HandBackPost, ReceivedBy: "Hoàng Văn Nam", PostalTracking: "EB123456789VN", Actor: "clerk1"})
	st := h.run()
	if updateErrorType(early.rejected) != motcua.CodeInvalidState || updateErrorType(bad.rejected) != motcua.CodeInvalidRequest {
		t.Errorf("early %v, bad %v", early.rejected, bad.rejected)
	}
	if post.err != nil || st.Status != motcua.StatusReturned || st.HandedBack == nil || st.HandedBack.PostalTracking != "EB123456789VN" {
		t.Fatalf("post %+v; handed back %+v", post, st.HandedBack)
	}
}

// A dossier still in review the working day before its due date will be
// late: the apology letter is drafted with a new date, a leader signs it
// (beside the main flow, which goes on), and the citizen is told. The due
// date does not move: the dossier still counts late.
func TestApologyLetterForALateDossier(t *testing.T) {
	h := newHarness(t)
	// Due Monday 30/11 17:00; the reminder on Friday 27/11 08:00 finds the
	// dossier in review.
	early := h.update(time.Hour, workflows.UpdateSignApology, signIt)
	signed := h.update(2*24*time.Hour+2*time.Hour, workflows.UpdateSignApology, signIt)
	again := h.update(2*24*time.Hour+3*time.Hour, workflows.UpdateSignApology, signIt)
	h.update(6*24*time.Hour, workflows.UpdateReview, approve)
	h.update(6*24*time.Hour+time.Hour, workflows.UpdateSign, signIt)
	st := h.run()
	if updateErrorType(early.rejected) != motcua.CodeInvalidState || updateErrorType(again.rejected) != motcua.CodeInvalidState {
		t.Errorf("a signature with no letter waiting: %v, %v", early.rejected, again.rejected)
	}
	if signed.err != nil || signed.rejected != nil {
		t.Fatalf("signature: %+v", signed)
	}
	ap := st.Apology
	if ap == nil || ap.Letter == nil || ap.Letter.SHA256 != "apology-signed-by-chairman1" || ap.SignedBy != "chairman1" ||
		!ap.PromisedAt.Equal(dossier().DueAt) || !ap.NewDueAt.After(ap.PromisedAt) || !ap.DraftedAt.Equal(time.Date(2026, 11, 27, 8, 0, 0, 0, motcua.Vietnam)) {
		t.Fatalf("apology %+v", ap)
	}
	if !st.DueAt.Equal(dossier().DueAt) {
		t.Errorf("the due date moved to %s", st.DueAt)
	}
	if !slices.Contains(h.notified, "apology") {
		t.Errorf("notified %v: the citizen was not sent the letter", h.notified)
	}
	if got := outcomes(st); !slices.Contains(got, "review:apology_signed") || !slices.Contains(got, "notify:apology") {
		t.Errorf("steps %v", got)
	}
}
