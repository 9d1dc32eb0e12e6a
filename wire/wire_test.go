package wire_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/wire"
)

// FuzzIntake: any JSON body a back-office system sends is decoded and
// validated as the API does it, and refused with a clear error (a code and
// the fields at fault), or accepted only when it holds what the procedure
// needs: a known procedure, a 12-digit citizen id, every required field
// and document, and documents whose bytes are the upload's and of the type
// they claim.
func FuzzIntake(f *testing.F) {
	pdf := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4 form"))
	f.Add([]byte(`{"procedure_code":"2.000815","channel":"postal","applicant":{"full_name":"Đặng Thu Thảo","id_number":"001300000001"},` +
		`"fields":{"document_title":"Học bạ","copies":"3"},"documents":[{"code":"BAN_CHINH","name":"hocba.pdf","content_type":"application/pdf","content_base64":"` + pdf + `"}]}`))
	f.Add([]byte(`{"procedure_code":"1.001193","channel":"counter","applicant":{"full_name":"A","id_number":"001203004567"},"fields":{},"documents":[]}`))
	f.Add([]byte(`{"procedure_code":"","documents":[{"code":"X","content_base64":"!!"}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var req wire.IntakeRequest
		if json.Unmarshal(body, &req) != nil {
			return
		}
		app, bad := req.Decode()
		p, err := motcua.ValidateIntake(catalog.Default(), app)
		if err != nil {
			e, ok := err.(*motcua.Error)
			if !ok || e.Message == "" || (e.Code != motcua.CodeInvalidRequest && e.Code != motcua.CodeUnknownProcedure) || len(e.Fields) == 0 {
				t.Fatalf("unclear refusal: %#v", err)
			}
			return
		}
		if len(bad) > 0 {
			t.Fatalf("valid although %v", bad)
		}
		if p.Code != req.ProcedureCode || len(req.Applicant.IDNumber) != 12 || len(app.Documents) != len(req.Documents) {
			t.Fatalf("accepted %+v as %s", req, p.Code)
		}
		for _, f := range p.Fields {
			if f.Required && req.Fields[f.Name] == "" {
				t.Fatalf("accepted without the required field %s", f.Name)
			}
		}
		for i, d := range req.Documents {
			b, _ := base64.StdEncoding.DecodeString(d.ContentBase64)
			if !bytes.Equal(b, app.Documents[i].Content) || len(b) == 0 {
				t.Fatalf("document %d: contents do not match the upload", i)
			}
		}
	})
}

// A document that is not base64 is named beside the other faults.
func TestDecodeNamesTheDocumentThatIsNotBase64(t *testing.T) {
	_, bad := wire.IntakeRequest{Documents: []wire.Document{{ContentBase64: "aGk="}, {ContentBase64: "%%%"}}}.Decode()
	if len(bad) != 1 || bad["documents[1].content_base64"] == "" {
		t.Fatalf("bad = %v", bad)
	}
}

// What the client encodes the server decodes, byte for byte.
func TestBodiesRoundTrip(t *testing.T) {
	d := motcua.SignDecision{Decision: motcua.DecisionSign, SigningRequestID: "r", Signature: []byte{0, 1, 2, 255}}
	back, bad := wire.SignBody(d).Decode()
	if len(bad) > 0 || !bytes.Equal(back.Signature, d.Signature) || back.SigningRequestID != "r" {
		t.Fatalf("sign body: %+v %v", back, bad)
	}
	doc := motcua.Document{Code: "C", Name: "n.pdf", ContentType: "application/pdf", Content: []byte("%PDF-1.7")}
	docs, bad := wire.DecodeDocuments([]wire.Document{wire.Upload(doc)})
	if len(bad) > 0 || !bytes.Equal(docs[0].Content, doc.Content) || docs[0].Name != doc.Name {
		t.Fatalf("document: %+v %v", docs, bad)
	}
	cert, chain, bad := wire.SigningRequestBody{CertificatePEM: "junk"}.Decode()
	if cert != nil || chain != nil || bad["certificate_pem"] == "" {
		t.Fatalf("junk certificate: %v %v %v", cert, chain, bad)
	}
}
