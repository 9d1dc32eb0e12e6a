package api_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/archive"
	"github.com/motcua/motcua/internal/paygate"
	"github.com/motcua/motcua/wire"
)

func outcomesOf(st motcua.State) []string {
	var out []string
	for _, s := range st.Steps {
		out = append(out, string(s.Stage)+":"+s.Outcome)
	}
	return out
}

// A dossier is finished for the portal only when its result is handed
// back: completed waits for the clerk, who records how and to whom; the
// portal hears 9 then 10.
func TestHandBackEndsTheDossier(t *testing.T) {
	c := create(t, maritalRequest())
	id := c.DossierID
	var st motcua.State
	must(t, http.StatusConflict, motcua.RoleClerk, "POST", "/v1/dossiers/"+id+"/hand-back",
		map[string]any{"method": "counter", "received_by": "Hoàng Văn Nam"}, nil)
	must(t, http.StatusOK, motcua.RoleSpecialist, "POST", "/v1/dossiers/"+id+"/review", map[string]any{"decision": "approve"}, &st)
	must(t, http.StatusOK, motcua.RoleChairman, "POST", "/v1/dossiers/"+id+"/sign", map[string]any{"decision": "sign"}, &st)
	st = waitFor(t, id, "completed", func(s motcua.State) bool { return s.Status == motcua.StatusCompleted })
	for _, bad := range []map[string]any{
		{"method": "drone", "received_by": "Hoàng Văn Nam"},
		{"method": "post", "received_by": "Hoàng Văn Nam"},
		{"method": "counter"},
		{"method": "counter", "received_by": "Hoàng Văn Nam", "extra": 1},
	} {
		must(t, http.StatusBadRequest, motcua.RoleClerk, "POST", "/v1/dossiers/"+id+"/hand-back", bad, nil)
	}
	for _, role := range []motcua.Role{motcua.RoleSpecialist, motcua.RoleChairman, motcua.RoleSystem, motcua.RoleAuditor} {
		must(t, http.StatusForbidden, role, "POST", "/v1/dossiers/"+id+"/hand-back",
			map[string]any{"method": "counter", "received_by": "Hoàng Văn Nam"}, nil)
	}
	if get(t, id).Status != motcua.StatusCompleted {
		t.Fatal("a refused hand-back changed the dossier")
	}
	must(t, http.StatusOK, motcua.RoleClerk, "POST", "/v1/dossiers/"+id+"/hand-back",
		map[string]any{"method": "post", "received_by": "Hoàng Văn Nam", "postal_tracking": "EB123456789VN"}, &st)
	if st.Status != motcua.StatusReturned || st.HandedBack == nil || st.HandedBack.By != env.roleIDs[motcua.RoleClerk] || st.HandedBack.PostalTracking != "EB123456789VN" {
		t.Fatalf("after the hand-back: %s %+v", st.Status, st.HandedBack)
	}
	must(t, http.StatusConflict, motcua.RoleClerk, "POST", "/v1/dossiers/"+id+"/hand-back",
		map[string]any{"method": "counter", "received_by": "Hoàng Văn Nam"}, nil)
	st = waitFor(t, id, "synced", func(s motcua.State) bool { return s.Portal.Pending == 0 })
	if st.Portal.LastCode != motcua.PortalHandedBack {
		t.Errorf("portal last code %d, want 10", st.Portal.LastCode)
	}
	if codes := portalCodes(id); !slices.Equal(codes[len(codes)-2:], []int{9, 10}) {
		t.Errorf("portal codes %v, want them to end 9, 10", codes)
	}
	if st.ProcedureVersion == "" {
		t.Error("the dossier does not say which catalog version it was taken in with")
	}
	record(t, id, "approve-sign-hand-back")
	record(t, id, "approve-sign-local-facts") // since the facts are recorded by a local activity
	record(t, id, "approve-sign-lean")        // since lean-history: issued automatically, handed back

	// A dossier whose workflow ended at completed (taken in before
	// hand-backs were recorded; here one ended by an operator) refuses
	// the hand-back as a state, not as a missing dossier.
	old := create(t, maritalRequest()).DossierID
	must(t, http.StatusOK, motcua.RoleSpecialist, "POST", "/v1/dossiers/"+old+"/review", map[string]any{"decision": "approve"}, nil)
	must(t, http.StatusOK, motcua.RoleChairman, "POST", "/v1/dossiers/"+old+"/sign", map[string]any{"decision": "sign"}, nil)
	waitFor(t, old, "completed", func(s motcua.State) bool { return s.Status == motcua.StatusCompleted })
	if err := env.tc.TerminateWorkflow(context.Background(), old, "", "ended before hand-backs"); err != nil {
		t.Fatal(err)
	}
	must(t, http.StatusConflict, motcua.RoleClerk, "POST", "/v1/dossiers/"+old+"/hand-back",
		map[string]any{"method": "counter", "received_by": "Hoàng Văn Nam"}, nil)
}

