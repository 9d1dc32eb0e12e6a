package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"google.golang.org/protobuf/proto"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/apiclient"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/portal"
	"github.com/motcua/motcua/internal/portal/portalsim"
	"github.com/motcua/motcua/signer"
	"github.com/motcua/motcua/signer/signertest"
	"github.com/motcua/motcua/wire"
)

func TestDossierFromIntakeToSignedResult(t *testing.T) {
	ext := fmt.Sprintf("BO-%d", time.Now().UnixNano())
	c := create(t, birthRequest(ext))
	if c.Status != motcua.StatusInReview || !motcua.ValidDossierID(c.DossierID) {
		t.Fatalf("created %+v", c)
	}
	if !strings.HasPrefix(c.DossierID, motcua.DefaultUnit.Code+"-"+c.ReceivedAt.In(motcua.Vietnam).Format("060102")+"-") {
		t.Errorf("code %s does not carry the unit and the receipt date %s", c.DossierID, c.ReceivedAt)
	}
	if want := (calendarDue(c.ReceivedAt, 1)); !c.DueAt.Equal(want) {
		t.Errorf("due %s, want %s", c.DueAt, want)
	}
	// The back office sends the same dossier again: the same dossier answers.
	again, err := as(motcua.RoleSystem).Create(context.Background(), application(t, birthRequest(ext)))
	if err != nil || !again.Existing {
		t.Fatalf("second intake of %s: %+v, %v; want the existing dossier (200)", ext, again, err)
	}
	if again.DossierID != c.DossierID {
		t.Fatalf("second intake of %s gave %s, want %s", ext, again.DossierID, c.DossierID)
	}

	receipt := must(t, http.StatusOK, motcua.RoleClerk, "GET", "/v1/dossiers/"+c.DossierID+"/receipt", nil, nil)
	text := pdfText(t, receipt)
	for _, want := range []string{"GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", c.DossierID, c.DueAt.In(motcua.Vietnam).Format("02/01/2006"), "Trần Thị Bích Ngọc"} {
		if !strings.Contains(text, want) {
			t.Errorf("receipt lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, sampleID) {
		t.Error("the receipt prints the full ID number")
	}

	var st motcua.State
	must(t, http.StatusOK, motcua.RoleSpecialist, "POST", "/v1/dossiers/"+c.DossierID+"/review",
		map[string]any{"decision": "approve", "comment": "Hồ sơ hợp lệ"}, &st)
	if st.Status != motcua.StatusAwaitingSignature {
		t.Fatalf("after approval: %s", st.Status)
	}
	draft := must(t, http.StatusOK, motcua.RoleChairman, "GET", "/v1/dossiers/"+c.DossierID+"/draft", nil, nil)
	if !bytes.HasPrefix(draft, []byte("%PDF-")) {
		t.Fatal("draft is not a PDF")
	}
	must(t, http.StatusNotFound, motcua.RoleClerk, "GET", "/v1/dossiers/"+c.DossierID+"/result", nil, nil)

	must(t, http.StatusOK, motcua.RoleChairman, "POST", "/v1/dossiers/"+c.DossierID+"/sign", map[string]any{"decision": "sign"}, &st)
	if st.Status != motcua.StatusAwaitingIssue || st.Result == nil || st.Result.SHA256 == "" {
		t.Fatalf("after signing: %+v", st)
	}
	st = waitFor(t, c.DossierID, "completed and synced", func(s motcua.State) bool {
		return s.Status == motcua.StatusCompleted && s.Portal.Pending == 0
	})
	if st.CompletedAt == nil || st.Result.ArchiveID == "" || st.Result.SignedBy != env.roleIDs[motcua.RoleChairman] {
		t.Errorf("completed state %+v, result %+v", st, st.Result)
	}
	if st.Applicant.IDNumberMasked != "*********234" {
		t.Errorf("masked id %q", st.Applicant.IDNumberMasked)
	}

	result := must(t, http.StatusOK, motcua.RoleClerk, "GET", "/v1/dossiers/"+c.DossierID+"/result", nil, nil)
	if got := sum(result); got != st.Result.SHA256 {
		t.Errorf("served result hashes to %s, the dossier says %s", got, st.Result.SHA256)
	}
	path := filepath.Join(t.TempDir(), "result.pdf")
	os.WriteFile(path, result, 0o600)
	signertest.Qpdf(t, path)
	report := signertest.Pdfsig(t, path)
	for _, want := range []string{"Signature is Valid", "Total document signed", "Nguyễn Văn Vĩnh"} {
		if !strings.Contains(report, want) {
			t.Errorf("pdfsig lacks %q:\n%s", want, report)
		}
	}
	resultText := pdfText(t, result)
	for _, want := range []string{"GIẤY KHAI SINH", c.DossierID, "Trần Minh Khôi", "CHỦ TỊCH", "Nguyễn Văn Vĩnh"} {
		if !strings.Contains(resultText, want) {
			t.Errorf("result lacks %q:\n%s", want, resultText)
		}
	}
	rep, err := signer.Verify(result, env.ca.Roots())
	if err != nil || rep.Err() != nil {
		t.Errorf("verify: %v %v", err, rep.Err())
	}
	// The archive finds the result by the citizen too.
	recs, err := env.store.ByCitizen(sampleID)
	if err != nil || !slices.ContainsFunc(recs, func(r archiveRecord) bool { return r.DossierID == c.DossierID && r.SHA256 == st.Result.SHA256 }) {
		t.Errorf("citizen index: %v %+v", err, recs)
	}

	// Notified once by email and once by SMS.
	mails := mailsTo(sampleEmail, c.DossierID)
	if len(mails) != 1 || !strings.Contains(mails[0], "đã có kết quả") && !strings.Contains(mails[0], "=?utf-8?") {
		t.Errorf("emails to the applicant: %d\n%v", len(mails), mails)
	}
	if n := smsTo(samplePhone, c.DossierID); n != 1 {
		t.Errorf("%d SMS to the applicant", n)
	}

	// The portal got every status, in order, dated in its format.
	var codes []string
	for _, r := range env.portal.Records(c.DossierID) {
		codes = append(codes, r.TrangThaiHoSo)
		if _, err := time.ParseInLocation(portal.DateLayout, r.NgayCapNhat, motcua.Vietnam); err != nil {
			t.Errorf("portal date %q: %v", r.NgayCapNhat, err)
		}
	}
	if want := []string{"1", "2", "4", "4", "4", "4", "9"}; !slices.Equal(codes, want) {
		t.Errorf("portal codes %v, want %v", codes, want)
	}
	if st.Portal.LastCode != 9 || st.Portal.SyncedAt == nil {
		t.Errorf("portal state %+v", st.Portal)
	}

	// The auditor reads who did what.
	var h struct {
		Events []struct {
			EventID int64  `json:"event_id"`
			Type    string `json:"type"`
			Actor   string `json:"actor"`
			Summary string `json:"summary"`
		} `json:"events"`
	}
	must(t, http.StatusOK, motcua.RoleAuditor, "GET", "/v1/dossiers/"+c.DossierID+"/history", nil, &h)
	var actors []string
	for i, e := range h.Events {
		if i > 0 && e.EventID <= h.Events[i-1].EventID {
			t.Errorf("events out of order at %d", e.EventID)
		}
		if strings.Contains(e.Summary, sampleID) || strings.Contains(e.Summary, samplePhone) {
			t.Errorf("history summary shows personal data: %s", e.Summary)
		}
		if e.Type == "WorkflowExecutionUpdateAccepted" {
			actors = append(actors, e.Actor+" "+e.Summary)
		}
	}
	joined := strings.Join(actors, "\n")
	for _, want := range []string{"specialist1 review: approve: Hồ sơ hợp lệ", "chairman1 signature decision: sign"} {
		if !strings.Contains(joined, want) {
			t.Errorf("history lacks %q:\n%s", want, joined)
		}
	}
	if h.Events[0].Type != "WorkflowExecutionStarted" || h.Events[0].Actor != env.roleIDs[motcua.RoleClerk] {
		t.Errorf("first event %+v", h.Events[0])
	}

	// The auditor downloads the offline bundle; it checks out with no server.
	zipped := must(t, http.StatusOK, motcua.RoleAuditor, "GET", "/v1/dossiers/"+c.DossierID+"/bundle", nil, nil)
	if chk := audit.CheckBundle(zipped, audit.Trust{Roots: env.ca.Roots()}); len(chk.Problems) > 0 || chk.DossierID != c.DossierID || chk.Files < 5 || chk.Trusted == "" {
		t.Errorf("bundle checked against the unit's root: %+v", chk)
	}
	// An auditor who trusts another CA, or pins another key, finds it
	// intact but untrusted: never a pass.
	stranger := signertest.CA(t)
	if chk := audit.CheckBundle(zipped, audit.Trust{Roots: stranger.Roots}); chk.Trusted != "" {
		t.Errorf("bundle checked against another root: %+v", chk)
	}
	if chk := audit.CheckBundle(zipped, audit.Trust{AuditKey: strings.Repeat("ab", 32)}); chk.Trusted != "" {
		t.Errorf("bundle checked against another pinned key: %+v", chk)
	}
	expectError(t, 403, motcua.CodeForbidden, motcua.RoleClerk, "GET", "/v1/dossiers/"+c.DossierID+"/bundle", nil)

	assertNoPersonalDataInTemporal(t, c.DossierID)
	record(t, c.DossierID, "approve-sign")                // recorded before deadline reminders
	record(t, c.DossierID, "approve-sign-with-reminders") // recorded after them (GetVersion 1)
	record(t, c.DossierID, "approve-sign-portal-batches") // recorded after portal updates were pushed together
	record(t, c.DossierID, "approve-sign-local-receipt")  // recorded after the receipt became a local activity
	record(t, c.DossierID, "approve-sign-procedure")      // recorded since the dossier carries its procedure
}

// assertNoPersonalDataInTemporal reads the history as Temporal stores it
// (protobuf, payloads as raw bytes, no codec) and the search attributes, and
// looks for the applicant's data.
func assertNoPersonalDataInTemporal(t *testing.T, id string) {
	t.Helper()
	it := env.raw.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var stored []byte
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		b, err := proto.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, b...)
	}
	desc, err := env.raw.DescribeWorkflowExecution(context.Background(), id, "")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := proto.Marshal(desc)
	stored = append(stored, b...)
	for _, must := range []string{id, "binary/encrypted", "MotcuaStatus"} {
		if !bytes.Contains(stored, []byte(must)) {
			t.Fatalf("the stored history lacks %q: the check looks at the wrong bytes", must)
		}
	}
	for _, pii := range []string{sampleID, samplePhone, sampleEmail, sampleAddress, "Trần Thị Bích Ngọc"} {
		if bytes.Contains(stored, []byte(pii)) {
			t.Errorf("Temporal stores %q in clear", pii)
		}
	}
}

