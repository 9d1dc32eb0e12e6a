package signer

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"time"

	"github.com/digitorus/timestamp"
)

// pdfsign sizes the Contents placeholder from an estimate that is too small
// for some keys (RSA-4096), and when the CMS outgrows it, it signs again on
// a context it does not reset and writes a corrupt file. It adds 9000 bytes
// of room only when it is given a timestamp authority, which it then asks
// during its pass. The first pass is therefore given this stand-in TSA: an
// in-process URL scheme, no network, answering with a small token. The room
// it leaves is what the second pass fills with the real CMS, whatever the key.

const (
	standInScheme = "motcua-standin"
	standInTSAURL = standInScheme + "://tsa"
)

var standIn struct {
	once sync.Once
	err  error
	cert *x509.Certificate
	key  crypto.Signer
}

// withStandInTSA makes the stand-in TSA reachable through the default HTTP
// transport, which pdfsign uses.
func withStandInTSA() error {
	standIn.once.Do(func() {
		t, ok := http.DefaultTransport.(*http.Transport)
		if !ok {
			standIn.err = errors.New("the default HTTP transport is not an *http.Transport")
			return
		}
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			standIn.err = err
			return
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1),
			Subject:      pkix.Name{CommonName: "motcua placeholder TSA (never in a signed file)"},
			NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(10, 0, 0),
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
			KeyUsage:    x509.KeyUsageDigitalSignature,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
		if err != nil {
			standIn.err = err
			return
		}
		standIn.cert, _ = x509.ParseCertificate(der)
		standIn.key = key
		t.RegisterProtocol(standInScheme, standInTSA{})
	})
	return standIn.err
}

type standInTSA struct{}

func (standInTSA) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	req, err := timestamp.ParseRequest(body)
	if err != nil {
		return nil, fmt.Errorf("stand-in tsa: %w", err)
	}
	ts := timestamp.Timestamp{
		HashAlgorithm: req.HashAlgorithm, HashedMessage: req.HashedMessage,
		Time: time.Now(), SerialNumber: big.NewInt(1), Policy: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1},
	}
	resp, err := ts.CreateResponseWithOpts(standIn.cert, standIn.key, crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("stand-in tsa: %w", err)
	}
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/timestamp-reply"}},
		Body:   io.NopCloser(bytes.NewReader(resp)), ContentLength: int64(len(resp)), Request: r,
	}, nil
}
