// Package signertest gives tests a throw-away CA and runs the independent
// PDF checkers (poppler's pdfsig, qpdf) on signed files.
package signertest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ThalesGroup/crypto11"
	"github.com/digitorus/pkcs7"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/document"
	"github.com/motcua/motcua/signer"
	"github.com/motcua/motcua/signer/devca"
)

// TestCA is a dev CA in a temporary folder.
type TestCA struct {
	CA    *devca.CA
	Roots *x509.CertPool
}

// CA creates a fresh CA for the test.
func CA(t testing.TB) *TestCA {
	t.Helper()
	ca, err := devca.Open(t.TempDir(), "Ủy ban nhân dân xã Thử Nghiệm")
	if err != nil {
		t.Fatal(err)
	}
	return &TestCA{CA: ca, Roots: ca.Roots()}
}

// Key issues a signing key for a person named name.
func (c *TestCA) Key(t testing.TB, name string) signer.Key {
	t.Helper()
	k, err := c.CA.Key(devca.Person{ID: strings.ReplaceAll(name, " ", "_"), Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// KeyFor issues a certificate named name for an existing key.
func (c *TestCA) KeyFor(t testing.TB, name string, k crypto.Signer) signer.Key {
	t.Helper()
	cert, err := c.CA.Certify(name, k.Public())
	if err != nil {
		t.Fatal(err)
	}
	return signer.Key{Signer: k, Certificate: cert, Chain: c.CA.Chain()}
}

// Tool returns the path of an external checker. Where it is missing the test
// is skipped, except under CI (CI set), where .ci/run installs it and its
// absence is a failure.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (apt-get install poppler-utils qpdf)", name)
		}
		t.Skipf("%s is not installed", name)
	}
	return p
}

