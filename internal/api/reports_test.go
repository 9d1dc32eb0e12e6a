package api_test

import (
	"context"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/readmodel"
	"github.com/motcua/motcua/internal/report"
	"github.com/motcua/motcua/wire"
	"github.com/motcua/motcua/workflows"
)

func guardianRequest(idNumber string, docs ...wire.Document) wire.IntakeRequest {
	if docs == nil {
		docs = []wire.Document{doc("TK_GH"), doc("VB_CU_GH")}
	}
	return wire.IntakeRequest{
		ProcedureCode: "1.001022", Channel: motcua.ChannelCounter,
		Applicant: motcua.Applicant{FullName: "Lý Thị Hoa", IDNumber: idNumber},
		Fields:    map[string]string{"guardian_name": "Lý Thị Hoa", "ward_name": "Lý Văn Bình"},
		Documents: docs,
	}
}

// The commune's figures over a hand-counted set of dossiers taken through
// the API on the real server: on time and handed back, supplement twice
// (late), rejected, withdrawn, one in review with a paper reused from the
// archive, one waiting for a supplement, and one paid online. The read
// model the workflows keep is then rebuilt from the histories: the same
// rows.
func TestKPIFromTheReadModel(t *testing.T) {
	const citizen = "001188000777"
	var st motcua.State
	post := func(role motcua.Role, id, action string, body any) {
		t.Helper()
		must(t, http.StatusOK, role, "POST", "/v1/dossiers/"+id+"/"+action, body, &st)
	}
	approveSign := func(id string) {
		post(motcua.RoleSpecialist, id, "review", map[string]any{"decision": "approve"})
		post(motcua.RoleChairman, id, "sign", map[string]any{"decision": "sign"})
		waitFor(t, id, "completed", func(s motcua.State) bool { return s.Status == motcua.StatusCompleted })
	}
	askOnce := func(id string) {
		post(motcua.RoleSpecialist, id, "review", map[string]any{"decision": "request_supplement", "comment": "Thiếu tờ khai", "missing_documents": []string{"TK_GH"}})
	}
	g1 := create(t, guardianRequest(citizen)).DossierID
	approveSign(g1)
	post(motcua.RoleClerk, g1, "hand-back", map[string]any{"method": "counter", "received_by": "Lý Thị Hoa"})
	g2 := create(t, guardianRequest("001188000778")).DossierID
	for range 2 {
		askOnce(g2)
		post(motcua.RoleClerk, g2, "supplement", map[string]any{"documents": []wire.Document{doc("TK_GH")}})
	}
	approveSign(g2)
	g3 := create(t, guardianRequest("001188000779")).DossierID
	post(motcua.RoleSpecialist, g3, "review", map[string]any{"decision": "reject", "comment": "Không đủ điều kiện"})
	g4 := create(t, guardianRequest("001188000780")).DossierID
	post(motcua.RoleClerk, g4, "withdraw", map[string]any{"comment": "Công dân rút"})
	earlier := get(t, g1).Documents[0]
	g5 := create(t, guardianRequest(citizen, wire.Document{Code: "TK_GH", ArchiveRef: "sha256:" + earlier.SHA256}, doc("VB_CU_GH"))).DossierID
	g6 := create(t, guardianRequest("001188000781")).DossierID
	askOnce(g6)
	p1 := create(t, wire.IntakeRequest{ProcedureCode: "2.000635", Channel: motcua.ChannelOnline,
		Applicant: motcua.Applicant{FullName: "Lý Thị Hoa", IDNumber: "001188000782"},
		Fields:    map[string]string{"record_kind": "khai sinh", "copies": "2"}, Documents: []wire.Document{doc("TK_BSTL")}}).DossierID
	post(motcua.RoleSystem, p1, "payment", map[string]any{"transaction_id": "VNPAY-" + p1, "amount_vnd": 16000, "method": "online", "paid_at": time.Now().Format(time.RFC3339)})
	approveSign(p1)
	ids := []string{g1, g2, g3, g4, g5, g6, p1}
	for _, id := range ids {
		waitFor(t, id, "synced", func(s motcua.State) bool { return s.Portal.Pending == 0 })
	}

	today := time.Now().In(motcua.Vietnam).Format(time.DateOnly)
	path := "/v1/reports/kpi?from=" + today + "&to=" + today
	row := func(rep report.Report, code string) report.Figures {
		for _, g := range rep.Procedures {
			if g.Procedure == code {
				return g
			}
		}
		return report.Figures{}
	}
	want := report.Figures{Procedure: "1.001022", Received: 6, ReceivedCounter: 6, FinishedOnTime: 2, FinishedLate: 1,
		InProgress: 2, Withdrawn: 1, DocumentsDigitized: 13, DocumentsReused: 1, SignedDigitally: 2, Issued: 2, PortalInSync: 6}
	var rep report.Report
	deadline := time.Now().Add(60 * time.Second)
	for {
		must(t, http.StatusOK, motcua.RoleChairman, "GET", path, nil, &rep)
		got := row(rep, "1.001022")
		got.OnTimeRate, got.AvgWorkingDays, got.OnlinePaymentShare = nil, nil, nil
		if reflect.DeepEqual(got, want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("figures of 1.001022\n got %+v\nwant %+v", got, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
	g := row(rep, "1.001022")
	if g.OnTimeRate == nil || *g.OnTimeRate < 0.66 || *g.OnTimeRate > 0.67 || g.AvgWorkingDays == nil {
		t.Errorf("on-time rate %v, average %v", g.OnTimeRate, g.AvgWorkingDays)
	}
	if p := row(rep, "2.000635"); p.Received != 1 || p.Paid != 1 || p.OnlinePaymentShare == nil || *p.OnlinePaymentShare != 1 || p.ReceivedOnline != 1 {
		t.Errorf("figures of 2.000635 %+v", p)
	}
	if rep.Total.Received < 7 {
		t.Errorf("total %+v", rep.Total)
	}
	csv := must(t, http.StatusOK, motcua.RoleAuditor, "GET", path+"&procedure=1.001022", nil, nil)
	if lines := strings.Split(strings.TrimSpace(string(csv)), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], `{"from"`) {
		// JSON unless CSV is asked for
		t.Errorf("without Accept: text/csv: %s", csv)
	}
	resp, err := as(motcua.RoleAuditor).RawWith(context.Background(), "GET", path+"&procedure=1.001022", nil, map[string]string{"Accept": "text/csv"})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(resp.Body)), "\n")
	if resp.Status != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || len(lines) != 3 ||
		!strings.HasPrefix(lines[1], "1.001022,6,0,6,0,2,1,2,0,1,0,0.6667,") || !strings.HasPrefix(lines[2], "total,6,") {
		t.Errorf("CSV %d %s:\n%s", resp.Status, resp.Header.Get("Content-Type"), resp.Body)
	}
	for role, code := range map[motcua.Role]int{motcua.RoleClerk: 403, motcua.RoleSpecialist: 403, motcua.RoleSystem: 403, motcua.RoleViceChairman: 200} {
		must(t, code, role, "GET", path, nil, nil)
	}
	for _, bad := range []string{"", "?from=" + today, "?from=2026-13-01&to=" + today, "?from=" + today + "&to=2020-01-01",
		"?from=2020-01-01&to=2030-01-01", "?from=" + today + "&to=" + today + "&procedure=9.999999"} {
		must(t, http.StatusBadRequest, motcua.RoleAuditor, "GET", "/v1/reports/kpi"+bad, nil, nil)
	}

	// The read model again from the histories alone: the same facts.
	rebuilt, err := readmodel.Open(filepath.Join(t.TempDir(), "rebuilt.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer rebuilt.Close()
	n, err := audit.RebuildFacts(context.Background(), env.tc, env.dc,
		&workflows.Dossiers{Temporal: env.tc, Namespace: env.ts.GetDefaultNamespace()}, func(f motcua.Facts) error {
			return rebuilt.Record(context.Background(), f)
		})
	if err != nil || n < len(ids) {
		t.Fatalf("rebuilt %d dossiers: %v", n, err)
	}
	live, _ := env.facts.All(context.Background())
	again, _ := rebuilt.All(context.Background())
	byID := func(fs []motcua.Facts) map[string]motcua.Facts {
		m := map[string]motcua.Facts{}
		for _, f := range fs {
			m[f.DossierID] = f
		}
		return m
	}
	l, r := byID(live), byID(again)
	for _, id := range ids {
		if !reflect.DeepEqual(l[id], r[id]) {
			t.Errorf("%s: live %+v\nrebuilt %+v", id, l[id], r[id])
		}
	}
}
