// Package document renders the office's paper forms as PDF: the receipt
// (form 01) and the result to be signed. Output is A4, in Liberation Serif
// (metric-compatible with Times New Roman, covering Vietnamese), and
// deterministic: the same input always gives the same bytes, so a re-run
// activity stores nothing new.
//
// The PDFs are written by github.com/go-pdf/fpdf, whose repository was
// archived upstream (read-only) in 2025. It stays, pinned at v0.9.0: it is
// pure Go with no dependencies beyond the standard library, it embeds and
// subsets TrueType fonts with Vietnamese (UTF-8) text, its output is
// deterministic once the creation date is set, and the forms use a small,
// settled part of it (text cells, lines, images) with no network or file
// input: an archived library's risk (no fixes) is small here. Should a
// defect need a fix, its code (MIT) is forked into the module with a
// replace directive; moving to another writer (gopdf, gpdf) means laying
// out every form again, for no gain today.
package document

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-fonts/liberation/liberationserifbold"
	"github.com/go-fonts/liberation/liberationserifitalic"
	"github.com/go-fonts/liberation/liberationserifregular"
	"github.com/go-pdf/fpdf"
	"github.com/skip2/go-qrcode"

	"github.com/motcua/motcua"
)

const family = "LiberationSerif"

func newPDF(created time.Time, title string) *fpdf.Fpdf {
	f := fpdf.New("P", "mm", "A4", "")
	f.AddUTF8FontFromBytes(family, "", liberationserifregular.TTF)
	f.AddUTF8FontFromBytes(family, "B", liberationserifbold.TTF)
	f.AddUTF8FontFromBytes(family, "I", liberationserifitalic.TTF)
	f.SetCreationDate(created)
	f.SetModificationDate(created)
	f.SetCatalogSort(true)
	f.SetTitle(title, true)
	f.SetCreator("motcua", true)
	f.SetMargins(20, 15, 15)
	f.SetAutoPageBreak(true, 20)
	f.AddPage()
	return f
}

// header writes the national header: the unit on the left, the state motto
// on the right.
func header(f *fpdf.Fpdf, u motcua.Unit) {
	y := f.GetY()
	f.SetFont(family, "B", 12)
	f.MultiCell(75, 6, strings.ToUpper(u.Name), "", "C", false)
	f.SetXY(95, y)
	f.MultiCell(100, 6, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "", "C", false)
	f.SetX(95)
	f.SetFont(family, "B", 13)
	f.MultiCell(100, 6, "Độc lập - Tự do - Hạnh phúc", "", "C", false)
	f.Ln(8)
}

func title(f *fpdf.Fpdf, lines ...string) {
	f.SetFont(family, "B", 14)
	for _, l := range lines {
		f.CellFormat(0, 7, l, "", 1, "C", false, 0, "")
	}
	f.Ln(4)
}

func para(f *fpdf.Fpdf, text string) {
	f.SetFont(family, "", 13)
	f.MultiCell(0, 7, text, "", "J", false)
}

func labelValue(f *fpdf.Fpdf, label, value string) {
	f.SetFont(family, "", 13)
	f.MultiCell(0, 7, label+": "+motcua.OneLine(value), "", "L", false)
}

func bytesOf(f *fpdf.Fpdf) ([]byte, error) {
	var b bytes.Buffer
	if err := f.Output(&b); err != nil {
		return nil, fmt.Errorf("render pdf: %w", err)
	}
	return b.Bytes(), nil
}

// dateLine is "Tân Lập, ngày 25 tháng 11 năm 2026".
func dateLine(place string, t time.Time) string {
	t = t.In(motcua.Vietnam)
	return fmt.Sprintf("%s, ngày %02d tháng %02d năm %d", place, t.Day(), int(t.Month()), t.Year())
}

func clock(t time.Time) string {
	t = t.In(motcua.Vietnam)
	return fmt.Sprintf("%02d giờ %02d phút, ngày %02d/%02d/%d", t.Hour(), t.Minute(), t.Day(), int(t.Month()), t.Year())
}

