package cli

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/motcua/motcua/internal/portal/portalsim"
)

// PortalSim runs the national portal's simulator, failing on request.
func PortalSim(args []string) error {
	fs := flag.NewFlagSet("portal-sim", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8090", "address to listen on")
	var f portalsim.Faults
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
	l, err := Listen(*addr, "addr")
	if err != nil {
		return err
	}
	ctx, stop := SignalContext()
	defer stop()
	fmt.Fprintf(os.Stderr, "portal simulator on http://%s (fail rate %.2f, outage after %d requests for %s)\n",
		l.Addr(), f.FailRate, f.OutageAfter, f.OutageFor)
	sim, err := portalsim.New(f, *dir)
	if err != nil {
		return err
	}
	err = Serve(ctx, l, ServiceServer(sim))
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
