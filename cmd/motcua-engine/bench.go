package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"

	"github.com/motcua/motcua/internal/bench"
	"github.com/motcua/motcua/internal/cli"
)

// runBench measures motcua against a bare Temporal workflow of the
// dossier's shape on a durable server of its own, and prints both rates
// and their ratio; with --open, how motcua holds as open dossiers pile up.
func runBench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	clients := fs.Int("clients", 32, "concurrent clients, the same on both sides")
	count := fs.Int("count", 300, "bare workflows, then motcua dossiers, to drive")
	dir := fs.String("dir", "", "folder for the run's server data and logs (default: a new temporary folder)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	openFlag := fs.String("open", "", "instead: fill the engine with dossiers left waiting for review, measuring at each of these levels (e.g. 1000,5000,20000) the worker's memory, the list of dossiers in review and --count whole dossiers")
	lists := fs.Int("lists", 100, "with --open: list calls timed at each level")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *clients < 1 || *count < 1 || *lists < 1 {
		return cli.UsageError("bench: --clients, --count and --lists must be positive")
	}
	var levels []int
	for _, v := range splitList(*openFlag) {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || (len(levels) > 0 && n <= levels[len(levels)-1]) {
			return cli.UsageError("bench: --open takes increasing positive numbers, e.g. 1000,5000,20000")
		}
		levels = append(levels, n)
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
	cfg := bench.Config{Binary: exe, Dir: *dir, Clients: *clients, Count: *count, Progress: os.Stderr}
	var rep fmt.Stringer
	if len(levels) > 0 {
		fmt.Fprintf(os.Stderr, "[bench] %d clients, open dossiers %v, %d whole dossiers at each; logs in %s\n", *clients, levels, *count, *dir)
		rep, err = bench.Scale(ctx, bench.ScaleConfig{Config: cfg, Open: levels, Lists: *lists})
	} else {
		fmt.Fprintf(os.Stderr, "[bench] %d clients, %d of each; logs in %s\n", *clients, *count, *dir)
		rep, err = bench.Run(ctx, cfg)
	}
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
