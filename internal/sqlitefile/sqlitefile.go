// Package sqlitefile keeps motcua's SQLite databases (Temporal's store,
// the read model) readable by their owner alone: they hold every
// dossier's history and figures.
package sqlitefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Private makes the database at path exist with mode 0600, before SQLite
// opens it (SQLite gives its write-ahead log and shared-memory files the
// database's mode, and an empty file is a new database to it), and sets
// 0600 on a database and companions an earlier version left readable.
func Private(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("database %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("database %s: %w", p, err)
		}
	}
	return nil
}
