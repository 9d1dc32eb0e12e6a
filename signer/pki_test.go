package signer_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/signer"
	"github.com/motcua/motcua/signer/devca"
	"github.com/motcua/motcua/signer/signertest"
)

// The dev CA's own TSA, OCSP responder and CRL, served over HTTP: every
// signature is timestamped and, at B-LT, the file carries the revocation
// state at signing.
func TestTimestampAndRevocationFromTheDevPKI(t *testing.T) {
	ca := signertest.CA(t)
	srv := httptest.NewServer(ca.CA.Handler())
	defer srv.Close()
	ca.CA.SetPKIBase(srv.URL)
	key := ca.Key(t, "Nguyễn Văn Vĩnh")
	if len(key.Certificate.OCSPServer) != 1 || !strings.HasPrefix(key.Certificate.OCSPServer[0], srv.URL) {
		t.Fatalf("certificate names no OCSP responder: %v", key.Certificate.OCSPServer)
	}
	opts := signer.Options{Roots: ca.Roots, TSA: ca.CA.TSAURL(), Level: signer.LevelLT}
	out, err := signer.Sign(context.Background(), sampleResult(t), key, signer.Info{Name: "Nguyễn Văn Vĩnh", Time: time.Now()}, opts)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := signer.Verify(out, ca.Roots)
	if err != nil || rep.Err() != nil {
		t.Fatal(err, rep.Err())
	}
	s := rep.Signatures[0]
	if s.Timestamp == nil || s.TimestampAuthority != "motcua dev TSA" || time.Since(*s.Timestamp) > time.Minute {
		t.Errorf("timestamp %v by %q", s.Timestamp, s.TimestampAuthority)
	}
	if s.Revocation != 2 || s.RevocationStatus != "good" {
		t.Errorf("%d revocation answers embedded (%q), want the good OCSP answer and the CRL", s.Revocation, s.RevocationStatus)
	}
	path := filepath.Join(t.TempDir(), "stamped.pdf")
	os.WriteFile(path, out, 0o600)
	signertest.Qpdf(t, path)
	if text := signertest.Pdfsig(t, path); !strings.Contains(text, "Signature is Valid") || !strings.Contains(text, "Not total document signed") {
		t.Errorf("pdfsig:\n%s", text)
	}

	// A revoked certificate refuses to sign, through OCSP...
	if err := ca.CA.Revoke(key.Certificate.SerialNumber); err != nil {
		t.Fatal(err)
	}
	_, err = signer.Sign(context.Background(), sampleResult(t), key, signer.Info{Name: "x"}, opts)
	if !errors.Is(err, signer.ErrCertificate) || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("revoked certificate: %v", err)
	}
	// ...and through the CRL when the certificate names no working OCSP.
	key.Certificate.OCSPServer = []string{srv.URL + "/nowhere"}
	_, err = signer.Sign(context.Background(), sampleResult(t), key, signer.Info{Name: "x"}, opts)
	if !errors.Is(err, signer.ErrCertificate) || !strings.Contains(err.Error(), "revoked (CRL)") {
		t.Errorf("revoked certificate, CRL: %v", err)
	}
}

// Without its TSA the signing fails as unavailable (to be retried): never a
// signature without the timestamp the configuration asks for.
func TestNoSignatureWithoutTheTimestamp(t *testing.T) {
	ca := signertest.CA(t)
	srv := httptest.NewServer(ca.CA.Handler())
	ca.CA.SetPKIBase(srv.URL)
	tsa := ca.CA.TSAURL()
	srv.Close() // the TSA is down
	_, err := signer.Sign(context.Background(), sampleResult(t), ca.Key(t, "Lê Văn Tám"), signer.Info{Name: "Lê Văn Tám"},
		signer.Options{Roots: ca.Roots, TSA: tsa})
	if !errors.Is(err, signer.ErrUnavailable) {
		t.Errorf("signed or failed otherwise without the TSA: %v", err)
	}
}

// With the dev root in an NSS database, poppler's pdfsig trusts the
// certificate too.
func TestPdfsigTrustsTheDevRootFromAnNSSDatabase(t *testing.T) {
	ca := signertest.CA(t)
	srv := httptest.NewServer(ca.CA.Handler())
	defer srv.Close()
	ca.CA.SetPKIBase(srv.URL)
	out, err := signer.Sign(context.Background(), sampleResult(t), ca.Key(t, "Nguyễn Văn Vĩnh"), signer.Info{Name: "Nguyễn Văn Vĩnh", Time: time.Now()},
		signer.Options{Roots: ca.Roots, TSA: ca.CA.TSAURL(), Revocation: true})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "signed.pdf")
	os.WriteFile(path, out, 0o600)
	report := signertest.PdfsigTrusting(t, path, ca.CA.RootPath())
	for _, want := range []string{"Signature is Valid", "Certificate is Trusted", "Total document signed"} {
		if !strings.Contains(string(report), want) {
			t.Errorf("pdfsig lacks %q:\n%s", want, report)
		}
	}
}

// A leader's dev certificate names the person and the office they sign in,
// and a change of office issues a new one.
func TestTheCertificateNamesThePersonAndTheOffice(t *testing.T) {
	ca := signertest.CA(t)
	p := devca.Person{ID: "chairman1", Name: "Nguyễn Văn Vĩnh", Title: "Chủ tịch UBND xã Tân Lập"}
	k, err := ca.CA.Key(p)
	if err != nil {
		t.Fatal(err)
	}
	if k.Certificate.Subject.CommonName != p.Name || devca.TitleOf(k.Certificate) != p.Title {
		t.Fatalf("subject %q", k.Certificate.Subject)
	}
	out, err := signer.Sign(context.Background(), sampleResult(t), k, signer.Info{Name: p.Name, Time: time.Now()}, signer.Options{Roots: ca.Roots})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "signed.pdf")
	os.WriteFile(path, out, 0o600)
	if text := signertest.Pdfsig(t, path); !strings.Contains(text, "Chủ tịch UBND xã Tân Lập") || !strings.Contains(text, "CN=Nguyễn Văn Vĩnh") {
		t.Errorf("pdfsig does not show the office:\n%s", text)
	}
	p.Title = "Phó Chủ tịch UBND xã Tân Lập"
	if k, err = ca.CA.Key(p); err != nil || devca.TitleOf(k.Certificate) != p.Title {
		t.Errorf("after the change of office: %v %v", err, k.Certificate.Subject)
	}
}
