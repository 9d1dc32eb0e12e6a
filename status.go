// Package motcua holds the domain of a commune's one-stop office: dossiers,
// procedures, statuses, decisions and the rules between them. It depends on
// nothing outside the standard library; every other package builds on it.
package motcua

import "time"

// Status is where a dossier stands in the procedure.
type Status string

// The statuses of a dossier, in the order they normally come.
const (
	StatusReceived            Status = "received"
	StatusAwaitingPayment     Status = "awaiting_payment"
	StatusInReview            Status = "in_review"
	StatusSupplementRequested Status = "supplement_requested"
	StatusInConsultation      Status = "in_consultation"
	StatusAwaitingSignature   Status = "awaiting_signature"
	// StatusAwaitingIssue: the leader signed; the records officer is to
	// issue the result (register number, organisation's signature).
	StatusAwaitingIssue Status = "awaiting_issue"
	StatusSigned        Status = "signed"
	// StatusCompleted: the result is signed and archived, waiting to be
	// handed back (dossiers from before hand-back existed end there).
	StatusCompleted Status = "completed"
	// StatusReturned: the result was handed to the citizen.
	StatusReturned  Status = "returned"
	StatusRejected  Status = "rejected"
	StatusWithdrawn Status = "withdrawn"
	StatusStopped   Status = "stopped"
)

// Statuses lists every status, for validating filters.
var Statuses = []Status{
	StatusReceived, StatusAwaitingPayment, StatusInReview, StatusSupplementRequested, StatusInConsultation,
	StatusAwaitingSignature, StatusAwaitingIssue, StatusSigned, StatusCompleted, StatusReturned, StatusRejected, StatusWithdrawn, StatusStopped,
}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if v == s {
			return true
		}
	}
	return false
}

// Terminal reports whether no further decision can change the dossier. A
// completed dossier is not: its result is still to be handed back.
func (s Status) Terminal() bool {
	switch s {
	case StatusReturned, StatusRejected, StatusWithdrawn, StatusStopped:
		return true
	}
	return false
}

// Done reports whether the office's work on the dossier is over: it ended,
// or its result is ready (completed). A done dossier is not overdue.
func (s Status) Done() bool { return s.Terminal() || s == StatusCompleted }

// Withdrawable reports whether the citizen can still withdraw: before the
// result is signed.
func (s Status) Withdrawable() bool {
	switch s {
	case StatusReceived, StatusAwaitingPayment, StatusInReview, StatusSupplementRequested,
		StatusInConsultation, StatusAwaitingSignature:
		return true
	}
	return false
}

// Portal status codes of the national public-service portal.
const (
	PortalReceived    = 1  // Mới tiếp nhận
	PortalAccepted    = 2  // Đã tiếp nhận hợp lệ
	PortalRejected    = 3  // Từ chối
	PortalProcessing  = 4  // Đang xử lý
	PortalSupplement  = 5  // Yêu cầu bổ sung
	PortalWithdrawn   = 7  // Công dân rút hồ sơ
	PortalStopped     = 8  // Dừng xử lý
	PortalResultReady = 9  // Đã có kết quả
	PortalHandedBack  = 10 // Đã trả kết quả
)

// PortalCode is the code the national portal knows the status by. A dossier
// that enters review is first reported as accepted (2) and then as being
// processed (4); PortalCode gives the latter.
func (s Status) PortalCode() int {
	switch s {
	case StatusReceived, StatusAwaitingPayment:
		return PortalReceived
	case StatusInReview, StatusInConsultation, StatusAwaitingSignature, StatusAwaitingIssue, StatusSigned:
		return PortalProcessing
	case StatusSupplementRequested:
		return PortalSupplement
	case StatusCompleted:
		return PortalResultReady
	case StatusReturned:
		return PortalHandedBack
	case StatusRejected:
		return PortalRejected
	case StatusWithdrawn:
		return PortalWithdrawn
	case StatusStopped:
		return PortalStopped
	}
	return 0
}

// Vietnam is the office's time zone, Asia/Ho_Chi_Minh (UTC+7, no daylight
// saving), fixed so that every process computes the same dates.
var Vietnam = time.FixedZone("Asia/Ho_Chi_Minh", 7*60*60)

// Vietnamese is the status as the office names it.
func (s Status) Vietnamese() string { return statusVietnamese[s] }

var statusVietnamese = map[Status]string{
	StatusInReview:            "Đang thẩm định",
	StatusSupplementRequested: "Chờ bổ sung",
	StatusAwaitingSignature:   "Chờ ký",
	StatusAwaitingIssue:       "Chờ phát hành",
	StatusSigned:              "Đã ký",
	StatusCompleted:           "Đã có kết quả, chờ trả",
	StatusRejected:            "Từ chối",
	StatusWithdrawn:           "Đã rút",
	StatusReceived:            "Đã tiếp nhận",
	StatusStopped:             "Dừng xử lý",
	StatusAwaitingPayment:     "Chờ nộp phí",
	StatusInConsultation:      "Đang lấy ý kiến cơ quan phối hợp",
	StatusReturned:            "Đã trả kết quả",
}
