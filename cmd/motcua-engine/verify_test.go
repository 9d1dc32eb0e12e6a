package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/motcua/motcua/signer/signertest"
)

func TestVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	ca, signed := signertest.SignedReceipt(t, dir)
	write := func(name string, b []byte) string {
		path := filepath.Join(dir, name)
		os.WriteFile(path, b, 0o600)
		return path
	}
	good := write("good.pdf", signed)
	appended := write("appended.pdf", append(bytes.Clone(signed), "\n%% later\n"...))
	tampered := bytes.Clone(signed)
	tampered[bytes.Index(tampered, []byte("/Producer"))+1] = 'Q'
	bad := write("tampered.pdf", tampered)

	run := func(args ...string) (string, int) {
		out, err := exec.Command(binary, append([]string{"verify"}, args...)...).CombinedOutput()
		code := 0
		if e, ok := err.(*exec.ExitError); ok {
			code = e.ExitCode()
		}
		return string(out), code
	}
	if out, code := run(good, "--data", dir); code != 0 || !strings.Contains(out, "HỢP LỆ / VALID") || !strings.Contains(out, "Nguyễn Văn Vĩnh") {
		t.Errorf("valid file: exit %d\n%s", code, out)
	}
	if out, code := run(good, "--roots", ca.RootPath(), "--json"); code != 0 || !strings.Contains(out, `"valid": true`) {
		t.Errorf("valid file, json: exit %d\n%s", code, out)
	}
	if out, code := run(good); code != 1 || !strings.Contains(out, "NOT trusted") {
		t.Errorf("untrusted root: exit %d\n%s", code, out)
	}
	if out, code := run(appended, "--data", dir); code != 1 || !strings.Contains(out, "does not cover the whole file") {
		t.Errorf("appended bytes: exit %d\n%s", code, out)
	}
	if out, code := run(bad, "--data", dir); code != 1 || !strings.Contains(out, "INVALID") {
		t.Errorf("tampered: exit %d\n%s", code, out)
	}
	if _, code := run(filepath.Join(dir, "missing.pdf")); code != 2 {
		t.Errorf("missing file: exit %d", code)
	}
	// Many files in one call, one report, the exit code the worst of them.
	if out, code := run(good, good, "--data", dir); code != 0 || !strings.Contains(out, "2 tệp / files: 2 hợp lệ / valid, 0") {
		t.Errorf("two valid files: exit %d\n%s", code, out)
	}
	if out, code := run(good, bad, appended, "--data", dir); code != 1 || !strings.Contains(out, "3 tệp / files: 1 hợp lệ / valid, 2 không hợp lệ / invalid") {
		t.Errorf("valid and invalid files: exit %d\n%s", code, out)
	}
	if out, code := run(good, bad, filepath.Join(dir, "missing.pdf"), "--data", dir); code != 2 || !strings.Contains(out, "1 không đọc được / unreadable") {
		t.Errorf("a missing file among others: exit %d\n%s", code, out)
	}
	out, code := run(good, bad, "--data", dir, "--json")
	var reports []struct {
		File  string `json:"file"`
		Valid bool   `json:"valid"`
	}
	if err := json.Unmarshal([]byte(out), &reports); err != nil || code != 1 || len(reports) != 2 || !reports[0].Valid || reports[1].Valid || reports[1].File != bad {
		t.Errorf("two files as JSON: exit %d, %v\n%s", code, err, out)
	}
}