// Qpdf runs qpdf --check and fails the test unless it exits 0.
func Qpdf(t testing.TB, path string) {
	t.Helper()
	out, err := exec.Command(Tool(t, "qpdf"), "--check", path).CombinedOutput()
	if err != nil {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
}

// Pdfsig returns pdfsig's report of path. pdfsig exits 0 even on a bad
// digest, so callers read its text.
func Pdfsig(t testing.TB, path string) string {
	t.Helper()
	out, err := exec.Command(Tool(t, "pdfsig"), path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfsig: %v\n%s", err, out)
	}
	return string(out)
}

// PdfsigTrusting returns pdfsig's report of path with the root certificate
// (PEM file) trusted: an NSS database of the test holds it.
func PdfsigTrusting(t testing.TB, path, root string) string {
	t.Helper()
	certutil := Tool(t, "certutil")
	db := filepath.Join(t.TempDir(), "nss")
	if err := os.Mkdir(db, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-N", "-d", "sql:" + db, "--empty-password"},
		{"-A", "-d", "sql:" + db, "-n", "motcua-test-root", "-t", "CT,C,C", "-i", root},
	} {
		if b, err := exec.Command(certutil, args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil %v: %v\n%s", args, err, b)
		}
	}
	out, err := exec.Command(Tool(t, "pdfsig"), "-nssdir", "sql:"+db, path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfsig: %v\n%s", err, out)
	}
	return string(out)
}

// SoftHSM is an initialised SoftHSM2 token in a temporary folder.
type SoftHSM struct {
	Module, Token, PIN string
	// Conf is the token's SoftHSM2 configuration: child processes that use
	// the token need SOFTHSM2_CONF=Conf in their environment.
	Conf string
}

// NewSoftHSM creates a token for the test and points this process's
// SOFTHSM2_CONF at it until the test ends (so no two tests of one process
// may use SoftHSM at the same time). Without softhsm2 the test is skipped,
// or fails under CI.
func NewSoftHSM(t testing.TB, label string) SoftHSM {
	t.Helper()
	util := Tool(t, "softhsm2-util")
	var module string
	for _, m := range []string{"/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"} {
		if _, err := os.Stat(m); err == nil {
			module = m
		}
	}
	if module == "" {
		t.Fatal("softhsm2-util is installed but libsofthsm2.so is not found")
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "softhsm2.conf")
	if err := os.MkdirAll(filepath.Join(dir, "tokens"), 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(conf, []byte("directories.tokendir = "+filepath.Join(dir, "tokens")+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600)
	old, had := os.LookupEnv("SOFTHSM2_CONF")
	os.Setenv("SOFTHSM2_CONF", conf)
	t.Cleanup(func() {
		if had {
			os.Setenv("SOFTHSM2_CONF", old)
		} else {
			os.Unsetenv("SOFTHSM2_CONF")
		}
	})
	h := SoftHSM{Module: module, Token: label, PIN: "246810", Conf: conf}
	out, err := exec.Command(util, "--init-token", "--free", "--label", label, "--pin", h.PIN, "--so-pin", "13579").CombinedOutput()
	if err != nil {
		t.Fatalf("init token: %v\n%s", err, out)
	}
	return h
}

var byteRangeRE = regexp.MustCompile(`/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`)

// Checked is what OpenSSL checked in a file.
type Checked struct {
	Signatures    int // CMS signatures verified by openssl cms -verify
	Timestamped   int // of them, with a signature timestamp verified by openssl ts -verify
	DocTimestamps int // document timestamps verified by openssl ts -verify
	PAdESBaseline int // signatures whose signed attributes openssl prints as PAdES baseline ones
}

// OpenSSL checks every signature and document timestamp of the PDF at path
// with OpenSSL, not with anything of motcua's or pdfsign's: a signature by
// `openssl cms -verify` over the bytes its /ByteRange covers, chaining to
// root (a PEM file), its RFC 3161 token, when it carries one, by `openssl
// ts -verify` over the signature value, and its signed attributes from
// `openssl cms -cmsout -print` (a PAdES baseline signature has
// content-type, message-digest and signing-certificate-v2, and no
// signing-time); a document timestamp (/SubFilter /ETSI.RFC3161) by
// `openssl ts -verify` over the bytes its range covers.
func OpenSSL(t testing.TB, path, root string) Checked {
	t.Helper()
	openssl := Tool(t, "openssl")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	all := byteRangeRE.FindAllSubmatchIndex(b, -1)
	if len(all) == 0 {
		t.Fatal("no /ByteRange in " + path)
	}
	var c Checked
	for n, m := range all {
		var r [4]int
		for i := range r {
			r[i], _ = strconv.Atoi(string(b[m[2+2*i]:m[3+2*i]]))
		}
		if r[0]+r[1] >= r[2] || r[2]+r[3] > len(b) {
			t.Fatalf("byte range %v does not fit a file of %d bytes", r, len(b))
		}
		hexSig := bytes.Trim(b[r[0]+r[1]:r[2]], "<> \r\n")
		der, err := hex.DecodeString(string(hexSig))
		if err != nil {
			t.Fatalf("/Contents is not hex: %v", err)
		}
		var whole asn1.RawValue
		if _, err := asn1.Unmarshal(der, &whole); err != nil {
			whole.FullBytes = der // BER (NSS writes indefinite lengths): OpenSSL reads it, padding and all
		}
		dir := t.TempDir()
		sigFile, content := filepath.Join(dir, "sig.der"), filepath.Join(dir, "signed.bin")
		os.WriteFile(sigFile, whole.FullBytes, 0o600)
		os.WriteFile(content, append(append([]byte(nil), b[r[0]:r[0]+r[1]]...), b[r[2]:r[2]+r[3]]...), 0o600)
		dict := b[max(0, m[0]-2000):m[0]] // the dictionary up to /ByteRange
		if i := bytes.LastIndex(dict, []byte(" obj")); i >= 0 {
			dict = dict[i:]
		}
		if bytes.Contains(dict, []byte("/ETSI.RFC3161")) {
			out, err := exec.Command(openssl, "ts", "-verify", "-in", sigFile, "-token_in", "-data", content, "-CAfile", root).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "Verification: OK") {
				t.Fatalf("document timestamp %d: openssl ts -verify: %v\n%s", n+1, err, out)
			}
			c.DocTimestamps++
			continue
		}
		out, err := exec.Command(openssl, "cms", "-verify", "-binary", "-inform", "DER", "-in", sigFile, "-content", content,
			"-CAfile", root, "-purpose", "any", "-out", os.DevNull).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Verification successful") {
			t.Fatalf("signature %d: openssl cms -verify: %v\n%s", n+1, err, out)
		}
		c.Signatures++
		printed, err := exec.Command(openssl, "cms", "-cmsout", "-print", "-inform", "DER", "-in", sigFile).CombinedOutput()
		if err != nil {
			t.Fatalf("openssl cms -cmsout -print: %v\n%s", err, printed)
		}
		if signedAttrs := signedAttributesOf(string(printed)); strings.Contains(signedAttrs, "contentType") &&
			strings.Contains(signedAttrs, "messageDigest") && strings.Contains(signedAttrs, "signingCertificateV2") &&
			!strings.Contains(signedAttrs, "signingTime") {
			c.PAdESBaseline++
		}
		p7, err := pkcs7.Parse(whole.FullBytes)
		if err != nil || len(p7.Signers) != 1 {
			t.Fatalf("the CMS does not parse to one signer: %v", err)
		}
		si := p7.Signers[0]
		for _, a := range si.UnauthenticatedAttributes {
			if !a.Type.Equal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}) {
				continue
			}
			token, value := filepath.Join(dir, "token.der"), filepath.Join(dir, "signature.bin")
			os.WriteFile(token, a.Value.Bytes, 0o600)
			os.WriteFile(value, si.EncryptedDigest, 0o600)
			out, err := exec.Command(openssl, "ts", "-verify", "-in", token, "-token_in", "-data", value, "-CAfile", root).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "Verification: OK") {
				t.Fatalf("openssl ts -verify: %v\n%s", err, out)
			}
			c.Timestamped++
		}
	}
	return c
}

