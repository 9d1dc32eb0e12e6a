package signer

import (
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"

	"crypto"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// LoadPKCS12 reads a PKCS#12 file holding a key, its certificate and the
// chain.
func LoadPKCS12(path, password string) (Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Key{}, fmt.Errorf("read key file: %w", err)
	}
	priv, cert, chain, err := pkcs12.DecodeChain(b, password)
	if err != nil {
		return Key{}, fmt.Errorf("decode %s: %w", filepath.Base(path), err)
	}
	s, ok := priv.(crypto.Signer)
	if !ok {
		return Key{}, fmt.Errorf("%s: key of type %T cannot sign", filepath.Base(path), priv)
	}
	return Key{Signer: s, Certificate: cert, Chain: chain}, nil
}

// LoadRoots reads the PEM certificates of the files into a new pool of
// trusted roots; empty paths are skipped.
func LoadRoots(paths ...string) (*x509.CertPool, error) {
	return addRoots(x509.NewCertPool(), paths)
}

// SystemRoots is LoadRoots over the system's trusted roots.
func SystemRoots(paths ...string) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	return addRoots(pool, paths)
}

func addRoots(pool *x509.CertPool, paths []string) (*x509.CertPool, error) {
	for _, p := range paths {
		if p == "" {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("trusted roots: %w", err)
		}
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("trusted roots: %s holds no PEM certificate", p)
		}
	}
	return pool, nil
}
