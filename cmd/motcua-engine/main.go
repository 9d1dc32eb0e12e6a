// Command motcua-engine runs every motcua command, the heavy ones among
// them: `dev` (everything in one process on an embedded Temporal server),
// `server`, `worker`, `api`, `audit`, `chaos`, `bench`. Users run `motcua`,
// which runs the light commands itself and hands the rest to this binary
// (see package internal/cli); the engine answers to the light ones too, so
// that the processes it starts (chaos, bench) need no second binary.
package main

import (
	// The tz database, for Temporal's schedules in the office's time
	// zone (Asia/Ho_Chi_Minh) on a machine that has none.
	_ "time/tzdata"

	"github.com/motcua/motcua/internal/cli"
)

// commands are the commands only the engine runs; cli.Commands are the
// others.
var commands = map[string]func(args []string) error{
	"dev":              runDev,
	"server":           runServer,
	"worker":           runWorker,
	"api":              runAPI,
	"keys":             runKeys,
	"payment-sim":      runPaymentSim,
	"bench":            runBench,
	"chaos":            runChaos,
	"audit":            runAudit,
	"users":            runUsers,
	"renew-timestamps": runRenewTimestamps,
	"remote-sign-sim":  runRemoteSignSim,
	"backup":           runBackup,
	"tls":              runTLS,
	"restore":          runRestore,
}

func main() {
	cmd, args := cli.Command()
	run, ok := commands[cmd]
	if !ok {
		run, ok = cli.Commands[cmd]
	}
	if !ok {
		cli.UnknownCommand(cmd)
	}
	stop := profileCPU(cmd)
	err := run(args)
	stop()
	cli.Exit(err)
}
