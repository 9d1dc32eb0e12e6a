package backup_test

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/motcua/motcua/internal/backup"
	"github.com/motcua/motcua/internal/realservers"
)

var pass = []byte("a passphrase long enough")

// A data folder whose database is being written: the snapshot holds a
// consistent copy (it opens, its rows are whole), the secrets come back
// only with the passphrase, every file and blob is checked on the way
// back, and a restore never writes over a folder in use.
func TestTakeAndRestore(t *testing.T) {
	data := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(data, rel)
		os.MkdirAll(filepath.Dir(p), 0o700)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("keys/payload.key", "secret key")
	write("dev-tokens.json", `{"clerk":"tok"}`)
	write("ca/.chairman1.p12.123456.new", "half a key a process was writing")
	write("archive/dossiers/D1.json", `{"dossier_id":"D1"}`)
	blob := "the signed result"
	sum := sha256.Sum256([]byte(blob))
	name := hex.EncodeToString(sum[:])
	write("archive/blobs/"+name[:2]+"/"+name, blob)

	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "temporal.db")+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE rows (n INTEGER PRIMARY KEY, twice INTEGER NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var writer sync.WaitGroup
	writer.Go(func() { // a transaction writes two rows that must go together
		for n := 0; ; n += 2 {
			select {
			case <-stop:
				return
			default:
			}
			tx, _ := db.Begin()
			tx.Exec("INSERT INTO rows VALUES (?, ?)", n, n*2)
			tx.Exec("INSERT INTO rows VALUES (?, ?)", n+1, (n+1)*2)
			tx.Commit()
		}
	})
	for n := 0; n < 10; db.QueryRow("SELECT count(*) FROM rows").Scan(&n) {
	}
	dest := t.TempDir()
	users := filepath.Join(t.TempDir(), "users.json") // kept outside the data folder
	os.WriteFile(users, []byte(`{"users":[]}`), 0o600)
	m, snap, err := backup.Take(data, dest, pass, users, filepath.Join(data, "dev-tokens.json"))
	close(stop)
	writer.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Blobs) != 1 || m.NewBlobs != 1 || m.Files["temporal.db"] == "" || m.Files["secrets.sealed"] == "" {
		t.Fatalf("manifest %+v", m)
	}
	sealed, _ := os.ReadFile(filepath.Join(dest, "snapshots", snap, "secrets.sealed"))
	if strings.Contains(string(sealed), "secret key") || strings.Contains(string(sealed), "tok") {
		t.Error("the secrets are readable in the backup")
	}

	if _, err := backup.Restore(dest, snap, t.TempDir()+"/x", []byte("wrong passphrase!")); err == nil {
		t.Error("a wrong passphrase restored")
	}
	if _, err := backup.Restore(dest, snap, data, pass); err == nil {
		t.Error("a restore wrote over a folder in use")
	}
	restored := filepath.Join(t.TempDir(), "new")
	if _, err := backup.Restore(dest, snap, restored, pass); err != nil {
		t.Fatal(err)
	}
	if m.Outside["outside/users.json"] != users || len(m.Outside) != 1 {
		t.Errorf("files outside the folder: %v", m.Outside)
	}
	for rel, want := range map[string]string{"keys/payload.key": "secret key", "dev-tokens.json": `{"clerk":"tok"}`, "outside/users.json": `{"users":[]}`,
		"archive/dossiers/D1.json": `{"dossier_id":"D1"}`, "archive/blobs/" + name[:2] + "/" + name: blob} {
		if b, err := os.ReadFile(filepath.Join(restored, rel)); err != nil || string(b) != want {
			t.Errorf("%s restored as %q %v", rel, b, err)
		}
	}
	if _, err := os.Stat(filepath.Join(restored, "ca/.chairman1.p12.123456.new")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file still being written was backed up: %v", err)
	}
	copyDB, err := sql.Open("sqlite", "file:"+filepath.Join(restored, "temporal.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	var rows, odd int
	if err := copyDB.QueryRow("SELECT count(*), count(*) % 2 FROM rows WHERE twice = n * 2").Scan(&rows, &odd); err != nil || odd != 0 || rows < 10 {
		t.Errorf("the copy holds %d rows (%d of a pair alone): %v", rows, odd, err)
	}

	// A blob changed in the backup is found on the way back.
	os.WriteFile(filepath.Join(dest, "blobs", name[:2], name), []byte("changed"), 0o600)
	if _, err := backup.Restore(dest, snap, filepath.Join(t.TempDir(), "again"), pass); err == nil || !strings.Contains(err.Error(), "does not hash") {
		t.Errorf("a changed blob: %v", err)
	}
	if latest, err := backup.Latest(dest); err != nil || latest != snap {
		t.Errorf("latest %q %v", latest, err)
	}
}

// A bucket takes snapshots as a folder does: the second copies no blob
// again, a snapshot is listed once its manifest is there, and it restores
// with every file and blob checked.
func TestTakeAndRestoreThroughABucket(t *testing.T) {
	endpoint := realservers.S3(t)
	t.Setenv("AWS_ACCESS_KEY_ID", realservers.S3AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", realservers.S3SecretKey)
	data := t.TempDir()
	blob := "the signed result"
	sum := sha256.Sum256([]byte(blob))
	name := hex.EncodeToString(sum[:])
	for rel, content := range map[string]string{"keys/payload.key": "secret key", "archive/dossiers/D1.json": `{"dossier_id":"D1"}`,
		"archive/blobs/" + name[:2] + "/" + name: blob} {
		p := filepath.Join(data, rel)
		os.MkdirAll(filepath.Dir(p), 0o700)
		os.WriteFile(p, []byte(content), 0o600)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "temporal.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.Exec("CREATE TABLE rows (n INTEGER)")
	db.Exec("INSERT INTO rows VALUES (7)")
	db.Close()

	dest := "s3://motcua-backup/commune-a?endpoint=" + endpoint + "&region=ap-southeast-1"
	if _, err := backup.Latest(dest); err == nil {
		t.Error("an empty bucket has a latest snapshot")
	}
	first, _, err := backup.Take(data, dest, pass)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond) // snapshots are named by the millisecond
	second, snap, err := backup.Take(data, dest, pass)
	if err != nil {
		t.Fatal(err)
	}
	if first.NewBlobs != 1 || second.NewBlobs != 0 {
		t.Errorf("new blobs %d then %d, want 1 then 0", first.NewBlobs, second.NewBlobs)
	}
	if latest, err := backup.Latest(dest); err != nil || latest != snap {
		t.Errorf("latest %q %v, want %q", latest, err, snap)
	}
	restored := filepath.Join(t.TempDir(), "new")
	if _, err := backup.Restore(dest, snap, restored, pass); err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string]string{"keys/payload.key": "secret key", "archive/dossiers/D1.json": `{"dossier_id":"D1"}`,
		"archive/blobs/" + name[:2] + "/" + name: blob} {
		if b, err := os.ReadFile(filepath.Join(restored, rel)); err != nil || string(b) != want {
			t.Errorf("%s restored as %q %v", rel, b, err)
		}
	}
	copyDB, _ := sql.Open("sqlite", "file:"+filepath.Join(restored, "temporal.db")+"?mode=ro")
	defer copyDB.Close()
	var n int
	if err := copyDB.QueryRow("SELECT n FROM rows").Scan(&n); err != nil || n != 7 {
		t.Errorf("the restored database: %d %v", n, err)
	}
	if _, err := backup.Restore(dest, snap, filepath.Join(t.TempDir(), "x"), []byte("wrong passphrase!")); err == nil {
		t.Error("a wrong passphrase restored")
	}
}