// Receipt renders form 01, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả".
func Receipt(u motcua.Unit, p motcua.Procedure, d motcua.Dossier) ([]byte, error) {
	f := newPDF(d.ReceivedAt, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả "+d.ID)
	header(f, u)
	title(f, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Mã hồ sơ: "+d.ID)
	para(f, "Bộ phận Tiếp nhận và Trả kết quả - "+u.Name+" đã tiếp nhận hồ sơ của:")
	labelValue(f, "Ông/Bà", d.Applicant.FullName)
	labelValue(f, "Số định danh cá nhân", motcua.MaskID(d.Applicant.IDNumber))
	labelValue(f, "Nội dung yêu cầu giải quyết", p.Name+" (mã "+p.Code+")")
	f.Ln(2)
	para(f, "Thành phần hồ sơ gồm:")
	for i, doc := range d.Documents {
		para(f, fmt.Sprintf("%d. %s (%s)", i+1, documentName(p, doc.Code), doc.Name))
	}
	f.Ln(2)
	labelValue(f, "Số lượng hồ sơ", fmt.Sprintf("%02d bộ", 1))
	labelValue(f, "Thời gian giải quyết hồ sơ theo quy định", p.ProcessingTime())
	if fee := p.Fee(d.Fields); fee > 0 {
		labelValue(f, "Phí, lệ phí", dong(fee))
	}
	labelValue(f, "Thời gian nhận hồ sơ", clock(d.ReceivedAt))
	labelValue(f, "Thời gian trả kết quả giải quyết hồ sơ", clock(d.DueAt))
	labelValue(f, "Đăng ký nhận kết quả tại", "Bộ phận Tiếp nhận và Trả kết quả")
	f.Ln(8)
	receiver := d.ReceivedByName
	if receiver == "" { // dossiers taken in before the name was recorded
		receiver = d.ReceivedBy
	}
	signatureBlocks(f, "NGƯỜI NỘP HỒ SƠ", d.Applicant.FullName, "NGƯỜI TIẾP NHẬN HỒ SƠ", receiver)
	if link := u.LookupLink(d.ID); link != "" {
		const size = 26.0
		f.SetY(f.GetY() + 8)
		if f.GetY()+size > 297-20 {
			f.AddPage()
		}
		y := f.GetY()
		if err := qr(f, link, 20, y, size); err != nil {
			return nil, err
		}
		f.SetFont(family, "I", 11)
		f.SetXY(20+size+5, y+2)
		f.MultiCell(0, 5.5, "Tra cứu tình trạng hồ sơ: quét mã QR hoặc vào "+u.PublicURL+"/tra-cuu, nhập mã hồ sơ "+d.ID+
			" và 4 chữ số cuối của số điện thoại hoặc số định danh cá nhân của người nộp hồ sơ.", "", "L", false)
	}
	return bytesOf(f)
}

// qr draws a QR code of link, size millimetres square, at x, y (top
// left): its dark modules as filled rectangles, a row's neighbours merged,
// so that it prints sharp at any scale. Error correction M (15% of the
// code may be lost: a stamp or a fold).
func qr(f *fpdf.Fpdf, link string, x, y, size float64) error {
	code, err := qrcode.New(link, qrcode.Medium)
	if err != nil {
		return fmt.Errorf("qr code of %s: %w", link, err)
	}
	bits := code.Bitmap() // with the quiet zone of four modules around
	module := size / float64(len(bits))
	f.SetFillColor(0, 0, 0)
	for row, line := range bits {
		for col := 0; col < len(line); {
			if !line[col] {
				col++
				continue
			}
			run := col
			for run < len(line) && line[run] {
				run++
			}
			f.Rect(x+float64(col)*module, y+float64(row)*module, float64(run-col)*module, module, "F")
			col = run
		}
	}
	return nil
}

// Paper is a rendered document to be signed, and the place the leader's
// signature goes.
type Paper struct {
	PDF    []byte
	SignAt Place
}

// Place is a rectangle on a page (counted from 1), in points from the
// page's lower-left corner, as PDF signatures are placed.
type Place struct {
	Page int        `json:"page"`
	Rect [4]float64 `json:"rect"`
}

// pagePlace converts a rectangle of f's current page given in millimetres
// from the top-left corner into a Place.
func pagePlace(f *fpdf.Fpdf, x, y, w, h float64) Place {
	const pt = 72 / 25.4
	_, pageHeight := f.GetPageSize()
	return Place{Page: f.PageNo(), Rect: [4]float64{x * pt, (pageHeight - y - h) * pt, (x + w) * pt, (pageHeight - y) * pt}}
}

// Signer identifies who signs the result; a zero Signer renders the draft
// with the chairman's title and no name yet.
type Signer struct {
	Name string
	Role motcua.Role
	At   time.Time
}

// Result renders the result document the leader signs.
func Result(u motcua.Unit, p motcua.Procedure, d motcua.Dossier, approvedAt time.Time, s Signer) (Paper, error) {
	f, top, at := resultBody(u, p, d, approvedAt, s)
	if link := u.CheckLink(d.ID, d.CheckKey); link != "" {
		// Left of the signatures, where the block began (on the next page
		// when the block moved there).
		const size = 26.0
		if f.GetY() < top {
			top = 15
		}
		if err := qr(f, link, 20, top, size); err != nil {
			return Paper{}, err
		}
		f.SetFont(family, "I", 10)
		f.SetXY(20, top+size+1)
		// Under the code, narrow: the seal's text to the signature's left
		// begins about 40 mm from here.
		f.MultiCell(size+4, 4.5, "Quét mã QR để kiểm tra văn bản điện tử", "", "L", false)
	}
	b, err := bytesOf(f)
	return Paper{PDF: b, SignAt: at}, err
}

// ResultPlace is where Result puts the leader's signature, without
// writing the file: what issuing a signed result needs to know of its
// layout (writing it out, fonts subset and compressed, costs most of a
// render).
func ResultPlace(u motcua.Unit, p motcua.Procedure, d motcua.Dossier, approvedAt time.Time, s Signer) (Place, error) {
	f, _, at := resultBody(u, p, d, approvedAt, s)
	return at, f.Error()
}

// resultBody lays out the result down to the leader's signature block: the
// document so far, where the block began (mm from the top), and the
// signing place.
func resultBody(u motcua.Unit, p motcua.Procedure, d motcua.Dossier, approvedAt time.Time, s Signer) (*fpdf.Fpdf, float64, Place) {
	dated := approvedAt
	if !s.At.IsZero() {
		dated = s.At
	}
	f := newPDF(dated, p.ResultTitle+" "+d.ID)
	header(f, u)
	f.SetFont(family, "I", 13)
	f.CellFormat(0, 7, dateLine(u.Place, dated), "", 1, "R", false, 0, "")
	f.Ln(4)
	title(f, p.ResultTitle, "Số hồ sơ: "+d.ID)
	para(f, "Căn cứ hồ sơ đề nghị "+lowerFirst(p.Name)+" tiếp nhận ngày "+
		d.ReceivedAt.In(motcua.Vietnam).Format("02/01/2006")+";")
	para(f, "Xét đề nghị của công chức chuyên môn,")
	f.Ln(2)
	f.SetFont(family, "B", 13)
	f.CellFormat(0, 7, strings.ToUpper(u.Name)+" XÁC NHẬN / QUYẾT ĐỊNH:", "", 1, "C", false, 0, "")
	f.Ln(2)
	labelValue(f, "Người yêu cầu", d.Applicant.FullName)
	labelValue(f, "Thủ tục hành chính", p.Name+" (mã "+p.Code+")")
	for _, fld := range p.Fields {
		if v := d.Fields[fld.Name]; v != "" {
			labelValue(f, fld.Label, fieldValue(fld, v))
		}
	}
	for _, k := range extraFields(p, d.Fields) {
		labelValue(f, k, d.Fields[k])
	}
	if p.ResultWording != "" {
		para(f, p.ResultWording)
	}
	labelValue(f, "Kết quả giải quyết", "Chấp thuận yêu cầu của người nộp hồ sơ")
	f.Ln(10)
	top := f.GetY()
	return f, top, leaderBlock(f, u, p, s)
}

// leaderBlock is the leader's signature block, "TM. <unit>" and the title,
// with room for the visible signature and the name ("chờ ký số" before);
// it returns the signing place, the room between title and name.
func leaderBlock(f *fpdf.Fpdf, u motcua.Unit, p motcua.Procedure, s Signer) Place {
	role := s.Role
	if role == "" {
		role = p.SignerRole
	}
	name := s.Name
	if name == "" {
		name = "(chờ ký số)"
	}
	x := 105.0
	f.SetX(x)
	f.SetFont(family, "B", 13)
	f.MultiCell(90, 7, "TM. "+strings.ToUpper(u.Name), "", "C", false)
	for _, line := range strings.Split(role.SignatureTitle(), " / ") {
		f.SetX(x)
		f.MultiCell(90, 7, line, "", "C", false)
	}
	if f.GetY()+22+7 > 297-20 { // keep the room and the name on one page
		f.AddPage()
	}
	at := pagePlace(f, x+10, f.GetY()+1, 70, 20)
	f.Ln(22) // room for the visible signature
	f.SetX(x)
	f.MultiCell(90, 7, name, "", "C", false)
	return at
}

// Apology renders form 04, "Phiếu xin lỗi và hẹn lại ngày trả kết quả"
// (Thông tư 01/2018/TT-VPCP): the office apologizes for a dossier that will
// be late, says why, and promises a new date; the leader signs it.
func Apology(u motcua.Unit, p motcua.Procedure, d motcua.Dossier, a motcua.Apology, s Signer) (Paper, error) {
	dated := a.DraftedAt
	if !s.At.IsZero() {
		dated = s.At
	}
	f := newPDF(dated, "Phiếu xin lỗi và hẹn lại ngày trả kết quả "+d.ID)
	header(f, u)
	f.SetFont(family, "I", 13)
	f.CellFormat(0, 7, dateLine(u.Place, dated), "", 1, "R", false, 0, "")
	f.Ln(4)
	title(f, "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", "Mã hồ sơ: "+d.ID)
	para(f, "Ngày "+d.ReceivedAt.In(motcua.Vietnam).Format("02/01/2006")+", "+u.Name+" tiếp nhận giải quyết hồ sơ của Ông/Bà "+
		d.Applicant.FullName+".")
	labelValue(f, "Nội dung yêu cầu giải quyết", p.Name+" (mã "+p.Code+")")
	labelValue(f, "Thời gian hẹn trả kết quả giải quyết hồ sơ", clock(a.PromisedAt))
	para(f, "Tuy nhiên đến nay, "+u.Name+" chưa trả kết quả giải quyết hồ sơ cho Ông/Bà. Lý do: "+a.Reason+".")
	para(f, "Sự chậm trễ này đã gây phiền hà cho Ông/Bà. "+u.Name+" xin lỗi Ông/Bà và sẽ trả kết quả giải quyết hồ sơ cho Ông/Bà vào "+
		clock(a.NewDueAt)+".")
	para(f, "Xin trân trọng cảm ơn Ông/Bà./.")
	f.Ln(10)
	at := leaderBlock(f, u, p, s)
	b, err := bytesOf(f)
	return Paper{PDF: b, SignAt: at}, err
}

func signatureBlocks(f *fpdf.Fpdf, leftTitle, leftName, rightTitle, rightName string) {
	y := f.GetY()
	f.SetFont(family, "B", 13)
	f.SetXY(20, y)
	f.MultiCell(80, 7, leftTitle, "", "C", false)
	f.SetXY(105, y)
	f.MultiCell(90, 7, rightTitle, "", "C", false)
	f.SetFont(family, "I", 12)
	f.SetXY(20, y+7)
	f.MultiCell(80, 7, "(Ký và ghi rõ họ tên)", "", "C", false)
	f.SetXY(105, y+7)
	f.MultiCell(90, 7, "(Ký và ghi rõ họ tên)", "", "C", false)
	f.SetFont(family, "", 13)
	f.SetXY(20, y+35)
	f.MultiCell(80, 7, leftName, "", "C", false)
	f.SetXY(105, y+35)
	f.MultiCell(90, 7, rightName, "", "C", false)
}

// lowerFirst lowers the first letter of s, whole: "Đăng ký" gives "đăng
// ký" (a byte-wise lowering would split the UTF-8 of "Đ").
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// fieldValue is a form value as documents print it: dates as dd/mm/yyyy.
func fieldValue(fld motcua.Field, v string) string {
	if fld.Type == motcua.FieldDate {
		if t, err := time.Parse(time.DateOnly, strings.TrimSpace(v)); err == nil {
			return t.Format("02/01/2006")
		}
	}
	return v
}

func documentName(p motcua.Procedure, code string) string {
	if d, ok := p.Document(code); ok {
		return d.Name
	}
	return code
}

// extraFields are fields not in the procedure's form, sorted for
// deterministic output.
func extraFields(p motcua.Procedure, fields map[string]string) []string {
	var out []string
	for k := range fields {
		known := false
		for _, f := range p.Fields {
			known = known || f.Name == k
		}
		if !known {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// dong writes an amount the Vietnamese way: 16.000 đồng.
func dong(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "." + s[i:]
	}
	return s + " đồng"
}