// Certification of copies: a same-day procedure with a fee per copy. The
// due time is in working hours; the dossier waits for the payment gateway
// (system role), which must pay the exact fee; review, signature and
// hand-back follow.
func TestSameDayProcedureWithAFee(t *testing.T) {
	req := wire.IntakeRequest{
		ProcedureCode: "2.000815", Channel: motcua.ChannelOnline,
		Applicant: motcua.Applicant{FullName: "Đặng Thu Thảo", IDNumber: "001300000001", Email: "thao@example.vn"},
		Fields:    map[string]string{"document_title": "Bằng tốt nghiệp THPT", "copies": "3"},
		Documents: []wire.Document{doc("BAN_CHINH")},
	}
	c := create(t, req)
	id := c.DossierID
	st := get(t, id)
	if st.Status != motcua.StatusAwaitingPayment || st.Fee == nil || st.Fee.AmountVND != 6000 || st.Fee.Paid {
		t.Fatalf("after intake: %s, fee %+v", st.Status, st.Fee)
	}
	if want := calendarDueHours(st.ReceivedAt, 2); !st.DueAt.Equal(want) {
		t.Errorf("due %s, want %s (2 working hours)", st.DueAt, want)
	}
	pay := func(amount int) map[string]any {
		return map[string]any{"transaction_id": "VNPAY-" + id, "amount_vnd": amount, "method": "online", "paid_at": time.Now().Format(time.RFC3339)}
	}
	must(t, http.StatusConflict, motcua.RoleSpecialist, "POST", "/v1/dossiers/"+id+"/review", map[string]any{"decision": "approve"}, nil)
	must(t, http.StatusForbidden, motcua.RoleClerk, "POST", "/v1/dossiers/"+id+"/payment", pay(6000), nil)
	must(t, http.StatusBadRequest, motcua.RoleSystem, "POST", "/v1/dossiers/"+id+"/payment", pay(2000), nil)
	must(t, http.StatusBadRequest, motcua.RoleSystem, "POST", "/v1/dossiers/"+id+"/payment", map[string]any{"amount_vnd": 6000}, nil)
	must(t, http.StatusOK, motcua.RoleSystem, "POST", "/v1/dossiers/"+id+"/payment", pay(6000), &st)
	if st.Status != motcua.StatusInReview || !st.Fee.Paid || st.Fee.TransactionID != "VNPAY-"+id {
		t.Fatalf("after the payment: %s %+v", st.Status, st.Fee)
	}
	must(t, http.StatusConflict, motcua.RoleSystem, "POST", "/v1/dossiers/"+id+"/payment", pay(6000), nil)
	must(t, http.StatusOK, motcua.RoleSpecialist, "POST", "/v1/dossiers/"+id+"/review", map[string]any{"decision": "approve"}, &st)
	must(t, http.StatusOK, motcua.RoleChairman, "POST", "/v1/dossiers/"+id+"/sign", map[string]any{"decision": "sign"}, &st)
	waitFor(t, id, "completed", func(s motcua.State) bool { return s.Status == motcua.StatusCompleted })
	must(t, http.StatusOK, motcua.RoleClerk, "POST", "/v1/dossiers/"+id+"/hand-back", map[string]any{"method": "counter", "received_by": "Đặng Thu Thảo"}, &st)
	want := []string{"intake:received", "payment:paid", "review:approved", "signature:signed", "issue:issued", "archive:archived", "notify:completed", "hand_back:handed_back"}
	if got := outcomesOf(st); !slices.Equal(got, want) {
		t.Errorf("steps %v\nwant  %v", got, want)
	}
	waitFor(t, id, "synced", func(s motcua.State) bool { return s.Portal.Pending == 0 })
	record(t, id, "payment-same-day")
}

