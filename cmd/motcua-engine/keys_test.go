package main

import (
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The payload key rotates with the office running on it: a dossier sealed
// with the old key is still read after the new key seals, and the new
// dossier's history carries the new key's id.
func TestPayloadKeyRotationAcrossRestarts(t *testing.T) {
	processTest(t, "restarts motcua dev around a key rotation")
	cfg := devConfig{data: t.TempDir(), api: freeAddr(t), temporal: freeAddr(t), pki: freeAddr(t)}
	keys := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(binary, append([]string{"keys"}, append(args, "--data", cfg.data)...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("keys %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	p := startDev(t, cfg)
	tok := tokens(t, cfg.data)
	intake := func(ext string) string {
		t.Helper()
		pdf := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4\n%%EOF\n"))
		var created struct {
			DossierID string `json:"dossier_id"`
		}
		if s := p.call(t, tok["clerk"], "POST", "/v1/dossiers", map[string]any{
			"external_id": ext, "procedure_code": "1.004227", "channel": "counter",
			"applicant": map[string]string{"full_name": "Vũ Thị Lan", "id_number": idNumber},
			"fields":    map[string]string{"purpose": "Kết hôn", "marital_status": "Chưa kết hôn"},
			"documents": []map[string]string{{"code": "TK_XNHN", "name": "tk.pdf", "content_type": "application/pdf", "content_base64": pdf}},
		}, &created); s != 201 {
			t.Fatalf("intake: %d", s)
		}
		return created.DossierID
	}
	first := intake("BO-keys-1")
	oldID := regexp.MustCompile(`sealing: ([0-9a-f]{8})`).FindStringSubmatch(keys("list"))[1]

	p.kill(t)
	newID := regexp.MustCompile(`added payload key ([0-9a-f]{8})`).FindStringSubmatch(keys("add"))[1]
	p = startDev(t, cfg) // every process now accepts the new key
	p.kill(t)
	if out := keys("promote", "--id", newID); !strings.Contains(out, "sealing: "+newID) || !strings.Contains(out, "accepted: ["+oldID+"]") {
		t.Fatalf("promote:\n%s", out)
	}
	p = startDev(t, cfg)
	var st struct {
		Status string `json:"status"`
	}
	if s := p.call(t, tok["specialist"], "POST", "/v1/dossiers/"+first+"/review", map[string]string{"decision": "approve"}, &st); s != 200 || st.Status != "awaiting_signature" {
		t.Fatalf("the dossier sealed with the old key, after the rotation: %d %s", s, st.Status)
	}
	second := intake("BO-keys-2")
	export := func(id string) string {
		path := filepath.Join(t.TempDir(), id+".json")
		out, err := exec.Command(binary, "audit", "export", "--dossier", id, "-o", path, "--data", cfg.data, "--temporal-addr", cfg.temporal).CombinedOutput()
		if err != nil {
			t.Fatalf("export: %v\n%s", err, out)
		}
		b, _ := os.ReadFile(path)
		return string(b)
	}
	b64 := func(id string) string { return base64.StdEncoding.EncodeToString([]byte(id)) }
	if h := export(second); !strings.Contains(h, b64(newID)) || strings.Contains(h, b64(oldID)) {
		t.Errorf("the new dossier's history is not sealed with the new key %s alone", newID)
	}
	if h := export(first); !strings.Contains(h, b64(oldID)) || !strings.Contains(h, b64(newID)) {
		t.Errorf("the first dossier's history should hold payloads of both keys (before and after the rotation)")
	}
}
