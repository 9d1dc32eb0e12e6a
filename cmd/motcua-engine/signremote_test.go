package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/apiclient"
	"github.com/motcua/motcua/signer/devca"
	"github.com/motcua/motcua/signer/signertest"
)

// `motcua sign-remote` signs a dossier awaiting signature with a key that
// stays on the leader's side (here a PKCS#12 file from the dev CA).
func TestSignRemoteCommand(t *testing.T) {
	processTest(t, "runs motcua dev")
	cfg := devConfig{data: t.TempDir(), api: freeAddr(t), temporal: freeAddr(t), pki: freeAddr(t)}
	p := startDev(t, cfg)
	tok := tokens(t, cfg.data)
	api := apiclient.New(p.api, "", nil)
	ctx := context.Background()
	// Two dossiers await the chairman: one is signed with a PKCS#12 file,
	// the other with a key on a PKCS#11 token (SoftHSM2).
	var ids []string
	for range 2 {
		c, err := api.As(tok["clerk"]).Create(ctx, maritalStatus(12345))
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if _, err := api.As(tok["specialist"]).Review(ctx, c.DossierID, motcua.Review{Decision: motcua.DecisionApprove}); err != nil {
			t.Fatalf("review: %v", err)
		}
		ids = append(ids, c.DossierID)
	}
	// The leader's own keys, certified by the dev CA (with its OCSP responder).
	ca, err := devca.Open(filepath.Join(cfg.data, "ca"), "x")
	if err != nil {
		t.Fatal(err)
	}
	ca.SetPKIBase("http://" + cfg.pki)
	if _, err := ca.Key(devca.Person{ID: "chairman-usb", Name: "Nguyễn Văn Vĩnh"}); err != nil {
		t.Fatal(err)
	}
	pw, _ := os.ReadFile(filepath.Join(cfg.data, "ca", "pkcs12-password"))
	signRemote := func(id string, env []string, args ...string) string {
		cmd := exec.Command(binary, append([]string{"sign-remote", "--api", p.api, "--dossier", id}, args...)...)
		cmd.Env = append(append(os.Environ(), "MOTCUA_TOKEN="+tok["chairman"]), env...)
		out, err := cmd.CombinedOutput()
		// The leader's part is done: the office issues next.
		if err != nil || !strings.Contains(string(out), `"signed_by": "chairman1"`) || !strings.Contains(string(out), `"status": "awaiting_issue"`) {
			t.Fatalf("sign-remote %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	out := signRemote(ids[0], []string{"P12_PASSWORD=" + strings.TrimSpace(string(pw))},
		"--pkcs12", filepath.Join(cfg.data, "ca", "chairman-usb.p12"), "--password-env", "P12_PASSWORD")
	if strings.Contains(out, strings.TrimSpace(string(pw))) {
		t.Error("sign-remote printed the password")
	}

	hsm := signertest.NewSoftHSM(t, "chairman-token")
	hsm.Provision(t, "chairman1", true, func(pub crypto.PublicKey) (*x509.Certificate, error) { return ca.Certify("Nguyễn Văn Vĩnh", pub) })
	out = signRemote(ids[1], []string{"SOFTHSM2_CONF=" + hsm.Conf, "TOKEN_PIN=" + hsm.PIN},
		"--pkcs11-module", hsm.Module, "--pkcs11-token", hsm.Token, "--key-label", "chairman1", "--pin-env", "TOKEN_PIN", "--chain", ca.RootPath())
	if strings.Contains(out, hsm.PIN) {
		t.Error("sign-remote printed the PIN")
	}
	for _, id := range ids {
		st := await(t, api.As(tok["clerk"]), id, func(s motcua.State) bool { return s.Status == motcua.StatusCompleted }, "completed")
		result, err := api.As(tok["clerk"]).Result(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "result.pdf")
		os.WriteFile(path, result, 0o600)
		signertest.Qpdf(t, path)
		if c := signertest.OpenSSL(t, path, ca.RootPath()); c.Timestamped == 0 || c.PAdESBaseline != c.Signatures {
			t.Errorf("%s: openssl found no timestamp on the remote signature", id)
		}
		// The leader's signature and the office's, both valid.
		if text := signertest.Pdfsig(t, path); strings.Count(text, "Signature is Valid") != 2 || !strings.Contains(text, "Nguyễn Văn Vĩnh") || !strings.Contains(text, "Common Name: Ủy ban nhân dân xã Tân Lập") {
			t.Errorf("%s (%s): pdfsig:\n%s", id, st.Status, text)
		}
	}
}
