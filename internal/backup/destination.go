package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/motcua/motcua/internal/s3objects"
)

// source is where snapshots are read from, by slash-separated names
// ("snapshots/N/manifest.json", "blobs/ab/ab12…").
type source interface {
	read(name string) ([]byte, error)
	// snapshots are the names of the whole snapshots.
	snapshots() ([]string, error)
}

// destination is where snapshots go: a folder, or a bucket.
type destination interface {
	source
	has(name string) (bool, error)
	// put copies the local file from, which must hash to want, to name.
	put(name, from, want string) error
	// stage is a new local folder to make snapshot name in; place puts it
	// in place whole (the manifest last), and the caller removes it.
	stage(name string) (string, error)
	place(name, staged string, m Manifest) error
}

// open is the destination dest names: s3://… a bucket, anything else a
// folder.
func open(dest string) (destination, error) {
	if !s3objects.IsURL(dest) {
		return folder(dest), nil
	}
	b, err := s3objects.Open(context.Background(), dest)
	if err != nil {
		return nil, err
	}
	return bucket{b}, nil
}

// folder is a destination on this machine: a snapshot is made beside its
// place and renamed into it.
type folder string

func (f folder) path(name string) string { return filepath.Join(string(f), filepath.FromSlash(name)) }

func (f folder) read(name string) ([]byte, error) { return os.ReadFile(f.path(name)) }

func (f folder) has(name string) (bool, error) {
	_, err := os.Stat(f.path(name))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

func (f folder) put(name, from, want string) error { return copyChecked(from, f.path(name), want) }

func (f folder) stage(name string) (string, error) {
	dir := f.path("snapshots/" + name + ".partial")
	return dir, os.MkdirAll(dir, 0o700)
}

func (f folder) place(name, staged string, _ Manifest) error {
	return os.Rename(staged, f.path("snapshots/"+name))
}

func (f folder) snapshots() ([]string, error) {
	entries, err := os.ReadDir(f.path("snapshots"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasSuffix(e.Name(), ".partial") {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// bucket is a destination in S3: a snapshot is made in a local temporary
// folder, its files uploaded, the manifest last; a snapshot without its
// manifest is not one.
type bucket struct{ b *s3objects.Bucket }

func (b bucket) read(name string) ([]byte, error) { return b.b.Read(name) }

func (b bucket) has(name string) (bool, error) { return b.b.Exists(name) }

func (b bucket) put(name, from, want string) error {
	body, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if hashOf(body) != want {
		return fmt.Errorf("%s does not hash to %s", from, want[:12])
	}
	return b.b.Create(name, body)
}

func (b bucket) stage(name string) (string, error) {
	return os.MkdirTemp("", "motcua-backup-"+name+"-")
}

func (b bucket) place(name, staged string, m Manifest) error {
	for rel := range m.Files {
		body, err := os.ReadFile(filepath.Join(staged, filepath.FromSlash(rel)))
		if err != nil {
			return err
		}
		if err := b.b.Create("snapshots/"+name+"/"+rel, body); err != nil {
			return fmt.Errorf("upload %s: %w", rel, err)
		}
	}
	manifest, err := os.ReadFile(filepath.Join(staged, "manifest.json"))
	if err != nil {
		return err
	}
	return b.b.Create("snapshots/"+name+"/manifest.json", manifest)
}

func (b bucket) snapshots() ([]string, error) {
	objects, err := b.b.List("snapshots/")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, o := range objects {
		if n, ok := strings.CutSuffix(strings.TrimPrefix(o.Name, "snapshots/"), "/manifest.json"); ok && !strings.Contains(n, "/") {
			names = append(names, n)
		}
	}
	return names, nil
}