// Acknowledging a parent asks the commune police: the dossier waits in
// in_consultation for the answer from the agency's system (with its
// letter); agreed goes on to the signature.
func TestConsultationThroughTheAPI(t *testing.T) {
	req := wire.IntakeRequest{
		ProcedureCode: "1.000689", Channel: motcua.ChannelCounter,
		Applicant: motcua.Applicant{FullName: "Hoàng Văn Nam", IDNumber: "001099012345"},
		Fields:    map[string]string{"parent_name": "Hoàng Văn Nam", "child_name": "Hoàng Minh An", "relationship": "cha"},
		Documents: []wire.Document{doc("TK_NCMC"), doc("CHUNG_CU")},
	}
	id := create(t, req).DossierID
	var st motcua.State
	must(t, http.StatusOK, motcua.RoleSpecialist, "POST", "/v1/dossiers/"+id+"/review", map[string]any{"decision": "approve"}, &st)
	if st.Status != motcua.StatusInConsultation || st.Consultation == nil || st.Consultation.Agency == "" || !st.Consultation.DueAt.After(st.Consultation.AskedAt) {
		t.Fatalf("after the approval: %s %+v", st.Status, st.Consultation)
	}
	must(t, http.StatusConflict, motcua.RoleChairman, "POST", "/v1/dossiers/"+id+"/sign", map[string]any{"decision": "sign"}, nil)
	must(t, http.StatusBadRequest, motcua.RoleSystem, "POST", "/v1/dossiers/"+id+"/consultation", map[string]any{"outcome": "refused"}, nil)
	must(t, http.StatusBadRequest, motcua.RoleSystem, "POST", "/v1/dossiers/"+id+"/consultation",
		map[string]any{"outcome": "agreed", "document": map[string]any{"code": "X", "content_type": "text/html", "content_base64": "PGI+"}}, nil)
	must(t, http.StatusForbidden, motcua.RoleSpecialist, "POST", "/v1/dossiers/"+id+"/consultation", map[string]any{"outcome": "agreed"}, nil)
	letter := doc("VAN_BAN_PHOI_HOP")
	must(t, http.StatusOK, motcua.RoleSystem, "POST", "/v1/dossiers/"+id+"/consultation",
		map[string]any{"outcome": "agreed", "comment": "Thông tin cư trú khớp", "document": letter}, &st)
	if st.Status != motcua.StatusAwaitingSignature || st.Consultation.Outcome != "agreed" || st.Consultation.Answer == nil || st.Draft == nil {
		t.Fatalf("after the answer: %s %+v draft %v", st.Status, st.Consultation, st.Draft)
	}
	if b := must(t, http.StatusOK, motcua.RoleClerk, "GET", "/v1/dossiers/"+id, nil, nil); len(b) == 0 {
		t.Fatal("empty dossier")
	}
	must(t, http.StatusOK, motcua.RoleChairman, "POST", "/v1/dossiers/"+id+"/sign", map[string]any{"decision": "sign"}, &st)
	waitFor(t, id, "completed", func(s motcua.State) bool { return s.Status == motcua.StatusCompleted })
	must(t, http.StatusOK, motcua.RoleClerk, "POST", "/v1/dossiers/"+id+"/hand-back", map[string]any{"method": "counter", "received_by": "Hoàng Văn Nam"}, &st)
	want := []string{"intake:received", "review:approved", "consultation:asked", "consultation:agreed", "signature:signed", "issue:issued", "archive:archived", "notify:completed", "hand_back:handed_back"}
	if got := outcomesOf(st); !slices.Equal(got, want) {
		t.Errorf("steps %v\nwant  %v", got, want)
	}
	waitFor(t, id, "synced", func(s motcua.State) bool { return s.Portal.Pending == 0 })
	record(t, id, "consultation-agreed")
}

// The catalog with its version.
func TestProceduresShowTheirVersion(t *testing.T) {
	var out struct {
		Version    string             `json:"version"`
		Procedures []motcua.Procedure `json:"procedures"`
	}
	must(t, http.StatusOK, motcua.RoleAuditor, "GET", "/v1/procedures", nil, &out)
	if out.Version == "" || len(out.Procedures) < 12 {
		t.Fatalf("version %q, %d procedures", out.Version, len(out.Procedures))
	}
	for _, p := range out.Procedures {
		if p.Version != out.Version || len(p.Steps) == 0 {
			t.Errorf("%s: version %q, steps %v", p.Code, p.Version, p.Steps)
		}
	}
}

// The payment gateway simulator takes the citizen's payment on its page
// and confirms it to the API as the system role; a payment motcua refuses
// (the wrong amount) is recorded as refused, the dossier unchanged.
func TestPaymentGatewaySimulator(t *testing.T) {
	dir := t.TempDir()
	g := &paygate.Gateway{API: as(motcua.RoleSystem), Dir: dir, Retry: 100 * time.Millisecond}
	srv := httptest.NewServer(g.Handler())
	defer srv.Close()
	req := wire.IntakeRequest{
		ProcedureCode: "2.000884", Channel: motcua.ChannelOnline,
		Applicant: motcua.Applicant{FullName: "Đặng Thu Thảo", IDNumber: "001300000002"},
		Fields:    map[string]string{"document_title": "Giấy ủy quyền"},
		Documents: []wire.Document{doc("VAN_BAN")},
	}
	wrong := create(t, req).DossierID
	right := create(t, req).DossierID
	for id, amount := range map[string]string{wrong: "5000", right: "10000"} {
		resp, err := http.PostForm(srv.URL+"/pay", url.Values{"dossier_id": {id}, "amount_vnd": {amount}, "method": {"online"}})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "Đã thanh toán") {
			t.Fatalf("pay %s: %d %s", id, resp.StatusCode, body)
		}
	}
	st := waitFor(t, right, "paid", func(s motcua.State) bool { return s.Status == motcua.StatusInReview })
	if st.Fee == nil || !st.Fee.Paid || !strings.HasPrefix(st.Fee.TransactionID, "GW-") || st.Fee.Method != "online" {
		t.Errorf("fee %+v", st.Fee)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		answers := map[string]string{}
		for _, tx := range g.Transactions() {
			answers[tx.DossierID] = tx.Answer
		}
		if answers[right] == "taken" && strings.HasPrefix(answers[wrong], "refused") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("answers %v", answers)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if get(t, wrong).Status != motcua.StatusAwaitingPayment {
		t.Error("a refused payment changed the dossier")
	}
	// The transactions are kept: a gateway started again knows them.
	again := &paygate.Gateway{API: as(motcua.RoleSystem), Dir: dir}
	if err := again.Resume(context.Background()); err != nil || len(again.Transactions()) != 2 {
		t.Errorf("resumed with %d transactions: %v", len(again.Transactions()), err)
	}
}

