package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/backup"
	"github.com/motcua/motcua/internal/mtls"
	"github.com/motcua/motcua/workflows"
)

// The restore drill of a one-machine office: `motcua backup` while `motcua
// dev` takes dossiers in, then everything SIGKILLed and the data folder
// wiped, then `motcua restore` into a new folder and `motcua dev` on it:
// every dossier acknowledged before the backup began is there as it was,
// the open ones go on to their result, the finished ones replay against
// today's code and their results verify. A wrong passphrase restores
// nothing; a second backup copies no blob twice.
func TestBackupUnderLoadThenRestore(t *testing.T) {
	processTest(t, "backs up motcua dev under load, kills it, restores it")
	cfg := devConfig{data: t.TempDir(), api: freeAddr(t), temporal: freeAddr(t), pki: freeAddr(t)}
	p := startDev(t, cfg)
	api := newRoleClient(p.api, tokens(t, cfg.data))
	ctx := context.Background()
	intake := func(n int) (string, error) {
		c, err := api["clerk"].Create(ctx, maritalStatus(n))
		return c.DossierID, err
	}
	// Three finished (issued, archived), three still in review.
	var finished, open []string
	for n := range 6 {
		id, err := intake(n)
		if err != nil {
			t.Fatal(err)
		}
		if n < 3 {
			finished = append(finished, id)
			if _, err := api["specialist"].Review(ctx, id, motcua.Review{Decision: motcua.DecisionApprove}); err != nil {
				t.Fatal(err)
			}
			if _, err := api["chairman"].Sign(ctx, id, motcua.SignDecision{Decision: motcua.DecisionSign}); err != nil {
				t.Fatal(err)
			}
		} else {
			open = append(open, id)
		}
	}
	for _, id := range finished {
		await(t, api["clerk"], id, func(s motcua.State) bool {
			return s.Status == motcua.StatusCompleted && s.Result != nil && s.Result.ArchiveID != ""
		}, "archived")
	}

	// The backup, while a back-office system keeps sending dossiers.
	dest := t.TempDir()
	const passphrase = "tân lập, đêm mất điện"
	runBackup := func() string {
		cmd := exec.Command(binary, "backup", "--data", cfg.data, "--to", dest)
		cmd.Env = append(os.Environ(), backup.PassphraseEnv+"="+passphrase)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("backup: %v\n%s", err, out)
		}
		return string(out)
	}
	var during atomic.Int64
	stop := make(chan struct{})
	var load sync.WaitGroup
	load.Go(func() {
		for n := 100; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := intake(n); err == nil {
				during.Add(1)
			}
		}
	})
	time.Sleep(300 * time.Millisecond)
	first := runBackup()
	close(stop)
	load.Wait()
	second := runBackup()
	// The second copies only the blobs written since the first.
	blobs := func(out string) (all, copied int) {
		fmt.Sscanf(out[strings.Index(out, "bytes, ")+len("bytes, "):], "%d blobs (%d new)", &all, &copied)
		return
	}
	all1, new1 := blobs(first)
	all2, new2 := blobs(second)
	if all1 == 0 || new1 != all1 || new2 != all2-all1 {
		t.Errorf("blobs copied: %d of %d, then %d of %d\n%s%s", new1, all1, new2, all2, first, second)
	}
	t.Logf("%s%s%d dossiers taken in during the backup", first, second, during.Load())

	// The machine dies; its disk is gone.
	p.kill(t)
	if err := os.RemoveAll(cfg.data); err != nil {
		t.Fatal(err)
	}
	restored := filepath.Join(t.TempDir(), "restored")
	restore := func(pass string) ([]byte, error) {
		cmd := exec.Command(binary, "restore", "--from", dest, "--data", restored)
		cmd.Env = append(os.Environ(), backup.PassphraseEnv+"="+pass)
		return cmd.CombinedOutput()
	}
	if out, err := restore("not the passphrase"); err == nil || !strings.Contains(string(out), "do not open with this passphrase") {
		t.Fatalf("a wrong passphrase: %v\n%s", err, out)
	}
	if entries, _ := os.ReadDir(restored); len(entries) > 0 {
		t.Fatalf("a wrong passphrase restored %d entries", len(entries))
	}
	if out, err := restore(passphrase); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}

	cfg2 := devConfig{data: restored, api: freeAddr(t), temporal: freeAddr(t), pki: freeAddr(t)}
	p2 := startDev(t, cfg2)
	api = newRoleClient(p2.api, tokens(t, restored))
	for _, id := range finished {
		if st, err := api["clerk"].Get(ctx, id); err != nil || st.Status != motcua.StatusCompleted || st.Result == nil || st.Result.Register == nil {
			t.Errorf("%s after the restore: %v %+v", id, err, st)
		}
	}
	for _, id := range open {
		if st, err := api["clerk"].Get(ctx, id); err != nil || st.Status != motcua.StatusInReview {
			t.Fatalf("%s after the restore: %v %s", id, err, st.Status)
		}
		if _, err := api["specialist"].Review(ctx, id, motcua.Review{Decision: motcua.DecisionApprove}); err != nil {
			t.Fatal(err)
		}
		if _, err := api["chairman"].Sign(ctx, id, motcua.SignDecision{Decision: motcua.DecisionSign}); err != nil {
			t.Fatal(err)
		}
		await(t, api["clerk"], id, func(s motcua.State) bool {
			return s.Status == motcua.StatusCompleted && s.Result != nil && s.Result.ArchiveID != ""
		}, "archived")
	}
	// Every history replays; every result verifies against its history.
	out, err := exec.Command(binary, "audit", "replay", "--all", "--data", restored, "--temporal-addr", cfg2.temporal).CombinedOutput()
	if err != nil {
		t.Fatalf("audit replay --all: %v\n%s", err, out)
	}
	for _, id := range append(finished, open...) {
		if !strings.Contains(string(out), "ok   "+id) {
			t.Errorf("%s did not replay:\n%s", id, out)
		}
		v, err := exec.Command(binary, "audit", "verify", "--dossier", id, "--data", restored, "--temporal-addr", cfg2.temporal).Output()
		var f struct {
			Problems []string `json:"problems"`
			Versions []string `json:"versions"`
		}
		if err != nil || json.Unmarshal(v, &f) != nil || len(f.Problems) > 0 || len(f.Versions) != 1 {
			t.Errorf("audit verify %s: %v\n%s", id, err, v)
		}
	}
}

