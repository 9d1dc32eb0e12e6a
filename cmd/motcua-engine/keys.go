package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/motcua/motcua/internal/cli"
	"github.com/motcua/motcua/internal/codec"
)

// runKeys manages the payload key ring of a keys folder: a rotation is
// `add` (the new key is accepted: restart every process), then `promote`
// (it seals new payloads; the old one still opens: restart them again).
func runKeys(args []string) error {
	if len(args) == 0 {
		return cli.UsageError("keys: list | add | promote --id ID   (each with [--data DIR] [--keys DIR])")
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("keys "+sub, flag.ContinueOnError)
	var c common
	fs.StringVar(&c.data, "data", "./motcua-data", "data folder (its keys folder is DATA/keys)")
	fs.StringVar(&c.keys, "keys", "", "keys folder; default DATA/keys")
	id := fs.String("id", "", "promote: the accepted key to seal with from now on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir := c.keysDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	switch sub {
	case "list":
	case "add":
		k, err := codec.AddKey(dir)
		if err != nil {
			return err
		}
		fmt.Printf("added payload key %s (accepted, not yet sealing): restart every process that shares %s, then `motcua keys promote --id %s`\n", k.ID, dir, k.ID)
	case "promote":
		if *id == "" {
			return cli.UsageError("keys promote: --id ID is required")
		}
		if err := codec.Promote(dir, *id); err != nil {
			return err
		}
		fmt.Printf("payload key %s seals new payloads from the next start; the previous key stays accepted: restart every process that shares %s\n", *id, dir)
	default:
		return cli.UsageError("keys: unknown action " + sub)
	}
	cur, accepted, err := codec.IDs(dir)
	if err != nil {
		return err
	}
	fmt.Printf("sealing: %s\naccepted: %v\n", cur, accepted)
	return nil
}
