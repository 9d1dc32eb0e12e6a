package main

import (
	"flag"
	"fmt"

	"github.com/motcua/motcua/internal/cli"
	"github.com/motcua/motcua/internal/mtls"
)

// runTLS is `motcua tls issue --dir DIR`: the certificates of a cluster
// whose processes share no folder, one folder a kind of process (see
// mtls.Issue); docker-compose.yml runs it once, and each service mounts
// only its own folder.
func runTLS(args []string) error {
	if len(args) == 0 || args[0] != "issue" {
		return cli.UsageError("tls: the one subcommand is issue: motcua tls issue --dir DIR")
	}
	fs := flag.NewFlagSet("tls issue", flag.ContinueOnError)
	dir := fs.String("dir", "", "the folder to lay the certificates out in (kept: running again issues only what is missing)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *dir == "" {
		return cli.UsageError("tls issue: --dir DIR is required")
	}
	parts, err := mtls.Issue(*dir)
	if err != nil {
		return fmt.Errorf("tls issue: %w", err)
	}
	fmt.Printf("the CAs and their keys: %s/ca (mounted by no process)\n", *dir)
	for _, p := range parts {
		fmt.Printf("  %s\n", p)
	}
	return nil
}