// `motcua dev --backup-to DEST` backs the office up every night at 01:00
// (Vietnam) through a Temporal Schedule; triggered now, the snapshot it
// takes restores. Without the passphrase, dev refuses to start.
func TestTheNightlyBackupIsATemporalSchedule(t *testing.T) {
	processTest(t, "runs motcua dev with --backup-to and triggers its schedule")
	const passphrase = "một cụm mật khẩu đủ dài"
	dest := t.TempDir()
	cfg := devConfig{data: t.TempDir(), api: freeAddr(t), temporal: freeAddr(t), pki: freeAddr(t),
		extra: []string{"--backup-to", dest}, env: []string{backup.PassphraseEnv + "=" + passphrase}}

	refused := exec.Command(binary, "dev", "--data", t.TempDir(), "--backup-to", dest)
	refused.Env = append(os.Environ(), backup.PassphraseEnv+"=short")
	if out, err := refused.CombinedOutput(); err == nil || !strings.Contains(string(out), backup.PassphraseEnv) {
		t.Errorf("dev --backup-to with a short passphrase: %v\n%s", err, out)
	}

	p := startDev(t, cfg)
	api := newRoleClient(p.api, tokens(t, cfg.data))
	ctx := context.Background()
	_, err := api["clerk"].Create(ctx, maritalStatus(12345))
	if err != nil {
		t.Fatal(err)
	}

	tc := dialTemporalAs(t, cfg.temporal, cfg.data, mtls.Worker)
	h := tc.ScheduleClient().GetHandle(ctx, workflows.BackupID)
	var d *client.ScheduleDescription
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		if d, err = h.Describe(ctx); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("the backup schedule: %v", err)
	}
	if cal := d.Schedule.Spec.Calendars; len(cal) != 1 || len(cal[0].Hour) != 1 || cal[0].Hour[0].Start != 1 || d.Schedule.Spec.TimeZoneName != "Asia/Ho_Chi_Minh" {
		t.Errorf("the backup schedule's spec: %+v", d.Schedule.Spec)
	}
	if err := h.Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatal(err)
	}
	var name string
	for deadline := time.Now().Add(2 * time.Minute); name == ""; time.Sleep(200 * time.Millisecond) {
		name, _ = backup.Latest(dest)
		if time.Now().After(deadline) {
			t.Fatal("the triggered schedule took no snapshot")
		}
	}
	restored := filepath.Join(t.TempDir(), "restored")
	m, err := backup.Restore(dest, name, restored, []byte(passphrase))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Files["temporal.db"]; !ok || len(m.Blobs) == 0 {
		t.Errorf("the nightly snapshot: %d files (%v), %d blobs", len(m.Files), m.Files, len(m.Blobs))
	}
	if _, err := os.Stat(filepath.Join(restored, "keys", "payload.key")); err != nil {
		t.Errorf("the restored folder has no payload key: %v", err)
	}
}
