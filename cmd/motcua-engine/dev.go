package main

import (
	"cmp"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/rs/zerolog"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/accounts"
	"github.com/motcua/motcua/internal/api"
	"github.com/motcua/motcua/internal/cli"
	"github.com/motcua/motcua/internal/devserver"
	"github.com/motcua/motcua/internal/mtls"
	"github.com/motcua/motcua/internal/portal/portalsim"
	"github.com/motcua/motcua/signer"
	"github.com/motcua/motcua/signer/devca"
	"github.com/motcua/motcua/worker"
	"github.com/motcua/motcua/workflows"
)

func runDev(args []string) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	var c common
	var nf notifyFlags
	var sf signingFlags
	c.register(fs, "./motcua-data")
	c.registerMetrics(fs)
	nf.register(fs, "") // motcua dev: DATA/outbox, set below
	sf.register(fs)
	apiAddr := fs.String("api-addr", "127.0.0.1:8080", "HTTP API address")
	temporalAddr := fs.String("temporal-addr", "127.0.0.1:7233", "embedded Temporal frontend address")
	uiAddr := fs.String("ui-addr", "127.0.0.1:8233", "Temporal Web UI address; empty for no UI")
	portalURL := fs.String("portal-url", "", "national portal URL; empty runs the built-in simulator")
	var fo frontOptions
	fo.register(fs)
	pkiAddr := fs.String("pki-addr", "127.0.0.1:8234", "address of the dev CA's TSA, OCSP responder and CRL")
	tsaPolicy := fs.String("tsa-policy", devca.DefaultTSAPolicy, "policy OID the dev TSA's tokens name (default: ETSI EN 319 421's baseline time-stamp policy)")
	usersFile := fs.String("users", "", "users file; empty creates one demo user per role")
	backupTo := backupFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	var backupPass []byte
	if *backupTo != "" {
		var err error
		if backupPass, err = backupPassphrase(*backupTo); err != nil {
			return err
		}
	}
	if err := c.checkPublicURL(); err != nil {
		return err
	}
	if nf.outbox == "" {
		nf.outbox = filepath.Join(c.data, "outbox")
	}
	fo.roots = sf.roots // the API trusts what the worker does
	log, err := c.logger()
	if err != nil {
		return err
	}
	ctx, stop := cli.SignalContext()
	defer stop()

	// Listen on the API first: a busy port is reported before anything starts.
	apiListener, err := cli.Listen(*apiAddr, "api-addr")
	if err != nil {
		return err
	}
	defer apiListener.Close()
	if c.publicURL == "" { // the QR codes lead to this machine's pages
		c.publicURL = "http://" + apiListener.Addr().String()
	}
	d, err := openData(&c)
	if err != nil {
		return err
	}
	users, tokens, err := devUsers(c.data, *usersFile)
	if err != nil {
		return err
	}
	if *portalURL == "" {
		l, err := cli.Listen("127.0.0.1:0", "portal-url")
		if err != nil {
			return err
		}
		sim, err := portalsim.New(portalsim.Faults{}, filepath.Join(c.data, "portal-sim"))
		if err != nil {
			return err
		}
		go cli.Serve(ctx, l, cli.ServiceServer(sim))
		*portalURL = "http://" + l.Addr().String()
	}

	if c.metricsAddr != "" { // the embedded server's own, proxied at /metrics/server
		l, err := cli.Listen("127.0.0.1:0", "metrics-addr")
		if err != nil {
			return err
		}
		c.serverMetrics = l.Addr().String()
		l.Close()
	}
	started := time.Now()
	srv, err := startDevServer(&c, *temporalAddr, *uiAddr, "http://"+apiListener.Addr().String()+"/codec", log)
	if err != nil {
		return err
	}
	defer srv.Stop()
	// The in-process worker and API share one client, as a writer.
	if err := c.serveMetrics(ctx, d); err != nil {
		return err
	}
	tc, err := worker.Dial(ctx, *temporalAddr, c.namespace, d.dc, func() (*tls.Config, error) { return c.tlsFor(mtls.Worker) }, log, 30*time.Second, c.sdkMetrics())
	if err != nil {
		return err
	}
	defer tc.Close()
	if err := worker.EnsureSearchAttributes(ctx, tc, c.namespace); err != nil {
		return err
	}
	ca, err := openDevCA(&c)
	if err != nil {
		return err
	}
	// The dev CA serves a TSA, an OCSP responder and a CRL, so that dev
	// signatures are timestamped and carry their revocation state.
	pkiListener, err := cli.Listen(*pkiAddr, "pki-addr")
	if err != nil {
		return err
	}
	if err := ca.SetTSAPolicy(*tsaPolicy); err != nil {
		return cli.UsageError("--tsa-policy: " + err.Error())
	}
	go cli.Serve(ctx, pkiListener, cli.ServiceServer(ca.Handler()))
	ca.SetPKIBase("http://" + pkiListener.Addr().String())
	if sf.signers == "" {
		if sf.tsa == "" {
			sf.tsa = ca.TSAURL()
		}
		sf.revocation = true
	}
	commands, err := c.commandSigner() // motcua dev is the API too
	if err != nil {
		return err
	}
	acts, err := newActivities(&c, d, commands.Verifier(), ca, *portalURL, &nf, &sf, log)
	if err != nil {
		return err
	}
	acts.Staff = users.Staff()
	if fo.remoteSigner != "" {
		acts.Remote = signer.RemoteSigner{URL: fo.remoteSigner}
	}
	if err := sf.issuing(acts, ca, users); err != nil {
		return err
	}
	w, err := startWorker(ctx, tc, d.dc, acts, sf.renewMargin)
	if err != nil {
		return err
	}
	defer w.Stop()
	if *backupTo != "" {
		var outside []string // the users file and the catalog, when they live elsewhere
		for _, f := range []string{*usersFile, c.catalog} {
			if f != "" {
				outside = append(outside, f)
			}
		}
		stopBackups, err := serveBackups(ctx, tc, c.data, *backupTo, backupPass, outside...)
		if err != nil {
			return err
		}
		defer stopBackups()
	}

	fmt.Fprintf(os.Stderr, "\nmotcua dev is running (started in %s)\n", time.Since(started).Round(time.Millisecond))
	fmt.Fprintf(os.Stderr, "  HTTP API        http://%s\n", apiListener.Addr())
	fmt.Fprintf(os.Stderr, "  Temporal        %s (namespace %s)\n", *temporalAddr, c.namespace)
	if *uiAddr != "" {
		fmt.Fprintf(os.Stderr, "  Temporal Web UI http://%s\n", *uiAddr)
	}
	fmt.Fprintf(os.Stderr, "  national portal %s\n", *portalURL)
	fmt.Fprintf(os.Stderr, "  dev CA services http://%s (TSA /tsa, OCSP /ocsp, CRL /crl)\n", pkiListener.Addr())
	fmt.Fprintf(os.Stderr, "  data            %s (dev CA root: %s)\n", c.data, ca.RootPath())
	if *backupTo != "" {
		fmt.Fprintf(os.Stderr, "  backups         %s (every night at 01:00)\n", *backupTo)
	}
	if len(tokens) > 0 { // the tokens and passwords themselves stay in their files, out of any log
		fmt.Fprintf(os.Stderr, "  pages           http://%s/login\n", apiListener.Addr())
		fmt.Fprintf(os.Stderr, "  demo users      one per role; tokens in %s, passwords in %s\n",
			filepath.Join(c.data, "dev-tokens.json"), filepath.Join(c.data, "dev-passwords.json"))
		for _, u := range accounts.DevUsers {
			fmt.Fprintf(os.Stderr, "    %-14s %-12s %s\n", u.Role, u.ID, u.Name)
		}
	}
	fmt.Fprintln(os.Stderr)

	uiOrigin := ""
	if *uiAddr != "" {
		uiOrigin = "http://" + *uiAddr
	}
	apiServer, err := newAPI(&c, d, tc, users, uiOrigin, fo, log)
	if err != nil {
		return err
	}
	err = cli.Serve(ctx, apiListener, api.HTTPServer(apiServer.Handler()))
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		err = nil
	}
	log.Info().Msg("shutting down")
	return err
}

