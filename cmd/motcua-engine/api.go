package main

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"

	"github.com/motcua/motcua/internal/accounts"
	"github.com/motcua/motcua/internal/api"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/cli"
	"github.com/motcua/motcua/internal/mtls"
	"github.com/motcua/motcua/internal/web"
	"github.com/motcua/motcua/signer"
)

func runAPI(args []string) error {
	fs := flag.NewFlagSet("api", flag.ContinueOnError)
	var c common
	c.register(fs, "./motcua-data")
	c.registerMetrics(fs)
	temporalAddr := fs.String("temporal-addr", "127.0.0.1:7233", "Temporal frontend address")
	apiAddr := fs.String("api-addr", "127.0.0.1:8080", "HTTP API address")
	usersFile := fs.String("users", "", "users file (required)")
	var fo frontOptions
	fo.register(fs)
	fs.StringVar(&fo.roots, "roots", "", "PEM file of the root certificates the public check (Kiểm tra văn bản) and the auditor's report trust, e.g. the national root CA's (default KEYS/roots.pem when the --keys folder holds one); the dev CA's root in DATA/ca is trusted besides when it exists")
	uiOrigin := fs.String("ui-origin", "", "origin of the Temporal Web UI allowed to call the codec endpoint, e.g. http://127.0.0.1:8233")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := c.checkPublicURL(); err != nil {
		return err
	}
	c.besideKeys(&fo.roots, "roots.pem")
	if *usersFile == "" {
		return errors.New("api: --users is required")
	}
	users, err := accounts.LoadUsers(*usersFile)
	if err != nil {
		return err
	}
	if c.data == "" { // no data folder: its keys must all be given; say so before dialing
		if _, err := auditKey(&c); err != nil {
			return err
		}
		if _, err := c.commandSigner(); err != nil {
			return err
		}
	}
	l, err := cli.Listen(*apiAddr, "api-addr")
	if err != nil {
		return err
	}
	ctx, stop := cli.SignalContext()
	defer stop()
	conn, err := connect(ctx, &c, *temporalAddr, mtls.API, 5*time.Minute)
	if err != nil {
		return err
	}
	defer conn.tc.Close()
	conn.log.Info().Str("addr", l.Addr().String()).Msg("api listening")
	apiServer, err := newAPI(&c, conn.data, conn.tc, users, *uiOrigin, fo, conn.log)
	if err != nil {
		return err
	}
	err = cli.Serve(ctx, l, api.HTTPServer(apiServer.Handler()))
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// frontOptions are what the API's HTTP front is told besides its data:
// the signing ways the pages offer besides the server's key, and the TLS
// proxies in front of it.
type frontOptions struct {
	signAgent    string // the signing agent on leaders' computers
	remoteSigner string // the remote-signing service
	proxies      proxyList
	roots        string // what the public check and the auditor's report trust (--roots; motcua dev shares the worker's)
}

func (fo *frontOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&fo.remoteSigner, "remote-signer", "", "URL of the remote-signing service leaders approve on their phone (motcua remote-sign-sim, or a provider's adapter); shows \"Ký qua dịch vụ ký từ xa\"")
	fs.StringVar(&fo.signAgent, "sign-agent", "", "URL of the signing agent on leaders' computers (motcua sign-agent), e.g. http://127.0.0.1:8765; shows \"Ký bằng USB token\"")
	fs.Var(&fo.proxies, "trusted-proxy", "address or CIDR of a TLS proxy in front of the API whose X-Forwarded-For names the client (repeat, or separate with commas); without it X-Forwarded-For is ignored")
}

// proxyList is the repeatable --trusted-proxy flag.
type proxyList []netip.Prefix

func (p *proxyList) String() string { return fmt.Sprint([]netip.Prefix(*p)) }

func (p *proxyList) Set(v string) error {
	more, err := api.ParseTrustedProxies([]string{v})
	*p = append(*p, more...)
	return err
}

func newAPI(c *common, d *data, tc client.Client, users *accounts.Users, uiOrigin string, po frontOptions, log zerolog.Logger) (*api.Server, error) {
	key, err := auditKey(c)
	if err != nil {
		return nil, err
	}
	commands, err := c.commandSigner()
	if err != nil {
		return nil, err
	}
	var rootFiles []string
	if dev := filepath.Join(c.data, "ca", "root.crt"); c.data != "" && exists(dev) {
		rootFiles = append(rootFiles, dev)
	}
	if po.roots != "" {
		rootFiles = append(rootFiles, po.roots)
	}
	roots, err := signer.LoadRoots(rootFiles...)
	if err != nil {
		return nil, fmt.Errorf("--roots: %w", err)
	}
	procedures, err := c.procedures()
	if err != nil {
		return nil, err
	}
	s := &api.Server{
		Temporal: tc, DataConverter: d.dc, Namespace: c.namespace, Users: users,
		Catalog: procedures, Unit: c.unit(), Calendar: calendar.Vietnam, Store: d.store,
		AuditKey: key, Commands: commands, Codec: d.codec, UIOrigin: uiOrigin, Log: log, Facts: d.facts,
		TrustedProxies: []netip.Prefix(po.proxies), Roots: roots,
	}
	pages := &web.Server{
		Office: s.Office(), SignIn: s.SignIn, Catalog: s.Catalog, Unit: s.Unit, Calendar: s.Calendar,
		DataConverter: d.dc, Public: s.Public(), Log: log, SignAgent: strings.TrimRight(po.signAgent, "/"),
	}
	if po.remoteSigner != "" {
		pages.RemoteSigner = &signer.RemoteSigner{URL: po.remoteSigner}
	}
	s.Pages = pages.Handler()
	return s, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
