package signer

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/revocation"
	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/ocsp"
)

// Signature is what verification found about one signature, or one
// document timestamp, of a file.
type Signature struct {
	Field string `json:"field"`
	// Type is "signature", or "document_timestamp" for an RFC 3161 token
	// over the document (/SubFilter /ETSI.RFC3161).
	Type string `json:"type"`
	Name string `json:"name"`
	// Reason is the signature dictionary's /Reason: for an organisation's
	// signature motcua made, the register entry (motcua.ParseIssueReason).
	Reason   string `json:"reason,omitempty"`
	SignerCN string `json:"signer_cn"`
	// Holder says whose key made the signature: HolderPerson or
	// HolderOrganisation (holderOf).
	Holder string `json:"holder,omitempty"`
	Issuer string `json:"issuer"`
	// SigningTime is the time the signer claims: the CMS signing-time of
	// older signatures, else the dictionary's /M.
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
	// with, when the signature carries a valid token for its own value;
	// for a document timestamp, its own time.
	Timestamp          *time.Time `json:"timestamp,omitempty"`
	TimestampAuthority string     `json:"timestamp_authority,omitempty"`
	// AuthorityExpires is when the certificate of the authority that made
	// a document timestamp expires: before then a newer document timestamp
	// must cover it.
	AuthorityExpires *time.Time `json:"authority_expires,omitempty"`
	// Revocation counts the OCSP answers and CRLs the file carries for the
	// signer's certificate (in the Document Security Store, or in older
	// files in the CMS); RevocationStatus is what they said of it:
	// "good", "revoked", or "" when none covers it.
	Revocation       int    `json:"revocation_answers"`
	RevocationStatus string `json:"revocation_status,omitempty"`
	// PAdESLevel is the PAdES baseline level the signature reaches from
	// what the file carries, checked offline: "B-B", "B-T", "B-LT",
	// "B-LTA", or "" when it is not a PAdES baseline signature at all;
	// NextLevel says what is missing for the next one.
	PAdESLevel string `json:"pades_level,omitempty"`
	NextLevel  string `json:"next_level_needs,omitempty"`
	Problem    string `json:"problem,omitempty"`
}

// Who holds a signing key.
const (
	HolderPerson       = "person"
	HolderOrganisation = "organisation"
)

// holderOf tells an organisation's certificate from a person's: an
// organisation's names the organisation itself (its common name is one of
// its subject's organisations or units) and no person; a person's names
// the person, with the office they hold as title or unit.
func holderOf(c *x509.Certificate) string {
	cn := c.Subject.CommonName
	if cn != "" && (slices.Contains(c.Subject.Organization, cn) || slices.Contains(c.Subject.OrganizationalUnit, cn)) {
		return HolderOrganisation
	}
	return HolderPerson
}

// Report is the verification of a whole file.
type Report struct {
	Size       int         `json:"size"`
	SHA256     string      `json:"sha256"`
	Signatures []Signature `json:"signatures"`
	// PAdESLevel is the lowest level of the file's signatures.
	PAdESLevel string `json:"pades_level,omitempty"`
	// Appended describes bytes after the last signature or timestamp:
	// empty when there are none, else whether they only add validation
	// data (a Document Security Store update, which PAdES allows).
	Appended string `json:"appended,omitempty"`
	// appendedOK: the bytes after the last signature only add validation
	// data.
	appendedOK bool
}

