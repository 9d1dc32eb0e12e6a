// Package signer signs and verifies PDF results as PAdES baseline
// signatures (ETSI EN 319 142-1) at the level asked for: B-B, B-T (with a
// signature timestamp), B-LT (and a Document Security Store holding the
// chains' certificates and revocation answers) and B-LTA (and a document
// timestamp over it all), and renews the document timestamps of archived
// files before their authority's certificate expires.
//
// The signature field, widget and appearance are written by
// github.com/digitorus/pdfsign, repaired here, in two passes. pdfsign first
// writes the incremental update (signature dictionary, widget, AcroForm,
// catalog, cross-reference) with ASCII placeholders for the text fields and
// a throw-away CMS. The second pass then writes the text fields as proper
// UTF-16 PDF strings of the same length, makes the dictionary a PAdES one
// (sub-filter, /M), recomputes the byte range from the file it actually
// has, and builds and embeds motcua's own CMS over exactly those bytes
// (cms.go). This side-steps pdfsign's unescaped UTF-16 strings (a name such
// as "Vĩnh" yields a raw ')'), its search for the Contents placeholder that
// can land in an earlier signature's zero padding, its double write when
// the CMS outgrows its estimate, and its CMS, which is not a baseline one.
// pdfsign writes no Document Security Store; increment.go does. pdfsign
// can write a document timestamp (its TimeStampSignature type), but with
// the same placeholder search and double write as its signatures, and it
// asks the time-stamping authority with an http.Client of its own, with no
// deadline and no context to cancel: pades.go writes the document
// timestamp the same two-pass way as the signature, asking the authority
// through motcua's client, under the activity's deadline. Every signed
// file is verified before it is returned.
package signer

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
)

// Key is a signing identity: a private key (possibly on a token) and its
// certificate with the chain up to, and including, the root.
type Key struct {
	Signer      crypto.Signer
	Certificate *x509.Certificate
	Chain       []*x509.Certificate
}

// Info is what the signature dictionary says about the signing, in any
// Unicode text.
type Info struct {
	Name        string
	Reason      string
	Location    string
	ContactInfo string
	Time        time.Time
	// Appearance, when set, is the visible signature. Else Stamp, when
	// set, is drawn on the last page as the visible signature (the text
	// box of signing tools, for offices that want it).
	Appearance *Appearance
	Stamp      *Stamp
}

// Appearance is a visible signature drawn as an image (PNG, whose
// transparent parts show the page beneath): on page Page, counted from 1
// (0 is the last page), over Rect, the lower-left and upper-right corners
// in points from the page's lower-left corner.
type Appearance struct {
	Page int
	Rect [4]float64
	PNG  []byte
}

// ErrInvalidInput is returned (wrapped) when the input is not a PDF that can
// be signed: retrying will not help.
var ErrInvalidInput = errors.New("input is not a signable PDF")

// Options are what a signature needs besides the key.
type Options struct {
	// Roots are the trusted anchors: the key's certificate must chain to
	// them before it signs, and the output is verified against them.
	Roots *x509.CertPool
	// TSA is the URL of the RFC 3161 timestamp authority that stamps every
	// signature. When set, a signature is never made without its timestamp:
	// an unreachable TSA fails the signing with ErrUnavailable.
	TSA string
	// Revocation: before signing, ask OCSP (or the CRL when OCSP does not
	// answer) for the chain's status, refuse a revoked certificate, and embed
	// the answers so the signature can be validated after the certificate
	// expires.
	Revocation bool
	// Level is the PAdES baseline level every signature reaches; zero is
	// B-T with a TSA, B-B without. B-LT and B-LTA check the revocation
	// state as Revocation does and keep it in the Document Security Store.
	Level Level
	// HTTP is the client for TSA, OCSP and CRL requests.
	HTTP *http.Client
}

