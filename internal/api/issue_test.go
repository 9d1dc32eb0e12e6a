package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/activities"
	"github.com/motcua/motcua/apiclient"
	"github.com/motcua/motcua/signer"
	"github.com/motcua/motcua/signer/signertest"
	"github.com/motcua/motcua/workflows"
)

// TestTheRecordsOfficerIssuesThroughTheAPI walks a result of a procedure
// the records officer issues: the leader signs, the dossier waits in
// awaiting_issue, only the records officer issues or returns it, the
// number comes from the register, and the file carries the leader's and
// the organisation's signatures drawn as Nghị định 30/2020 draws them.
func TestTheRecordsOfficerIssuesThroughTheAPI(t *testing.T) {
	srv := env.newServer()
	for i, p := range srv.Catalog {
		if p.Code == "1.001193" {
			srv.Catalog = append(srv.Catalog[:i:i], srv.Catalog[i:]...)
			p.Issue = "" // the records officer's
			srv.Catalog[i] = p
		}
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	do := func(want int, role motcua.Role, method, path string, body, out any) []byte {
		t.Helper()
		resp, err := apiclient.New(ts.URL, env.tokens[role], nil).Raw(context.Background(), method, path, body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != want {
			t.Fatalf("%s %s as %s: %d, want %d\n%s", method, path, role, resp.Status, want, resp.Body)
		}
		if out != nil {
			if err := json.Unmarshal(resp.Body, out); err != nil {
				t.Fatal(err)
			}
		}
		return resp.Body
	}
	var c apiclient.Created
	do(http.StatusCreated, motcua.RoleClerk, "POST", "/v1/dossiers", birthRequest(""), &c)
	id := c.DossierID
	do(http.StatusOK, motcua.RoleSpecialist, "POST", "/v1/dossiers/"+id+"/review", map[string]any{"decision": "approve"}, nil)
	var st motcua.State
	do(http.StatusOK, motcua.RoleChairman, "POST", "/v1/dossiers/"+id+"/sign", map[string]any{"decision": "sign"}, &st)
	if st.Status != motcua.StatusAwaitingIssue {
		t.Fatalf("after the leader's signature: %s", st.Status)
	}
	time.Sleep(time.Second) // an automatic issue would have happened by now
	if st = waitFor(t, id, "awaiting issue", func(s motcua.State) bool { return true }); st.Status != motcua.StatusAwaitingIssue {
		t.Fatalf("issued without the records officer: %s", st.Status)
	}
	// A leader cannot issue, a records officer cannot sign.
	do(http.StatusForbidden, motcua.RoleChairman, "POST", "/v1/dossiers/"+id+"/issue", map[string]any{"decision": "issue"}, nil)
	do(http.StatusForbidden, motcua.RoleRecordsOfficer, "POST", "/v1/dossiers/"+id+"/sign", map[string]any{"decision": "sign"}, nil)
	do(http.StatusBadRequest, motcua.RoleRecordsOfficer, "POST", "/v1/dossiers/"+id+"/issue", map[string]any{"decision": "return"}, nil)
	do(http.StatusBadRequest, motcua.RoleRecordsOfficer, "POST", "/v1/dossiers/"+id+"/issue", map[string]any{"decision": "publish"}, nil)
	do(http.StatusOK, motcua.RoleRecordsOfficer, "POST", "/v1/dossiers/"+id+"/issue", map[string]any{"decision": "return", "comment": "Sai ngày sinh, đề nghị ký lại"}, &st)
	if st.Status != motcua.StatusAwaitingSignature || st.Result != nil {
		t.Fatalf("returned to the leader: %s %+v", st.Status, st.Result)
	}
	do(http.StatusOK, motcua.RoleChairman, "POST", "/v1/dossiers/"+id+"/sign", map[string]any{"decision": "sign"}, nil)
	do(http.StatusOK, motcua.RoleRecordsOfficer, "POST", "/v1/dossiers/"+id+"/issue", map[string]any{"decision": "issue"}, &st)
	do(http.StatusConflict, motcua.RoleRecordsOfficer, "POST", "/v1/dossiers/"+id+"/issue", map[string]any{"decision": "issue"}, nil)
	st = waitFor(t, id, "completed", func(s motcua.State) bool { return s.Status == motcua.StatusCompleted })
	record(t, id, "approve-sign-issue")      // the records officer returns, then issues
	record(t, id, "approve-sign-issue-lean") // since lean-history
	r := st.Result
	if r == nil || r.IssuedBy != env.roleIDs[motcua.RoleRecordsOfficer] || r.IssuedAt == nil || r.Register == nil ||
		r.Register.Register != "KS" || r.Register.DossierID != id || r.Register.Number < 1 {
		t.Fatalf("the issued result: %+v", r)
	}

	// The file: the leader's signature, then the organisation's.
	pdf := do(http.StatusOK, motcua.RoleClerk, "GET", "/v1/dossiers/"+id+"/result", nil, nil)
	rep, err := signer.Verify(pdf, env.ca.Roots())
	if err != nil || rep.Err() != nil {
		t.Fatalf("verify: %v %v", err, rep.Err())
	}
	var holders []string
	for _, s := range rep.Signatures {
		if s.Type == "signature" {
			holders = append(holders, s.Holder+":"+s.SignerCN)
		}
	}
	if want := "person:Nguyễn Văn Vĩnh,organisation:" + motcua.DefaultUnit.Name; strings.Join(holders, ",") != want || !rep.Issued() {
		t.Fatalf("signatures %v, want %s (issued %v)", holders, want, rep.Issued())
	}
	last := rep.LastSignature()
	if label, ok := motcua.ParseIssueReason(last.Reason); !ok || label != r.Register.Label() {
		t.Errorf("the organisation's reason %q does not carry %q", last.Reason, r.Register.Label())
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "result.pdf")
	os.WriteFile(path, pdf, 0o600)
	signertest.Qpdf(t, path)
	out, _ := exec.Command(signertest.Tool(t, "pdfsig"), path).CombinedOutput()
	if n := strings.Count(string(out), "Signature is Valid."); n != 2 {
		t.Errorf("pdfsig finds %d valid signatures, want 2:\n%s", n, out)
	}
	text, _ := exec.Command(signertest.Tool(t, "pdftotext"), path, "-").Output()
	if strings.Contains(string(text), "Ký bởi") {
		t.Error("the issued result still draws the signing tool's text box")
	}
	checkSealOverSignature(t, path)
	if d := os.Getenv("MOTCUA_DOCUMENTS"); d != "" {
		os.WriteFile(filepath.Join(d, "issued-result.pdf"), pdf, 0o644)
	}

	// The register lists the number; a number voided stays, with its
	// reason, and is not voided twice.
	year := r.Register.Year
	var book struct {
		Entries []motcua.RegisterEntry `json:"entries"`
	}
	regPath := fmt.Sprintf("/v1/registers/KS?year=%d", year)
	do(http.StatusForbidden, motcua.RoleClerk, "GET", regPath, nil, nil)
	do(http.StatusOK, motcua.RoleAuditor, "GET", regPath, nil, &book)
	if n := r.Register.Number; len(book.Entries) < n || book.Entries[n-1].DossierID != id {
		t.Fatalf("register %+v lacks %s as number %d", book.Entries, id, n)
	}
	csv := do(http.StatusOK, motcua.RoleAuditor, "GET", regPath+"&format=csv", nil, nil)
	if !strings.Contains(string(csv), id) || !strings.HasPrefix(string(csv), "so,nam,so_dang_ky") {
		t.Errorf("csv:\n%s", csv)
	}
	do(http.StatusBadRequest, motcua.RoleAuditor, "GET", "/v1/registers/KS?year=twenty", nil, nil)
	do(http.StatusNotFound, motcua.RoleAuditor, "GET", "/v1/registers/NOPE", nil, nil)
	void := map[string]any{"year": year, "number": r.Register.Number, "reason": "Bản in bị hỏng, cấp lại bằng hồ sơ khác"}
	do(http.StatusForbidden, motcua.RoleChairman, "POST", "/v1/registers/KS/void", void, nil)
	do(http.StatusBadRequest, motcua.RoleRecordsOfficer, "POST", "/v1/registers/KS/void", map[string]any{"year": year, "number": 1}, nil)
	do(http.StatusNotFound, motcua.RoleRecordsOfficer, "POST", "/v1/registers/KS/void", map[string]any{"year": year, "number": 99999, "reason": "x"}, nil)
	var voided motcua.RegisterEntry
	do(http.StatusOK, motcua.RoleRecordsOfficer, "POST", "/v1/registers/KS/void", void, &voided)
	if !voided.Void || voided.VoidReason == "" || voided.VoidedBy != env.roleIDs[motcua.RoleRecordsOfficer] {
		t.Errorf("voided %+v", voided)
	}
	do(http.StatusConflict, motcua.RoleRecordsOfficer, "POST", "/v1/registers/KS/void", void, nil)
}

// checkSealOverSignature renders the last page and finds the leader's
// blue signature and the red seal over its left part.
func checkSealOverSignature(t *testing.T, path string) {
	t.Helper()
	prefix := filepath.Join(t.TempDir(), "page")
	if out, err := exec.Command(signertest.Tool(t, "pdftoppm"), "-png", "-r", "60", "-singlefile", "-l", "1", path, prefix).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	f, err := os.Open(prefix + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	blueMin, blueMax, redMin, redMax, blue, red := 1<<30, -1, 1<<30, -1, 0, 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			switch {
			case bl > 120 && bl > r+50 && bl > g+40:
				blue++
				blueMin, blueMax = min(blueMin, x), max(blueMax, x)
			case r > 150 && g < 110 && bl < 110:
				red++
				redMin, redMax = min(redMin, x), max(redMax, x)
			}
		}
	}
	if blue < 50 || red < 50 {
		t.Fatalf("the page has %d blue and %d red pixels: no handwritten signature or no seal", blue, red)
	}
	third := blueMin + (blueMax-blueMin)/3
	if redMax < blueMin || redMax > blueMin+(blueMax-blueMin)/2 || redMin >= blueMin {
		t.Errorf("the seal (x %d-%d) is not over the left third of the signature (x %d-%d, third at %d)", redMin, redMax, blueMin, blueMax, third)
	}
}

// TestRegisterNumbersAreGaplessUnderConcurrency takes numbers for many
// dossiers at once, each asking twice: every dossier gets one number,
// the numbers run from 1 without gaps, and asking again changes nothing.
func TestRegisterNumbersAreGaplessUnderConcurrency(t *testing.T) {
	book := workflows.Registers{Temporal: env.tc, Unit: motcua.DefaultUnit}
	const n = 60
	reg := "GAP" + fmt.Sprint(time.Now().UnixNano()%100000)
	got := make([][2]motcua.RegisterEntry, n)
	var wg sync.WaitGroup
	for i := range n {
		for j := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// A take that timed out on a crowded machine is asked again,
				// as the TakeNumber activity's retries do: taking is
				// idempotent per dossier.
				var e motcua.RegisterEntry
				var err error
				for try := 0; try < 3; try++ {
					if e, err = book.Take(context.Background(), activities.NumberRequest{Register: reg, Year: 2026, DossierID: fmt.Sprintf("D-%03d", i), By: "vanthu1"}); err == nil {
						break
					}
				}
				if err != nil {
					t.Error(err)
				}
				got[i][j] = e
			}()
		}
	}
	wg.Wait()
	seen := map[int]string{}
	for i, pair := range got {
		if pair[0].Number != pair[1].Number || pair[0].Number == 0 {
			t.Errorf("dossier %d got %d and %d", i, pair[0].Number, pair[1].Number)
		}
		if other, dup := seen[pair[0].Number]; dup {
			t.Errorf("number %d given to %s and D-%03d", pair[0].Number, other, i)
		}
		seen[pair[0].Number] = fmt.Sprintf("D-%03d", i)
	}
	entries, err := book.Entries(context.Background(), reg, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != n {
		t.Fatalf("%d entries, want %d", len(entries), n)
	}
	for i, e := range entries {
		if e.Number != i+1 {
			t.Fatalf("entry %d has number %d: a gap", i, e.Number)
		}
	}
}