// Err returns nil when the file has at least one signature, every signature
// and document timestamp is valid and trusted, nothing but validation data
// was added after the last of them, and each document timestamp is covered
// by a newer one before its authority's certificate expired (the last one's
// still being valid).
func (r *Report) Err() error {
	if len(r.Signatures) == 0 {
		return errors.New("the file carries no signature")
	}
	var errs []error
	for i, s := range r.Signatures {
		if !s.Valid || !s.Trusted {
			errs = append(errs, fmt.Errorf("%s %d (%s): %s", s.kind(), i+1, s.Field, s.Problem))
		}
	}
	if err := r.AppendedErr(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Issued reports whether the file carries a valid organisation's
// signature after a person's: a result issued by the office, not only
// signed by its leader.
func (r *Report) Issued() bool {
	person := false
	for _, s := range r.Signatures {
		switch {
		case s.Type != typeSignature || !s.Valid || !s.Trusted:
		case s.Holder == HolderPerson:
			person = true
		case s.Holder == HolderOrganisation && person:
			return true
		}
	}
	return false
}

// LastSignature is the newest signature, document timestamps aside.
func (r *Report) LastSignature() Signature {
	for i := len(r.Signatures) - 1; i >= 0; i-- {
		if r.Signatures[i].Type != typeDocTimestamp {
			return r.Signatures[i]
		}
	}
	return Signature{}
}

// AppendedErr reports bytes after the last signature or timestamp other
// than validation data.
func (r *Report) AppendedErr() error {
	if len(r.Signatures) == 0 || r.Appended == "" || r.appendedOK {
		return nil
	}
	last := r.Signatures[len(r.Signatures)-1]
	return fmt.Errorf("the last signature does not cover the whole file: %d bytes are not signed (%s)",
		int64(r.Size)-(last.ByteRange[2]+last.ByteRange[3]), r.Appended)
}

func (s Signature) kind() string {
	if s.Type == typeDocTimestamp {
		return "document timestamp"
	}
	return "signature"
}

const (
	typeSignature    = "signature"
	typeDocTimestamp = "document_timestamp"
)

// Verify checks every signature and document timestamp of a PDF, offline,
// from what the file carries. Roots are the trusted anchors; a nil pool
// trusts nothing, so every signature is reported untrusted. The returned
// error is for a file that cannot be read at all; what is wrong with its
// signatures is in the report (see Report.Err).
func Verify(file []byte, roots *x509.CertPool) (rep *Report, err error) {
	return verifyAt(file, roots, time.Now())
}

// VerifyAt is Verify as of the time now: the newest document timestamp's
// authority must be valid then. An auditor asks whether an archive will
// still verify on a later day.
func VerifyAt(file []byte, roots *x509.CertPool, now time.Time) (rep *Report, err error) {
	return verifyAt(file, roots, now)
}

func verifyAt(file []byte, roots *x509.CertPool, now time.Time) (rep *Report, err error) {
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
	w := signaturesIn(file, r, roots)
	checkTimestampChain(w.out, now)
	if n := len(w.out); n > 0 {
		last := w.out[n-1].s
		if !last.CoversWholeFile && last.ByteRange[1] > 0 {
			end := last.ByteRange[2] + last.ByteRange[3]
			rep.Appended = fmt.Sprintf("%d bytes after byte %d", int64(len(file))-end, end)
			if err := onlyValidationData(file, int(end), r); err != nil {
				rep.Appended += ": " + err.Error()
			} else {
				rep.Appended += ": validation data only (Document Security Store)"
				rep.appendedOK = true
			}
		}
	}
	levels(file, r, w.out, &w.checks)
	lowest := LevelLTA + 1
	for _, f := range w.out {
		rep.Signatures = append(rep.Signatures, f.s)
		if f.s.Type == typeSignature {
			l, _ := ParseLevel(f.s.PAdESLevel) // 0 for none
			lowest = min(lowest, l)
		}
	}
	if lowest > 0 && lowest <= LevelLTA {
		rep.PAdESLevel = lowest.String()
	}
	return rep, nil
}

// maxFields bounds the form fields visited: a malformed file can make its
// field tree a graph with cycles.
const maxFields = 10000

// found is a signature with the parts of it the level checks need.
type found struct {
	s        Signature
	p7       *pkcs7.PKCS7
	cert     *x509.Certificate
	contents []byte // the DER in /Contents
	padded   []byte // the whole /Contents string, its zero padding too
	token    []byte // its signature timestamp token
	tsaChain []*x509.Certificate
}

// signaturesIn checks every signature and document timestamp of the file
// r reads, in the order they were made.
func signaturesIn(file []byte, r *pdf.Reader, roots *x509.CertPool) *walk {
	fields := r.Trailer().Key("Root").Key("AcroForm").Key("Fields")
	w := &walk{file: file, roots: roots, seen: map[[2]uint32]bool{}, budget: maxFields}
	for i := 0; i < fields.Len() && w.budget > 0; i++ {
		w.collect(fields.Index(i), "", "", 0)
	}
	slices.SortFunc(w.out, func(a, b found) int { return cmp.Compare(a.s.ByteRange[1], b.s.ByteRange[1]) })
	return w
}

// walk visits the form-field tree once per object.
type walk struct {
	file   []byte
	roots  *x509.CertPool
	seen   map[[2]uint32]bool
	budget int
	out    []found
	checks sigChecks
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
	w.out = append(w.out, check(name, v, w.file, w.roots, &w.checks))
}

func check(field string, v pdf.Value, file []byte, roots *x509.CertPool, sc *sigChecks) (f found) {
	s := &f.s
	*s = Signature{Field: field, Type: typeSignature, Name: v.Key("Name").Text(), Reason: v.Key("Reason").Text(), SubFilter: v.Key("SubFilter").Name()}
	if s.SubFilter == "ETSI.RFC3161" {
		s.Type = typeDocTimestamp
	}
	br := v.Key("ByteRange")
	if br.Len() != 4 {
		s.Problem = "ByteRange does not have four numbers"
		return f
	}
	for i := range 4 {
		s.ByteRange[i] = br.Index(i).Int64()
	}
	a, b, c, d := s.ByteRange[0], s.ByteRange[1], s.ByteRange[2], s.ByteRange[3]
	n := int64(len(file))
	if a != 0 || b <= 0 || c <= b || d < 0 || c+d > n {
		s.Problem = fmt.Sprintf("ByteRange %v does not fit a file of %d bytes", s.ByteRange, n)
		return f
	}
	s.CoversWholeFile = c+d == n
	gap := file[b:c]
	if len(gap) < 2 || gap[0] != '<' || gap[len(gap)-1] != '>' {
		s.Problem = "the unsigned gap is not the Contents string"
		return f
	}
	raw := make([]byte, hex.DecodedLen(len(gap)-2))
	if _, err := hex.Decode(raw, gap[1:len(gap)-1]); err != nil {
		s.Problem = "Contents is not hexadecimal"
		return f
	}
	f.padded = raw
	// Contents is zero-padded; a DER CMS is cut at its own length, a BER one
	// (indefinite lengths, as NSS writes) is left to the BER parser.
	var outer asn1.RawValue
	if _, err := asn1.Unmarshal(raw, &outer); err == nil {
		raw = outer.FullBytes
	}
	f.contents = raw
	signed := append(append(make([]byte, 0, b+d), file[:b]...), file[c:c+d]...)
	if s.Type == typeDocTimestamp {
		checkDocTimestamp(&f, signed, roots, sc)
		return f
	}
	if m := v.Key("M"); m.Kind() == pdf.String {
		s.SigningTime, _ = parsePDFDate(m.RawString())
	}
	p7, err := pkcs7.Parse(raw)
	if err != nil {
		s.Problem = "Contents is not a CMS SignedData: " + err.Error()
		return f
	}
	p7.Content = signed
	cert := p7.GetOnlySigner()
	if cert == nil {
		s.Problem = "the CMS does not carry exactly one signer certificate"
		return f
	}
	f.p7, f.cert = p7, cert
	s.SignerCN, s.Issuer = cert.Subject.CommonName, cert.Issuer.CommonName
	s.Holder = holderOf(cert)
	var claimed time.Time
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &claimed); err == nil {
		s.SigningTime = claimed
	}
	if err := p7.Verify(); err != nil {
		s.Problem = "signature invalid: " + err.Error()
		return f
	}
	s.Valid = true
	var rev revocation.InfoArchival
	if p7.UnmarshalSignedAttribute(oidAdobeRevocation, &rev) == nil {
		s.RevocationStatus, s.Revocation = sc.statusAt(rawValues(rev.OCSP), rawValues(rev.CRL), cert, p7.Certificates)
		if s.RevocationStatus == "revoked" {
			s.Valid, s.Problem = false, "the signer's certificate was revoked when it signed"
			return f
		}
	}
	if len(p7.Signers) == 1 {
		f.token = tokenOf(p7)
		problem, untrusted, chain := checkTimestamp(s, p7.Signers[0].EncryptedDigest, f.token, roots, sc)
		f.tsaChain = chain
		if problem != "" {
			s.Valid, s.Problem = untrusted, problem // a sound token from an unknown authority: valid, not trusted
			return f
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
		return f
	}
	if _, err := cert.Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: pool(p7.Certificates), CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}); err != nil {
		s.Problem = "certificate not trusted: " + err.Error()
		return f
	}
	if cert.KeyUsage != 0 && cert.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		s.Problem = "certificate is not for digital signatures"
		return f
	}
	s.Trusted = true
	return f
}

