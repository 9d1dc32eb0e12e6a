package main

import (
	"cmp"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/archive"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/cli"
	"github.com/motcua/motcua/internal/codec"
	"github.com/motcua/motcua/internal/fileonce"
	"github.com/motcua/motcua/internal/logging"
	"github.com/motcua/motcua/internal/metrics"
	"github.com/motcua/motcua/internal/mtls"
	"github.com/motcua/motcua/internal/readmodel"
	"github.com/motcua/motcua/internal/s3objects"
	"github.com/motcua/motcua/internal/vouch"
	"github.com/motcua/motcua/worker"
)

// The flags, folders, connections and errors every subcommand shares.

// common are the flags every engine command shares.
type common struct {
	data      string
	namespace string
	logLevel  string
	unitCode  string
	unitName  string
	unitPlace string
	publicURL string
	tls       mtls.Files // --tls-cert, --tls-key, --tls-ca
	serverTLS string     // motcua server --tls-dir: its certificates, laid out by motcua tls issue
	db        string     // --db: motcua's own tables in PostgreSQL
	listenIP  string     // motcua server --listen-ip
	catalog   string
	keys      string
	// metricsAddr, when set, serves /metrics there (registerMetrics).
	metricsAddr string
	metrics     *metrics.Registry
	// serverMetrics is where the embedded Temporal server serves its own
	// metrics (motcua dev proxies them at /metrics/server).
	serverMetrics string
	// postgres, services and shards place the Temporal server of motcua
	// server on PostgreSQL, split into services (devserver.Options).
	postgres string
	services []string
	shards   int
	// archive is --archive: a folder or an s3:// URL; empty: DATA/archive.
	archive string
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// registerMetrics adds --metrics-addr to the commands that serve metrics.
func (c *common) registerMetrics(fs *flag.FlagSet) {
	fs.StringVar(&c.metricsAddr, "metrics-addr", "", "serve Prometheus metrics at http://ADDR/metrics (the Temporal SDK's and motcua's); empty: none")
}

// serveMetrics starts the metrics listener when --metrics-addr is set, with
// the read model's census of open dossiers; c.metrics is nil otherwise.
func (c *common) serveMetrics(ctx context.Context, d *data) error {
	if c.metricsAddr == "" {
		return nil
	}
	l, err := cli.Listen(c.metricsAddr, "metrics-addr")
	if err != nil {
		return err
	}
	c.metrics = metrics.New()
	c.metrics.WatchReadModel(d.facts.Census)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", c.metrics.Handler())
	if c.serverMetrics != "" {
		server := &url.URL{Scheme: "http", Host: c.serverMetrics, Path: "/metrics"}
		proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.Out.URL = server; r.Out.Host = server.Host }}
		mux.Handle("GET /metrics/server", proxy)
	}
	go cli.Serve(ctx, l, cli.ServiceServer(mux))
	return nil
}

// sdkMetrics is the SDK's metrics handler: into the registry, or none.
func (c *common) sdkMetrics() client.MetricsHandler {
	if c.metrics == nil {
		return nil
	}
	return c.metrics.SDK()
}

