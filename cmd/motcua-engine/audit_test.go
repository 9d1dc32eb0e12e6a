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

// The demo users of deploy/ carry no usable token: the API refuses to
// start on them, saying how to give each a token; `motcua users add` gives
// one, prints it once, keeps only its hash, and the file then loads.
func TestDeployedUsersNeedTokens(t *testing.T) {
	out, err := exec.Command(binary, "api", "--users", "../../deploy/users.json", "--data", t.TempDir(), "--temporal-addr", "127.0.0.1:1").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "has no token yet") || !strings.Contains(string(out), "motcua users add") {
		t.Fatalf("api on the shipped users file: %v\n%s", err, out)
	}
	users := filepath.Join(t.TempDir(), "users.json")
	b, _ := os.ReadFile("../../deploy/users.json")
	os.WriteFile(users, b, 0o600)
	cmd := exec.Command(binary, "users", "add", "--file", users, "--id", "clerk1", "--name", "Trần Thị Mai", "--role", "clerk")
	out, err = cmd.Output()
	lines := strings.Fields(string(out))
	if err != nil || len(lines) != 2 || len(lines[0]) < 20 || len(lines[1]) < 12 {
		t.Fatalf("users add: %v %q", err, out)
	}
	token, password := lines[0], lines[1]
	file, _ := os.ReadFile(users)
	if strings.Contains(string(file), token) || strings.Contains(string(file), password) || !strings.Contains(string(file), `"password_hash": "$2a$`) {
		t.Fatal("the users file holds the token or password itself, or no password hash")
	}
	if !strings.Contains(string(file), `"change-me"`) {
		t.Fatal("the other users lost their placeholders")
	}
}
