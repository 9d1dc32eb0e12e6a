package signer

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/revocation"
	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/ocsp"
)

// Signature is what verification found about one signature of a file.
type Signature struct {
	Field       string    `json:"field"`
	Name        string    `json:"name"`
	SignerCN    string    `json:"signer_cn"`
	Issuer      string    `json:"issuer"`
	SigningTime time.Time `json:"signing_time"`
	SubFilter   string    `json:"sub_filter"`
	ByteRange   [4]int64  `json:"byte_range"`
	// CoversWholeFile: the signed range runs from the first byte to the
	// last; only the last signature of a file can cover it whole.
	CoversWholeFile bool `json:"covers_whole_file"`
	// Valid: the CMS signature and the digest of the signed range check out.
	Valid bool `json:"valid"`
	// Trusted: the signer's certificate chains to the given roots at the
	// signing time (the timestamp's time when there is one).
	Trusted bool `json:"trusted"`
	// Timestamp is the time an RFC 3161 authority stamped the signature
	// with, when the signature carries a valid token for its own value.
	Timestamp          *time.Time `json:"timestamp,omitempty"`
	TimestampAuthority string     `json:"timestamp_authority,omitempty"`
	// Revocation counts the OCSP answers and CRLs embedded at signing;
	// RevocationStatus is what they said of the signer's certificate then:
	// "good", "revoked", or "" when they do not cover it.
	Revocation       int    `json:"revocation_answers"`
	RevocationStatus string `json:"revocation_status,omitempty"`
	Problem          string `json:"problem,omitempty"`
}

// Report is the verification of a whole file.
type Report struct {
	Size       int         `json:"size"`
	SHA256     string      `json:"sha256"`
	Signatures []Signature `json:"signatures"`
}

// Err returns nil when the file has at least one signature, every signature
// is valid and trusted, and the last one covers the whole file (nothing was
// appended after it).
func (r *Report) Err() error {
	if len(r.Signatures) == 0 {
		return errors.New("the file carries no signature")
	}
	var errs []error
	for i, s := range r.Signatures {
		if !s.Valid || !s.Trusted {
			errs = append(errs, fmt.Errorf("signature %d (%s): %s", i+1, s.Field, s.Problem))
		}
	}
	if last := r.Signatures[len(r.Signatures)-1]; !last.CoversWholeFile {
		errs = append(errs, fmt.Errorf("the last signature does not cover the whole file: %d bytes are not signed",
			int64(r.Size)-(last.ByteRange[2]+last.ByteRange[3])))
	}
	return errors.Join(errs...)
}

// Verify checks every signature of a PDF. Roots are the trusted anchors; a
// nil pool trusts nothing, so every signature is reported untrusted. The
// returned error is for a file that cannot be read at all; what is wrong
// with its signatures is in the report (see Report.Err).
func Verify(file []byte, roots *x509.CertPool) (rep *Report, err error) {
	sum := sha256.Sum256(file)
	rep = &Report{Size: len(file), SHA256: hex.EncodeToString(sum[:])}
	r, err := checkedReader(file)
	if err != nil {
		return nil, err
	}
	defer func() {
		if p := recover(); p != nil {
			rep, err = nil, fmt.Errorf("%w: %v", ErrInvalidInput, p)
		}
	}()
	fields := r.Trailer().Key("Root").Key("AcroForm").Key("Fields")
	w := &walk{file: file, roots: roots, seen: map[[2]uint32]bool{}, budget: maxFields}
	for i := 0; i < fields.Len() && w.budget > 0; i++ {
		w.collect(fields.Index(i), "", "", 0)
	}
	rep.Signatures = w.out
	sortByOffset(rep.Signatures)
	return rep, nil
}

// maxFields bounds the form fields visited: a malformed file can make its
// field tree a graph with cycles.
const maxFields = 10000

// walk visits the form-field tree once per object.
type walk struct {
	file   []byte
	roots  *x509.CertPool
	seen   map[[2]uint32]bool
	budget int
	out    []Signature
}

