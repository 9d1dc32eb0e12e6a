package signer

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pkcs7"
	"golang.org/x/crypto/ocsp"
)

// Level is a PAdES baseline level (ETSI EN 319 142-1, 6): what a signature
// carries for how long it can be validated.
type Level int

// The levels, each including the one before.
const (
	// LevelB (B-B): a CAdES-detached signature with the signing
	// certificate bound in its signed attributes.
	LevelB Level = iota + 1
	// LevelT (B-T): and a timestamp over the signature value, proving it
	// existed at that time.
	LevelT
	// LevelLT (B-LT): and, in the Document Security Store, the
	// certificates and revocation answers of the signer's and the TSA's
	// chains, so it validates offline after they expire.
	LevelLT
	// LevelLTA (B-LTA): and a document timestamp over all of it, renewed
	// before its authority's certificate expires.
	LevelLTA
)

var levelNames = []string{"", "B-B", "B-T", "B-LT", "B-LTA"}

func (l Level) String() string {
	if l < 0 || int(l) >= len(levelNames) {
		return fmt.Sprintf("Level(%d)", int(l))
	}
	return levelNames[l]
}

// ParseLevel reads "B-B", "B-T", "B-LT" or "B-LTA".
func ParseLevel(s string) (Level, error) {
	if i := slices.Index(levelNames, strings.ToUpper(strings.TrimSpace(s))); i > 0 {
		return Level(i), nil
	}
	return 0, fmt.Errorf("unknown PAdES level %q: want B-B, B-T, B-LT or B-LTA", s)
}

// level is the level the options ask for: Level when set, else B-T with a
// TSA and B-B without.
func (o Options) level() (Level, error) {
	l := o.Level
	if l == 0 {
		l = LevelB
		if o.TSA != "" {
			l = LevelT
		}
	}
	if l < LevelB || l > LevelLTA {
		return 0, fmt.Errorf("unknown PAdES level %d", int(l))
	}
	if l >= LevelT && o.TSA == "" {
		return 0, fmt.Errorf("PAdES %s needs a timestamp authority", l)
	}
	return l, nil
}

// extend takes a file whose last signature (cms) was just embedded to the
// level: for B-LT and B-LTA it adds the validation data of the signer's
// chain (vd, gathered by rc when it signed), of the TSA's and of the
// earlier signatures that lack theirs (earlierValidation) to the
// Document Security Store, then for B-LTA a document timestamp over everything. The
// result is verified against the roots.
func extend(ctx context.Context, file, cms []byte, vd validationData, rc *revocationCheck, level Level, opts Options) ([]byte, error) {
	if level >= LevelLT {
		tsa, err := timestampValidation(ctx, rc, tokenIn(cms))
		if err != nil {
			return nil, err
		}
		vd.add(tsa)
		earlier, err := earlierValidation(ctx, file, vriKey(cms), rc, opts.Roots)
		if err != nil {
			return nil, err
		}
		padded, err := paddedContents(file, cms)
		if err != nil {
			return nil, err
		}
		if file, err = addDSS(file, append(earlier, vriTarget{contents: padded, data: vd}), time.Now()); err != nil {
			return nil, err
		}
	}
	if level >= LevelLTA {
		var err error
		if file, err = addDocTimestamp(ctx, file, opts); err != nil {
			return nil, err
		}
	}
	return verified(file, opts.Roots)
}

// paddedContents is the whole /Contents string of the signature of file
// whose CMS is cms (the key its VRI entry takes).
func paddedContents(file, cms []byte) ([]byte, error) {
	r, err := checkedReader(file)
	if err != nil {
		return nil, err
	}
	for _, f := range signaturesIn(file, r, nil).out {
		if bytes.Equal(f.contents, cms) {
			return f.padded, nil
		}
	}
	return nil, errors.New("the signature just embedded is not in the file")
}

