// Package backup copies a one-machine office's data folder while it runs,
// and restores it into a new one: Temporal's SQLite store and the figures'
// read model as consistent copies (SQLite's VACUUM INTO, not a file copy
// of a database being written), the archive's blobs incrementally (only
// the ones the destination lacks: they never change, their name is their
// SHA-256), the archive's records, and every other file of the folder (the
// keys, the CAs, the users' tokens) sealed with a passphrase. A manifest
// lists every file of a snapshot with its SHA-256; restore checks each.
//
// A destination, a folder or a bucket, holds many snapshots
// (DEST/snapshots/YYYYMMDDTHHMMSSZ/) and one pool of blobs (DEST/blobs/)
// they share.
package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/scrypt"
	_ "modernc.org/sqlite" // the database/sql driver "sqlite"

	"github.com/motcua/motcua/internal/fileonce"
)

// PassphraseEnv names the environment variable the sealing passphrase
// comes from.
const PassphraseEnv = "MOTCUA_BACKUP_PASSPHRASE"

// MinPassphrase is the shortest passphrase Take accepts.
const MinPassphrase = 12

// databases are the SQLite files of a data folder, copied consistently.
var databases = []string{"temporal.db", "readmodel.db"}

// Manifest describes one snapshot.
type Manifest struct {
	Format  int       `json:"format"`
	TakenAt time.Time `json:"taken_at"`
	// Files are the snapshot's own files (databases, the sealed bundle,
	// the archive's records), relative to the snapshot, with their SHA-256.
	Files map[string]string `json:"files"`
	// Blobs are the archive's blobs the snapshot needs, in the shared pool.
	Blobs []string `json:"blobs"`
	// NewBlobs counts the blobs this snapshot copied (the others were
	// there from an earlier one).
	NewBlobs int   `json:"new_blobs"`
	Bytes    int64 `json:"bytes"`
	// Outside are the files from outside the data folder sealed with the
	// secrets (the users file, the catalog), by their name in the bundle
	// (outside/NAME, restored there), with the path each was read from.
	Outside map[string]string `json:"outside,omitempty"`
}

const format = 1

// Take copies the data folder data into a new snapshot at dest (a folder,
// or s3://BUCKET[/PREFIX]?endpoint=…&region=… as --archive takes), the
// passphrase sealing the secrets with the files named outside (the users
// file, the catalog, when they live elsewhere), and returns its manifest
// and name.
func Take(data, dest string, passphrase []byte, outside ...string) (Manifest, string, error) {
	if len(passphrase) < MinPassphrase {
		return Manifest{}, "", fmt.Errorf("the passphrase (%s) must be at least %d characters", PassphraseEnv, MinPassphrase)
	}
	to, err := open(dest)
	if err != nil {
		return Manifest{}, "", err
	}
	m := Manifest{Format: format, TakenAt: time.Now().UTC(), Files: map[string]string{}}
	name := m.TakenAt.Format("20060102T150405.000Z")
	tmp, err := to.stage(name)
	if err != nil {
		return m, "", err
	}
	defer os.RemoveAll(tmp) // gone once the snapshot is in place
	// First what acknowledges dossiers (Temporal's store), then the read
	// model, then the archive's records, then its blobs: every blob a
	// history or a record names was written before it, so it is there
	// when the blobs are listed.
	for _, db := range databases {
		src := filepath.Join(data, db)
		if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := vacuumInto(src, filepath.Join(tmp, db)); err != nil {
			return m, "", fmt.Errorf("copy %s: %w", db, err)
		}
	}
	archive := filepath.Join(data, "archive")
	if err := copyTree(archive, filepath.Join(tmp, "archive"), func(rel string) bool { return !strings.HasPrefix(rel, "blobs/") && !strings.HasPrefix(rel, "tmp/") }); err != nil {
		return m, "", fmt.Errorf("copy the archive's records: %w", err)
	}
	if m.Outside, err = outsideNames(data, outside); err != nil {
		return m, "", err
	}
	sealed, err := sealFolder(data, passphrase, m.Outside)
	if err != nil {
		return m, "", err
	}
	if err := os.WriteFile(filepath.Join(tmp, "secrets.sealed"), sealed, 0o600); err != nil {
		return m, "", err
	}
	blobs, err := listBlobs(filepath.Join(archive, "blobs"))
	if err != nil {
		return m, "", err
	}
	for _, sum := range blobs {
		if there, err := to.has(blobName(sum)); err != nil || there {
			if err != nil {
				return m, "", err
			}
			continue
		}
		if err := to.put(blobName(sum), filepath.Join(archive, "blobs", sum[:2], sum), sum); err != nil {
			return m, "", fmt.Errorf("blob %s: %w", sum[:12], err)
		}
		m.NewBlobs++
	}
	m.Blobs = blobs
	err = filepath.WalkDir(tmp, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		sum, n, err := hashFile(p)
		rel, _ := filepath.Rel(tmp, p)
		m.Files[filepath.ToSlash(rel)] = sum
		m.Bytes += n
		return err
	})
	if err != nil {
		return m, "", err
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := writeSynced(filepath.Join(tmp, "manifest.json"), b); err != nil {
		return m, "", err
	}
	return m, name, to.place(name, tmp, m) // a snapshot is there whole, or not at all
}

