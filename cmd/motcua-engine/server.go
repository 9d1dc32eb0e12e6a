package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/cli"
	"github.com/motcua/motcua/internal/devserver"
	"github.com/motcua/motcua/internal/mtls"
)

// runServer runs the Temporal server alone (and its Web UI), for workers and
// APIs started as separate processes: on SQLite in the data folder (one
// machine), or on PostgreSQL, where each of its services may run as a
// process of its own on as many machines as the load needs.
func runServer(args []string) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	var c common
	c.register(fs, "./motcua-data")
	temporalAddr := fs.String("temporal-addr", "127.0.0.1:7233", "Temporal frontend address")
	uiAddr := fs.String("ui-addr", "127.0.0.1:8233", "Temporal Web UI address; empty for no UI")
	fs.StringVar(&c.serverMetrics, "metrics-addr", "", "serve the Temporal server's Prometheus metrics at http://ADDR/metrics; empty: none")
	postgres := fs.String("postgres", os.Getenv("MOTCUA_POSTGRES"), "run on PostgreSQL at this URL (postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=disable; default $MOTCUA_POSTGRES, which keeps the password out of the process list) instead of SQLite in the data folder; the databases DATABASE and DATABASE_visibility are created and their schema set up or upgraded on start")
	services := fs.String("services", "frontend,history,matching,worker", "the Temporal services this process runs (separate processes need --postgres): history on the frontend's port +1, matching +2, worker +6, each service's membership port 300 below its own")
	shards := fs.Int("shards", devserver.DefaultHistoryShards, "history shards of a new cluster on PostgreSQL; every process of a cluster gives the same, and it never changes after the first start")
	fs.StringVar(&c.serverTLS, "tls-dir", "", "the service's certificates, laid out by `motcua tls issue` (its temporal folder): no CA key is read or made; default DATA/tls, whose CAs are made on first start")
	fs.StringVar(&c.listenIP, "listen-ip", "", "the address the services listen on, when not --temporal-addr's host (0.0.0.0 in a container whose frontend others reach by name; needs --postgres); they tell each other this machine's own address")
	backupTo := backupFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	var backupPass []byte
	if *backupTo != "" {
		if *postgres != "" {
			return cli.UsageError("server --backup-to backs up the SQLite data folder; on PostgreSQL back the database up with pg_dump or point-in-time recovery (see the README)")
		}
		var err error
		if backupPass, err = backupPassphrase(*backupTo); err != nil {
			return err
		}
	}
	c.postgres, c.services, c.shards = *postgres, splitList(*services), *shards
	if c.listenIP != "" && c.postgres == "" {
		return cli.UsageError("server --listen-ip: services on separate machines need --postgres")
	}
	if c.serverTLS != "" {
		if !mtls.LaidOut(c.serverTLS) {
			return cli.UsageError("server --tls-dir " + c.serverTLS + " is not a folder motcua tls issue laid out for Temporal's services (server.crt, server.key, ca.crt, internode/node.*, no CA key)")
		}
		if *uiAddr != "" {
			return cli.UsageError("server --tls-dir: the Web UI needs a reader's certificate of its own; run it apart (temporalio/ui with motcua tls issue's motcua-ui folder) and give --ui-addr \"\"")
		}
	}
	if c.postgres == "" && len(c.services) != 4 {
		return cli.UsageError("server --services: separate Temporal services need --postgres (on SQLite one process runs all four)")
	}
	log, err := c.logger()
	if err != nil {
		return err
	}
	ctx, stop := cli.SignalContext()
	defer stop()
	srv, err := startDevServer(&c, *temporalAddr, *uiAddr, "", log)
	if err != nil {
		return err
	}
	defer srv.Stop()
	where := "data " + c.data
	if c.postgres != "" {
		where = "PostgreSQL"
	}
	fmt.Fprintf(os.Stderr, "temporal %s on %s (namespace %s, %s)\n", strings.Join(c.services, ", "), *temporalAddr, c.namespace, where)
	if *backupTo != "" { // the server holds the data folder: it takes the nightly snapshots
		conn, err := connect(ctx, &c, *temporalAddr, mtls.Worker, time.Minute)
		if err != nil {
			return err
		}
		defer conn.tc.Close()
		stopBackups, err := serveBackups(ctx, conn.tc, c.data, *backupTo, backupPass)
		if err != nil {
			return err
		}
		defer stopBackups()
		fmt.Fprintf(os.Stderr, "backups of %s into %s every night at 01:00\n", c.data, *backupTo)
	}
	<-ctx.Done()
	log.Info().Msg("stopping temporal server")
	return nil
}
