package api_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/signer/signertest"
)

// The chairman signs on their own token: the server never sees the key.
func TestRemoteSigningThroughTheAPI(t *testing.T) {
	token, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader) // the leader's USB token
	cert, err := env.ca.Certify("Nguyễn Văn Vĩnh", token.Public())
	if err != nil {
		t.Fatal(err)
	}
	certPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
	chainPEM, _ := os.ReadFile(env.ca.RootPath())

	c := create(t, maritalRequest())
	id := c.DossierID
	expectError(t, 409, motcua.CodeInvalidState, motcua.RoleChairman, "POST", "/v1/dossiers/"+id+"/signing-request", map[string]string{"certificate_pem": certPEM})
	must(t, http.StatusOK, motcua.RoleSpecialist, "POST", "/v1/dossiers/"+id+"/review", map[string]any{"decision": "approve"}, nil)
	expectError(t, 400, motcua.CodeInvalidRequest, motcua.RoleChairman, "POST", "/v1/dossiers/"+id+"/signing-request", map[string]string{"certificate_pem": "not pem"}, "certificate_pem")
	expectError(t, 403, motcua.CodeForbidden, motcua.RoleSpecialist, "POST", "/v1/dossiers/"+id+"/signing-request", map[string]string{"certificate_pem": certPEM})
	// The chairman cannot sign with the vice-chairman's certificate: the
	// result would say CHỦ TỊCH and be signed by someone else.
	vice, err := env.ca.Certify("Phạm Thị Hương", token.Public())
	if err != nil {
		t.Fatal(err)
	}
	expectError(t, 403, motcua.CodeForbidden, motcua.RoleChairman, "POST", "/v1/dossiers/"+id+"/signing-request",
		map[string]string{"certificate_pem": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: vice.Raw}))})
	// A certificate no trusted root vouches for is the leader's to fix: 422,
	// not a 503 that clients would retry for ever.
	other := signertest.CA(t)
	stranger, err := other.CA.Certify("Nguyễn Văn Vĩnh", token.Public())
	if err != nil {
		t.Fatal(err)
	}
	expectError(t, 422, motcua.CodeSigningFailed, motcua.RoleChairman, "POST", "/v1/dossiers/"+id+"/signing-request",
		map[string]string{"certificate_pem": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: stranger.Raw}))})

	var req motcua.SigningRequest
	must(t, http.StatusOK, motcua.RoleChairman, "POST", "/v1/dossiers/"+id+"/signing-request",
		map[string]string{"certificate_pem": certPEM, "chain_pem": string(chainPEM)}, &req)
	if req.ID == "" || req.Algorithm != "ECDSA-SHA256" || req.DossierID != id {
		t.Fatalf("request %+v", req)
	}
	var again motcua.SigningRequest
	must(t, http.StatusOK, motcua.RoleAuditor, "GET", "/v1/dossiers/"+id+"/signing-request", nil, &again)
	if again.ID != req.ID {
		t.Errorf("GET gave %+v", again)
	}
	digest, _ := base64.StdEncoding.DecodeString(req.DigestBase64)
	sig, err := token.Sign(rand.Reader, digest, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	// Another leader cannot use the chairman's request, and a wrong
	// signature is refused with the dossier left awaiting the signature.
	expectError(t, 409, motcua.CodeInvalidState, motcua.RoleViceChairman, "POST", "/v1/dossiers/"+id+"/sign",
		map[string]string{"decision": "sign", "signing_request_id": req.ID, "signature_base64": base64.StdEncoding.EncodeToString(sig)})
	bad := append([]byte(nil), sig...)
	bad[len(bad)-1] ^= 0xff
	expectError(t, 422, motcua.CodeSigningFailed, motcua.RoleChairman, "POST", "/v1/dossiers/"+id+"/sign",
		map[string]string{"decision": "sign", "signing_request_id": req.ID, "signature_base64": base64.StdEncoding.EncodeToString(bad)})
	st := get(t, id)
	if st.Status != motcua.StatusAwaitingSignature {
		t.Fatalf("after a bad signature the dossier is %s", st.Status)
	}
	if last := st.Steps[len(st.Steps)-1]; last.Outcome != "signing_failed" || last.Comment == "" {
		t.Fatalf("the failure is not a step with its reason: %+v", last)
	}

	must(t, http.StatusOK, motcua.RoleChairman, "POST", "/v1/dossiers/"+id+"/sign",
		map[string]string{"decision": "sign", "signing_request_id": req.ID, "signature_base64": base64.StdEncoding.EncodeToString(sig)}, &st)
	if st.Status != motcua.StatusAwaitingIssue {
		t.Fatalf("after the remote signature: %s", st.Status)
	}
	st = waitFor(t, id, "completed", func(s motcua.State) bool { return s.Status == motcua.StatusCompleted })
	result := must(t, http.StatusOK, motcua.RoleClerk, "GET", "/v1/dossiers/"+id+"/result", nil, nil)
	path := filepath.Join(t.TempDir(), "remote.pdf")
	os.WriteFile(path, result, 0o600)
	signertest.Qpdf(t, path)
	if text := signertest.Pdfsig(t, path); !strings.Contains(text, "Signature is Valid") || !strings.Contains(text, "Nguyễn Văn Vĩnh") {
		t.Errorf("pdfsig:\n%s", text)
	}
	if sum(result) != st.Result.SHA256 {
		t.Error("result hash differs")
	}
	record(t, id, "remote-sign")
	record(t, id, "remote-sign-signature-bytes") // since the decision carries the signature's bytes
}
