package codec_test

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"

	"github.com/motcua/motcua/internal/codec"
)

func seal(t *testing.T, dir, text string) *commonpb.Payload {
	t.Helper()
	cur, acc, err := codec.LoadRing(dir)
	if err != nil {
		t.Fatal(err)
	}
	dc, _ := codec.DataConverter(cur, acc...)
	p, err := dc.ToPayload(text)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func open(t *testing.T, dir string, p *commonpb.Payload) (string, error) {
	t.Helper()
	cur, acc, err := codec.LoadRing(dir)
	if err != nil {
		t.Fatal(err)
	}
	dc, _ := codec.DataConverter(cur, acc...)
	var s string
	err = dc.FromPayload(p, &s)
	return s, err
}

// A rotation in two steps: the new key is first accepted everywhere, then
// seals; payloads sealed before stay readable, new ones carry the new key
// id, and a process that was not given the new key says so.
func TestPayloadKeyRotation(t *testing.T) {
	dir := t.TempDir()
	before := seal(t, dir, "Số CCCD 001203004567")
	oldID := string(before.Metadata["encryption-key-id"])
	next, err := codec.AddKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if cur, acc, _ := codec.IDs(dir); cur != oldID || len(acc) != 1 || acc[0] != next.ID {
		t.Fatalf("after add: current %s, accepted %v", cur, acc)
	}
	stale := t.TempDir() // a process still on the old ring
	b, _ := os.ReadFile(filepath.Join(dir, "payload.key"))
	os.WriteFile(filepath.Join(stale, "payload.key"), b, 0o600)

	if err := codec.Promote(dir, next.ID); err != nil {
		t.Fatal(err)
	}
	if cur, acc, _ := codec.IDs(dir); cur != next.ID || len(acc) != 1 || acc[0] != oldID {
		t.Fatalf("after promote: current %s, accepted %v", cur, acc)
	}
	after := seal(t, dir, "Số điện thoại 0912345678")
	if id := string(after.Metadata["encryption-key-id"]); id != next.ID {
		t.Errorf("a new payload is sealed with %s, want %s", id, next.ID)
	}
	for _, p := range []*commonpb.Payload{before, after} {
		if s, err := open(t, dir, p); err != nil || !strings.HasPrefix(s, "Số") {
			t.Errorf("open %s: %q %v", p.Metadata["encryption-key-id"], s, err)
		}
	}
	if _, err := open(t, stale, after); err == nil || !strings.Contains(err.Error(), next.ID) {
		t.Errorf("a process without the new key: %v", err)
	}
	if err := codec.Promote(dir, "deadbeef"); err == nil {
		t.Error("promoting a key that is not there worked")
	}
}

// The environment gives the ring instead of files.
func TestPayloadKeysFromTheEnvironment(t *testing.T) {
	dir := t.TempDir()
	before := seal(t, dir, "x")
	old, _ := os.ReadFile(filepath.Join(dir, "payload.key"))
	fresh := make([]byte, 32)
	fresh[0] = 7
	t.Setenv("MOTCUA_PAYLOAD_KEY", hex.EncodeToString(fresh))
	t.Setenv("MOTCUA_PAYLOAD_KEYS_ACCEPTED", strings.TrimSpace(string(old)))
	empty := t.TempDir()
	if s, err := open(t, empty, before); err != nil || s != "x" {
		t.Fatalf("%q %v", s, err)
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("keys from the environment wrote %v", entries)
	}
	t.Setenv("MOTCUA_PAYLOAD_KEY", "not hex")
	if _, _, err := codec.LoadRing(empty); err == nil {
		t.Error("a bad key in the environment was accepted")
	}
}
