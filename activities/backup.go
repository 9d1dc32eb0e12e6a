package activities

import (
	"context"

	"go.temporal.io/sdk/activity"

	"github.com/motcua/motcua/internal/backup"
)

// Backups takes the nightly snapshot of the data folder Data into Dest,
// sealing the secrets with Passphrase (package backup). Only the process
// that holds the data folder serves it, on its own task queue.
type Backups struct {
	Data, Dest string
	Passphrase []byte
	// Outside are files outside Data sealed with the keys (the users
	// file, the catalog).
	Outside []string
}

// BackupTaken says what a snapshot holds.
type BackupTaken struct {
	Snapshot string `json:"snapshot"`
	Files    int    `json:"files"`
	Bytes    int64  `json:"bytes"`
	Blobs    int    `json:"blobs"`
	NewBlobs int    `json:"new_blobs"`
}

// TakeBackup takes one snapshot. A snapshot is moved into place whole, so
// an attempt cut short leaves none behind, and another is simply a newer
// snapshot.
func (b *Backups) TakeBackup(ctx context.Context) (BackupTaken, error) {
	m, name, err := backup.Take(b.Data, b.Dest, b.Passphrase, b.Outside...)
	if err != nil {
		return BackupTaken{}, err
	}
	info := activity.GetInfo(ctx)
	activity.GetLogger(ctx).Info("backup taken", "snapshot", name, "files", len(m.Files), "bytes", m.Bytes,
		"blobs", len(m.Blobs), "new_blobs", m.NewBlobs, "workflow_id", info.WorkflowExecution.ID)
	return BackupTaken{Snapshot: name, Files: len(m.Files), Bytes: m.Bytes, Blobs: len(m.Blobs), NewBlobs: m.NewBlobs}, nil
}
