package motcua

import (
	"fmt"
	"strconv"
	"strings"
)

// FieldType is the type of a procedure's form field.
type FieldType string

// Field types.
const (
	FieldString FieldType = "string"
	FieldDate   FieldType = "date"
	FieldNumber FieldType = "number"
)

// Field is one entry of a procedure's application form.
type Field struct {
	Name     string    `json:"name"`
	Label    string    `json:"label"`
	Type     FieldType `json:"type"`
	Required bool      `json:"required"`
}

// RequiredDocument is a paper the applicant must hand in.
type RequiredDocument struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Procedure is one administrative procedure of the catalog.
type Procedure struct {
	Code string `json:"code"`
	// CodeConfirmed is false where the code could not be checked against
	// the national database of administrative procedures.
	CodeConfirmed bool   `json:"code_confirmed"`
	Name          string `json:"name"`
	// Version is the version of the catalog the procedure was read from; a
	// dossier keeps the procedure (and its version) it was taken in with.
	Version string `json:"version,omitempty"`
	// SLAWorkingDays is the processing time in working days; same-day
	// procedures give SLAWorkingHours instead (see calendar.DueDate).
	SLAWorkingDays  int `json:"sla_working_days,omitempty"`
	SLAWorkingHours int `json:"sla_working_hours,omitempty"`
	// FeeVND is the fee or charge in đồng; 0 is free, and the dossier does
	// not wait for a payment.
	FeeVND int64 `json:"fee_vnd"`
	// FeePer names a number field the fee is multiplied by (copies).
	FeePer            string             `json:"fee_per,omitempty"`
	FeeNote           string             `json:"fee_note,omitempty"`
	SignerRole        Role               `json:"signer_role"`
	Fields            []Field            `json:"fields"`
	RequiredDocuments []RequiredDocument `json:"required_documents"`
	// ResultTitle is the title printed on the signed result document, and
	// ResultWording the sentence of its body, before the form's fields.
	ResultTitle   string `json:"result_title"`
	ResultWording string `json:"result_wording,omitempty"`
	// Steps are the procedure's steps between intake and hand-back, in
	// order (see StepKinds); none means review then signature.
	Steps []StepKind `json:"steps,omitempty"`
	// Consultation is the agency asked, when Steps has StepConsultation.
	Consultation *Consultation `json:"consultation,omitempty"`
	// LegalBasis names the rules the procedure, its time and fee come from.
	LegalBasis string `json:"legal_basis,omitempty"`
	// Register is the code of the register its results are numbered in
	// (one of the catalog's registers), and RegisterName that register's
	// name, filled in from the catalog; none: issued without a number.
	Register     string `json:"register,omitempty"`
	RegisterName string `json:"register_name,omitempty"`
	// Issue is how a signed result is issued: by the records officer
	// (IssueRecordsOfficer, or empty: the default), or IssueAuto.
	Issue string `json:"issue,omitempty"`
}

// StepKind is one kind of step a procedure is composed of.
type StepKind string

// The step kinds. Intake comes before them and hand-back after them in
// every procedure.
const (
	StepPayment      StepKind = "payment"      // wait for the fee's payment confirmation
	StepReview       StepKind = "review"       // the specialist's review, with supplement rounds
	StepConsultation StepKind = "consultation" // wait for another agency's answer
	StepSignature    StepKind = "signature"    // the leader signs the result
)

// StepKinds lists every step kind.
var StepKinds = []StepKind{StepPayment, StepReview, StepConsultation, StepSignature}

// Consultation is another agency a procedure asks before deciding, and how
// long it has to answer.
type Consultation struct {
	Agency      string `json:"agency"`
	WorkingDays int    `json:"working_days"`
}

// Plan is the procedure's steps: Steps, or review then signature.
func (p Procedure) Plan() []StepKind {
	if len(p.Steps) == 0 {
		return []StepKind{StepReview, StepSignature}
	}
	return p.Steps
}

