package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/recorded"
	"github.com/motcua/motcua/signer"
	"github.com/motcua/motcua/signer/devca"
	"github.com/motcua/motcua/signer/signertest"
	"github.com/motcua/motcua/workflows"
)

// An archived result outlives its timestamp authority's certificate: the
// dev TSA's certificate expires in 30 days (inside the 1-year margin), the
// authority rolls over to a new one, and the archive-timestamps schedule,
// run now, renews the result; the API serves the new version, which keeps
// the old one's bytes; an auditor verifies the chain of versions and
// timestamps and replays the renewal's history.
func TestArchiveTimestampsAreRenewedThroughTheSchedule(t *testing.T) {
	processTest(t, "renews an archive timestamp through the schedule")
	cfg := devConfig{data: t.TempDir(), api: freeAddr(t), temporal: freeAddr(t), pki: freeAddr(t)}
	ca, err := devca.Open(filepath.Join(cfg.data, "ca"), motcua.DefaultUnit.Name)
	if err != nil {
		t.Fatal(err)
	}
	ca.SetPKIBase("http://" + cfg.pki)
	if _, err := ca.IssueTSA(30 * 24 * time.Hour); err != nil {
		t.Fatal(err)
	}
	seedRecordingKey(t, cfg.data)
	p := startDev(t, cfg)
	tok := tokens(t, cfg.data)
	api := newRoleClient(p.api, tok)
	ctx := context.Background()
	pdf := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4\n% scanned form\n%%EOF\n"))
	var created struct {
		DossierID string `json:"dossier_id"`
	}
	body := map[string]any{
		"external_id": "BO-renew-1", "procedure_code": "2.000815", "channel": "counter",
		"applicant": map[string]string{"full_name": "Vũ Thị Lan", "id_number": idNumber, "phone": "0911222333"},
		"fields":    map[string]string{"document_title": "Bằng tốt nghiệp THPT", "copies": "2"},
		"documents": []map[string]string{{"code": "BAN_CHINH", "name": "bang.pdf", "content_type": "application/pdf", "content_base64": pdf}},
	}
	if s := p.call(t, tok["clerk"], "POST", "/v1/dossiers", body, &created); s != 201 {
		t.Fatalf("create: %d", s)
	}
	id := created.DossierID
	pay := map[string]any{"transaction_id": "GW-" + id, "amount_vnd": 4000, "method": "online", "paid_at": time.Now().Format(time.RFC3339)}
	if s := p.call(t, tok["system"], "POST", "/v1/dossiers/"+id+"/payment", pay, nil); s != 200 {
		t.Fatalf("payment: %d", s)
	}
	if s := p.call(t, tok["specialist"], "POST", "/v1/dossiers/"+id+"/review", map[string]string{"decision": "approve"}, nil); s != 200 {
		t.Fatalf("review: %d", s)
	}
	if s := p.call(t, tok["chairman"], "POST", "/v1/dossiers/"+id+"/sign", map[string]string{"decision": "sign"}, nil); s != 200 {
		t.Fatalf("sign: %d", s)
	}
	await(t, api["clerk"], id, func(s motcua.State) bool { return s.Result != nil && s.Result.ArchiveID != "" }, "archived")
	first, err := api["clerk"].Result(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	roots, _ := signer.LoadRoots(ca.RootPath())
	rep, _ := signer.Verify(first, roots)
	if expires, ok := signer.ArchiveTimestampExpiry(rep); !ok || time.Until(expires) > 31*24*time.Hour {
		t.Fatalf("the first version's archive timestamp expires %v", expires)
	}

	// The authority rolls over; the schedule is run now.
	if _, err := ca.IssueTSA(10 * 365 * 24 * time.Hour); err != nil {
		t.Fatal(err)
	}
	renew := func() string {
		out, err := exec.Command(binary, "renew-timestamps", "--data", cfg.data, "--temporal-addr", cfg.temporal, "--wait", "90s").CombinedOutput()
		if err != nil {
			t.Fatalf("renew-timestamps: %v\n%s\nmotcua dev:\n%s", err, out, tail(p.stderr.String(), 30))
		}
		return string(out)
	}
	if out := renew(); !strings.Contains(out, "1 renewed, 0 failed") || !strings.Contains(out, "renewed "+id) {
		t.Fatalf("renew-timestamps:\n%s", out)
	}
	tc, _ := dialTemporal(t, cfg.temporal, cfg.data)
	// The schedule runs at 02:00 on the office's clock, by its time zone.
	sched, err := tc.ScheduleClient().GetHandle(ctx, workflows.ArchiveTimestampsID).Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tz := sched.Schedule.Spec.TimeZoneName; tz != "Asia/Ho_Chi_Minh" {
		t.Errorf("the schedule's time zone is %q", tz)
	}
	if next := sched.Info.NextActionTimes; len(next) == 0 || next[0].In(motcua.Vietnam).Format("15:04:05") != "02:00:00" {
		t.Errorf("the schedule's next runs: %v, want 02:00 in Vietnam", next)
	}
	// The renewal's run, for the replay gate.
	runs, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: "motcua", Query: "WorkflowType = 'ArchiveTimestampsWorkflow'"})
	if err != nil || len(runs.GetExecutions()) != 1 {
		t.Fatalf("the archive-timestamps runs: %v %v", runs.GetExecutions(), err)
	}
	run := runs.GetExecutions()[0].GetExecution()
	recorded.Record(t, tc, run.GetWorkflowId(), run.GetRunId(), "../../workflows/testdata", "archive-timestamps-renewal")
	second, err := api["clerk"].Result(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(second, first) || len(second) <= len(first) {
		t.Fatal("the renewed result does not extend the archived one")
	}
	path := filepath.Join(t.TempDir(), "renewed.pdf")
	os.WriteFile(path, second, 0o600)
	signertest.Qpdf(t, path)
	if c := signertest.OpenSSL(t, path, ca.RootPath()); c != (signertest.Checked{Signatures: 2, PAdESBaseline: 2, Timestamped: 2, DocTimestamps: 2}) {
		t.Errorf("openssl checked %+v", c)
	}
	if text := signertest.Pdfsig(t, path); strings.Count(text, "Signature is Valid") != 2 || !strings.Contains(text, "Total document signed") {
		t.Errorf("pdfsig:\n%s", text)
	}
	// Nothing is due any more.
	if out := renew(); !strings.Contains(out, "0 renewed, 0 failed") {
		t.Errorf("second run:\n%s", out)
	}

	// The auditor: both versions, the renewal recorded, the chain valid.
	out, err := exec.Command(binary, "audit", "verify", "--dossier", id, "--data", cfg.data, "--temporal-addr", cfg.temporal).CombinedOutput()
	if err != nil {
		t.Fatalf("audit verify: %v\n%s", err, out)
	}
	var f struct {
		Versions    []string   `json:"versions"`
		RenewBefore *time.Time `json:"renew_before"`
		Problems    []string   `json:"problems"`
		Signatures  struct {
			PAdESLevel string `json:"pades_level"`
		} `json:"signatures"`
	}
	if err := json.Unmarshal(out, &f); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(f.Versions) != 2 || len(f.Problems) != 0 || f.Signatures.PAdESLevel != "B-LTA" || f.RenewBefore == nil || time.Until(*f.RenewBefore) < 9*365*24*time.Hour {
		t.Errorf("audit verify: %s", out)
	}
	out, err = exec.Command(binary, "audit", "replay", "--all", "--data", cfg.data, "--temporal-addr", cfg.temporal).CombinedOutput()
	if err != nil || strings.Count(string(out), "ok   "+"archive-timestamps") != 2 || !strings.Contains(string(out), "ok   "+id) {
		t.Errorf("audit replay --all: %v\n%s", err, out)
	}
}

// tail is the last n lines of s.

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
