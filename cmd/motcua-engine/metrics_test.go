package main

import (
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// motcua dev serves /metrics on --metrics-addr: the SDK's and motcua's,
// the dossier just taken in counted and its receipt's rendering timed.
func TestDevServesMetrics(t *testing.T) {
	processTest(t, "scrapes motcua dev's metrics")
	metricsAddr := freeAddr(t)
	cfg := devConfig{data: t.TempDir(), api: freeAddr(t), temporal: freeAddr(t), pki: freeAddr(t), extra: []string{"--metrics-addr", metricsAddr}}
	p := startDev(t, cfg)
	tok := tokens(t, cfg.data)
	pdf := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4\n%%EOF\n"))
	if s := p.call(t, tok["clerk"], "POST", "/v1/dossiers", map[string]any{
		"procedure_code": "1.004227", "channel": "counter",
		"applicant": map[string]string{"full_name": "Vũ Thị Lan", "id_number": idNumber},
		"fields":    map[string]string{"purpose": "Kết hôn", "marital_status": "Chưa kết hôn"},
		"documents": []map[string]string{{"code": "TK_XNHN", "name": "tk.pdf", "content_type": "application/pdf", "content_base64": pdf}},
	}, nil); s != 201 {
		t.Fatalf("intake: %d", s)
	}
	want := []string{
		`motcua_dossiers_started_total{procedure="1.004227"} 1`,
		`motcua_dossiers_open{status="in_review"} 1`,
		`motcua_render_seconds_count{document="receipt"}`,
		`temporal_request_total`, // the SDK's own
		`go_goroutines`,
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + metricsAddr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		missing := ""
		for _, w := range want {
			if !strings.Contains(string(b), w) {
				missing = w
			}
		}
		if missing == "" {
			if strings.Contains(string(b), idNumber) {
				t.Error("the metrics show the ID number")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s in the metrics:\n%s", missing, b)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The embedded Temporal server's own metrics, at /metrics/server.
	resp, err := http.Get("http://" + metricsAddr + "/metrics/server")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "persistence_requests") {
		t.Errorf("the server's metrics: %d\n%.2000s", resp.StatusCode, b)
	}
}
