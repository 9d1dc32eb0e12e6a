package catalog_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/catalog"
)

// The built-in catalog: at least 12 procedures, each with every step
// shape it needs described, and the shapes all present.
func TestDefaultCatalog(t *testing.T) {
	c := catalog.Default()
	if len(c) < 12 {
		t.Fatalf("%d procedures, want at least 12", len(c))
	}
	shapes := map[string]int{}
	for _, p := range c {
		if p.Version == "" || p.LegalBasis == "" {
			t.Errorf("%s: version %q, legal basis %q", p.Code, p.Version, p.LegalBasis)
		}
		if p.SameDay() {
			shapes["same-day"]++
		}
		for _, s := range p.Plan() {
			shapes[string(s)]++
		}
	}
	for _, s := range []string{"same-day", "payment", "consultation", "review", "signature"} {
		if shapes[s] == 0 {
			t.Errorf("no procedure has the %s shape", s)
		}
	}
	if p, _ := c.Lookup("2.000815"); p.Fee(map[string]string{"copies": "3"}) != 6000 || p.Fee(nil) != 2000 {
		t.Errorf("fee per copy: %d for 3, %d for none", p.Fee(map[string]string{"copies": "3"}), p.Fee(nil))
	}
}

// A catalog file replaces the built-in one; every fault is named.
func TestLoadChecksTheFile(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		path := filepath.Join(dir, "c.json")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	proc := `{"code":"1.001193","name":"Đăng ký khai sinh","sla_working_days":2,"fee_vnd":0,
		"signer_role":"chairman","result_title":"GIẤY KHAI SINH","fields":[],"required_documents":[{"code":"TK_KS","name":"Tờ khai"}]}`
	good := `{"version":"2027.1","procedures":[` + proc + `]}`
	c, err := catalog.Load(write(good))
	if err != nil || len(c) != 1 || c[0].Version != "2027.1" || c[0].SLAWorkingDays != 2 {
		t.Fatalf("%v %+v", err, c)
	}
	if got := c[0].Plan(); len(got) != 2 || got[0] != motcua.StepReview {
		t.Errorf("default plan %v", got)
	}
	bad := map[string]string{
		"no version":        strings.Replace(good, `"version":"2027.1",`, "", 1),
		"unknown field":     strings.Replace(good, `"fee_vnd":0`, `"fee_vnd":0,"fees":1`, 1),
		"no time":           strings.Replace(good, `"sla_working_days":2`, `"sla_working_days":0`, 1),
		"both times":        strings.Replace(good, `"sla_working_days":2`, `"sla_working_days":2,"sla_working_hours":2`, 1),
		"clerk signs":       strings.Replace(good, `"signer_role":"chairman"`, `"signer_role":"clerk"`, 1),
		"fee without step":  strings.Replace(good, `"fee_vnd":0`, `"fee_vnd":1000`, 1),
		"unknown step":      strings.Replace(good, `"fee_vnd":0`, `"fee_vnd":0,"steps":["review","dance","signature"]`, 1),
		"signature first":   strings.Replace(good, `"fee_vnd":0`, `"fee_vnd":0,"steps":["signature","review"]`, 1),
		"consult no agency": strings.Replace(good, `"fee_vnd":0`, `"fee_vnd":0,"steps":["review","consultation","signature"]`, 1),
		"bad code":          strings.Replace(good, `"1.001193"`, `"KS"`, 1),
		"duplicate":         `{"version":"2027.1","procedures":[` + proc + `,` + proc + `]}`,
	}
	for name, body := range bad {
		_, err := catalog.Load(write(body))
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if name == "duplicate" && !strings.Contains(err.Error(), "listed twice") {
			t.Errorf("duplicate: %v", err)
		}
	}
	if _, err := catalog.Load(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("a missing file was accepted")
	}
}