// Fee is what a dossier with the given form fields pays, in đồng.
func (p Procedure) Fee(fields map[string]string) int64 {
	if p.FeePer == "" {
		return p.FeeVND
	}
	n, err := strconv.ParseInt(strings.TrimSpace(fields[p.FeePer]), 10, 64)
	if err != nil || n < 1 {
		n = 1
	}
	return p.FeeVND * n
}

// Has reports whether the procedure has a step of kind k.
func (p Procedure) Has(k StepKind) bool {
	for _, s := range p.Plan() {
		if s == k {
			return true
		}
	}
	return false
}

// SameDay reports whether the procedure's time is counted in hours.
func (p Procedure) SameDay() bool { return p.SLAWorkingHours > 0 }

// ProcessingTime is the processing time as a receipt prints it.
func (p Procedure) ProcessingTime() string {
	if p.SameDay() {
		return fmt.Sprintf("%d giờ làm việc (trong ngày nếu nộp trước 15 giờ)", p.SLAWorkingHours)
	}
	return fmt.Sprintf("%d ngày làm việc", p.SLAWorkingDays)
}

// Document returns the required document with the given code.
func (p Procedure) Document(code string) (RequiredDocument, bool) {
	for _, d := range p.RequiredDocuments {
		if d.Code == code {
			return d, true
		}
	}
	return RequiredDocument{}, false
}

// Catalog is the set of procedures a unit handles.
type Catalog []Procedure

// Lookup returns the procedure with the given code.
func (c Catalog) Lookup(code string) (Procedure, bool) {
	for _, p := range c {
		if p.Code == code {
			return p, true
		}
	}
	return Procedure{}, false
}

// FirstCatalog is the catalog motcua shipped before procedures were data
// (package catalog). Dossiers taken in before their procedure was recorded
// in their history were taken in with it, and replay with it.
var FirstCatalog = Catalog{
	{
		Code:           "1.001193",
		Name:           "Đăng ký khai sinh",
		SLAWorkingDays: 1,
		SignerRole:     RoleChairman,
		ResultTitle:    "GIẤY KHAI SINH",
		Fields: []Field{
			{Name: "child_name", Label: "Họ, chữ đệm, tên người được khai sinh", Type: FieldString, Required: true},
			{Name: "child_birth_date", Label: "Ngày, tháng, năm sinh", Type: FieldDate, Required: true},
			{Name: "birth_place", Label: "Nơi sinh", Type: FieldString, Required: true},
			{Name: "relationship", Label: "Quan hệ với người được khai sinh", Type: FieldString, Required: true},
		},
		RequiredDocuments: []RequiredDocument{
			{Code: "TK_KS", Name: "Tờ khai đăng ký khai sinh"},
			{Code: "GCS", Name: "Giấy chứng sinh"},
		},
	},
	{
		Code:           "1.004227",
		Name:           "Cấp giấy xác nhận tình trạng hôn nhân",
		SLAWorkingDays: 3,
		SignerRole:     RoleChairman,
		ResultTitle:    "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN",
		Fields: []Field{
			{Name: "purpose", Label: "Mục đích sử dụng", Type: FieldString, Required: true},
			{Name: "marital_status", Label: "Tình trạng hôn nhân", Type: FieldString, Required: true},
		},
		RequiredDocuments: []RequiredDocument{
			{Code: "TK_XNHN", Name: "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân"},
		},
	},
	{
		Code:           "2.000815",
		Name:           "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
		SLAWorkingDays: 2,
		SignerRole:     RoleChairman,
		ResultTitle:    "BẢN SAO CHỨNG THỰC",
		Fields: []Field{
			{Name: "document_title", Label: "Tên giấy tờ cần chứng thực", Type: FieldString, Required: true},
			{Name: "copies", Label: "Số bản sao", Type: FieldNumber, Required: true},
		},
		RequiredDocuments: []RequiredDocument{
			{Code: "BAN_CHINH", Name: "Bản chính giấy tờ, văn bản"},
		},
	},
}