// checkDocTimestamp checks a document timestamp: a token over the bytes its
// range covers, by an authority that chains to roots at its time.
func checkDocTimestamp(f *found, signed []byte, roots *x509.CertPool, sc *sigChecks) {
	s := &f.s
	ts, err := timestamp.Parse(f.contents)
	if err != nil {
		s.Problem = "document timestamp token invalid: " + err.Error()
		return
	}
	if !ts.HashAlgorithm.Available() {
		s.Problem = "document timestamp uses an unknown hash"
		return
	}
	h := ts.HashAlgorithm.New()
	h.Write(signed)
	if !bytes.Equal(h.Sum(nil), ts.HashedMessage) {
		s.Problem = "the document timestamp is not for these bytes"
		return
	}
	t := ts.Time
	s.Timestamp, s.SigningTime = &t, t
	s.Valid = true
	p7, err := pkcs7.Parse(f.contents)
	if err != nil || p7.GetOnlySigner() == nil {
		s.Problem = "the document timestamp does not carry its authority's certificate"
		return
	}
	tsa := p7.GetOnlySigner()
	f.cert, f.tsaChain = tsa, sc.chainOf(tsa, p7.Certificates)
	s.SignerCN, s.Issuer, s.TimestampAuthority = tsa.Subject.CommonName, tsa.Issuer.CommonName, tsa.Subject.CommonName
	exp := tsa.NotAfter
	s.AuthorityExpires = &exp
	if roots == nil {
		s.Problem = "no trusted roots given"
		return
	}
	if _, err := tsa.Verify(x509.VerifyOptions{Roots: roots, Intermediates: pool(p7.Certificates), CurrentTime: t,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}); err != nil {
		s.Problem = "timestamp authority not trusted: " + err.Error()
		return
	}
	s.Trusted = true
}

