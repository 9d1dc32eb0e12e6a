package signer_test

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/motcua/motcua/signer"
	"github.com/motcua/motcua/signer/signertest"
)

// devPKI is a test CA whose TSA, OCSP responder and CRL answer over HTTP.
func devPKI(t testing.TB) *signertest.TestCA {
	ca := signertest.CA(t)
	srv := httptest.NewServer(ca.CA.Handler())
	t.Cleanup(srv.Close)
	ca.CA.SetPKIBase(srv.URL)
	return ca
}

// Each level is what it says, by motcua's verification and by the outside
// tools: pdfsig calls the signature valid and names its type
// ETSI.CAdES.detached, qpdf finds the file sound, and OpenSSL verifies the
// CMS, its signed attributes, the signature timestamp and the document
// timestamp from the bytes alone.
func TestEachPAdESLevel(t *testing.T) {
	ca := devPKI(t)
	key := ca.Key(t, "Nguyễn Văn Vĩnh")
	for _, tc := range []struct {
		level   signer.Level
		next    string
		openssl signertest.Checked
	}{
		{signer.LevelB, "for B-T: a timestamp over the signature value", signertest.Checked{Signatures: 1, PAdESBaseline: 1}},
		{signer.LevelT, "for B-LT: a Document Security Store", signertest.Checked{Signatures: 1, PAdESBaseline: 1, Timestamped: 1}},
		{signer.LevelLT, "for B-LTA: a document timestamp", signertest.Checked{Signatures: 1, PAdESBaseline: 1, Timestamped: 1}},
		{signer.LevelLTA, "", signertest.Checked{Signatures: 1, PAdESBaseline: 1, Timestamped: 1, DocTimestamps: 1}},
	} {
		t.Run(tc.level.String(), func(t *testing.T) {
			opts := signer.Options{Roots: ca.Roots, Level: tc.level}
			if tc.level >= signer.LevelT {
				opts.TSA = ca.CA.TSAURL()
			}
			at := time.Now().Truncate(time.Second).In(time.FixedZone("ICT", 7*3600))
			out, err := signer.Sign(context.Background(), sampleResult(t), key, signer.Info{Name: "Nguyễn Văn Vĩnh", Time: at}, opts)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := signer.Verify(out, ca.Roots)
			if err != nil || rep.Err() != nil {
				t.Fatal(err, rep.Err())
			}
			s := rep.Signatures[0]
			if rep.PAdESLevel != tc.level.String() || s.PAdESLevel != tc.level.String() || !strings.HasPrefix(s.NextLevel, tc.next) {
				t.Errorf("level %q (file %q), next %q; want %s, next %q", s.PAdESLevel, rep.PAdESLevel, s.NextLevel, tc.level, tc.next)
			}
			if !s.SigningTime.Equal(at) || s.SubFilter != "ETSI.CAdES.detached" {
				t.Errorf("signing time %v (want %v from /M), sub-filter %q", s.SigningTime, at, s.SubFilter)
			}
			if tc.level >= signer.LevelLT && (s.RevocationStatus != "good" || s.Revocation != 2) { // the OCSP answer and the CRL
				t.Errorf("revocation at signing: %q from %d answers", s.RevocationStatus, s.Revocation)
			}
			if tc.level >= signer.LevelLT && (!bytes.Contains(out, []byte("/Type /DSS /Certs [")) || !bytes.Contains(out, []byte("/OCSPs [")) ||
				!bytes.Contains(out, []byte("/CRLs [")) || !bytes.Contains(out, []byte("/VRI <<"))) {
				t.Error("the store lacks certificates, OCSP answers, CRLs or the VRI entry")
			}
			if tc.level == signer.LevelLT && (rep.Appended == "" || !strings.Contains(rep.Appended, "validation data only")) {
				t.Errorf("the DSS update after the signature: %q", rep.Appended)
			}
			path := filepath.Join(t.TempDir(), "signed.pdf")
			os.WriteFile(path, out, 0o600)
			signertest.Qpdf(t, path)
			if c := signertest.OpenSSL(t, path, ca.CA.RootPath()); c != tc.openssl {
				t.Errorf("openssl checked %+v, want %+v", c, tc.openssl)
			}
			text := signertest.PdfsigTrusting(t, path, ca.CA.RootPath())
			if strings.Count(text, "Signature is Valid") != 1 || !strings.Contains(text, "Signature Type: ETSI.CAdES.detached") ||
				!strings.Contains(text, "Certificate is Trusted") || !strings.Contains(text, "Nguyễn Văn Vĩnh") {
				t.Errorf("pdfsig:\n%s", text)
			}
			if tc.level == signer.LevelLTA && !strings.Contains(text, "Total document signed") {
				t.Errorf("the document timestamp does not cover the file:\n%s", text)
			}
		})
	}
}

