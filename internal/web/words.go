package web

import (
	"html/template"
	"regexp"
	"strings"
	"time"

	"github.com/motcua/motcua"
)

// words are the pages' texts, Vietnamese first.
var words = map[string][2]string{
	"lookup_title":            {"Tra cứu hồ sơ", "Look up a dossier"},
	"lookup_intro":            {"Nhập mã hồ sơ ghi trên giấy tiếp nhận và 4 chữ số cuối của số điện thoại hoặc số định danh cá nhân của người nộp hồ sơ.", "Enter the dossier code from the receipt and the last 4 digits of the applicant's phone or personal identity number."},
	"lookup_code":             {"Mã hồ sơ", "Dossier code"},
	"lookup_last4":            {"4 chữ số cuối của số điện thoại hoặc số định danh", "Last 4 digits of the phone or identity number"},
	"lookup_go":               {"Tra cứu", "Look up"},
	"lookup_code_needed":      {"Cần nhập mã hồ sơ.", "The dossier code is required."},
	"lookup_last4_needed":     {"Cần nhập đúng 4 chữ số.", "Exactly 4 digits are required."},
	"lookup_not_found":        {"Không tìm thấy hồ sơ với mã và 4 chữ số đã nhập. Vui lòng kiểm tra lại giấy tiếp nhận.", "No dossier with this code and these digits. Please check the receipt."},
	"lookup_applicant":        {"Người nộp", "Applicant"},
	"lookup_procedure":        {"Thủ tục", "Procedure"},
	"lookup_status":           {"Tình trạng", "Status"},
	"lookup_received":         {"Ngày tiếp nhận", "Received"},
	"lookup_due":              {"Hẹn trả kết quả", "Due"},
	"lookup_completed":        {"Có kết quả lúc", "Result ready"},
	"lookup_register":         {"Số vào sổ", "Register number"},
	"lookup_steps":            {"Quá trình xử lý", "Progress"},
	"public_wait":             {"Có quá nhiều yêu cầu từ địa chỉ này. Vui lòng đợi một lát rồi thử lại.", "Too many requests from this address. Please wait a moment and try again."},
	"public_unavailable":      {"Hệ thống tạm thời chưa trả lời được. Vui lòng thử lại sau.", "The service cannot answer now. Please try again later."},
	"check_title":             {"Kiểm tra văn bản", "Check a document"},
	"check_intro":             {"Chọn tệp PDF của văn bản điện tử để kiểm tra chữ ký số, cơ quan phát hành, số vào sổ và đối chiếu với bản lưu trữ.", "Choose the PDF file of an electronic document to check its digital signatures, issuing office, register number and the archive's copy."},
	"check_file":              {"Tệp văn bản (PDF)", "Document file (PDF)"},
	"check_go":                {"Kiểm tra", "Check"},
	"check_no_file":           {"Cần chọn một tệp PDF.", "Choose a PDF file."},
	"check_too_large":         {"Tệp quá lớn (tối đa 20 MB).", "The file is too large (20 MB at most)."},
	"check_not_pdf":           {"Tệp không phải văn bản PDF.", "The file is not a PDF document."},
	"check_not_found":         {"Không tìm thấy văn bản đã phát hành theo mã QR này.", "No issued document for this QR code."},
	"check_valid":             {"HỢP LỆ", "VALID"},
	"check_invalid":           {"KHÔNG HỢP LỆ", "NOT VALID"},
	"check_office":            {"Cơ quan phát hành", "Issuing office"},
	"check_dossier":           {"Hồ sơ", "Dossier"},
	"check_signatures":        {"Chữ ký số", "Digital signatures"},
	"check_signed_at":         {"Thời điểm ký", "Signed at"},
	"check_sig_ok":            {"chữ ký đúng", "signature holds"},
	"check_sig_bad":           {"chữ ký sai", "signature broken"},
	"check_trusted":           {"chứng thư tin cậy", "trusted certificate"},
	"check_untrusted":         {"chứng thư không tin cậy", "untrusted certificate"},
	"check_archive":           {"Đối chiếu bản lưu trữ", "Against the archive"},
	"check_hash":              {"Mã băm SHA-256 của tệp", "SHA-256 of the file"},
	"check_another":           {"Kiểm tra tệp khác", "Check another file"},
	"sign_in":                 {"Đăng nhập", "Sign in"},
	"sign_out":                {"Đăng xuất", "Sign out"},
	"username":                {"Tên đăng nhập", "Username"},
	"password":                {"Mật khẩu", "Password"},
	"wrong_password":          {"Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password."},
	"too_many_tries":          {"Đăng nhập sai quá nhiều lần. Vui lòng đợi một lát rồi thử lại.", "Too many failed sign-ins. Please wait a moment and try again."},
	"forbidden":               {"Không được phép", "Not allowed"},
	"forbidden_text":          {"Vai trò của bạn không được làm việc này.", "Your role may not do this."},
	"csrf_text":               {"Biểu mẫu không đến từ trang của motcua; hãy mở lại trang.", "The form did not come from motcua's page; open the page again."},
	"bad_request":             {"Yêu cầu không hợp lệ", "Bad request"},
	"not_found":               {"Không tìm thấy", "Not found"},
	"error":                   {"Không thực hiện được", "Could not be done"},
	"inbox_sign":              {"Trình ký", "Awaiting your signature"},
	"inbox_issue":             {"Phát hành", "To issue"},
	"issue":                   {"Phát hành", "Issue"},
	"issue_all":               {"Phát hành tất cả", "Issue all"},
	"issue_all_done":          {"Kết quả phát hành %d hồ sơ", "Issuing %d dossiers"},
	"issue_return":            {"Trả lại lãnh đạo ký lại", "Return to the leader"},
	"issue_check":             {"Kết quả đã ký, chờ phát hành", "Signed result awaiting issue"},
	"done_issue":              {"Đã phát hành: đã lấy số và ký số của cơ quan.", "Issued: numbered and signed by the office."},
	"done_issue_return":       {"Đã trả lại lãnh đạo.", "Returned to the leader."},
	"inbox_review":            {"Hồ sơ chờ thẩm định", "Dossiers to review"},
	"inbox_audit":             {"Hồ sơ đã hoàn thành", "Completed dossiers"},
	"inbox_all":               {"Hồ sơ tại bộ phận một cửa", "Dossiers at the counter"},
	"inbox":                   {"Hồ sơ", "Dossiers"},
	"intake":                  {"Tiếp nhận hồ sơ", "Take a dossier in"},
	"search":                  {"Tìm mã hồ sơ", "Find a dossier code"},
	"find":                    {"Tìm", "Find"},
	"code":                    {"Mã hồ sơ", "Dossier code"},
	"procedure":               {"Thủ tục", "Procedure"},
	"status":                  {"Trạng thái", "Status"},
	"received":                {"Ngày nhận", "Received"},
	"due":                     {"Hạn trả", "Due"},
	"applicant":               {"Người nộp", "Applicant"},
	"none":                    {"Không có hồ sơ nào.", "No dossiers."},
	"overdue":                 {"Quá hạn", "Overdue"},
	"due-soon":                {"Sắp đến hạn", "Due soon"},
	"sign":                    {"Ký số", "Sign"},
	"return":                  {"Trả lại", "Return"},
	"reason":                  {"Lý do trả lại", "Reason for returning"},
	"sign_all":                {"Ký tất cả", "Sign all"},
	"sign_all_done":           {"Kết quả ký %d hồ sơ", "Signing %d dossiers"},
	"approve":                 {"Đồng ý", "Approve"},
	"reject":                  {"Từ chối", "Reject"},
	"supplement":              {"Yêu cầu bổ sung", "Request a supplement"},
	"comment":                 {"Ý kiến", "Comment"},
	"missing":                 {"Giấy tờ còn thiếu", "Missing documents"},
	"draft":                   {"Dự thảo kết quả", "Draft result"},
	"receipt":                 {"Giấy tiếp nhận (mẫu 01)", "Receipt (form 01)"},
	"result":                  {"Kết quả đã ký", "Signed result"},
	"bundle":                  {"Tải gói kiểm toán", "Download the audit bundle"},
	"timeline":                {"Diễn biến hồ sơ", "Timeline"},
	"verification":            {"Kiểm tra chữ ký số", "Signature verification"},
	"steps":                   {"Các bước", "Steps"},
	"choose":                  {"Chọn thủ tục", "Choose a procedure"},
	"full_name":               {"Họ và tên", "Full name"},
	"id_number":               {"Số CCCD", "Citizen ID number"},
	"phone":                   {"Điện thoại", "Phone"},
	"email":                   {"Thư điện tử", "Email"},
	"address":                 {"Địa chỉ", "Address"},
	"documents":               {"Giấy tờ nộp kèm (PDF, JPEG, PNG)", "Documents (PDF, JPEG, PNG)"},
	"submit_intake":           {"Tiếp nhận", "Take in"},
	"done_intake":             {"Đã tiếp nhận hồ sơ.", "The dossier was taken in."},
	"done_apology":            {"Đã ký phiếu xin lỗi; công dân đã được báo.", "The apology letter is signed; the citizen was told."},
	"apology":                 {"Phiếu xin lỗi và hẹn lại ngày trả kết quả", "Apology letter and new date"},
	"sign_apology":            {"Ký phiếu xin lỗi", "Sign the apology letter"},
	"done_hand_back":          {"Đã trả kết quả cho công dân.", "The result was handed back."},
	"fee":                     {"Phí, lệ phí", "Fee"},
	"paid":                    {"đã nộp", "paid"},
	"unpaid":                  {"chưa nộp", "not paid"},
	"consultation":            {"Lấy ý kiến", "Consultation"},
	"handed_back":             {"Đã trả kết quả", "Handed back"},
	"hand_back":               {"Trả kết quả", "Hand back the result"},
	"received_by":             {"Người nhận kết quả", "Received by"},
	"hand_back_method":        {"Hình thức trả", "How"},
	"at_counter":              {"Tại Bộ phận một cửa", "At the counter"},
	"by_post":                 {"Qua bưu chính", "By post"},
	"postal_tracking":         {"Số hiệu bưu gửi (nếu gửi bưu chính)", "Postal tracking number (by post)"},
	"inbox_hand_back":         {"Kết quả chờ trả", "Results to hand back"},
	"done_approve":            {"Đã đồng ý; dự thảo chờ ký.", "Approved; the draft awaits the signature."},
	"done_reject":             {"Đã từ chối hồ sơ.", "The dossier was rejected."},
	"done_request_supplement": {"Đã yêu cầu bổ sung.", "A supplement was requested."},
	"done_sign":               {"Đã ký số.", "Signed."},
	"done_return":             {"Đã trả lại để thẩm định lại.", "Returned for review."},
	"back":                    {"Về danh sách", "Back to the list"},
	"print":                   {"In giấy tiếp nhận", "Print the receipt"},
	"done_supplement":         {"Đã nhận giấy tờ bổ sung; hồ sơ trở lại thẩm định.", "The documents were added; the dossier is back in review."},
	"add_documents":           {"Nộp giấy tờ bổ sung", "Add the missing documents"},
	"papers":                  {"Giấy tờ đã nộp", "Documents handed in"},
	"sign_token":              {"Ký bằng USB token", "Sign with my USB token"},
	"sign_all_token":          {"Ký tất cả bằng USB token", "Sign all with my USB token"},
	"sign_remote":             {"Ký qua dịch vụ ký từ xa", "Sign through the remote-signing service"},
	"sign_all_remote":         {"Ký tất cả qua dịch vụ ký từ xa", "Sign all through the remote-signing service"},
	"remote_wait":             {"Xác nhận trên điện thoại", "Approve on your phone"},
	"remote_code":             {"Mã giao dịch (đối chiếu trên điện thoại)", "Transaction code (match it on your phone)"},
	"remote_expires":          {"Hết hạn lúc", "Expires at"},
	"remote_approved":         {"Đã ký qua dịch vụ ký từ xa", "Signed through the remote-signing service"},
	"remote_refused":          {"Người ký đã từ chối trên điện thoại; không hồ sơ nào được ký.", "Refused on the phone; nothing was signed."},
	"remote_expired":          {"Giao dịch đã hết hạn; không hồ sơ nào được ký.", "The transaction expired; nothing was signed."},
	"remote_failed":           {"Không nhận được chữ ký từ dịch vụ ký từ xa; hồ sơ chưa được ký.", "No signature came from the remote-signing service; the dossier is not signed."},
	"language":                {"English", "Tiếng Việt"},
}

