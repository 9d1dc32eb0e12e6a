package office

import (
	"bytes"
	"context"
	"crypto/subtle"
	"regexp"
	"slices"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/archive"
	"github.com/motcua/motcua/signer"
)

// Lookup is the public lookup of a dossier (Tra cứu hồ sơ): its progress
// when last4 are the last four digits of its applicant's phone or identity
// number; an unknown code and wrong digits are the same not_found.
func (o *Office) Lookup(ctx context.Context, code, last4 string) (motcua.PublicView, error) {
	st, err := o.Dossiers.Lookup(ctx, code, last4)
	if err != nil {
		return motcua.PublicView{}, err
	}
	return motcua.PublicViewOf(st, o.procedureOf(st.ProcedureCode), st.Applicant.FullName), nil
}

// procedureOf is the procedure of code as the catalog names it today, or as
// the first catalog did for a procedure no longer offered.
func (o *Office) procedureOf(code string) motcua.Procedure {
	if p, ok := o.Catalog.Lookup(code); ok {
		return p
	}
	p, _ := motcua.FirstCatalog.Lookup(code)
	return p
}

// MaxCheckedFile bounds a file handed to the public check.
const MaxCheckedFile = 20 << 20

// Check is the public check of a paper (Kiểm tra văn bản): whether its
// signatures hold against the office's roots, who signed for which office,
// the register number, and how the file stands against the archive. A
// file that is not a PDF is an invalid_request.
func (o *Office) Check(ctx context.Context, file []byte) (motcua.PublicCheck, error) {
	if !bytes.HasPrefix(bytes.TrimLeft(file[:min(len(file), 1024)], "\x00\t\r\n "), []byte("%PDF-")) {
		return motcua.PublicCheck{}, &motcua.Error{Code: motcua.CodeInvalidRequest, Message: "the body is not a PDF file",
			Fields: map[string]string{"body": "a PDF file (application/pdf)"}}
	}
	rep, err := signer.Verify(file, o.Roots)
	c := motcua.PublicCheck{SHA256: archive.Sum(file), Signatures: []motcua.PublicSignature{}, Archive: motcua.ArchiveUnknown}
	if err != nil {
		c.Verdict = "Không đọc được chữ ký số trong tệp: tệp hỏng hoặc không phải văn bản điện tử có ký số."
		c.ArchiveText = motcua.ArchiveText(c.Archive)
		return c, nil
	}
	for _, s := range rep.Signatures {
		ps := motcua.PublicSignature{Name: s.Name, Holder: s.Holder, SignedAt: s.SigningTime, Valid: s.Valid, Trusted: s.Trusted, PAdESLevel: s.PAdESLevel}
		if ps.Name == "" {
			ps.Name = s.SignerCN
		}
		if s.Timestamp != nil {
			ps.SignedAt = *s.Timestamp
		}
		switch {
		case s.Type != "signature":
			ps.Holder, ps.Description = "timestamp", "Dấu thời gian lưu trữ"
		case s.Holder == signer.HolderOrganisation:
			ps.Description = "Chữ ký số của cơ quan, tổ chức"
			c.Office = ps.Name
			if label, ok := motcua.ParseIssueReason(s.Reason); ok {
				c.Register = label
			}
		default:
			ps.Description = "Chữ ký số của người có thẩm quyền"
		}
		if c.DossierID == "" {
			c.DossierID = dossierNamed(s.Reason)
		}
		c.Signatures = append(c.Signatures, ps)
	}
	c.Issued = rep.Issued()
	c.Valid = rep.Err() == nil
	c.Verdict = verdict(rep, c)
	if c.DossierID != "" {
		if rec, versions, err := o.Store.Current(c.DossierID); err == nil {
			c.ProcedureName = o.procedureOf(rec.ProcedureCode).Name
			c.Archive = o.standing(versions, file)
		}
	}
	c.ArchiveText = motcua.ArchiveText(c.Archive)
	return c, nil
}

// CheckIssued is the public check of dossier code's issued result as the
// archive holds it today, opened from the result's QR code with the
// dossier's check key; a wrong key is the same not_found as an unknown
// code.
func (o *Office) CheckIssued(ctx context.Context, code, key string) (motcua.PublicCheck, error) {
	unknown := motcua.Errorf(motcua.CodeNotFound, "no issued result with this code and key")
	st, err := o.Dossiers.State(ctx, code)
	if err != nil || st.CheckKey == "" || subtle.ConstantTimeCompare([]byte(st.CheckKey), []byte(key)) != 1 {
		if err != nil && motcua.ErrorCode(err) != motcua.CodeNotFound {
			return motcua.PublicCheck{}, err
		}
		return motcua.PublicCheck{}, unknown
	}
	if st.Result == nil || st.Result.ArchiveID == "" {
		return motcua.PublicCheck{}, unknown
	}
	_, versions, err := o.Store.Current(code)
	if err != nil || len(versions) == 0 {
		return motcua.PublicCheck{}, unknown
	}
	b, err := o.Store.Get(versions[len(versions)-1])
	if err != nil {
		return motcua.PublicCheck{}, err
	}
	return o.Check(ctx, b)
}

// standing is how file stands against the archived versions of a
// dossier's result, oldest first (motcua.ArchiveOriginal and the others).
func (o *Office) standing(versions []string, file []byte) string {
	if len(versions) == 0 {
		return motcua.ArchiveUnknown
	}
	sum := archive.Sum(file)
	switch i := slices.Index(versions, sum); {
	case i == len(versions)-1 && i > 0:
		return motcua.ArchiveLatest
	case i == 0:
		return motcua.ArchiveOriginal
	case i > 0:
		return motcua.ArchiveEarlierRenewal
	}
	// The leader's signed file, before the office's signature: the
	// archived file begins with it.
	if first, err := o.Store.Get(versions[0]); err == nil && len(file) < len(first) && bytes.HasPrefix(first, file) {
		return motcua.ArchiveNotIssued
	}
	return motcua.ArchiveUnknown
}

// dossierReason finds the dossier code in a signature's reason ("… hồ sơ
// 000.00.01.H22-261203-0001 …"), as motcua's signatures write it.
var dossierReason = regexp.MustCompile(`hồ sơ (\S+?)(?:[ ,)]|$)`)

func dossierNamed(reason string) string {
	m := dossierReason.FindStringSubmatch(reason)
	if m == nil || !motcua.ValidDossierID(m[1]) {
		return ""
	}
	return m[1]
}

// verdict says in words what the check found.
func verdict(rep *signer.Report, c motcua.PublicCheck) string {
	switch {
	case len(rep.Signatures) == 0:
		return "Tệp không có chữ ký số."
	case c.Valid && c.Issued:
		return "Văn bản hợp lệ: chữ ký số của người có thẩm quyền và của cơ quan đều đúng, văn bản không bị sửa đổi sau khi ký."
	case c.Valid:
		return "Chữ ký số hợp lệ nhưng văn bản chưa được phát hành: chưa có chữ ký số của cơ quan, tổ chức."
	}
	for _, s := range rep.Signatures {
		if !s.Valid {
			return "Văn bản KHÔNG hợp lệ: nội dung đã bị sửa đổi sau khi ký, chữ ký số không còn khớp."
		}
	}
	for _, s := range rep.Signatures {
		if !s.Trusted {
			return "Văn bản KHÔNG hợp lệ: chứng thư số của người ký không do tổ chức được tin cậy cấp, hoặc đã hết hiệu lực khi ký."
		}
	}
	return "Văn bản KHÔNG hợp lệ: có nội dung được thêm vào sau chữ ký cuối cùng."
}
