package codec_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

	"github.com/motcua/motcua/internal/codec"
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
	// A plain payload, as a client without the key would send, is refused.
	plain, _ := converter.GetDefaultDataConverter().ToPayload("x")
	var s string
	if err := dc.FromPayload(plain, &s); !errors.Is(err, codec.ErrNotSealed) {
		t.Errorf("plain payload: %v %q, want it refused", err, s)
	}
}

// FuzzDecode: a payload from anyone who reaches Temporal, whatever its
// metadata and bytes, is opened only when this key sealed it; otherwise
// Decode refuses it, and never panics. What the codec seals it opens
// again, byte for byte.
func FuzzDecode(f *testing.F) {
	key, err := codec.NewKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		f.Fatal(err)
	}
	c, err := codec.New(key)
	if err != nil {
		f.Fatal(err)
	}
	sealed, _ := c.Encode([]*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`{"id_number":"001203004567"}`)}})
	f.Add([]byte("binary/encrypted"), []byte(key.ID), sealed[0].Data)
	f.Add([]byte("binary/encrypted"), []byte("other"), sealed[0].Data)
	f.Add([]byte("json/plain"), []byte(""), []byte(`"hello"`))
	f.Add([]byte("binary/encrypted"), []byte(key.ID), []byte{1, 2})
	f.Fuzz(func(t *testing.T, encoding, keyID, data []byte) {
		in := &commonpb.Payload{Metadata: map[string][]byte{"encoding": encoding, "encryption-key-id": keyID}, Data: data}
		out, err := c.Decode([]*commonpb.Payload{in})
		if err != nil {
			return
		}
		// The only payload this key ever sealed is the seed's: anything
		// else that opens was forged.
		if string(encoding) == "binary/encrypted" && !bytes.Equal(out[0].Data, []byte(`{"id_number":"001203004567"}`)) {
			t.Fatalf("opened a payload this key did not seal: %x", data)
		}
		if string(encoding) != "binary/encrypted" {
			t.Fatalf("a payload that is not encrypted was taken: %q", encoding)
		}
		again, err := c.Encode(out)
		if err != nil {
			t.Fatal(err)
		}
		back, err := c.Decode(again)
		if err != nil || !bytes.Equal(back[0].Data, out[0].Data) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