func TestSupplementRoundReturnAndViceChairman(t *testing.T) {
	c := create(t, maritalRequest())
	id := c.DossierID
	var st motcua.State
	must(t, http.StatusOK, motcua.RoleSpecialist, "POST", "/v1/dossiers/"+id+"/review",
		map[string]any{"decision": "request_supplement", "comment": "Tờ khai thiếu chữ ký", "missing_documents": []string{"TK_XNHN"}}, &st)
	if st.Status != motcua.StatusSupplementRequested || !slices.Equal(st.MissingDocuments, []string{"TK_XNHN"}) {
		t.Fatalf("after the request: %+v", st)
	}
	must(t, http.StatusOK, motcua.RoleClerk, "POST", "/v1/dossiers/"+id+"/supplement",
		map[string]any{"documents": []wire.Document{doc("TK_XNHN")}}, &st)
	if st.Status != motcua.StatusInReview {
		t.Fatalf("after the supplement: %s", st.Status)
	}
	must(t, http.StatusOK, motcua.RoleSpecialist, "POST", "/v1/dossiers/"+id+"/review", map[string]any{"decision": "approve"}, &st)
	must(t, http.StatusOK, motcua.RoleChairman, "POST", "/v1/dossiers/"+id+"/sign",
		map[string]any{"decision": "return", "comment": "Ghi rõ mục đích sử dụng"}, &st)
	if st.Status != motcua.StatusInReview {
		t.Fatalf("after return: %s", st.Status)
	}
	must(t, http.StatusOK, motcua.RoleSpecialist, "POST", "/v1/dossiers/"+id+"/review", map[string]any{"decision": "approve"}, &st)
	must(t, http.StatusOK, motcua.RoleViceChairman, "POST", "/v1/dossiers/"+id+"/sign", map[string]any{"decision": "sign"}, &st)
	st = waitFor(t, id, "completed", func(s motcua.State) bool { return s.Status == motcua.StatusCompleted })
	result := must(t, http.StatusOK, motcua.RoleClerk, "GET", "/v1/dossiers/"+id+"/result", nil, nil)
	text := pdfText(t, result)
	for _, want := range []string{"KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Phạm Thị Hương", "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN"} {
		if !strings.Contains(text, want) {
			t.Errorf("result lacks %q:\n%s", want, text)
		}
	}
	path := filepath.Join(t.TempDir(), "r.pdf")
	os.WriteFile(path, result, 0o600)
	if rep := signertest.Pdfsig(t, path); !strings.Contains(rep, "Phạm Thị Hương") || !strings.Contains(rep, "Signature is Valid") {
		t.Errorf("pdfsig:\n%s", rep)
	}
	var outcomes []string
	for _, s := range st.Steps {
		outcomes = append(outcomes, string(s.Stage)+":"+s.Outcome)
	}
	want := []string{"intake:received", "review:supplement_requested", "notify:supplement_requested", "supplement:documents_added",
		"review:approved", "signature:returned", "review:approved", "signature:signed", "issue:issued", "archive:archived", "notify:completed"}
	if !slices.Equal(outcomes, want) {
		t.Errorf("steps %v\nwant  %v", outcomes, want)
	}
	if st.DueAt.Before(c.DueAt) {
		t.Errorf("due date moved back: %s -> %s", c.DueAt, st.DueAt)
	}
	record(t, id, "supplement-return-vice-sign")
}

