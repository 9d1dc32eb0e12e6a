package cli

import (
	"crypto/x509"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/motcua/motcua/signer"
)

// Verify checks every signature of each PDF given: exit 0 when in every
// file all are valid, trusted and the last covers the whole file; else the
// worst of them: 2 when a file cannot be read, 1 when one is not valid.
func Verify(args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	rootsFile := fs.String("roots", "", "PEM file of further trusted root certificates")
	data := fs.String("data", "", "a motcua dev data folder whose dev CA root to trust")
	asJSON := fs.Bool("json", false, "print the report as JSON (an array when several files are given)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: motcua verify FILE.pdf... [--roots FILE] [--data DIR] [--json]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(Reorder(fs, args)); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return UsageError("verify takes one or more PDF files")
	}
	trust, err := newTrust(*rootsFile, *data)
	if err != nil {
		return UsageError(err.Error())
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
			r.Report, err = trust.verify(b)
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
		PrintJSON(results[0])
	case *asJSON:
		PrintJSON(results)
	case len(results) > 1:
		fmt.Printf("%d tệp / files: %d hợp lệ / valid, %d không hợp lệ / invalid, %d không đọc được / unreadable\n",
			len(results), len(results)-invalid-unreadable, invalid, unreadable)
	}
	switch {
	case unreadable > 0 && len(results) == 1:
		return UsageError(results[0].File + ": " + results[0].Error)
	case unreadable > 0:
		return ErrUnreadable
	case invalid > 0:
		return ErrInvalid
	}
	return nil
}

// trust verifies against the roots given (--roots, --data's dev CA) first
// and against the system's roots as well only when a signature does not
// chain to those: reading and parsing the system's hundred-odd roots costs
// ten times the verification of a result, and a commune's results chain to
// the roots an auditor names. The second pass only adds roots, so a file's
// report is the one the whole set would give.
type trust struct {
	given           *x509.CertPool // nil when none given
	paths           []string
	withSystemRoots *x509.CertPool // loaded at the first need
}

func newTrust(rootsFile, data string) (*trust, error) {
	t := &trust{}
	if data != "" {
		t.paths = append(t.paths, filepath.Join(data, "ca", "root.crt"))
	}
	if rootsFile != "" {
		t.paths = append(t.paths, rootsFile)
	}
	if len(t.paths) > 0 {
		given, err := signer.LoadRoots(t.paths...)
		if err != nil {
			return nil, err
		}
		t.given = given
	}
	return t, nil
}

func (t *trust) verify(file []byte) (*signer.Report, error) {
	if t.given != nil {
		rep, err := signer.Verify(file, t.given)
		if err != nil || allTrusted(rep) {
			return rep, err
		}
	}
	if t.withSystemRoots == nil {
		all, err := signer.SystemRoots(t.paths...)
		if err != nil {
			return nil, err
		}
		t.withSystemRoots = all
	}
	return signer.Verify(file, t.withSystemRoots)
}

func allTrusted(rep *signer.Report) bool {
	for _, s := range rep.Signatures {
		if !s.Trusted {
			return false
		}
	}
	return len(rep.Signatures) > 0
}

// TrustedRoots are the system's roots, those in rootsFile, and the dev CA of
// a data folder when it has one; nothing else.
func TrustedRoots(rootsFile, data string) (*x509.CertPool, error) {
	devRoot := ""
	if data != "" {
		devRoot = filepath.Join(data, "ca", "root.crt")
	}
	return signer.SystemRoots(rootsFile, devRoot)
}
