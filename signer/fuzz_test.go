package signer_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/motcua/motcua/signer"
	"github.com/motcua/motcua/signer/signertest"
)

// seeds are a signed result, the same unsigned, and broken variants.
func seeds(f *testing.F) (signed, plain []byte) {
	ca := signertest.CA(f)
	plain = sampleResult(f)
	signed, err := signer.Sign(context.Background(), plain, ca.Key(f, "Hạt Giống"), signer.Info{Name: "Hạt Giống", Time: time.Now()}, signer.Options{Roots: ca.Roots})
	if err != nil {
		f.Fatal(err)
	}
	for _, b := range [][]byte{signed, plain, signed[:len(signed)/2], plain[:len(plain)-40],
		bytes.Replace(signed, []byte("/ByteRange [0 "), []byte("/ByteRange [9 "), 1),
		[]byte("%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"), nil} {
		f.Add(b)
	}
	return signed, plain
}

// FuzzVerify: malformed input gives an error or a failing report, never a
// panic or a hang.
func FuzzVerify(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := signer.Verify(b, nil)
		if err == nil && rep == nil {
			t.Fatal("no report and no error")
		}
	})
}

// FuzzSignInput: whatever the input, Sign returns a verified file or an
// error.
func FuzzSignInput(f *testing.F) {
	seeds(f)
	ca := signertest.CA(f)
	key := ca.Key(f, "Người Ký")
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := signer.Sign(context.Background(), b, key, signer.Info{Name: "Người Ký"}, signer.Options{Roots: ca.Roots})
		if err != nil {
			return
		}
		rep, err := signer.Verify(out, ca.Roots)
		if err != nil || rep.Err() != nil {
			t.Fatalf("Sign returned a file that does not verify: %v %v", err, rep.Err())
		}
	})
}
