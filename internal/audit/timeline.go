package audit

import (
	"fmt"
	"io"
	"strings"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"

	"github.com/motcua/motcua"
)

// vietnamese renders the phrases of the audit trail in Vietnamese; the
// rest of a summary (names, codes, comments) is kept as written.
var vietnamese = []struct{ en, vi string }{
	{"dossier workflow completed", "quy trình hồ sơ kết thúc"},
	{"intake confirmed to the caller", "xác nhận tiếp nhận cho bên gửi"},
	{"signature decision: sign on the leader's own token by", "quyết định ký (trên thiết bị ký của lãnh đạo), người ký"},
	{"signature decision: sign by", "quyết định ký, người ký"},
	{"signature decision: return by", "trả lại để thẩm định lại, người quyết định"},
	{"remote signing request for the certificate", "yêu cầu ký từ xa cho chứng thư"},
	{"issue decision: issue by", "quyết định phát hành, văn thư"},
	{"issue decision: return by", "trả lại lãnh đạo ký lại, văn thư"},
	{"review: approve", "thẩm định: chấp thuận"},
	{"review: reject", "thẩm định: từ chối"},
	{"review: request_supplement", "thẩm định: yêu cầu bổ sung"},
	{"supplement:", "bổ sung:"},
	{"document(s) added", "giấy tờ đã nộp thêm"},
	{"document(s)", "giấy tờ"},
	{"search attributes updated", "cập nhật thuộc tính tra cứu"},
	{"update hand_back", "trả kết quả cho công dân"},
	{"update payment", "xác nhận thanh toán"},
	{"update consultation", "ý kiến của cơ quan phối hợp"},
	{"update sign_apology", "ký phiếu xin lỗi"},
	{"withdrawn by the citizen", "công dân rút hồ sơ"},
	{"decision applied", "quyết định đã được áp dụng"},
	{"decision failed:", "quyết định không thực hiện được:"},
	{"received for procedure", "được tiếp nhận, thủ tục"},
	{"dossier", "hồ sơ"},
	{"status:", "trạng thái:"},
	{"scheduled", "được giao"},
	{"started, attempt", "bắt đầu, lần thử"},
	{"previous attempt failed:", "lần trước lỗi:"},
	{"completed, attempt", "hoàn thành, lần thử"},
	{"completed", "hoàn thành"},
	{"failed:", "lỗi:"},
	{"marker:", "đánh dấu:"},
	{"workflow code version recorded", "ghi nhận phiên bản mã quy trình"},
	{"timed out", "quá thời gian"},
	{"timer started:", "đặt hẹn giờ:"},
	{"timer fired", "hết hẹn giờ"},
	{"timer cancelled", "hủy hẹn giờ"},
	{"missing:", "còn thiếu:"},
}

// activityNames are the activities' names for auditors; a name that starts
// another comes after it.
var activityNames = []struct{ en, vi string }{
	{"IssueReceipt", "Cấp giấy tiếp nhận (mẫu 01)"},
	{"RenderDraft", "Lập dự thảo kết quả"},
	{"SignResult", "Ký số kết quả"},
	{"PrepareRemote", "Chuẩn bị ký từ xa"},
	{"TakeNumber", "Lấy số vào sổ"},
	{"IssueResult", "Phát hành kết quả (chữ ký số của cơ quan)"},
	{"ArchiveResult", "Lưu trữ kết quả"},
	{"Notify", "Thông báo công dân"},
	{"PushPortalUpdates", "Đồng bộ Cổng DVC quốc gia"},
	{"PushPortal", "Đồng bộ Cổng DVC quốc gia"},
	{"RecordFacts", "Ghi số liệu thống kê"},
	{"Publish", "Đồng bộ Cổng DVC quốc gia và ghi số liệu thống kê"},
	{"RenderApology", "Lập phiếu xin lỗi và hẹn lại (mẫu 04)"},
	{"SignApology", "Ký phiếu xin lỗi"},
	{"RemindStaff", "Nhắc cán bộ xử lý"},
	{"FindExpiringArchives", "Tìm kết quả cần gia hạn dấu thời gian"},
	{"RenewArchiveTimestamp", "Gia hạn dấu thời gian lưu trữ"},
}

// domainWords are the domain's names that a Vietnamese line writes in the
// office's words: statuses after "status:", roles and channels in
// parentheses.
func domainWords() []struct{ en, vi string } {
	var out []struct{ en, vi string }
	for _, s := range motcua.Statuses {
		out = append(out, struct{ en, vi string }{"status: " + string(s), "trạng thái: " + s.Vietnamese()})
	}
	for _, r := range motcua.Roles {
		out = append(out, struct{ en, vi string }{"(" + string(r) + ")", "(" + r.Vietnamese() + ")"})
	}
	for _, c := range []motcua.Channel{motcua.ChannelCounter, motcua.ChannelOnline, motcua.ChannelPostal} {
		out = append(out, struct{ en, vi string }{"(" + string(c) + ")", "(" + c.Vietnamese() + ")"})
	}
	return out
}

// WriteTimeline writes who did what and when, one line per event, in
// Vietnamese ("vi") or English ("en"), times in Vietnam.
func WriteTimeline(w io.Writer, dc converter.DataConverter, h *historypb.History, lang string) {
	for _, e := range Events(dc, h) {
		summary := e.Summary
		actor := e.Actor
		if lang == "vi" {
			for _, d := range domainWords() {
				summary = strings.Replace(summary, d.en, d.vi, 1)
			}
			for _, a := range activityNames {
				summary = strings.Replace(summary, a.en, a.vi, 1)
			}
			for _, p := range vietnamese {
				summary = strings.Replace(summary, p.en, p.vi, 1)
			}
			if actor == "system" {
				actor = "hệ thống"
			}
		}
		// One line an event: a comment's line breaks are written escaped,
		// so no input can forge a line of the timeline.
		fmt.Fprintf(w, "%s  #%-4d %-14s %s\n", e.Time.In(motcua.Vietnam).Format("2006-01-02 15:04:05"), e.EventID, motcua.OneLine(actor), motcua.OneLine(summary))
	}
}