// A second B-LTA signature keeps the first file as its earlier revision:
// both signatures and both document timestamps hold, both signatures are
// B-LTA, and the store holds each certificate once.
func TestSecondSignatureAtBLTAKeepsTheFirst(t *testing.T) {
	ca := devPKI(t)
	opts := signer.Options{Roots: ca.Roots, TSA: ca.CA.TSAURL(), Level: signer.LevelLTA}
	first, err := signer.Sign(context.Background(), sampleResult(t), ca.Key(t, "Nguyễn Văn Vĩnh"), signer.Info{Name: "Nguyễn Văn Vĩnh", Time: time.Now()}, opts)
	if err != nil {
		t.Fatal(err)
	}
	second, err := signer.Sign(context.Background(), first, ca.Key(t, "Lê Thị Hoa"), signer.Info{Name: "Lê Thị Hoa", Time: time.Now()}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(second, first) {
		t.Fatal("the second signature rewrote the first file")
	}
	rep, err := signer.Verify(second, ca.Roots)
	if err != nil || rep.Err() != nil {
		t.Fatal(err, rep.Err())
	}
	var kinds []string
	for _, s := range rep.Signatures {
		kinds = append(kinds, s.Type+":"+s.PAdESLevel)
	}
	if got := strings.Join(kinds, " "); got != "signature:B-LTA document_timestamp: signature:B-LTA document_timestamp:" {
		t.Errorf("signatures: %s", got)
	}
	path := filepath.Join(t.TempDir(), "twice.pdf")
	os.WriteFile(path, second, 0o600)
	signertest.Qpdf(t, path)
	if c := signertest.OpenSSL(t, path, ca.CA.RootPath()); c != (signertest.Checked{Signatures: 2, PAdESBaseline: 2, Timestamped: 2, DocTimestamps: 2}) {
		t.Errorf("openssl checked %+v", c)
	}
	if text := signertest.Pdfsig(t, path); strings.Count(text, "Signature is Valid") != 2 {
		t.Errorf("pdfsig:\n%s", text)
	}
	// The root and the TSA are in the store once, though both signatures
	// need them.
	if n := bytes.Count(second, []byte("/Type /DSS")); n != 2 {
		t.Errorf("%d DSS revisions, want 2", n)
	}
}

// A signature as pdfsign makes it alone (Adobe's sub-filter, a CMS
// signing-time, revocation inside the CMS) is valid but no PAdES baseline
// signature, and the report says why.
func TestAnAdobeStyleSignatureIsNotBaseline(t *testing.T) {
	ca := signertest.CA(t)
	key := ca.Key(t, "Nguyen Van Vinh")
	out := bytes.NewBuffer(rawPdfsign(t, sampleResult(t), key))
	rep, err := signer.Verify(out.Bytes(), ca.Roots)
	if err != nil || rep.Err() != nil {
		t.Fatal(err, rep.Err())
	}
	s := rep.Signatures[0]
	if s.PAdESLevel != "" || !strings.Contains(s.NextLevel, "ETSI.CAdES.detached (it is /adbe.pkcs7.detached)") || !strings.Contains(s.NextLevel, "signing-time") {
		t.Errorf("level %q, next %q", s.PAdESLevel, s.NextLevel)
	}
	// A baseline signature after it: the file is as strong as its weakest.
	twice, err := signer.Sign(context.Background(), out.Bytes(), key, signer.Info{Name: "Nguyen Van Vinh", Time: time.Now()}, signer.Options{Roots: ca.Roots})
	if err != nil {
		t.Fatal(err)
	}
	rep, err = signer.Verify(twice, ca.Roots)
	if err != nil || rep.Err() != nil || rep.LastSignature().PAdESLevel != "B-B" || rep.PAdESLevel != "" {
		t.Errorf("%v %v: last %q, file %q", err, rep.Err(), rep.LastSignature().PAdESLevel, rep.PAdESLevel)
	}
}

// An archive outlives its timestamp authority's certificate: the file made
// with an authority whose certificate expires in 30 days stops verifying
// after that (checked with the clock moved forward, not by waiting), and a
// renewal made before then with a new authority certificate keeps it
// verifying, its earlier bytes intact, every timestamp checked by OpenSSL.
func TestRenewalKeepsAnArchiveVerifiableAfterTheAuthorityExpires(t *testing.T) {
	ca := devPKI(t)
	if _, err := ca.CA.IssueTSA(30 * 24 * time.Hour); err != nil {
		t.Fatal(err)
	}
	opts := signer.Options{Roots: ca.Roots, TSA: ca.CA.TSAURL(), Level: signer.LevelLTA}
	signed, err := signer.Sign(context.Background(), sampleResult(t), ca.Key(t, "Nguyễn Văn Vĩnh"), signer.Info{Name: "Nguyễn Văn Vĩnh", Time: time.Now()}, opts)
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := signer.Verify(signed, ca.Roots)
	expires, ok := signer.ArchiveTimestampExpiry(rep)
	if !ok || time.Until(expires) > 31*24*time.Hour {
		t.Fatalf("archive timestamp expires %v (%v)", expires, ok)
	}
	later := time.Now().Add(60 * 24 * time.Hour)
	if rep, err := signer.VerifyAt(signed, ca.Roots, later); err != nil || rep.Err() == nil || !strings.Contains(rep.Err().Error(), "expired") {
		t.Fatalf("60 days on, the unrenewed file: %v %v", err, rep.Err())
	}

	if _, err := ca.CA.IssueTSA(10 * 365 * 24 * time.Hour); err != nil {
		t.Fatal(err)
	}
	renewed, err := signer.Renew(context.Background(), signed, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(renewed, signed) {
		t.Fatal("the renewal rewrote earlier bytes")
	}
	rep, err = signer.VerifyAt(renewed, ca.Roots, later)
	if err != nil || rep.Err() != nil {
		t.Fatalf("60 days on, the renewed file: %v %v", err, rep.Err())
	}
	if expires, _ := signer.ArchiveTimestampExpiry(rep); time.Until(expires) < 9*365*24*time.Hour {
		t.Errorf("the renewed file's newest timestamp expires %v", expires)
	}
	if rep.PAdESLevel != "B-LTA" || len(rep.Signatures) != 3 {
		t.Errorf("level %s, %d signatures and timestamps", rep.PAdESLevel, len(rep.Signatures))
	}
	path := filepath.Join(t.TempDir(), "renewed.pdf")
	os.WriteFile(path, renewed, 0o600)
	signertest.Qpdf(t, path)
	if c := signertest.OpenSSL(t, path, ca.CA.RootPath()); c != (signertest.Checked{Signatures: 1, PAdESBaseline: 1, Timestamped: 1, DocTimestamps: 2}) {
		t.Errorf("openssl checked %+v", c)
	}
	if text := signertest.Pdfsig(t, path); strings.Count(text, "Signature is Valid") != 1 || !strings.Contains(text, "Total document signed") {
		t.Errorf("pdfsig:\n%s", text)
	}
}

// What a strict validator reads in the store: a signature's VRI entry
// keyed by the SHA-1 of its whole /Contents string, padding and all, as
// iText and EU DSS look it up (ETSI EN 319 142-1, 5.4.2.2), and OCSP
// answers issued after the signature's timestamp.
func TestTheStoreAsStrictValidatorsReadIt(t *testing.T) {
	ca := devPKI(t)
	// The authority answers a second and a half late, as over a slow
	// link: an OCSP answer asked before the signature is older than its
	// timestamp.
	slowTSA := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		if strings.HasSuffix(r.URL.Path, "/tsa") {
			time.Sleep(1500 * time.Millisecond)
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	out, err := signer.Sign(context.Background(), sampleResult(t), ca.Key(t, "Nguyễn Văn Vĩnh"), signer.Info{Name: "Nguyễn Văn Vĩnh", Time: time.Now()},
		signer.Options{Roots: ca.Roots, Level: signer.LevelLT, TSA: ca.CA.TSAURL(), HTTP: slowTSA})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := signer.Verify(out, ca.Roots)
	if err != nil || rep.Err() != nil {
		t.Fatal(err, rep.Err())
	}
	br := rep.Signatures[0].ByteRange
	gap := out[br[1]+1 : br[2]-1] // the hex digits between < and >
	padded, err := hex.DecodeString(string(gap))
	if err != nil || padded[len(padded)-1] != 0 {
		t.Fatalf("the /Contents string: %v (ends %x)", err, padded[len(padded)-1:])
	}
	sum := sha1.Sum(padded)
	key := "/" + strings.ToUpper(hex.EncodeToString(sum[:])) + " <<"
	if !bytes.Contains(out, []byte(key)) {
		t.Errorf("the DSS has no VRI entry %s", key)
	}
	cms := bytes.TrimRight(padded, "\x00")
	bare := sha1.Sum(cms)
	if bytes.Contains(out, []byte("/"+strings.ToUpper(hex.EncodeToString(bare[:])))) {
		t.Error("the VRI entry is keyed by the CMS cut at its length")
	}
	// The OCSP answers the store keeps were issued after the signature's
	// timestamp: a validator calls them fresh.
	stamped := rep.Signatures[0].Timestamp
	answers, err := signer.StoredOCSPs(out)
	if err != nil || len(answers) == 0 || stamped == nil {
		t.Fatalf("%d OCSP answers, %v; timestamp %v", len(answers), err, stamped)
	}
	for _, a := range answers {
		r, err := ocsp.ParseResponse(a, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.ThisUpdate.Before(*stamped) || r.ProducedAt.Before(*stamped) {
			t.Errorf("an OCSP answer of %v (produced %v) predates the signature's timestamp %v", r.ThisUpdate, r.ProducedAt, *stamped)
		}
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
