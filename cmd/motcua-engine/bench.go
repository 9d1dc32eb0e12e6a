package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/motcua/motcua/bench"
	"github.com/motcua/motcua/internal/cli"
)

// runBench measures motcua against a bare Temporal workflow of the
// dossier's shape on a durable server of its own, and prints both rates
// and their ratio.
func runBench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	clients := fs.Int("clients", 32, "concurrent clients, the same on both sides")
	count := fs.Int("count", 300, "bare workflows, then motcua dossiers, to drive")
	dir := fs.String("dir", "", "folder for the run's server data and logs (default: a new temporary folder)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *clients < 1 || *count < 1 {
		return cli.UsageError("bench: --clients and --count must be positive")
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	if *dir == "" {
		if *dir, err = os.MkdirTemp("", "motcua-bench-"); err != nil {
			return err
		}
	}
	ctx, stop := cli.SignalContext()
	defer stop()
	fmt.Fprintf(os.Stderr, "[bench] %d clients, %d of each; logs in %s\n", *clients, *count, *dir)
	rep, err := bench.Run(ctx, bench.Config{Binary: exe, Dir: *dir, Clients: *clients, Count: *count, Progress: os.Stderr})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Print(rep)
	return nil
}
