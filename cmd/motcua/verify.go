package main

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/motcua/motcua/signer"
)

// errInvalid makes the command exit 1 without printing more.
var errInvalid = errors.New("")

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
// a data folder; nothing else.
func trustedRoots(rootsFile, data string) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	var files []string
	if rootsFile != "" {
		files = append(files, rootsFile)
	}
	if data != "" {
		files = append(files, filepath.Join(data, "ca", "root.crt"))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("trusted roots: %w", err)
		}
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("%s holds no PEM certificate", f)
		}
	}
	return pool, nil
}

// reorder puts flags before the positional arguments, so that
// `verify FILE --json` works like `verify --json FILE`.
func reorder(fs *flag.FlagSet, args []string) []string {
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

// usageError exits 2.
type usageError string

func (e usageError) Error() string { return string(e) }
