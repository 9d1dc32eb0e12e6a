package main

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/motcua/motcua/signer"
)

// runVerify checks every signature of each PDF given: exit 0 when in every
// file all are valid, trusted and the last covers the whole file; else the
// worst of them: 2 when a file cannot be read, 1 when one is not valid.
func runVerify(args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	rootsFile := fs.String("roots", "", "PEM file of further trusted root certificates")
	data := fs.String("data", "", "a motcua dev data folder whose dev CA root to trust")
	asJSON := fs.Bool("json", false, "print the report as JSON (an array when several files are given)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: motcua verify FILE.pdf... [--roots FILE] [--data DIR] [--json]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(reorder(fs, args)); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usageError("verify takes one or more PDF files")
	}
	roots, err := trustedRoots(*rootsFile, *data)
	if err != nil {
		return usageError(err.Error())
	}
	type result struct {
		File string `json:"file"`
		*signer.Report
		Valid bool   `json:"valid"`
		Error string `json:"error,omitempty"`
	}
	var results []result
	unreadable, invalid := 0, 0
	for _, path := range fs.Args() {
		r := result{File: path}
		b, err := os.ReadFile(path)
		if err == nil {
			r.Report, err = signer.Verify(b, roots)
		}
		switch {
		case err != nil:
			unreadable++
			r.Error = err.Error()
		case r.Report.Err() != nil:
			invalid++
			r.Error = r.Report.Err().Error()
		default:
			r.Valid = true
		}
		results = append(results, r)
		if *asJSON {
			continue
		}
		if r.Report == nil {
			fmt.Fprintf(os.Stdout, "%s: không đọc được / cannot be read: %s\n", filepath.Base(path), r.Error)
		} else {
			r.Report.WriteText(os.Stdout, filepath.Base(path))
		}
		if len(fs.Args()) > 1 {
			fmt.Println()
		}
	}
	switch {
	case *asJSON && len(results) == 1:
		printJSON(results[0])
	case *asJSON:
		printJSON(results)
	case len(results) > 1:
		fmt.Printf("%d tệp / files: %d hợp lệ / valid, %d không hợp lệ / invalid, %d không đọc được / unreadable\n",
			len(results), len(results)-invalid-unreadable, invalid, unreadable)
	}
	switch {
	case unreadable > 0 && len(results) == 1:
		return usageError(results[0].File + ": " + results[0].Error)
	case unreadable > 0:
		return errUnreadable
	case invalid > 0:
		return errInvalid
	}
	return nil
}

// errUnreadable: a file given to verify could not be read (exit 2).
var errUnreadable = errors.New("")

func printJSON(v any) {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// trustedRoots are the system's roots, those in rootsFile, and the dev CA of
// a data folder when it has one; nothing else.
func trustedRoots(rootsFile, data string) (*x509.CertPool, error) {
	devRoot := ""
	if data != "" {
		devRoot = filepath.Join(data, "ca", "root.crt")
	}
	return signer.SystemRoots(rootsFile, devRoot)
}
