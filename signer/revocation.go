package signer

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"golang.org/x/crypto/ocsp"
)

// ErrUnavailable is returned (wrapped) when a service the signature needs
// (OCSP, CRL, TSA) cannot be reached: the signing can be retried later.
var ErrUnavailable = errors.New("a signing service is unavailable")

// validationData is what a verifier needs, besides the signature, to check
// a chain offline: the certificates and the revocation answers (DER), as the
// Document Security Store keeps them.
type validationData struct {
	certs, ocsps, crls [][]byte
}

func (v *validationData) add(o validationData) {
	v.certs = append(v.certs, o.certs...)
	v.ocsps = append(v.ocsps, o.ocsps...)
	v.crls = append(v.crls, o.crls...)
}

// revocationCheck asks for the revocation state of certificate chains
// while one signature is made, fetching each CRL once.
type revocationCheck struct {
	hc *http.Client
	// keep: gather both the OCSP answer and the CRL of each certificate,
	// for the Document Security Store; else the CRL is asked only when
	// OCSP does not answer.
	keep bool
	crls map[string][]byte // fetched, by URL
}

// check asks, for each certificate of the chain below the root, its
// issuer's OCSP responder and CRL, refuses a revoked certificate, and
// returns the chain and the answers, the revocation state at this moment.
// One answer per certificate is needed; an unreachable service is
// ErrUnavailable, to be retried.
func (rc *revocationCheck) check(ctx context.Context, chain []*x509.Certificate) (validationData, error) {
	var info validationData
	for _, c := range chain {
		info.certs = append(info.certs, c.Raw)
	}
	for i := 0; i+1 < len(chain); i++ {
		cert, issuer := chain[i], chain[i+1]
		if bytes.Equal(cert.RawSubject, cert.RawIssuer) {
			break // a self-signed root has no revocation status
		}
		raw, revoked, errOCSP := askOCSP(ctx, rc.hc, cert, issuer)
		if errOCSP == nil {
			if revoked {
				return info, fmt.Errorf("%w: %q is revoked (OCSP)", ErrCertificate, cert.Subject.CommonName)
			}
			info.ocsps = append(info.ocsps, raw)
			if r, err := ocsp.ParseResponse(raw, issuer); err == nil && r.Certificate != nil {
				info.certs = append(info.certs, r.Certificate.Raw) // a delegated responder
			}
			if !rc.keep {
				continue
			}
		}
		raw, revoked, errCRL := rc.fetchCRL(ctx, cert, issuer)
		switch {
		case errCRL != nil && errOCSP != nil:
			return info, fmt.Errorf("%w: revocation status of %q: OCSP: %v; CRL: %v", ErrUnavailable, cert.Subject.CommonName, errOCSP, errCRL)
		case errCRL != nil: // the OCSP answer suffices
		case revoked:
			return info, fmt.Errorf("%w: %q is revoked (CRL)", ErrCertificate, cert.Subject.CommonName)
		default:
			if !slices.ContainsFunc(info.crls, func(b []byte) bool { return bytes.Equal(b, raw) }) {
				info.crls = append(info.crls, raw)
			}
		}
	}
	return info, nil
}

func askOCSP(ctx context.Context, hc *http.Client, cert, issuer *x509.Certificate) (raw []byte, revoked bool, err error) {
	if len(cert.OCSPServer) == 0 {
		return nil, false, errors.New("the certificate names no OCSP responder")
	}
	req, err := ocsp.CreateRequest(cert, issuer, nil)
	if err != nil {
		return nil, false, err
	}
	raw, err = post(ctx, hc, cert.OCSPServer[0], "application/ocsp-request", req)
	if err != nil {
		return nil, false, err
	}
	resp, err := ocsp.ParseResponseForCert(raw, cert, issuer)
	if err != nil {
		return nil, false, fmt.Errorf("OCSP answer: %w", err)
	}
	switch resp.Status {
	case ocsp.Good:
		return raw, false, nil
	case ocsp.Revoked:
		return raw, true, nil
	}
	return nil, false, errors.New("OCSP status unknown")
}

func (rc *revocationCheck) fetchCRL(ctx context.Context, cert, issuer *x509.Certificate) (raw []byte, revoked bool, err error) {
	if len(cert.CRLDistributionPoints) == 0 {
		return nil, false, errors.New("the certificate names no CRL")
	}
	url := cert.CRLDistributionPoints[0]
	if raw = rc.crls[url]; raw == nil {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, false, err
		}
		if raw, err = do(rc.hc, req); err != nil {
			return nil, false, err
		}
		if rc.crls == nil {
			rc.crls = map[string][]byte{}
		}
		rc.crls[url] = raw
	}
	crl, err := x509.ParseRevocationList(raw)
	if err != nil {
		return nil, false, fmt.Errorf("CRL: %w", err)
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		return nil, false, fmt.Errorf("CRL signature: %w", err)
	}
	if !crl.NextUpdate.IsZero() && time.Now().After(crl.NextUpdate) {
		return nil, false, errors.New("the CRL is out of date")
	}
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
			return raw, true, nil
		}
	}
	return raw, false, nil
}

func post(ctx context.Context, hc *http.Client, url, contentType string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	return do(hc, req)
}

func do(hc *http.Client, req *http.Request) ([]byte, error) {
	if hc == nil {
		hc = &http.Client{Timeout: 20 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s", req.URL.Host, resp.Status)
	}
	return b, nil
}
