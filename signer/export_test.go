package signer

import (
	"fmt"
	"strings"
)

// What the tests outside the package (package signer_test) need to see of
// its inside.

// AppendedOK reports whether the verifier found only validation data after
// the signatures.
func AppendedOK(r *Report) bool { return r.appendedOK }

// Tampered returns signed with one more incremental update of the kind
// named: "a page replaced", or "the catalog changed beside the store". The
// update is well formed: only what it changes is wrong.
func Tampered(signed []byte, kind string) ([]byte, error) {
	tamper, ok := tampers[kind]
	if !ok {
		return nil, fmt.Errorf("no tampering %q", kind)
	}
	u, err := newIncrement(signed)
	if err != nil {
		return nil, err
	}
	out := u.bytes(tamper(u))
	if _, err := checkedReader(out); err != nil {
		return nil, fmt.Errorf("the tampered file does not read: %w", err)
	}
	return out, nil
}

var tampers = map[string]func(u *increment) uint32{
	"a page replaced": func(u *increment) uint32 {
		page := u.r.Page(1).V
		p := page.GetPtr()
		var b strings.Builder
		b.WriteString("<< /Type /Page /Parent ")
		parent := page.Key("Parent").GetPtr()
		fmt.Fprintf(&b, "%d 0 R /MediaBox [0 0 100 100] >>", parent.GetID())
		u.entries = append(u.entries, xrefEntry{num: p.GetID(), offset: u.offset()})
		fmt.Fprintf(&u.body, "%d 0 obj\n%s\nendobj\n", p.GetID(), b.String())
		return u.add(u.catalog(nil))
	},
	"the catalog changed beside the store": func(u *increment) uint32 {
		return u.add(u.catalog(map[string]string{"PageMode": "/FullScreen"}, "PageMode"))
	},
}

// StoredOCSPs are the OCSP answers a file's Document Security Store holds.
func StoredOCSPs(file []byte) ([][]byte, error) {
	r, err := checkedReader(file)
	if err != nil {
		return nil, err
	}
	return readDSS(r.Trailer().Key("Root")).ocsps, nil
}
