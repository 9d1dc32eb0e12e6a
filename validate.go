package motcua

import (
	"bytes"
	"fmt"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxDocumentBytes is the largest single document accepted.
const MaxDocumentBytes = 10 << 20

// Bounds on what reaches the workflow history and official documents, far
// below Temporal's 2 MB a payload: nothing accepted can later be stuck for
// being too large.
const (
	MaxFieldRunes   = 500  // a form field's value
	MaxCommentBytes = 2000 // a decision's or a withdrawal's comment
	MaxDocuments    = 20   // documents in one intake or supplement
)

// TextProblem says what keeps s from official documents and the audit
// trail: invalid UTF-8, a control character (line breaks only where
// multiline), a bidirectional control that could make text read other
// than it is stored (U+202E and its kin), or another invisible formatting
// character (zero-width spaces and joiners, the byte-order mark, the soft
// hyphen: two names that look alike would be stored apart, and a search
// for the one would miss the other). It is "" for clean text.
func TextProblem(s string, multiline bool) string {
	if !utf8.ValidString(s) {
		return "not valid UTF-8"
	}
	for _, r := range s {
		switch {
		case multiline && (r == '\n' || r == '\r'):
		case unicode.IsControl(r):
			return fmt.Sprintf("control character U+%04X is not allowed", r)
		case unicode.Is(unicode.Bidi_Control, r):
			return fmt.Sprintf("bidirectional control U+%04X is not allowed", r)
		case unicode.Is(unicode.Cf, r):
			return fmt.Sprintf("invisible formatting character U+%04X is not allowed", r)
		}
	}
	return ""
}

// checkText records in bad why the text at path cannot be taken, if it
// cannot.
func checkText(bad map[string]string, path, s string, multiline bool) {
	if why := TextProblem(s, multiline); why != "" {
		bad[path] = why
	}
}

// checkComment bounds a comment and keeps it clean; line breaks are fine.
func checkComment(bad map[string]string, c string) {
	checkText(bad, "comment", c, true)
	if len(c) > MaxCommentBytes {
		bad["comment"] = fmt.Sprintf("at most %d bytes", MaxCommentBytes)
	}
}

// OneLine escapes the line breaks and other control characters of s, for
// output that is read line by line (the audit timeline, documents): no
// input can forge a line of its own.
func OneLine(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			fmt.Fprintf(&b, "\\u%04x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

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
	checkText(bad, "external_id", r.ExternalID, false)
	if r.Channel.PortalCode() == 0 {
		bad["channel"] = "must be counter, online or postal"
	}
	validateApplicant(r.Applicant, bad)
	for _, f := range p.Fields {
		v, given := r.Fields[f.Name]
		v = strings.TrimSpace(v)
		path := "fields." + f.Name
		switch {
		case TextProblem(v, false) != "":
			bad[path] = TextProblem(v, false)
		case utf8.RuneCountInString(v) > MaxFieldRunes:
			bad[path] = fmt.Sprintf("at most %d characters", MaxFieldRunes)
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
	if len(docs) > MaxDocuments {
		bad["documents"] = fmt.Sprintf("at most %d documents", MaxDocuments)
		return given
	}
	for i, d := range docs {
		path := "documents[" + strconv.Itoa(i) + "]"
		if _, ok := p.Document(d.Code); !ok {
			bad[path+".code"] = "not a document of procedure " + p.Code
		}
		if strings.TrimSpace(d.Name) == "" || len(d.Name) > 255 {
			bad[path+".name"] = "required, at most 255 bytes"
		}
		checkText(bad, path+".name", d.Name, false)
		if !Accepted(d.ContentType) {
			bad[path+".content_type"] = "must be one of " + strings.Join(AcceptedContentTypes, ", ")
		}
		switch b := d.Content; {
		case len(b) == 0:
			bad[path+".content_base64"] = "empty"
		case len(b) > MaxDocumentBytes:
			bad[path+".content_base64"] = "larger than 10 MiB"
		case Accepted(d.ContentType) && !isContentType(b, d.ContentType):
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
	checkText(bad, "applicant.full_name", a.FullName, false)
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
	checkText(bad, "applicant.address", a.Address, false)
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
		if len(r.MissingDocuments) == 0 || len(r.MissingDocuments) > len(p.RequiredDocuments) {
			bad["missing_documents"] = "name one or more of the procedure's document codes"
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
	checkComment(bad, r.Comment)
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
		switch tx := d.Transaction; {
		case tx == nil:
			if (d.SigningRequestID == "") != (len(d.Signature) == 0) {
				bad["signature_base64"] = "a remote signature needs both signing_request_id and signature_base64"
			}
		case d.SigningRequestID == "" || len(d.Signature) > 0:
			bad["transaction"] = "a remote-signing transaction brings the signature of a signing request: signing_request_id and no signature"
		case tx.ID == "" || len(tx.ID) > 200 || tx.ExpiresAt.IsZero() || tx.Outcome != "" || tx.Message != "":
			bad["transaction"] = "a transaction needs its id (at most 200 characters) and expiry, and no outcome yet"
		}
	case DecisionReturn:
		if strings.TrimSpace(d.Comment) == "" {
			bad["comment"] = "required to return a dossier to review"
		}
	default:
		bad["decision"] = "must be sign or return"
	}
	checkComment(bad, d.Comment)
	if len(bad) > 0 {
		return &Error{Code: CodeInvalidRequest, Message: "the decision has invalid fields", Fields: bad}
	}
	return nil
}

// ValidateWithdrawal checks the citizen's withdrawal as entered.
func ValidateWithdrawal(w Withdrawal) error {
	bad := map[string]string{}
	checkComment(bad, w.Comment)
	if len(bad) > 0 {
		return &Error{Code: CodeInvalidRequest, Message: "the withdrawal has invalid fields", Fields: bad}
	}
	return nil
}

// ValidateArchiveRetry checks an operator's archive retry: it says what
// was done.
func ValidateArchiveRetry(r ArchiveRetry) error {
	bad := map[string]string{}
	checkComment(bad, r.Comment)
	if strings.TrimSpace(r.Comment) == "" {
		bad["comment"] = "required: what was done to the archive"
	}
	if len(bad) > 0 {
		return &Error{Code: CodeInvalidRequest, Message: "the archive retry has invalid fields", Fields: bad}
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

// Accepted reports whether ct is one of AcceptedContentTypes.
func Accepted(ct string) bool {
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

// ValidIDNumber reports whether s is a citizen ID number: 12 digits.
func ValidIDNumber(s string) bool { return idNumber.MatchString(s) }

// ValidatePayment checks a payment confirmation against the fee the
// dossier owes (fee, in đồng).
func ValidatePayment(p Payment, fee int64) error {
	bad := map[string]string{}
	checkShortText(bad, "transaction_id", p.TransactionID, true)
	switch {
	case p.AmountVND <= 0:
		bad["amount_vnd"] = "required, a positive number of đồng"
	case fee > 0 && p.AmountVND != fee:
		bad["amount_vnd"] = fmt.Sprintf("the dossier's fee is %d đồng", fee)
	}
	if p.Method != PaymentOnline && p.Method != PaymentCounter {
		bad["method"] = "must be online or counter"
	}
	if p.PaidAt.IsZero() {
		bad["paid_at"] = "required, RFC 3339"
	}
	if len(bad) > 0 {
		return &Error{Code: CodeInvalidRequest, Message: "the payment has invalid fields", Fields: bad}
	}
	return nil
}

// ValidateConsultationAnswer checks another agency's answer: agreed, or
// refused with a reason.
func ValidateConsultationAnswer(a ConsultationAnswer) error {
	bad := map[string]string{}
	checkComment(bad, a.Comment)
	switch {
	case a.Outcome != ConsultationAgreed && a.Outcome != ConsultationRefused:
		bad["outcome"] = "must be agreed or refused"
	case a.Outcome == ConsultationRefused && strings.TrimSpace(a.Comment) == "":
		bad["comment"] = "a refusal gives its reason"
	}
	if len(bad) > 0 {
		return &Error{Code: CodeInvalidRequest, Message: "the answer has invalid fields", Fields: bad}
	}
	return nil
}

// ValidateHandBack checks a hand-back: how, and who received the result.
func ValidateHandBack(h HandBack) error {
	bad := map[string]string{}
	checkComment(bad, h.Comment)
	checkShortText(bad, "received_by", h.ReceivedBy, true)
	switch h.Method {
	case HandBackCounter:
		if h.PostalTracking != "" {
			bad["postal_tracking"] = "only for a hand-back by post"
		}
	case HandBackPost:
		checkShortText(bad, "postal_tracking", h.PostalTracking, true)
	default:
		bad["method"] = "must be counter or post"
	}
	if len(bad) > 0 {
		return &Error{Code: CodeInvalidRequest, Message: "the hand-back has invalid fields", Fields: bad}
	}
	return nil
}

// checkShortText checks a one-line value of at most 100 characters.
func checkShortText(bad map[string]string, path, s string, required bool) {
	switch {
	case strings.TrimSpace(s) == "":
		if required {
			bad[path] = "required"
		}
	case utf8.RuneCountInString(s) > 100:
		bad[path] = "at most 100 characters"
	default:
		checkText(bad, path, s, false)
	}
}
