// Command motcua runs the one-stop office's dossier engine: `motcua dev`
// (everything in one process on an embedded Temporal server), `motcua
// worker` and `motcua api` (against an external Temporal cluster), and
// `motcua portal-sim` (the national portal's simulator).
package main

import (
	"errors"
	"fmt"
	"os"
)

const usage = `motcua — the one-stop office's dossier engine

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
  motcua load       [--api URL] [--data DIR | --tokens FILE] [--clients 50] [--duration 1m] [--dossiers N] [--shapes] [--json]
  motcua sign-agent --pkcs11-module M --pkcs11-token T --key-label K [--pin-env VAR] [--origin URL] [--addr 127.0.0.1:8765]
  motcua remote-sign-sim [--addr HOST:PORT] [--data DIR] [--pki-url URL] [--expire-after 5m]
  motcua renew-timestamps [--data DIR] [--temporal-addr HOST:PORT]   (run the archive-timestamps schedule now)
  motcua keys       list | add | promote --id ID   [--data DIR] [--keys DIR]   (rotate the payload key)
  motcua users      add --file FILE --id ID --name NAME --role ROLE [--certificate-sha256 HEX,...]

Run "motcua COMMAND --help" for the flags of a command.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "dev":
		err = runDev(args)
	case "server":
		err = runServer(args)
	case "worker":
		err = runWorker(args)
	case "api":
		err = runAPI(args)
	case "portal-sim":
		err = runPortalSim(args)
	case "keys":
		err = runKeys(args)
	case "payment-sim":
		err = runPaymentSim(args)
	case "verify":
		err = runVerify(args)
	case "sign-remote":
		err = runSignRemote(args)
	case "load":
		err = runLoad(args)
	case "bench":
		err = runBench(args)
	case "chaos":
		err = runChaos(args)
	case "audit":
		err = runAudit(args)
	case "users":
		err = runUsers(args)
	case "renew-timestamps":
		err = runRenewTimestamps(args)
	case "sign-agent":
		err = runSignAgent(args)
	case "remote-sign-sim":
		err = runRemoteSignSim(args)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "motcua: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	var usage usageError
	switch {
	case err == nil:
	case errors.Is(err, errInvalid):
		os.Exit(1)
	case errors.Is(err, errUntrusted):
		os.Exit(3)
	case errors.Is(err, errUnreadable):
		os.Exit(2)
	case errors.As(err, &usage):
		fmt.Fprintln(os.Stderr, "motcua:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "motcua:", err)
		os.Exit(1)
	}
}
