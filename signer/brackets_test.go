package signer

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// An object that ends inside an array it opened (the fuzzer's find: one
// byte of a signed file turned "obj\n<<" into "obj[<<") is refused at once;
// the parser would read it until memory runs out. Every fixture, arrays in
// strings, comments and streams included, reads as before.
func TestAnObjectEndingInsideAnArrayIsRefused(t *testing.T) {
	bad := []byte("%PDF-1.7\n1 0 obj[<< /Type /Catalog >>\nendobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
	if _, err := checkedReader(bad); err == nil || !bytes.Contains([]byte(err.Error()), []byte("inside an array")) {
		t.Fatalf("checkedReader: %v", err)
	}
	if _, err := Verify(bad, nil); err == nil {
		t.Fatal("Verify read it")
	}
	good := []byte("%PDF-1.7\n% [ in a comment\n1 0 obj<< /A (a [ b \\( [) /B <5B> /C [1 [2] 3] >>\nendobj\n2 0 obj<< /Length 3 >>\nstream\n[[[\nendstream\nendobj\n")
	if unclosedArray(good) {
		t.Error("brackets in a string, a comment, a hex string or a stream were taken for arrays")
	}
	files, _ := filepath.Glob("testdata/pdf/*.pdf")
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if unclosedArray(b) {
			t.Errorf("%s is taken for malformed", f)
		}
	}
}
