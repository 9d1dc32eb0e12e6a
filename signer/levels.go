package signer

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pkcs7"
)

// dssData is what a Document Security Store holds.
type dssData struct {
	certs       []*x509.Certificate
	ocsps, crls [][]byte
	present     bool
	vri         map[string]bool // the keys of its VRI entries
}

// hasVRI reports whether the store has a VRI entry for the signature f,
// keyed by its whole /Contents (vriKey) or, in files motcua wrote before
// it followed that reading, by the CMS alone.
func (d dssData) hasVRI(f found) bool { return d.vri[vriKey(f.padded)] || d.vri[vriKey(f.contents)] }

// readDSS reads the store of a catalog; unreadable entries are skipped.
func readDSS(catalog pdf.Value) dssData {
	dss := catalog.Key("DSS")
	if dss.Kind() != pdf.Dict {
		return dssData{}
	}
	d := dssData{present: true, vri: map[string]bool{}}
	for _, k := range dss.Key("VRI").Keys() {
		d.vri[k] = true
	}
	each := func(key string, use func([]byte)) {
		arr := dss.Key(key)
		for i := 0; i < arr.Len() && i < 10000; i++ {
			if b, err := io.ReadAll(io.LimitReader(arr.Index(i).Reader(), 1<<22)); err == nil && len(b) > 0 {
				use(b)
			}
		}
	}
	each("Certs", func(b []byte) {
		if c, err := x509.ParseCertificate(b); err == nil {
			d.certs = append(d.certs, c)
		}
	})
	each("OCSPs", func(b []byte) { d.ocsps = append(d.ocsps, b) })
	each("CRLs", func(b []byte) { d.crls = append(d.crls, b) })
	return d
}

// levels sets the PAdES baseline level of each signature of a file, and
// what the next level needs, from what the file carries.
func levels(file []byte, r *pdf.Reader, all []found, sc *sigChecks) {
	final := readDSS(r.Trailer().Key("Root"))
	atTimestamp := map[int]dssData{} // the store as each document timestamp covered it
	for i := range all {
		f := &all[i]
		if f.s.Type != typeSignature || f.cert == nil {
			continue
		}
		if f.s.RevocationStatus == "" && final.present {
			f.s.RevocationStatus, f.s.Revocation = sc.statusAt(final.ocsps, final.crls, f.cert, append(final.certs, f.p7.Certificates...))
			if f.s.RevocationStatus == "revoked" {
				f.s.Valid, f.s.Trusted, f.s.Problem = false, false, "the signer's certificate is revoked in the file's validation data"
			}
		}
		level, next := baselineLevel(f)
		if level == LevelT {
			if gap := ltGap(f, final, sc); gap != "" {
				next = "for B-LT: " + gap
			} else {
				level, next = LevelLT, "for B-LTA: a document timestamp over the validation data"
				for j := i + 1; j < len(all); j++ {
					d := all[j]
					if d.s.Type != typeDocTimestamp || !d.s.Valid || !d.s.Trusted {
						continue
					}
					dss, ok := atTimestamp[j]
					if !ok {
						end := int(d.s.ByteRange[2] + d.s.ByteRange[3])
						if pr, err := checkedReader(file[:end]); err == nil {
							dss = readDSS(pr.Trailer().Key("Root"))
						}
						atTimestamp[j] = dss
					}
					if ltGap(f, dss, sc) == "" {
						level, next = LevelLTA, ""
						break
					}
				}
			}
		}
		if level > 0 {
			f.s.PAdESLevel = level.String()
		}
		f.s.NextLevel = next
	}
}

// baselineLevel checks B-B and B-T: the dictionary and CMS of a PAdES
// baseline signature, and its signature timestamp.
func baselineLevel(f *found) (Level, string) {
	if !f.s.Valid {
		return 0, "a valid signature"
	}
	var gaps []string
	if f.s.SubFilter != "ETSI.CAdES.detached" {
		gaps = append(gaps, "/SubFilter /ETSI.CAdES.detached (it is /"+f.s.SubFilter+")")
	}
	var t any
	if f.p7.UnmarshalSignedAttribute(oidSigningTime, &t) == nil {
		gaps = append(gaps, "no CMS signing-time attribute (the claimed time belongs in /M)")
	}
	if !signingCertificateBound(f.p7, f.cert) {
		gaps = append(gaps, "an ESS signing-certificate-v2 attribute naming the signer's certificate")
	}
	if len(gaps) > 0 {
		return 0, "for B-B: " + strings.Join(gaps, "; ")
	}
	if f.s.Timestamp == nil {
		return LevelB, "for B-T: a timestamp over the signature value"
	}
	return LevelT, ""
}

