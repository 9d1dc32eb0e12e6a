package signer

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"time"
)

// ErrCertificate is returned (wrapped) when a signing certificate fails the
// checks made before signing: retrying will not help.
var ErrCertificate = errors.New("the signing certificate cannot be used")

// CheckKey checks a key before it signs: its certificate is valid at now,
// allows digital signatures, chains to roots, and belongs to the key.
func CheckKey(k Key, roots *x509.CertPool, now time.Time) error {
	if k.Certificate == nil || k.Signer == nil {
		return fmt.Errorf("%w: no certificate or key", ErrCertificate)
	}
	if err := checkCertificate(k.Certificate, k.Chain, roots, now); err != nil {
		return err
	}
	if !samePublicKey(k.Certificate.PublicKey, k.Signer.Public()) {
		return fmt.Errorf("%w: the key does not match the certificate of %q", ErrCertificate, k.Certificate.Subject.CommonName)
	}
	return nil
}

// checkCertificate is CheckKey without the key: validity at now, usage,
// chain to roots.
func checkCertificate(c *x509.Certificate, chain []*x509.Certificate, roots *x509.CertPool, now time.Time) error {
	if now.Before(c.NotBefore) {
		return fmt.Errorf("%w: %q is valid only from %s", ErrCertificate, c.Subject.CommonName, c.NotBefore.Format(time.RFC3339))
	}
	if now.After(c.NotAfter) {
		return fmt.Errorf("%w: %q expired on %s", ErrCertificate, c.Subject.CommonName, c.NotAfter.Format(time.RFC3339))
	}
	if c.KeyUsage != 0 && c.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return fmt.Errorf("%w: %q does not allow digital signatures", ErrCertificate, c.Subject.CommonName)
	}
	inter := x509.NewCertPool()
	for _, p := range chain {
		inter.AddCert(p)
	}
	if _, err := c.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return fmt.Errorf("%w: %q does not chain to a trusted root: %v", ErrCertificate, c.Subject.CommonName, err)
	}
	return nil
}

func samePublicKey(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(x crypto.PublicKey) bool }
	e, ok := a.(equaler)
	return ok && e.Equal(b)
}