// Comments the workflow writes itself (a notification's channels, a
// supplement's count), put in the office's words on a Vietnamese page.
var (
	notified  = regexp.MustCompile(`^email: ([a-z_]*), sms: ([a-z_]*)$`)
	added     = regexp.MustCompile(`^([0-9]+) document\(s\)$`)
	delivered = map[string]string{"sent": "đã gửi", "already_sent": "đã gửi trước đó", "no_address": "không có địa chỉ", "": "không gửi"}
)

// stepComment is a step's comment on a page: as written, except those
// the workflow writes itself.
func stepComment(lang string, st motcua.Step) string {
	if lang == "en" {
		return st.Comment
	}
	word := func(o string) string {
		if v, ok := delivered[o]; ok {
			return v
		}
		return o
	}
	switch m, n := notified.FindStringSubmatch(st.Comment), added.FindStringSubmatch(st.Comment); {
	case st.Stage == motcua.StageNotify && m != nil:
		return "thư điện tử: " + word(m[1]) + "; tin nhắn SMS: " + word(m[2])
	case st.Stage == motcua.StageSupplement && n != nil:
		return n[1] + " giấy tờ"
	case st.Stage == motcua.StageHandBack:
		method, tracking, _ := strings.Cut(st.Comment, " ")
		return strings.TrimSpace(handBackMethod(lang, method) + " " + tracking)
	}
	return st.Comment
}

