package motcua

import (
	"bytes"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxDocumentBytes is the largest single document accepted.
const MaxDocumentBytes = 10 << 20

// AcceptedContentTypes are the document formats the office keeps.
var AcceptedContentTypes = []string{"application/pdf", "image/jpeg", "image/png"}

var phoneNumber = regexp.MustCompile(`^\+?[0-9]{9,12}$`)

// ValidateIntake checks an application against the catalog. It returns the
// procedure, or an *Error naming every field at fault (by the API's field
// paths).
func ValidateIntake(c Catalog, r Application) (Procedure, error) {
	bad := map[string]string{}
	if r.ProcedureCode == "" {
		bad["procedure_code"] = "required"
		return Procedure{}, &Error{Code: CodeInvalidRequest, Message: "the request has invalid fields", Fields: bad}
	}
	p, ok := c.Lookup(r.ProcedureCode)
	if !ok {
		return Procedure{}, &Error{Code: CodeUnknownProcedure,
			Message: "no procedure with code " + strconv.Quote(r.ProcedureCode),
			Fields:  map[string]string{"procedure_code": "unknown"}}
	}
	if len(r.ExternalID) > 100 {
		bad["external_id"] = "at most 100 characters"
	}
	if r.Channel.PortalCode() == 0 {
		bad["channel"] = "must be counter, online or postal"
	}
	validateApplicant(r.Applicant, bad)
	for _, f := range p.Fields {
		v, given := r.Fields[f.Name]
		v = strings.TrimSpace(v)
		path := "fields." + f.Name
		switch {
		case !given || v == "":
			if f.Required {
				bad[path] = "required"
			}
		case f.Type == FieldDate:
			if _, err := time.Parse(time.DateOnly, v); err != nil {
				bad[path] = "must be a date, YYYY-MM-DD"
			}
		case f.Type == FieldNumber:
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				bad[path] = "must be a number"
			}
		}
	}
	for name := range r.Fields {
		if !hasField(p, name) {
			bad["fields."+name] = "not a field of procedure " + p.Code
		}
	}
	given := validateDocuments(p, r.Documents, bad)
	for _, d := range p.RequiredDocuments {
		if !given[d.Code] {
			bad["documents."+d.Code] = "required: " + d.Name
		}
	}
	if len(bad) > 0 {
		return p, &Error{Code: CodeInvalidRequest, Message: "the request has invalid fields", Fields: bad}
	}
	return p, nil
}

// ValidateDocuments checks documents handed in later (a supplement)
// against a procedure: each has a known code, a name, and content within
// size of an accepted type.
func ValidateDocuments(p Procedure, docs []Document) error {
	bad := map[string]string{}
	if len(docs) == 0 {
		bad["documents"] = "at least one document is required"
	}
	validateDocuments(p, docs, bad)
	if len(bad) > 0 {
		return &Error{Code: CodeInvalidRequest, Message: "the request has invalid fields", Fields: bad}
	}
	return nil
}

// validateDocuments records what is wrong with each document in bad and
// returns the codes handed in.
func validateDocuments(p Procedure, docs []Document, bad map[string]string) map[string]bool {
	given := map[string]bool{}
	for i, d := range docs {
		path := "documents[" + strconv.Itoa(i) + "]"
		if _, ok := p.Document(d.Code); !ok {
			bad[path+".code"] = "not a document of procedure " + p.Code
		}
		if strings.TrimSpace(d.Name) == "" || len(d.Name) > 255 {
			bad[path+".name"] = "required, at most 255 bytes"
		}
		if !accepted(d.ContentType) {
			bad[path+".content_type"] = "must be one of " + strings.Join(AcceptedContentTypes, ", ")
		}
		switch b := d.Content; {
		case len(b) == 0:
			bad[path+".content_base64"] = "empty"
		case len(b) > MaxDocumentBytes:
			bad[path+".content_base64"] = "larger than 10 MiB"
		case accepted(d.ContentType) && !isContentType(b, d.ContentType):
			bad[path+".content_base64"] = "the content is not " + d.ContentType
		}
		given[d.Code] = true
	}
	return given
}

func validateApplicant(a Applicant, bad map[string]string) {
	name := strings.TrimSpace(a.FullName)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		bad["applicant.full_name"] = "required, at most 100 characters"
	}
	if !idNumber.MatchString(a.IDNumber) {
		bad["applicant.id_number"] = "must be 12 digits"
	}
	if a.Phone != "" && !phoneNumber.MatchString(a.Phone) {
		bad["applicant.phone"] = "must be 9 to 12 digits"
	}
	if a.Email != "" {
		if addr, err := mail.ParseAddress(a.Email); err != nil || addr.Address != a.Email {
			bad["applicant.email"] = "not an email address"
		}
	}
	if len(a.Address) > 300 {
		bad["applicant.address"] = "at most 300 bytes"
	}
}

// ValidateReview checks a review decision against the procedure.
func ValidateReview(p Procedure, r Review) error {
	bad := map[string]string{}
	switch r.Decision {
	case DecisionApprove, DecisionReject:
		if len(r.MissingDocuments) > 0 {
			bad["missing_documents"] = "only with request_supplement"
		}
	case DecisionRequestSupplement:
		if len(r.MissingDocuments) == 0 {
			bad["missing_documents"] = "name at least one document code"
		}
		for i, code := range r.MissingDocuments {
			if _, ok := p.Document(code); !ok {
				bad["missing_documents["+strconv.Itoa(i)+"]"] = "not a document of procedure " + p.Code
			}
		}
	default:
		bad["decision"] = "must be approve, reject or request_supplement"
	}
	if r.Decision == DecisionReject || r.Decision == DecisionRequestSupplement {
		if strings.TrimSpace(r.Comment) == "" {
			bad["comment"] = "required to reject or ask for a supplement: the citizen is told why"
		}
	}
	if len(r.Comment) > 2000 {
		bad["comment"] = "at most 2000 bytes"
	}
	if len(bad) > 0 {
		return &Error{Code: CodeInvalidRequest, Message: "the decision has invalid fields", Fields: bad}
	}
	return nil
}

// ValidateSignDecision checks a leader's decision.
func ValidateSignDecision(d SignDecision) error {
	bad := map[string]string{}
	switch d.Decision {
	case DecisionSign:
		if (d.SigningRequestID == "") != (len(d.Signature) == 0) {
			bad["signature_base64"] = "a remote signature needs both signing_request_id and signature_base64"
		}
	case DecisionReturn:
		if strings.TrimSpace(d.Comment) == "" {
			bad["comment"] = "required to return a dossier to review"
		}
	default:
		bad["decision"] = "must be sign or return"
	}
	if len(d.Comment) > 2000 {
		bad["comment"] = "at most 2000 bytes"
	}
	if len(bad) > 0 {
		return &Error{Code: CodeInvalidRequest, Message: "the decision has invalid fields", Fields: bad}
	}
	return nil
}

func hasField(p Procedure, name string) bool {
	for _, f := range p.Fields {
		if f.Name == name {
			return true
		}
	}
	return false
}

func accepted(ct string) bool {
	for _, a := range AcceptedContentTypes {
		if a == ct {
			return true
		}
	}
	return false
}

// isContentType reports whether b starts as a file of the type says: a PDF
// header within its first 1024 bytes (as readers accept it), or the JPEG
// or PNG signature.
func isContentType(b []byte, contentType string) bool {
	switch contentType {
	case "application/pdf":
		return bytes.Contains(b[:min(len(b), 1024)], []byte("%PDF-"))
	case "image/jpeg":
		return bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF})
	case "image/png":
		return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n"))
	}
	return false
}