// Latest is the newest whole snapshot at dest.
func Latest(dest string) (string, error) {
	from, err := open(dest)
	if err != nil {
		return "", err
	}
	names, err := from.snapshots()
	if err != nil || len(names) == 0 {
		return "", fmt.Errorf("no snapshots in %s: %v", dest, err)
	}
	slices.Sort(names)
	return names[len(names)-1], nil
}

// Restore writes snapshot name of dest into data, which must be empty or
// missing: every file checked against the manifest, every blob against
// its name, the secrets unsealed with the passphrase.
func Restore(dest, name, data string, passphrase []byte) (Manifest, error) {
	var m Manifest
	if entries, err := os.ReadDir(data); err == nil && len(entries) > 0 {
		return m, fmt.Errorf("%s is not empty: restore into a new folder", data)
	}
	from, err := open(dest)
	if err != nil {
		return m, err
	}
	snap := "snapshots/" + name + "/"
	b, err := from.read(snap + "manifest.json")
	if err != nil {
		return m, fmt.Errorf("snapshot %s: %w", name, err)
	}
	if err := json.Unmarshal(b, &m); err != nil || m.Format != format {
		return m, fmt.Errorf("snapshot %s: the manifest is not one this motcua reads", name)
	}
	sealed, err := from.read(snap + "secrets.sealed")
	if err != nil {
		return m, err
	}
	if sum := sha256.Sum256(sealed); hex.EncodeToString(sum[:]) != m.Files["secrets.sealed"] {
		return m, errors.New("secrets.sealed does not match the manifest")
	}
	if err := unsealInto(sealed, passphrase, data); err != nil {
		return m, err
	}
	fetch := func(from source, name, to, want string) error {
		b, err := from.read(name)
		if err != nil {
			return err
		}
		if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != want {
			return fmt.Errorf("%s does not hash to %s", name, want[:12])
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
			return err
		}
		return writeSynced(to, b)
	}
	for _, rel := range slices.Sorted(maps.Keys(m.Files)) {
		if rel == "secrets.sealed" {
			continue
		}
		if !filepath.IsLocal(filepath.FromSlash(rel)) {
			return m, fmt.Errorf("the manifest names %q", rel)
		}
		if err := fetch(from, snap+rel, filepath.Join(data, filepath.FromSlash(rel)), m.Files[rel]); err != nil {
			return m, fmt.Errorf("%s: %w", rel, err)
		}
	}
	for _, sum := range m.Blobs {
		if err := fetch(from, blobName(sum), filepath.Join(data, "archive", "blobs", sum[:2], sum), sum); err != nil {
			return m, fmt.Errorf("blob %s: %w", sum[:12], err)
		}
	}
	return m, nil
}

func blobName(sum string) string { return "blobs/" + sum[:2] + "/" + sum }

