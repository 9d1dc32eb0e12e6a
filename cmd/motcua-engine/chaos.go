package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/motcua/motcua/internal/chaos"
)

// runChaos runs the chaos scenario and prints its verdict; exit 1 on any
// violated invariant.
func runChaos(args []string) error {
	fs := flag.NewFlagSet("chaos", flag.ContinueOnError)
	dir := fs.String("dir", "", "folder for the run's data and logs (default: a new temporary folder)")
	dossiers := fs.Int("dossiers", 30, "dossiers to push through, over the five paths")
	clients := fs.Int("clients", 6, "concurrent simulated users")
	kills := fs.Int("kills", 3, "SIGKILLs of workers or the server during the run")
	failRate := fs.Float64("fail-rate", 0.2, "portal failure probability")
	outage := fs.Duration("outage", 20*time.Second, "length of one total portal outage")
	timeout := fs.Duration("timeout", 20*time.Minute, "limit for the whole run")
	asJSON := fs.Bool("json", false, "print the verdict as JSON")
	postgres := fs.String("postgres", os.Getenv("MOTCUA_POSTGRES"), "run the production topology on this PostgreSQL URL (default $MOTCUA_POSTGRES): Temporal as four processes, two workers, two APIs; the kills take a worker, the history process and an API")
	archiveURL := fs.String("archive", "", "the workers' and APIs' archive: an s3:// URL (credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY); empty: the data folder's")
	if err := fs.Parse(args); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	if *dir == "" {
		if *dir, err = os.MkdirTemp("", "motcua-chaos-"); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "[chaos] %d dossiers, %d kills, portal fail rate %.2f and a %s outage; logs in %s\n", *dossiers, *kills, *failRate, *outage, *dir)
	v, err := chaos.Run(context.Background(), chaos.Config{
		Binary: exe, Dir: *dir, Dossiers: *dossiers, Clients: *clients, Kills: *kills,
		FailRate: *failRate, Outage: *outage, Timeout: *timeout, Progress: os.Stderr,
		Postgres: *postgres, Archive: *archiveURL,
	})
	if err != nil {
		return err
	}
	if *asJSON {
		json.NewEncoder(os.Stdout).Encode(v)
	} else {
		for _, b := range v.Violations {
			fmt.Println("VIOLATION:", b)
		}
		verdict := "OK"
		if !v.OK() {
			verdict = fmt.Sprintf("%d VIOLATIONS", len(v.Violations))
		}
		fmt.Printf("VERDICT: %s — %d dossiers, %d kills, %s\n", verdict, v.Dossiers, v.Kills, v.Elapsed)
	}
	if !v.OK() {
		return errors.New("chaos: invariants violated")
	}
	return nil
}
