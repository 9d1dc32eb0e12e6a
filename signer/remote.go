package signer

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"github.com/digitorus/pkcs7"
)

// Remote signing: the leader's key lives on their own USB token and never
// reaches the server. Prepare lays the document out and builds the CMS
// around a blank signature; the leader's client signs Digest with the key of
// Certificate; Complete puts that signature into the CMS, adds the timestamp
// and verifies the file. pdfsign cannot embed an externally made CMS at the
// pinned version; the layout it writes is kept and filled here.

// Prepared is a document waiting for a signature made elsewhere.
type Prepared struct {
	PDF         []byte `json:"pdf"`
	Open        int    `json:"open"`
	Close       int    `json:"close"`
	CMS         []byte `json:"cms"`         // the CMS with a blank signature value
	Digest      []byte `json:"digest"`      // SHA-256 of the DER signed attributes: what the key signs
	Certificate []byte `json:"certificate"` // DER of the expected signer certificate
}

// Algorithm names what the client must do with Digest.
func (p *Prepared) Algorithm() string {
	c, err := x509.ParseCertificate(p.Certificate)
	if err != nil {
		return ""
	}
	switch c.PublicKey.(type) {
	case *rsa.PublicKey:
		return "RSASSA-PKCS1-v1_5-SHA256" // sign the SHA-256 digest as is (pre-hashed)
	case *ecdsa.PublicKey:
		return "ECDSA-SHA256" // ASN.1 DER signature over the digest
	}
	return ""
}

// Prepare checks the certificate (chain, validity, usage, revocation when
// asked) and lays pdfBytes out for its key.
func Prepare(ctx context.Context, pdfBytes []byte, cert *x509.Certificate, chain []*x509.Certificate, info Info, opts Options) (*Prepared, error) {
	level, err := opts.level()
	if err != nil {
		return nil, err
	}
	if err := checkCertificate(cert, chain, opts.Roots, time.Now()); err != nil {
		return nil, err
	}
	if opts.Revocation || level >= LevelLT {
		if _, err := (&revocationCheck{hc: opts.HTTP}).check(ctx, append([]*x509.Certificate{cert}, chain...)); err != nil {
			return nil, err
		}
	}
	key := Key{Signer: placeholderKey{pub: cert.PublicKey}, Certificate: cert, Chain: chain}
	prepared, fields, err := prepare(pdfBytes, key, info)
	if err != nil {
		return nil, err
	}
	l, err := fixLayout(prepared, pdfBytes, fields, info.Time)
	if err != nil {
		return nil, err
	}
	signed, err := signedAttributes(l.signedBytes(), cert)
	if err != nil {
		return nil, err
	}
	blank, _ := key.Signer.Sign(nil, nil, nil)
	cms, err := signedData(cert, chain, signed, blank, nil)
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(signed)
	return &Prepared{PDF: l.pdf, Open: l.open, Close: l.close, CMS: cms, Digest: digest[:], Certificate: cert.Raw}, nil
}

// Complete puts the client's signature into the prepared CMS, has it
// timestamped when a TSA is configured, embeds it, adds what the level
// asks for (checking the chain's revocation now, when the signature is
// made) and verifies the file.
func Complete(ctx context.Context, p *Prepared, signature []byte, opts Options) ([]byte, error) {
	level, err := opts.level()
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(p.Certificate)
	if err != nil {
		return nil, err
	}
	if err := checkRawSignature(cert.PublicKey, p.Digest, signature); err != nil {
		return nil, err
	}
	cms, err := withSignature(p.CMS, signature)
	if err != nil {
		return nil, err
	}
	if opts.TSA != "" {
		token, err := fetchTimestamp(ctx, opts.HTTP, opts.TSA, signature)
		if err != nil {
			return nil, err
		}
		if cms, err = withTimestamp(cms, token); err != nil {
			return nil, err
		}
	}
	var vd validationData
	rc := &revocationCheck{hc: opts.HTTP, keep: level >= LevelLT}
	if level >= LevelLT {
		p7, err := pkcs7.Parse(cms)
		if err != nil {
			return nil, err
		}
		if vd, err = rc.check(ctx, chainOf(cert, p7.Certificates)); err != nil {
			return nil, err
		}
	}
	out, err := layout{pdf: p.PDF, open: p.Open, close: p.Close}.embed(cms)
	if err != nil {
		return nil, err
	}
	return extend(ctx, out, cms, vd, rc, level, opts)
}

// ErrBadSignature is returned when a remote signature does not match the
// signing request.
var ErrBadSignature = errors.New("the signature does not match the signing request")

// Signs reports whether sig, a raw signature, is one of p's digest by the
// key of p's certificate: how a signature is found among those a
// remote-signing transaction returns for several requests.
func (p *Prepared) Signs(sig []byte) bool {
	cert, err := x509.ParseCertificate(p.Certificate)
	return err == nil && checkRawSignature(cert.PublicKey, p.Digest, sig) == nil
}

func checkRawSignature(pub crypto.PublicKey, digest, sig []byte) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if rsa.VerifyPKCS1v15(k, crypto.SHA256, digest, sig) != nil {
			return ErrBadSignature
		}
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, digest, sig) {
			return ErrBadSignature
		}
	default:
		return fmt.Errorf("unsupported key type %T", pub)
	}
	return nil
}

// The CMS structures, with every part kept as its own bytes but the
// signature value and the unsigned attributes.
type cmsContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type cmsSignedData struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	EncapContentInfo asn1.RawValue
	Certificates     asn1.RawValue   `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue   `asn1:"optional,tag:1"`
	SignerInfos      []cmsSignerInfo `asn1:"set"`
}

type cmsSignerInfo struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    asn1.RawValue
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm asn1.RawValue
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

// editSignerInfo decodes a one-signer CMS, lets edit change its signer
// info, and encodes it again.
func editSignerInfo(cms []byte, edit func(*cmsSignerInfo) error) ([]byte, error) {
	var ci cmsContentInfo
	if _, err := asn1.Unmarshal(cms, &ci); err != nil {
		return nil, fmt.Errorf("cms: %w", err)
	}
	var sd cmsSignedData
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, fmt.Errorf("cms signed data: %w", err)
	}
	if len(sd.SignerInfos) != 1 {
		return nil, errors.New("cms: not exactly one signer")
	}
	if err := edit(&sd.SignerInfos[0]); err != nil {
		return nil, err
	}
	inner, err := asn1.Marshal(sd)
	if err != nil {
		return nil, err
	}
	wrapped, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: inner})
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue
	}{ci.ContentType, asn1.RawValue{FullBytes: wrapped}})
}

func withSignature(cms, sig []byte) ([]byte, error) {
	return editSignerInfo(cms, func(si *cmsSignerInfo) error {
		si.Signature = sig
		return nil
	})
}

func withTimestamp(cms, token []byte) ([]byte, error) {
	return editSignerInfo(cms, func(si *cmsSignerInfo) error {
		attr, err := asn1.Marshal(struct {
			Type   asn1.ObjectIdentifier
			Values asn1.RawValue `asn1:"set"`
		}{oidTimeStampToken, asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: token}})
		if err != nil {
			return err
		}
		si.UnsignedAttrs = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, IsCompound: true, Bytes: attr}
		return nil
	})
}