// handBackMethod is how a result was handed back, in lang.
func handBackMethod(lang, method string) string {
	switch method {
	case motcua.HandBackCounter:
		return t(lang, "at_counter")
	case motcua.HandBackPost:
		return t(lang, "by_post")
	}
	return method
}

// t is the text of key in lang ("vi" or "en").
func t(lang, key string) string {
	w, ok := words[key]
	if !ok {
		return key
	}
	if lang == "en" {
		return w[1]
	}
	return w[0]
}

var funcs = template.FuncMap{
	"t": t,
	"date": func(v any) string {
		switch x := v.(type) {
		case time.Time:
			if x.IsZero() {
				return ""
			}
			return x.In(motcua.Vietnam).Format("02/01/2006 15:04")
		case *time.Time:
			if x == nil {
				return ""
			}
			return x.In(motcua.Vietnam).Format("02/01/2006 15:04")
		}
		return ""
	},
	// stage, outcome, actor and role are the domain's names on a page:
	// the office's words in Vietnamese, readable ones in English.
	"stage": func(lang string, s motcua.Stage) string {
		if lang == "en" {
			return strings.ReplaceAll(string(s), "_", " ")
		}
		return s.Vietnamese()
	},
	"outcome": func(lang, o string) string {
		if lang == "en" {
			return strings.ReplaceAll(o, "_", " ")
		}
		return motcua.OutcomeVietnamese(o)
	},
	"comment":  stepComment,
	"handBack": handBackMethod,
	"actor": func(lang, a string) string {
		if a == "system" && lang != "en" {
			return motcua.RoleSystem.Vietnamese()
		}
		return a
	},
	"role": func(lang string, r motcua.Role) string {
		if lang == "en" {
			return strings.ReplaceAll(string(r), "_", " ")
		}
		return r.Vietnamese()
	},
	"status": func(lang string, s motcua.Status) string {
		if lang == "en" {
			return strings.ReplaceAll(string(s), "_", " ")
		}
		return s.Vietnamese()
	},
	"has": func(list []string, v string) bool {
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	},
	// args is a form field's template input: the page's view, the field's
	// name, the key its problem is under, its input type, and whether it is
	// required.
	"args": func(v view, name, key, typ string, required bool) fieldArgs {
		return fieldArgs{V: v, Name: name, Key: key, Type: typ, Required: required}
	},
	"inc": func(i int) int { return i + 1 },
	"otherLang": func(lang string) string {
		if lang == "en" {
			return "vi"
		}
		return "en"
	},
}

type fieldArgs struct {
	V         view
	Name, Key string
	Type      string
	Required  bool
}