func TestRejectAndWithdraw(t *testing.T) {
	rej := create(t, maritalRequest())
	var st motcua.State
	must(t, http.StatusOK, motcua.RoleSpecialist, "POST", "/v1/dossiers/"+rej.DossierID+"/review",
		map[string]any{"decision": "reject", "comment": "Không thuộc thẩm quyền"}, &st)
	if st.Status != motcua.StatusRejected {
		t.Fatalf("after reject: %s", st.Status)
	}
	must(t, http.StatusConflict, motcua.RoleClerk, "POST", "/v1/dossiers/"+rej.DossierID+"/withdraw", map[string]any{}, nil)
	waitFor(t, rej.DossierID, "synced", func(s motcua.State) bool { return s.Portal.Pending == 0 })
	record(t, rej.DossierID, "reject")

	wd := create(t, maritalRequest())
	must(t, http.StatusOK, motcua.RoleSystem, "POST", "/v1/dossiers/"+wd.DossierID+"/withdraw", map[string]any{"comment": "Công dân xin rút"}, &st)
	if st.Status != motcua.StatusWithdrawn || st.CompletedAt == nil {
		t.Fatalf("after withdraw: %+v", st)
	}
	waitFor(t, wd.DossierID, "synced", func(s motcua.State) bool { return s.Portal.Pending == 0 })
	codes := []string{}
	for _, r := range env.portal.Records(wd.DossierID) {
		codes = append(codes, r.TrangThaiHoSo)
	}
	if want := []string{"1", "2", "4", "7"}; !slices.Equal(codes, want) {
		t.Errorf("portal codes %v, want %v", codes, want)
	}
	record(t, wd.DossierID, "withdraw")
}