// vacuumInto writes a consistent copy of the SQLite database src to dst
// while others may write it (SQLite's VACUUM INTO reads one snapshot).
func vacuumInto(src, dst string) error {
	db, err := sql.Open("sqlite", "file:"+src+"?mode=ro&_pragma=busy_timeout(30000)")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec("VACUUM INTO ?", dst); err != nil {
		return err
	}
	f, err := os.Open(dst)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// sealFolder is every file of data but the databases and the archive,
// as a gzipped tar sealed with AES-256-GCM under a key derived from the
// passphrase by scrypt: "MOTCUA-SEALED-1\n", salt, nonce, ciphertext.
// outsideNames names each file of paths that is not in data by its base
// name under outside/ (two with one name are refused).
func outsideNames(data string, paths []string) (map[string]string, error) {
	out := map[string]string{}
	absData, _ := filepath.Abs(data)
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		if rel, err := filepath.Rel(absData, abs); err == nil && filepath.IsLocal(rel) {
			continue // in the folder: sealed with it
		}
		if _, err := os.Stat(abs); err != nil {
			return nil, fmt.Errorf("a file to back up: %w", err)
		}
		name := "outside/" + filepath.Base(abs)
		if other, ok := out[name]; ok && other != abs {
			return nil, fmt.Errorf("%s and %s have one name: copy one beside the data folder under another", other, abs)
		}
		out[name] = abs
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func sealFolder(data string, passphrase []byte, outside map[string]string) ([]byte, error) {
	var raw bytes.Buffer
	gz := gzip.NewWriter(&raw)
	tw := tar.NewWriter(gz)
	err := filepath.WalkDir(data, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(data, p)
		rel = filepath.ToSlash(rel)
		if rel == "archive" || (!d.IsDir() && slices.ContainsFunc(databases, func(db string) bool { return strings.HasPrefix(rel, db) })) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !d.Type().IsRegular() || fileonce.InProgress(rel) {
			return nil
		}
		b, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed since the folder was listed
		}
		if err != nil {
			return err
		}
		info, _ := d.Info()
		if err := tw.WriteHeader(&tar.Header{Name: rel, Mode: int64(info.Mode().Perm()), Size: int64(len(b)), ModTime: info.ModTime()}); err != nil {
			return err
		}
		_, err = tw.Write(b)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("seal the folder's files: %w", err)
	}
	for _, name := range slices.Sorted(maps.Keys(outside)) {
		b, err := os.ReadFile(outside[name])
		if err != nil {
			return nil, fmt.Errorf("seal %s: %w", outside[name], err)
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(b)), ModTime: time.Now()}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(b); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	salt := make([]byte, 16)
	rand.Read(salt)
	aead, err := sealer(passphrase, salt)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	out := append([]byte(sealedMagic), salt...)
	out = append(out, nonce...)
	return aead.Seal(out, nonce, raw.Bytes(), []byte(sealedMagic)), nil
}

const sealedMagic = "MOTCUA-SEALED-1\n"

func sealer(passphrase, salt []byte) (cipher.AEAD, error) {
	key, err := scrypt.Key(passphrase, salt, 1<<15, 8, 1, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// unsealInto opens a sealed bundle and writes its files under data.
func unsealInto(sealed, passphrase []byte, data string) error {
	if !bytes.HasPrefix(sealed, []byte(sealedMagic)) || len(sealed) < len(sealedMagic)+16+12 {
		return errors.New("secrets.sealed is not a sealed bundle")
	}
	rest := sealed[len(sealedMagic):]
	aead, err := sealer(passphrase, rest[:16])
	if err != nil {
		return err
	}
	raw, err := aead.Open(nil, rest[16:16+aead.NonceSize()], rest[16+aead.NonceSize():], []byte(sealedMagic))
	if err != nil {
		return fmt.Errorf("the secrets do not open with this passphrase (%s)", PassphraseEnv)
	}
	gz, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if !filepath.IsLocal(h.Name) {
			return fmt.Errorf("the bundle names %q", h.Name)
		}
		p := filepath.Join(data, filepath.FromSlash(h.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return err
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return err
		}
		if err := writeSynced(p, b); err != nil {
			return err
		}
		os.Chmod(p, fs.FileMode(h.Mode).Perm())
	}
}

// copyTree copies the regular files of src that keep (given their path
// relative to src) into dst.
func copyTree(src, dst string, keep func(rel string) bool) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == src {
			return filepath.SkipDir
		}
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if !keep(filepath.ToSlash(rel)) {
			return nil
		}
		return copyChecked(p, filepath.Join(dst, rel), "")
	})
}

// listBlobs lists the blob names (SHA-256) under dir.
func listBlobs(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == dir {
			return filepath.SkipDir
		}
		if err != nil || d.IsDir() {
			return err
		}
		if name := d.Name(); len(name) == 64 && !strings.Contains(name, ".") {
			out = append(out, name)
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}

// copyChecked copies src to dst (made durable, then renamed into place);
// with want set, the bytes must hash to it.
func copyChecked(src, dst, want string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if want != "" {
		if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != want {
			return fmt.Errorf("%s does not hash to %s", src, want[:12])
		}
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	return writeSynced(dst, b)
}

func writeSynced(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func hashFile(p string) (string, int64, error) {
	b, err := os.ReadFile(p)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), int64(len(b)), err
}

func hashOf(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
