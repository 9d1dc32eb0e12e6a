package codec_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/converter"

	"github.com/motcua/motcua/codec"
)

func TestPayloadsAreSealedAndOpened(t *testing.T) {
	dir := t.TempDir()
	key, err := codec.LoadOrCreateKey(filepath.Join(dir, "payload.key"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := codec.LoadOrCreateKey(filepath.Join(dir, "payload.key"))
	if err != nil || again.ID != key.ID {
		t.Fatalf("reloaded key %v %v", again.ID, err)
	}
	dc, err := codec.DataConverter(key)
	if err != nil {
		t.Fatal(err)
	}
	secret := map[string]string{"id_number": "001203004567"}
	p, err := dc.ToPayload(secret)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(p.Data, []byte("001203004567")) || string(p.Metadata["encoding"]) != "binary/encrypted" {
		t.Fatalf("payload not sealed: %s", p)
	}
	var back map[string]string
	if err := dc.FromPayload(p, &back); err != nil || back["id_number"] != "001203004567" {
		t.Fatalf("opened %v %v", back, err)
	}
	// Tampering and another unit's key are both refused.
	p.Data[len(p.Data)-1] ^= 1
	if err := dc.FromPayload(p, &back); err == nil {
		t.Error("a tampered payload was opened")
	}
	other, _ := codec.LoadOrCreateKey(filepath.Join(t.TempDir(), "k"))
	odc, _ := codec.DataConverter(other)
	p2, _ := dc.ToPayload(secret)
	if err := odc.FromPayload(p2, &back); err == nil {
		t.Error("another key opened the payload")
	}
	// Plain payloads (e.g. search attributes) still pass through.
	plain, _ := converter.GetDefaultDataConverter().ToPayload("x")
	var s string
	if err := dc.FromPayload(plain, &s); err != nil || s != "x" {
		t.Errorf("plain payload: %v %q", err, s)
	}
}