func (c *common) register(fs *flag.FlagSet, dataDefault string) {
	fs.StringVar(&c.data, "data", dataDefault, "data folder: keys, archive, read model, dev CA; \"\" for none (worker, api, audit: every key, certificate, table and the archive then given by flag or variable, see motcua keys issue)")
	fs.StringVar(&c.namespace, "namespace", worker.Namespace, "Temporal namespace")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&c.unitCode, "unit-code", motcua.DefaultUnit.Code, "code of the administrative unit, prefix of dossier codes")
	fs.StringVar(&c.unitName, "unit-name", motcua.DefaultUnit.Name, "name of the unit on documents")
	fs.StringVar(&c.unitPlace, "unit-place", motcua.DefaultUnit.Place, "place name written before dates")
	fs.StringVar(&c.publicURL, "public-url", "", "base URL of the office's public pages (Tra cứu hồ sơ, Kiểm tra văn bản), e.g. https://motcua.tanlap.gov.vn: receipts and results carry a QR code to them; empty: none (motcua dev: its own API address)")
	fs.StringVar(&c.keys, "keys", "", "keys folder: the payload key ring (payload.key seals; payload-ID.key still open) and the API's command key; default DATA/keys. MOTCUA_PAYLOAD_KEY and MOTCUA_PAYLOAD_KEYS_ACCEPTED (hex) give the ring instead")
	fs.StringVar(&c.archive, "archive", os.Getenv("MOTCUA_ARCHIVE"), "where results and papers are archived: a folder, or s3://BUCKET[/PREFIX]?endpoint=URL&region=REGION that every process shares (credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; the bucket is created if missing); default $MOTCUA_ARCHIVE, else DATA/archive")
	fs.StringVar(&c.db, "db", os.Getenv("MOTCUA_DB"), "where motcua keeps its own tables (the figures' read model, the ledger of notifications sent): postgres://USER:PASSWORD@HOST:5432/DATABASE?sslmode=… that every process shares, its schema made or upgraded on start; default $MOTCUA_DB, else DATA/readmodel.db (SQLite) and DATA/notify")
	fs.StringVar(&c.catalog, "catalog", "", "procedure catalog file (JSON, see catalog/default.json); empty: the built-in one. New dossiers take the procedures of the file; dossiers taken in keep theirs")
	fs.StringVar(&c.tls.Cert, "tls-cert", "", "client certificate for Temporal (default: this process's from DATA/tls, when the data folder has the internal CA)")
	fs.StringVar(&c.tls.Key, "tls-key", "", "its private key")
	fs.StringVar(&c.tls.CA, "tls-ca", "", "the CA of Temporal's frontend certificate")
}

// tlsFor is the TLS configuration this process dials Temporal with, as
// identity (package mtls): the --tls-* files, or the data folder's internal
// CA; nil (plain) for a cluster without TLS.
func (c *common) tlsFor(identity string) (*tls.Config, error) {
	switch dir := filepath.Join(c.data, "tls"); {
	case c.tls.Cert != "" || c.tls.Key != "" || c.tls.CA != "":
		if c.tls.Cert == "" || c.tls.Key == "" || c.tls.CA == "" {
			return nil, cli.UsageError("--tls-cert, --tls-key and --tls-ca go together")
		}
		return mtls.ClientConfig(c.tls)
	case c.data != "" && mtls.Exists(dir):
		return mtls.ClientConfig(mtls.FilesOf(dir, identity))
	}
	return nil, nil
}

// procedures is the catalog: --catalog, or the built-in one.
func (c *common) procedures() (motcua.Catalog, error) {
	if c.catalog == "" {
		return catalog.Default(), nil
	}
	return catalog.Load(c.catalog)
}

func (c *common) unit() motcua.Unit {
	return motcua.Unit{Code: c.unitCode, Name: c.unitName, Place: c.unitPlace, PublicURL: strings.TrimRight(c.publicURL, "/")}
}

// checkPublicURL refuses a --public-url a phone could not open from a QR
// code: it must be an absolute http(s) address with no query.
func (c *common) checkPublicURL() error {
	if c.publicURL == "" {
		return nil
	}
	u, err := url.Parse(c.publicURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return cli.UsageError(fmt.Sprintf("--public-url %q: an absolute http or https address with no query, e.g. https://motcua.tanlap.gov.vn", c.publicURL))
	}
	return nil
}

func (c *common) logger() (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(c.logLevel)
	if err != nil {
		return zerolog.Logger{}, fmt.Errorf("--log-level: %w", err)
	}
	return logging.New(os.Stderr, lvl), nil
}

// data is what lives in the data folder.
type data struct {
	dc    converter.DataConverter
	codec *codec.Codec
	store *archive.Store
	// facts is the read model of the commune's figures (readmodel.db).
	facts *readmodel.Store
}

// commandKeyEnv and commandPublicEnv give the command key, and its public
// halves, to processes that keep no keys folder.
const (
	commandKeyEnv    = "MOTCUA_COMMAND_KEY"
	commandPublicEnv = "MOTCUA_COMMAND_PUBLIC_KEYS"
)

// commandSigner is the API's command key, which vouches for decisions:
// $MOTCUA_COMMAND_KEY (hex seed), or KEYS/command.key, made on first use
// with its public half beside it (command.pub) for the workers.
func (c *common) commandSigner() (vouch.Signer, error) {
	if v := os.Getenv(commandKeyEnv); v != "" {
		s, err := vouch.ParseSigner(v)
		if err != nil {
			return s, fmt.Errorf("%s: %w", commandKeyEnv, err)
		}
		return s, nil
	}
	if c.keysDir() == "" {
		return vouch.Signer{}, c.missing("the command key", "--keys DIR or $"+commandKeyEnv)
	}
	return vouch.LoadOrCreate(filepath.Join(c.keysDir(), "command.key"))
}

