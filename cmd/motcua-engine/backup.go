package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/motcua/motcua/activities"
	"github.com/motcua/motcua/internal/backup"
	"github.com/motcua/motcua/internal/cli"
	"github.com/motcua/motcua/internal/s3objects"
	"github.com/motcua/motcua/worker"
	"github.com/motcua/motcua/workflows"
)

// runBackup is `motcua backup --data DIR --to DEST`: a snapshot of a
// one-machine office's data folder, taken while it runs (package backup).
func runBackup(args []string) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	data := fs.String("data", "./motcua-data", "the data folder of `motcua dev` or of one machine's processes")
	var include fileList
	fs.Var(&include, "include", "a file outside the data folder to seal with the keys: the users file, the catalog (repeat)")
	to := fs.String("to", "", "the backup folder (snapshots and the blobs they share), or a bucket: s3://BUCKET[/PREFIX]?endpoint=URL&region=REGION (credentials as for --archive)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *to == "" {
		return cli.UsageError("backup: --to DEST is required")
	}
	pass := os.Getenv(backup.PassphraseEnv)
	if pass == "" {
		return cli.UsageError("backup: the keys are sealed with a passphrase: set " + backup.PassphraseEnv)
	}
	start := time.Now()
	m, name, err := backup.Take(*data, *to, []byte(pass), include...)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Printf("snapshot %s: %d files, %d bytes, %d blobs (%d new), in %s\n", name, len(m.Files), m.Bytes, len(m.Blobs), m.NewBlobs, time.Since(start).Round(time.Millisecond))
	return nil
}

// runRestore is `motcua restore --from DEST --data NEWDIR [--snapshot NAME]`.
func runRestore(args []string) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	from := fs.String("from", "", "the backup folder or bucket (s3://…)")
	name := fs.String("snapshot", "", "the snapshot to restore (default: the newest)")
	data := fs.String("data", "", "the new data folder (empty or missing)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" || *data == "" {
		return cli.UsageError("restore: --from DEST and --data NEWDIR are required")
	}
	pass := os.Getenv(backup.PassphraseEnv)
	if pass == "" {
		return cli.UsageError("restore: the keys were sealed with a passphrase: set " + backup.PassphraseEnv)
	}
	if *name == "" {
		latest, err := backup.Latest(*from)
		if err != nil {
			return err
		}
		*name = latest
	}
	m, err := backup.Restore(*from, *name, *data, []byte(pass))
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Printf("restored snapshot %s (taken %s) into %s: %d files, %d blobs, each checked against the manifest\n",
		*name, m.TakenAt.Format(time.RFC3339), *data, len(m.Files), len(m.Blobs))
	for _, n := range slices.Sorted(maps.Keys(m.Outside)) {
		fmt.Printf("  %s: was %s; put it back where the processes read it\n", filepath.Join(*data, filepath.FromSlash(n)), m.Outside[n])
	}
	return nil
}

// backupFlag is --backup-to of the processes that hold a data folder
// (`motcua dev`, `motcua server` on SQLite).
func backupFlag(fs *flag.FlagSet) *string {
	return fs.String("backup-to", "", "back the data folder up every night at 01:00 (Vietnam) into this backup folder or bucket (s3://…), as `motcua backup --to` does (a Temporal Schedule, "+workflows.BackupID+"); the keys are sealed with $"+backup.PassphraseEnv)
}

// backupPassphrase is the passphrase --backup-to needs, checked at start.
func backupPassphrase(dest string) ([]byte, error) {
	pass := os.Getenv(backup.PassphraseEnv)
	if len(pass) < backup.MinPassphrase {
		return nil, cli.UsageError(fmt.Sprintf("--backup-to seals the keys with a passphrase of at least %d characters: set %s", backup.MinPassphrase, backup.PassphraseEnv))
	}
	if !s3objects.IsURL(dest) {
		if err := os.MkdirAll(dest, 0o700); err != nil {
			return nil, fmt.Errorf("--backup-to: %w", err)
		}
	}
	return []byte(pass), nil
}

// serveBackups takes this process's nightly backups of data into dest,
// with the files named outside (the users file, the catalog).
func serveBackups(ctx context.Context, tc client.Client, data, dest string, pass []byte, outside ...string) (stop func(), err error) {
	w, err := worker.ServeBackups(ctx, tc, &activities.Backups{Data: data, Dest: dest, Passphrase: pass, Outside: outside})
	if err != nil {
		return nil, err
	}
	return w.Stop, nil
}

// fileList is a repeatable flag of file paths.
type fileList []string

func (f *fileList) String() string { return strings.Join(*f, ",") }

func (f *fileList) Set(v string) error {
	*f = append(*f, v)
	return nil
}