// Sign checks the key (CheckKey, and revocation when asked or when the
// level needs it), signs pdfBytes with it at the PAdES level of the options
// and returns the signed file, verified against the roots: a valid
// signature, timestamped when a TSA is given, by a certificate that chains
// to the roots, with nothing after it but the validation data and document
// timestamp of its level.
func Sign(ctx context.Context, pdfBytes []byte, key Key, info Info, opts Options) ([]byte, error) {
	level, err := opts.level()
	if err != nil {
		return nil, err
	}
	if err := CheckKey(key, opts.Roots, time.Now()); err != nil {
		return nil, err
	}
	if _, err := checkedReader(pdfBytes); err != nil {
		return nil, err
	}
	chain := append([]*x509.Certificate{key.Certificate}, key.Chain...)
	rc := &revocationCheck{hc: opts.HTTP, keep: level >= LevelLT}
	var vd validationData
	if opts.Revocation || level >= LevelLT {
		if vd, err = rc.check(ctx, chain); err != nil {
			return nil, err
		}
	}
	prepared, fields, err := prepare(pdfBytes, key, info)
	if err != nil {
		return nil, err
	}
	l, err := fixLayout(prepared, pdfBytes, fields, info.Time)
	if err != nil {
		return nil, err
	}
	cms, err := buildCMS(ctx, l.signedBytes(), cmsParts{key: key, tsa: opts.TSA, http: opts.HTTP})
	if err != nil {
		return nil, err
	}
	out, err := l.embed(cms)
	if err != nil {
		return nil, err
	}
	if level >= LevelLT {
		// The answers the DSS keeps are asked again now that the signature
		// carries its timestamp, so that they postdate it: a validator
		// (EU DSS) calls revocation data fresh when it was issued after the
		// signature's time. The check before signing refused a revoked key.
		if vd, err = rc.check(ctx, chain); err != nil {
			return nil, err
		}
	}
	return extend(ctx, out, cms, vd, rc, level, opts)
}

// verified returns out when it verifies against roots.
func verified(out []byte, roots *x509.CertPool) ([]byte, error) {
	rep, err := Verify(out, roots)
	if err != nil {
		return nil, fmt.Errorf("verify signed output: %w", err)
	}
	if err := rep.Err(); err != nil {
		return nil, fmt.Errorf("signed output does not verify: %w", err)
	}
	return out, nil
}

func checkedReader(b []byte) (r *pdf.Reader, err error) {
	defer func() {
		if p := recover(); p != nil { // the parser panics on some malformed input
			r, err = nil, fmt.Errorf("%w: %v", ErrInvalidInput, p)
		}
	}()
	if !bytes.HasPrefix(bytes.TrimLeft(b, "\x00\t\r\n "), []byte("%PDF-")) {
		return nil, fmt.Errorf("%w: no %%PDF- header", ErrInvalidInput)
	}
	if unclosedArray(b) {
		return nil, fmt.Errorf("%w: an object ends inside an array it opened", ErrInvalidInput)
	}
	r, err = pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidInput, err)
	}
	return r, nil
}

// textField is one text entry of the signature dictionary: its key, the
// placeholder pdfsign writes, and the PDF string that replaces it.
type textField struct {
	key         string
	placeholder string
	value       string
}

// pdfText encodes s as a PDF text string: a hex string of UTF-16BE with a
// byte-order mark, which any reader decodes and needs no escaping.
func pdfText(s string) string {
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}

func textFields(info Info) []textField {
	var out []textField
	add := func(key, value string, fill byte) {
		if value == "" {
			return
		}
		enc := pdfText(value)
		// pdfsign writes an ASCII string without special characters as
		// "(...)": a placeholder of len(enc)-2 letters takes exactly the room
		// of the encoded value.
		out = append(out, textField{key: key, placeholder: strings.Repeat(string(fill), len(enc)-2), value: enc})
	}
	add("/Name", info.Name, 'N')
	add("/Location", info.Location, 'L')
	add("/Reason", info.Reason, 'R')
	add("/ContactInfo", info.ContactInfo, 'C')
	return out
}

