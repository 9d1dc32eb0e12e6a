package motcua

import (
	"fmt"
	"strings"
	"time"
)

// Issuing a result (Nghị định 30/2020/NĐ-CP về công tác văn thư): after
// the competent person signs, the records officer checks the result, gives
// it the next number of its register (điều 15, "cấp số, thời gian ban
// hành văn bản"; for electronic documents the system gives the number) and
// applies the organisation's digital signature with the office's key
// (điều 33.2 and Phụ lục I: "chữ ký số của cơ quan, tổ chức"). Results of
// civil status and certification are numbered in the commune's register of
// that kind (Luật Hộ tịch 2014, điều 4 and Thông tư 04/2020/TT-BTP, sổ hộ
// tịch; Nghị định 23/2015/NĐ-CP, điều 13, sổ chứng thực).

// The decisions of the records officer.
const (
	DecisionIssue = "issue" // number it and apply the organisation's signature
	// DecisionReturn (shared with the leader's decision) sends it back to
	// the leader, who signs again or returns it to review.
)

// How a procedure's results are issued (Procedure.Issue): IssueAuto issues
// each signed result at once, still with the organisation's signature and
// the register's number, without the records officer's check;
// IssueRecordsOfficer (or nothing) waits for the records officer.
const (
	IssueAuto           = "auto"
	IssueRecordsOfficer = "records_officer"
)

// Issue is the records officer's decision on a signed result.
type Issue struct {
	Decision  string `json:"decision"`
	Comment   string `json:"comment,omitempty"`
	Actor     string `json:"actor,omitempty"`
	ActorName string `json:"actor_name,omitempty"`
	ActorRole Role   `json:"actor_role,omitempty"`
}

// By is the decision made by u.
func (i Issue) By(u User) Issue {
	i.Actor, i.ActorName, i.ActorRole = u.ID, u.Name, u.Role
	return i
}

// MadeBy is the user who made the decision.
func (i Issue) MadeBy() User { return User{ID: i.Actor, Name: i.ActorName, Role: i.ActorRole} }

// ValidateIssue checks the records officer's decision.
func ValidateIssue(i Issue) error {
	bad := map[string]string{}
	switch i.Decision {
	case DecisionIssue:
	case DecisionReturn:
		if strings.TrimSpace(i.Comment) == "" {
			bad["comment"] = "required to return a result to the leader"
		}
	default:
		bad["decision"] = "must be issue or return"
	}
	checkComment(bad, i.Comment)
	if len(bad) > 0 {
		return &Error{Code: CodeInvalidRequest, Message: "the decision has invalid fields", Fields: bad}
	}
	return nil
}

// Register is one of the commune's registers of issued results, named in
// the catalog; several procedures may share one.
type Register struct {
	Code string `json:"code"` // e.g. "KS"
	Name string `json:"name"` // e.g. "Sổ đăng ký khai sinh"
}

// RegisterEntry is one number of a register: numbers run from 1 each year,
// in order, without gaps, and are never reused; a number spoiled after
// issue stays, void, with its reason.
type RegisterEntry struct {
	Register      string     `json:"register"`
	RegisterName  string     `json:"register_name,omitempty"`
	Year          int        `json:"year"`
	Number        int        `json:"number"`
	DossierID     string     `json:"dossier_id"`
	ProcedureCode string     `json:"procedure_code,omitempty"`
	IssuedBy      string     `json:"issued_by"`
	IssuedAt      time.Time  `json:"issued_at"`
	Void          bool       `json:"void,omitempty"`
	VoidReason    string     `json:"void_reason,omitempty"`
	VoidedBy      string     `json:"voided_by,omitempty"`
	VoidedAt      *time.Time `json:"voided_at,omitempty"`
}

// Label is the number as the paper prints it: "Số: 12/2026/KS".
func (e RegisterEntry) Label() string {
	return fmt.Sprintf("Số: %d/%d/%s", e.Number, e.Year, e.Register)
}

// issueReasonPrefix begins the reason of every organisation signature
// motcua makes, so that a verifier reads the register entry back.
const issueReasonPrefix = "Phát hành, "

// IssueReason is the reason written in the organisation's signature: the
// register entry, readable by people and by ParseIssueReason.
func IssueReason(dossierID string, e *RegisterEntry) string {
	if e == nil {
		return issueReasonPrefix + "hồ sơ " + dossierID
	}
	return fmt.Sprintf("%s%s, %s, hồ sơ %s", issueReasonPrefix, e.Label(), e.RegisterName, dossierID)
}

// ParseIssueReason reads the register label ("Số: 12/2026/KS") from an
// organisation signature's reason; ok is false for any other reason.
func ParseIssueReason(reason string) (label string, ok bool) {
	rest, ok := strings.CutPrefix(reason, issueReasonPrefix)
	if !ok {
		return "", false
	}
	if label, _, found := strings.Cut(rest, ", "); found && strings.HasPrefix(label, "Số: ") {
		return label, true
	}
	return "", true
}

// VoidEntry asks a register to void one of its numbers.
type VoidEntry struct {
	Year   int    `json:"year"`
	Number int    `json:"number"`
	Reason string `json:"reason"`
}

// ValidateVoidEntry checks a void request.
func ValidateVoidEntry(v VoidEntry) error {
	bad := map[string]string{}
	if v.Year < 2000 || v.Year > 9999 {
		bad["year"] = "must be a year"
	}
	if v.Number < 1 {
		bad["number"] = "must be a number of the register"
	}
	if strings.TrimSpace(v.Reason) == "" {
		bad["reason"] = "required: why the number is void"
	}
	checkText(bad, "reason", v.Reason, true)
	if len(bad) > 0 {
		return &Error{Code: CodeInvalidRequest, Message: "the void request has invalid fields", Fields: bad}
	}
	return nil
}
