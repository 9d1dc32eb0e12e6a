// Package devca is the local certificate authority `motcua dev` keeps
// in its data folder, for trying motcua: a root, one PKCS#12 signing key
// per leader, the audit key's certificate, and (Handler) the OCSP
// responder, CRL and time-stamping authority a PAdES signature needs.
// Nothing a real office relies on is signed by it: production keys come
// from the leaders' tokens and the office's HSM (package signer's sources).
package devca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/motcua/motcua/internal/fileonce"
	"github.com/motcua/motcua/signer"
)

// CA is the local certificate authority `motcua dev` creates under its
// data folder: a root, and one PKCS#12 signing key per leader, with the
// leader's full name as the certificate's common name. It is for trying
// motcua, never for results anyone relies on.
type CA struct {
	dir      string
	password string
	root     *x509.Certificate
	rootKey  crypto.Signer
	// pkiBase is the URL of the CA's OCSP responder, CRL and TSA (see
	// Handler); certificates issued after SetPKIBase name it.
	pkiBase string
	// tsaPolicy is the policy the TSA's tokens name (SetTSAPolicy).
	tsaPolicy asn1.ObjectIdentifier
	// tsa is the TSA's key as last decoded, with the hash of its file.
	tsa struct {
		sum  [32]byte
		key  crypto.Signer
		cert *x509.Certificate
	}
}

// Person is a leader the dev CA issues a signing certificate for.
type Person struct {
	ID   string
	Name string
	// Title is the office the person signs in, e.g. "Chủ tịch UBND xã
	// Tân Lập": the certificate's subject names it beside the full name.
	Title string
}

// Open loads the CA in dir, creating the root on first use.
func Open(dir, unitName string) (*CA, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create ca folder: %w", err)
	}
	ca := &CA{dir: dir}
	pw, err := readOrCreateSecret(filepath.Join(dir, "pkcs12-password"))
	if err != nil {
		return nil, err
	}
	ca.password = pw
	certPath, keyPath := filepath.Join(dir, "root.crt"), filepath.Join(dir, "root.key")
	if _, err := os.Stat(certPath); errors.Is(err, os.ErrNotExist) {
		if err := createRoot(certPath, keyPath, unitName); err != nil {
			return nil, err
		}
	}
	cb, err := os.ReadFile(certPath)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(cb)
	if blk == nil {
		return nil, fmt.Errorf("%s is not PEM", certPath)
	}
	if ca.root, err = x509.ParseCertificate(blk.Bytes); err != nil {
		return nil, err
	}
	kb, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, err
	}
	blk, _ = pem.Decode(kb)
	if blk == nil {
		return nil, fmt.Errorf("%s is not PEM", keyPath)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, err
	}
	ca.rootKey = k.(crypto.Signer)
	return ca, nil
}

// RootPath is the PEM file of the root certificate, to give to verifiers.
func (ca *CA) RootPath() string { return filepath.Join(ca.dir, "root.crt") }

// Roots is a pool holding the dev root.
func (ca *CA) Roots() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.root)
	return p
}

// Key returns the signing key of a person, issuing it on first use, and
// again when the CA's PKI address or the person's name changed.
func (ca *CA) Key(p Person) (signer.Key, error) {
	path := ca.KeyPath(p.ID)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if err := ca.issue(p, path); err != nil {
			return signer.Key{}, err
		}
	}
	k, err := signer.LoadPKCS12(path, ca.password)
	if err != nil {
		return signer.Key{}, err
	}
	if k.Certificate.Subject.CommonName != p.Name || TitleOf(k.Certificate) != p.Title || ca.pkiBase != "" && !slices.Equal(k.Certificate.OCSPServer, []string{ca.pkiBase + "/ocsp"}) {
		if err := ca.issue(p, path); err != nil {
			return signer.Key{}, err
		}
		return signer.LoadPKCS12(path, ca.password)
	}
	return k, nil
}

// KeyPath is the PKCS#12 file Key keeps the person id's key in (its
// password is in the CA's folder, pkcs12-password).
func (ca *CA) KeyPath(id string) string { return filepath.Join(ca.dir, safeName(id)+".p12") }

// OfficeKey returns the organisation's key of the unit, which the records
// officer issues results with, issuing it on first use and again when the
// unit's name or the CA's PKI address changed. Its certificate names the
// organisation, no person.
func (ca *CA) OfficeKey(unit string) (signer.Key, error) {
	path := filepath.Join(ca.dir, "office.p12")
	certify := func(pub crypto.PublicKey) (*x509.Certificate, error) {
		return ca.certify(pkix.Name{CommonName: unit, Organization: []string{unit}, Country: []string{"VN"}}, pub)
	}
	k, err := signer.LoadPKCS12(path, ca.password)
	if err == nil && k.Certificate.Subject.CommonName == unit && (ca.pkiBase == "" || slices.Equal(k.Certificate.OCSPServer, []string{ca.pkiBase + "/ocsp"})) {
		return k, nil
	}
	if err := ca.write(path, certify); err != nil {
		return signer.Key{}, err
	}
	return signer.LoadPKCS12(path, ca.password)
}