// prepare runs pdfsign with placeholders and a stand-in key of the same size
// as the real one.
func prepare(in []byte, key Key, info Info) ([]byte, []textField, error) {
	rdr, err := checkedReader(in)
	if err != nil {
		return nil, nil, err
	}
	fields := textFields(info)
	if err := withStandInTSA(); err != nil {
		return nil, nil, err
	}
	sd := sign.SignData{
		TSA: sign.TSA{URL: standInTSAURL},
		Signature: sign.SignDataSignature{
			CertType:   sign.ApprovalSignature,
			DocMDPPerm: sign.AllowFillingExistingFormFieldsAndSignaturesPerms,
			Info:       sign.SignDataSignatureInfo{Date: info.Time},
		},
		Signer:            placeholderKey{pub: key.Signer.Public()},
		DigestAlgorithm:   crypto.SHA256,
		Certificate:       key.Certificate,
		CertificateChains: [][]*x509.Certificate{append([]*x509.Certificate{key.Certificate}, key.Chain...)},
	}
	for _, f := range fields {
		switch f.key {
		case "/Name":
			sd.Signature.Info.Name = f.placeholder
		case "/Location":
			sd.Signature.Info.Location = f.placeholder
		case "/Reason":
			sd.Signature.Info.Reason = f.placeholder
		case "/ContactInfo":
			sd.Signature.Info.ContactInfo = f.placeholder
		}
	}
	look := info.Appearance
	if look == nil && info.Stamp != nil {
		img, err := info.Stamp.PNG()
		if err != nil {
			return nil, nil, err
		}
		look = &Appearance{PNG: img, Rect: StampRect}
	}
	if look != nil {
		page := look.Page
		if page <= 0 || page > rdr.NumPage() {
			page = rdr.NumPage()
		}
		sd.Appearance = sign.Appearance{
			Visible: true, Page: uint32(page), Image: look.PNG,
			LowerLeftX: look.Rect[0], LowerLeftY: look.Rect[1], UpperRightX: look.Rect[2], UpperRightY: look.Rect[3],
		}
	}
	var w lastWrite
	if err := safeSign(in, &w, rdr, sd); err != nil {
		return nil, nil, fmt.Errorf("pdfsign: %w", err)
	}
	if len(w.b) <= len(in) {
		return nil, nil, errors.New("pdfsign wrote no incremental update")
	}
	return w.b, fields, nil
}

func safeSign(in []byte, w io.Writer, rdr *pdf.Reader, sd sign.SignData) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", ErrInvalidInput, p)
		}
	}()
	return sign.Sign(bytes.NewReader(in), w, rdr, int64(len(in)), sd)
}

// lastWrite keeps the file pdfsign writes (once; see room.go for why its
// retry never runs).
type lastWrite struct{ b []byte }

func (w *lastWrite) Write(p []byte) (int, error) {
	w.b = append(w.b[:0], p...)
	return len(p), nil
}

// placeholderKey is a crypto.Signer with the real public key that returns a
// signature of the real one's maximum size, so pdfsign's throw-away CMS has
// the size of the real one.
type placeholderKey struct{ pub crypto.PublicKey }

func (s placeholderKey) Public() crypto.PublicKey { return s.pub }

func (s placeholderKey) Sign(_ io.Reader, _ []byte, _ crypto.SignerOpts) ([]byte, error) {
	switch k := s.pub.(type) {
	case *rsa.PublicKey:
		return make([]byte, k.Size()), nil
	case *ecdsa.PublicKey:
		n := (k.Curve.Params().BitSize + 7) / 8
		return make([]byte, 2*n+8), nil // DER SEQUENCE of two INTEGERs, at most
	}
	return make([]byte, 512), nil
}

// sigDict locates the signature dictionary pdfsign appended after the
// original bytes.
type sigDict struct {
	start, end    int // the object, up to "endobj"
	byteRange     int // offset of "/ByteRange"
	contentsOpen  int // offset of '<' starting Contents
	contentsClose int // offset of '>' ending Contents
}

const byteRangeWidth = len("/ByteRange[0 ********** ********** **********]")

func findSigDict(b []byte, from int, typ string) (sigDict, error) {
	var d sigDict
	rel := bytes.Index(b[from:], []byte(typ))
	if rel < 0 {
		return d, errors.New("no signature dictionary in the update")
	}
	d.start = from + rel
	end := bytes.Index(b[d.start:], []byte("endobj"))
	if end < 0 {
		return d, errors.New("signature object has no end")
	}
	d.end = d.start + end
	obj := b[d.start:d.end]
	br := bytes.Index(obj, []byte("/ByteRange"))
	co := bytes.Index(obj, []byte("/Contents<"))
	if br < 0 || co < 0 {
		return d, errors.New("signature dictionary lacks ByteRange or Contents")
	}
	d.byteRange = d.start + br
	d.contentsOpen = d.start + co + len("/Contents")
	cl := bytes.IndexByte(b[d.contentsOpen:d.end], '>')
	if cl < 0 {
		return d, errors.New("signature Contents not closed")
	}
	d.contentsClose = d.contentsOpen + cl
	return d, nil
}

// layout is a prepared file whose Contents, between Open and Close, still
// waits for the CMS.
type layout struct {
	pdf         []byte
	open, close int // offsets of '<' and '>' around Contents
}

