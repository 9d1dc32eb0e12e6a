package devca_test

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/ocsp"

	"github.com/motcua/motcua/signer/devca"
	"github.com/motcua/motcua/signer/signertest"
)

// The dev TSA's tokens name ETSI's baseline time-stamp policy, or the one
// the office sets; a policy that is not an OID is refused.
func TestTheTSANamesItsPolicy(t *testing.T) {
	ca, err := devca.Open(t.TempDir(), "Ủy ban nhân dân xã Tân Lập")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ca.Handler())
	defer srv.Close()
	ca.SetPKIBase(srv.URL)
	policy := func() string {
		t.Helper()
		req, err := timestamp.CreateRequest(bytes.NewReader([]byte("a result")), &timestamp.RequestOptions{Hash: crypto.SHA256, Certificates: true})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Post(ca.TSAURL(), "application/timestamp-query", bytes.NewReader(req))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		ts, err := timestamp.ParseResponse(body)
		if err != nil {
			t.Fatalf("the token: %v", err)
		}
		return ts.Policy.String()
	}
	if got := policy(); got != devca.DefaultTSAPolicy {
		t.Errorf("policy %s, want ETSI's baseline %s", got, devca.DefaultTSAPolicy)
	}
	if err := ca.SetTSAPolicy("1.2.704.99.1"); err != nil {
		t.Fatal(err)
	}
	if got := policy(); got != "1.2.704.99.1" {
		t.Errorf("policy %s after SetTSAPolicy", got)
	}
	for _, bad := range []string{"", "1", "abc", "3.1.2", "1.40.1", "1..2"} {
		if ca.SetTSAPolicy(bad) == nil {
			t.Errorf("%q taken for an OID", bad)
		}
	}
}

// The OCSP responder answers with its real time, to the second, in
// producedAt and thisUpdate (so an answer asked right after a signature's
// timestamp postdates it), signed by the root, good or revoked; x/crypto
// and openssl both read it.
func TestTheOCSPResponderAnswersWithItsRealTime(t *testing.T) {
	ca, err := devca.Open(t.TempDir(), "Ủy ban nhân dân xã Tân Lập")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ca.Handler())
	defer srv.Close()
	ca.SetPKIBase(srv.URL)
	k, err := ca.Key(devca.Person{ID: "chairman1", Name: "Nguyễn Văn Vĩnh"})
	if err != nil {
		t.Fatal(err)
	}
	root := ca.Chain()[0]
	ask := func() *ocsp.Response {
		t.Helper()
		req, _ := ocsp.CreateRequest(k.Certificate, root, &ocsp.RequestOptions{Hash: crypto.SHA256})
		resp, err := http.Post(srv.URL+"/ocsp", "application/ocsp-request", bytes.NewReader(req))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		r, err := ocsp.ParseResponseForCert(body, k.Certificate, root)
		if err != nil {
			t.Fatalf("the answer: %v", err)
		}
		return r
	}
	before := time.Now().Truncate(time.Second)
	r := ask()
	if r.Status != ocsp.Good || r.ThisUpdate.Before(before) || r.ProducedAt.Before(before) || r.ThisUpdate.After(r.ProducedAt) ||
		r.NextUpdate.Sub(r.ThisUpdate) != 24*time.Hour || r.SerialNumber.Cmp(k.Certificate.SerialNumber) != 0 {
		t.Errorf("the answer: status %d, thisUpdate %v, producedAt %v (asked at %v), nextUpdate %v", r.Status, r.ThisUpdate, r.ProducedAt, before, r.NextUpdate)
	}
	if err := ca.Revoke(k.Certificate.SerialNumber); err != nil {
		t.Fatal(err)
	}
	if r := ask(); r.Status != ocsp.Revoked || r.RevocationReason != ocsp.KeyCompromise || r.RevokedAt.IsZero() {
		t.Errorf("after revocation: status %d, reason %d, at %v", r.Status, r.RevocationReason, r.RevokedAt)
	}
	// openssl, an outside reader, checks the answer's signature by the root.
	dir := t.TempDir()
	write := func(name string, c *x509.Certificate) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o600)
		return p
	}
	out, err := exec.Command(signertest.Tool(t, "openssl"), "ocsp", "-sha256", "-issuer", write("root.pem", root), "-cert", write("leaf.pem", k.Certificate),
		"-url", srv.URL+"/ocsp", "-CAfile", write("ca.pem", root)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Response verify OK") || !strings.Contains(string(out), ": revoked") {
		t.Errorf("openssl ocsp: %v\n%s", err, out)
	}
}
