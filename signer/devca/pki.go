package devca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/ocsp"
	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/motcua/motcua/internal/fileonce"
)

// SetPKIBase tells the CA where its Handler is served (e.g.
// http://127.0.0.1:8234): certificates issued from now on name its OCSP
// responder and CRL there.
func (ca *CA) SetPKIBase(url string) { ca.pkiBase = strings.TrimRight(url, "/") }

// TSAURL is the CA's timestamp authority, once SetPKIBase was called.
func (ca *CA) TSAURL() string { return ca.pkiBase + "/tsa" }

// Revoke marks a certificate revoked: the OCSP responder and the CRL say so.
func (ca *CA) Revoke(serial *big.Int) error {
	f, err := os.OpenFile(filepath.Join(ca.dir, "revoked.txt"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = fmt.Fprintf(f, "%x %s\n", serial, time.Now().UTC().Format(time.RFC3339))
	return err
}

func (ca *CA) revoked() (map[string]time.Time, error) {
	b, err := os.ReadFile(filepath.Join(ca.dir, "revoked.txt"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[string]time.Time{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		serial, at, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		t, _ := time.Parse(time.RFC3339, at)
		out[serial] = t
	}
	return out, nil
}

// Handler serves the CA's public services for signing in development:
// POST /tsa (RFC 3161), POST /ocsp and GET /ocsp/{base64} (RFC 6960),
// GET /crl (DER).
func (ca *CA) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /tsa", ca.serveTSA)
	mux.HandleFunc("POST /ocsp", ca.serveOCSP)
	mux.HandleFunc("GET /ocsp/{req...}", ca.serveOCSP)
	mux.HandleFunc("GET /crl", ca.serveCRL)
	return mux
}

func (ca *CA) serveOCSP(w http.ResponseWriter, r *http.Request) {
	var raw []byte
	var err error
	if r.Method == http.MethodGet {
		raw, err = base64.StdEncoding.DecodeString(r.PathValue("req"))
	} else {
		raw, err = io.ReadAll(io.LimitReader(r.Body, 1<<16))
	}
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	req, err := ocsp.ParseRequest(raw)
	if err != nil {
		w.Write(ocsp.MalformedRequestErrorResponse)
		return
	}
	revoked, err := ca.revoked()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	resp, err := ocspAnswer(req, ca.root, ca.rootKey, revoked[fmt.Sprintf("%x", req.SerialNumber)], time.Now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	w.Write(resp)
}

func (ca *CA) serveCRL(w http.ResponseWriter, r *http.Request) {
	revoked, err := ca.revoked()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	now := time.Now().UTC()
	tmpl := &x509.RevocationList{Number: big.NewInt(now.Unix()), ThisUpdate: now, NextUpdate: now.Add(24 * time.Hour)}
	for serial, at := range revoked {
		n, ok := new(big.Int).SetString(serial, 16)
		if ok {
			tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{SerialNumber: n, RevocationTime: at})
		}
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, ca.root, ca.rootKey)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-crl")
	w.Write(der)
}

var tsaOnce sync.Mutex

// tsaKey returns the CA's timestamping key, issued on first use.
func (ca *CA) tsaKey() (crypto.Signer, *x509.Certificate, error) {
	tsaOnce.Lock()
	defer tsaOnce.Unlock()
	path := filepath.Join(ca.dir, "tsa.p12")
	if b, err := os.ReadFile(path); err == nil {
		// Decoding the PKCS#12 file (a slow key derivation) once per
		// content, not once per timestamp.
		sum := sha256.Sum256(b)
		if ca.tsa.sum == sum {
			if k, c := ca.tsa.key, ca.tsa.cert; timestampingCritical(c) && time.Now().Before(c.NotAfter) &&
				(ca.pkiBase == "" || slices.Equal(c.OCSPServer, []string{ca.pkiBase + "/ocsp"})) {
				return k, c, nil
			}
		}
		k, c, err := pkcs12.Decode(b, ca.password)
		if err != nil {
			return nil, nil, err
		}
		if s, ok := k.(crypto.Signer); ok {
			ca.tsa.sum, ca.tsa.key, ca.tsa.cert = sum, s, c
		}
		if timestampingCritical(c) && time.Now().Before(c.NotAfter) && (ca.pkiBase == "" || slices.Equal(c.OCSPServer, []string{ca.pkiBase + "/ocsp"})) {
			return k.(crypto.Signer), c, nil
		}
		// expired, issued before the extension was marked critical, or
		// before the CA served its OCSP responder where it does now: issue
		// anew
		if err := os.Remove(path); err != nil {
			return nil, nil, err
		}
	}
	return ca.issueTSA(path, 10*365*24*time.Hour)
}

// IssueTSA gives the CA's timestamp authority a new key and a certificate
// valid for the given time, replacing the one it has: how a test makes an
// authority whose certificate expires soon, and how an operator rolls the
// dev TSA over.
func (ca *CA) IssueTSA(validity time.Duration) (*x509.Certificate, error) {
	tsaOnce.Lock()
	defer tsaOnce.Unlock()
	path := filepath.Join(ca.dir, "tsa.p12")
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	_, cert, err := ca.issueTSA(path, validity)
	return cert, err
}

func (ca *CA) issueTSA(path string, validity time.Duration) (crypto.Signer, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "motcua dev TSA", Organization: ca.root.Subject.Organization, Country: []string{"VN"}},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(validity),
		KeyUsage: x509.KeyUsageDigitalSignature,
		// RFC 3161 2.3: the extended key usage is timeStamping alone, and
		// critical (Go marks it non-critical, which OpenSSL refuses).
		ExtraExtensions: []pkix.Extension{{Id: oidExtKeyUsage, Critical: true, Value: timestampingEKU}},
	}
	if ca.pkiBase != "" { // so that its revocation state can be kept with the signatures it stamps
		tmpl.OCSPServer = []string{ca.pkiBase + "/ocsp"}
		tmpl.CRLDistributionPoints = []string{ca.pkiBase + "/crl"}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.root, key.Public(), ca.rootKey)
	if err != nil {
		return nil, nil, err
	}
	cert, _ := x509.ParseCertificate(der)
	p12, err := pkcs12.Modern.Encode(key, cert, nil, ca.password)
	if err != nil {
		return nil, nil, err
	}
	if err := fileonce.Write(path, p12); err != nil {
		return nil, nil, err
	}
	return key, cert, nil
}

var (
	oidExtKeyUsage  = asn1.ObjectIdentifier{2, 5, 29, 37}
	timestampingEKU = func() []byte {
		b, _ := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
		return b
	}()
)

// timestampingCritical reports whether c's extended key usage is critical.
func timestampingCritical(c *x509.Certificate) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal(oidExtKeyUsage) {
			return e.Critical
		}
	}
	return false
}