// signingCertificateBound reports whether the signed attributes carry an
// ESS signing-certificate-v2 whose first SHA-256 hash is the signer's
// certificate's.
func signingCertificateBound(p7 *pkcs7.PKCS7, cert *x509.Certificate) bool {
	var v struct {
		Certs []struct {
			Hash []byte
		}
	}
	if p7.UnmarshalSignedAttribute(oidSigningCertificateV2, &v) != nil || len(v.Certs) == 0 {
		return false
	}
	sum := sha256.Sum256(cert.Raw)
	return bytes.Equal(v.Certs[0].Hash, sum[:])
}

// ltGap says what dss lacks for the signature to reach B-LT: the
// certificates of the signer's and the TSA's chains up to a self-signed
// root, and a revocation answer for each certificate below the root.
func ltGap(f *found, dss dssData, sc *sigChecks) string {
	if !dss.present {
		return "a Document Security Store with the chains' certificates and revocation answers"
	}
	var gaps []string
	check := func(what string, leaf *x509.Certificate) {
		chain := sc.chainOf(leaf, dss.certs)
		if root := chain[len(chain)-1]; !bytes.Equal(root.RawIssuer, root.RawSubject) {
			gaps = append(gaps, fmt.Sprintf("the certificate of %q's issuer (%s chain)", root.Subject.CommonName, what))
		}
		for _, c := range chain {
			if bytes.Equal(c.RawIssuer, c.RawSubject) {
				break
			}
			if st, _ := sc.statusAt(dss.ocsps, dss.crls, c, chain); st == "" {
				gaps = append(gaps, fmt.Sprintf("an OCSP answer or CRL for %q (%s chain)", c.Subject.CommonName, what))
			}
		}
	}
	check("signer", f.cert)
	if len(f.tsaChain) > 0 {
		check("timestamp authority", f.tsaChain[0])
	}
	return strings.Join(gaps, "; ")
}

// onlyValidationData checks that the bytes of file after end (where the
// last signature's coverage ends) are incremental updates that only add a
// Document Security Store: no object the signed revision had is changed,
// the catalog is the same but for /DSS, and the trailer names the same
// document information. Anything else there is a change after signing.
func onlyValidationData(file []byte, end int, r *pdf.Reader) error {
	if r.XrefInformation.StartPos < int64(end) {
		return errors.New("they are not an incremental update")
	}
	before, err := checkedReader(file[:end])
	if err != nil {
		return fmt.Errorf("the signed revision does not read: %v", err)
	}
	had := map[uint32]bool{}
	for _, x := range before.Xref() {
		p := x.Ptr()
		had[p.GetID()] = true
	}
	// Which revision defined an object is its offset: digitorus/pdf (pinned
	// at v0.1.2) keeps it, and whether the object sits in an object stream,
	// in unexported fields of its cross-reference entries, read here by
	// reflection (a test fails if a version renames them).
	offsets := map[uint32]int64{}
	xrefs := r.Xref()
	for i := range xrefs {
		p := xrefs[i].Ptr()
		offsets[p.GetID()] = reflect.ValueOf(xrefs[i]).FieldByName("offset").Int()
	}
	for i := range xrefs {
		x := reflect.ValueOf(xrefs[i])
		off := x.FieldByName("offset").Int()
		if x.FieldByName("inStream").Bool() {
			s := xrefs[i].Stream()
			off = offsets[s.GetID()]
		}
		p := xrefs[i].Ptr()
		if off >= int64(end) && had[p.GetID()] {
			return fmt.Errorf("object %d was changed after the signature", p.GetID())
		}
	}
	// The catalog may gain its DSS, ETSI's developer extension and the
	// PDF version the DSS needs (/Version only upwards, within PDF 2.0);
	// nothing else of it may change.
	catalog := func(r *pdf.Reader) string {
		root := r.Trailer().Key("Root")
		self := root.GetPtr()
		var b bytes.Buffer
		for _, k := range root.Keys() {
			switch k {
			case "DSS", "Version":
			case "Extensions":
				ext := root.Key(k)
				p := ext.GetPtr()
				for _, e := range ext.Keys() {
					if e != "ESIC" {
						b.WriteString("/Extensions" + pdfName(e) + " ")
						writeValue(&b, ext.Key(e), p.GetID())
					}
				}
			default:
				b.WriteString(pdfName(k) + " ")
				writeValue(&b, root.Key(k), self.GetID())
			}
		}
		return b.String()
	}
	version := func(r *pdf.Reader) string { return r.Trailer().Key("Root").Key("Version").Name() }
	if v, old := version(r), version(before); v != old && (v < old || v > "2.0") {
		return errors.New("the document's PDF version was changed after the signature")
	}
	if catalog(r) != catalog(before) {
		return errors.New("the document catalog was changed after the signature")
	}
	i1, i2 := r.Trailer().Key("Info").GetPtr(), before.Trailer().Key("Info").GetPtr()
	if i1 != i2 {
		return errors.New("the document information was replaced after the signature")
	}
	return nil
}
