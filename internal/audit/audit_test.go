package audit_test

import (
	"bytes"
	"strings"
	"testing"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/archive"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/codec"
	"github.com/motcua/motcua/workflows"
)

// The recorded approve-and-sign history reads as an auditor expects.
func TestEventsAndTimelineFromARecordedHistory(t *testing.T) {
	dc, h := recorded(t, "approve-sign")
	events := audit.Events(dc, h)
	var lines []string
	for _, e := range events {
		lines = append(lines, e.Actor+" | "+e.Summary)
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{"clerk1 | dossier", "specialist1 | review: approve: Hồ sơ hợp lệ", "chairman1 | signature decision: sign by Nguyễn Văn Vĩnh", "SignResult completed", "status: completed"} {
		if !strings.Contains(all, want) {
			t.Errorf("events lack %q:\n%s", want, all)
		}
	}
	sum, err := audit.SignedHash(dc, h)
	if err != nil || len(sum) != 64 {
		t.Errorf("signed hash %q %v", sum, err)
	}
	var vi bytes.Buffer
	audit.WriteTimeline(&vi, dc, h, "vi")
	for _, want := range []string{"thẩm định: chấp thuận", "Ký số kết quả", "hệ thống", "Đồng bộ Cổng DVC quốc gia"} {
		if !strings.Contains(vi.String(), want) {
			t.Errorf("Vietnamese timeline lacks %q:\n%s", want, vi.String())
		}
	}
	// Read without the key, the history gives no decisions away.
	other, _ := codec.LoadOrCreateKey(t.TempDir() + "/k")
	odc, _ := codec.DataConverter(other)
	for _, e := range audit.Events(odc, h) {
		if strings.Contains(e.Summary, "Hồ sơ hợp lệ") {
			t.Error("another key read the review comment")
		}
	}
}

// A history names every file its dossier put in the archive, and the
// archive's files that no history names are orphans.
func TestReferencedAndOrphans(t *testing.T) {
	dc, h := recorded(t, "approve-sign")
	f, err := audit.Referenced(dc, h)
	if err != nil {
		t.Fatal(err)
	}
	signed, _ := audit.SignedHash(dc, h)
	receipt, _ := audit.ReceiptHash(dc, h)
	if f.Archived != signed || !f.Blobs[signed] || !f.Blobs[receipt] || len(f.Blobs) < 4 {
		t.Errorf("referenced %+v; want the receipt, the uploaded document, the draft and the signed result %s archived", f, signed[:8])
	}

	_, h2 := recorded(t, "supplement-return-vice-sign")
	f2, err := audit.Referenced(dc, h2)
	if err != nil {
		t.Fatal(err)
	}
	if len(f2.Blobs) < 4 || !f2.Blobs[f2.Archived] { // documents, receipt, drafts (same day, same bytes), signed
		t.Errorf("a supplement round and a return name %d files, archived %q: %v", len(f2.Blobs), f2.Archived, f2.Blobs)
	}

	store, err := archive.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	stray, _ := store.Put([]byte("a file nobody took in"))
	store.SetRef("signature/X/1", stray)
	store.Archive([]byte("a result of an unknown dossier"), archive.Record{DossierID: "X"}, "001099012345")
	got, err := audit.Orphans(dc, map[string]*historypb.History{"A": h}, store)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Errorf("orphans %q; want the stray blob, the unknown result, its record and the reference", got)
	}
}

// Portal requests that carry several updates read as portal syncs too.
func TestTimelineNamesBatchedPortalPushes(t *testing.T) {
	dc, h := recorded(t, "portal-outage-batches")
	var vi bytes.Buffer
	audit.WriteTimeline(&vi, dc, h, "vi")
	if !strings.Contains(vi.String(), "Đồng bộ Cổng DVC quốc gia") || strings.Contains(vi.String(), "PushPortal") {
		t.Errorf("portal pushes in the timeline:\n%s", vi.String())
	}
}

// A history whose receipt was a local activity gives auditors
// the same answers: the receipt's hash, every file, the timeline.
func TestLocalActivitiesInTheAuditTrail(t *testing.T) {
	dc, h := recorded(t, "approve-sign-local-receipt")
	receipt, err := audit.ReceiptHash(dc, h)
	if err != nil {
		t.Fatal(err)
	}
	f, err := audit.Referenced(dc, h)
	if err != nil || !f.Blobs[receipt] || len(f.Blobs) < 4 || f.Archived == "" {
		t.Errorf("referenced %+v %v; want the receipt, document, draft and signed result", f, err)
	}
	var vi bytes.Buffer
	audit.WriteTimeline(&vi, dc, h, "vi")
	for _, want := range []string{"Cấp giấy tiếp nhận (mẫu 01) hoàn thành, lần thử 1", "Lập dự thảo kết quả hoàn thành"} {
		if !strings.Contains(vi.String(), want) {
			t.Errorf("timeline lacks %q:\n%s", want, vi.String())
		}
	}
}

