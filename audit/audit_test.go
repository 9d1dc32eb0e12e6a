package audit_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/motcua/motcua/audit"
	"github.com/motcua/motcua/codec"
)

// The recorded approve-and-sign history reads as an auditor expects.
func TestEventsAndTimelineFromARecordedHistory(t *testing.T) {
	key, err := codec.LoadOrCreateKey("../workflows/testdata/payload.key")
	if err != nil {
		t.Fatal(err)
	}
	dc, _ := codec.DataConverter(key)
	h, err := audit.ReadFile("../workflows/testdata/approve-sign.json")
	if err != nil {
		t.Fatal(err)
	}
	events := audit.Events(dc, h)
	var lines []string
	for _, e := range events {
		lines = append(lines, e.Actor+" | "+e.Summary)
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{"clerk1 | dossier", "specialist1 | review: approve: Hồ sơ hợp lệ", "chairman1 | signature decision: sign by Nguyễn Văn Vĩnh", "SignResult completed", "status: completed"} {
		if !strings.Contains(all, want) {
			t.Errorf("events lack %q:\n%s", want, all)
		}
	}
	sum, err := audit.SignedHash(dc, h)
	if err != nil || len(sum) != 64 {
		t.Errorf("signed hash %q %v", sum, err)
	}
	var vi bytes.Buffer
	audit.WriteTimeline(&vi, dc, h, "vi")
	for _, want := range []string{"thẩm định: chấp thuận", "Ký số kết quả", "hệ thống", "Đồng bộ Cổng DVC quốc gia"} {
		if !strings.Contains(vi.String(), want) {
			t.Errorf("Vietnamese timeline lacks %q:\n%s", want, vi.String())
		}
	}
	// Read without the key, the history gives no decisions away.
	other, _ := codec.LoadOrCreateKey(t.TempDir() + "/k")
	odc, _ := codec.DataConverter(other)
	for _, e := range audit.Events(odc, h) {
		if strings.Contains(e.Summary, "Hồ sơ hợp lệ") {
			t.Error("another key read the review comment")
		}
	}
}
