package motcua

// The words the office reads on its pages and papers for the domain's
// names, which stay English in the API and the history.

// named is k's name in names, or k as it is when it has none.
func named[K ~string](names map[K]string, k K) string {
	if v, ok := names[k]; ok {
		return v
	}
	return string(k)
}

// Vietnamese is the part of the procedure as the office names it.
func (s Stage) Vietnamese() string { return named(stageVietnamese, s) }

var stageVietnamese = map[Stage]string{
	StageIntake:       "Tiếp nhận",
	StageReview:       "Thẩm định",
	StageSupplement:   "Bổ sung hồ sơ",
	StageSignature:    "Ký duyệt",
	StageArchive:      "Lưu trữ",
	StageNotify:       "Thông báo",
	StagePayment:      "Thanh toán",
	StageConsultation: "Lấy ý kiến",
	StageHandBack:     "Trả kết quả",
	StageIssue:        "Phát hành",
}

// OutcomeVietnamese is a step's outcome as the office names it; an
// outcome it does not know is shown as recorded.
func OutcomeVietnamese(outcome string) string { return named(outcomeVietnamese, outcome) }

var outcomeVietnamese = map[string]string{
	"received":               "Đã tiếp nhận",
	"approved":               "Chấp thuận",
	"rejected":               "Từ chối",
	"supplement_requested":   "Yêu cầu bổ sung",
	"documents_added":        "Đã nộp bổ sung",
	"draft_failed":           "Lập dự thảo không thành công",
	"returned":               "Trả lại để thẩm định lại",
	"signed":                 "Đã ký số",
	"signing_failed":         "Ký số không thành công",
	"archived":               "Đã lưu trữ",
	"failed":                 "Không thành công",
	"archive_retried":        "Vận hành cho lưu trữ lại",
	"deadline_passed":        "Quá hạn bổ sung",
	"withdrawn":              "Công dân rút hồ sơ",
	"completed":              "Đã báo có kết quả",
	"stopped":                "Đã báo dừng xử lý",
	"not_reached":            "Không liên lạc được",
	"asked":                  "Đã gửi lấy ý kiến",
	ConsultationAgreed:       "Đồng ý",
	ConsultationRefused:      "Không đồng ý",
	"consultation_reminder":  "Nhắc hạn trả lời",
	"consultation_overdue":   "Quá hạn trả lời",
	"paid":                   "Đã thanh toán",
	"handed_back":            "Đã trả kết quả",
	"reminder":               "Nhắc hạn xử lý",
	"issued":                 "Đã phát hành",
	"issue_failed":           "Phát hành không thành công",
	"returned_to_leader":     "Trả lại lãnh đạo ký lại",
	"overdue":                "Quá hạn xử lý",
	"staff_reminded":         "Đã nhắc cán bộ",
	"staff_not_reached":      "Không nhắc được cán bộ",
	"apology_drafted":        "Lập phiếu xin lỗi và hẹn lại",
	"apology_failed":         "Lập phiếu xin lỗi không thành công",
	"apology_signed":         "Đã ký phiếu xin lỗi",
	"apology_signing_failed": "Ký phiếu xin lỗi không thành công",
	"apology":                "Đã gửi phiếu xin lỗi",
}

// Vietnamese is the role as the office names it.
func (r Role) Vietnamese() string { return named(roleVietnamese, r) }

var roleVietnamese = map[Role]string{
	RoleClerk:          "Cán bộ một cửa",
	RoleSpecialist:     "Chuyên viên",
	RoleChairman:       "Chủ tịch",
	RoleViceChairman:   "Phó Chủ tịch",
	RoleRecordsOfficer: "Văn thư",
	RoleAuditor:        "Kiểm toán viên",
	RoleSystem:         "Hệ thống",
}

// Vietnamese is the channel as the office names it.
func (c Channel) Vietnamese() string { return named(channelVietnamese, c) }

var channelVietnamese = map[Channel]string{
	ChannelCounter: "trực tiếp",
	ChannelOnline:  "trực tuyến",
	ChannelPostal:  "bưu chính",
}
