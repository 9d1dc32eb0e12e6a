package main

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/archive"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/cli"
	"github.com/motcua/motcua/internal/mtls"
	"github.com/motcua/motcua/workflows"
)

// runAudit runs the auditor's subcommands: export, replay, verify.
func runAudit(args []string) error {
	if len(args) == 0 {
		return cli.UsageError("audit: export --dossier ID [-o FILE] | replay FILE... | replay --dossier ID | replay --all [--status S] | timeline --dossier ID [--lang vi|en] | verify --dossier ID | verify --all | bundle --dossier ID -o FILE.zip | check-bundle FILE.zip | rebuild-read-model | versions")
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("audit "+sub, flag.ContinueOnError)
	var c common
	c.register(fs, "./motcua-data")
	temporalAddr := fs.String("temporal-addr", "127.0.0.1:7233", "Temporal frontend address")
	dossier := fs.String("dossier", "", "dossier id")
	out := fs.String("o", "", "output file (export); default standard output")
	all := fs.Bool("all", false, "replay every dossier and archive-timestamps run; verify every archived result")
	status := fs.String("status", "", "with --all: only dossiers in this status")
	rootsFile := fs.String("roots", "", "PEM file of further trusted roots (verify; default KEYS/roots.pem when the --keys folder holds one)")
	lang := fs.String("lang", "vi", "timeline language: vi or en")
	trustedKey := fs.String("audit-key", "", "check-bundle: SHA-256 of the audit key certificate to trust (or --data DIR: the one in DIR/keys)")
	if err := fs.Parse(cli.Reorder(fs, args)); err != nil {
		return err
	}
	c.besideKeys(rootsFile, "roots.pem")
	ctx, stop := cli.SignalContext()
	defer stop()
	if sub == "check-bundle" { // an outside auditor has the bundle and nothing of ours
		data := "" // trusted only when named: a folder found where it runs may be planted
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "data" {
				data = c.data
			}
		})
		return checkBundle(fs.Args(), *trustedKey, *rootsFile, data)
	}
	offline := sub == "replay" && fs.NArg() > 0
	var conn *connected
	var err error
	if offline {
		d, err := openData(&c)
		if err != nil {
			return err
		}
		conn = &connected{data: d}
	} else {
		if conn, err = connect(ctx, &c, *temporalAddr, mtls.Auditor, 10*time.Second); err != nil {
			return err
		}
		defer conn.tc.Close()
	}
	switch sub {
	case "export":
		if *dossier == "" {
			return cli.UsageError("audit export: --dossier is required")
		}
		h, err := audit.History(ctx, conn.tc, *dossier)
		if err != nil {
			return err
		}
		b, err := audit.Export(h)
		if err != nil {
			return err
		}
		if *out == "" {
			_, err = os.Stdout.Write(append(b, '\n'))
			return err
		}
		return os.WriteFile(*out, b, 0o600)
	case "bundle":
		if *dossier == "" || *out == "" {
			return cli.UsageError("audit bundle: --dossier and -o are required")
		}
		h, err := audit.History(ctx, conn.tc, *dossier)
		if err != nil {
			return err
		}
		key, err := auditKey(&c)
		if err != nil {
			return err
		}
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		if err := audit.WriteBundle(f, *dossier, conn.data.dc, h, conn.data.store, key); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	case "timeline":
		if *dossier == "" {
			return cli.UsageError("audit timeline: --dossier is required")
		}
		if *lang != "vi" && *lang != "en" {
			return cli.UsageError("audit timeline: --lang is vi or en")
		}
		h, err := audit.History(ctx, conn.tc, *dossier)
		if err != nil {
			return err
		}
		audit.WriteTimeline(os.Stdout, conn.data.dc, h, *lang)
		return nil
	case "rebuild-read-model":
		return rebuildReadModel(ctx, conn, c.namespace)
	case "versions":
		uses, err := audit.Versions(ctx, conn.tc, c.namespace)
		if err != nil {
			return err
		}
		audit.WriteVersions(os.Stdout, uses)
		return nil
	case "replay":
		return auditReplay(ctx, conn, fs.Args(), *dossier, *all, *status, c.namespace)
	case "verify":
		return auditVerify(ctx, conn, &c, *dossier, *all, *rootsFile)
	}
	return cli.UsageError("audit: unknown subcommand " + sub)
}

