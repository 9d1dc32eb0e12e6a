package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/apiclient"
	"github.com/motcua/motcua/internal/accounts"
	"github.com/motcua/motcua/internal/api"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/wire"
)

type errorBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// expectError calls the API and checks the status, the error code, and
// that the named fields are reported.
func expectError(t *testing.T, status int, code string, role motcua.Role, method, path string, body any, fields ...string) {
	t.Helper()
	var e errorBody
	got, raw := call(t, role, method, path, body, &e)
	if got != status || e.Error.Code != code || e.Error.Message == "" {
		t.Errorf("%s %s as %q: %d %s, want %d %s\n%s", method, path, role, got, e.Error.Code, status, code, raw)
	}
	for _, f := range fields {
		if e.Error.Fields[f] == "" {
			t.Errorf("%s %s: field %q not reported: %v", method, path, f, e.Error.Fields)
		}
	}
}

func TestEveryErrorOfTheContract(t *testing.T) {
	inReview := create(t, maritalRequest()).DossierID
	awaiting := create(t, maritalRequest()).DossierID
	must(t, http.StatusOK, motcua.RoleSpecialist, "POST", "/v1/dossiers/"+awaiting+"/review", map[string]any{"decision": "approve"}, nil)
	before := get(t, inReview)

	t.Run("401 without or with an unknown token", func(t *testing.T) {
		expectError(t, 401, motcua.CodeUnauthenticated, "", "GET", "/v1/procedures", nil)
		req, _ := http.NewRequest("GET", env.api.URL+"/v1/dossiers", nil)
		req.Header.Set("Authorization", "Bearer not-a-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("unknown token: %d", resp.StatusCode)
		}
	})
	t.Run("403 for a role that may not", func(t *testing.T) {
		expectError(t, 403, motcua.CodeForbidden, motcua.RoleSpecialist, "POST", "/v1/dossiers", maritalRequest())
		expectError(t, 403, motcua.CodeForbidden, motcua.RoleClerk, "POST", "/v1/dossiers/"+inReview+"/review", map[string]any{"decision": "approve"})
		expectError(t, 403, motcua.CodeForbidden, motcua.RoleSpecialist, "POST", "/v1/dossiers/"+awaiting+"/sign", map[string]any{"decision": "sign"})
		expectError(t, 403, motcua.CodeForbidden, motcua.RoleClerk, "GET", "/v1/dossiers/"+inReview+"/history", nil)
		expectError(t, 403, motcua.CodeForbidden, motcua.RoleClerk, "GET", "/v1/dossiers/"+awaiting+"/draft", nil)
		expectError(t, 403, motcua.CodeForbidden, motcua.RoleAuditor, "POST", "/v1/dossiers/"+inReview+"/withdraw", nil)
	})
	t.Run("400 invalid_request with the fields at fault", func(t *testing.T) {
		expectError(t, 400, motcua.CodeInvalidRequest, motcua.RoleClerk, "POST", "/v1/dossiers", []byte(`{"procedure_code":`))
		expectError(t, 400, motcua.CodeInvalidRequest, motcua.RoleClerk, "POST", "/v1/dossiers", []byte(`{"procedure_code":"1.004227","colour":"red"}`))
		bad := maritalRequest()
		bad.Applicant.IDNumber = "12345"
		bad.Applicant.Email = "not an email"
		bad.Channel = "fax"
		bad.Fields["purpose"] = ""
		bad.Documents[0].ContentBase64 = "%%%"
		expectError(t, 400, motcua.CodeInvalidRequest, motcua.RoleClerk, "POST", "/v1/dossiers", bad,
			"applicant.id_number", "applicant.email", "channel", "fields.purpose", "documents[0].content_base64")
		missing := birthRequest("")
		missing.Documents = missing.Documents[:1]
		missing.Fields["child_birth_date"] = "01/11/2026"
		expectError(t, 400, motcua.CodeInvalidRequest, motcua.RoleClerk, "POST", "/v1/dossiers", missing, "documents.GCS", "fields.child_birth_date")
		expectError(t, 400, motcua.CodeInvalidRequest, motcua.RoleSpecialist, "POST", "/v1/dossiers/"+inReview+"/review", map[string]any{"decision": "maybe"}, "decision")
		expectError(t, 400, motcua.CodeInvalidRequest, motcua.RoleSpecialist, "POST", "/v1/dossiers/"+inReview+"/review",
			map[string]any{"decision": "request_supplement", "comment": "thiếu", "missing_documents": []string{"NOPE"}}, "missing_documents[0]")
		expectError(t, 400, motcua.CodeInvalidRequest, motcua.RoleSpecialist, "POST", "/v1/dossiers/"+inReview+"/review", map[string]any{"decision": "reject"}, "comment")
		expectError(t, 400, motcua.CodeInvalidRequest, motcua.RoleChairman, "POST", "/v1/dossiers/"+awaiting+"/sign", map[string]any{"decision": "stamp"}, "decision")
		expectError(t, 400, motcua.CodeInvalidRequest, motcua.RoleClerk, "GET", "/v1/dossiers?status=lost", nil, "status")
		expectError(t, 400, motcua.CodeInvalidRequest, motcua.RoleClerk, "GET", "/v1/dossiers?page_token=!!", nil, "page_token")
	})
	t.Run("400 unknown_procedure", func(t *testing.T) {
		r := maritalRequest()
		r.ProcedureCode = "9.999999"
		expectError(t, 400, motcua.CodeUnknownProcedure, motcua.RoleClerk, "POST", "/v1/dossiers", r, "procedure_code")
		expectError(t, 400, motcua.CodeUnknownProcedure, motcua.RoleClerk, "GET", "/v1/dossiers?procedure_code=9.999999", nil)
	})
	t.Run("404 for unknown dossiers, documents not there yet, unknown paths", func(t *testing.T) {
		expectError(t, 404, motcua.CodeNotFound, motcua.RoleClerk, "GET", "/v1/dossiers/000.00.01.H22-200101-9999", nil)
		expectError(t, 404, motcua.CodeNotFound, motcua.RoleClerk, "GET", "/v1/dossiers/not-a-code", nil)
		expectError(t, 404, motcua.CodeNotFound, motcua.RoleSpecialist, "POST", "/v1/dossiers/000.00.01.H22-200101-9999/review", map[string]any{"decision": "approve"})
		expectError(t, 404, motcua.CodeNotFound, motcua.RoleClerk, "GET", "/v1/dossiers/"+inReview+"/result", nil)
		expectError(t, 404, motcua.CodeNotFound, motcua.RoleSpecialist, "GET", "/v1/dossiers/"+inReview+"/draft", nil)
		expectError(t, 404, motcua.CodeNotFound, motcua.RoleClerk, "GET", "/v2/anything", nil)
	})
	t.Run("409 for a step out of turn", func(t *testing.T) {
		expectError(t, 409, motcua.CodeInvalidState, motcua.RoleChairman, "POST", "/v1/dossiers/"+inReview+"/sign", map[string]any{"decision": "sign"})
		expectError(t, 409, motcua.CodeInvalidState, motcua.RoleSpecialist, "POST", "/v1/dossiers/"+awaiting+"/review", map[string]any{"decision": "approve"})
		expectError(t, 409, motcua.CodeInvalidState, motcua.RoleClerk, "POST", "/v1/dossiers/"+inReview+"/supplement",
			map[string]any{"documents": []wire.Document{doc("TK_XNHN")}})
	})
	t.Run("413 for a body too large", func(t *testing.T) {
		huge := append([]byte(`{"procedure_code":"1.004227","external_id":"`), bytes.Repeat([]byte("x"), 41<<20)...)
		huge = append(huge, []byte(`"}`)...)
		expectError(t, 413, motcua.CodeTooLarge, motcua.RoleClerk, "POST", "/v1/dossiers", huge)
	})
	t.Run("405 keeps the error body", func(t *testing.T) {
		var e errorBody
		status, raw := call(t, motcua.RoleClerk, "DELETE", "/v1/dossiers/"+inReview, nil, &e)
		if status != 405 || e.Error.Code == "" {
			t.Errorf("DELETE: %d %s", status, raw)
		}
	})
	// None of the refused calls changed the dossier.
	after := get(t, inReview)
	a, _ := json.Marshal(after.Steps)
	b, _ := json.Marshal(before.Steps)
	if after.Status != before.Status || !bytes.Equal(a, b) {
		t.Errorf("refused calls changed the dossier: %s -> %s\n%s\n%s", before.Status, after.Status, b, a)
	}
	if !strings.HasPrefix(inReview, motcua.DefaultUnit.Code) {
		t.Error(inReview)
	}
}

