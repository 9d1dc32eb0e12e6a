// Package readmodel keeps motcua's own tables, in SQLite or, when the
// office's processes share no folder, in PostgreSQL: the dossiers' facts
// (motcua.Facts), the read model the commune's figures are computed from,
// and the ledger of the notifications sent (a notify.Ledger). The dossier
// workflows write it (activity RecordFacts), in order and retried; the API
// reads it; `motcua audit rebuild-read-model` makes it again from the
// histories. One row per dossier; a copy replaces the row only when its
// Seq is higher, so a retried or late write changes nothing.
package readmodel

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the database/sql driver "pgx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"modernc.org/sqlite" // the pure-Go SQLite driver the Temporal server uses too
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/metrics"
	"github.com/motcua/motcua/internal/sqlitefile"
)

// Store is the read model in one SQLite file or a PostgreSQL database.
type Store struct {
	db *sql.DB
	sq dialect
}

// dialect is what the two databases write differently: the JSON fields
// the census reads, and the placeholders (SQLite's ?, PostgreSQL's $n).
type dialect struct {
	status, due, inSync, body string
	numbered                  bool
}

var (
	sqliteSQL   = dialect{status: "json_extract(body, '$.status')", due: "json_extract(body, '$.due_at')", inSync: "json_extract(body, '$.portal_in_sync')", body: "?"}
	postgresSQL = dialect{status: "body->>'status'", due: "body->>'due_at'", inSync: "coalesce((body->>'portal_in_sync')::boolean, false)", body: "?::jsonb", numbered: true}
)