// earlierValidation gathers the validation data of the signatures a file
// already carries whose validation data its Document Security Store does
// not hold: the chain of each signer and of its timestamp's authority, with
// their revocation answers. A signature at B-LT or above thus brings the
// file's earlier signatures to its level too: the leader's signature, made
// at B-T, reaches B-LTA with the organisation's that follows it.
func earlierValidation(ctx context.Context, file []byte, last string, rc *revocationCheck, roots *x509.CertPool) ([]vriTarget, error) {
	r, err := checkedReader(file)
	if err != nil {
		return nil, err
	}
	dss := readDSS(r.Trailer().Key("Root"))
	var out []vriTarget
	for _, f := range signaturesIn(file, r, roots).out {
		if f.s.Type != typeSignature || f.p7 == nil || f.cert == nil || vriKey(f.contents) == last || dss.hasVRI(f) {
			continue
		}
		vd, err := rc.check(ctx, chainOf(f.cert, f.p7.Certificates))
		if err != nil {
			return nil, fmt.Errorf("the earlier signature %s: %w", f.s.Field, err)
		}
		if f.token != nil {
			tsa, err := timestampValidation(ctx, rc, f.token)
			if err != nil {
				return nil, fmt.Errorf("the earlier signature %s: %w", f.s.Field, err)
			}
			vd.add(tsa)
		}
		out = append(out, vriTarget{contents: f.padded, data: vd})
	}
	return out, nil
}

// tokenIn returns the signature timestamp token of a CMS, nil when there is
// none.
func tokenIn(cms []byte) []byte {
	p7, err := pkcs7.Parse(cms)
	if err != nil || len(p7.Signers) != 1 {
		return nil
	}
	return tokenOf(p7)
}

// timestampValidation gathers the validation data of the authority that
// signed token: its chain, from the certificates the token carries, and the
// chain's revocation answers.
func timestampValidation(ctx context.Context, rc *revocationCheck, token []byte) (validationData, error) {
	if token == nil {
		return validationData{}, errors.New("the signature has no timestamp to add validation data for")
	}
	p7, err := pkcs7.Parse(token)
	if err != nil {
		return validationData{}, fmt.Errorf("timestamp token: %w", err)
	}
	tsa := p7.GetOnlySigner()
	if tsa == nil {
		return validationData{}, errors.New("the timestamp token does not carry its authority's certificate")
	}
	return rc.check(ctx, chainOf(tsa, p7.Certificates))
}

// chainOf orders the chain of leaf from certs: leaf, its issuer, and so on
// up to a self-signed root or the last issuer found.
func chainOf(leaf *x509.Certificate, certs []*x509.Certificate) []*x509.Certificate {
	return (*sigChecks)(nil).chainOf(leaf, certs)
}

// sigChecks remembers, within one verification, which certificate and
// revocation answer checked out against which issuer: the same pairs come
// up for the signer's chain, each timestamp's, and each answer, and every
// check is a public-key operation. A nil *sigChecks checks every time.
type sigChecks struct {
	signed map[string]bool
	ocsp   map[string]*ocsp.Response
}

// signedBy reports whether parent's key signed child.
func (s *sigChecks) signedBy(child, parent *x509.Certificate) bool {
	if !bytes.Equal(parent.RawSubject, child.RawIssuer) {
		return false
	}
	if s == nil {
		return child.CheckSignatureFrom(parent) == nil
	}
	key := string(child.Raw) + string(parent.Raw)
	ok, seen := s.signed[key]
	if !seen {
		if s.signed == nil {
			s.signed = map[string]bool{}
		}
		ok = child.CheckSignatureFrom(parent) == nil
		s.signed[key] = ok
	}
	return ok
}

