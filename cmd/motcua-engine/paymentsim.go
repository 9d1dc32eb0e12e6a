package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/apiclient"
	"github.com/motcua/motcua/internal/cli"
	"github.com/motcua/motcua/internal/paygate"
)

// runPaymentSim serves the payment gateway simulator: the citizen's
// payment page, and the confirmation of each payment to motcua's API.
func runPaymentSim(args []string) error {
	fs := flag.NewFlagSet("payment-sim", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8091", "address to listen on")
	apiURL := fs.String("api", "http://127.0.0.1:8080", "motcua API URL")
	tokensFile := fs.String("tokens", "./motcua-data/dev-tokens.json", `tokens file {"role":"TOKEN"}: the gateway confirms payments with the system role's token`)
	dir := fs.String("data", "", "folder to keep transactions in across restarts (unconfirmed ones are confirmed again); empty keeps them in memory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	b, err := os.ReadFile(*tokensFile)
	if err != nil {
		return cli.UsageError("payment-sim: " + err.Error())
	}
	var tokens map[motcua.Role]string
	if err := json.Unmarshal(b, &tokens); err != nil || tokens[motcua.RoleSystem] == "" {
		return cli.UsageError("payment-sim: " + *tokensFile + " has no system token")
	}
	if *dir != "" {
		if err := os.MkdirAll(*dir, 0o700); err != nil {
			return err
		}
	}
	log, err := (&common{logLevel: "info"}).logger()
	if err != nil {
		return err
	}
	l, err := cli.Listen(*addr, "addr")
	if err != nil {
		return err
	}
	ctx, stop := cli.SignalContext()
	defer stop()
	g := &paygate.Gateway{API: apiclient.New(*apiURL, tokens[motcua.RoleSystem], nil), Dir: *dir, Log: log}
	if err := g.Resume(ctx); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "payment gateway simulator on http://%s/pay, confirming to %s\n", l.Addr(), *apiURL)
	err = cli.Serve(ctx, l, cli.ServiceServer(g.Handler()))
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
