package devca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"time"

	"golang.org/x/crypto/ocsp"
)

// The OCSP responder's answers are encoded here rather than by x/crypto's
// ocsp.CreateResponse, which writes producedAt rounded down to the minute:
// a responder that answers with its real time (RFC 6960, 4.2.1: producedAt
// and thisUpdate, to the second) gives revocation data that postdates a
// signature's timestamp when it is asked right after, as a strict PAdES
// validator wants; and thisUpdate never follows producedAt (NSS refuses
// such an answer).

var (
	oidOCSPBasic      = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}
	oidECDSAWithSHA   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidRSAWithSHA256  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidHashSHA1       = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidHashSHA256     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	errUnknownKeyType = errors.New("the responder's key is neither ECDSA nor RSA")
)

type certID struct {
	HashAlgorithm  pkix.AlgorithmIdentifier
	IssuerNameHash []byte
	IssuerKeyHash  []byte
	SerialNumber   *big.Int
}

type revokedInfo struct {
	RevocationTime time.Time       `asn1:"generalized"`
	Reason         asn1.Enumerated `asn1:"explicit,tag:0,optional"`
}

type singleResponse struct {
	CertID     certID
	Good       asn1.Flag   `asn1:"tag:0,optional"`
	Revoked    revokedInfo `asn1:"tag:1,optional"`
	Unknown    asn1.Flag   `asn1:"tag:2,optional"` // never set
	ThisUpdate time.Time   `asn1:"generalized"`
	NextUpdate time.Time   `asn1:"generalized,explicit,tag:0,optional"`
}

type responseData struct {
	ResponderName asn1.RawValue // [1] EXPLICIT Name
	ProducedAt    time.Time     `asn1:"generalized"`
	Responses     []singleResponse
}

type basicResponse struct {
	TBSResponseData    asn1.RawValue
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          asn1.BitString
}

type responseBytes struct {
	ResponseType asn1.ObjectIdentifier
	Response     []byte
}

type ocspResponse struct {
	Status        asn1.Enumerated
	ResponseBytes responseBytes `asn1:"explicit,tag:0"`
}

// ocspAnswer is the responder's signed answer to req: good, or revoked
// at revokedAt (key compromise) when revokedAt is not zero; thisUpdate and
// producedAt are now, to the second.
func ocspAnswer(req *ocsp.Request, issuer *x509.Certificate, key crypto.Signer, revokedAt time.Time, now time.Time) ([]byte, error) {
	now = now.UTC().Truncate(time.Second)
	hashOID := oidHashSHA1
	if req.HashAlgorithm == crypto.SHA256 {
		hashOID = oidHashSHA256
	}
	single := singleResponse{
		CertID: certID{HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: hashOID, Parameters: asn1.NullRawValue},
			IssuerNameHash: req.IssuerNameHash, IssuerKeyHash: req.IssuerKeyHash, SerialNumber: req.SerialNumber},
		ThisUpdate: now, NextUpdate: now.Add(24 * time.Hour),
	}
	if revokedAt.IsZero() {
		single.Good = true
	} else {
		single.Revoked = revokedInfo{RevocationTime: revokedAt.UTC().Truncate(time.Second), Reason: asn1.Enumerated(ocsp.KeyCompromise)}
	}
	data := responseData{ResponderName: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, IsCompound: true, Bytes: issuer.RawSubject},
		ProducedAt: now, Responses: []singleResponse{single}}
	tbs, err := asn1.Marshal(data)
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(tbs)
	var alg asn1.ObjectIdentifier
	var params asn1.RawValue
	switch key.Public().(type) {
	case *ecdsa.PublicKey:
		alg = oidECDSAWithSHA
	case *rsa.PublicKey:
		alg, params = oidRSAWithSHA256, asn1.NullRawValue
	default:
		return nil, errUnknownKeyType
	}
	sig, err := key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return nil, err
	}
	basic, err := asn1.Marshal(basicResponse{TBSResponseData: asn1.RawValue{FullBytes: tbs},
		SignatureAlgorithm: pkix.AlgorithmIdentifier{Algorithm: alg, Parameters: params},
		Signature:          asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(ocspResponse{Status: 0, ResponseBytes: responseBytes{ResponseType: oidOCSPBasic, Response: basic}})
}
