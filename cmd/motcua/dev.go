package main

import (
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
	"github.com/motcua/motcua/api"
	"github.com/motcua/motcua/devserver"
	"github.com/motcua/motcua/logging"
	"github.com/motcua/motcua/portal"
	"github.com/motcua/motcua/worker"
	"github.com/motcua/motcua/workflows"
)

func runDev(args []string) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	var c common
	var nf notifyFlags
	var sf signingFlags
	c.register(fs, "./motcua-data")
	nf.register(fs)
	sf.register(fs)
	apiAddr := fs.String("api-addr", "127.0.0.1:8080", "HTTP API address")
	temporalAddr := fs.String("temporal-addr", "127.0.0.1:7233", "embedded Temporal frontend address")
	uiAddr := fs.String("ui-addr", "127.0.0.1:8233", "Temporal Web UI address; empty for no UI")
	portalURL := fs.String("portal-url", "", "national portal URL; empty runs the built-in simulator")
	pkiAddr := fs.String("pki-addr", "127.0.0.1:8234", "address of the dev CA's TSA, OCSP responder and CRL")
	usersFile := fs.String("users", "", "users file; empty creates one demo user per role")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log, err := c.logger()
	if err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()

	// Listen on the API first: a busy port is reported before anything starts.
	apiListener, err := listen(*apiAddr, "api-addr")
	if err != nil {
		return err
	}
	defer apiListener.Close()
	d, err := openData(c.data)
	if err != nil {
		return err
	}
	users, tokens, err := devUsers(c.data, *usersFile)
	if err != nil {
		return err
	}
	if *portalURL == "" {
		l, err := listen("127.0.0.1:0", "portal-url")
		if err != nil {
			return err
		}
		sim, err := portal.NewSimulator(portal.Faults{}, filepath.Join(c.data, "portal-sim"))
		if err != nil {
			return err
		}
		go http.Serve(l, sim)
		*portalURL = "http://" + l.Addr().String()
	}

	started := time.Now()
	srv, err := startDevServer(&c, *temporalAddr, *uiAddr, "http://"+apiListener.Addr().String()+"/codec", log)
	if err != nil {
		return err
	}
	defer srv.Stop()
	tc, err := worker.Dial(ctx, *temporalAddr, c.namespace, d.dc, log, 30*time.Second)
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
	pkiListener, err := listen(*pkiAddr, "pki-addr")
	if err != nil {
		return err
	}
	go http.Serve(pkiListener, ca.Handler())
	ca.SetPKIBase("http://" + pkiListener.Addr().String())
	if sf.signers == "" {
		if sf.tsa == "" {
			sf.tsa = ca.TSAURL()
		}
		sf.revocation = true
	}
	acts, err := newActivities(&c, d, ca, *portalURL, &nf, &sf, log)
	if err != nil {
		return err
	}
	w, err := startWorker(tc, acts)
	if err != nil {
		return err
	}
	defer w.Stop()

	fmt.Fprintf(os.Stderr, "\nmotcua dev is running (started in %s)\n", time.Since(started).Round(time.Millisecond))
	fmt.Fprintf(os.Stderr, "  HTTP API        http://%s\n", apiListener.Addr())
	fmt.Fprintf(os.Stderr, "  Temporal        %s (namespace %s)\n", *temporalAddr, c.namespace)
	if *uiAddr != "" {
		fmt.Fprintf(os.Stderr, "  Temporal Web UI http://%s\n", *uiAddr)
	}
	fmt.Fprintf(os.Stderr, "  national portal %s\n", *portalURL)
	fmt.Fprintf(os.Stderr, "  dev CA services http://%s (TSA /tsa, OCSP /ocsp, CRL /crl)\n", pkiListener.Addr())
	fmt.Fprintf(os.Stderr, "  data            %s (dev CA root: %s)\n", c.data, ca.RootPath())
	if len(tokens) > 0 {
		fmt.Fprintf(os.Stderr, "  demo tokens     (also in %s)\n", filepath.Join(c.data, "dev-tokens.json"))
		for _, u := range api.DevUsers {
			fmt.Fprintf(os.Stderr, "    %-14s %-24s %s\n", u.Role, u.Name, tokens[u.Role])
		}
	}
	fmt.Fprintln(os.Stderr)

	uiOrigin := ""
	if *uiAddr != "" {
		uiOrigin = "http://" + *uiAddr
	}
	apiServer, err := newAPI(&c, d, tc, users, uiOrigin, log)
	if err != nil {
		return err
	}
	err = serve(ctx, apiListener, apiServer.Handler())
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		err = nil
	}
	log.Info().Msg("shutting down")
	return err
}

// devUsers loads --users, or the demo users whose tokens live in
// DATA/dev-tokens.json.
func devUsers(dir, usersFile string) (*api.Users, map[motcua.Role]string, error) {
	if usersFile != "" {
		u, err := api.LoadUsers(usersFile)
		return u, nil, err
	}
	return api.LoadOrCreateDevTokens(filepath.Join(dir, "dev-tokens.json"))
}

