package signer_test

import (
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/signer"
	"github.com/motcua/motcua/signer/devca"
)

// After a B-LT signature only a Document Security Store may be added: an
// update that changes what the signature covered, or the catalog beside the
// store, makes the file invalid, though it is a well-formed update.
func TestOnlyValidationDataMayFollowTheSignature(t *testing.T) {
	ca, err := devca.Open(t.TempDir(), "Ủy ban nhân dân xã Thử Nghiệm")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ca.Handler())
	defer srv.Close()
	ca.SetPKIBase(srv.URL)
	key, err := ca.Key(devca.Person{ID: "c", Name: "Nguyễn Văn Vĩnh"})
	if err != nil {
		t.Fatal(err)
	}
	in, err := os.ReadFile("testdata/pdf/libreoffice-writer.pdf")
	if err != nil {
		t.Fatal(err)
	}
	opts := signer.Options{Roots: ca.Roots(), TSA: ca.TSAURL(), Level: signer.LevelLT}
	signed, err := signer.Sign(context.Background(), in, key, signer.Info{Name: "Nguyễn Văn Vĩnh", Time: time.Now()}, opts)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := signer.Verify(signed, ca.Roots())
	if err != nil || rep.Err() != nil || !signer.AppendedOK(rep) {
		t.Fatalf("the signed B-LT file: %v %v (%s)", err, rep.Err(), rep.Appended)
	}

	for _, kind := range []string{"a page replaced", "the catalog changed beside the store"} {
		t.Run(kind, func(t *testing.T) {
			tampered, err := signer.Tampered(signed, kind)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := signer.Verify(tampered, ca.Roots())
			if err != nil {
				t.Fatal(err)
			}
			if rep.Err() == nil || !strings.Contains(rep.Err().Error(), "does not cover the whole file") {
				t.Errorf("a change after the signature passed: %v (%s)", rep.Err(), rep.Appended)
			}
		})
	}
}