// recorded reads a history the end-to-end tests recorded, with the data
// converter of its payload key.
func recorded(t *testing.T, name string) (converter.DataConverter, *historypb.History) {
	t.Helper()
	key, err := codec.LoadOrCreateKey("../../workflows/testdata/payload.key")
	if err != nil {
		t.Fatal(err)
	}
	dc, _ := codec.DataConverter(key)
	h, err := audit.ReadFile("../../workflows/testdata/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	return dc, h
}

// The read model's facts come back from a history whichever way the
// workflow sent them: as an activity's input (before "facts-local") or as
// a local activity's result; the newest copy wins, and it is the dossier's
// end (returned, on time, signed).
func TestFactsOfBothWaysOfSendingThem(t *testing.T) {
	for _, name := range []string{"approve-sign-hand-back", "approve-sign-local-facts"} {
		dc, h := recorded(t, name)
		f, ok, err := audit.FactsOf(dc, h)
		if err != nil || !ok {
			t.Fatalf("%s: %v %v", name, ok, err)
		}
		if f.Status != motcua.StatusReturned || !f.SignedDigitally || f.ReturnedAt == nil || f.Seq < 5 {
			t.Errorf("%s: facts %+v", name, f)
		}
	}
}

// A change some open dossier still runs the old side of must stay.
func TestWriteVersionsSaysWhichMustStay(t *testing.T) {
	var b strings.Builder
	audit.WriteVersions(&b, []audit.VersionUse{
		{Change: workflows.Changes[0], Open: 5, New: 3},
		{Change: workflows.Changes[1], Open: 5, New: 5},
	})
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "must stay") || !strings.Contains(lines[1], " 2 ") || !strings.Contains(lines[2], "may go") {
		t.Errorf("the table:\n%s", b.String())
	}
}

// An issued result is the office's file: the hash the auditor checks the
// archive against is the one the issue recorded, and the timeline names the
// records officer's decisions and the issue in the office's words.
func TestTheIssuedResultIsTheOneTheHistoryVouchesFor(t *testing.T) {
	dc, h := recorded(t, "approve-sign-issue")
	issued, err := audit.SignedHash(dc, h)
	if err != nil {
		t.Fatal(err)
	}
	f, err := audit.Referenced(dc, h)
	if err != nil {
		t.Fatal(err)
	}
	if f.Archived != issued || !f.Blobs[issued] {
		t.Errorf("archived %s, issued %s: the archive must hold the issued file", f.Archived, issued)
	}
	var vi bytes.Buffer
	audit.WriteTimeline(&vi, dc, h, "vi")
	for _, want := range []string{"trả lại lãnh đạo ký lại, văn thư Hoàng Thị Lan (Văn thư): Sai ngày sinh",
		"quyết định phát hành, văn thư Hoàng Thị Lan (Văn thư)", "Lấy số vào sổ", "Phát hành kết quả (chữ ký số của cơ quan)", "trạng thái: Chờ phát hành"} {
		if !strings.Contains(vi.String(), want) {
			t.Errorf("the Vietnamese timeline lacks %q:\n%s", want, vi.String())
		}
	}
}

// A lean history ("lean-history": the work as local activities, each
// change published by one) gives auditors the same answers: every file,
// the facts the read model holds, and a Vietnamese timeline with no word
// of the code's (a raw event type such as TimerCanceled, an activity's
// English name).
func TestALeanHistoryInTheAuditTrail(t *testing.T) {
	dc, h := recorded(t, "approve-sign-lean")
	f, err := audit.Referenced(dc, h)
	if err != nil || len(f.Blobs) < 4 || f.Archived == "" {
		t.Errorf("referenced %+v %v; want the document, receipt, draft and signed results", f, err)
	}
	facts, ok, err := audit.FactsOf(dc, h)
	if err != nil || !ok || facts.Status != motcua.StatusReturned || !facts.PortalInSync || facts.Register == "" || facts.ReturnedAt == nil {
		t.Errorf("facts %+v %v %v; want the returned dossier's, in sync with the portal", facts, ok, err)
	}
	var vi bytes.Buffer
	audit.WriteTimeline(&vi, dc, h, "vi")
	for _, want := range []string{"Đồng bộ Cổng DVC quốc gia và ghi số liệu thống kê hoàn thành", "Phát hành kết quả", "Lưu trữ kết quả hoàn thành", "hủy hẹn giờ"} {
		if !strings.Contains(vi.String(), want) {
			t.Errorf("timeline lacks %q:\n%s", want, vi.String())
		}
	}
	for _, english := range []string{"Publish", "Timer", "Marker", "completed", "Workflow", "Activity"} {
		if strings.Contains(vi.String(), english) {
			t.Errorf("the Vietnamese timeline says %q:\n%s", english, vi.String())
		}
	}
}
