package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/accounts"
	"github.com/motcua/motcua/internal/cli"
)

// runUsers manages the users file: `motcua users add` gives a user a fresh
// token and password, keeps their hashes in the file and prints them once.
func runUsers(args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return cli.UsageError("users add --file FILE --id ID --name NAME --role ROLE [--certificate-sha256 HEX,...]")
	}
	fs := flag.NewFlagSet("users add", flag.ContinueOnError)
	file := fs.String("file", "", "the users file (created if missing)")
	id := fs.String("id", "", "the user's id")
	name := fs.String("name", "", "the user's full name, as documents print it")
	role := fs.String("role", "", "one of "+fmt.Sprint(motcua.Roles))
	certs := fs.String("certificate-sha256", "", "a leader's own signing certificates, SHA-256 hex, comma-separated")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *file == "" || *id == "" || *name == "" || !motcua.Role(*role).Valid() {
		return cli.UsageError("users add: --file, --id, --name and a valid --role are required")
	}
	var list []string
	if *certs != "" {
		list = strings.Split(*certs, ",")
	}
	token, password, err := accounts.AddUser(*file, motcua.User{ID: *id, Name: *name, Role: motcua.Role(*role)}, list)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%s (%s) is in %s; their API token, then their password for the pages (username %s), shown once:\n", *name, *role, *file, *id)
	fmt.Println(token)
	fmt.Println(password)
	return nil
}
