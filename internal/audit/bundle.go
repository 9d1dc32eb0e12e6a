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
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"

	"github.com/motcua/motcua/internal/archive"
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

// AuditKey is the unit's key for signing bundles, with its certificate and
// the chain above it (the unit's CA issues it, as it issues its signers').
type AuditKey struct {
	Key   crypto.Signer
	Cert  *x509.Certificate
	Chain []*x509.Certificate
}

// Issuer certifies the audit key's public half: the unit's CA.
type Issuer func(pub crypto.PublicKey) (cert *x509.Certificate, chain []*x509.Certificate, err error)

// LoadOrCreateAuditKey reads the audit key in dir (audit-key.pem and
// audit-key.crt, the certificate then its chain), creating the key on first
// use. Its certificate comes from issue; one the issuer did not make (a
// self-signed one from before) is issued anew for the same key.
func LoadOrCreateAuditKey(dir string, issue Issuer) (AuditKey, error) {
	keyPath, certPath := filepath.Join(dir, "audit-key.pem"), filepath.Join(dir, "audit-key.crt")
	var k crypto.Signer
	if kb, err := os.ReadFile(keyPath); err == nil {
		blk, _ := pem.Decode(kb)
		if blk == nil {
			return AuditKey{}, errors.New("audit key file is not PEM")
		}
		pk, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			return AuditKey{}, err
		}
		k = pk.(crypto.Signer)
	} else {
		gk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return AuditKey{}, err
		}
		der, _ := x509.MarshalPKCS8PrivateKey(gk)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return AuditKey{}, err
		}
		if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
			return AuditKey{}, err
		}
		k = gk
	}
	if cb, err := os.ReadFile(certPath); err == nil {
		if certs, err := signer.ParseCertificates(cb); err == nil && len(certs[0].AuthorityKeyId) > 0 && !bytes.Equal(certs[0].AuthorityKeyId, certs[0].SubjectKeyId) {
			return AuditKey{Key: k, Cert: certs[0], Chain: certs[1:]}, nil
		}
	}
	cert, chain, err := issue(k.Public())
	if err != nil {
		return AuditKey{}, fmt.Errorf("issue the audit key's certificate: %w", err)
	}
	var out []byte
	for _, c := range append([]*x509.Certificate{cert}, chain...) {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	if err := os.WriteFile(certPath, out, 0o644); err != nil {
		return AuditKey{}, err
	}
	return AuditKey{Key: k, Cert: cert, Chain: chain}, nil
}

// Fingerprint is the SHA-256 of the audit key's certificate: what an
// auditor pins.
func (k AuditKey) Fingerprint() string { return archive.Sum(k.Cert.Raw) }

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
	for _, c := range append([]*x509.Certificate{key.Cert}, key.Chain...) {
		files[certName] = append(files[certName], pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
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

// BundleCheck is what CheckBundle found. A bundle passes when it has no
// problems and is trusted.
type BundleCheck struct {
	DossierID string `json:"dossier_id"`
	Files     int    `json:"files"`
	AuditKey  string `json:"audit_key_sha256"`
	// Trusted says why the audit key that signed the manifest is trusted
	// ("pinned", or the root it chains to); empty when it is not.
	Trusted string `json:"trusted"`
	// Untrusted lists the result's signatures that are intact but whose
	// signer the roots do not vouch for.
	Untrusted []string `json:"untrusted,omitempty"`
	Problems  []string `json:"problems"`
}

// Pass reports whether the bundle is intact and everything in it trusted.
func (c BundleCheck) Pass() bool {
	return len(c.Problems) == 0 && c.Trusted != "" && len(c.Untrusted) == 0
}

// Trust is what an outside auditor trusts: the fingerprint of an audit key
// they were given, or roots the audit key must chain to (either will do).
type Trust struct {
	AuditKey string
	Roots    *x509.CertPool
}

// CheckBundle verifies a bundle with nothing but the bundle and what the
// auditor trusts: the manifest's signature by the audit key in the bundle,
// every file's sum, no file outside the manifest, the result's signatures
// against the roots, and whether the audit key is trusted.
func CheckBundle(zipBytes []byte, trust Trust) BundleCheck {
	var c BundleCheck
	bad := func(f string, a ...any) { c.Problems = append(c.Problems, fmt.Sprintf(f, a...)) }
	zr, err := zip.NewReader(bytes.NewReader(zipBytes), int64(len(zipBytes)))
	if err != nil {
		bad("not a zip: %v", err)
		return c
	}
	files, seen := map[string][]byte{}, map[string]bool{}
	for _, f := range zr.File {
		// Tools disagree on which of two entries with one name they show
		// (unzip extracts the first; a map keeps the last): a bundle that
		// has any is not one this office wrote.
		if seen[f.Name] {
			bad("%s: two entries with this name", f.Name)
			return c
		}
		seen[f.Name] = true
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
	certs, err := signer.ParseCertificates(files[certName])
	if err != nil {
		bad("audit key certificate: %v", err)
		return c
	}
	cert := certs[0]
	c.AuditKey = archive.Sum(cert.Raw)
	switch {
	case trust.AuditKey != "":
		if trust.AuditKey == c.AuditKey {
			c.Trusted = "pinned audit key"
		}
	case trust.Roots != nil:
		inter := x509.NewCertPool()
		for _, ic := range certs[1:] {
			inter.AddCert(ic)
		}
		chains, err := cert.Verify(x509.VerifyOptions{Roots: trust.Roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		if err == nil && len(chains) > 0 {
			root := chains[0][len(chains[0])-1]
			c.Trusted = "chains to " + root.Subject.CommonName
		}
	}
	roots := trust.Roots
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
		switch {
		case err != nil:
			bad("result.pdf: %v", err)
		case len(rep.Signatures) == 0:
			bad("result.pdf carries no signature")
		default:
			for i, sig := range rep.Signatures {
				if !sig.Valid {
					bad("result.pdf: signature %d: %s", i+1, sig.Problem)
				} else if !sig.Trusted {
					c.Untrusted = append(c.Untrusted, fmt.Sprintf("result.pdf: signature %d by %s: %s", i+1, sig.SignerCN, sig.Problem))
				}
			}
			if err := rep.AppendedErr(); err != nil {
				bad("result.pdf: %v", err)
			}
		}
	}
	slices.Sort(c.Problems)
	return c
}
