package main

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

// The citizen index key comes from the keys folder (created once), from
// the archive folder of a data folder made before (kept, so the index
// still finds its citizens), or from the environment.
func TestCitizenIndexKeySources(t *testing.T) {
	fresh := &common{data: t.TempDir()}
	a, err := fresh.citizenIndexKey()
	if err != nil || len(a) != 32 {
		t.Fatalf("%x %v", a, err)
	}
	if again, _ := fresh.citizenIndexKey(); !bytes.Equal(a, again) {
		t.Error("a second start made another key")
	}
	if _, err := os.Stat(filepath.Join(fresh.data, "keys", "citizen-index.key")); err != nil {
		t.Error(err)
	}

	legacy := &common{data: t.TempDir()}
	old := bytes.Repeat([]byte{7}, 32)
	os.MkdirAll(filepath.Join(legacy.data, "archive"), 0o700)
	os.WriteFile(filepath.Join(legacy.data, "archive", "citizen-index.key"), []byte(hex.EncodeToString(old)), 0o600)
	if k, err := legacy.citizenIndexKey(); err != nil || !bytes.Equal(k, old) {
		t.Errorf("a data folder from before: %x %v", k, err)
	}

	elsewhere := &common{data: t.TempDir(), keys: t.TempDir()}
	t.Setenv("MOTCUA_CITIZEN_INDEX_KEY", hex.EncodeToString(old))
	if k, err := elsewhere.citizenIndexKey(); err != nil || !bytes.Equal(k, old) {
		t.Errorf("from the environment: %x %v", k, err)
	}
	if entries, _ := os.ReadDir(elsewhere.keys); len(entries) != 0 {
		t.Error("a key from the environment was written to the folder")
	}
}