func TestHealthz(t *testing.T) {
	resp, err := http.Get(env.api.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz %d", resp.StatusCode)
	}
}

func TestHealthzIs503WithoutTemporal(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	c, err := client.NewLazyClient(client.Options{HostPort: addr, Logger: quiet{}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srv := httptest.NewServer((&api.Server{Temporal: c, Users: mustUsers(t), Log: zerolog.Nop()}).Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e errorBody
	json.NewDecoder(resp.Body).Decode(&e)
	if resp.StatusCode != 503 || e.Error.Code != motcua.CodeUnavailable {
		t.Errorf("healthz without temporal: %d %+v", resp.StatusCode, e)
	}
}

func mustUsers(t *testing.T) *accounts.Users {
	u, err := accounts.NewUsers(nil)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// A document whose bytes are not what its content_type says is refused
// with the field named, and nothing is stored.
func TestDocumentOfTheWrongTypeIsRefusedAndNotStored(t *testing.T) {
	before, _, _, err := env.store.Files()
	if err != nil {
		t.Fatal(err)
	}
	req := maritalRequest()
	fake := []byte("MZ\x90\x00 an executable named like a scan")
	req.Documents[0].ContentBase64 = base64.StdEncoding.EncodeToString(fake)
	app, _ := req.Decode()
	_, err = as(motcua.RoleClerk).Create(context.Background(), app)
	var e *motcua.Error
	if !errors.As(err, &e) || e.Code != motcua.CodeInvalidRequest || e.Fields["documents[0].content_base64"] == "" {
		t.Fatalf("intake of a non-PDF: %v, want invalid_request naming documents[0].content_base64", err)
	}
	after, _, _, err := env.store.Files()
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) || slices.Contains(after, sum(fake)) {
		t.Fatalf("the refused document was stored: %d blobs before, %d after", len(before), len(after))
	}
}

// What would stick a dossier or forge a line is refused at the door, with
// the field named: a 2 MB field value, a name with a line break, a
// right-to-left override. A comment may have several lines, and the audit
// timeline writes them escaped: no line of it can be forged.
func TestInputsThatWouldStickOrForgeAreRefused(t *testing.T) {
	ctx := context.Background()
	huge := maritalRequest()
	huge.Fields["purpose"] = strings.Repeat("Kết hôn ", 256<<10)
	expectError(t, 400, motcua.CodeInvalidRequest, motcua.RoleClerk, "POST", "/v1/dossiers", huge, "fields.purpose")
	forged := maritalRequest()
	forged.Applicant.FullName = "Hoàng Văn Nam\nKT. CHỦ TỊCH"
	forged.Documents[0].Name = "to-khai\u202efdp.exe"
	expectError(t, 400, motcua.CodeInvalidRequest, motcua.RoleClerk, "POST", "/v1/dossiers", forged, "applicant.full_name", "documents[0].name")

	id := create(t, maritalRequest()).DossierID
	expectError(t, 400, motcua.CodeInvalidRequest, motcua.RoleClerk, "POST", "/v1/dossiers/"+id+"/withdraw",
		map[string]string{"comment": strings.Repeat("x", motcua.MaxCommentBytes+1)}, "comment")
	line := "2026-11-26 09:00:00  #99   chairman1      signature decision: sign by Nguyễn Văn Vĩnh (chairman)"
	if _, err := as(motcua.RoleClerk).Withdraw(ctx, id, "Công dân rút hồ sơ.\n"+line); err != nil {
		t.Fatal(err)
	}
	h, err := audit.History(ctx, env.tc, id)
	if err != nil {
		t.Fatal(err)
	}
	var timeline strings.Builder
	audit.WriteTimeline(&timeline, env.dc, h, "en")
	for _, l := range strings.Split(strings.TrimSpace(timeline.String()), "\n") {
		if strings.HasPrefix(l, "2026-11-26 09:00:00  #99") {
			t.Errorf("a comment forged a line of the timeline:\n%s", timeline.String())
		}
	}
	if !strings.Contains(timeline.String(), `Công dân rút hồ sơ.\u000a2026-11-26`) {
		t.Errorf("the comment is not in the timeline, escaped:\n%s", timeline.String())
	}
}

// Units are separate: an API for another unit, over the same Temporal,
// lists, reads and decides none of this unit's dossiers.
func TestAnotherUnitSeesNoneOfOurDossiers(t *testing.T) {
	ctx := context.Background()
	ours := create(t, maritalRequest()).DossierID
	srv := env.newServer()
	srv.Unit = motcua.Unit{Code: "000.00.02.H22", Name: "Ủy ban nhân dân xã Bên Cạnh", Place: "Bên Cạnh"}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	other := apiclient.New(ts.URL, env.tokens[motcua.RoleAuditor], nil)
	page, err := other.List(ctx, apiclient.Filter{PageSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range page.Dossiers {
		if !strings.HasPrefix(d.DossierID, srv.Unit.Code+"-") {
			t.Errorf("the other unit lists %s", d.DossierID)
		}
	}
	if _, err := other.Get(ctx, ours); motcua.ErrorCode(err) != motcua.CodeNotFound {
		t.Errorf("the other unit reads %s: %v", ours, err)
	}
	if _, err := other.As(env.tokens[motcua.RoleSpecialist]).Review(ctx, ours, motcua.Review{Decision: motcua.DecisionApprove}); motcua.ErrorCode(err) != motcua.CodeNotFound {
		t.Errorf("the other unit decides on %s: %v", ours, err)
	}
	if _, err := other.History(ctx, ours); motcua.ErrorCode(err) != motcua.CodeNotFound {
		t.Errorf("the other unit reads the history of %s: %v", ours, err)
	}
	// ...while this unit's API still lists it.
	mine, err := as(motcua.RoleAuditor).List(ctx, apiclient.Filter{PageSize: 500})
	if err != nil || !slices.ContainsFunc(mine.Dossiers, func(d motcua.Summary) bool { return d.DossierID == ours }) {
		t.Errorf("our API does not list %s: %v", ours, err)
	}
}