// runServer runs the embedded durable Temporal server alone (and its Web
// UI), for workers and APIs started as separate processes on one machine.
func runServer(args []string) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	var c common
	c.register(fs, "./motcua-data")
	temporalAddr := fs.String("temporal-addr", "127.0.0.1:7233", "Temporal frontend address")
	uiAddr := fs.String("ui-addr", "127.0.0.1:8233", "Temporal Web UI address; empty for no UI")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log, err := c.logger()
	if err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	srv, err := startDevServer(&c, *temporalAddr, *uiAddr, "", log)
	if err != nil {
		return err
	}
	defer srv.Stop()
	fmt.Fprintf(os.Stderr, "temporal server on %s (namespace %s, data %s)\n", *temporalAddr, c.namespace, c.data)
	<-ctx.Done()
	log.Info().Msg("stopping temporal server")
	return nil
}

// startDevServer starts the embedded server on DATA/temporal.db.
func startDevServer(c *common, temporalAddr, uiAddr, codecEndpoint string, log zerolog.Logger) (*devserver.Server, error) {
	if err := os.MkdirAll(c.data, 0o700); err != nil {
		return nil, err
	}
	return devserver.Start(devserver.Options{
		DatabaseFile:     filepath.Join(c.data, "temporal.db"),
		FrontendAddr:     temporalAddr,
		UIAddr:           uiAddr,
		CodecEndpoint:    codecEndpoint,
		Namespace:        c.namespace,
		SearchAttributes: workflows.SearchAttributes,
		Logger:           logging.Server{L: log.With().Str("component", "temporal-server").Logger().Level(max(zerolog.WarnLevel, log.GetLevel()))},
	})
}

func runWorker(args []string) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	var c common
	var nf notifyFlags
	var sf signingFlags
	c.register(fs, "./motcua-data")
	nf.register(fs)
	sf.register(fs)
	temporalAddr := fs.String("temporal-addr", "127.0.0.1:7233", "Temporal frontend address")
	portalURL := fs.String("portal-url", "", "national portal URL (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *portalURL == "" {
		return errors.New("worker: --portal-url is required")
	}
	ctx, stop := signalContext()
	defer stop()
	conn, err := connect(ctx, &c, *temporalAddr, 5*time.Minute)
	if err != nil {
		return err
	}
	defer conn.tc.Close()
	log, d, tc := conn.log, conn.data, conn.tc
	if err := worker.EnsureSearchAttributes(ctx, tc, c.namespace); err != nil {
		return err
	}
	ca, err := openDevCA(&c)
	if err != nil {
		return err
	}
	acts, err := newActivities(&c, d, ca, *portalURL, &nf, &sf, log)
	if err != nil {
		return err
	}
	w, err := startWorker(tc, acts)
	if err != nil {
		return err
	}
	log.Info().Str("temporal", *temporalAddr).Str("task_queue", workflows.TaskQueue).Msg("worker started")
	<-ctx.Done()
	log.Info().Msg("stopping worker: in-flight activities get 30s to finish")
	w.Stop()
	return nil
}

func runAPI(args []string) error {
	fs := flag.NewFlagSet("api", flag.ContinueOnError)
	var c common
	c.register(fs, "./motcua-data")
	temporalAddr := fs.String("temporal-addr", "127.0.0.1:7233", "Temporal frontend address")
	apiAddr := fs.String("api-addr", "127.0.0.1:8080", "HTTP API address")
	usersFile := fs.String("users", "", "users file (required)")
	uiOrigin := fs.String("ui-origin", "", "origin of the Temporal Web UI allowed to call the codec endpoint, e.g. http://127.0.0.1:8233")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *usersFile == "" {
		return errors.New("api: --users is required")
	}
	users, err := api.LoadUsers(*usersFile)
	if err != nil {
		return err
	}
	l, err := listen(*apiAddr, "api-addr")
	if err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	conn, err := connect(ctx, &c, *temporalAddr, 5*time.Minute)
	if err != nil {
		return err
	}
	defer conn.tc.Close()
	conn.log.Info().Str("addr", l.Addr().String()).Msg("api listening")
	apiServer, err := newAPI(&c, conn.data, conn.tc, users, *uiOrigin, conn.log)
	if err != nil {
		return err
	}
	err = serve(ctx, l, apiServer.Handler())
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func runPortalSim(args []string) error {
	fs := flag.NewFlagSet("portal-sim", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8090", "address to listen on")
	var f portal.Faults
	fs.Float64Var(&f.FailRate, "fail-rate", 0, "probability (0..1) that a request fails: HTTP 503 or a timeout")
	fs.IntVar(&f.OutageAfter, "outage-after", 0, "after this many requests, refuse everything for --outage-for")
	fs.DurationVar(&f.OutageFor, "outage-for", 0, "length of the outage, a Go duration such as 90s")
	fs.DurationVar(&f.Timeout, "timeout", 25*time.Second, "how long a timed-out request hangs")
	dir := fs.String("data", "", "folder to keep received records in across restarts; empty keeps them in memory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if f.FailRate < 0 || f.FailRate > 1 {
		return errors.New("--fail-rate must be between 0 and 1")
	}
	if (f.OutageAfter > 0) != (f.OutageFor > 0) {
		return errors.New("--outage-after and --outage-for go together")
	}
	l, err := listen(*addr, "addr")
	if err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	fmt.Fprintf(os.Stderr, "portal simulator on http://%s (fail rate %.2f, outage after %d requests for %s)\n",
		l.Addr(), f.FailRate, f.OutageAfter, f.OutageFor)
	sim, err := portal.NewSimulator(f, *dir)
	if err != nil {
		return err
	}
	err = serve(ctx, l, sim)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
