// Package signertest gives tests a throw-away CA and runs the independent
// PDF checkers (poppler's pdfsig, qpdf) on signed files.
package signertest

import (
	"crypto"
	"crypto/x509"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/motcua/motcua/signer"
)

// TestCA is a dev CA in a temporary folder.
type TestCA struct {
	CA    *signer.DevCA
	Roots *x509.CertPool
}

// CA creates a fresh CA for the test.
func CA(t testing.TB) *TestCA {
	t.Helper()
	ca, err := signer.OpenDevCA(t.TempDir(), "Ủy ban nhân dân xã Thử Nghiệm")
	if err != nil {
		t.Fatal(err)
	}
	return &TestCA{CA: ca, Roots: ca.Roots()}
}

// Key issues a signing key for a person named name.
func (c *TestCA) Key(t testing.TB, name string) signer.Key {
	t.Helper()
	k, err := c.CA.Key(signer.Person{ID: strings.ReplaceAll(name, " ", "_"), Name: name})
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
