package signer_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/signer"
	"github.com/motcua/motcua/signer/devca"
	"github.com/motcua/motcua/signer/signertest"
)

func writeSigners(t *testing.T, dir string, cfg any) string {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"signers": cfg})
	path := filepath.Join(dir, "signers.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A key generated on a SoftHSM2 token signs without leaving it.
func TestSignWithAKeyOnAPKCS11Token(t *testing.T) {
	hsm := signertest.NewSoftHSM(t, "ubnd-tan-lap")
	ca := devPKI(t)
	// Provision the token as a CA would: a key pair generated on it, and
	// the certificate issued for its public key stored beside it.
	hsm.Provision(t, "vice1", false, func(pub crypto.PublicKey) (*x509.Certificate, error) {
		return ca.CA.Certify("Phạm Thị Hương", pub)
	})

	dir := t.TempDir()
	t.Setenv("MOTCUA_TEST_PIN", hsm.PIN)
	path := writeSigners(t, dir, map[string]any{"vice1": map[string]any{"pkcs11": map[string]any{
		"module": hsm.Module, "token": hsm.Token, "key_label": "vice1",
		"pin": map[string]string{"env": "MOTCUA_TEST_PIN"}, "chain_file": ca.CA.RootPath(),
	}}})
	signers, err := signer.LoadSigners(path)
	if err != nil {
		t.Fatal(err)
	}
	key, err := signers["vice1"].Key()
	if err != nil {
		t.Fatal(err)
	}
	if _, inMemory := key.Signer.(*rsa.PrivateKey); inMemory {
		t.Fatal("the private key was read off the token")
	}
	opts := signer.Options{Roots: ca.Roots, TSA: ca.CA.TSAURL(), Level: signer.LevelLTA}
	out, err := signer.Sign(context.Background(), sampleResult(t), key, signer.Info{Name: "Phạm Thị Hương", Time: time.Now()}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := signer.Verify(out, ca.Roots); err != nil || rep.Err() != nil || rep.PAdESLevel != "B-LTA" {
		t.Fatalf("%v %v level %q", err, rep.Err(), rep.PAdESLevel)
	}
	p := filepath.Join(dir, "signed.pdf")
	os.WriteFile(p, out, 0o600)
	signertest.Qpdf(t, p)
	if c := signertest.OpenSSL(t, p, ca.CA.RootPath()); c != (signertest.Checked{Signatures: 1, PAdESBaseline: 1, Timestamped: 1, DocTimestamps: 1}) {
		t.Errorf("openssl checked %+v", c)
	}
	if text := signertest.Pdfsig(t, p); !strings.Contains(text, "Signature is Valid") || !strings.Contains(text, "Phạm Thị Hương") {
		t.Errorf("pdfsig:\n%s", text)
	}

	// A wrong PIN is a clear error, and the PIN is not in it.
	t.Setenv("MOTCUA_TEST_PIN", "999999")
	wrong := signer.PKCS11Token{Module: hsm.Module, Token: "another-token", KeyLabel: "vice1", PIN: signer.Secret{Env: "MOTCUA_TEST_PIN"}}
	if _, err := wrong.Key(); err == nil || strings.Contains(err.Error(), "999999") {
		t.Errorf("wrong token: %v", err)
	}
}

func TestSignersFileWithPKCS12(t *testing.T) {
	ca := signertest.CA(t)
	if _, err := ca.CA.Key(devca.Person{ID: "chairman1", Name: "Nguyễn Văn Vĩnh"}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// The dev CA keeps its PKCS#12 password in a file beside the keys.
	path := writeSigners(t, dir, map[string]any{"chairman1": map[string]any{"pkcs12": map[string]any{
		"file":     filepath.Join(filepath.Dir(ca.CA.RootPath()), "chairman1.p12"),
		"password": map[string]string{"file": filepath.Join(filepath.Dir(ca.CA.RootPath()), "pkcs12-password")},
	}}})
	signers, err := signer.LoadSigners(path)
	if err != nil {
		t.Fatal(err)
	}
	key, err := signers["chairman1"].Key()
	if err != nil || key.Certificate.Subject.CommonName != "Nguyễn Văn Vĩnh" {
		t.Fatalf("%v %v", err, key.Certificate)
	}
	for name, bad := range map[string]any{
		"both sources": map[string]any{"x": map[string]any{"pkcs12": map[string]any{"file": "a"}, "pkcs11": map[string]any{"module": "m", "token": "t", "key_label": "k"}}},
		"no source":    map[string]any{"x": map[string]any{}},
		"no label":     map[string]any{"x": map[string]any{"pkcs11": map[string]any{"module": "m", "token": "t"}}},
	} {
		if _, err := signer.LoadSigners(writeSigners(t, t.TempDir(), bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
