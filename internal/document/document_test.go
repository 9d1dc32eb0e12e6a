package document_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/document"
	"github.com/motcua/motcua/signer/signertest"
)

func TestDocumentsAreDeterministicA4WithVietnameseText(t *testing.T) {
	p, _ := catalog.Default().Lookup("1.004227")
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
	for name, b := range map[string][]byte{"receipt.pdf": r1, "result.pdf": res.PDF} {
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

// Every document of every procedure reads back as valid Vietnamese text:
// no broken character (U+FFFD), the procedure's name lowered whole, form
// dates as dd/mm/yyyy, the receiving clerk by full name.
func TestEveryDocumentReadsBackAsValidText(t *testing.T) {
	received := time.Date(2026, 11, 25, 9, 0, 0, 0, motcua.Vietnam)
	for _, p := range catalog.Default() {
		fields := map[string]string{}
		for _, f := range p.Fields {
			switch f.Type {
			case motcua.FieldDate:
				fields[f.Name] = "2026-11-01"
			case motcua.FieldNumber:
				fields[f.Name] = "2"
			default:
				fields[f.Name] = "Nguyễn Thị Ánh Tuyết"
			}
		}
		d := motcua.Dossier{
			ID: "000.00.01.H22-261125-0007", ProcedureCode: p.Code, Procedure: &p, Fields: fields,
			Applicant:  motcua.Applicant{FullName: "Đặng Văn Đức", IDNumber: "040301001122"},
			Documents:  []motcua.DocumentRef{{Code: p.RequiredDocuments[0].Code, Name: "giấy-tờ.pdf"}},
			ReceivedBy: "clerk1", ReceivedByName: "Trần Thị Mai", ReceivedAt: received, DueAt: received.Add(72 * time.Hour),
		}
		receipt, err := document.Receipt(motcua.DefaultUnit, p, d)
		if err != nil {
			t.Fatal(err)
		}
		draft, err := document.Result(motcua.DefaultUnit, p, d, received.Add(time.Hour), document.Signer{})
		if err != nil {
			t.Fatal(err)
		}
		leader := document.Signer{Name: "Nguyễn Văn Vĩnh", Role: motcua.RoleChairman, At: received.Add(2 * time.Hour)}
		result, err := document.Result(motcua.DefaultUnit, p, d, received.Add(time.Hour), leader)
		if err != nil {
			t.Fatal(err)
		}
		// Issuing asks only where the leader signed: the same place.
		if at, err := document.ResultPlace(motcua.DefaultUnit, p, d, received.Add(time.Hour), leader); err != nil || at != result.SignAt || at.Page < 1 {
			t.Errorf("%s: the place is %+v (%v), the result signs at %+v", p.Code, at, err, result.SignAt)
		}
		lowered := []rune(p.Name)
		lowered[0] = []rune(strings.ToLower(string(lowered[0])))[0]
		for name, b := range map[string][]byte{"receipt": receipt, "draft": draft.PDF, "result": result.PDF} {
			text := pdfText(t, b)
			if !utf8.ValidString(text) || strings.ContainsRune(text, utf8.RuneError) {
				t.Errorf("%s %s: broken characters:\n%s", p.Code, name, text)
			}
			want := []string{"Đặng Văn Đức", p.Name}
			switch name {
			case "receipt":
				want = append(want, "Trần Thị Mai")
				if strings.Contains(text, "clerk1") {
					t.Errorf("%s receipt names the clerk by user id:\n%s", p.Code, text)
				}
			default:
				want = append(want, "Căn cứ hồ sơ đề nghị "+string(lowered))
				if strings.Contains(text, "2026-11-01") {
					t.Errorf("%s %s prints an ISO date:\n%s", p.Code, name, text)
				}
			}
			for _, f := range p.Fields {
				if f.Type == motcua.FieldDate && name != "receipt" {
					want = append(want, "01/11/2026")
				}
			}
			for _, w := range want {
				if !strings.Contains(strings.Join(strings.Fields(text), " "), w) {
					t.Errorf("%s %s lacks %q:\n%s", p.Code, name, w, text)
				}
			}
		}
	}
}

// pdfText is the text pdftotext reads from a PDF.
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(signertest.Tool(t, "pdftotext"), path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// Form 04 names the dossier, the date promised, the reason, the new date
// and the leader; drafted and signed renderings differ only in the name.
func TestApologyLetter(t *testing.T) {
	p, _ := catalog.Default().Lookup("1.004884")
	d := motcua.Dossier{ID: "000.00.01.H22-261125-0007", ProcedureCode: p.Code, ReceivedAt: time.Date(2026, 11, 25, 9, 0, 0, 0, motcua.Vietnam),
		Applicant: motcua.Applicant{FullName: "Hoàng Văn Nam", IDNumber: "001099012345"}}
	ap := motcua.Apology{Reason: "đang chờ ý kiến của cơ quan phối hợp", PromisedAt: time.Date(2026, 12, 2, 17, 0, 0, 0, motcua.Vietnam),
		NewDueAt: time.Date(2026, 12, 10, 17, 0, 0, 0, motcua.Vietnam), DraftedAt: time.Date(2026, 12, 1, 8, 0, 0, 0, motcua.Vietnam)}
	draft, err := document.Apology(motcua.DefaultUnit, p, d, ap, document.Signer{})
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, draft.PDF)
	for _, want := range []string{"PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", d.ID, "Hoàng Văn Nam", "Đăng ký lại khai sinh",
		"17 giờ 00 phút, ngày 02/12/2026", "17 giờ 00 phút, ngày 10/12/2026", "cơ quan phối hợp", "chờ ký số", "xin lỗi Ông/Bà"} {
		if !strings.Contains(strings.Join(strings.Fields(text), " "), want) {
			t.Errorf("the letter lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "001099012345") {
		t.Error("the letter prints the ID number")
	}
	signed, _ := document.Apology(motcua.DefaultUnit, p, d, ap, document.Signer{Name: "Nguyễn Văn Vĩnh", Role: motcua.RoleChairman, At: ap.DraftedAt})
	if !strings.Contains(pdfText(t, signed.PDF), "Nguyễn Văn Vĩnh") {
		t.Error("the signed letter does not name the leader")
	}
	if dir := os.Getenv("MOTCUA_DOCUMENTS"); dir != "" {
		os.WriteFile(filepath.Join(dir, "apology.pdf"), signed.PDF, 0o644)
	}
}

// The receipt of a paid same-day procedure says so.
func TestReceiptShowsTheFeeAndTheHours(t *testing.T) {
	p, _ := catalog.Default().Lookup("2.000635")
	d := motcua.Dossier{ID: "000.00.01.H22-261125-0009", ProcedureCode: p.Code, Fields: map[string]string{"copies": "2"},
		ReceivedAt: time.Date(2026, 11, 25, 9, 0, 0, 0, motcua.Vietnam), DueAt: time.Date(2026, 11, 25, 11, 0, 0, 0, motcua.Vietnam)}
	b, err := document.Receipt(motcua.DefaultUnit, p, d)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(pdfText(t, b)), " ")
	for _, want := range []string{"Phí, lệ phí: 16.000 đồng", "2 giờ làm việc"} {
		if !strings.Contains(text, want) {
			t.Errorf("the receipt lacks %q:\n%s", want, text)
		}
	}
}
