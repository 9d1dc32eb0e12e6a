package motcua_test

import (
	"strings"
	"testing"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/catalog"
)

func validRequest() motcua.Application {
	return motcua.Application{
		ProcedureCode: "2.000815", Channel: motcua.ChannelPostal,
		Applicant: motcua.Applicant{FullName: "Đặng Thu Thảo", IDNumber: "001300000001", Phone: "+84912345678", Email: "thao@example.vn"},
		Fields:    map[string]string{"document_title": "Học bạ", "copies": "3"},
		Documents: []motcua.Document{{Code: "BAN_CHINH", Name: "hocba.pdf", ContentType: "application/pdf", Content: []byte("%PDF-1.4 form")}},
	}
}

func TestValidateIntake(t *testing.T) {
	p, err := motcua.ValidateIntake(catalog.Default(), validRequest())
	if err != nil || p.Code != "2.000815" {
		t.Fatalf("valid request: %v %v", err, p.Code)
	}
	cases := map[string]struct {
		change func(*motcua.Application)
		code   string
		field  string
	}{
		"id of 11 digits":  {func(r *motcua.Application) { r.Applicant.IDNumber = "00130000000" }, motcua.CodeInvalidRequest, "applicant.id_number"},
		"id with letters":  {func(r *motcua.Application) { r.Applicant.IDNumber = "00130000000A" }, motcua.CodeInvalidRequest, "applicant.id_number"},
		"no name":          {func(r *motcua.Application) { r.Applicant.FullName = " " }, motcua.CodeInvalidRequest, "applicant.full_name"},
		"bad phone":        {func(r *motcua.Application) { r.Applicant.Phone = "12" }, motcua.CodeInvalidRequest, "applicant.phone"},
		"bad channel":      {func(r *motcua.Application) { r.Channel = "" }, motcua.CodeInvalidRequest, "channel"},
		"not a number":     {func(r *motcua.Application) { r.Fields["copies"] = "ba" }, motcua.CodeInvalidRequest, "fields.copies"},
		"unknown field":    {func(r *motcua.Application) { r.Fields["colour"] = "red" }, motcua.CodeInvalidRequest, "fields.colour"},
		"missing document": {func(r *motcua.Application) { r.Documents = nil }, motcua.CodeInvalidRequest, "documents.BAN_CHINH"},
		"foreign document": {func(r *motcua.Application) { r.Documents[0].Code = "GCS" }, motcua.CodeInvalidRequest, "documents[0].code"},
		"word file":        {func(r *motcua.Application) { r.Documents[0].ContentType = "application/msword" }, motcua.CodeInvalidRequest, "documents[0].content_type"},
		"empty document":   {func(r *motcua.Application) { r.Documents[0].Content = nil }, motcua.CodeInvalidRequest, "documents[0].content_base64"},
		"text as a PDF": {func(r *motcua.Application) {
			r.Documents[0].Content = []byte("hello, not a PDF")
		}, motcua.CodeInvalidRequest, "documents[0].content_base64"},
		"PDF as a JPEG": {func(r *motcua.Application) { r.Documents[0].ContentType = "image/jpeg" }, motcua.CodeInvalidRequest, "documents[0].content_base64"},
		"JPEG as a PNG": {func(r *motcua.Application) {
			r.Documents[0].ContentType = "image/png"
			r.Documents[0].Content = []byte("\xFF\xD8\xFF\xE0 jpeg")
		}, motcua.CodeInvalidRequest, "documents[0].content_base64"},
		"unknown procedure": {func(r *motcua.Application) { r.ProcedureCode = "0.000000" }, motcua.CodeUnknownProcedure, "procedure_code"},
		"no procedure":      {func(r *motcua.Application) { r.ProcedureCode = "" }, motcua.CodeInvalidRequest, "procedure_code"},
	}
	for name, c := range cases {
		r := validRequest()
		c.change(&r)
		_, err := motcua.ValidateIntake(catalog.Default(), r)
		e, ok := err.(*motcua.Error)
		if !ok || e.Code != c.code || e.Fields[c.field] == "" {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Documents whose bytes are what their type says pass.
func TestValidateAcceptsEachTypeByItsContent(t *testing.T) {
	for ct, b := range map[string][]byte{
		"application/pdf": []byte("%PDF-1.7\n%%EOF\n"),
		"image/jpeg":      {0xFF, 0xD8, 0xFF, 0xDB, 0, 0x43},
		"image/png":       []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
	} {
		r := validRequest()
		r.Documents[0].ContentType, r.Documents[0].Content = ct, b
		if _, err := motcua.ValidateIntake(catalog.Default(), r); err != nil {
			t.Errorf("%s: %v", ct, err)
		}
	}
}

func TestValidateReviewAndSign(t *testing.T) {
	p, _ := catalog.Default().Lookup("1.001193")
	ok := []motcua.Review{
		{Decision: motcua.DecisionApprove},
		{Decision: motcua.DecisionReject, Comment: "Sai thẩm quyền"},
		{Decision: motcua.DecisionRequestSupplement, Comment: "Thiếu", MissingDocuments: []string{"GCS"}},
	}
	for _, r := range ok {
		if err := motcua.ValidateReview(p, r); err != nil {
			t.Errorf("%+v: %v", r, err)
		}
	}
	bad := []motcua.Review{
		{Decision: "approve "},
		{Decision: motcua.DecisionReject},
		{Decision: motcua.DecisionRequestSupplement, Comment: "Thiếu"},
		{Decision: motcua.DecisionRequestSupplement, Comment: "Thiếu", MissingDocuments: []string{"XYZ"}},
		{Decision: motcua.DecisionApprove, MissingDocuments: []string{"GCS"}},
	}
	for _, r := range bad {
		if err := motcua.ValidateReview(p, r); motcua.ErrorCode(err) != motcua.CodeInvalidRequest {
			t.Errorf("%+v accepted: %v", r, err)
		}
	}
	if err := motcua.ValidateSignDecision(motcua.SignDecision{Decision: motcua.DecisionReturn}); err == nil {
		t.Error("a return without a comment was accepted")
	}
}

func TestPortalCodesAndMasks(t *testing.T) {
	want := map[motcua.Status]int{
		motcua.StatusReceived: 1, motcua.StatusInReview: 4, motcua.StatusSupplementRequested: 5,
		motcua.StatusAwaitingSignature: 4, motcua.StatusAwaitingIssue: 4, motcua.StatusSigned: 4, motcua.StatusCompleted: 9,
		motcua.StatusRejected: 3, motcua.StatusWithdrawn: 7, motcua.StatusStopped: 8,
		motcua.StatusAwaitingPayment: 1, motcua.StatusInConsultation: 4, motcua.StatusReturned: 10,
	}
	for _, s := range motcua.Statuses {
		if s.Vietnamese() == "" {
			t.Errorf("%s has no Vietnamese name", s)
		}
		if s.PortalCode() != want[s] {
			t.Errorf("%s: portal code %d, want %d", s, s.PortalCode(), want[s])
		}
	}
	if got := motcua.MaskID("001203004567"); got != "*********567" {
		t.Errorf("mask %q", got)
	}
	if got := motcua.RoleViceChairman.SignatureTitle(); got != "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH" {
		t.Errorf("vice title %q", got)
	}
}

// Text that reaches official documents and the audit trail is clean: no
// control characters (line breaks only in comments), no bidirectional
// overrides or zero-width characters, bounded lengths; each refusal names
// its field.
func TestInputsThatWouldForgeDocumentsOrTheTrail(t *testing.T) {
	long := strings.Repeat("ạ", motcua.MaxFieldRunes+1)
	cases := map[string]struct {
		change func(*motcua.Application)
		field  string
	}{
		"newline in a name":      {func(r *motcua.Application) { r.Applicant.FullName = "Đặng Thu Thảo\nKT. CHỦ TỊCH" }, "applicant.full_name"},
		"right-to-left override": {func(r *motcua.Application) { r.Applicant.FullName = "Đặng \u202eoảhT" }, "applicant.full_name"},
		"NUL in an address":      {func(r *motcua.Application) { r.Applicant.Address = "Thôn 3\x00" }, "applicant.address"},
		"CR in a field":          {func(r *motcua.Application) { r.Fields["document_title"] = "Học bạ\r\nKết quả: từ chối" }, "fields.document_title"},
		"isolate in a field":     {func(r *motcua.Application) { r.Fields["document_title"] = "Học \u2066bạ" }, "fields.document_title"},
		"a field too long":       {func(r *motcua.Application) { r.Fields["document_title"] = long }, "fields.document_title"},
		"tab in a document name": {func(r *motcua.Application) { r.Documents[0].Name = "a\tb.pdf" }, "documents[0].name"},
		"too many documents": {func(r *motcua.Application) {
			for range motcua.MaxDocuments {
				r.Documents = append(r.Documents, r.Documents[0])
			}
		}, "documents"},
		"invalid UTF-8":               {func(r *motcua.Application) { r.Applicant.FullName = "Th\xffo" }, "applicant.full_name"},
		"zero-width space in a name":  {func(r *motcua.Application) { r.Applicant.FullName = "Đặng Thu\u200b Thảo" }, "applicant.full_name"},
		"zero-width joiner in a name": {func(r *motcua.Application) { r.Applicant.FullName = "Đặng\u200d Thu Thảo" }, "applicant.full_name"},
		"byte-order mark in a name":   {func(r *motcua.Application) { r.Applicant.FullName = "\ufeffĐặng Thu Thảo" }, "applicant.full_name"},
		"soft hyphen in a field":      {func(r *motcua.Application) { r.Fields["document_title"] = "Học\u00adbạ" }, "fields.document_title"},
		"word joiner in a document":   {func(r *motcua.Application) { r.Documents[0].Name = "a\u2060.pdf" }, "documents[0].name"},
	}
	for name, c := range cases {
		r := validRequest()
		c.change(&r)
		_, err := motcua.ValidateIntake(catalog.Default(), r)
		e, ok := err.(*motcua.Error)
		if !ok || e.Code != motcua.CodeInvalidRequest || e.Fields[c.field] == "" {
			t.Errorf("%s: %v, want invalid_request naming %s", name, err, c.field)
		}
	}
	p, _ := catalog.Default().Lookup("1.001193")
	multi := "Thiếu giấy chứng sinh.\nĐề nghị bổ sung bản chính."
	if err := motcua.ValidateReview(p, motcua.Review{Decision: motcua.DecisionReject, Comment: multi}); err != nil {
		t.Errorf("a comment of two lines: %v", err)
	}
	for _, c := range []string{"x\u202e", "x\x1b[31m", "x\u200by", strings.Repeat("x", motcua.MaxCommentBytes+1)} {
		if err := motcua.ValidateReview(p, motcua.Review{Decision: motcua.DecisionReject, Comment: c}); err == nil {
			t.Errorf("review comment %q accepted", c[:min(len(c), 12)])
		}
		if err := motcua.ValidateWithdrawal(motcua.Withdrawal{Comment: c}); err == nil {
			t.Errorf("withdrawal comment %q accepted", c[:min(len(c), 12)])
		}
	}
	if got := motcua.OneLine("a\nb\r\x00c"); strings.ContainsAny(got, "\n\r\x00") || !strings.Contains(got, `a\u000ab`) {
		t.Errorf("OneLine = %q", got)
	}
}
