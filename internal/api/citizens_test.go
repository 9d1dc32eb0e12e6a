package api_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/archive"
	"github.com/motcua/motcua/wire"
)

// A citizen's papers handed in once are found again (by clerks and
// specialists, with a reason that is logged) and taken by reference in a
// later dossier of the same citizen, never of another; the ID number is in
// neither the index nor the log.
func TestCitizenPapersAreReusedNotAskedForAgain(t *testing.T) {
	const id = "001099055555"
	first := maritalRequest()
	first.Applicant.IDNumber = id
	a := create(t, first)

	var list struct{ Documents []archive.CitizenDocument }
	const search = "/v1/citizens/documents:search"
	type q = map[string]any
	must(t, http.StatusBadRequest, motcua.RoleClerk, "POST", search, q{"id_number": id}, nil) // no reason
	must(t, http.StatusBadRequest, motcua.RoleClerk, "POST", search, q{"id_number": "12345", "reason": "Hồ sơ mới"}, nil)
	must(t, http.StatusBadRequest, motcua.RoleClerk, "POST", search, q{"id_number": id, "reason": "Hồ sơ mới", "phone": "x"}, nil)
	must(t, http.StatusForbidden, motcua.RoleChairman, "POST", search, q{"id_number": id, "reason": "ky so"}, nil)
	must(t, http.StatusOK, motcua.RoleClerk, "POST", search, q{"id_number": id, "reason": "Hồ sơ mới của công dân"}, &list)
	// The old look-up, with the number in its path, points to the new
	// one and finds nothing; the request log does not write the number.
	moved := must(t, http.StatusGone, motcua.RoleClerk, "GET", "/v1/citizens/"+id+"/documents?reason=H%E1%BB%93+s%C6%A1+m%E1%BB%9Bi", nil, nil)
	if !strings.Contains(string(moved), "POST /v1/citizens/documents:search") || strings.Contains(string(moved), id) {
		t.Errorf("the old look-up: %s", moved)
	}
	for _, line := range env.logs.Lines() {
		if strings.Contains(line, id) {
			t.Errorf("the ID number in the log: %s", line)
		}
	}
	if len(list.Documents) != 1 || list.Documents[0].DossierID != a.DossierID || list.Documents[0].Code != "TK_XNHN" {
		t.Fatalf("the citizen's papers: %+v", list.Documents)
	}
	ref := "sha256:" + list.Documents[0].SHA256

	// The same citizen's next dossier takes it by reference.
	second := maritalRequest()
	second.Applicant.IDNumber = id
	second.Documents = []wire.Document{{Code: "TK_XNHN", ArchiveRef: ref}}
	var created wire.Created
	must(t, http.StatusCreated, motcua.RoleClerk, "POST", "/v1/dossiers", second, &created)
	st := get(t, created.DossierID)
	if len(st.Documents) != 1 || "sha256:"+st.Documents[0].SHA256 != ref || st.Documents[0].ContentType != "application/pdf" {
		t.Errorf("the reused paper: %+v", st.Documents)
	}

	// Another citizen cannot take it.
	other := maritalRequest()
	other.Applicant.IDNumber = "001099066666"
	other.Documents = []wire.Document{{Code: "TK_XNHN", ArchiveRef: ref}}
	raw := must(t, http.StatusBadRequest, motcua.RoleClerk, "POST", "/v1/dossiers", other, nil)
	if !strings.Contains(string(raw), "documents[0].archive_ref") || strings.Contains(string(raw), "content_base64") {
		t.Errorf("refusal: %s", raw)
	}

	// The auditor reads who looked, when and why.
	var log struct{ Accesses []archive.Access }
	must(t, http.StatusForbidden, motcua.RoleClerk, "GET", "/v1/access-log", nil, nil)
	must(t, http.StatusOK, motcua.RoleAuditor, "GET", "/v1/access-log", nil, &log)
	found := false
	for _, e := range log.Accesses {
		if e.Role == "clerk" && e.Reason == "Hồ sơ mới của công dân" && e.Found == 1 && !strings.Contains(e.Citizen, id) {
			found = true
		}
	}
	if !found {
		t.Errorf("the access log: %+v", log.Accesses)
	}
	for _, dir := range []string{"citizen-documents", "access", "dossier-citizen"} {
		filepath.Walk(filepath.Join(env.dir, "archive", dir), func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				if b, _ := os.ReadFile(p); strings.Contains(string(b), id) {
					t.Errorf("%s holds the ID number in clear", p)
				}
			}
			return nil
		})
	}
}
