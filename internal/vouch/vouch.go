// Package vouch lets the API vouch for the decisions it hands to the
// dossier workflows, and the workers check that it did: each decision's
// update carries, in its header, a Voucher (who asked, in which role, for
// which dossier and update, at which revision, when) signed with the API's
// Ed25519 command key over the command. A client that reaches Temporal
// directly has no such key, so it cannot decide or sign; a voucher cannot
// be moved to another dossier or used twice (the dossier's revision moves
// on with each decision). The commands themselves (motcua.Review, …) know
// nothing of it: the client and worker interceptors of this package carry
// and check it.
package vouch

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/fileonce"
)

// Voucher is the API's word that a command comes from a signed-in user:
// who, in which role, for which dossier and update, at which revision of
// the dossier, when; signed with the API's command key over the command.
// Workers carry out no decision without one.
type Voucher struct {
	Actor     motcua.User `json:"actor"`
	DossierID string      `json:"dossier_id"`
	Update    string      `json:"update"`
	Revision  int         `json:"revision"`
	IssuedAt  time.Time   `json:"issued_at"`
	// CommandSHA256 is the SHA-256 of the command's JSON; Signature is
	// over the voucher's JSON without the signature.
	CommandSHA256 string `json:"command_sha256"`
	Signature     []byte `json:"signature,omitempty"`
}

// Signer vouches for commands with the API's private command key.
type Signer struct{ key ed25519.PrivateKey }

// Verifier checks vouchers against the command keys it trusts.
type Verifier struct{ keys []ed25519.PublicKey }

// NewVerifier trusts the given public keys.
func NewVerifier(keys ...ed25519.PublicKey) Verifier { return Verifier{keys: keys} }

// Verifier trusts this signer's key.
func (s Signer) Verifier() Verifier { return NewVerifier(s.key.Public().(ed25519.PublicKey)) }

// Generate returns a signer with a fresh key that is kept nowhere (tests,
// and processes that vouch for themselves).
func Generate() (Signer, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	return Signer{key: key}, err
}

// LoadOrCreate reads the command key at path (hex of its 32-byte seed),
// creating it (mode 0600) on first use, and writes its public half beside
// it (PublicPath) for the workers, which never read the key itself.
func LoadOrCreate(path string) (Signer, error) {
	if err := create(path); err != nil {
		return Signer{}, fmt.Errorf("command key: %w", err)
	}
	b, err := os.ReadFile(path) // whoever created it first, everyone reads it
	if err != nil {
		return Signer{}, fmt.Errorf("command key: %w", err)
	}
	s, err := ParseSigner(string(b))
	if err != nil {
		return Signer{}, fmt.Errorf("command key %s: %w", path, err)
	}
	pub := hex.EncodeToString(s.key.Public().(ed25519.PublicKey)) + "\n"
	if err := fileonce.Write(PublicPath(path), []byte(pub)); err != nil && !errors.Is(err, os.ErrExist) {
		return Signer{}, fmt.Errorf("command key's public half: %w", err)
	}
	return s, nil
}

// ParseSigner reads a command key: hex of its 32-byte seed.
func ParseSigner(hexSeed string) (Signer, error) {
	seed, err := hex.DecodeString(strings.TrimSpace(hexSeed))
	if err != nil || len(seed) != ed25519.SeedSize {
		return Signer{}, fmt.Errorf("not %d hex bytes", ed25519.SeedSize)
	}
	return Signer{key: ed25519.NewKeyFromSeed(seed)}, nil
}

// PublicPath is where the public half of the command key at path is
// written: command.key's is command.pub.
func PublicPath(path string) string { return strings.TrimSuffix(path, ".key") + ".pub" }

// ParseVerifier reads public command keys: hex, one a line or separated
// by commas (several while a key is being replaced).
func ParseVerifier(text string) (Verifier, error) {
	var keys []ed25519.PublicKey
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == '\n' || r == ' ' || r == '\r' }) {
		k, err := hex.DecodeString(f)
		if err != nil || len(k) != ed25519.PublicKeySize {
			return Verifier{}, fmt.Errorf("a public command key is %d hex bytes, not %q", ed25519.PublicKeySize, f)
		}
		keys = append(keys, ed25519.PublicKey(k))
	}
	if len(keys) == 0 {
		return Verifier{}, errors.New("no public command key")
	}
	return NewVerifier(keys...), nil
}

// create writes a fresh key at path unless one is there.
func create(path string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	if err := fileonce.Write(path, []byte(hex.EncodeToString(seed)+"\n")); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return nil
}

// Vouch signs v for cmd, the command as it will be sent (the voucher
// covers the command's SHA-256).
func (s Signer) Vouch(cmd any, v Voucher) (*Voucher, error) {
	d, err := digest(cmd)
	if err != nil {
		return nil, err
	}
	v.CommandSHA256, v.Signature = d, nil
	msg, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	v.Signature = ed25519.Sign(s.key, msg)
	return &v, nil
}

// Errors of Verify.
var (
	ErrNoVoucher = errors.New("the command is not vouched for by motcua's API")
	ErrForged    = errors.New("the command's voucher is not signed by a trusted command key")
	ErrAltered   = errors.New("the command is not the one its voucher was signed for")
)

// Verify checks that v is a voucher of a trusted key for cmd.
func (ver Verifier) Verify(cmd any, v *Voucher) error {
	if err := ver.VerifyVoucher(v); err != nil {
		return err
	}
	d, err := digest(cmd)
	if err != nil {
		return err
	}
	if d != v.CommandSHA256 {
		return ErrAltered
	}
	return nil
}

// VerifyVoucher checks that v itself is signed by a trusted key, for a
// caller that has the voucher but not the command (an activity that acts
// for the user it names).
func (ver Verifier) VerifyVoucher(v *Voucher) error {
	if v == nil {
		return ErrNoVoucher
	}
	unsigned := *v
	unsigned.Signature = nil
	msg, err := json.Marshal(unsigned)
	if err != nil {
		return err
	}
	for _, k := range ver.keys {
		if ed25519.Verify(k, msg, v.Signature) {
			return nil
		}
	}
	return ErrForged
}

func digest(cmd any) (string, error) {
	b, err := json.Marshal(cmd)
	if err != nil {
		return "", fmt.Errorf("vouch: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
