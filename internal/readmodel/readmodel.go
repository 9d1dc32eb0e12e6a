// Package readmodel keeps the dossiers' facts (motcua.Facts) in SQLite: the
// read model the commune's figures are computed from. The dossier
// workflows write it (activity RecordFacts), in order and retried; the API
// reads it; `motcua audit rebuild-read-model` makes it again from the
// histories. One row per dossier; a copy replaces the row only when its
// Seq is higher, so a retried or late write changes nothing.
package readmodel

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite" // the pure-Go SQLite driver the Temporal server uses too
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/metrics"
	"github.com/motcua/motcua/internal/sqlitefile"
)

// Store is the read model in one SQLite file.
type Store struct{ db *sql.DB }

const schema = `
CREATE TABLE IF NOT EXISTS facts (
	dossier_id  TEXT PRIMARY KEY,
	seq         INTEGER NOT NULL,
	procedure   TEXT NOT NULL,
	received_at INTEGER NOT NULL,
	body        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS facts_received ON facts (received_at, procedure);`

// Open opens (creating it when missing) the read model at path. Several
// processes may share it: SQLite's write-ahead log lets readers go on while
// one writes, and a writer waits up to 10 s for another (write
// transactions take the lock when they begin, so two never deadlock on an
// upgrade).
func Open(path string) (*Store, error) {
	if err := sqlitefile.Private(path); err != nil {
		return nil, err
	}
	// Processes starting together on a new file race to turn on the log,
	// which SQLite answers with "busy" at once rather than waiting: the
	// later one tries again.
	for deadline := time.Now().Add(10 * time.Second); ; {
		s, err := open(path)
		var busy *sqlite.Error
		if err == nil || !errors.As(err, &busy) || busy.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return s, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func open(path string) (*Store, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(FULL)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open the read model: %w", err)
	}
	db.SetMaxOpenConns(1) // one writer at a time within the process
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("read model %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// Record stores f unless the stored copy of its dossier is as new or newer.
func (s *Store) Record(ctx context.Context, f motcua.Facts) error {
	_, _, err := s.Apply(ctx, f)
	return err
}

// Apply is Record that also says what changed: the status stored before
// ("" for a dossier new to the read model) and whether f replaced it.
func (s *Store) Apply(ctx context.Context, f motcua.Facts) (before motcua.Status, applied bool, err error) {
	body, err := json.Marshal(f)
	if err != nil {
		return "", false, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", false, fmt.Errorf("record facts: %w", err)
	}
	defer tx.Rollback()
	var old string
	err = tx.QueryRowContext(ctx, `SELECT json_extract(body, '$.status') FROM facts WHERE dossier_id = ?`, f.DossierID).Scan(&old)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", false, fmt.Errorf("record facts: %w", err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO facts (dossier_id, seq, procedure, received_at, body) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (dossier_id) DO UPDATE SET seq = excluded.seq, procedure = excluded.procedure,
			received_at = excluded.received_at, body = excluded.body
		WHERE excluded.seq > facts.seq`,
		f.DossierID, f.Seq, f.ProcedureCode, f.ReceivedAt.Unix(), string(body))
	if err != nil {
		return "", false, fmt.Errorf("record facts: %w", err)
	}
	n, _ := res.RowsAffected()
	if err := tx.Commit(); err != nil {
		return "", false, fmt.Errorf("record facts: %w", err)
	}
	return motcua.Status(old), n > 0, nil
}

// Census counts the open dossiers by status, the overdue ones (with the
// office past their due date) and those the portal does not have every
// status of, as of now.
func (s *Store) Census(ctx context.Context, now time.Time) (metrics.Census, error) {
	c := metrics.Census{OpenByStatus: map[motcua.Status]int{}}
	rows, err := s.db.QueryContext(ctx, `SELECT json_extract(body, '$.status'), json_extract(body, '$.due_at'),
		json_extract(body, '$.portal_in_sync') FROM facts`)
	if err != nil {
		return c, fmt.Errorf("count the dossiers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var status, due string
		var inSync bool
		if err := rows.Scan(&status, &due, &inSync); err != nil {
			return c, err
		}
		st := motcua.Status(status)
		if !inSync {
			c.PortalBehind++
		}
		if st.Terminal() {
			continue
		}
		c.OpenByStatus[st]++
		waiting := st == motcua.StatusSupplementRequested || st == motcua.StatusAwaitingPayment
		if d, err := time.Parse(time.RFC3339Nano, due); err == nil && !st.Done() && !waiting && now.After(d) {
			c.Overdue++
		}
	}
	return c, rows.Err()
}

// Received returns the facts of the dossiers received in [from, to), of
// one procedure when procedure is not empty, in dossier order.
func (s *Store) Received(ctx context.Context, from, to time.Time, procedure string) ([]motcua.Facts, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT body FROM facts WHERE received_at >= ? AND received_at < ?
		AND (? = '' OR procedure = ?) ORDER BY dossier_id`, from.Unix(), to.Unix(), procedure, procedure)
	if err != nil {
		return nil, fmt.Errorf("read facts: %w", err)
	}
	defer rows.Close()
	var out []motcua.Facts
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		var f motcua.Facts
		if err := json.Unmarshal([]byte(body), &f); err != nil {
			return nil, fmt.Errorf("read facts: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// All returns every dossier's facts, in dossier order.
func (s *Store) All(ctx context.Context) ([]motcua.Facts, error) {
	return s.Received(ctx, time.Unix(0, 0), time.Unix(1<<40, 0), "")
}
