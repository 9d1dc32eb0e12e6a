package main

import (
	"flag"
	"fmt"
	"os"
)

// runServer runs the embedded durable Temporal server alone (and its Web
// UI), for workers and APIs started as separate processes on one machine.
func runServer(args []string) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	var c common
	c.register(fs, "./motcua-data")
	temporalAddr := fs.String("temporal-addr", "127.0.0.1:7233", "Temporal frontend address")
	uiAddr := fs.String("ui-addr", "127.0.0.1:8233", "Temporal Web UI address; empty for no UI")
	fs.StringVar(&c.serverMetrics, "metrics-addr", "", "serve the Temporal server's Prometheus metrics at http://ADDR/metrics; empty: none")
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
