package archive

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Objects is where an archive keeps its files, named by slash-separated
// paths ("blobs/ab/ab12…", "dossiers/ID.json"): a folder on this machine
// (Folder) or a bucket every machine shares (package s3objects). Every
// object but the staging area's is written once and never changed.
type Objects interface {
	// Create stores b under name, durably, unless the name is taken: an
	// object with the same bytes is success, with other bytes ErrConflict.
	// Of writers racing for one name exactly one wins; the others see its
	// bytes.
	Create(name string, b []byte) error
	// Read returns the bytes under name, or ErrNotFound.
	Read(name string) ([]byte, error)
	// Exists tells whether an object has name, without reading it.
	Exists(name string) (bool, error)
	// List returns the objects whose names start with prefix (a path
	// ending in "/"), in no particular order.
	List(prefix string) ([]Object, error)
	// Delete removes name; a name not there is no error. The archive only
	// deletes the staged copies it writes under "tmp/".
	Delete(name string) error
}

// Object is an entry of a listing.
type Object struct {
	Name     string
	Modified time.Time
}

// Folder is the archive's objects as files under a folder, each name a
// relative path: the layout every archive had before objects could live
// elsewhere.
type Folder struct {
	dir string
}

// NewFolder returns the objects under dir, creating dir.
func NewFolder(dir string) (*Folder, error) {
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o700); err != nil {
		return nil, fmt.Errorf("create archive: %w", err)
	}
	return &Folder{dir: dir}, nil
}

func (f *Folder) path(name string) (string, error) {
	clean := path.Clean(name)
	if clean != name || strings.HasPrefix(name, "/") || strings.HasPrefix(name, "../") || name == ".." {
		return "", fmt.Errorf("archive object name %q", name)
	}
	return filepath.Join(f.dir, filepath.FromSlash(name)), nil
}

// Create writes name durably: a temporary file is written and synced, then
// hard-linked into place, which fails if the name exists.
func (f *Folder) Create(name string, b []byte) error {
	p, err := f.path(name)
	if err != nil {
		return err
	}
	if old, err := os.ReadFile(p); err == nil {
		if bytes.Equal(old, b) {
			return nil
		}
		return ErrConflict
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	tmp, err := f.syncedTemp(b)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, p); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return f.Create(name, b)
		}
		return err
	}
	if d, err := os.Open(filepath.Dir(p)); err == nil {
		d.Sync()
		d.Close()
	}
	return os.Chmod(p, 0o400)
}

// syncedTemp writes b to a new file in the tmp folder and syncs it; the
// caller removes it.
func (f *Folder) syncedTemp(b []byte) (string, error) {
	file, err := os.CreateTemp(filepath.Join(f.dir, "tmp"), "w-*")
	if err != nil {
		return "", err
	}
	_, err = file.Write(b)
	if err == nil {
		err = file.Sync()
	}
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(file.Name())
		return "", err
	}
	return file.Name(), nil
}

// Read reads the file of name.
func (f *Folder) Read(name string) ([]byte, error) {
	p, err := f.path(name)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	return b, err
}

// Exists stats the file of name.
func (f *Folder) Exists(name string) (bool, error) {
	p, err := f.path(name)
	if err != nil {
		return false, err
	}
	_, err = os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// List walks the folder prefix names, keeping the files whose names start
// with prefix.
func (f *Folder) List(prefix string) ([]Object, error) {
	dir, err := f.path(path.Dir(prefix + "x"))
	if err != nil {
		return nil, err
	}
	var out []Object
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // the folder is not there yet, or a file went while listing
		}
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(f.dir, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if !strings.HasPrefix(name, prefix) {
			return nil
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		out = append(out, Object{Name: name, Modified: info.ModTime()})
		return nil
	})
	return out, err
}

// Delete removes the file of name.
func (f *Folder) Delete(name string) error {
	p, err := f.path(name)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