// signedBytes are the bytes the signature covers: all but Contents.
func (l layout) signedBytes() []byte {
	out := make([]byte, 0, len(l.pdf)-(l.close+1-l.open))
	out = append(out, l.pdf[:l.open]...)
	return append(out, l.pdf[l.close+1:]...)
}

// embed writes the CMS into Contents, zero-padded.
func (l layout) embed(cms []byte) ([]byte, error) {
	room := l.close - l.open - 1
	if hex.EncodedLen(len(cms)) > room {
		return nil, fmt.Errorf("signature of %d bytes does not fit the %d reserved", len(cms), room/2)
	}
	out := bytes.Clone(l.pdf)
	hx := bytes.Repeat([]byte("0"), room)
	hex.Encode(hx, cms)
	copy(out[l.open+1:], hx)
	return out, nil
}

// fixLayout repairs pdfsign's output: restores the original bytes, writes
// the text fields, makes the dictionary a PAdES one (SubFilter
// ETSI.CAdES.detached, the claimed signing time in /M, written in room
// taken from the Contents placeholder since pdfsign writes /M only without
// a TSA) and the byte range computed from the file itself.
func fixLayout(out []byte, orig []byte, fields []textField, at time.Time) (layout, error) {
	origLen := len(orig)
	// pdfsign's update never changes earlier bytes, except when its search
	// for the Contents placeholder hits an earlier signature's padding.
	copy(out[:origLen], orig)
	d, err := findSigDict(out, origLen, "/Type /Sig\n")
	if err != nil {
		return layout{}, err
	}
	dropDuplicateVersion(out[origLen:])
	obj := out[d.start:d.end]
	for _, f := range fields {
		ph := []byte(" " + f.key + " (" + f.placeholder + ")")
		i := bytes.Index(obj, ph)
		if i < 0 {
			return layout{}, fmt.Errorf("placeholder for %s not found", f.key)
		}
		copy(obj[i+len(f.key)+2:], f.value)
	}
	adobe, etsi := []byte("/SubFilter /adbe.pkcs7.detached"), []byte("/SubFilter /ETSI.CAdES.detached")
	i := bytes.Index(obj, adobe)
	if i < 0 {
		return layout{}, errors.New("pdfsign wrote an unexpected SubFilter")
	}
	copy(obj[i:], etsi) // the same length
	if !at.IsZero() {
		m := " /M " + pdfDate(at)
		close := d.contentsClose - len(m)
		if (close-d.contentsOpen-1)%2 != 0 { // keep an even number of hex digits
			close--
			m += " "
		}
		if close <= d.contentsOpen+2 {
			return layout{}, errors.New("no room for the signing time")
		}
		out[close] = '>'
		copy(out[close+1:], m)
		d.contentsClose = close
	}
	return finishLayout(out, d)
}

// finishLayout writes the byte range of the signature dictionary d, computed
// from the file itself.
func finishLayout(out []byte, d sigDict) (layout, error) {
	a, b := d.contentsOpen, d.contentsClose+1
	br := fmt.Sprintf("/ByteRange [0 %d %d %d]", a, b, len(out)-b)
	if len(br) > byteRangeWidth {
		return layout{}, errors.New("byte range does not fit its placeholder")
	}
	copy(out[d.byteRange:], br+strings.Repeat(" ", byteRangeWidth-len(br)))
	return layout{pdf: out, open: a, close: d.contentsClose}, nil
}

// pdfDate writes t as a PDF date string (ISO 32000-1, 7.9.4).
func pdfDate(t time.Time) string {
	_, off := t.Zone()
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("(D:%s%c%02d'%02d')", t.Format("20060102150405"), sign, off/3600, off%3600/60)
}

// dropDuplicateVersion blanks the /Version pdfsign adds to the new catalog
// when it also copies the old catalog's /Version (a file pdfsign signed
// before): qpdf warns about the duplicated key. Spaces keep every offset.
func dropDuplicateVersion(update []byte) {
	i := bytes.Index(update, []byte("/Type /Catalog\n"))
	if i < 0 {
		return
	}
	end := bytes.Index(update[i:], []byte("endobj"))
	if end < 0 {
		return
	}
	cat := update[i : i+end]
	if bytes.Count(cat, []byte("/Version ")) < 2 {
		return
	}
	added := []byte("  /Version /1.5\n")
	if j := bytes.Index(cat, added); j >= 0 {
		copy(cat[j:], bytes.Repeat([]byte(" "), len(added)-1))
	}
}
