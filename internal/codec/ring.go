package codec

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/motcua/motcua/internal/fileonce"
)

// A keys folder holds the payload key ring: payload.key seals new payloads;
// each payload-<id>.key beside it is accepted, opening payloads sealed
// with it. A rotation is two steps, so that no process meets a payload it
// cannot open: AddKey writes a new accepted key (give it to every process,
// restart them), then Promote makes it the sealing key and keeps the old
// one accepted (restart them again). The environment can give the keys
// instead of files: MOTCUA_PAYLOAD_KEY (hex, the sealing key) and
// MOTCUA_PAYLOAD_KEYS_ACCEPTED (hex, comma-separated).

const currentFile = "payload.key"

var acceptedFile = regexp.MustCompile(`^payload-([0-9a-f]{8})\.key$`)

// LoadRing returns the keys folder's sealing key (created on first use
// when the environment gives none) and its accepted keys.
func LoadRing(dir string) (current Key, accepted []Key, err error) {
	if env := os.Getenv("MOTCUA_PAYLOAD_KEY"); env != "" {
		if current, err = parseKey(env); err != nil {
			return Key{}, nil, fmt.Errorf("MOTCUA_PAYLOAD_KEY: %w", err)
		}
		for _, h := range strings.Split(os.Getenv("MOTCUA_PAYLOAD_KEYS_ACCEPTED"), ",") {
			if strings.TrimSpace(h) == "" {
				continue
			}
			k, err := parseKey(h)
			if err != nil {
				return Key{}, nil, fmt.Errorf("MOTCUA_PAYLOAD_KEYS_ACCEPTED: %w", err)
			}
			accepted = append(accepted, k)
		}
		return current, accepted, nil
	}
	if current, err = LoadOrCreateKey(filepath.Join(dir, currentFile)); err != nil {
		return Key{}, nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return Key{}, nil, err
	}
	for _, e := range entries {
		m := acceptedFile.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		k, err := readKey(filepath.Join(dir, e.Name()))
		if err != nil {
			return Key{}, nil, err
		}
		if k.ID != m[1] {
			return Key{}, nil, fmt.Errorf("%s holds key %s, not %s", e.Name(), k.ID, m[1])
		}
		if k.ID != current.ID {
			accepted = append(accepted, k)
		}
	}
	return current, accepted, nil
}

// AddKey writes a fresh accepted key into the folder and returns it.
func AddKey(dir string) (Key, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return Key{}, err
	}
	k, err := NewKey(secret)
	if err != nil {
		return Key{}, err
	}
	if err := fileonce.Write(filepath.Join(dir, "payload-"+k.ID+".key"), []byte(hex.EncodeToString(secret)+"\n")); err != nil {
		return Key{}, fmt.Errorf("write the new key: %w", err)
	}
	return k, nil
}

// Promote makes the accepted key id the sealing key; the key that sealed
// until now stays accepted.
func Promote(dir, id string) error {
	path := filepath.Join(dir, "payload-"+id+".key")
	next, err := readKey(path)
	if err != nil {
		return fmt.Errorf("no accepted key %s: %w", id, err)
	}
	old, err := readKey(filepath.Join(dir, currentFile))
	if err != nil {
		return err
	}
	if old.ID == next.ID {
		return nil
	}
	keep := filepath.Join(dir, "payload-"+old.ID+".key")
	if err := fileonce.Write(keep, []byte(hex.EncodeToString(old.secret)+"\n")); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("keep the old key: %w", err)
	}
	if err := fileonce.Replace(filepath.Join(dir, currentFile), []byte(hex.EncodeToString(next.secret)+"\n")); err != nil {
		return err
	}
	if err := syncFile(dir); err != nil {
		return err
	}
	return os.Remove(path)
}

// IDs lists the folder's sealing key id and its accepted ones, sorted.
func IDs(dir string) (current string, accepted []string, err error) {
	cur, acc, err := LoadRing(dir)
	if err != nil {
		return "", nil, err
	}
	for _, k := range acc {
		accepted = append(accepted, k.ID)
	}
	slices.Sort(accepted)
	return cur.ID, accepted, nil
}

func readKey(path string) (Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Key{}, err
	}
	k, err := parseKey(string(b))
	if err != nil {
		return Key{}, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

func parseKey(h string) (Key, error) {
	secret, err := hex.DecodeString(strings.TrimSpace(h))
	if err != nil {
		return Key{}, fmt.Errorf("not hex: %w", err)
	}
	return NewKey(secret)
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
