package audit_test

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"

	"github.com/motcua/motcua/archive"
	"github.com/motcua/motcua/audit"
)

// FuzzCheckBundle: whatever file an outside auditor is handed, the check
// never panics, and nothing passes that was not signed by the audit key the
// auditor trusts (whose private half the fuzzer does not have).
func FuzzCheckBundle(f *testing.F) {
	key, err := audit.LoadOrCreateAuditKey(f.TempDir(), "Ủy ban nhân dân xã Thử Nghiệm")
	if err != nil {
		f.Fatal(err)
	}
	trusted := archive.Sum(key.Cert.Raw) // the fingerprint an auditor pins
	zipOf := func(files map[string]string) []byte {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		for name, body := range files {
			w, _ := zw.Create(name)
			w.Write([]byte(body))
		}
		zw.Close()
		return b.Bytes()
	}
	f.Add(zipOf(map[string]string{"manifest.json": `{"dossier_id":"X","files":{"history.json":"00"}}`, "history.json": "{}"}))
	f.Add(zipOf(map[string]string{"manifest.json": `{}`, "manifest.sig": "AAAA", "audit-key.crt": "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"}))
	f.Add(zipOf(nil))
	f.Add([]byte("PK\x03\x04 not really"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c := audit.CheckBundle(b, trusted, nil)
		if len(c.Problems) == 0 {
			t.Fatalf("a bundle not signed by the trusted key passed: %+v", c)
		}
		for _, p := range c.Problems {
			if strings.TrimSpace(p) == "" {
				t.Fatal("a problem without words")
			}
		}
	})
}
