package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/motcua/motcua/signer"
)

// `motcua sign-remote` signs a dossier awaiting signature with a key that
// stays on the leader's side (here a PKCS#12 file from the dev CA).
func TestSignRemoteCommand(t *testing.T) {
	processTest(t, "runs motcua dev")
	cfg := devConfig{data: t.TempDir(), api: freeAddr(t), temporal: freeAddr(t), pki: freeAddr(t)}
	p := startDev(t, cfg)
	tok := tokens(t, cfg.data)
	var created struct {
		DossierID string `json:"dossier_id"`
	}
	body := map[string]any{
		"procedure_code": "1.004227", "channel": "online",
		"applicant": map[string]string{"full_name": "Hoàng Văn Nam", "id_number": "001099012345"},
		"fields":    map[string]string{"purpose": "Kết hôn", "marital_status": "Chưa kết hôn"},
		"documents": []map[string]string{{"code": "TK_XNHN", "name": "tk.pdf", "content_type": "application/pdf", "content_base64": "JVBERi0xLjQKJSVFT0YK"}},
	}
	if s := p.call(t, tok["clerk"], "POST", "/v1/dossiers", body, &created); s != 201 {
		t.Fatalf("create: %d", s)
	}
	if s := p.call(t, tok["specialist"], "POST", "/v1/dossiers/"+created.DossierID+"/review", map[string]string{"decision": "approve"}, nil); s != 200 {
		t.Fatalf("review: %d", s)
	}
	// The leader's own key, certified by the dev CA (with its OCSP responder).
	ca, err := signer.OpenDevCA(filepath.Join(cfg.data, "ca"), "x")
	if err != nil {
		t.Fatal(err)
	}
	ca.SetPKIBase("http://" + cfg.pki)
	if _, err := ca.Key(signer.Person{ID: "chairman-usb", Name: "Nguyễn Văn Vĩnh"}); err != nil {
		t.Fatal(err)
	}
	pw, _ := os.ReadFile(filepath.Join(cfg.data, "ca", "pkcs12-password"))
	cmd := exec.Command(binary, "sign-remote", "--api", p.api, "--dossier", created.DossierID,
		"--pkcs12", filepath.Join(cfg.data, "ca", "chairman-usb.p12"), "--password-env", "P12_PASSWORD")
	cmd.Env = append(os.Environ(), "MOTCUA_TOKEN="+tok["chairman"], "P12_PASSWORD="+strings.TrimSpace(string(pw)))
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"status": "signed"`) {
		t.Fatalf("sign-remote: %v\n%s", err, out)
	}
	if strings.Contains(string(out), strings.TrimSpace(string(pw))) {
		t.Error("sign-remote printed the password")
	}
}