func TestPortalOutageDoesNotHoldTheDossier(t *testing.T) {
	c := create(t, maritalRequest())
	// The portal goes down: the dossier still goes through review and
	// signature, and the portal gets every status, in order, once it is back.
	env.portal.SetFaults(portalsim.Faults{FailRate: 1, Timeout: 10 * time.Millisecond})
	defer env.portal.SetFaults(portalsim.Faults{})
	var st motcua.State
	must(t, http.StatusOK, motcua.RoleSpecialist, "POST", "/v1/dossiers/"+c.DossierID+"/review", map[string]any{"decision": "approve"}, &st)
	must(t, http.StatusOK, motcua.RoleChairman, "POST", "/v1/dossiers/"+c.DossierID+"/sign", map[string]any{"decision": "sign"}, &st)
	st = waitFor(t, c.DossierID, "completed", func(s motcua.State) bool { return s.Status == motcua.StatusCompleted })
	if st.Portal.Pending == 0 {
		t.Fatalf("the portal was down, yet nothing is pending: %+v", st.Portal)
	}
	env.portal.SetFaults(portalsim.Faults{})
	st = waitFor(t, c.DossierID, "synced", func(s motcua.State) bool { return s.Portal.Pending == 0 })
	var codes []string
	for _, r := range env.portal.Records(c.DossierID) {
		codes = append(codes, r.TrangThaiHoSo)
	}
	if want := []string{"1", "2", "4", "4", "4", "4", "9"}; !slices.Equal(codes, want) {
		t.Errorf("portal codes %v, want %v", codes, want)
	}
	record(t, c.DossierID, "portal-outage")
	record(t, c.DossierID, "portal-outage-batches")
	record(t, c.DossierID, "portal-outage-lean") // since lean-history: the publications fall back to the retried pushes
}