// commandVerifier is what a worker trusts vouchers to: the public halves
// in $MOTCUA_COMMAND_PUBLIC_KEYS (hex, comma-separated), or KEYS/command.pub,
// which the API writes; a worker never reads the key itself. A worker
// started before any API waits up to wait for it.
func (c *common) commandVerifier(ctx context.Context, wait time.Duration, log zerolog.Logger) (vouch.Verifier, error) {
	if v := os.Getenv(commandPublicEnv); v != "" {
		ver, err := vouch.ParseVerifier(v)
		if err != nil {
			return ver, fmt.Errorf("%s: %w", commandPublicEnv, err)
		}
		return ver, nil
	}
	if c.keysDir() == "" {
		return vouch.Verifier{}, c.missing("the command key's public half", "--keys DIR (with command.pub) or $"+commandPublicEnv)
	}
	path := vouch.PublicPath(filepath.Join(c.keysDir(), "command.key"))
	for deadline, said := time.Now().Add(wait), false; ; {
		b, err := os.ReadFile(path)
		if err == nil {
			return vouch.ParseVerifier(string(b))
		}
		if !errors.Is(err, os.ErrNotExist) || time.Now().After(deadline) {
			return vouch.Verifier{}, fmt.Errorf("the API's public command key (%s, or $%s): %w", path, commandPublicEnv, err)
		}
		if !said {
			log.Info().Str("path", path).Msg("waiting for the API to write its public command key")
			said = true
		}
		select {
		case <-ctx.Done():
			return vouch.Verifier{}, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// citizenIndexKey is the key of the archive's citizen index:
// MOTCUA_CITIZEN_INDEX_KEY (hex), or KEYS/citizen-index.key, created on
// first use — from the archive folder's, where data folders made before
// keys had their own folder keep it. It never rotates: the index is keyed
// by it.
func (c *common) citizenIndexKey() ([]byte, error) {
	if env := os.Getenv("MOTCUA_CITIZEN_INDEX_KEY"); env != "" {
		k, err := hex.DecodeString(strings.TrimSpace(env))
		if err != nil {
			return nil, fmt.Errorf("MOTCUA_CITIZEN_INDEX_KEY: not hex: %w", err)
		}
		return k, nil
	}
	if c.keysDir() == "" {
		return nil, c.missing("the citizen index's key", "--keys DIR or $MOTCUA_CITIZEN_INDEX_KEY")
	}
	path := filepath.Join(c.keysDir(), "citizen-index.key")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if c.data != "" {
			b, err = os.ReadFile(filepath.Join(c.data, "archive", "citizen-index.key"))
		}
		if errors.Is(err, os.ErrNotExist) {
			secret := make([]byte, 32)
			rand.Read(secret)
			b, err = []byte(hex.EncodeToString(secret)), nil
		}
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(c.keysDir(), 0o700); err != nil {
			return nil, err
		}
		if err := fileonce.Write(path, b); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("write the citizen index key: %w", err)
		}
		return c.citizenIndexKey() // the one in place, if another process was first
	}
	if err != nil {
		return nil, err
	}
	k, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: not hex: %w", path, err)
	}
	return k, nil
}

// openArchive opens the archive --archive names.
func (c *common) openArchive(citizenKey []byte) (*archive.Store, error) {
	switch {
	case s3objects.IsURL(c.archive):
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		bucket, err := s3objects.Open(ctx, c.archive)
		if err != nil {
			return nil, err
		}
		return archive.New(bucket, citizenKey)
	case c.archive != "":
		return archive.OpenWithKey(c.archive, citizenKey)
	case c.data == "":
		return nil, c.missing("the archive", "--archive or $MOTCUA_ARCHIVE")
	default:
		return archive.OpenWithKey(filepath.Join(c.data, "archive"), citizenKey)
	}
}

// keysDir is the keys folder: --keys, or DATA/keys; "" for a process
// with neither (its keys come from variables).
func (c *common) keysDir() string {
	if c.keys != "" || c.data == "" {
		return c.keys
	}
	return filepath.Join(c.data, "keys")
}

