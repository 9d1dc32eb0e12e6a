// Package cli holds what both motcua binaries share: the commands that need
// no Temporal (verify, sign-remote, sign-agent, load, portal-sim), the usage
// text, flag helpers and the mapping from a command's error to its exit
// code.
//
// motcua is two binaries so that an auditor's `motcua verify` does not pay
// for the embedded Temporal server: in one Go binary every linked package is
// initialised before main runs, and the server's ~860 packages cost tens of
// milliseconds and over 150 MB before the first line of a command. The front
// binary, cmd/motcua, runs the commands of this package itself and hands
// every other one to the engine, cmd/motcua-engine, which runs them all.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// Usage is the text `motcua help` prints.
const Usage = `motcua — the one-stop office's dossier engine

Usage:
  motcua dev        [--data DIR] [--api-addr HOST:PORT] [--temporal-addr HOST:PORT] [--ui-addr HOST:PORT]
                    [--portal-url URL] [--users FILE] [--smtp-addr HOST:PORT] [--sms-url URL]
  motcua server     [--data DIR] [--temporal-addr HOST:PORT] [--ui-addr HOST:PORT] [--postgres URL [--services S,...] [--shards N]]
  motcua worker     --temporal-addr HOST:PORT --data DIR --portal-url URL [--smtp-addr ...] [--sms-url URL]
  motcua api        --temporal-addr HOST:PORT --data DIR --users FILE [--api-addr HOST:PORT]
  motcua portal-sim --addr HOST:PORT [--fail-rate F] [--outage-after N --outage-for D]
  motcua payment-sim [--addr HOST:PORT] [--api URL] [--tokens FILE] [--data DIR]
  motcua verify     FILE.pdf... [--roots FILE] [--data DIR] [--json]
  motcua sign-remote --dossier ID (--pkcs12 FILE --password-env VAR | --pkcs11-module M --pkcs11-token T --key-label K --pin-env VAR)
                    [--api URL] [--token-env VAR] [--chain FILE]
  motcua audit      export --dossier ID [-o FILE] | replay FILE... | replay --dossier ID | replay --all [--status S]
                    | timeline --dossier ID [--lang vi|en] | verify --dossier ID | verify --all
                    | bundle --dossier ID -o FILE.zip | check-bundle FILE.zip | rebuild-read-model   (each with [--temporal-addr HOST:PORT] [--data DIR])
  motcua chaos      [--dossiers 30] [--kills 3] [--outage 20s] [--fail-rate 0.2] [--dir DIR] [--postgres URL] [--archive s3://...]
  motcua bench      [--clients 32] [--count 300] [--dir DIR] [--json]   (motcua against a bare workflow of its shape)
                    [--open 1000,5000,20000 [--lists 100]]   (instead: motcua as open dossiers pile up)
  motcua load       [--api URL] [--data DIR | --tokens FILE] [--clients 50] [--duration 1m] [--dossiers N] [--shapes] [--json]
  motcua sign-agent --pkcs11-module M --pkcs11-token T --key-label K [--pin-env VAR] [--origin URL] [--addr 127.0.0.1:8765]
  motcua remote-sign-sim [--addr HOST:PORT] [--data DIR] [--pki-url URL] [--expire-after 5m]
  motcua renew-timestamps [--data DIR] [--temporal-addr HOST:PORT]   (run the archive-timestamps schedule now)
  motcua keys       list | add | promote --id ID   [--data DIR] [--keys DIR]   (rotate the payload key)
  motcua users      add --file FILE --id ID --name NAME --role ROLE [--certificate-sha256 HEX,...]

Run "motcua COMMAND --help" for the flags of a command.
`

// Commands are the commands this package runs, by name.
var Commands = map[string]func(args []string) error{
	"verify":      Verify,
	"sign-remote": SignRemote,
	"sign-agent":  SignAgent,
	"load":        Load,
	"portal-sim":  PortalSim,
}

// EngineCommands are the commands motcua hands to motcua-engine.
var EngineCommands = []string{"dev", "server", "worker", "api", "keys", "payment-sim", "bench", "chaos",
	"audit", "users", "renew-timestamps", "remote-sign-sim", "backup", "restore", "tls"}

// Exit ends the process as err says: 0 for nil, 1 for ErrInvalid and other
// failures, 2 for a UsageError or ErrUnreadable, 3 for ErrUntrusted. The
// message, if any, goes to stderr.
func Exit(err error) {
	var usage UsageError
	switch {
	case err == nil:
		os.Exit(0)
	case errors.Is(err, ErrInvalid):
		os.Exit(1)
	case errors.Is(err, ErrUntrusted):
		os.Exit(3)
	case errors.Is(err, ErrUnreadable):
		os.Exit(2)
	case errors.As(err, &usage):
		fmt.Fprintln(os.Stderr, "motcua:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "motcua:", err)
		os.Exit(1)
	}
}

// Command is the command named on the command line and its arguments. No
// command prints the usage and exits 2; help prints it and exits 0.
func Command() (cmd string, args []string) {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, Usage)
		os.Exit(2)
	}
	cmd, args = os.Args[1], os.Args[2:]
	if cmd == "help" || cmd == "-h" || cmd == "--help" {
		fmt.Print(Usage)
		os.Exit(0)
	}
	return cmd, args
}

// UnknownCommand prints the usage after naming cmd, and exits 2.
func UnknownCommand(cmd string) {
	fmt.Fprintf(os.Stderr, "motcua: unknown command %q\n\n%s", cmd, Usage)
	os.Exit(2)
}

// ErrInvalid makes the command exit 1 without printing more.
var ErrInvalid = errors.New("")

// ErrUnreadable makes the command exit 2 without printing more: a file given
// to verify could not be read.
var ErrUnreadable = errors.New("")

// ErrUntrusted makes the command exit 3: check-bundle's answer to an intact
// bundle whose audit key is not one the unit's CA certified.
var ErrUntrusted = errors.New("untrusted")

// UsageError is a mistake in the command line: printed, exit 2.
type UsageError string

func (e UsageError) Error() string { return string(e) }

// Reorder puts flags before the positional arguments, so that
// `verify FILE --json` works like `verify --json FILE`.
func Reorder(fs *flag.FlagSet, args []string) []string {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) < 2 || a[0] != '-' {
			rest = append(rest, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil {
			if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
				continue
			}
		}
		if i+1 < len(args) {
			flags = append(flags, args[i+1])
			i++
		}
	}
	return append(flags, rest...)
}

// Listen listens on addr, naming the flag to change when it cannot.
func Listen(addr, flagName string) (net.Listener, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s (change --%s or stop what uses it): %w", addr, flagName, err)
	}
	return l, nil
}

// ServiceServer is the HTTP server of the small services motcua runs (the
// dev CA's TSA, OCSP and CRL, the portal simulator): small requests, so a
// slow client is cut off after 20 s; answers may take a minute (the
// simulator's injected hangs).
func ServiceServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 20 * time.Second,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
}

// Serve runs srv on l until ctx ends, then drains it.
func Serve(ctx context.Context, l net.Listener, srv *http.Server) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return srv.Shutdown(shut)
	}
}

// SignalContext ends on SIGINT or SIGTERM.
func SignalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// PrintJSON writes v to stdout, indented.
func PrintJSON(v any) {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
