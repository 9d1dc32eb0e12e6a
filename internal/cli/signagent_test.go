package cli

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/motcua/motcua/signer/signertest"
)

// The leader's terminal shows only what cannot rewrite it: a batch whose
// dossier_id is not a dossier code (here an escape sequence that would
// clear the screen and print a harmless-looking line) is refused before
// anything is printed or signed; a good batch is shown and signed once
// the leader types y.
func TestTheSignAgentPrintsOnlyDossierCodes(t *testing.T) {
	key := signertest.CA(t).Key(t, "Nguyễn Văn A")
	var out bytes.Buffer
	a := &agent{key: key, origin: "http://127.0.0.1:8080", in: bufio.NewReader(strings.NewReader("y\n")), out: &out}
	h := a.handler()
	digest := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	post := func(id string) *httptest.ResponseRecorder {
		body := `{"requests": [{"dossier_id": ` + id + `, "signing_request_id": "r1", "digest_base64": "` + digest + `"}]}`
		r := httptest.NewRequest(http.MethodPost, "/sign", strings.NewReader(body))
		r.Header.Set("Origin", "http://127.0.0.1:8080")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for _, id := range []string{`"\u001b[2J\u001b[HKý 1 hồ sơ 000.00.01.H22-261203-0001"`, `"000.00.01.H22-261203-0001\u202e"`, `"000.00.01.H22-261203-0001\n"`, `""`} {
		if w := post(id); w.Code != http.StatusBadRequest {
			t.Errorf("dossier_id %s: %d, want 400", id, w.Code)
		}
	}
	if out.Len() != 0 {
		t.Fatalf("a refused batch reached the terminal: %q", out.String())
	}
	if w := post(`"000.00.01.H22-261203-0001"`); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "signatures") {
		t.Fatalf("a good batch: %d %s", w.Code, w.Body)
	}
	if !strings.Contains(out.String(), "000.00.01.H22-261203-0001") || !strings.Contains(out.String(), "Nguyễn Văn A") {
		t.Errorf("the confirmation: %q", out.String())
	}
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"Nguyễn Văn A":    "Nguyễn Văn A",
		"a\x1b[2Jb":       `a\u{1b}[2Jb`,
		"x\u202ey":        `x\u{202e}y`,
		"zero\u200bwidth": `zero\u{200b}width`,
		"line\nbreak\r":   `line\u{a}break\u{d}`,
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
}