// issue writes a new key and certificate for p to path, replacing any.
func (ca *CA) issue(p Person, path string) error {
	return ca.write(path, func(pub crypto.PublicKey) (*x509.Certificate, error) { return ca.CertifyPerson(p, pub) })
}

// write writes a new key, and the certificate certify makes for it, to
// path as PKCS#12, replacing any.
func (ca *CA) write(path string, certify func(crypto.PublicKey) (*x509.Certificate, error)) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	cert, err := certify(key.Public())
	if err != nil {
		return err
	}
	p12, err := pkcs12.Modern.Encode(key, cert, []*x509.Certificate{ca.root}, ca.password)
	if err != nil {
		return fmt.Errorf("encode pkcs12: %w", err)
	}
	return fileonce.Replace(path, p12)
}

// Certify issues a three-year signing certificate for pub, with name as the
// common name.
func (ca *CA) Certify(name string, pub crypto.PublicKey) (*x509.Certificate, error) {
	return ca.CertifyPerson(Person{Name: name}, pub)
}

// oidTitle is the X.520 title attribute of a distinguished name.
var oidTitle = asn1.ObjectIdentifier{2, 5, 4, 12}

// TitleOf returns the title in a certificate's subject, "" when none.
func TitleOf(c *x509.Certificate) string {
	for _, n := range c.Subject.Names {
		if s, ok := n.Value.(string); ok && n.Type.Equal(oidTitle) {
			return s
		}
	}
	return ""
}

// CertifyPerson issues a three-year signing certificate for pub naming the
// person: the full name as the common name and the office as the title.
func (ca *CA) CertifyPerson(p Person, pub crypto.PublicKey) (*x509.Certificate, error) {
	subject := pkix.Name{CommonName: p.Name, Organization: ca.root.Subject.Organization, Country: []string{"VN"}}
	if p.Title != "" {
		subject.ExtraNames = []pkix.AttributeTypeAndValue{{Type: oidTitle, Value: p.Title}}
	}
	return ca.certify(subject, pub)
}

// certify issues a three-year signing certificate for pub with the
// subject.
func (ca *CA) certify(subject pkix.Name, pub crypto.PublicKey) (*x509.Certificate, error) {
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               subject,
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().AddDate(3, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
		BasicConstraintsValid: true,
	}
	if ca.pkiBase != "" {
		tmpl.OCSPServer = []string{ca.pkiBase + "/ocsp"}
		tmpl.CRLDistributionPoints = []string{ca.pkiBase + "/crl"}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.root, pub, ca.rootKey)
	if err != nil {
		return nil, fmt.Errorf("issue certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}

// CertifyAuditKey issues the certificate of the unit's audit key, which
// signs the offline audit bundles: an outside auditor who trusts the root
// trusts the bundles. Nothing stands between it and the root, which the
// auditor has.
func (ca *CA) CertifyAuditKey(pub crypto.PublicKey) (*x509.Certificate, []*x509.Certificate, error) {
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "Khóa kiểm toán / audit key", Organization: ca.root.Subject.Organization, Country: []string{"VN"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(10, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.root, pub, ca.rootKey)
	if err != nil {
		return nil, nil, fmt.Errorf("certify audit key: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	return cert, nil, err
}

// Chain is the chain above certificates the CA issues: its root.
func (ca *CA) Chain() []*x509.Certificate { return []*x509.Certificate{ca.root} }

func createRoot(certPath, keyPath, unitName string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "motcua dev root CA", Organization: []string{unitName}, Country: []string{"VN"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return fmt.Errorf("create root: %w", err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	// Processes starting together on one data folder (a worker and an
	// API) race to create the root: the first to put its key in place
	// wins, and the others wait for its certificate.
	err = fileonce.Write(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
	if errors.Is(err, os.ErrExist) {
		for range 100 {
			if _, err := os.Stat(certPath); err == nil {
				return nil
			}
			time.Sleep(100 * time.Millisecond)
		}
		return fmt.Errorf("%s exists but %s never appeared", keyPath, certPath)
	}
	if err != nil {
		return err
	}
	return fileonce.Write(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n
}

func readOrCreateSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	buf := make([]byte, 16)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	pw := hex.EncodeToString(buf)
	if err := fileonce.Write(path, []byte(pw+"\n")); errors.Is(err, os.ErrExist) {
		return readOrCreateSecret(path) // another process made it first
	} else if err != nil {
		return "", err
	}
	return pw, nil
}

func safeName(id string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, id)
}