// checkBundle checks an offline bundle with what the auditor trusts: the
// audit key's fingerprint (--audit-key), or roots it chains to (the
// system's, --roots, and the dev CA and audit key of the data folder
// named by --data, data here; "" when none was named). Nothing is trusted
// that the command line does not name. It needs no server and no data
// folder.
func checkBundle(args []string, pinned, rootsFile, data string) error {
	if len(args) != 1 {
		return cli.UsageError("audit check-bundle FILE.zip [--audit-key SHA256] [--roots FILE] [--data DIR]")
	}
	b, err := os.ReadFile(args[0])
	if err != nil {
		return cli.UsageError(err.Error())
	}
	devCA := data // the office's own folder, when named
	if _, err := os.Stat(filepath.Join(data, "ca", "root.crt")); data == "" || err != nil {
		devCA = ""
	}
	roots, err := cli.TrustedRoots(rootsFile, devCA)
	if err != nil {
		return err
	}
	if pinned == "" && data != "" {
		if cb, err := os.ReadFile(filepath.Join(data, "keys", "audit-key.crt")); err == nil {
			if blk, _ := pem.Decode(cb); blk != nil {
				pinned = archive.Sum(blk.Bytes) // the office checking its own bundles
			}
		}
	}
	res := audit.CheckBundle(b, audit.Trust{AuditKey: pinned, Roots: roots})
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.Encode(res)
	switch {
	case len(res.Problems) > 0:
		return cli.ErrInvalid
	case res.Trusted == "":
		fmt.Fprintf(os.Stderr, "motcua: the bundle is intact but signed by audit key %s, which you do not trust: pin it with --audit-key after checking it with the office, or give the root of its CA with --roots\n", res.AuditKey)
		return cli.ErrUntrusted
	case !res.Pass():
		fmt.Fprintf(os.Stderr, "motcua: the bundle is intact, but its result is signed by someone the roots you trust do not vouch for: give their CA's root with --roots\n")
		return cli.ErrUntrusted
	}
	return nil
}

func auditReplay(ctx context.Context, conn *connected, files []string, dossier string, all bool, status, namespace string) error {
	failed := 0
	check := func(name string, replay func() error) {
		if err := replay(); err != nil {
			failed++
			fmt.Printf("FAIL %s: %v\n", name, err)
			return
		}
		fmt.Printf("ok   %s\n", name)
	}
	switch {
	case len(files) > 0:
		for _, f := range files {
			check(filepath.Base(f), func() error {
				h, err := audit.ReadFile(f)
				if err != nil {
					return err
				}
				return audit.Replay(conn.data.dc, h)
			})
		}
	case dossier != "":
		check(dossier, func() error {
			h, err := audit.History(ctx, conn.tc, dossier)
			if err != nil {
				return err
			}
			return audit.Replay(conn.data.dc, h)
		})
	case all:
		if status != "" && !motcua.Status(status).Valid() {
			return cli.UsageError("audit replay: unknown status " + status)
		}
		dossiers := &workflows.Dossiers{Temporal: conn.tc, Namespace: namespace}
		err := dossiers.Each(ctx, workflows.Filter{Status: motcua.Status(status)}, func(d motcua.Summary) error {
			check(d.DossierID, func() error {
				h, err := audit.History(ctx, conn.tc, d.DossierID)
				if err != nil {
					return err
				}
				return audit.Replay(conn.data.dc, h)
			})
			return nil
		})
		if err != nil {
			return err
		}
		if status == "" {
			runs, err := audit.RenewalRuns(ctx, conn.tc, namespace)
			if err != nil {
				return err
			}
			for _, r := range runs {
				check(r.WorkflowID, func() error { return audit.Replay(conn.data.dc, r.History) })
			}
		}
	default:
		return cli.UsageError("audit replay: give FILE..., --dossier ID or --all")
	}
	if failed > 0 {
		return errors.New(fmt.Sprint(failed, " histories do not replay"))
	}
	return nil
}

// auditVerify checks archived results (one dossier's, or with all every
// one's): each version, the renewals recorded for it, its signatures and
// its chain of document timestamps. It prints one JSON finding per result
// and exits 1 when any has a problem.
func auditVerify(ctx context.Context, conn *connected, c *common, dossier string, all bool, rootsFile string) error {
	if (dossier == "") == !all {
		return cli.UsageError("audit verify: give --dossier ID or --all")
	}
	roots, err := cli.TrustedRoots(rootsFile, c.data)
	if err != nil {
		return err
	}
	runs, err := audit.RenewalRuns(ctx, conn.tc, c.namespace)
	if err != nil {
		return err
	}
	renewals, err := audit.Renewals(conn.data.dc, runs)
	if err != nil {
		return err
	}
	ids := []string{dossier}
	if all {
		if _, ids, _, err = conn.data.store.Files(); err != nil {
			return err
		}
	}
	var findings []audit.Finding
	bad := 0
	for _, id := range ids {
		h, err := audit.History(ctx, conn.tc, id)
		if err != nil {
			return err
		}
		f := audit.VerifyResult(conn.data.dc, h, conn.data.store, id, roots, renewals)
		if len(f.Problems) > 0 {
			bad++
		}
		findings = append(findings, f)
	}
	if all {
		cli.PrintJSON(findings)
	} else {
		cli.PrintJSON(findings[0])
	}
	if bad > 0 {
		return cli.ErrInvalid
	}
	return nil
}

// rebuildReadModel makes the read model of the commune's figures again
// from the histories: each dossier's newest facts go into DATA/readmodel.db
// (created when missing), replacing only older copies, so it is safe while
// the workers run. It prints how many dossiers it read.
func rebuildReadModel(ctx context.Context, conn *connected, namespace string) error {
	dossiers := &workflows.Dossiers{Temporal: conn.tc, Namespace: namespace}
	n, err := audit.RebuildFacts(ctx, conn.tc, conn.data.dc, dossiers, func(f motcua.Facts) error {
		return conn.data.facts.Record(ctx, f)
	})
	if err != nil {
		return fmt.Errorf("rebuild the read model: %w", err)
	}
	fmt.Printf("read model rebuilt from the histories: %d dossiers\n", n)
	return nil
}
