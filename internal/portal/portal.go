// Package portal speaks to the national public-service portal: it pushes each
// status change of a dossier (a DongBoHoSoMC-style JSON synchronisation), and
// it has a simulator of the portal, with injected faults, for development and
// tests.
package portal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/motcua/motcua"
)

// DateLayout is the portal's date format, yyyyMMddHHmmss in Vietnam time.
const DateLayout = "20060102150405"

// Update is one status change to report.
type Update struct {
	DossierID     string    `json:"dossier_id"`
	ProcedureCode string    `json:"procedure_code"`
	Channel       int       `json:"channel"`
	Seq           int       `json:"seq"` // 1, 2, 3... per dossier, in order
	Code          int       `json:"code"`
	Status        string    `json:"status"`
	ReceivedAt    time.Time `json:"received_at"`
	DueAt         time.Time `json:"due_at"`
	ChangedAt     time.Time `json:"changed_at"`
	CompletedAt   time.Time `json:"completed_at,omitzero"`
}

// Record is the portal's wire form of an update.
type Record struct {
	MaHoSo          string `json:"MaHoSo"`
	MaTTHC          string `json:"MaTTHC"`
	KenhThucHien    int    `json:"KenhThucHien"`
	TrangThaiHoSo   string `json:"TrangThaiHoSo"`
	NgayTiepNhan    string `json:"NgayTiepNhan"`
	NgayHenTra      string `json:"NgayHenTra"`
	NgayCapNhat     string `json:"NgayCapNhat"`
	NgayKetThucXuLy string `json:"NgayKetThucXuLy,omitempty"`
	SoThuTuDongBo   int    `json:"SoThuTuDongBo"`
	GhiChu          string `json:"GhiChu,omitempty"`
}

// Request is the body of a synchronisation call.
type Request struct {
	Service string   `json:"service"`
	Data    []Record `json:"data"`
}

// Response is the portal's answer; ErrorCode "00" is success.
type Response struct {
	ErrorCode string `json:"error_code"`
	Message   string `json:"message"`
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(motcua.Vietnam).Format(DateLayout)
}

// ToRecord converts an update to the wire form.
func (u Update) ToRecord() Record {
	return Record{
		MaHoSo: u.DossierID, MaTTHC: u.ProcedureCode, KenhThucHien: u.Channel,
		TrangThaiHoSo: strconv.Itoa(u.Code), NgayTiepNhan: date(u.ReceivedAt), NgayHenTra: date(u.DueAt),
		NgayCapNhat: date(u.ChangedAt), NgayKetThucXuLy: date(u.CompletedAt), SoThuTuDongBo: u.Seq,
		GhiChu: u.Status,
	}
}

// Client pushes updates to a portal at BaseURL.
type Client struct {
	BaseURL string
	HTTP    *http.Client
}

// Error is a refusal by the portal (an error_code other than "00").
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return "portal refused: " + e.Code + " " + e.Message }

// Push sends updates in one request, in order. A replayed update (same
// dossier and sequence) is accepted by the portal without a second effect.
func (c *Client) Push(ctx context.Context, us ...Update) error {
	if len(us) == 0 {
		return errors.New("portal: nothing to push")
	}
	records := make([]Record, len(us))
	for i, u := range us {
		records[i] = u.ToRecord()
	}
	body, err := json.Marshal(Request{Service: "DongBoHoSoMC", Data: records})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BaseURL+"/DongBoHoSoMC", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 20 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("portal unreachable: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return fmt.Errorf("portal answer cut short (%s): %w", resp.Status, err)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // a byte-order mark some stacks send before JSON
	var r Response
	isJSON := json.Unmarshal(b, &r) == nil && r.ErrorCode != ""
	switch {
	case resp.StatusCode != http.StatusOK && isJSON:
		return fmt.Errorf("portal answered %s: %w", resp.Status, &Error{Code: r.ErrorCode, Message: r.Message})
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("portal answered %s%s", resp.Status, gist(resp.Header.Get("Content-Type"), b))
	case !isJSON:
		return fmt.Errorf("portal answer is not its JSON (%s)%s", resp.Header.Get("Content-Type"), gist(resp.Header.Get("Content-Type"), b))
	case r.ErrorCode != "00":
		return &Error{Code: r.ErrorCode, Message: r.Message}
	}
	return nil
}

var htmlTitle = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

// gist is a short, one-line account of an answer that is not the portal's
// JSON, for the log and the dossier's step: an HTML page's title (a proxy's
// "502 Bad Gateway", a maintenance notice), else the start of its text;
// never the whole page.
func gist(contentType string, b []byte) string {
	text := string(b)
	if m := htmlTitle.FindStringSubmatch(text); m != nil {
		text = m[1]
	} else if strings.Contains(contentType, "html") {
		text = ""
	}
	text = strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, text)), " ")
	if n := 120; utf8.RuneCountInString(text) > n {
		text = string([]rune(text)[:n]) + "…"
	}
	if text == "" {
		return ""
	}
	return ": " + text
}