// checkTimestampChain checks that each document timestamp was covered by a
// newer one before its authority's certificate expired, and that the last
// one's is still valid at now: the chain of timestamps that keeps an
// archived file verifiable after every certificate in it has expired.
func checkTimestampChain(all []found, now time.Time) {
	var dts []*Signature
	for i := range all {
		if all[i].s.Type == typeDocTimestamp && all[i].s.Trusted && all[i].s.AuthorityExpires != nil {
			dts = append(dts, &all[i].s)
		}
	}
	for i, s := range dts {
		until := now
		if i+1 < len(dts) {
			until = *dts[i+1].Timestamp
		}
		if until.After(*s.AuthorityExpires) {
			s.Trusted = false
			s.Problem = fmt.Sprintf("its authority's certificate expired on %s, before a newer document timestamp covered it",
				s.AuthorityExpires.UTC().Format(time.RFC3339))
		}
	}
}

func pool(certs []*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

func rawValues(v []asn1.RawValue) [][]byte {
	out := make([][]byte, len(v))
	for i, r := range v {
		out[i] = r.FullBytes
	}
	return out
}

// parsePDFDate reads a PDF date string, D:YYYYMMDDHHmmSSOHH'mm'.
func parsePDFDate(s string) (time.Time, error) {
	s = strings.TrimPrefix(s, "D:")
	s = strings.ReplaceAll(strings.TrimSuffix(s, "'"), "'", "")
	for _, layout := range []string{"20060102150405-0700", "20060102150405Z0700", "20060102150405Z", "20060102150405"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a PDF date: %q", s)
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
// "" when the token is good or absent, and the authority's chain from the
// token; untrusted says the token is sound but its authority is not one
// the roots vouch for.
func checkTimestamp(s *Signature, signature, token []byte, roots *x509.CertPool, sc *sigChecks) (problem string, untrusted bool, chain []*x509.Certificate) {
	if token == nil {
		return "", false, nil
	}
	ts, err := timestamp.Parse(token)
	if err != nil {
		return "timestamp token invalid: " + err.Error(), false, nil
	}
	if !ts.HashAlgorithm.Available() {
		return "timestamp uses an unknown hash", false, nil
	}
	h := ts.HashAlgorithm.New()
	h.Write(signature)
	if !bytes.Equal(h.Sum(nil), ts.HashedMessage) {
		return "the timestamp is not for this signature", false, nil
	}
	t := ts.Time
	s.Timestamp = &t
	if p7, err := pkcs7.Parse(token); err == nil && p7.GetOnlySigner() != nil {
		tsa := p7.GetOnlySigner()
		chain = sc.chainOf(tsa, p7.Certificates)
		s.TimestampAuthority = tsa.Subject.CommonName
		if roots != nil {
			if _, err := tsa.Verify(x509.VerifyOptions{Roots: roots, Intermediates: pool(p7.Certificates), CurrentTime: t,
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}); err != nil {
				return "timestamp authority not trusted: " + err.Error(), true, chain
			}
		}
	}
	return "", false, chain
}

// statusAt reads OCSP answers and CRLs for a certificate, checking each
// against its issuer among certs: "good", "revoked", or "" when none
// covers it.
func (sc *sigChecks) statusAt(ocsps, crls [][]byte, cert *x509.Certificate, certs []*x509.Certificate) (status string, answers int) {
	var issuer *x509.Certificate
	for _, c := range certs {
		if sc.signedBy(cert, c) {
			issuer = c
			break
		}
	}
	if issuer == nil {
		return "", 0
	}
	revoked := false
	for _, raw := range ocsps {
		r := sc.ocspFor(raw, cert, issuer)
		if r == nil {
			continue
		}
		switch r.Status {
		case ocsp.Good:
			answers++
		case ocsp.Revoked:
			answers++
			revoked = true
		}
	}
	for _, raw := range crls {
		crl, err := x509.ParseRevocationList(raw)
		if err != nil || crl.CheckSignatureFrom(issuer) != nil {
			continue
		}
		answers++
		for _, e := range crl.RevokedCertificateEntries {
			if e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
				revoked = true
			}
		}
	}
	switch {
	case revoked:
		return "revoked", answers
	case answers > 0:
		return "good", answers
	}
	return "", 0
}
