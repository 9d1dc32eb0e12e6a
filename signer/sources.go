package signer

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/ThalesGroup/crypto11"
)

// Source gives a signing key. Implementations: a PKCS#12 file, a PKCS#11
// token or HSM, the dev CA.
type Source interface {
	Key() (Key, error)
}

// Secret is a password or PIN, read from a file or an environment variable
// when needed; it is never logged or printed.
type Secret struct {
	File string `json:"file,omitempty"`
	Env  string `json:"env,omitempty"`
}

// Read returns the secret, trimmed of surrounding white space.
func (s Secret) Read() (string, error) {
	switch {
	case s.File != "" && s.Env != "":
		return "", errors.New("a secret comes from a file or an environment variable, not both")
	case s.File != "":
		b, err := os.ReadFile(s.File)
		if err != nil {
			return "", fmt.Errorf("read secret: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	case s.Env != "":
		v, ok := os.LookupEnv(s.Env)
		if !ok {
			return "", fmt.Errorf("environment variable %s is not set", s.Env)
		}
		return v, nil
	}
	return "", nil
}

// PKCS12File is a key in a PKCS#12 file.
type PKCS12File struct {
	Path     string `json:"file"`
	Password Secret `json:"password"`
}

// Key loads the key.
func (p PKCS12File) Key() (Key, error) {
	pw, err := p.Password.Read()
	if err != nil {
		return Key{}, err
	}
	return LoadPKCS12(p.Path, pw)
}

// PKCS11Token is a key on a PKCS#11 token or HSM: the private key never
// leaves it. The key pair and its certificate are found by label; the chain
// above the certificate comes from ChainFile (PEM) when the token lacks it.
type PKCS11Token struct {
	Module    string `json:"module"`
	Token     string `json:"token"`
	KeyLabel  string `json:"key_label"`
	PIN       Secret `json:"pin"`
	ChainFile string `json:"chain_file,omitempty"`
}

// contexts holds one open session pool per module and token.
var contexts struct {
	sync.Mutex
	open map[string]*crypto11.Context
}

func (p PKCS11Token) context() (*crypto11.Context, error) {
	contexts.Lock()
	defer contexts.Unlock()
	id := p.Module + "\x00" + p.Token
	if c, ok := contexts.open[id]; ok {
		return c, nil
	}
	pin, err := p.PIN.Read()
	if err != nil {
		return nil, err
	}
	c, err := crypto11.Configure(&crypto11.Config{Path: p.Module, TokenLabel: p.Token, Pin: pin})
	if err != nil {
		return nil, fmt.Errorf("open token %q with %s: %w", p.Token, filepath.Base(p.Module), err)
	}
	if contexts.open == nil {
		contexts.open = map[string]*crypto11.Context{}
	}
	contexts.open[id] = c
	return c, nil
}

// Key finds the key pair and certificate on the token.
func (p PKCS11Token) Key() (Key, error) {
	c, err := p.context()
	if err != nil {
		return Key{}, err
	}
	s, err := c.FindKeyPair(nil, []byte(p.KeyLabel))
	if err != nil {
		return Key{}, fmt.Errorf("find key %q on token %q: %w", p.KeyLabel, p.Token, err)
	}
	if s == nil {
		return Key{}, fmt.Errorf("no key %q on token %q", p.KeyLabel, p.Token)
	}
	cert, err := c.FindCertificate(nil, []byte(p.KeyLabel), nil)
	if err != nil || cert == nil {
		return Key{}, fmt.Errorf("no certificate %q on token %q: %v", p.KeyLabel, p.Token, err)
	}
	k := Key{Signer: s, Certificate: cert}
	if p.ChainFile != "" {
		if k.Chain, err = ReadCertificates(p.ChainFile); err != nil {
			return Key{}, err
		}
	}
	return k, nil
}

// ReadCertificates reads the certificates of a PEM file.
func ReadCertificates(path string) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read chain: %w", err)
	}
	certs, err := ParseCertificates(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return certs, nil
}

// ParseCertificates reads the CERTIFICATE blocks of PEM text, in order; a
// block that does not parse, or none at all, is an error.
func ParseCertificates(b []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("holds no certificate")
	}
	return out, nil
}

// SignerConfig is one user's entry in the signers file: exactly one of the
// key sources.
type SignerConfig struct {
	PKCS12 *PKCS12File  `json:"pkcs12,omitempty"`
	PKCS11 *PKCS11Token `json:"pkcs11,omitempty"`
}

// Signers maps user ids to their key sources (the --signers file).
type Signers map[string]Source

// LoadSigners reads a signers file:
//
//	{"signers": {
//	  "chairman1": {"pkcs12": {"file": "chairman.p12", "password": {"env": "CHAIRMAN_P12_PASSWORD"}}},
//	  "vice1": {"pkcs11": {"module": "/usr/lib/softhsm/libsofthsm2.so", "token": "ubnd",
//	            "key_label": "vice1", "pin": {"file": "/run/secrets/pin"}, "chain_file": "ca.pem"}}}}
//
// Relative paths are read from the file's folder.
func LoadSigners(path string) (Signers, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read signers: %w", err)
	}
	var f struct {
		Signers map[string]SignerConfig `json:"signers"`
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("signers file %s: %w", path, err)
	}
	dir := filepath.Dir(path)
	rel := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	out := Signers{}
	for user, c := range f.Signers {
		switch {
		case c.PKCS12 != nil && c.PKCS11 == nil:
			p := *c.PKCS12
			if p.Path == "" {
				return nil, fmt.Errorf("signer %s: pkcs12 needs file", user)
			}
			p.Path, p.Password.File = rel(p.Path), rel(p.Password.File)
			out[user] = p
		case c.PKCS11 != nil && c.PKCS12 == nil:
			p := *c.PKCS11
			p.ChainFile, p.PIN.File = rel(p.ChainFile), rel(p.PIN.File)
			if p.Module == "" || p.Token == "" || p.KeyLabel == "" {
				return nil, fmt.Errorf("signer %s: pkcs11 needs module, token and key_label", user)
			}
			out[user] = p
		default:
			return nil, fmt.Errorf("signer %s: give exactly one of pkcs12 or pkcs11", user)
		}
	}
	return out, nil
}
