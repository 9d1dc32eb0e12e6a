package signer_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"testing"
	"time"

	"github.com/ThalesGroup/crypto11"
	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"

	"github.com/motcua/motcua/signer"
	"github.com/motcua/motcua/signer/signertest"
)

// benchInputs: a rendered result (~45 KB) and the 4.3 MB photo scan of
// testdata/pdf.
func benchInputs(b *testing.B) map[string][]byte {
	return map[string][]byte{"result-45KB": sampleResult(b), "scan-4MB": fixture(b, "photo-scan-5mb.pdf")}
}

// BenchmarkSign is motcua's signing: key check, pdfsign's pass, the
// repaired second pass and the verification of the output, at each PAdES
// level (B-B without a TSA; the others with the dev CA's TSA, OCSP
// responder and CRL answering over loopback HTTP in this process).
func BenchmarkSign(b *testing.B) {
	ca := devPKI(b)
	key := ca.Key(b, "Nguyễn Văn Vĩnh")
	for _, level := range []signer.Level{signer.LevelB, signer.LevelT, signer.LevelLT, signer.LevelLTA} {
		opts := signer.Options{Roots: ca.Roots, Level: level}
		if level > signer.LevelB {
			opts.TSA = ca.CA.TSAURL()
		}
		for _, name := range []string{"result-45KB", "scan-4MB"} {
			in := benchInputs(b)[name]
			b.Run(level.String()+"/"+name, func(b *testing.B) {
				b.SetBytes(int64(len(in)))
				for b.Loop() {
					if _, err := signer.Sign(context.Background(), in, key, signer.Info{Name: "Nguyễn Văn Vĩnh", Time: time.Now()}, opts); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkRawPdfsign is pdfsign alone on the same files and key, for
// comparison (ASCII name: it cannot write others).
func BenchmarkRawPdfsign(b *testing.B) {
	ca := signertest.CA(b)
	key := ca.Key(b, "Nguyen Van Vinh")
	for name, in := range benchInputs(b) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				rawPdfsign(b, in, key)
			}
		})
	}
}

// BenchmarkVerify verifies a B-LTA file: the signature, its timestamp,
// the store and the document timestamp.
func BenchmarkVerify(b *testing.B) {
	ca := devPKI(b)
	key := ca.Key(b, "Nguyễn Văn Vĩnh")
	opts := signer.Options{Roots: ca.Roots, TSA: ca.CA.TSAURL(), Level: signer.LevelLTA}
	for name, in := range benchInputs(b) {
		signed, err := signer.Sign(context.Background(), in, key, signer.Info{Name: "Nguyễn Văn Vĩnh", Time: time.Now()}, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(signed)))
			for b.Loop() {
				rep, err := signer.Verify(signed, ca.Roots)
				if err != nil || rep.Err() != nil {
					b.Fatal(err, rep.Err())
				}
			}
		})
	}
}

// BenchmarkSignSoftHSM signs with a key on a SoftHSM2 token.
func BenchmarkSignSoftHSM(b *testing.B) {
	hsm := signertest.NewSoftHSM(b, "bench")
	ca := signertest.CA(b)
	admin, err := crypto11.Configure(&crypto11.Config{Path: hsm.Module, TokenLabel: hsm.Token, Pin: hsm.PIN})
	if err != nil {
		b.Fatal(err)
	}
	kp, err := admin.GenerateRSAKeyPairWithLabel([]byte{1}, []byte("k"), 2048)
	if err != nil {
		b.Fatal(err)
	}
	key := ca.KeyFor(b, "Nguyễn Văn Vĩnh", kp)
	for name, in := range benchInputs(b) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				if _, err := signer.Sign(context.Background(), in, key, signer.Info{Name: "Nguyễn Văn Vĩnh"}, signer.Options{Roots: ca.Roots}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// rawPdfsign signs the PDF in with key by pdfsign alone, as it signs without
// motcua's repairs: an Adobe-style signature (ASCII names only).
func rawPdfsign(tb testing.TB, in []byte, key signer.Key) []byte {
	tb.Helper()
	rdr, err := pdf.NewReader(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		tb.Fatal(err)
	}
	var out bytes.Buffer
	err = sign.Sign(bytes.NewReader(in), &out, rdr, int64(len(in)), sign.SignData{
		Signature:         sign.SignDataSignature{Info: sign.SignDataSignatureInfo{Name: key.Certificate.Subject.CommonName, Date: time.Now()}, CertType: sign.ApprovalSignature},
		Signer:            key.Signer,
		DigestAlgorithm:   crypto.SHA256,
		Certificate:       key.Certificate,
		CertificateChains: [][]*x509.Certificate{append([]*x509.Certificate{key.Certificate}, key.Chain...)},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}
