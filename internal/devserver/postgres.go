package devserver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the database/sql driver for the schema lock
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/log"
	_ "go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql" // registers postgres12
	postgresschema "go.temporal.io/server/schema/postgresql/v12"
	toolschema "go.temporal.io/server/tools/common/schema"
	sqltool "go.temporal.io/server/tools/sql"
)

// The PostgreSQL plugin and Temporal's own schema, the one temporal-sql-tool
// applies: the files are embedded in the server module (schema/postgresql/v12),
// the same that the admin-tools image carries.
const (
	postgresPlugin    = "postgres12_pgx"
	temporalSchema    = "postgresql/v12/temporal"
	visibilitySchema  = "postgresql/v12/visibility"
	maintenanceDB     = "postgres"
	visibilitySuffix  = "_visibility"
	schemaLockID      = 0x6d6f74637561 // "motcua": one schema change at a time
	schemaLockTimeout = 5 * time.Minute
)

// postgresStores reads a PostgreSQL URL
// (postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=disable) into the
// server's two stores: the database named for histories, and the one of the
// same name with "_visibility" appended for visibility records.
func postgresStores(rawURL string) (main, visibility *config.SQL, err error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres URL: %w", err)
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return nil, nil, fmt.Errorf("postgres URL: scheme %q, want postgres://USER:PASSWORD@HOST:PORT/DATABASE", u.Scheme)
	}
	db := strings.TrimPrefix(u.Path, "/")
	if db == "" || strings.Contains(db, "/") {
		return nil, nil, fmt.Errorf("postgres URL: name one database in the path (postgres://HOST:PORT/temporal)")
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		return nil, nil, fmt.Errorf("postgres URL: no host")
	}
	if port == "" {
		port = "5432"
	}
	pass, _ := u.User.Password()
	attrs := map[string]string{}
	for k, v := range u.Query() {
		attrs[k] = v[len(v)-1]
	}
	store := func(name string) *config.SQL {
		a := make(map[string]string, len(attrs))
		for k, v := range attrs {
			a[k] = v
		}
		return &config.SQL{
			PluginName:        postgresPlugin,
			ConnectProtocol:   "tcp",
			ConnectAddr:       net.JoinHostPort(host, port),
			User:              u.User.Username(),
			Password:          pass,
			DatabaseName:      name,
			ConnectAttributes: a,
			MaxConns:          20,
			MaxIdleConns:      20,
			MaxConnLifetime:   time.Hour,
		}
	}
	return store(db), store(db + visibilitySuffix), nil
}

// setupPostgres creates the two databases if they are missing and sets up or
// upgrades their schema to the version this server needs, with Temporal's
// schema tool. Processes starting together take turns: it returns holding a
// session lock in the maintenance database, which the caller releases once
// its server has written the cluster's metadata (on a new cluster, the
// first process to do so wins and the others must read it, not race it).
func setupPostgres(main, visibility *config.SQL, logger log.Logger) (release func(), err error) {
	ctx, cancel := context.WithTimeout(context.Background(), schemaLockTimeout)
	defer cancel()
	maint := *main
	maint.DatabaseName = maintenanceDB
	db, err := sql.Open("pgx", postgresDSN(&maint))
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to PostgreSQL at %s: %w", main.ConnectAddr, err)
	}
	release = func() {
		conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", schemaLockID)
		conn.Close()
		db.Close()
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", schemaLockID); err != nil {
		release()
		return nil, fmt.Errorf("wait for the schema lock: %w", err)
	}
	if err := migrateAll(ctx, conn, main, visibility, logger); err != nil {
		release()
		return nil, err
	}
	return release, nil
}

// migrateAll creates and migrates both databases.
func migrateAll(ctx context.Context, conn *sql.Conn, main, visibility *config.SQL, logger log.Logger) error {

	for _, s := range []struct {
		store  *config.SQL
		schema string
		want   string
	}{
		{main, temporalSchema, postgresschema.Version},
		{visibility, visibilitySchema, postgresschema.VisibilityVersion},
	} {
		var exists bool
		if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", s.store.DatabaseName).Scan(&exists); err != nil {
			return fmt.Errorf("look for database %s: %w", s.store.DatabaseName, err)
		}
		if !exists {
			c := *s.store
			if err := sqltool.DoCreateDatabase(&c, maintenanceDB, logger); err != nil && !isDuplicateDatabase(err) {
				return fmt.Errorf("create database %s: %w", s.store.DatabaseName, err)
			}
		}
		if err := migrate(s.store, s.schema, logger); err != nil {
			return fmt.Errorf("schema of %s (to %s): %w", s.store.DatabaseName, s.want, err)
		}
	}
	return nil
}

// migrate runs the schema tool's setup (version tables at 0.0 on a new
// database; nothing on one already set up) and update (every versioned
// change the database has not had yet).
func migrate(store *config.SQL, schemaName string, logger log.Logger) error {
	conn, err := sqltool.NewConnection(store, logger)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := toolschema.NewSetupSchemaTask(conn, &toolschema.SetupConfig{InitialVersion: "0.0"}, logger).Run(); err != nil {
		return err
	}
	return toolschema.NewUpdateSchemaTask(conn, &toolschema.UpdateConfig{DBName: store.DatabaseName, SchemaName: schemaName}, logger).Run()
}

// postgresDSN is a key=value connection string for database/sql.
func postgresDSN(s *config.SQL) string {
	host, port, _ := net.SplitHostPort(s.ConnectAddr)
	q := func(v string) string { return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'" }
	parts := []string{"host=" + q(host), "port=" + q(port), "dbname=" + q(s.DatabaseName)}
	if s.User != "" {
		parts = append(parts, "user="+q(s.User))
	}
	if s.Password != "" {
		parts = append(parts, "password="+q(s.Password))
	}
	for k, v := range s.ConnectAttributes {
		parts = append(parts, k+"="+q(v))
	}
	return strings.Join(parts, " ")
}

func isDuplicateDatabase(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "42P04" || strings.Contains(err.Error(), "already exists")
}
