package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// `motcua audit replay FILE...` replays recorded histories offline and
// exits non-zero naming each one that no longer replays: an edited history
// among good ones fails, the good ones pass.
func TestAuditReplayOfFilesExitsNonZeroOnABrokenHistory(t *testing.T) {
	data := t.TempDir()
	key, err := os.ReadFile("../../workflows/testdata/payload.key")
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(data, "keys"), 0o700)
	os.WriteFile(filepath.Join(data, "keys", "payload.key"), key, 0o600)
	good, err := os.ReadFile("../../workflows/testdata/approve-sign-procedure.json")
	if err != nil {
		t.Fatal(err)
	}
	edited := regexp.MustCompile(`"name":\s*"RenderDraft"`).ReplaceAll(good, []byte(`"name": "ArchiveResult"`))
	if string(edited) == string(good) {
		t.Fatal("the history schedules no RenderDraft to edit")
	}
	dir := t.TempDir()
	goodFile, editedFile := filepath.Join(dir, "good.json"), filepath.Join(dir, "edited.json")
	os.WriteFile(goodFile, good, 0o600)
	os.WriteFile(editedFile, edited, 0o600)

	replay := func(files ...string) (string, int) {
		out, err := exec.Command(binary, append([]string{"audit", "replay", "--data", data}, files...)...).CombinedOutput()
		if e, ok := err.(*exec.ExitError); ok {
			return string(out), e.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return string(out), 0
	}
	if out, code := replay(goodFile); code != 0 || !strings.Contains(out, "ok   good.json") {
		t.Errorf("good history: exit %d\n%s", code, out)
	}
	out, code := replay(goodFile, editedFile)
	if code != 1 || !strings.Contains(out, "ok   good.json") || !strings.Contains(out, "FAIL edited.json") {
		t.Errorf("a broken history among good ones: exit %d\n%s", code, out)
	}
}
