package main

import (
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/motcua/motcua/signer"
)

// runVerify checks every signature of a PDF: exit 0 when all are valid,
// trusted and the last covers the whole file, 1 when not, 2 when the file
// cannot be read.
func runVerify(args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	rootsFile := fs.String("roots", "", "PEM file of further trusted root certificates")
	data := fs.String("data", "", "a motcua dev data folder whose dev CA root to trust")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: motcua verify FILE.pdf [--roots FILE] [--data DIR] [--json]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(reorder(fs, args)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError("verify takes one PDF file")
	}
	roots, err := trustedRoots(*rootsFile, *data)
	if err != nil {
		return usageError(err.Error())
	}
	path := fs.Arg(0)
	b, err := os.ReadFile(path)
	if err != nil {
		return usageError(err.Error())
	}
	rep, err := signer.Verify(b, roots)
	if err != nil {
		return usageError(fmt.Sprintf("%s: %v", path, err))
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		out := struct {
			*signer.Report
			Valid bool   `json:"valid"`
			Error string `json:"error,omitempty"`
		}{Report: rep, Valid: rep.Err() == nil}
		if e := rep.Err(); e != nil {
			out.Error = e.Error()
		}
		enc.Encode(out)
	} else {
		rep.WriteText(os.Stdout, filepath.Base(path))
	}
	if rep.Err() != nil {
		return errInvalid
	}
	return nil
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
