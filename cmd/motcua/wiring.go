package main

import (
	"context"
	"crypto/x509"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/smtp"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/activities"
	"github.com/motcua/motcua/api"
	"github.com/motcua/motcua/archive"
	"github.com/motcua/motcua/audit"
	"github.com/motcua/motcua/calendar"
	"github.com/motcua/motcua/codec"
	"github.com/motcua/motcua/logging"
	"github.com/motcua/motcua/notify"
	"github.com/motcua/motcua/portal"
	"github.com/motcua/motcua/signer"
	"github.com/motcua/motcua/worker"
)

// common are the flags every engine command shares.
type common struct {
	data      string
	namespace string
	logLevel  string
	unitCode  string
	unitName  string
	unitPlace string
}

func (c *common) register(fs *flag.FlagSet, dataDefault string) {
	fs.StringVar(&c.data, "data", dataDefault, "data folder: encryption key, archive, dev CA, outbox")
	fs.StringVar(&c.namespace, "namespace", worker.Namespace, "Temporal namespace")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&c.unitCode, "unit-code", motcua.DefaultUnit.Code, "code of the administrative unit, prefix of dossier codes")
	fs.StringVar(&c.unitName, "unit-name", motcua.DefaultUnit.Name, "name of the unit on documents")
	fs.StringVar(&c.unitPlace, "unit-place", motcua.DefaultUnit.Place, "place name written before dates")
}

func (c *common) unit() motcua.Unit {
	return motcua.Unit{Code: c.unitCode, Name: c.unitName, Place: c.unitPlace}
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
}

func openData(dir string) (*data, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	key, err := codec.LoadOrCreateKey(filepath.Join(dir, "keys", "payload.key"))
	if err != nil {
		return nil, err
	}
	dc, err := codec.DataConverter(key)
	if err != nil {
		return nil, err
	}
	pc, err := codec.New(key)
	if err != nil {
		return nil, err
	}
	store, err := archive.Open(filepath.Join(dir, "archive"))
	if err != nil {
		return nil, err
	}
	return &data{dc: dc, codec: pc, store: store}, nil
}

// notifyFlags choose the notification channels.
type notifyFlags struct {
	smtpAddr, smtpFrom, smtpUser, smtpPassEnv string
	smsURL                                    string
}

func (n *notifyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&n.smtpAddr, "smtp-addr", "", "SMTP server for email (host:port); empty writes emails to DATA/outbox")
	fs.StringVar(&n.smtpFrom, "smtp-from", "motcua@localhost", "sender address of emails")
	fs.StringVar(&n.smtpUser, "smtp-user", "", "SMTP user (PLAIN auth); the password is read from $MOTCUA_SMTP_PASSWORD")
	fs.StringVar(&n.smsURL, "sms-url", "", "SMS gateway URL (HTTP POST JSON); empty writes SMS to DATA/outbox")
}

func (n *notifyFlags) channels(dir string) (email, sms notify.Once, err error) {
	ledger, err := notify.NewLedger(filepath.Join(dir, "notify"))
	if err != nil {
		return email, sms, err
	}
	outbox := filepath.Join(dir, "outbox")
	email = notify.Once{Channel: "email", Ledger: ledger, Sender: notify.Outbox{Dir: outbox, Extension: "eml"}}
	if n.smtpAddr != "" {
		s := notify.SMTP{Addr: n.smtpAddr, From: n.smtpFrom}
		if n.smtpUser != "" {
			host, _, _ := net.SplitHostPort(n.smtpAddr)
			s.Auth = smtp.PlainAuth("", n.smtpUser, os.Getenv("MOTCUA_SMTP_PASSWORD"), host)
		}
		email.Sender = s
	}
	sms = notify.Once{Channel: "sms", Ledger: ledger, Sender: notify.Outbox{Dir: outbox, Extension: "sms"}}
	if n.smsURL != "" {
		sms.Sender = notify.SMSGateway{URL: n.smsURL}
	}
	return email, sms, nil
}

// signingFlags choose where leaders' keys come from and which roots are
// trusted.
type signingFlags struct {
	signers    string
	roots      string
	tsa        string
	revocation bool
}

func (s *signingFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.signers, "signers", "", "signers file: user id -> key source (PKCS#12 file or PKCS#11 token); empty uses the dev CA in DATA/ca")
	fs.StringVar(&s.roots, "roots", "", "PEM file of trusted root certificates, besides the dev CA's")
	fs.StringVar(&s.tsa, "tsa-url", "", "RFC 3161 timestamp authority that stamps every signature (motcua dev: its own)")
	fs.BoolVar(&s.revocation, "check-revocation", false, "check the signer's chain by OCSP, then CRL, before signing and embed the answers (motcua dev: on)")
}