func TestListingByStatusAndProcedure(t *testing.T) {
	c := create(t, maritalRequest())
	deadline := time.Now().Add(30 * time.Second)
	for {
		var l struct {
			Dossiers []struct {
				DossierID     string        `json:"dossier_id"`
				ProcedureCode string        `json:"procedure_code"`
				Applicant     string        `json:"applicant"`
				Status        motcua.Status `json:"status"`
				ReceivedAt    *time.Time    `json:"received_at"`
				DueAt         *time.Time    `json:"due_at"`
			} `json:"dossiers"`
			NextPageToken string `json:"next_page_token"`
		}
		must(t, http.StatusOK, motcua.RoleClerk, "GET", "/v1/dossiers?status=in_review&procedure_code=1.004227&page_size=500", nil, &l)
		for _, d := range l.Dossiers {
			if d.Status != motcua.StatusInReview || d.ProcedureCode != "1.004227" {
				t.Fatalf("filter let through %+v", d)
			}
			if d.DossierID == c.DossierID {
				if d.ReceivedAt == nil || !d.DueAt.Equal(c.DueAt) || d.Applicant != maritalRequest().Applicant.FullName {
					t.Errorf("listed %+v", d)
				}
				// The name travels in the memo, sealed: Temporal holds
				// it in no form it can read.
				desc, err := env.raw.DescribeWorkflowExecution(context.Background(), c.DossierID, "")
				if err != nil {
					t.Fatal(err)
				}
				for name, p := range desc.GetWorkflowExecutionInfo().GetMemo().GetFields() {
					if bytes.Contains(p.GetData(), []byte(d.Applicant)) || string(p.GetMetadata()["encoding"]) == "json/plain" {
						t.Errorf("memo %s is stored in clear: %s", name, p)
					}
				}
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never listed", c.DossierID)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestConcurrentIntakesGetDistinctSequentialCodes(t *testing.T) {
	const n = 12
	var mu sync.Mutex
	var codes []string
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var c apiclient.Created
			status, raw := call(t, motcua.RoleSystem, "POST", "/v1/dossiers", maritalRequest(), &c)
			if status != http.StatusCreated {
				t.Errorf("status %d: %s", status, raw)
				return
			}
			mu.Lock()
			codes = append(codes, c.DossierID)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(codes)
	if len(slices.Compact(slices.Clone(codes))) != n {
		t.Fatalf("codes repeat: %v", codes)
	}
	first, last := seqOf(codes[0]), seqOf(codes[n-1])
	if last-first != n-1 {
		t.Errorf("codes are not consecutive: %v", codes)
	}
}

func seqOf(code string) int {
	var n int
	fmt.Sscanf(code[strings.LastIndexByte(code, '-')+1:], "%d", &n)
	return n
}

func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(signertest.Tool(t, "pdftotext"), "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}
