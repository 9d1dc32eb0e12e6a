package audit

import (
	"archive/zip"
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"time"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"

	"github.com/motcua/motcua/archive"
	"github.com/motcua/motcua/signer"
)

// An offline audit bundle is a zip of the dossier's history (JSON), its
// receipt and signed result, its timeline in both languages, and a
// manifest of SHA-256 sums signed by the unit's audit key, whose
// certificate travels in the bundle.
const (
	manifestName  = "manifest.json"
	signatureName = "manifest.sig"
	certName      = "audit-key.crt"
)

// Manifest lists the files of a bundle.
type Manifest struct {
	DossierID string            `json:"dossier_id"`
	CreatedAt time.Time         `json:"created_at"`
	Files     map[string]string `json:"files"` // name -> hex SHA-256
}

// AuditKey is the unit's key for signing bundles.
type AuditKey struct {
	Key  crypto.Signer
	Cert *x509.Certificate
}

// LoadOrCreateAuditKey reads the audit key in dir (audit-key.pem,
// audit-key.crt), creating a self-signed one on first use.
func LoadOrCreateAuditKey(dir, unitName string) (AuditKey, error) {
	keyPath, certPath := filepath.Join(dir, "audit-key.pem"), filepath.Join(dir, "audit-key.crt")
	if kb, err := os.ReadFile(keyPath); err == nil {
		cb, err := os.ReadFile(certPath)
		if err != nil {
			return AuditKey{}, err
		}
		kblk, _ := pem.Decode(kb)
		cblk, _ := pem.Decode(cb)
		if kblk == nil || cblk == nil {
			return AuditKey{}, errors.New("audit key files are not PEM")
		}
		k, err := x509.ParsePKCS8PrivateKey(kblk.Bytes)
		if err != nil {
			return AuditKey{}, err
		}
		c, err := x509.ParseCertificate(cblk.Bytes)
		if err != nil {
			return AuditKey{}, err
		}
		return AuditKey{Key: k.(crypto.Signer), Cert: c}, nil
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return AuditKey{}, err
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 100))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: "Khóa kiểm toán / audit key", Organization: []string{unitName}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(20, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		return AuditKey{}, err
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(k)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return AuditKey{}, err
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		return AuditKey{}, err
	}
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return AuditKey{}, err
	}
	return LoadOrCreateAuditKey(dir, unitName)
}

// WriteBundle writes the bundle of a dossier to w.
func WriteBundle(w io.Writer, dossierID string, dc converter.DataConverter, h *historypb.History, store *archive.Store, key AuditKey) error {
	files := map[string][]byte{}
	var err error
	if files["history.json"], err = Export(h); err != nil {
		return err
	}
	for name, hash := range map[string]func(converter.DataConverter, *historypb.History) (string, error){"receipt.pdf": ReceiptHash, "result.pdf": SignedHash} {
		sum, err := hash(dc, h)
		if err != nil {
			continue // a dossier without a result (rejected, withdrawn) has none
		}
		if files[name], err = store.Get(sum); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	for _, lang := range []string{"vi", "en"} {
		var b bytes.Buffer
		WriteTimeline(&b, dc, h, lang)
		files["timeline-"+lang+".txt"] = b.Bytes()
	}
	m := Manifest{DossierID: dossierID, CreatedAt: time.Now().UTC(), Files: map[string]string{}}
	for name, b := range files {
		m.Files[name] = archive.Sum(b)
	}
	mb, _ := json.MarshalIndent(m, "", "  ")
	digest := sha256.Sum256(mb)
	sig, err := key.Key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return err
	}
	files[manifestName] = mb
	files[signatureName] = []byte(hex.EncodeToString(sig) + "\n")
	files[certName] = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: key.Cert.Raw})
	zw := zip.NewWriter(w)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		f, err := zw.Create(n)
		if err != nil {
			return err
		}
		if _, err := f.Write(files[n]); err != nil {
			return err
		}
	}
	return zw.Close()
}

// BundleCheck is what CheckBundle found.
type BundleCheck struct {
	DossierID string   `json:"dossier_id"`
	Files     int      `json:"files"`
	AuditKey  string   `json:"audit_key_sha256"`
	Problems  []string `json:"problems"`
}

// CheckBundle verifies a bundle with no server: the manifest's signature by
// the audit key in the bundle (and that key's fingerprint, when trusted is
// given), every file's sum, no file outside the manifest, and the result's
// signatures against roots.
func CheckBundle(zipBytes []byte, trustedKey string, roots *x509.CertPool) BundleCheck {
	var c BundleCheck
	bad := func(f string, a ...any) { c.Problems = append(c.Problems, fmt.Sprintf(f, a...)) }
	zr, err := zip.NewReader(bytes.NewReader(zipBytes), int64(len(zipBytes)))
	if err != nil {
		bad("not a zip: %v", err)
		return c
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			bad("%s: %v", f.Name, err)
			continue
		}
		b, err := io.ReadAll(io.LimitReader(rc, 64<<20))
		rc.Close()
		if err != nil {
			bad("%s: %v", f.Name, err)
			continue
		}
		files[f.Name] = b
	}
	var m Manifest
	if err := json.Unmarshal(files[manifestName], &m); err != nil {
		bad("manifest: %v", err)
		return c
	}
	c.DossierID, c.Files = m.DossierID, len(m.Files)
	blk, _ := pem.Decode(files[certName])
	if blk == nil {
		bad("no audit key certificate")
		return c
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		bad("audit key certificate: %v", err)
		return c
	}
	c.AuditKey = archive.Sum(cert.Raw)
	if trustedKey != "" && trustedKey != c.AuditKey {
		bad("the bundle is signed by audit key %s, not the trusted %s", c.AuditKey[:16], trustedKey[:min(16, len(trustedKey))])
	}
	sig, err := hex.DecodeString(string(bytes.TrimSpace(files[signatureName])))
	digest := sha256.Sum256(files[manifestName])
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if err != nil || !ok || !ecdsa.VerifyASN1(pub, digest[:], sig) {
		bad("the manifest's signature does not verify")
	}
	for name, sum := range m.Files {
		b, ok := files[name]
		switch {
		case !ok:
			bad("%s is missing", name)
		case archive.Sum(b) != sum:
			bad("%s was altered", name)
		}
	}
	for name := range files {
		if _, listed := m.Files[name]; !listed && name != manifestName && name != signatureName && name != certName {
			bad("%s is not in the manifest", name)
		}
	}
	if result, ok := files["result.pdf"]; ok {
		rep, err := signer.Verify(result, roots)
		if err != nil {
			bad("result.pdf: %v", err)
		} else if err := rep.Err(); err != nil {
			bad("result.pdf: %v", err)
		}
	}
	slices.Sort(c.Problems)
	return c
}