// keys returns the key of each signing user: from the signers file, or
// issued by the dev CA.
func (s *signingFlags) keys(ca *signer.DevCA) (activities.KeySource, error) {
	if s.signers == "" {
		return func(u motcua.User) (signer.Key, error) {
			if !u.Role.Signs() {
				return signer.Key{}, fmt.Errorf("%s is not a signing role", u.Role)
			}
			return ca.Key(signer.Person{ID: u.ID, Name: u.Name})
		}, nil
	}
	signers, err := signer.LoadSigners(s.signers)
	if err != nil {
		return nil, err
	}
	return func(u motcua.User) (signer.Key, error) {
		src, ok := signers[u.ID]
		if !ok {
			return signer.Key{}, fmt.Errorf("no key is configured for %s in %s", u.ID, filepath.Base(s.signers))
		}
		return src.Key()
	}, nil
}

func (s *signingFlags) trusted(ca *signer.DevCA) (*x509.CertPool, error) {
	pool := ca.Roots()
	if s.roots != "" {
		b, err := os.ReadFile(s.roots)
		if err != nil {
			return nil, fmt.Errorf("--roots: %w", err)
		}
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("--roots %s holds no PEM certificate", s.roots)
		}
	}
	return pool, nil
}

func openDevCA(c *common) (*signer.DevCA, error) {
	return signer.OpenDevCA(filepath.Join(c.data, "ca"), c.unitName)
}

// newActivities wires the activities over the data folder and the signing
// configuration.
func newActivities(c *common, d *data, ca *signer.DevCA, portalURL string, nf *notifyFlags, sf *signingFlags, log zerolog.Logger) (*activities.Activities, error) {
	keys, err := sf.keys(ca)
	if err != nil {
		return nil, err
	}
	roots, err := sf.trusted(ca)
	if err != nil {
		return nil, err
	}
	email, sms, err := nf.channels(c.data)
	if err != nil {
		return nil, err
	}
	return &activities.Activities{
		Unit:    c.unit(),
		Store:   d.store,
		Keys:    keys,
		Signing: signer.Options{Roots: roots, TSA: sf.tsa, Revocation: sf.revocation},
		Portal:  &portal.Client{BaseURL: portalURL},
		Email:   email,
		SMS:     sms,
		Log:     log,
	}, nil
}

func newAPI(c *common, d *data, tc client.Client, users *api.Users, uiOrigin string, log zerolog.Logger) (*api.Server, error) {
	key, err := audit.LoadOrCreateAuditKey(filepath.Join(c.data, "keys"), c.unitName)
	if err != nil {
		return nil, err
	}
	return &api.Server{
		Temporal: tc, DataConverter: d.dc, Namespace: c.namespace, Users: users,
		Catalog: motcua.DefaultCatalog, Unit: c.unit(), Calendar: calendar.Vietnam, Store: d.store,
		AuditKey: key, Codec: d.codec, UIOrigin: uiOrigin, Log: log,
	}, nil
}

// listen opens a TCP listener with an error that says which flag to change.
func listen(addr, flagName string) (net.Listener, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s (change --%s or stop what uses it): %w", addr, flagName, err)
	}
	return l, nil
}

// serve runs an HTTP server on l until ctx ends, then drains it.
func serve(ctx context.Context, l net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return srv.Shutdown(shut)
	}
}

func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// workerInterceptors wrap the activities and workflows of the workers this
// process starts; the crash tests set them to hold an activity mid-way.
var workerInterceptors []interceptor.WorkerInterceptor

func startWorker(tc client.Client, acts *activities.Activities) (sdkworker.Worker, error) {
	w := worker.New(tc, acts, workerInterceptors...)
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start worker: %w", err)
	}
	return w, nil
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
func connect(ctx context.Context, c *common, temporalAddr string, wait time.Duration) (*connected, error) {
	log, err := c.logger()
	if err != nil {
		return nil, err
	}
	d, err := openData(c.data)
	if err != nil {
		return nil, err
	}
	tc, err := worker.Dial(ctx, temporalAddr, c.namespace, d.dc, log, wait)
	if err != nil {
		return nil, err
	}
	return &connected{log: log, data: d, tc: tc}, nil
}
