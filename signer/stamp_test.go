package signer_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/signer"
	"github.com/motcua/motcua/signer/signertest"
)

// The visible stamp sits on the last page as an image, and the signature
// stays valid over the whole file.
func TestVisibleStampOnTheLastPage(t *testing.T) {
	ca := signertest.CA(t)
	in := fixture(t, "scan-12-pages-large.pdf")
	stamp := &signer.Stamp{Name: "Phạm Thị Hương", Title: "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH", Unit: "Ủy ban nhân dân xã Tân Lập", Time: time.Now()}
	out, err := signer.Sign(context.Background(), in, ca.Key(t, "Phạm Thị Hương"), signer.Info{Name: stamp.Name, Time: stamp.Time, Stamp: stamp}, signer.Options{Roots: ca.Roots})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "stamped.pdf")
	os.WriteFile(path, out, 0o600)
	signertest.Qpdf(t, path)
	if text := signertest.Pdfsig(t, path); !strings.Contains(text, "Signature is Valid") || !strings.Contains(text, "Total document signed") {
		t.Fatalf("pdfsig:\n%s", text)
	}
	pages, _ := exec.Command(signertest.Tool(t, "pdfinfo"), path).Output()
	var last string
	for _, l := range strings.Split(string(pages), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "Pages:" {
			last = f[1]
		}
	}
	// pdfimages lists the images of the last page: the stamp is one of them.
	list, err := exec.Command(signertest.Tool(t, "pdfimages"), "-list", "-f", last, "-l", last, path).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(list), " 1000   384 ") && !strings.Contains(string(list), "1000   384") {
		t.Errorf("no 1000x384 stamp image on page %s:\n%s", last, list)
	}
	if os.Getenv("MOTCUA_KEEP_STAMP") != "" {
		exec.Command("pdftoppm", "-png", "-r", "80", "-f", last, "-l", last, path, "/tmp/stamp-page").Run()
	}
}
