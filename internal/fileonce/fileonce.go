// Package fileonce puts small files (keys, certificates, secrets) in place
// whole and only once, so that processes starting together on one data
// folder agree on one: no process reads half a file, and the first to put
// a file in place wins.
package fileonce

import (
	"os"
	"path/filepath"
)

// Write puts b at path, mode 0600, unless a file is there: written and
// synced under another name, then linked into place. The error matches
// os.ErrExist when path exists.
func Write(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.new") // mode 0600
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Link(f.Name(), path)
}
