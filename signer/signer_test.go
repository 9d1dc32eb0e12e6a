package signer_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/document"
	"github.com/motcua/motcua/signer"
	"github.com/motcua/motcua/signer/signertest"
)

func sampleResult(t testing.TB) []byte {
	t.Helper()
	p, _ := catalog.Default().Lookup("1.001193")
	d := motcua.Dossier{
		ID: "000.00.01.H22-261125-0001", ProcedureCode: p.Code, Channel: motcua.ChannelCounter,
		Applicant:  motcua.Applicant{FullName: "Trần Thị Bích Ngọc", IDNumber: "001203004567"},
		Fields:     map[string]string{"child_name": "Trần Minh Khôi", "child_birth_date": "2026-11-01", "birth_place": "Trạm y tế xã", "relationship": "Mẹ"},
		ReceivedAt: time.Date(2026, 11, 25, 9, 0, 0, 0, motcua.Vietnam),
		DueAt:      time.Date(2026, 11, 26, 17, 0, 0, 0, motcua.Vietnam),
	}
	b, err := document.Result(motcua.DefaultUnit, p, d, d.ReceivedAt, document.Signer{})
	if err != nil {
		t.Fatal(err)
	}
	return b.PDF
}

func TestSignVietnameseNamePassesPdfsigAndQpdf(t *testing.T) {
	ca := signertest.CA(t)
	key := ca.Key(t, "Nguyễn Văn Vĩnh")
	info := signer.Info{
		Name:     "Nguyễn Văn Vĩnh",
		Reason:   "Ký duyệt kết quả hồ sơ 000.00.01.H22-261125-0001 (KT. CHỦ TỊCH)",
		Location: "Ủy ban nhân dân xã Tân Lập",
		Time:     time.Now(),
	}
	out, err := signer.Sign(context.Background(), sampleResult(t), key, info, signer.Options{Roots: ca.Roots})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "signed.pdf")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	signertest.Qpdf(t, path)
	text := signertest.Pdfsig(t, path)
	for _, want := range []string{"Signature is Valid", "Total document signed", "Nguyễn Văn Vĩnh"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdfsig output lacks %q:\n%s", want, text)
		}
	}
	rep, err := signer.Verify(out, ca.Roots)
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Err(); err != nil {
		t.Fatal(err)
	}
	s := rep.Signatures[0]
	if s.Name != info.Name || s.SignerCN != info.Name {
		t.Errorf("signature name %q, signer %q; want %q", s.Name, s.SignerCN, info.Name)
	}
}

func TestVerifyDetectsAppendedBytesAndTampering(t *testing.T) {
	ca := signertest.CA(t)
	out, err := signer.Sign(context.Background(), sampleResult(t), ca.Key(t, "Lê Văn Tám"), signer.Info{Name: "Lê Văn Tám", Time: time.Now()}, signer.Options{Roots: ca.Roots})
	if err != nil {
		t.Fatal(err)
	}
	appended := append(bytes.Clone(out), []byte("\n% appended after signing\n")...)
	rep, err := signer.Verify(appended, ca.Roots)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Err() == nil || !strings.Contains(rep.Err().Error(), "does not cover the whole file") {
		t.Errorf("appended bytes not detected: %v", rep.Err())
	}

	tampered := bytes.Clone(out)
	i := bytes.Index(tampered, []byte("/Producer"))
	if i < 0 {
		t.Fatal("no /Producer to tamper with")
	}
	tampered[i+1] = 'Q'
	rep, err = signer.Verify(tampered, ca.Roots)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Err() == nil || rep.Signatures[0].Valid {
		t.Errorf("tampering not detected: %+v", rep.Signatures)
	}

	other := signertest.CA(t)
	rep, err = signer.Verify(out, other.Roots)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Err() == nil || rep.Signatures[0].Trusted {
		t.Error("a signature from another CA was trusted")
	}
}

// fixtures holds the third-party PDFs the tests sign (see its README).
const fixtures = "testdata/pdf"

