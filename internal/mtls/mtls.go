// Package mtls keeps the two small internal CAs of a motcua cluster.
//
// The clients' CA (DATA/tls) lets only motcua's own processes talk to
// Temporal's frontend: `motcua dev` and `motcua server` create it and the
// frontend then requires a client certificate it issued. Each process has
// an identity, the common name of its certificate, and Temporal's
// authorizer gives each its rights: the workers and the API may write; the
// audit commands and the Web UI may only read.
//
// The internode CA (DATA/tls/internode) is Temporal's own: its services
// (frontend, history, matching, worker) talk to each other with its one
// certificate, and history and matching take no other. No certificate
// handed to a motcua process or a reader comes from it, so a client
// certificate can never reach history or matching, which have no
// authorizer and would take any command. Only server processes create or
// read it.
package mtls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/motcua/motcua/internal/fileonce"
)

// The identities of motcua's processes.
const (
	Worker  = "motcua-worker"
	API     = "motcua-api"
	Auditor = "motcua-audit"
	UI      = "motcua-ui"
	// ServerName is the name the frontend's certificate carries.
	ServerName = "temporal.motcua.internal"
	// InternodeName is the name the internode certificate carries: the
	// one identity of Temporal's services, to each other and, as its
	// system worker, to the frontend.
	InternodeName = "internode.temporal.motcua.internal"
)

// Writers may change workflows; every other identity the clients' CA
// issued may only read.
var Writers = []string{Worker, API}

// Identities are the client identities the clients' CA issues, one per
// kind of motcua process.
var Identities = []string{Worker, API, Auditor, UI}

// retired are client identities earlier versions issued and no longer
// do: Temporal's system worker had a certificate of the clients' CA
// before it had the internode one.
var retired = []string{"temporal-system"}

// Files are a certificate, its key and the CA that issued it (PEM files).
type Files struct{ Cert, Key, CA string }

// FilesOf are the files of identity ("server" for the frontend) in dir.
func FilesOf(dir, identity string) Files {
	return Files{Cert: filepath.Join(dir, identity+".crt"), Key: filepath.Join(dir, identity+".key"), CA: filepath.Join(dir, "ca.crt")}
}

// Exists reports whether dir holds a CA.
func Exists(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "ca.crt"))
	return err == nil
}

// Ensure creates the clients' CA in dir, the frontend's certificate and
// one client certificate per identity, unless they are there. Processes
// that start together agree on one CA (files are linked into place whole).
func Ensure(dir string) error {
	if err := ensure(dir, "motcua internal TLS CA", append([]string{"server"}, Identities...)); err != nil {
		return err
	}
	for _, id := range retired {
		f := FilesOf(dir, id)
		for _, name := range []string{f.Key, f.Cert} {
			if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("remove the retired certificate of %s: %w", id, err)
			}
		}
	}
	return nil
}

// InternodeDir is where the internode CA of the clients' CA in dir lives.
func InternodeDir(dir string) string { return filepath.Join(dir, "internode") }

// Internode are the files of Temporal's internode identity in dir (an
// InternodeDir).
func Internode(dir string) Files { return FilesOf(dir, "node") }

// EnsureInternode creates the internode CA in dir (an InternodeDir) and
// its one certificate, unless they are there. Only the processes that run
// Temporal's services call it.
func EnsureInternode(dir string) error {
	return ensure(dir, "motcua Temporal internode CA", []string{"node"})
}

func ensure(dir, caName string, ids []string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	caCert, caKey, err := loadOrCreateCA(dir, caName)
	if err != nil {
		return err
	}
	for _, id := range ids {
		f := FilesOf(dir, id)
		if _, err := os.Stat(f.Cert); err == nil {
			continue
		}
		if err := issue(f, id, caCert, caKey); err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("tls certificate of %s: %w", id, err)
		}
	}
	return nil
}

// IssuedBy reports whether one of the verified chains of a connection
// ends at the CA ca.
func IssuedBy(chains [][]*x509.Certificate, ca *x509.Certificate) bool {
	for _, chain := range chains {
		if len(chain) > 0 && chain[len(chain)-1].Equal(ca) {
			return true
		}
	}
	return false
}

// ReadCA reads the CA certificate of f.
func ReadCA(f Files) (*x509.Certificate, error) {
	b, err := os.ReadFile(f.CA)
	if err != nil {
		return nil, fmt.Errorf("tls ca: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("tls ca %s holds no certificate", f.CA)
	}
	return x509.ParseCertificate(blk.Bytes)
}

// ClientConfig is the TLS configuration of a client with the identity's
// certificate, trusting only the CA (files from FilesOf, or given).
func ClientConfig(f Files) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(f.Cert, f.Key)
	if err != nil {
		return nil, fmt.Errorf("tls client certificate: %w", err)
	}
	pool, err := pool(f.CA)
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, ServerName: ServerName, MinVersion: tls.VersionTLS12}, nil
}

func pool(caFile string) (*x509.CertPool, error) {
	b, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("tls ca: %w", err)
	}
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("tls ca %s holds no certificate", caFile)
	}
	return p, nil
}

