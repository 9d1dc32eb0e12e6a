// Package codec encrypts every Temporal payload motcua writes with AES-256-GCM,
// so that personal data in workflow inputs, results, updates and activity
// arguments is never stored in clear in the Temporal database.
package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

	"github.com/motcua/motcua/internal/fileonce"
)

const (
	metadataEncoding = "binary/encrypted"
	metadataKeyID    = "encryption-key-id"
	encodingKey      = "encoding"
)

// Key is an AES-256 key with a short public id, written into each payload's
// metadata so a future key rotation knows which key sealed what.
type Key struct {
	ID     string
	secret []byte
}

// NewKey wraps 32 secret bytes.
func NewKey(secret []byte) (Key, error) {
	if len(secret) != 32 {
		return Key{}, fmt.Errorf("payload key must be 32 bytes, got %d", len(secret))
	}
	sum := sha256.Sum256(secret)
	return Key{ID: hex.EncodeToString(sum[:4]), secret: secret}, nil
}

// LoadOrCreateKey reads the hex key at path, creating it (mode 0600) with
// fresh random bytes when the file does not exist.
func LoadOrCreateKey(path string) (Key, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return Key{}, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return Key{}, fmt.Errorf("create key folder: %w", err)
		}
		// Put in place whole: a process starting beside this one reads
		// either no key or this one, never half of it.
		if err := fileonce.Write(path, []byte(hex.EncodeToString(secret)+"\n")); err != nil && !errors.Is(err, os.ErrExist) {
			return Key{}, fmt.Errorf("create payload key: %w", err)
		}
		return LoadOrCreateKey(path) // whoever created it first, everyone reads it
	}
	if err != nil {
		return Key{}, fmt.Errorf("read payload key: %w", err)
	}
	secret, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return Key{}, fmt.Errorf("payload key %s is not hex: %w", path, err)
	}
	return NewKey(secret)
}

// Codec is a converter.PayloadCodec sealing payloads with AES-GCM: with
// its current key, opening those of any key of its ring (the key id is in
// each payload's metadata), so that after a rotation old payloads stay
// readable.
type Codec struct {
	key  Key
	aead cipher.AEAD
	ring map[string]cipher.AEAD // key id -> cipher, the current one included
}

// New returns a codec sealing with current and opening payloads sealed with
// current or any of accepted.
func New(current Key, accepted ...Key) (*Codec, error) {
	c := &Codec{key: current, ring: map[string]cipher.AEAD{}}
	for _, k := range append([]Key{current}, accepted...) {
		block, err := aes.NewCipher(k.secret)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		c.ring[k.ID] = aead
	}
	c.aead = c.ring[current.ID]
	return c, nil
}

// Encode seals each payload (metadata and data) into a new payload.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := p.Marshal()
		if err != nil {
			return nil, fmt.Errorf("marshal payload: %w", err)
		}
		nonce := make([]byte, c.aead.NonceSize())
		if _, err := rand.Read(nonce); err != nil {
			return nil, err
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				encodingKey:   []byte(metadataEncoding),
				metadataKeyID: []byte(c.key.ID),
			},
			Data: c.aead.Seal(nonce, nonce, plain, []byte(c.key.ID)),
		}
	}
	return out, nil
}

// ErrNotSealed is Decode's answer to a payload this codec did not seal.
var ErrNotSealed = errors.New("the payload is not encrypted with motcua's payload key: refused")

// Sealed reports whether p claims to be sealed by a codec like this one.
func Sealed(p *commonpb.Payload) bool { return string(p.Metadata[encodingKey]) == metadataEncoding }

// Decode opens payloads sealed by Encode with this key and refuses every
// other: a client that reaches Temporal without the key cannot hand a
// worker a payload of its own.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if !Sealed(p) {
			return nil, ErrNotSealed
		}
		keyID := string(p.Metadata[metadataKeyID])
		aead, ok := c.ring[keyID]
		if !ok {
			return nil, fmt.Errorf("payload sealed with key %s, which this process does not have (current key %s): give it the key (motcua keys)", keyID, c.key.ID)
		}
		n := aead.NonceSize()
		if len(p.Data) < n {
			return nil, errors.New("encrypted payload too short")
		}
		plain, err := aead.Open(nil, p.Data[:n], p.Data[n:], []byte(keyID))
		if err != nil {
			return nil, fmt.Errorf("decrypt payload: %w", err)
		}
		var dec commonpb.Payload
		if err := dec.Unmarshal(plain); err != nil {
			return nil, fmt.Errorf("unmarshal payload: %w", err)
		}
		out[i] = &dec
	}
	return out, nil
}

// DataConverter is the converter every motcua client, worker and replayer
// uses: the SDK's default JSON conversion, sealed by the codec.
func DataConverter(current Key, accepted ...Key) (converter.DataConverter, error) {
	c, err := New(current, accepted...)
	if err != nil {
		return nil, err
	}
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c), nil
}