// fixture reads a third-party PDF of testdata/pdf; a missing one fails the
// test rather than letting it pass on something else.
func fixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		tb.Fatalf("fixture: %v", err)
	}
	return b
}

func TestSignRejectsNonPDF(t *testing.T) {
	ca := signertest.CA(t)
	for _, in := range [][]byte{nil, []byte("hello"), []byte("%PDF-1.7\ngarbage")} {
		if _, err := signer.Sign(context.Background(), in, ca.Key(t, "A"), signer.Info{Name: "A"}, signer.Options{Roots: ca.Roots}); err == nil {
			t.Errorf("signed %q", in)
		}
	}
}

// Every fixture, whatever tool made it, signs at B-LTA: qpdf finds the
// file sound, pdfsig every signature valid (this poppler lists the document
// timestamp but cannot check that kind), and OpenSSL every signature and
// the document timestamp over the whole file.
func TestSignsThirdPartyFixtures(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(fixtures, "*.pdf"))
	if len(files) < 9 {
		t.Fatalf("%s holds %d PDFs, want the 9 of its README", fixtures, len(files))
	}
	ca := devPKI(t)
	key := ca.Key(t, "Phạm Thị Hương")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			roots, rootFile := ca.Roots, ca.CA.RootPath()
			earlier := 0
			if strings.Contains(f, "already-signed") {
				earlier = 1
				roots = roots.Clone()
				pem, err := os.ReadFile(strings.TrimSuffix(f, ".pdf") + ".root.crt")
				if err != nil || !roots.AppendCertsFromPEM(pem) {
					t.Fatalf("root of %s: %v", f, err)
				}
				ours, _ := os.ReadFile(rootFile)
				rootFile = filepath.Join(t.TempDir(), "roots.pem")
				os.WriteFile(rootFile, append(ours, pem...), 0o600)
			}
			opts := signer.Options{Roots: roots, TSA: ca.CA.TSAURL(), Level: signer.LevelLTA}
			out, err := signer.Sign(context.Background(), in, key, signer.Info{Name: "Phạm Thị Hương", Time: time.Now()}, opts)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(out, in) {
				t.Fatal("signing changed the original bytes")
			}
			rep, err := signer.Verify(out, roots)
			if err != nil || rep.Err() != nil || rep.LastSignature().PAdESLevel != "B-LTA" {
				t.Fatalf("%v %v level %q", err, rep.Err(), rep.LastSignature().PAdESLevel)
			}
			path := filepath.Join(t.TempDir(), "signed.pdf")
			os.WriteFile(path, out, 0o600)
			signertest.Qpdf(t, path)
			text := signertest.Pdfsig(t, path)
			if n := strings.Count(text, "Signature is Valid"); n != 1+earlier || strings.Count(text, "Signature #") != 2+earlier {
				t.Errorf("not every signature valid:\n%s", text)
			}
			if !strings.Contains(text, "Total document signed") {
				t.Errorf("the document timestamp does not cover the document:\n%s", text)
			}
			if c := signertest.OpenSSL(t, path, rootFile); c.Signatures != 1+earlier || c.DocTimestamps != 1 || c.Timestamped < 1 {
				t.Errorf("openssl checked %+v", c)
			}
		})
	}
}