func loadOrCreateCA(dir, name string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	certPath, keyPath := filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key")
	if _, err := os.Stat(certPath); err != nil {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		tmpl := &x509.Certificate{
			SerialNumber: serial(), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(10, 0, 0),
			KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
		if err != nil {
			return nil, nil, err
		}
		if err := writePair(certPath, keyPath, der, key); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, nil, err
		}
	}
	for range 100 { // another process may be writing it: wait for the pair
		cert, key, err := readPair(certPath, keyPath)
		if err == nil {
			return cert, key, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return readPair(certPath, keyPath)
}

func issue(f Files, id string, caCert *x509.Certificate, caKey *ecdsa.PrivateKey) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: id, Organization: []string{"motcua"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(10, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	switch id {
	case "server", "node":
		name := map[string]string{"server": ServerName, "node": InternodeName}[id]
		tmpl.Subject.CommonName = name
		tmpl.DNSNames = []string{name, "localhost"}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	default:
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, key.Public(), caKey)
	if err != nil {
		return err
	}
	return writePair(f.Cert, f.Key, der, key)
}

// writePair puts the key, then the certificate, in place whole; a pair
// another process put first wins (os.ErrExist).
func writePair(certPath, keyPath string, der []byte, key *ecdsa.PrivateKey) error {
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := fileonce.Write(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})); err != nil {
		return err
	}
	return fileonce.Write(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func readPair(certPath, keyPath string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	cb, err := os.ReadFile(certPath)
	if err != nil {
		return nil, nil, err
	}
	kb, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, nil, err
	}
	cblk, _ := pem.Decode(cb)
	kblk, _ := pem.Decode(kb)
	if cblk == nil || kblk == nil {
		return nil, nil, fmt.Errorf("%s or %s is not PEM", certPath, keyPath)
	}
	cert, err := x509.ParseCertificate(cblk.Bytes)
	if err != nil {
		return nil, nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(kblk.Bytes)
	if err != nil {
		return nil, nil, err
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, nil, fmt.Errorf("%s is not an ECDSA key", keyPath)
	}
	return cert, key, nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n
}

// TemporalPart is the folder of Issue's layout that Temporal's services
// read: the frontend's certificate and the clients' CA it checks callers
// against, and the internode CA's certificate, without any CA's key.
const TemporalPart = "temporal"

// Issue lays the cluster's certificates out in dir for processes that
// share no folder: the two CAs, with their keys, in dir/ca (kept by
// whoever runs Issue; no process mounts it), and one folder a kind of
// process, holding only its own: dir/temporal for Temporal's services
// (TemporalPart), and dir/<identity> for each of motcua's identities (its
// certificate, its key and the CA of the frontend's certificate, as
// FilesOf names them). Issue keeps what is there: running it again
// issues only what is missing. It returns the folders.
func Issue(dir string) ([]string, error) {
	ca := filepath.Join(dir, "ca")
	if err := Ensure(ca); err != nil {
		return nil, err
	}
	if err := EnsureInternode(InternodeDir(ca)); err != nil {
		return nil, err
	}
	server, node := FilesOf(ca, "server"), Internode(InternodeDir(ca))
	temporal := filepath.Join(dir, TemporalPart)
	parts := []string{temporal}
	want := map[string]string{ // copy -> original
		FilesOf(temporal, "server").Cert: server.Cert, FilesOf(temporal, "server").Key: server.Key, FilesOf(temporal, "server").CA: server.CA,
		Internode(InternodeDir(temporal)).Cert: node.Cert, Internode(InternodeDir(temporal)).Key: node.Key, Internode(InternodeDir(temporal)).CA: node.CA,
	}
	for _, id := range Identities {
		part := filepath.Join(dir, id)
		parts = append(parts, part)
		mine, orig := FilesOf(part, id), FilesOf(ca, id)
		want[mine.Cert], want[mine.Key], want[mine.CA] = orig.Cert, orig.Key, orig.CA
	}
	for to, from := range want {
		if err := copyOnce(from, to); err != nil {
			return nil, err
		}
	}
	return parts, nil
}

// LaidOut reports whether dir is a Temporal services' folder of Issue's
// layout: every file a service reads (FilesOf(dir, "server") and the
// internode identity) and no CA key, so nothing is to be made.
func LaidOut(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, "ca.key")); err == nil {
		return false
	}
	s, n := FilesOf(dir, "server"), Internode(InternodeDir(dir))
	for _, f := range []string{s.Cert, s.Key, s.CA, n.Cert, n.Key, n.CA} {
		if _, err := os.Stat(f); err != nil {
			return false
		}
	}
	return true
}

// copyOnce copies from to to (mode 0600, its folder 0700) unless to is
// there.
func copyOnce(from, to string) error {
	if _, err := os.Stat(to); err == nil {
		return nil
	}
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
		return err
	}
	if err := fileonce.Write(to, b); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("lay out %s: %w", to, err)
	}
	return nil
}
