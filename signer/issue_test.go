package signer_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/signer"
	"github.com/motcua/motcua/signer/devca"
	"github.com/motcua/motcua/signer/signertest"
)

// An issued result, as the workflow makes it: the leader signs at B-T with
// their handwritten signature drawn at the signing place; the office's key
// signs after, the seal over the signature's left third, at B-LTA: one
// Document Security Store for both chains and one document timestamp over
// both, each signature B-LTA. The verifier tells person from organisation
// and calls the file issued; the leader's file alone is "signed, not
// issued".
func TestAnIssuedResultCarriesBothSignaturesAtBLTA(t *testing.T) {
	ca := devPKI(t)
	lta := signer.Options{Roots: ca.Roots, TSA: ca.CA.TSAURL(), Level: signer.LevelLTA}
	bt := lta
	bt.Level = signer.LevelT
	place := [4]float64{326, 300, 524, 357}
	look, err := signer.SignatureLook(devca.Handwriting("Nguyễn Văn Vĩnh"), place)
	if err != nil {
		t.Fatal(err)
	}
	leader, err := signer.Sign(context.Background(), sampleResult(t), ca.Key(t, "Nguyễn Văn Vĩnh"),
		signer.Info{Name: "Nguyễn Văn Vĩnh", Time: time.Now(), Appearance: look}, bt)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := signer.Verify(leader, ca.Roots)
	if err != nil || rep.Err() != nil || rep.Issued() {
		t.Fatalf("the leader's file: %v %v issued=%v", err, rep.Err(), rep.Issued())
	}
	unit := "Ủy ban nhân dân xã Tân Lập"
	office, err := ca.CA.OfficeKey(unit)
	if err != nil {
		t.Fatal(err)
	}
	seal, err := signer.SealLook(devca.Seal(unit), []string{unit, "Số: 7/2026/KS"}, time.Now(), look.Rect)
	if err != nil {
		t.Fatal(err)
	}
	if seal.Rect[2] <= look.Rect[0] || seal.Rect[2] > look.Rect[0]+(look.Rect[2]-look.Rect[0])/2 {
		t.Errorf("the seal %v does not end over the left third of the signature %v", seal.Rect, look.Rect)
	}
	issued, err := signer.Sign(context.Background(), leader, office,
		signer.Info{Name: unit, Reason: "Phát hành, Số: 7/2026/KS", Time: time.Now(), Appearance: seal}, lta)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(issued, leader) {
		t.Fatal("the organisation's signature rewrote the leader's file")
	}
	rep, err = signer.Verify(issued, ca.Roots)
	if err != nil || rep.Err() != nil {
		t.Fatal(err, rep.Err())
	}
	var kinds []string
	for _, s := range rep.Signatures {
		kinds = append(kinds, s.Type+":"+s.Holder+":"+s.PAdESLevel)
	}
	if got := strings.Join(kinds, " "); got != "signature:person:B-LTA signature:organisation:B-LTA document_timestamp::" || !rep.Issued() {
		t.Errorf("signatures: %s (issued %v)", got, rep.Issued())
	}
	if n := bytes.Count(issued, []byte("/Type /DSS")); n != 1 {
		t.Errorf("%d DSS revisions, want 1", n)
	}
	path := filepath.Join(t.TempDir(), "issued.pdf")
	os.WriteFile(path, issued, 0o600)
	signertest.Qpdf(t, path)
	// The catalog, as qpdf reads it, declares ETSI's extension for the DSS
	// and the PDF version its structures need.
	trailer, _ := exec.Command(signertest.Tool(t, "qpdf"), "--show-object=trailer", path).Output()
	root := regexp.MustCompile(`/Root (\d+) 0 R`).FindSubmatch(trailer)
	if root == nil {
		t.Fatalf("qpdf's trailer: %s", trailer)
	}
	catalog, _ := exec.Command(signertest.Tool(t, "qpdf"), "--show-object="+string(root[1]), path).Output()
	if !regexp.MustCompile(`/ESIC << (/\w+ \S+ )*/ExtensionLevel 5`).Match(catalog) || !bytes.Contains(catalog, []byte("/BaseVersion /1.7")) || !bytes.Contains(catalog, []byte("/Version /1.7")) {
		t.Errorf("the catalog lacks /Extensions /ESIC or /Version: %s", catalog)
	}
	if c := signertest.OpenSSL(t, path, ca.CA.RootPath()); c != (signertest.Checked{Signatures: 2, PAdESBaseline: 2, Timestamped: 2, DocTimestamps: 1}) {
		t.Errorf("openssl checked %+v", c)
	}
	if text := signertest.Pdfsig(t, path); strings.Count(text, "Signature is Valid") != 2 {
		t.Errorf("pdfsig:\n%s", text)
	}
	var out bytes.Buffer
	rep.WriteText(&out, "issued.pdf")
	for _, want := range []string{"(cá nhân / person)", "(cơ quan, tổ chức / organisation)", "Số: 7/2026/KS", "đã phát hành"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
}
