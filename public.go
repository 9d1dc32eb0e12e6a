package motcua

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The public pages answer anyone, signed in or not: a citizen looking up
// their dossier by the code on its receipt (Tra cứu hồ sơ: under Nghị định
// 61/2018/NĐ-CP on the one-stop mechanism the citizen may follow how the
// dossier is handled, and every provincial portal offers it) and anyone
// checking an issued paper (Kiểm tra văn bản). Neither shows personal data
// in clear (Nghị định 13/2023/NĐ-CP on protecting personal data).

// CheckKey is the key of dossier id's public check, derived from its
// workflow's first run (a random identifier Temporal gives at intake), so
// that it is the same on every replay and unknown to whoever only knows
// the dossier's code.
func CheckKey(id, firstRunID string) string {
	sum := sha256.Sum256([]byte("motcua check key\x00" + id + "\x00" + firstRunID))
	return hex.EncodeToString(sum[:8])
}

// PublicView is what the lookup shows of a dossier: its progress in words
// and the applicant's initials, nothing else of them.
type PublicView struct {
	DossierID     string       `json:"dossier_id"`
	ProcedureCode string       `json:"procedure_code"`
	ProcedureName string       `json:"procedure_name"`
	Status        Status       `json:"status"`
	StatusText    string       `json:"status_text"`
	ReceivedAt    time.Time    `json:"received_at"`
	DueAt         time.Time    `json:"due_at"`
	CompletedAt   *time.Time   `json:"completed_at,omitempty"`
	Applicant     string       `json:"applicant"`
	Steps         []PublicStep `json:"steps"`
	// Register is the result's register number once issued ("Số: 12/2026/KS").
	Register string `json:"register,omitempty"`
}

// PublicStep is one step of a dossier in words: when, what stage, what
// came of it. Who acted and their comments stay inside the office.
type PublicStep struct {
	At   time.Time `json:"at"`
	Text string    `json:"text"`
}

// PublicViewOf is what the lookup shows of st, a dossier of procedure p.
func PublicViewOf(st State, p Procedure, applicant string) PublicView {
	v := PublicView{
		DossierID: st.DossierID, ProcedureCode: st.ProcedureCode, ProcedureName: p.Name,
		Status: st.Status, StatusText: st.Status.Vietnamese(), ReceivedAt: st.ReceivedAt, DueAt: st.DueAt,
		CompletedAt: st.CompletedAt, Applicant: MaskName(applicant), Steps: []PublicStep{},
	}
	for _, s := range st.Steps {
		v.Steps = append(v.Steps, PublicStep{At: s.At, Text: s.Stage.Vietnamese() + ": " + OutcomeVietnamese(s.Outcome)})
	}
	if st.Result != nil && st.Result.Register != nil {
		v.Register = st.Result.Register.Label()
	}
	return v
}

// MaskName keeps the initial of each word of a name: "Hoàng Văn Nam" is
// "H. V. N.".
func MaskName(name string) string {
	var out []string
	for _, w := range strings.Fields(name) {
		r, _ := utf8.DecodeRuneInString(w)
		out = append(out, string(unicode.ToUpper(r))+".")
	}
	return strings.Join(out, " ")
}

// ValidLast4 reports whether s is four digits, the shape the lookup asks.
func ValidLast4(s string) bool {
	if len(s) != 4 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Owns reports whether last4 are the last four digits of the applicant's
// phone number or identity number: what the lookup asks besides the code,
// so that codes, which follow each other, cannot be walked. Compared in
// constant time.
func (a Applicant) Owns(last4 string) bool {
	if !ValidLast4(last4) {
		return false
	}
	match := 0
	for _, n := range []string{a.Phone, a.IDNumber} {
		if len(n) >= 4 {
			match |= subtle.ConstantTimeCompare([]byte(n[len(n)-4:]), []byte(last4))
		}
	}
	return match == 1
}

// PublicCheck is what checking a paper tells anyone: whether its
// signatures hold, who signed for which office, its register number, and
// whether it is the file the office archived.
type PublicCheck struct {
	Valid bool `json:"valid"`
	// Verdict says it in words (Vietnamese).
	Verdict    string            `json:"verdict"`
	Signatures []PublicSignature `json:"signatures"`
	// Issued: the office's signature follows the competent person's.
	Issued   bool   `json:"issued"`
	Office   string `json:"office,omitempty"`
	Register string `json:"register,omitempty"`
	// DossierID and ProcedureName are the dossier the paper was issued
	// for, when the signatures name one.
	DossierID     string `json:"dossier_id,omitempty"`
	ProcedureName string `json:"procedure_name,omitempty"`
	SHA256        string `json:"sha256"`
	// Archive says how the file stands against the office's archive:
	// ArchiveOriginal, ArchiveLatest, ArchiveEarlierRenewal,
	// ArchiveNotIssued or ArchiveUnknown.
	Archive     string `json:"archive"`
	ArchiveText string `json:"archive_text"`
}

// PublicSignature is one signature of a checked paper.
type PublicSignature struct {
	Name string `json:"name"`
	// Holder is "person", "organisation" or "timestamp" (a document
	// timestamp).
	Holder      string    `json:"holder"`
	SignedAt    time.Time `json:"signed_at"`
	Valid       bool      `json:"valid"`
	Trusted     bool      `json:"trusted"`
	PAdESLevel  string    `json:"pades_level,omitempty"`
	Description string    `json:"description"`
}

// How a checked file stands against the archive.
const (
	ArchiveOriginal       = "original"        // the file archived when it was issued
	ArchiveLatest         = "latest_renewal"  // the archive's newest version (its timestamps renewed)
	ArchiveEarlierRenewal = "earlier_renewal" // an older renewal: still the same paper
	ArchiveNotIssued      = "not_issued"      // part of the archived file: signed, not yet issued
	ArchiveUnknown        = "unknown"         // not a file the archive holds
)

var archiveText = map[string]string{
	ArchiveOriginal:       "Trùng khớp bản lưu trữ của cơ quan (bản phát hành).",
	ArchiveLatest:         "Trùng khớp bản lưu trữ mới nhất của cơ quan (đã gia hạn dấu thời gian lưu trữ).",
	ArchiveEarlierRenewal: "Trùng khớp một bản lưu trữ trước đây của cơ quan (đã có bản gia hạn mới hơn).",
	ArchiveNotIssued:      "Là phần đầu của văn bản lưu trữ: văn bản đã ký nhưng chưa phát hành.",
	ArchiveUnknown:        "Không trùng với văn bản nào cơ quan lưu trữ.",
}

// ArchiveText is how a file stands against the archive, in words.
func ArchiveText(archive string) string { return archiveText[archive] }