// DefaultTSAPolicy is the policy the dev TSA's tokens name unless told
// another: ETSI's baseline time-stamp policy (ETSI EN 319 421, 5.2:
// itu-t(0) identified-organization(4) etsi(0) time-stamp-policy(2023)
// policy-identifiers(1) baseline-ts-policy(1)), the profile its tokens
// follow (RFC 3161 with ESSCertIDv2, SHA-256, accuracy one second). It is
// not a qualified service: an office that runs its own TSA names its
// policy with --tsa-policy.
const DefaultTSAPolicy = "0.4.0.2023.1.1"

// SetTSAPolicy sets the policy OID (dotted, e.g. 0.4.0.2023.1.1) the
// TSA's tokens name; call it before serving the Handler.
func (ca *CA) SetTSAPolicy(dotted string) error {
	oid, err := parseOID(dotted)
	if err != nil {
		return err
	}
	ca.tsaPolicy = oid
	return nil
}

func parseOID(dotted string) (asn1.ObjectIdentifier, error) {
	var oid asn1.ObjectIdentifier
	for _, part := range strings.Split(dotted, ".") {
		n, err := strconv.Atoi(part)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("TSA policy %q is not a dotted OID", dotted)
		}
		oid = append(oid, n)
	}
	if len(oid) < 2 || oid[0] > 2 || (oid[0] < 2 && oid[1] > 39) {
		return nil, fmt.Errorf("TSA policy %q is not a valid OID", dotted)
	}
	return oid, nil
}

var defaultPolicy, _ = parseOID(DefaultTSAPolicy)

func (ca *CA) policy() asn1.ObjectIdentifier {
	if ca.tsaPolicy == nil {
		return defaultPolicy
	}
	return ca.tsaPolicy
}

func (ca *CA) serveTSA(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	req, err := timestamp.ParseRequest(body)
	if err != nil {
		http.Error(w, "not a timestamp request", http.StatusBadRequest)
		return
	}
	key, cert, err := ca.tsaKey()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	ts := timestamp.Timestamp{
		HashAlgorithm: req.HashAlgorithm, HashedMessage: req.HashedMessage, Nonce: req.Nonce,
		Time: time.Now(), Accuracy: time.Second, SerialNumber: serial(), Policy: ca.policy(),
		AddTSACertificate: req.Certificates, Certificates: []*x509.Certificate{ca.root},
	}
	resp, err := ts.CreateResponseWithOpts(cert, key, crypto.SHA256)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/timestamp-reply")
	w.Write(resp)
}