func (w *walk) collect(field pdf.Value, parentName, parentFT string, depth int) {
	if depth > 32 || w.budget <= 0 {
		return
	}
	w.budget--
	if ptr := field.GetPtr(); ptr.GetID() != 0 {
		id := [2]uint32{ptr.GetID(), uint32(ptr.GetGen())}
		if w.seen[id] {
			return
		}
		w.seen[id] = true
	}
	name := field.Key("T").Text()
	if parentName != "" {
		name = parentName + "." + name
	}
	ft := field.Key("FT").Name()
	if ft == "" {
		ft = parentFT
	}
	kids := field.Key("Kids")
	for i := 0; i < kids.Len() && w.budget > 0; i++ {
		w.collect(kids.Index(i), name, ft, depth+1)
	}
	v := field.Key("V")
	if ft != "Sig" || v.Kind() != pdf.Dict {
		return
	}
	w.out = append(w.out, check(name, v, w.file, w.roots))
}

func check(field string, v pdf.Value, file []byte, roots *x509.CertPool) Signature {
	s := Signature{Field: field, Name: v.Key("Name").Text(), SubFilter: v.Key("SubFilter").Name()}
	br := v.Key("ByteRange")
	if br.Len() != 4 {
		s.Problem = "ByteRange does not have four numbers"
		return s
	}
	for i := range 4 {
		s.ByteRange[i] = br.Index(i).Int64()
	}
	a, b, c, d := s.ByteRange[0], s.ByteRange[1], s.ByteRange[2], s.ByteRange[3]
	n := int64(len(file))
	if a != 0 || b <= 0 || c <= b || d < 0 || c+d > n {
		s.Problem = fmt.Sprintf("ByteRange %v does not fit a file of %d bytes", s.ByteRange, n)
		return s
	}
	s.CoversWholeFile = c+d == n
	gap := file[b:c]
	if len(gap) < 2 || gap[0] != '<' || gap[len(gap)-1] != '>' {
		s.Problem = "the unsigned gap is not the Contents string"
		return s
	}
	raw := make([]byte, hex.DecodedLen(len(gap)-2))
	if _, err := hex.Decode(raw, gap[1:len(gap)-1]); err != nil {
		s.Problem = "Contents is not hexadecimal"
		return s
	}
	// Contents is zero-padded; a DER CMS is cut at its own length, a BER one
	// (indefinite lengths, as NSS writes) is left to the BER parser.
	var outer asn1.RawValue
	if _, err := asn1.Unmarshal(raw, &outer); err == nil {
		raw = outer.FullBytes
	}
	p7, err := pkcs7.Parse(raw)
	if err != nil {
		s.Problem = "Contents is not a CMS SignedData: " + err.Error()
		return s
	}
	p7.Content = append(append(make([]byte, 0, b+d), file[:b]...), file[c:c+d]...)
	cert := p7.GetOnlySigner()
	if cert == nil {
		s.Problem = "the CMS does not carry exactly one signer certificate"
		return s
	}
	s.SignerCN, s.Issuer = cert.Subject.CommonName, cert.Issuer.CommonName
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &s.SigningTime); err != nil {
		s.SigningTime = time.Time{}
	}
	if err := p7.Verify(); err != nil {
		s.Problem = "signature invalid: " + err.Error()
		return s
	}
	s.Valid = true
	var rev revocation.InfoArchival
	if p7.UnmarshalSignedAttribute(oidAdobeRevocation, &rev) == nil {
		s.Revocation = len(rev.OCSP) + len(rev.CRL)
		s.RevocationStatus = statusAtSigning(rev, cert, p7.Certificates)
		if s.RevocationStatus == "revoked" {
			s.Valid, s.Problem = false, "the signer's certificate was revoked when it signed"
			return s
		}
	}
	if len(p7.Signers) == 1 {
		if problem, untrusted := checkTimestamp(&s, p7.Signers[0].EncryptedDigest, tokenOf(p7), roots); problem != "" {
			s.Valid, s.Problem = untrusted, problem // a sound token from an unknown authority: valid, not trusted
			return s
		}
	}
	inter := x509.NewCertPool()
	for _, c := range p7.Certificates {
		if !bytes.Equal(c.Raw, cert.Raw) {
			inter.AddCert(c)
		}
	}
	at := s.SigningTime
	if s.Timestamp != nil {
		at = *s.Timestamp
	}
	if at.IsZero() {
		at = time.Now()
	}
	if roots == nil {
		s.Problem = "no trusted roots given"
		return s
	}
	if _, err := cert.Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}); err != nil {
		s.Problem = "certificate not trusted: " + err.Error()
		return s
	}
	if cert.KeyUsage != 0 && cert.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		s.Problem = "certificate is not for digital signatures"
		return s
	}
	s.Trusted = true
	return s
}