// ocspFor parses an OCSP answer about cert from issuer, nil when it is not
// one (or its signature does not check out).
func (s *sigChecks) ocspFor(raw []byte, cert, issuer *x509.Certificate) *ocsp.Response {
	parse := func() *ocsp.Response {
		r, err := ocsp.ParseResponseForCert(raw, cert, issuer)
		if err != nil {
			return nil
		}
		return r
	}
	if s == nil {
		return parse()
	}
	key := string(raw) + string(cert.Raw) + string(issuer.Raw)
	r, seen := s.ocsp[key]
	if !seen {
		if s.ocsp == nil {
			s.ocsp = map[string]*ocsp.Response{}
		}
		r = parse()
		s.ocsp[key] = r
	}
	return r
}

// chainOf is chainOf, remembering its checks.
func (s *sigChecks) chainOf(leaf *x509.Certificate, certs []*x509.Certificate) []*x509.Certificate {
	chain := []*x509.Certificate{leaf}
	for c := leaf; !bytes.Equal(c.RawIssuer, c.RawSubject) && len(chain) < 10; {
		i := slices.IndexFunc(certs, func(p *x509.Certificate) bool { return s.signedBy(c, p) })
		if i < 0 {
			break
		}
		c = certs[i]
		chain = append(chain, c)
	}
	return chain
}

// vriTarget is a signature or a document timestamp the DSS keeps
// validation data for: its whole /Contents string (padded) and the data.
type vriTarget struct {
	contents []byte
	data     validationData
}

