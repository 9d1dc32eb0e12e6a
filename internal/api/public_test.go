package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/apiclient"
	"github.com/motcua/motcua/signer/signertest"
)

// The public side of an issued result: the receipt's QR code leads to the
// lookup, the result's to the check; the lookup wants the last four digits
// of the applicant's phone or ID number and answers a wrong one exactly as
// an unknown code; the check tells a genuine file from a tampered one and
// from what the archive does not hold; neither shows personal data; and a
// client that keeps guessing waits.
func TestThePublicLookupAndCheck(t *testing.T) {
	ts := httptest.NewServer(env.newServer().Handler()) // a gate of its own
	defer ts.Close()
	c := create(t, birthRequest(""))
	id := c.DossierID
	ctx := context.Background()
	if _, err := apiclient.New(env.api.URL, env.tokens[motcua.RoleSpecialist], nil).Review(ctx, id, motcua.Review{Decision: motcua.DecisionApprove}); err != nil {
		t.Fatal(err)
	}
	if _, err := apiclient.New(env.api.URL, env.tokens[motcua.RoleChairman], nil).Sign(ctx, id, motcua.SignDecision{Decision: motcua.DecisionSign}); err != nil {
		t.Fatal(err)
	}
	st := waitFor(t, id, "completed", func(s motcua.State) bool {
		return s.Status == motcua.StatusCompleted && s.Result != nil && s.Result.ArchiveID != ""
	})
	if len(st.CheckKey) != 16 {
		t.Fatalf("check key %q", st.CheckKey)
	}

	// The QR codes, read off the printed pages.
	dir := t.TempDir()
	paper := func(name string) string {
		resp, err := apiclient.New(env.api.URL, env.tokens[motcua.RoleClerk], nil).Raw(ctx, "GET", "/v1/dossiers/"+id+"/"+name, nil)
		if err != nil || resp.Status != 200 {
			t.Fatalf("%s: %v %+v", name, err, resp)
		}
		path := filepath.Join(dir, name+".pdf")
		os.WriteFile(path, resp.Body, 0o600)
		return path
	}
	if got, want := signertest.QRCodes(t, paper("receipt"), 1), testPublicURL+"/tra-cuu?ma="+id; !slices.Equal(got, []string{want}) {
		t.Errorf("the receipt's QR code reads %q, want %q", got, want)
	}
	resultPath := paper("result")
	if got, want := signertest.QRCodes(t, resultPath, 1), testPublicURL+"/kiem-tra?ma="+id+"&k="+st.CheckKey; !slices.Equal(got, []string{want}) {
		t.Errorf("the result's QR code reads %q, want %q", got, want)
	}

	call := func(method, path, contentType string, body []byte) (int, http.Header, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(string(body)))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, b
	}
	lookup := func(code, last4 string) (int, []byte) {
		s, _, b := call("GET", "/v1/public/lookup?code="+url.QueryEscape(code)+"&last4="+last4, "", nil)
		return s, b
	}
	noPersonalData := func(what string, b []byte) {
		t.Helper()
		for _, pii := range []string{sampleID, samplePhone, sampleEmail, sampleAddress, "Trần Thị Bích Ngọc", "Trần Minh Khôi"} {
			if strings.Contains(string(b), pii) {
				t.Errorf("%s shows %q", what, pii)
			}
		}
	}

	// The lookup, by the phone's last four and by the ID number's.
	for _, last4 := range []string{samplePhone[len(samplePhone)-4:], sampleID[len(sampleID)-4:]} {
		status, b := lookup(id, last4)
		var v motcua.PublicView
		if status != 200 || json.Unmarshal(b, &v) != nil {
			t.Fatalf("lookup with %s: %d %s", last4, status, b)
		}
		if v.DossierID != id || v.Status != motcua.StatusCompleted || v.StatusText == "" || v.Applicant != "T. T. B. N." ||
			v.ProcedureName != "Đăng ký khai sinh" || v.Register != st.Result.Register.Label() || len(v.Steps) < 4 || v.DueAt.IsZero() {
			t.Errorf("lookup: %+v", v)
		}
		if !slices.ContainsFunc(v.Steps, func(s motcua.PublicStep) bool { return s.Text == "Phát hành: "+motcua.OutcomeVietnamese("issued") }) {
			t.Errorf("the steps in words lack the issue: %+v", v.Steps)
		}
		noPersonalData("the lookup", b)
	}
	// A wrong last four is an unknown code, word for word.
	wrongStatus, wrong := lookup(id, "0000")
	unknownStatus, unknown := lookup(motcua.DefaultUnit.Code+"-261231-9999", samplePhone[len(samplePhone)-4:])
	if wrongStatus != 404 || unknownStatus != 404 || string(wrong) != string(unknown) {
		t.Errorf("a wrong last four (%d %s) differs from an unknown code (%d %s)", wrongStatus, wrong, unknownStatus, unknown)
	}
	for _, bad := range []string{"/v1/public/lookup?code=" + url.QueryEscape(id), "/v1/public/lookup?code=" + url.QueryEscape(id) + "&last4=12a4", "/v1/public/lookup?last4=4321"} {
		if s, _, b := call("GET", bad, "", nil); s != 400 || !strings.Contains(string(b), `"invalid_request"`) {
			t.Errorf("GET %s: %d %s", bad, s, b)
		}
	}

	// The check of the file as issued.
	pdf, _ := os.ReadFile(resultPath)
	check := func(file []byte) motcua.PublicCheck {
		t.Helper()
		s, _, b := call("POST", "/v1/public/verify", "application/pdf", file)
		var c motcua.PublicCheck
		if s != 200 || json.Unmarshal(b, &c) != nil {
			t.Fatalf("verify: %d %s", s, b)
		}
		noPersonalData("the check", b)
		return c
	}
	good := check(pdf)
	if !good.Valid || !good.Issued || good.Office != motcua.DefaultUnit.Name || good.Register != st.Result.Register.Label() ||
		good.DossierID != id || good.ProcedureName != "Đăng ký khai sinh" || good.Archive != motcua.ArchiveOriginal || good.SHA256 != st.Result.SHA256 {
		t.Errorf("the issued file: %+v", good)
	}
	var holders []string
	for _, s := range good.Signatures {
		holders = append(holders, s.Holder)
	}
	if !slices.Equal(holders[:2], []string{"person", "organisation"}) || good.Signatures[0].Name != "Nguyễn Văn Vĩnh" {
		t.Errorf("signatures %+v", good.Signatures)
	}
	// A byte changed inside the signed part: not valid.
	tampered := append([]byte(nil), pdf...)
	i := strings.Index(string(tampered), "/Creator")
	tampered[i+len("/Creator")+3] ^= 0x01
	if bad := check(tampered); bad.Valid || bad.Archive != motcua.ArchiveUnknown || !strings.Contains(bad.Verdict, "KHÔNG hợp lệ") {
		t.Errorf("a tampered file: %+v", bad)
	}
	// The leader's signed file, before the office's signature: valid, not
	// issued, the beginning of the archived file.
	leaderSum, err := env.store.Ref("signature/" + id + "/1")
	if err != nil {
		t.Fatal(err)
	}
	leaderOnly, _ := env.store.Get(leaderSum)
	if c := check(leaderOnly); !c.Valid || c.Issued || c.Archive != motcua.ArchiveNotIssued || c.Office != "" || !strings.Contains(c.Verdict, "chưa được phát hành") {
		t.Errorf("the leader's file: %+v", c)
	}

	// The QR code's link: the archive's copy.
	s, _, b := call("GET", "/v1/public/verify?code="+url.QueryEscape(id)+"&key="+st.CheckKey, "", nil)
	var linked motcua.PublicCheck
	if s != 200 || json.Unmarshal(b, &linked) != nil || !linked.Valid || linked.Archive != motcua.ArchiveOriginal || linked.Register != good.Register {
		t.Errorf("the QR code's check: %d %s", s, b)
	}
	if s, _, _ := call("GET", "/v1/public/verify?code="+url.QueryEscape(id)+"&key=0123456789abcdef", "", nil); s != 404 {
		t.Errorf("a wrong key: %d", s)
	}
	// Not a PDF; not said to be one.
	if s, _, b := call("POST", "/v1/public/verify", "application/pdf", []byte("hello")); s != 400 || !strings.Contains(string(b), "not a PDF") {
		t.Errorf("not a PDF: %d %s", s, b)
	}
	if s, h, _ := call("POST", "/v1/public/verify", "application/json", pdf); s != 415 || h.Get("Accept-Post") != "application/pdf" {
		t.Errorf("a PDF sent as JSON: %d", s)
	}

	// Guessing the digits: after a few misses the address waits, the
	// right digits included, and is told for how long.
	var waited http.Header
	for n := 0; n < 20 && waited == nil; n++ {
		s, h, _ := call("GET", "/v1/public/lookup?code="+url.QueryEscape(id)+"&last4="+strconv.Itoa(1000+n), "", nil)
		if s == http.StatusTooManyRequests {
			waited = h
		}
	}
	if waited == nil || waited.Get("Retry-After") == "" {
		t.Fatal("twenty wrong guesses in a row were all answered")
	}
	if s, _ := lookup(id, samplePhone[len(samplePhone)-4:]); s != http.StatusTooManyRequests {
		t.Errorf("a guessing address got an answer: %d", s)
	}
}
