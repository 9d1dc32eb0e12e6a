package signer

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"net/http"
	"slices"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// The CMS of a PAdES baseline signature (ETSI EN 319 142-1, 5.3 and 6.3):
// a detached SignedData whose signed attributes are exactly content-type,
// message-digest and ESS signing-certificate-v2. There is no CMS
// signing-time (the claimed time is the signature dictionary's /M) and no
// revocation attribute (validation data goes to the Document Security
// Store). pdfsign's CMS always carries both, so motcua writes its own.

// OIDs of the CMS parts motcua writes or reads.
var (
	oidData                 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidTimeStampToken       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidAdobeRevocation      = asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 8}
	oidSHA256               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidRSAEncryption        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidECDSAWithSHA256      = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
)

// cmsParts are what goes into the CMS of a signature.
type cmsParts struct {
	key  Key
	tsa  string
	http *http.Client
}

// signedAttributes returns the DER of the signed attributes over content,
// as the SET the signature is computed on (RFC 5652, 5.4).
func signedAttributes(content []byte, cert *x509.Certificate) ([]byte, error) {
	digest := sha256.Sum256(content)
	certHash := sha256.Sum256(cert.Raw)
	attrs := [][]byte{
		attribute(oidContentType, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) }),
		attribute(oidMessageDigest, func(b *cryptobyte.Builder) { b.AddASN1OctetString(digest[:]) }),
		attribute(oidSigningCertificateV2, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SigningCertificateV2
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // certs
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ESSCertIDv2, SHA-256 by default
						b.AddASN1OctetString(certHash[:])
					})
				})
			})
		}),
	}
	slices.SortFunc(attrs, bytes.Compare) // DER orders a SET OF by encoding
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
		for _, a := range attrs {
			b.AddBytes(a)
		}
	})
	return b.Bytes()
}

func attribute(oid asn1.ObjectIdentifier, value func(*cryptobyte.Builder)) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		b.AddASN1(cbasn1.SET, value)
	})
	return b.BytesOrPanic()
}

// signatureAlgorithm is the CMS signature algorithm of a public key.
func signatureAlgorithm(pub crypto.PublicKey) (func(*cryptobyte.Builder), error) {
	switch pub.(type) {
	case *rsa.PublicKey:
		return func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidRSAEncryption)
				b.AddASN1NULL()
			})
		}, nil
	case *ecdsa.PublicKey:
		return func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidECDSAWithSHA256) })
		}, nil
	}
	return nil, fmt.Errorf("%w: keys of type %T cannot sign", ErrCertificate, pub)
}

// signedData encodes the CMS ContentInfo of a detached SignedData with one
// signer. signed is the DER SET of signed attributes; unsigned, when not
// nil, the DER of the unsigned attributes' contents.
func signedData(cert *x509.Certificate, chain []*x509.Certificate, signed, signature, unsigned []byte) ([]byte, error) {
	alg, err := signatureAlgorithm(cert.PublicKey)
	if err != nil {
		return nil, err
	}
	sha256Alg := func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidSHA256) })
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ContentInfo
		b.AddASN1ObjectIdentifier(oidSignedData)
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignedData
				b.AddASN1Int64(1)
				b.AddASN1(cbasn1.SET, sha256Alg)
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) })
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddBytes(cert.Raw)
					for _, c := range chain {
						if !c.Equal(cert) {
							b.AddBytes(c.Raw)
						}
					}
				})
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignerInfo
						b.AddASN1Int64(1)
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerAndSerialNumber
							b.AddBytes(cert.RawIssuer)
							b.AddASN1BigInt(cert.SerialNumber)
						})
						sha256Alg(b)
						// [0] IMPLICIT: the SET's contents under the context tag
						b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
							b.AddBytes(setContents(signed))
						})
						alg(b)
						b.AddASN1OctetString(signature)
						if unsigned != nil {
							b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(unsigned) })
						}
					})
				})
			})
		})
	})
	return b.Bytes()
}

// setContents strips the tag and length of a DER SET.
func setContents(set []byte) []byte {
	s := cryptobyte.String(set)
	var inner cryptobyte.String
	if !s.ReadASN1(&inner, cbasn1.SET) {
		panic("signer: signed attributes are not a SET")
	}
	return inner
}

// buildCMS signs content with the key and, when a TSA is given, adds the
// authority's token over the signature value (the B-T level).
func buildCMS(ctx context.Context, content []byte, p cmsParts) ([]byte, error) {
	signed, err := signedAttributes(content, p.key.Certificate)
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(signed)
	sig, err := p.key.Signer.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	cms, err := signedData(p.key.Certificate, p.key.Chain, signed, sig, nil)
	if err != nil || p.tsa == "" {
		return cms, err
	}
	token, err := fetchTimestamp(ctx, p.http, p.tsa, sig)
	if err != nil {
		return nil, err
	}
	return withTimestamp(cms, token)
}
