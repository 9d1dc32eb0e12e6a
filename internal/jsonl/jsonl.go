// Package jsonl keeps append-only logs of JSON values, one per line, each
// synced to disk before Append returns: what was acknowledged survives a
// power cut.
package jsonl

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
)

// Append adds v to the log at path (created mode 0600), synced.
func Append(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Read returns the values of the log at path, oldest first; a missing log
// is empty. It stops at a line cut short by a crash mid-write.
func Read[T any](path string) ([]T, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []T
	dec := json.NewDecoder(f)
	for {
		var v T
		if dec.Decode(&v) != nil {
			return out, nil
		}
		out = append(out, v)
	}
}