// devUsers loads --users, or the demo users whose tokens live in
// DATA/dev-tokens.json and passwords in DATA/dev-passwords.json.
func devUsers(dir, usersFile string) (*accounts.Users, map[motcua.Role]string, error) {
	if usersFile != "" {
		u, err := accounts.LoadUsers(usersFile)
		return u, nil, err
	}
	u, tokens, _, err := accounts.LoadOrCreateDevUsers(filepath.Join(dir, "dev-tokens.json"), filepath.Join(dir, "dev-passwords.json"))
	return u, tokens, err
}

// startDevServer starts the embedded server on DATA/temporal.db.
func startDevServer(c *common, temporalAddr, uiAddr, codecEndpoint string, log zerolog.Logger) (*devserver.Server, error) {
	if c.postgres == "" || c.serverTLS == "" { // on PostgreSQL with laid-out certificates, no data folder
		if err := os.MkdirAll(c.data, 0o700); err != nil {
			return nil, err
		}
	}
	return devserver.Start(devserver.Options{
		DatabaseFile:     filepath.Join(c.data, "temporal.db"),
		FrontendAddr:     temporalAddr,
		UIAddr:           uiAddr,
		CodecEndpoint:    codecEndpoint,
		Namespace:        c.namespace,
		SearchAttributes: workflows.SearchAttributes,
		TLSDir:           cmp.Or(c.serverTLS, filepath.Join(c.data, "tls")),
		MetricsAddr:      c.serverMetrics,
		Postgres:         c.postgres,
		Services:         c.services,
		HistoryShards:    c.shards,
		ListenIP:         c.listenIP,
		Logger:           devserver.Logger{L: log.With().Str("component", "temporal-server").Logger().Level(max(zerolog.WarnLevel, log.GetLevel()))},
	})
}
