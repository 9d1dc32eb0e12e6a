package motcua

import "strings"

// Role is what a user may do.
type Role string

// The roles of the API contract.
const (
	RoleClerk        Role = "clerk"
	RoleSpecialist   Role = "specialist"
	RoleChairman     Role = "chairman"
	RoleViceChairman Role = "vice_chairman"
	RoleAuditor      Role = "auditor"
	RoleSystem       Role = "system"
	// RoleRecordsOfficer, văn thư: issues the signed result with the
	// organisation's signature and the register's number (Nghị định
	// 30/2020/NĐ-CP về công tác văn thư, điều 32: the head of the office
	// hands the seal and the organisation's key to the records officer).
	RoleRecordsOfficer Role = "records_officer"
)

// Roles lists every role.
var Roles = []Role{RoleClerk, RoleSpecialist, RoleChairman, RoleViceChairman, RoleRecordsOfficer, RoleAuditor, RoleSystem}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, v := range Roles {
		if v == r {
			return true
		}
	}
	return false
}

// Signs reports whether the role signs results.
func (r Role) Signs() bool { return r == RoleChairman || r == RoleViceChairman }

// SignatureTitle is the title block printed above a signer's name: the
// chairman signs as "CHỦ TỊCH"; a vice-chairman signs on the chairman's
// behalf, "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH".
func (r Role) SignatureTitle() string {
	if r == RoleViceChairman {
		return "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"
	}
	return "CHỦ TỊCH"
}

// OfficeTitle is the office a signing role holds in unit, as a signing
// certificate names it: "Chủ tịch UBND xã Tân Lập".
func (r Role) OfficeTitle(u Unit) string {
	office := "Chủ tịch"
	if r == RoleViceChairman {
		office = "Phó Chủ tịch"
	}
	return office + " " + strings.Replace(u.Name, "Ủy ban nhân dân", "UBND", 1)
}

// User is a person or system the API knows.
type User struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role Role   `json:"role"`
}

// StaffContact is how a member of staff is reached by deadline reminders:
// staff addresses, not citizens' personal data.
type StaffContact struct {
	User
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}