// besideKeys fills an unset flag with the file name in the folder --keys
// names, when it is there: motcua keys issue lays a process's signers.json
// and roots.pem beside its keys, so --keys alone gives them.
func (c *common) besideKeys(flag *string, name string) {
	if *flag != "" || c.keys == "" {
		return
	}
	if path := filepath.Join(c.keys, name); exists(path) {
		*flag = path
	}
}

// missing is the error of a process with no data folder (--data "") that
// was not given something the data folder would have held.
func (c *common) missing(what, give string) error {
	return cli.UsageError(fmt.Sprintf("no data folder (--data \"\") to keep %s in: give %s", what, give))
}

// openData opens what the data folder holds, or, for a process with no
// data folder, what its flags and variables name instead; a process with
// no data folder writes none.
func openData(c *common) (*data, error) {
	dir := c.data
	if dir == "" {
		switch {
		case c.db == "":
			return nil, c.missing("the read model and the notification ledger", "--db or $MOTCUA_DB (PostgreSQL)")
		case c.keysDir() == "" && os.Getenv("MOTCUA_PAYLOAD_KEY") == "":
			return nil, c.missing("the payload key ring", "--keys DIR or $MOTCUA_PAYLOAD_KEY")
		}
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	if c.keysDir() != "" {
		if err := os.MkdirAll(c.keysDir(), 0o700); err != nil {
			return nil, fmt.Errorf("create keys folder: %w", err)
		}
	}
	key, accepted, err := codec.LoadRing(c.keysDir())
	if err != nil {
		return nil, err
	}
	dc, err := codec.DataConverter(key, accepted...)
	if err != nil {
		return nil, err
	}
	pc, err := codec.New(key, accepted...)
	if err != nil {
		return nil, err
	}
	citizenKey, err := c.citizenIndexKey()
	if err != nil {
		return nil, err
	}
	store, err := c.openArchive(citizenKey)
	if err != nil {
		return nil, err
	}
	facts, err := readmodel.Open(cmp.Or(c.db, filepath.Join(dir, "readmodel.db")))
	if err != nil {
		return nil, err
	}
	return &data{dc: dc, codec: pc, store: store, facts: facts}, nil
}

// connected is what every engine command sets up: its logger, the data
// folder, and a Temporal client with motcua's data converter.
type connected struct {
	log  zerolog.Logger
	data *data
	tc   client.Client
}

// connect opens the data folder and dials Temporal, waiting up to wait for
// it to answer.
func connect(ctx context.Context, c *common, temporalAddr, identity string, wait time.Duration) (*connected, error) {
	log, err := c.logger()
	if err != nil {
		return nil, err
	}
	d, err := openData(c)
	if err != nil {
		return nil, err
	}
	if err := c.serveMetrics(ctx, d); err != nil {
		return nil, err
	}
	tc, err := worker.Dial(ctx, temporalAddr, c.namespace, d.dc, func() (*tls.Config, error) { return c.tlsFor(identity) }, log, wait, c.sdkMetrics())
	if err != nil {
		return nil, err
	}
	return &connected{log: log, data: d, tc: tc}, nil
}

// listen opens a TCP listener with an error that says which flag to change.

// auditKey is the unit's audit key in the keys folder (audit-key.pem,
// with its certificate audit-key.crt): one given there, certified by the
// office's CA, is used as it is; otherwise one is made and certified by
// the dev CA, which is opened (or made) only then.
func auditKey(c *common) (audit.AuditKey, error) {
	if c.data == "" && (!exists(filepath.Join(c.keysDir(), "audit-key.pem")) || !exists(filepath.Join(c.keysDir(), "audit-key.crt"))) {
		return audit.AuditKey{}, c.missing("the audit key or a CA to certify one", "--keys DIR with audit-key.pem and audit-key.crt, certified by the office's CA (motcua keys issue lays them out)")
	}
	return audit.LoadOrCreateAuditKey(c.keysDir(), func(pub crypto.PublicKey) (*x509.Certificate, []*x509.Certificate, error) {
		ca, err := openDevCA(c)
		if err != nil {
			return nil, nil, err
		}
		return ca.CertifyAuditKey(pub)
	})
}
