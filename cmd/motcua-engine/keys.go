package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/cli"
	"github.com/motcua/motcua/internal/codec"
	"github.com/motcua/motcua/internal/fileonce"
	"github.com/motcua/motcua/internal/mtls"
	"github.com/motcua/motcua/internal/vouch"
	"github.com/motcua/motcua/signer/devca"
)

// runKeys manages the payload key ring of a keys folder: a rotation is
// `add` (the new key is accepted: restart every process), then `promote`
// (it seals new payloads; the old one still opens: restart them again).
func runKeys(args []string) error {
	if len(args) == 0 {
		return cli.UsageError("keys: list | add | promote --id ID   (each with [--data DIR] [--keys DIR]) | issue --dir DIR [--users FILE]")
	}
	sub, args := args[0], args[1:]
	if sub == "issue" {
		return runKeysIssue(args)
	}
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

// runKeysIssue is `motcua keys issue --dir DIR`: motcua's own secrets laid
// out for processes that share no folder, beside the certificates `motcua
// tls issue` lays out in the same DIR (docker-compose.yml runs both once;
// each service mounts only its own folder). See issueKeys.
func runKeysIssue(args []string) error {
	fs := flag.NewFlagSet("keys issue", flag.ContinueOnError)
	dir := fs.String("dir", "", "the folder to lay the keys out in, the one motcua tls issue was given (kept: running again issues only what is missing)")
	usersFile := fs.String("users", "", "users file: each chairman and vice-chairman in it gets a signing key from the office's CA")
	unitName := fs.String("unit-name", motcua.DefaultUnit.Name, "name of the unit, as the office's certificate names it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return cli.UsageError("keys issue: --dir DIR is required")
	}
	var leaders []motcua.User
	if *usersFile != "" {
		var err error
		if leaders, err = signingUsers(*usersFile); err != nil {
			return err
		}
	}
	unit := motcua.DefaultUnit
	unit.Name = *unitName
	parts, err := issueKeys(*dir, unit, leaders)
	if err != nil {
		return fmt.Errorf("keys issue: %w", err)
	}
	fmt.Printf("the office's CA and every key: %s (mounted by no process; back it up)\n", filepath.Join(*dir, officePart))
	for _, p := range parts {
		fmt.Printf("  %s\n", p)
	}
	return nil
}

// officePart is the folder of the keys layout that keeps the office's CA
// and the original of every key: the operator's, mounted by no process.
const officePart = "office"

// signingUsers are the users of a users file who sign results: the
// chairmen and vice-chairmen (their tokens are not read).
func signingUsers(path string) ([]motcua.User, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	var f struct{ Users []motcua.User }
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("users file %s: %w", path, err)
	}
	var out []motcua.User
	for _, u := range f.Users {
		if u.Role == motcua.RoleChairman || u.Role == motcua.RoleViceChairman {
			out = append(out, u)
		}
	}
	return out, nil
}

// issueKeys lays motcua's secrets out in dir, one folder a kind of
// process, each holding only what that process needs:
//
//   - dir/office: the office's CA (standing for the leaders' and the
//     office's real certificates: a demo's, like the dev CA) and the
//     originals of the payload key ring, the command key and the citizen
//     index's key. No process mounts it.
//   - dir/motcua-api: the payload key ring, the command key (the API alone
//     vouches for decisions) with its public half, the citizen index's
//     key, the audit key certified by the office's CA, roots.pem.
//   - dir/motcua-worker: the payload key ring, the command key's public
//     half only, the citizen index's key, the signers file with the
//     office's and each leader's PKCS#12 key and their password,
//     roots.pem. No CA key, no command key.
//   - dir/motcua-audit: the payload key ring, the citizen index's key,
//     the audit key, roots.pem: motcua audit's, with no command key.
//
// A process given its folder as --keys (and the worker its signers.json
// as --signers, both roots.pem as --roots) needs no data folder. Running
// it again keeps every key and issues only what is missing (a leader added
// to the users file); the payload key ring is copied again, so that a
// rotation made in dir/office (motcua keys add/promote --keys dir/office)
// reaches the processes' folders. It returns the folders laid out.
func issueKeys(dir string, unit motcua.Unit, leaders []motcua.User) ([]string, error) {
	office := filepath.Join(dir, officePart)
	ca, err := devca.Open(office, unit.Name)
	if err != nil {
		return nil, err
	}
	if _, _, err := codec.LoadRing(office); err != nil {
		return nil, err
	}
	if _, err := vouch.LoadOrCreate(filepath.Join(office, "command.key")); err != nil {
		return nil, err
	}
	citizen := common{keys: office}
	if _, err := citizen.citizenIndexKey(); err != nil {
		return nil, err
	}
	signers := map[string]any{}
	entry := func(file string) any {
		return map[string]any{"pkcs12": map[string]any{"file": file, "password": map[string]string{"file": "pkcs12-password"}}}
	}
	p12 := []string{"office.p12", "pkcs12-password"}
	for _, u := range leaders {
		if _, err := ca.Key(devca.Person{ID: u.ID, Name: u.Name, Title: u.Role.OfficeTitle(unit)}); err != nil {
			return nil, fmt.Errorf("%s's key: %w", u.ID, err)
		}
		file := filepath.Base(ca.KeyPath(u.ID))
		signers[u.ID] = entry(file)
		p12 = append(p12, file)
	}
	if _, err := ca.OfficeKey(unit.Name); err != nil {
		return nil, err
	}
	signers[officeSigner] = entry("office.p12")

	ring, err := filepath.Glob(filepath.Join(office, "payload*.key"))
	if err != nil {
		return nil, err
	}
	for i := range ring {
		ring[i] = filepath.Base(ring[i])
	}
	common := append(ring, "citizen-index.key", "command.pub")
	api, worker := filepath.Join(dir, mtls.API), filepath.Join(dir, mtls.Worker)
	lay := func(part string, files ...string) error {
		if err := os.MkdirAll(part, 0o700); err != nil {
			return err
		}
		for _, f := range append(files, "root.crt") {
			b, err := os.ReadFile(filepath.Join(office, f))
			if err != nil {
				return err
			}
			if f == "root.crt" {
				f = "roots.pem"
			}
			if err := writeIfChanged(filepath.Join(part, f), b); err != nil {
				return err
			}
		}
		return nil
	}
	if err := lay(api, append(common, "command.key")...); err != nil {
		return nil, err
	}
	if _, err := audit.LoadOrCreateAuditKey(api, ca.CertifyAuditKey); err != nil {
		return nil, err
	}
	if err := lay(worker, append(common, p12...)...); err != nil {
		return nil, err
	}
	// The auditor reads payloads, checks results and signs bundles with
	// the unit's audit key: what the API holds but the command key.
	auditor := filepath.Join(dir, mtls.Auditor)
	if err := lay(auditor, ring...); err != nil {
		return nil, err
	}
	for _, f := range []string{"citizen-index.key", "audit-key.pem", "audit-key.crt"} {
		b, err := os.ReadFile(filepath.Join(api, f))
		if err != nil {
			return nil, err
		}
		if err := writeIfChanged(filepath.Join(auditor, f), b); err != nil {
			return nil, err
		}
	}
	b, _ := json.MarshalIndent(map[string]any{"signers": signers}, "", "  ")
	if err := writeIfChanged(filepath.Join(worker, "signers.json"), b); err != nil {
		return nil, err
	}
	return []string{api, worker, auditor}, nil
}

// writeIfChanged makes path hold b (readable by its owner only), replacing
// it whole when it held something else.
func writeIfChanged(path string, b []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, b) {
		return nil
	}
	return fileonce.Replace(path, b)
}