// signedAttributesOf cuts the signedAttrs part out of `openssl cms
// -cmsout -print` output.
func signedAttributesOf(printed string) string {
	i := strings.Index(printed, "signedAttrs:")
	if i < 0 {
		return ""
	}
	rest := printed[i:]
	if j := strings.Index(rest, "signatureAlgorithm:"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// Provision prepares the token as a CA would for a person: a key pair
// generated on it under label (ECDSA P-256 when ecdsa is set, else
// RSA-2048), and the certificate certify issues for its public key stored
// beside it. The private key never leaves the token.
func (h SoftHSM) Provision(t testing.TB, label string, ecdsa bool, certify func(crypto.PublicKey) (*x509.Certificate, error)) *x509.Certificate {
	t.Helper()
	admin, err := crypto11.Configure(&crypto11.Config{Path: h.Module, TokenLabel: h.Token, Pin: h.PIN})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	id := []byte(label)
	var kp crypto11.Signer
	if ecdsa {
		kp, err = admin.GenerateECDSAKeyPairWithLabel(id, []byte(label), elliptic.P256())
	} else {
		kp, err = admin.GenerateRSAKeyPairWithLabel(id, []byte(label), 2048)
	}
	if err != nil {
		t.Fatal(err)
	}
	cert, err := certify(kp.Public())
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.ImportCertificateWithLabel(id, []byte(label), cert); err != nil {
		t.Fatal(err)
	}
	return cert
}

// SignedReceipt is a receipt (form 01) signed by a leader's key of the dev
// CA it opens (creating it) in dir/ca, as `motcua dev` signs: the file an
// auditor verifies with --data dir.
func SignedReceipt(t testing.TB, dir string) (*devca.CA, []byte) {
	t.Helper()
	ca, err := devca.Open(filepath.Join(dir, "ca"), "UBND xã Thử")
	if err != nil {
		t.Fatal(err)
	}
	key, err := ca.Key(devca.Person{ID: "chairman1", Name: "Nguyễn Văn Vĩnh"})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := catalog.Default().Lookup("1.004227")
	pdf, err := document.Receipt(motcua.DefaultUnit, p, motcua.Dossier{ID: "X-261125-0001", ReceivedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	signed, err := signer.Sign(context.Background(), pdf, key, signer.Info{Name: "Nguyễn Văn Vĩnh"}, signer.Options{Roots: ca.Roots()})
	if err != nil {
		t.Fatal(err)
	}
	return ca, signed
}

// QRCodes reads the QR codes printed on page (from 1) of the PDF at path,
// as from a scan: the page rendered at 300 dpi (a printer's and a
// scanner's resolution) by poppler's pdftoppm, read by zbar's zbarimg.
func QRCodes(t testing.TB, path string, page int) []string {
	t.Helper()
	prefix := filepath.Join(t.TempDir(), "page")
	n := strconv.Itoa(page)
	if out, err := exec.Command(Tool(t, "pdftoppm"), "-r", "300", "-f", n, "-l", n, "-singlefile", "-png", path, prefix).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	out, err := exec.Command(Tool(t, "zbarimg"), "--raw", "-q", "-Sdisable", "-Sqrcode.enable", prefix+".png").Output()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 4) { // 4: no code found
		t.Fatalf("zbarimg: %v", err)
	}
	return strings.Fields(string(out))
}
