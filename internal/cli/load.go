package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/loadtest"
)

// Load drives a running motcua API with concurrent simulated offices for
// a bounded time and reports throughput and latencies; exit 1 on any error.
func Load(args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	apiURL := fs.String("api", "http://127.0.0.1:8080", "motcua API URL; several, comma-separated, share the clients (the same tokens on each)")
	data := fs.String("data", "./motcua-data", "motcua dev data folder, for its dev-tokens.json")
	tokensFile := fs.String("tokens", "", `tokens file {"role":"TOKEN"}; default DATA/dev-tokens.json`)
	clients := fs.Int("clients", 50, "concurrent clients")
	duration := fs.Duration("duration", time.Minute, "how long to drive the API")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	dossiers := fs.Int("dossiers", 0, "stop taking dossiers in after this many (0: until --duration)")
	shapes := fs.Bool("shapes", false, "mix every step shape of the catalog (fee and same-day, consultation, supplement twice, withdrawal) into the dossiers")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *clients < 1 || *duration <= 0 {
		return UsageError("load: --clients and --duration must be positive")
	}
	if *tokensFile == "" {
		*tokensFile = filepath.Join(*data, "dev-tokens.json")
	}
	b, err := os.ReadFile(*tokensFile)
	if err != nil {
		return UsageError("load: " + err.Error())
	}
	var tokens map[motcua.Role]string
	if err := json.Unmarshal(b, &tokens); err != nil {
		return UsageError("load: " + err.Error())
	}
	fmt.Fprintf(os.Stderr, "driving %s with %d clients for %s...\n", *apiURL, *clients, *duration)
	rep := loadtest.Run(context.Background(), loadtest.Config{API: *apiURL, Tokens: tokens, Clients: *clients, Duration: *duration,
		Dossiers: *dossiers, Shapes: *shapes})
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	} else {
		fmt.Print(rep)
	}
	if rep.Errors > 0 {
		return errors.New("load: some calls failed")
	}
	return nil
}