// q is query in the dialect: its ?s numbered for PostgreSQL.
func (d dialect) q(query string) string {
	if !d.numbered {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

const schema = `
CREATE TABLE IF NOT EXISTS facts (
	dossier_id  TEXT PRIMARY KEY,
	seq         INTEGER NOT NULL,
	procedure   TEXT NOT NULL,
	received_at INTEGER NOT NULL,
	body        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS facts_received ON facts (received_at, procedure);
CREATE TABLE IF NOT EXISTS notifications_sent (
	channel TEXT NOT NULL,
	key     TEXT NOT NULL,
	sent_at INTEGER NOT NULL,
	PRIMARY KEY (channel, key)
);`

// Open opens the read model at where: a postgres:// URL (its schema made
// or upgraded on start, see OpenPostgres), or the path of a SQLite file
// (see OpenFile).
func Open(where string) (*Store, error) {
	if IsPostgres(where) {
		return OpenPostgres(context.Background(), where)
	}
	return OpenFile(where)
}

// IsPostgres tells whether where names a PostgreSQL database.
func IsPostgres(where string) bool {
	return strings.HasPrefix(where, "postgres://") || strings.HasPrefix(where, "postgresql://")
}

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the PostgreSQL advisory lock the read model's schema is
// made under ("motcua-rm" as a number).
const migrationLock = 0x6d6f746375612d72

// OpenPostgres opens the read model in the PostgreSQL database at url,
// making or upgrading its schema with goose's migrations (migrations/)
// under a PostgreSQL advisory lock, so processes starting together take
// turns.
func OpenPostgres(ctx context.Context, url string) (*Store, error) {
	if err := ensureDatabase(ctx, url); err != nil {
		return nil, err
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open the read model: %w", err)
	}
	fail := func(err error) (*Store, error) {
		db.Close()
		return nil, fmt.Errorf("read model on PostgreSQL: %w", err)
	}
	// motcua's own advisory lock (not goose's default, which other
	// programs on the database may take), tried every second for a minute.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrationLock), lock.WithLockTimeout(1, 60))
	if err != nil {
		return fail(err)
	}
	dir, _ := fs.Sub(migrations, "migrations")
	p, err := goose.NewProvider(goose.DialectPostgres, db, dir, goose.WithSessionLocker(locker),
		goose.WithTableName("motcua_readmodel_version"), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fail(err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fail(err)
	}
	return &Store{db: db, sq: postgresSQL}, nil
}

// OpenFile opens (creating it when missing) the read model at path. Several
// processes may share it: SQLite's write-ahead log lets readers go on while
// one writes, and a writer waits up to 10 s for another (write
// transactions take the lock when they begin, so two never deadlock on an
// upgrade).
func OpenFile(path string) (*Store, error) {
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
	return &Store{db: db, sq: sqliteSQL}, nil
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
	err = tx.QueryRowContext(ctx, s.sq.q(`SELECT `+s.sq.status+` FROM facts WHERE dossier_id = ?`), f.DossierID).Scan(&old)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", false, fmt.Errorf("record facts: %w", err)
	}
	res, err := tx.ExecContext(ctx, s.sq.q(`INSERT INTO facts (dossier_id, seq, procedure, received_at, body) VALUES (?, ?, ?, ?, `+s.sq.body+`)
		ON CONFLICT (dossier_id) DO UPDATE SET seq = excluded.seq, procedure = excluded.procedure,
			received_at = excluded.received_at, body = excluded.body
		WHERE excluded.seq > facts.seq`),
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
	rows, err := s.db.QueryContext(ctx, `SELECT `+s.sq.status+`, `+s.sq.due+`, `+s.sq.inSync+` FROM facts`)
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
	rows, err := s.db.QueryContext(ctx, s.sq.q(`SELECT body FROM facts WHERE received_at >= ? AND received_at < ?
		AND (? = '' OR procedure = ?) ORDER BY dossier_id`), from.Unix(), to.Unix(), procedure, procedure)
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

// ensureDatabase creates the database url names when the server has none
// of that name (through its "postgres" maintenance database, as Temporal's
// own schema tool does); processes racing to create it all go on.
func ensureDatabase(ctx context.Context, url string) error {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("read model URL: %w", err)
	}
	var pgErr *pgconn.PgError
	conn, err := pgx.ConnectConfig(ctx, cfg)
	for deadline := time.Now().Add(30 * time.Second); errors.As(err, &pgErr) && pgErr.Code == "57P03" && time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond) // cannot_connect_now: the server is starting
		conn, err = pgx.ConnectConfig(ctx, cfg)
	}
	if err == nil {
		return conn.Close(ctx)
	}
	if !errors.As(err, &pgErr) || pgErr.Code != "3D000" { // invalid_catalog_name: no such database
		return fmt.Errorf("read model on PostgreSQL: %w", err)
	}
	name := cfg.Database
	maintenance := cfg.Copy()
	maintenance.Database = "postgres"
	admin, err := pgx.ConnectConfig(ctx, maintenance)
	if err != nil {
		return fmt.Errorf("create the read model's database %s: %w", name, err)
	}
	defer admin.Close(ctx)
	_, err = admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	// Another process made it: duplicate_database, or, racing within the
	// catalog, a unique violation on the databases' names.
	if errors.As(err, &pgErr) && (pgErr.Code == "42P04" || pgErr.Code == "23505") {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("create the read model's database %s: %w", name, err)
	}
	return nil
}

// Sent reports whether key was already sent on channel (notify.Ledger).
func (s *Store) Sent(ctx context.Context, channel, key string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, s.sq.q(`SELECT count(*) FROM notifications_sent WHERE channel = ? AND key = ?`), channel, key).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("the notification ledger: %w", err)
	}
	return n > 0, nil
}

// Mark records key as sent on channel (notify.Ledger); marking it again
// changes nothing.
func (s *Store) Mark(ctx context.Context, channel, key string) error {
	now := any(time.Now().Unix())
	if s.sq.numbered {
		now = time.Now()
	}
	_, err := s.db.ExecContext(ctx, s.sq.q(`INSERT INTO notifications_sent (channel, key, sent_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`), channel, key, now)
	if err != nil {
		return fmt.Errorf("the notification ledger: %w", err)
	}
	return nil
}