// vriKey is the key of a signature's VRI entry: the upper-case hex SHA-1 of
// its /Contents (ETSI EN 319 142-1, 5.4.2.2: "the SHA-1 digest of the
// signature to which it applies"). We read "the signature" as iText
// (LtvVerification's getSignatureHashKey) and EU DSS (the VRI key of
// PdfSignatureDictionary's contents) do: the bytes of the /Contents
// string as the file holds them, with the zeros that pad the room left
// for the CMS; not the CMS cut at its own length.
func vriKey(contents []byte) string {
	sum := sha1.Sum(contents)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// addDSS appends an incremental update that puts the targets' validation
// data in the Document Security Store (ETSI EN 319 142-1, 5.4.2): what the
// store holds stays, each certificate and answer is stored once, and each
// target gets a VRI entry naming its own, with the time it was gathered.
func addDSS(file []byte, targets []vriTarget, at time.Time) ([]byte, error) {
	u, err := newIncrement(file)
	if err != nil {
		return nil, err
	}
	old := u.r.Trailer().Key("Root").Key("DSS")
	type list struct {
		key  string
		refs []string
		seen map[[32]byte]string
	}
	lists := map[string]*list{}
	for _, k := range []string{"Certs", "OCSPs", "CRLs"} {
		l := &list{key: k, seen: map[[32]byte]string{}}
		arr := old.Key(k)
		for i := range arr.Len() {
			v := arr.Index(i)
			p := v.GetPtr()
			ref := fmt.Sprintf("%d %d R", p.GetID(), p.GetGen())
			l.refs = append(l.refs, ref)
			if data, err := io.ReadAll(io.LimitReader(v.Reader(), 1<<22)); err == nil {
				l.seen[sha256.Sum256(data)] = ref
			}
		}
		lists[k] = l
	}
	store := func(k string, items [][]byte) string {
		l := lists[k]
		var mine []string
		for _, item := range items {
			sum := sha256.Sum256(item)
			ref, ok := l.seen[sum]
			if !ok {
				ref = fmt.Sprintf("%d 0 R", u.addStream(item))
				l.seen[sum] = ref
				l.refs = append(l.refs, ref)
			}
			if !slices.Contains(mine, ref) {
				mine = append(mine, ref)
			}
		}
		return "[" + strings.Join(mine, " ") + "]"
	}
	vri := map[string]string{}
	if v := old.Key("VRI"); v.Kind() == pdf.Dict {
		self := v.GetPtr()
		for _, k := range v.Keys() {
			var b bytes.Buffer
			writeValue(&b, v.Key(k), self.GetID())
			vri[k] = b.String()
		}
	}
	for _, t := range targets {
		vri[vriKey(t.contents)] = fmt.Sprintf("<< /Cert %s /OCSP %s /CRL %s /TU %s >>",
			store("Certs", t.data.certs), store("OCSPs", t.data.ocsps), store("CRLs", t.data.crls), pdfDate(at.UTC()))
	}
	var dss bytes.Buffer
	dss.WriteString("<< /Type /DSS")
	for _, k := range []string{"Certs", "OCSPs", "CRLs"} {
		if refs := lists[k].refs; len(refs) > 0 {
			fmt.Fprintf(&dss, " /%s [%s]", k, strings.Join(refs, " "))
		}
	}
	dss.WriteString(" /VRI <<")
	for _, k := range slices.Sorted(maps.Keys(vri)) {
		fmt.Fprintf(&dss, " /%s %s", k, vri[k])
	}
	dss.WriteString(" >> >>")
	num := u.add(dss.Bytes())
	catalog := u.r.Trailer().Key("Root")
	replace := map[string]string{"DSS": fmt.Sprintf("%d 0 R", num), "Extensions": withESIC(catalog)}
	order := []string{"DSS", "Extensions"}
	if v := catalog.Key("Version"); v.Kind() != pdf.Name || v.Name() < "1.7" {
		replace["Version"] = "/1.7" // the header stays as written: an update cannot change it
		order = append(order, "Version")
	}
	root := u.add(u.catalog(replace, order...))
	return u.bytes(root), nil
}

// withESIC is the catalog's /Extensions with ETSI's developer extension
// for PAdES (ETSI EN 319 142-1, 5.4.2 and annex A: a file with a DSS
// declares /ESIC over PDF 1.7, extension level 5, as iText and EU DSS
// write and read it), the catalog's other extensions kept.
func withESIC(catalog pdf.Value) string {
	var b bytes.Buffer
	b.WriteString("<<")
	if ext := catalog.Key("Extensions"); ext.Kind() == pdf.Dict {
		p := ext.GetPtr()
		self := p.GetID()
		for _, k := range ext.Keys() {
			if k != "ESIC" {
				b.WriteString(" " + pdfName(k) + " ")
				writeValue(&b, ext.Key(k), self)
			}
		}
	}
	b.WriteString(" /ESIC << /Type /DeveloperExtensions /BaseVersion /1.7 /ExtensionLevel 5 >> >>")
	return b.String()
}

// docTimestampRoom is the room, in bytes, a document timestamp's /Contents
// keeps for the authority's token (with its certificates: a few KB).
const docTimestampRoom = 12000

// addDocTimestamp appends a document timestamp (ETSI EN 319 142-1, 5.4.3)
// in an incremental update: an invisible signature field whose value is a
// dictionary /Type /DocTimeStamp, /SubFilter /ETSI.RFC3161, and whose
// /Contents is the authority's token over every byte of the file but that
// token; the catalog's form gains the field.
func addDocTimestamp(ctx context.Context, file []byte, opts Options) ([]byte, error) {
	if opts.TSA == "" {
		return nil, errors.New("a document timestamp needs a timestamp authority")
	}
	u, err := newIncrement(file)
	if err != nil {
		return nil, err
	}
	root := u.r.Trailer().Key("Root")
	page := u.r.Page(1).V.GetPtr()
	if page.GetID() == 0 {
		return nil, fmt.Errorf("%w: the document has no page", ErrInvalidInput)
	}
	sigPlaceholder := "/ByteRange[0 ********** ********** **********]" // as wide as finishLayout expects
	sig := u.add([]byte("<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 " + sigPlaceholder +
		" /Contents<" + strings.Repeat("0", 2*docTimestampRoom) + "> >>"))
	sigAt := u.entries[len(u.entries)-1].offset

	// The form: its entries as they are, the new field added to /Fields.
	form := root.Key("AcroForm")
	fields := form.Key("Fields")
	formSelf, fieldsSelf := form.GetPtr(), fields.GetPtr()
	var b bytes.Buffer
	b.WriteString("<<")
	for _, k := range form.Keys() {
		if k != "Fields" && k != "SigFlags" {
			b.WriteString(" " + pdfName(k) + " ")
			writeValue(&b, form.Key(k), formSelf.GetID())
		}
	}
	b.WriteString(" /Fields [")
	for i := range fields.Len() {
		writeValue(&b, fields.Index(i), fieldsSelf.GetID())
		b.WriteByte(' ')
	}
	name := fmt.Sprintf("Timestamp %d", fields.Len()+1)
	field := u.add(fmt.Appendf(nil, "<< /Type /Annot /Subtype /Widget /FT /Sig /T %s /V %d 0 R /Rect [0 0 0 0] /F 132 /P %d %d R >>",
		pdfText(name), sig, page.GetID(), page.GetGen()))
	fmt.Fprintf(&b, "%d 0 R] /SigFlags 3 >>", field)
	catalog := u.add(u.catalog(map[string]string{"AcroForm": b.String()}, "AcroForm"))
	out := u.bytes(catalog)

	d, err := findSigDict(out, sigAt, "/Type /DocTimeStamp")
	if err != nil {
		return nil, err
	}
	d.byteRange = sigAt + bytes.Index(out[sigAt:], []byte(sigPlaceholder))
	l, err := finishLayout(out, d)
	if err != nil {
		return nil, err
	}
	token, err := fetchTimestamp(ctx, opts.HTTP, opts.TSA, l.signedBytes())
	if err != nil {
		return nil, err
	}
	return l.embed(token)
}

// ArchiveTimestampExpiry is when the newest document timestamp of a file
// stops protecting it: its authority's certificate expires then, and a
// newer document timestamp must cover the file before. ok is false for a
// file without a valid document timestamp.
func ArchiveTimestampExpiry(rep *Report) (expires time.Time, ok bool) {
	for i := len(rep.Signatures) - 1; i >= 0; i-- {
		if s := rep.Signatures[i]; s.Type == typeDocTimestamp && s.Valid && s.AuthorityExpires != nil {
			return *s.AuthorityExpires, true
		}
	}
	return time.Time{}, false
}

// Renew keeps a B-LTA file verifiable past its newest document timestamp's
// authority certificate (ETSI EN 319 142-1, 5.5): it adds that authority's
// chain and revocation answers to the Document Security Store, then a new
// document timestamp over everything, in two incremental updates; every
// earlier byte stays as it was. The file must verify before, and the
// result is verified after.
func Renew(ctx context.Context, file []byte, opts Options) ([]byte, error) {
	rep, err := Verify(file, opts.Roots)
	if err != nil {
		return nil, err
	}
	if err := rep.Err(); err != nil {
		return nil, fmt.Errorf("%w: the file does not verify, so it is not renewed: %v", ErrInvalidInput, err)
	}
	var last []byte
	rdr, err := checkedReader(file)
	if err != nil {
		return nil, err
	}
	w := signaturesIn(file, rdr, nil)
	var token []byte // the newest timestamp token, and last the /Contents that carries it
	for _, f := range w.out {
		if f.s.Type == typeDocTimestamp {
			last, token = f.padded, f.contents
		} else if t := tokenIn(f.contents); t != nil {
			last, token = f.padded, t // a B-T or B-LT file: its signature's authority
		}
	}
	if last == nil {
		return nil, fmt.Errorf("%w: the file has no timestamp to renew", ErrInvalidInput)
	}
	vd, err := timestampValidation(ctx, &revocationCheck{hc: opts.HTTP, keep: true}, token)
	if err != nil {
		return nil, err
	}
	if file, err = addDSS(file, []vriTarget{{contents: last, data: vd}}, time.Now()); err != nil {
		return nil, err
	}
	if file, err = addDocTimestamp(ctx, file, opts); err != nil {
		return nil, err
	}
	return verified(file, opts.Roots)
}