func TestKeyTypes(t *testing.T) {
	ca := devPKI(t)
	rsa4096, err := rsa.GenerateKey(rand.Reader, 4096)
	if err != nil {
		t.Fatal(err)
	}
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsa2048, _ := rsa.GenerateKey(rand.Reader, 2048)
	for name, k := range map[string]crypto.Signer{"RSA-2048": rsa2048, "RSA-4096": rsa4096, "ECDSA-P256": p256} {
		t.Run(name, func(t *testing.T) {
			in := sampleResult(t)
			opts := signer.Options{Roots: ca.Roots, TSA: ca.CA.TSAURL(), Level: signer.LevelLTA}
			out, err := signer.Sign(context.Background(), in, ca.KeyFor(t, "Đoàn Thị Ánh Tuyết", k), signer.Info{Name: "Đoàn Thị Ánh Tuyết", Time: time.Now()}, opts)
			if err != nil {
				t.Fatal(err)
			}
			// pdfsign writes a too-small placeholder's file twice: only the
			// three updates of B-LTA (signature, store, document
			// timestamp) may follow the original.
			if n := bytes.Count(out[len(in):], []byte("%%EOF")); n != 3 {
				t.Errorf("%d %%%%EOF markers after the original", n)
			}
			path := filepath.Join(t.TempDir(), "signed.pdf")
			os.WriteFile(path, out, 0o600)
			signertest.Qpdf(t, path)
			text := signertest.Pdfsig(t, path)
			if !strings.Contains(text, "Signature is Valid") || !strings.Contains(text, "Total document signed") {
				t.Errorf("pdfsig:\n%s", text)
			}
		})
	}
}

func TestSecondSignatureKeepsTheFirst(t *testing.T) {
	ca := signertest.CA(t)
	once, err := signer.Sign(context.Background(), sampleResult(t), ca.Key(t, "Người Thứ Nhất"), signer.Info{Name: "Người Thứ Nhất", Time: time.Now()}, signer.Options{Roots: ca.Roots})
	if err != nil {
		t.Fatal(err)
	}
	twice, err := signer.Sign(context.Background(), once, ca.Key(t, "Người Thứ Hai"), signer.Info{Name: "Người Thứ Hai", Time: time.Now()}, signer.Options{Roots: ca.Roots})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(twice[:len(once)], once) {
		t.Fatal("the second signature changed the bytes of the first")
	}
	rep, err := signer.Verify(twice, ca.Roots)
	if err != nil || rep.Err() != nil || len(rep.Signatures) != 2 {
		t.Fatalf("%v %v %+v", err, rep.Err(), rep)
	}
	if rep.Signatures[0].CoversWholeFile || !rep.Signatures[1].CoversWholeFile {
		t.Errorf("coverage %+v", rep.Signatures)
	}
	path := filepath.Join(t.TempDir(), "twice.pdf")
	os.WriteFile(path, twice, 0o600)
	signertest.Qpdf(t, path)
	if text := signertest.Pdfsig(t, path); strings.Count(text, "Signature is Valid") != 2 {
		t.Errorf("pdfsig:\n%s", text)
	}
}

func TestKeysAreCheckedBeforeSigning(t *testing.T) {
	ca := signertest.CA(t)
	good := ca.Key(t, "Hợp Lệ")
	other := signertest.CA(t)
	wrongKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cases := map[string]struct {
		key   signer.Key
		roots *x509.CertPool
		now   time.Time
		want  string
	}{
		"expired":        {good, ca.Roots, time.Now().AddDate(4, 0, 0), "expired"},
		"not yet valid":  {good, ca.Roots, time.Now().AddDate(-1, 0, 0), "valid only from"},
		"untrusted root": {good, other.Roots, time.Now(), "does not chain"},
		"key of another": {signer.Key{Signer: wrongKey, Certificate: good.Certificate, Chain: good.Chain}, ca.Roots, time.Now(), "does not match"},
		"no certificate": {signer.Key{Signer: wrongKey}, ca.Roots, time.Now(), "no certificate"},
	}
	for name, c := range cases {
		err := signer.CheckKey(c.key, c.roots, c.now)
		if !errors.Is(err, signer.ErrCertificate) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := signer.CheckKey(good, ca.Roots, time.Now()); err != nil {
		t.Error(err)
	}
	if _, err := signer.Sign(context.Background(), sampleResult(t), good, signer.Info{Name: "x"}, signer.Options{Roots: other.Roots}); !errors.Is(err, signer.ErrCertificate) {
		t.Errorf("signed with an untrusted certificate: %v", err)
	}
}
