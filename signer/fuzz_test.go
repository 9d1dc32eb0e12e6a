package signer_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
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

var byteRange = regexp.MustCompile(`/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`)

// signedOffsets are the offsets a signature's /ByteRange covers.
func signedOffsets(t testing.TB, b []byte) [][2]int {
	m := byteRange.FindAllSubmatch(b, -1)
	if len(m) == 0 {
		t.Fatal("no /ByteRange")
	}
	var r [4]int
	for i := range r {
		r[i], _ = strconv.Atoi(string(m[len(m)-1][i+1]))
	}
	return [][2]int{{r[0], r[0] + r[1]}, {r[2], r[2] + r[3]}}
}

// FuzzVerifyTampered: a byte changed anywhere inside the signed ranges of a
// valid file makes it fail, whatever the byte and the change.
func FuzzVerifyTampered(f *testing.F) {
	ca := signertest.CA(f)
	signed, err := signer.Sign(context.Background(), sampleResult(f), ca.Key(f, "Người Ký"), signer.Info{Name: "Người Ký", Time: time.Now()}, signer.Options{Roots: ca.Roots})
	if err != nil {
		f.Fatal(err)
	}
	if rep, err := signer.Verify(signed, ca.Roots); err != nil || rep.Err() != nil {
		f.Fatalf("the untouched file fails: %v %v", err, rep.Err())
	}
	ranges := signedOffsets(f, signed)
	covered := (ranges[0][1] - ranges[0][0]) + (ranges[1][1] - ranges[1][0])
	for _, at := range []uint{0, 9, uint(covered / 2), uint(covered - 1)} {
		f.Add(at, byte(0x01))
	}
	f.Fuzz(func(t *testing.T, at uint, flip byte) {
		if flip == 0 {
			flip = 0x80
		}
		n := int(at % uint(covered))
		off := ranges[0][0] + n
		if n >= ranges[0][1]-ranges[0][0] {
			off = ranges[1][0] + n - (ranges[0][1] - ranges[0][0])
		}
		b := bytes.Clone(signed)
		b[off] ^= flip
		rep, err := signer.Verify(b, ca.Roots)
		if err == nil && rep.Err() == nil {
			t.Fatalf("byte %d changed (^%#x) and the file still verifies", off, flip)
		}
	})
}

// FuzzSignInput: whatever the input, Sign returns an error, or a file that
// begins with the input's bytes unchanged and adds exactly one signature.
// (The seeds that are real PDFs are checked by pdfsig and qpdf in
// TestSignedSeedsPassPdfsigAndQpdf.)
func FuzzSignInput(f *testing.F) {
	seeds(f)
	ca := signertest.CA(f)
	key := ca.Key(f, "Người Ký")
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := signer.Sign(context.Background(), b, key, signer.Info{Name: "Người Ký"}, signer.Options{Roots: ca.Roots})
		if err != nil {
			return
		}
		if !bytes.HasPrefix(out, b) {
			t.Fatal("the signed file does not begin with the input: an earlier revision was changed")
		}
		added := out[len(b):]
		if n := len(byteRange.FindAll(added, -1)); n != 1 {
			t.Fatalf("the update adds %d signatures, want 1", n)
		}
	})
}

// The fuzz seeds that are PDFs, signed, pass the independent checkers.
func TestSignedSeedsPassPdfsigAndQpdf(t *testing.T) {
	ca := signertest.CA(t)
	key := ca.Key(t, "Người Ký")
	plain := sampleResult(t)
	once, err := signer.Sign(context.Background(), plain, key, signer.Info{Name: "Người Ký", Time: time.Now()}, signer.Options{Roots: ca.Roots})
	if err != nil {
		t.Fatal(err)
	}
	twice, err := signer.Sign(context.Background(), once, key, signer.Info{Name: "Người Ký", Time: time.Now()}, signer.Options{Roots: ca.Roots})
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"once": once, "twice": twice} {
		path := filepath.Join(t.TempDir(), name+".pdf")
		os.WriteFile(path, b, 0o600)
		signertest.Qpdf(t, path)
		text := signertest.Pdfsig(t, path)
		sigs := strings.Count(text, "Signature #")
		if want := map[string]int{"once": 1, "twice": 2}[name]; sigs != want || strings.Count(text, "Signature is Valid") != want ||
			!strings.Contains(text, "Total document signed") {
			t.Errorf("%s: pdfsig:\n%s", name, text)
		}
	}
}

// FuzzLoadSigners: whatever the signers file holds, loading it fails with
// an error or gives each user exactly one key source, with relative paths
// read from the file's folder; it never opens a key (that waits for a
// signature) and never panics.
func FuzzLoadSigners(f *testing.F) {
	f.Add([]byte(`{"signers":{"chairman1":{"pkcs12":{"file":"c.p12","password":{"env":"P"}}}}}`))
	f.Add([]byte(`{"signers":{"vice1":{"pkcs11":{"module":"/m.so","token":"t","key_label":"k","pin":{"file":"pin"},"chain_file":"ca.pem"}}}}`))
	f.Add([]byte(`{"signers":{"x":{"pkcs12":{"file":"a"},"pkcs11":{"module":"m"}}}}`))
	f.Add([]byte(`{"signers":{"x":{}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "signers.json")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		signers, err := signer.LoadSigners(path)
		if err != nil {
			return
		}
		for user, src := range signers {
			switch s := src.(type) {
			case signer.PKCS12File:
				if !filepath.IsAbs(s.Path) {
					t.Fatalf("%s: relative path %q left relative", user, s.Path)
				}
			case signer.PKCS11Token:
				if s.Module == "" || s.Token == "" || s.KeyLabel == "" {
					t.Fatalf("%s: a PKCS#11 source without module, token or key label: %+v", user, s)
				}
			default:
				t.Fatalf("%s: source of type %T", user, src)
			}
		}
	})
}
