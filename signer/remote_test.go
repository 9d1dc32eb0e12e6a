package signer_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/signer"
	"github.com/motcua/motcua/signer/signertest"
)

// The leader's key never reaches the server: the server prepares, the key
// signs the digest where it lives, the server completes.
func TestRemoteSigningInTwoPhases(t *testing.T) {
	ca := signertest.CA(t)
	srv := httptest.NewServer(ca.CA.Handler())
	defer srv.Close()
	ca.CA.SetPKIBase(srv.URL)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	keys := map[string]signer.Key{"RSA (PKCS#12)": ca.Key(t, "Nguyễn Văn Vĩnh"), "ECDSA P-256": ca.KeyFor(t, "Nguyễn Văn Vĩnh", p256)}
	opts := signer.Options{Roots: ca.Roots, TSA: ca.CA.TSAURL(), Level: signer.LevelLTA}
	for name, key := range keys {
		t.Run(name, func(t *testing.T) {
			info := signer.Info{Name: "Nguyễn Văn Vĩnh", Reason: "Ký duyệt kết quả", Time: time.Now(),
				Stamp: &signer.Stamp{Name: "Nguyễn Văn Vĩnh", Title: "CHỦ TỊCH", Unit: "UBND xã Tân Lập", Time: time.Now()}}
			p, err := signer.Prepare(context.Background(), sampleResult(t), key.Certificate, key.Chain, info, opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Digest) != 32 || p.Algorithm() == "" {
				t.Fatalf("request: digest %x, algorithm %q", p.Digest, p.Algorithm())
			}
			// The client: its key signs the digest (pre-hashed SHA-256).
			sig, err := key.Signer.Sign(rand.Reader, p.Digest, crypto.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := signer.Complete(context.Background(), p, append([]byte{1}, sig[1:]...), opts); !errors.Is(err, signer.ErrBadSignature) {
				t.Errorf("a wrong signature was accepted: %v", err)
			}
			out, err := signer.Complete(context.Background(), p, sig, opts)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := signer.Verify(out, ca.Roots)
			if err != nil || rep.Err() != nil || rep.Signatures[0].Timestamp == nil || rep.Signatures[0].Revocation != 2 || rep.PAdESLevel != "B-LTA" {
				t.Fatalf("%v %v %s %+v", err, rep.Err(), rep.PAdESLevel, rep.Signatures)
			}
			path := filepath.Join(t.TempDir(), "remote.pdf")
			os.WriteFile(path, out, 0o600)
			signertest.Qpdf(t, path)
			if c := signertest.OpenSSL(t, path, ca.CA.RootPath()); c != (signertest.Checked{Signatures: 1, Timestamped: 1, DocTimestamps: 1, PAdESBaseline: 1}) {
				t.Errorf("openssl checked %+v", c)
			}
			if text := signertest.Pdfsig(t, path); strings.Count(text, "Signature is Valid") != 1 || !strings.Contains(text, "ETSI.CAdES.detached") {
				t.Errorf("pdfsig:\n%s", text)
			}
		})
	}
	// A certificate that does not chain to the roots gets no request.
	other := signertest.CA(t)
	k := other.Key(t, "Người Lạ")
	if _, err := signer.Prepare(context.Background(), sampleResult(t), k.Certificate, k.Chain, signer.Info{Name: "x"}, signer.Options{Roots: ca.Roots}); !errors.Is(err, signer.ErrCertificate) {
		t.Errorf("untrusted certificate: %v", err)
	}
}
