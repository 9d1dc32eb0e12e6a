package audit_test

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/signer/devca"
)

// FuzzCheckBundle: whatever file an outside auditor is handed, the check
// never panics, and nothing passes that was not signed by the audit key the
// auditor trusts (whose private half the fuzzer does not have).
func FuzzCheckBundle(f *testing.F) {
	ca, err := devca.Open(f.TempDir(), "Ủy ban nhân dân xã Thử Nghiệm")
	if err != nil {
		f.Fatal(err)
	}
	key, err := audit.LoadOrCreateAuditKey(f.TempDir(), ca.CertifyAuditKey)
	if err != nil {
		f.Fatal(err)
	}
	trusted := audit.Trust{AuditKey: key.Fingerprint()}
	byRoot := audit.Trust{Roots: ca.Roots()}
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
		for _, trust := range []audit.Trust{trusted, byRoot} {
			if c := audit.CheckBundle(b, trust); c.Pass() {
				t.Fatalf("a bundle not signed by the trusted key passed: %+v", c)
			}
		}
		c := audit.CheckBundle(b, trusted)
		for _, p := range c.Problems {
			if strings.TrimSpace(p) == "" {
				t.Fatal("a problem without words")
			}
		}
	})
}
