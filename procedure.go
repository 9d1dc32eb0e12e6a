package motcua

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
	Code              string             `json:"code"`
	Name              string             `json:"name"`
	SLAWorkingDays    int                `json:"sla_working_days"`
	SignerRole        Role               `json:"signer_role"`
	Fields            []Field            `json:"fields"`
	RequiredDocuments []RequiredDocument `json:"required_documents"`
	// ResultTitle is the title printed on the signed result document.
	ResultTitle string `json:"result_title"`
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

// DefaultCatalog is the commune-level catalog motcua ships with: common
// procedures of the civil-status and certification fields.
var DefaultCatalog = Catalog{
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
