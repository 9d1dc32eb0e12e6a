package signer

import (
	"fmt"
	"io"
	"time"
)

// WriteText writes the report for people, each line in Vietnamese and
// English, ending with the verdict.
func (r *Report) WriteText(w io.Writer, name string) error {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("Tệp / File: %s (%d byte, SHA-256 %s)", name, r.Size, r.SHA256)
	if len(r.Signatures) == 0 {
		p("Không có chữ ký số / No digital signature")
	}
	for i, s := range r.Signatures {
		p("")
		if s.Type == typeDocTimestamp {
			p("Dấu thời gian tài liệu %d / Document timestamp %d: %s", i+1, i+1, s.Field)
			p("  Đơn vị cấp dấu / Authority:  %s", s.TimestampAuthority)
			if s.Timestamp != nil {
				p("  Thời điểm / Time:            %s", s.Timestamp.In(vietnam).Format("2006-01-02 15:04:05 -07:00"))
			}
			if s.AuthorityExpires != nil {
				p("  Chứng thư hết hạn / Expires: %s (cần gia hạn trước ngày này / renew before then)", s.AuthorityExpires.In(vietnam).Format("2006-01-02"))
			}
			p("  Toàn vẹn / Integrity:        %s", yesNo(s.Valid, "hợp lệ / valid", "KHÔNG hợp lệ / INVALID"))
			p("  Tin cậy / Trust:             %s", yesNo(s.Trusted, "đơn vị cấp dấu tin cậy / authority trusted", "KHÔNG tin cậy / NOT trusted"))
			p("  Phạm vi / Coverage:          %s", coverage(s))
			if s.Problem != "" {
				p("  Vấn đề / Problem:            %s", s.Problem)
			}
			continue
		}
		p("Chữ ký %d / Signature %d: %s", i+1, i+1, s.Field)
		p("  Người ký / Signer:           %s (%s)", s.SignerCN, holderWords(s.Holder))
		if s.Reason != "" {
			p("  Lý do / Reason:              %s", s.Reason)
		}
		p("  Cấp bởi / Issued by:         %s", s.Issuer)
		if !s.SigningTime.IsZero() {
			p("  Thời điểm ký / Signing time: %s (người ký khai / claimed)", s.SigningTime.In(vietnam).Format("2006-01-02 15:04:05 -07:00"))
		}
		if s.Timestamp != nil {
			p("  Dấu thời gian / Timestamp:   %s (%s)", s.Timestamp.In(vietnam).Format("2006-01-02 15:04:05 -07:00"), s.TimestampAuthority)
		} else {
			p("  Dấu thời gian / Timestamp:   không có / none")
		}
		p("  Thu hồi / Revocation:        %d trả lời OCSP/CRL kèm theo / OCSP/CRL answers in the file%s", s.Revocation, atSigning(s.RevocationStatus))
		p("  Toàn vẹn / Integrity:        %s", yesNo(s.Valid, "hợp lệ / valid", "KHÔNG hợp lệ / INVALID"))
		p("  Tin cậy / Trust:             %s", yesNo(s.Trusted, "chuỗi chứng thư tin cậy / chain trusted", "KHÔNG tin cậy / NOT trusted"))
		p("  Phạm vi / Coverage:          %s", coverage(s))
		p("  Mức PAdES / PAdES level:     %s", levelWords(s.PAdESLevel))
		if s.NextLevel != "" {
			p("  Còn thiếu / Missing:         %s", s.NextLevel)
		}
		if s.Problem != "" {
			p("  Vấn đề / Problem:            %s", s.Problem)
		}
	}
	if r.Appended != "" {
		p("")
		p("Phần bổ sung sau chữ ký cuối / Added after the last signature: %s", r.Appended)
	}
	p("")
	if len(r.Signatures) > 0 {
		p("Phát hành / Issue: %s", yesNo(r.Issued(),
			"đã phát hành: chữ ký số của cơ quan, tổ chức sau chữ ký của người có thẩm quyền / issued: the organisation's signature after the person's",
			"đã ký, chưa phát hành: không có chữ ký số của cơ quan, tổ chức / signed, not issued: no organisation's signature"))
	}
	if err := r.Err(); err != nil {
		p("KẾT LUẬN / VERDICT: KHÔNG HỢP LỆ / INVALID")
		p("  %v", err)
		return nil
	}
	p("KẾT LUẬN / VERDICT: HỢP LỆ / VALID")
	return nil
}

var vietnam = time.FixedZone("ICT", 7*3600)

func yesNo(ok bool, yes, no string) string {
	if ok {
		return yes
	}
	return no
}

func atSigning(status string) string {
	switch status {
	case "good":
		return "; chứng thư còn hiệu lực khi ký / certificate good at signing"
	case "revoked":
		return "; chứng thư ĐÃ BỊ THU HỒI khi ký / certificate REVOKED at signing"
	}
	return ""
}

func coverage(s Signature) string {
	return yesNo(s.CoversWholeFile, "toàn bộ tệp / the whole file",
		fmt.Sprintf("byte 0-%d, %d-%d (tệp sau đó còn được bổ sung / the file was extended after it)",
			s.ByteRange[1], s.ByteRange[2], s.ByteRange[2]+s.ByteRange[3]))
}

// holderWords says whose key made a signature.
func holderWords(holder string) string {
	if holder == HolderOrganisation {
		return "cơ quan, tổ chức / organisation"
	}
	return "cá nhân / person"
}

// levelWords says a PAdES level in words.
func levelWords(level string) string {
	switch level {
	case "B-B":
		return "B-B (chữ ký cơ bản / basic signature)"
	case "B-T":
		return "B-T (có dấu thời gian / with a signature timestamp)"
	case "B-LT":
		return "B-LT (kèm dữ liệu kiểm tra dài hạn / with long-term validation data)"
	case "B-LTA":
		return "B-LTA (kèm dấu thời gian lưu trữ / with an archive timestamp)"
	}
	return "không đạt PAdES cơ bản / not a PAdES baseline signature"
}
