// Package fileonce puts small files (keys, certificates, secrets) in place
// whole, so that processes starting together on one data folder never read
// half a file: Write keeps the first file put in place, Replace the last.
package fileonce

import (
	"os"
	"path/filepath"
	"strings"
)

// Write puts b at path, mode 0600, unless a file is there: written and
// synced under another name, then linked into place. The error matches
// os.ErrExist when path exists.
func Write(path string, b []byte) error {
	tmp, err := temp(path, b)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	return os.Link(tmp, path)
}

// Replace puts b at path, mode 0600, replacing whatever is there whole:
// written and synced under a name of its own, then renamed into place, so
// that two processes replacing the same file at once both succeed and a
// reader sees one of their files, never a mix.
func Replace(path string, b []byte) error {
	tmp, err := temp(path, b)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// InProgress reports whether a file's name is one Write or Replace is
// still writing (or a crash left behind), not a file of the folder: copies
// of a folder skip it.
func InProgress(name string) bool {
	name = filepath.Base(name)
	return strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".new")
}

// temp writes and syncs b to a new file beside path and returns its name.
func temp(path string, b []byte) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.new") // mode 0600
	if err != nil {
		return "", err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}
