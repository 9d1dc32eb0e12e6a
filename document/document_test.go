package document_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/document"
	"github.com/motcua/motcua/signer/signertest"
)

func TestDocumentsAreDeterministicA4WithVietnameseText(t *testing.T) {
	p, _ := motcua.DefaultCatalog.Lookup("1.004227")
	d := motcua.Dossier{
		ID: "000.00.01.H22-261125-0042", ProcedureCode: p.Code,
		Applicant:  motcua.Applicant{FullName: "Lưu Thị Quỳnh Hương", IDNumber: "040301001122"},
		Fields:     map[string]string{"purpose": "Đăng ký kết hôn", "marital_status": "Chưa kết hôn lần nào"},
		Documents:  []motcua.DocumentRef{{Code: "TK_XNHN", Name: "to-khai.pdf"}},
		ReceivedBy: "Trần Thị Mai", ReceivedAt: time.Date(2026, 11, 25, 9, 0, 0, 0, motcua.Vietnam),
		DueAt: time.Date(2026, 11, 30, 17, 0, 0, 0, motcua.Vietnam),
	}
	r1, err := document.Receipt(motcua.DefaultUnit, p, d)
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := document.Receipt(motcua.DefaultUnit, p, d)
	if !bytes.Equal(r1, r2) {
		t.Error("the receipt is not deterministic")
	}
	signed := document.Signer{Name: "Phạm Thị Hương", Role: motcua.RoleViceChairman, At: d.ReceivedAt.Add(48 * time.Hour)}
	res, err := document.Result(motcua.DefaultUnit, p, d, d.ReceivedAt.Add(24*time.Hour), signed)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, b := range map[string][]byte{"receipt.pdf": r1, "result.pdf": res} {
		path := filepath.Join(dir, name)
		os.WriteFile(path, b, 0o600)
		signertest.Qpdf(t, path)
		info, err := exec.Command(signertest.Tool(t, "pdfinfo"), path).Output()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(info), "(A4)") {
			t.Errorf("%s is not A4:\n%s", name, info)
		}
	}
	text, err := exec.Command(signertest.Tool(t, "pdftotext"), "-layout", filepath.Join(dir, "result.pdf"), "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN", "Lưu Thị Quỳnh Hương", "Chưa kết hôn lần nào",
		"KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Phạm Thị Hương", "Tân Lập, ngày 27 tháng 11 năm 2026", d.ID} {
		if !strings.Contains(string(text), want) {
			t.Errorf("result lacks %q:\n%s", want, text)
		}
	}
}