func sortByOffset(sigs []Signature) {
	for i := 1; i < len(sigs); i++ {
		for j := i; j > 0 && sigs[j].ByteRange[1] < sigs[j-1].ByteRange[1]; j-- {
			sigs[j], sigs[j-1] = sigs[j-1], sigs[j]
		}
	}
}

// tokenOf returns the timestamp token in the signer's unsigned attributes.
func tokenOf(p7 *pkcs7.PKCS7) []byte {
	for _, a := range p7.Signers[0].UnauthenticatedAttributes {
		if a.Type.Equal(oidTimeStampToken) {
			return a.Value.Bytes
		}
	}
	return nil
}

// checkTimestamp checks a timestamp token: signed, over this signature
// value, by an authority that chains to roots. It returns the problem, or
// "" when the token is good or absent; untrusted says the token is sound
// but its authority is not one the roots vouch for.
func checkTimestamp(s *Signature, signature, token []byte, roots *x509.CertPool) (problem string, untrusted bool) {
	if token == nil {
		return "", false
	}
	ts, err := timestamp.Parse(token)
	if err != nil {
		return "timestamp token invalid: " + err.Error(), false
	}
	if !ts.HashAlgorithm.Available() {
		return "timestamp uses an unknown hash", false
	}
	h := ts.HashAlgorithm.New()
	h.Write(signature)
	if !bytes.Equal(h.Sum(nil), ts.HashedMessage) {
		return "the timestamp is not for this signature", false
	}
	t := ts.Time
	s.Timestamp = &t
	if len(ts.Certificates) > 0 {
		tsa := ts.Certificates[0]
		s.TimestampAuthority = tsa.Subject.CommonName
		if roots != nil {
			inter := x509.NewCertPool()
			for _, c := range ts.Certificates[1:] {
				inter.AddCert(c)
			}
			if _, err := tsa.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: t,
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}); err != nil {
				return "timestamp authority not trusted: " + err.Error(), true
			}
		}
	}
	return "", false
}

// statusAtSigning reads the embedded OCSP answers and CRLs for the signer's
// certificate, checking each against its issuer among certs.
func statusAtSigning(rev revocation.InfoArchival, cert *x509.Certificate, certs []*x509.Certificate) string {
	var issuer *x509.Certificate
	for _, c := range certs {
		if bytes.Equal(c.RawSubject, cert.RawIssuer) && cert.CheckSignatureFrom(c) == nil {
			issuer = c
		}
	}
	if issuer == nil {
		return ""
	}
	status := ""
	for _, raw := range rev.OCSP {
		r, err := ocsp.ParseResponseForCert(raw.FullBytes, cert, issuer)
		if err != nil {
			continue
		}
		switch r.Status {
		case ocsp.Good:
			status = "good"
		case ocsp.Revoked:
			return "revoked"
		}
	}
	for _, raw := range rev.CRL {
		crl, err := x509.ParseRevocationList(raw.FullBytes)
		if err != nil || crl.CheckSignatureFrom(issuer) != nil {
			continue
		}
		status = "good"
		for _, e := range crl.RevokedCertificateEntries {
			if e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
				return "revoked"
			}
		}
	}
	return status
}