// The archive refuses a signed result (another result is filed under the
// dossier): the dossier stays signed and waits. Only the operator, with
// the system's token, may have it tried again, saying what was done, and
// only once the archive has refused: before that, or with nothing said,
// the retry is refused and changes nothing. After the operator removed
// the wrong record, the retry files the result; the retry is a step of
// the dossier, with the operator and the comment.
func TestAnOperatorRetriesAnArchiveThatRefusedTheResult(t *testing.T) {
	req := maritalRequest()
	id := create(t, req).DossierID
	retry := map[string]any{"comment": "Đã gỡ bản ghi sai của hồ sơ trong kho lưu trữ"}
	must(t, http.StatusConflict, motcua.RoleSystem, "POST", "/v1/dossiers/"+id+"/archive-retry", retry, nil)
	wrong, err := env.store.Archive([]byte("%PDF-1.4\n% not this dossier's result\n%%EOF\n"), archive.Record{DossierID: id}, req.Applicant.IDNumber)
	if err != nil {
		t.Fatal(err)
	}
	must(t, http.StatusOK, motcua.RoleSpecialist, "POST", "/v1/dossiers/"+id+"/review", map[string]any{"decision": "approve"}, nil)
	must(t, http.StatusOK, motcua.RoleChairman, "POST", "/v1/dossiers/"+id+"/sign", map[string]any{"decision": "sign"}, nil)
	st := waitFor(t, id, "the archive's refusal", func(s motcua.State) bool {
		return slices.ContainsFunc(s.Steps, func(x motcua.Step) bool { return x.Stage == motcua.StageArchive && x.Outcome == "failed" })
	})
	if st.Status != motcua.StatusSigned || st.Result == nil || st.Result.ArchiveID != "" {
		t.Fatalf("after the refusal: %s %+v", st.Status, st.Result)
	}
	for _, role := range []motcua.Role{motcua.RoleClerk, motcua.RoleSpecialist, motcua.RoleChairman, motcua.RoleAuditor} {
		must(t, http.StatusForbidden, role, "POST", "/v1/dossiers/"+id+"/archive-retry", retry, nil)
	}
	must(t, http.StatusBadRequest, motcua.RoleSystem, "POST", "/v1/dossiers/"+id+"/archive-retry", map[string]any{"comment": " "}, nil)
	if after := get(t, id); after.Revision != st.Revision || len(after.Steps) != len(st.Steps) {
		t.Fatal("a refused retry changed the dossier")
	}
	// The operator's fix: the wrong record out of the archive's indexes.
	for _, name := range []string{"dossiers/" + id + ".json", "citizens/" + wrong.Citizen + "/" + id + ".json"} {
		if err := os.Remove(filepath.Join(env.dir, "archive", name)); err != nil {
			t.Fatal(err)
		}
	}
	must(t, http.StatusOK, motcua.RoleSystem, "POST", "/v1/dossiers/"+id+"/archive-retry", retry, nil)
	st = waitFor(t, id, "archived", func(s motcua.State) bool { return s.Result != nil && s.Result.ArchiveID != "" })
	i := slices.IndexFunc(st.Steps, func(x motcua.Step) bool { return x.Outcome == "archive_retried" })
	if i < 0 || st.Steps[i].Actor != env.roleIDs[motcua.RoleSystem] || st.Steps[i].Comment != retry["comment"] {
		t.Fatalf("the retry's step: %+v", st.Steps)
	}
	if rec, err := env.store.Lookup(id); err != nil || rec.SHA256 != st.Result.SHA256 {
		t.Errorf("the archive holds %+v (%v), want the signed result %s", rec, err, st.Result.SHA256)
	}
}
