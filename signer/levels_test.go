package signer

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// After a B-LT signature only a Document Security Store may be added: an
// update that changes what the signature covered, or the catalog beside the
// store, makes the file invalid, though it is a well-formed update.
func TestOnlyValidationDataMayFollowTheSignature(t *testing.T) {
	ca, err := OpenDevCA(t.TempDir(), "Ủy ban nhân dân xã Thử Nghiệm")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ca.Handler())
	defer srv.Close()
	ca.SetPKIBase(srv.URL)
	key, err := ca.Key(Person{ID: "c", Name: "Nguyễn Văn Vĩnh"})
	if err != nil {
		t.Fatal(err)
	}
	in, err := os.ReadFile("testdata/pdf/libreoffice-writer.pdf")
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Roots: ca.Roots(), TSA: ca.TSAURL(), Level: LevelLT}
	signed, err := Sign(context.Background(), in, key, Info{Name: "Nguyễn Văn Vĩnh", Time: time.Now()}, opts)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(signed, ca.Roots())
	if err != nil || rep.Err() != nil || !rep.appendedOK {
		t.Fatalf("the signed B-LT file: %v %v (%s)", err, rep.Err(), rep.Appended)
	}

	for name, tamper := range map[string]func(u *increment) uint32{
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
	} {
		t.Run(name, func(t *testing.T) {
			u, err := newIncrement(signed)
			if err != nil {
				t.Fatal(err)
			}
			tampered := u.bytes(tamper(u))
			if _, err := checkedReader(tampered); err != nil {
				t.Fatalf("the tampered file does not read: %v", err)
			}
			rep, err := Verify(tampered, ca.Roots())
			if err != nil {
				t.Fatal(err)
			}
			if rep.Err() == nil || !strings.Contains(rep.Err().Error(), "does not cover the whole file") {
				t.Errorf("a change after the signature passed: %v (%s)", rep.Err(), rep.Appended)
			}
		})
	}
}
