package motcua_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/motcua/motcua"
)

// FuzzValidateIntake: any JSON body a back-office system sends is refused
// with a clear error (a code, and the fields at fault), or accepted only
// when it holds what the procedure needs: a known procedure, a 12-digit
// citizen id, every required field and document, and documents whose bytes
// are what their type says.
func FuzzValidateIntake(f *testing.F) {
	valid, _ := json.Marshal(validRequest())
	f.Add(valid)
	f.Add([]byte(`{"procedure_code":"1.001193","channel":"counter","applicant":{"full_name":"A","id_number":"001203004567"},"fields":{},"documents":[]}`))
	f.Add([]byte(`{"procedure_code":"","documents":[{"code":"X","content_base64":"!!"}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var req motcua.IntakeRequest
		if json.Unmarshal(body, &req) != nil {
			return
		}
		p, contents, err := motcua.ValidateIntake(motcua.DefaultCatalog, req)
		if err != nil {
			e, ok := err.(*motcua.Error)
			if !ok || e.Message == "" || (e.Code != motcua.CodeInvalidRequest && e.Code != motcua.CodeUnknownProcedure) || len(e.Fields) == 0 {
				t.Fatalf("unclear refusal: %#v", err)
			}
			return
		}
		if p.Code != req.ProcedureCode || len(req.Applicant.IDNumber) != 12 || len(contents) != len(req.Documents) {
			t.Fatalf("accepted %+v as %s", req, p.Code)
		}
		for _, f := range p.Fields {
			if f.Required && req.Fields[f.Name] == "" {
				t.Fatalf("accepted without the required field %s", f.Name)
			}
		}
		for i, d := range req.Documents {
			b, _ := base64.StdEncoding.DecodeString(d.ContentBase64)
			if !bytes.Equal(b, contents[i]) || len(b) == 0 {
				t.Fatalf("document %d: contents do not match the upload", i)
			}
		}
	})
}
