package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"net"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/activities"
	"github.com/motcua/motcua/internal/accounts"
	"github.com/motcua/motcua/internal/cli"
	"github.com/motcua/motcua/internal/mtls"
	"github.com/motcua/motcua/internal/notify"
	"github.com/motcua/motcua/internal/portal"
	"github.com/motcua/motcua/internal/readmodel"
	"github.com/motcua/motcua/internal/vouch"
	"github.com/motcua/motcua/signer"
	"github.com/motcua/motcua/signer/devca"
	"github.com/motcua/motcua/worker"
	"github.com/motcua/motcua/workflows"
)

func runWorker(args []string) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	var c common
	var nf notifyFlags
	var sf signingFlags
	c.register(fs, "./motcua-data")
	c.registerMetrics(fs)
	nf.register(fs, "")
	sf.register(fs)
	temporalAddr := fs.String("temporal-addr", "127.0.0.1:7233", "Temporal frontend address")
	portalURL := fs.String("portal-url", "", "national portal URL (required)")
	remoteSigner := fs.String("remote-signer", "", "URL of the remote-signing service leaders approve transactions on (the API's --remote-signer): the dossiers wait for the leader's phone here")
	usersFile := fs.String("users", "", "users file (the API's): deadline reminders reach the staff in it who have an email or phone; leaders' signature images are drawn on results")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := c.checkPublicURL(); err != nil {
		return err
	}
	var staff []motcua.StaffContact
	var users *accounts.Users
	if *usersFile != "" {
		var err error
		if users, err = accounts.LoadUsers(*usersFile); err != nil {
			return err
		}
		staff = users.Staff()
	}
	if *portalURL == "" {
		return errors.New("worker: --portal-url is required")
	}
	if err := nf.check(); err != nil {
		return err
	}
	c.besideKeys(&sf.signers, "signers.json")
	c.besideKeys(&sf.roots, "roots.pem")
	if sf.signers != "" && sf.roots == "" {
		return cli.UsageError("worker --signers needs --roots: the root certificates the leaders' and the office's certificates chain to")
	}
	if c.data == "" && sf.signers == "" {
		_, err := openDevCA(&c) // refused: say so before dialing
		return err
	}
	ctx, stop := cli.SignalContext()
	defer stop()
	conn, err := connect(ctx, &c, *temporalAddr, mtls.Worker, 5*time.Minute)
	if err != nil {
		return err
	}
	defer conn.tc.Close()
	log, d, tc := conn.log, conn.data, conn.tc
	if err := worker.EnsureSearchAttributes(ctx, tc, c.namespace); err != nil {
		return err
	}
	// The dev CA issues the demo's keys; a worker given the office's
	// signers file neither makes nor reads one.
	var ca *devca.CA
	if sf.signers == "" {
		if ca, err = openDevCA(&c); err != nil {
			return err
		}
	}
	commands, err := c.commandVerifier(ctx, 5*time.Minute, log)
	if err != nil {
		return err
	}
	acts, err := newActivities(&c, d, commands, ca, *portalURL, &nf, &sf, log)
	if err != nil {
		return err
	}
	acts.Staff = staff
	if *remoteSigner != "" {
		acts.Remote = signer.RemoteSigner{URL: *remoteSigner}
	}
	if err := sf.issuing(acts, ca, users); err != nil {
		return err
	}
	w, err := startWorker(ctx, tc, d.dc, acts, sf.renewMargin)
	if err != nil {
		return err
	}
	log.Info().Str("temporal", *temporalAddr).Str("task_queue", workflows.TaskQueue).Msg("worker started")
	<-ctx.Done()
	log.Info().Msg("stopping worker: in-flight activities get 30s to finish")
	w.Stop()
	return nil
}

// workerInterceptors wrap the activities and workflows of the workers this
// process starts; the crash tests set them to hold an activity mid-way.
var workerInterceptors []interceptor.WorkerInterceptor

// startWorker starts a worker, then makes sure, in the background, that
// the archive's renewal schedule is there with the margin asked for: the
// schedule is not needed to serve dossiers, so the worker never waits for
// it.
func startWorker(ctx context.Context, tc client.Client, dc converter.DataConverter, acts *activities.Activities, renewMargin time.Duration) (sdkworker.Worker, error) {
	if acts.Registers == nil {
		acts.Registers = workflows.Registers{Temporal: tc, Unit: acts.Unit}
	}
	if acts.Webhooks == nil {
		acts.Webhooks = &workflows.Webhooks{Temporal: tc}
	}
	w := worker.New(tc, dc, acts, workerInterceptors...)
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start worker: %w", err)
	}
	go func() {
		for {
			err := worker.EnsureArchiveSchedule(ctx, tc, renewMargin)
			if err == nil || ctx.Err() != nil {
				return
			}
			acts.Log.Warn().Err(err).Msg("archive-timestamps schedule not set yet; trying again in 10s")
			select {
			case <-ctx.Done():
				return
			case <-time.After(10 * time.Second):
			}
		}
	}()
	return w, nil
}

// newActivities wires the activities over the data folder and the signing
// configuration.
func newActivities(c *common, d *data, commands vouch.Verifier, ca *devca.CA, portalURL string, nf *notifyFlags, sf *signingFlags, log zerolog.Logger) (*activities.Activities, error) {
	keys, err := sf.keys(ca, c.unit())
	if err != nil {
		return nil, err
	}
	roots, err := sf.trusted(ca)
	if err != nil {
		return nil, err
	}
	level, err := sf.level()
	if err != nil {
		return nil, err
	}
	var shared notify.Ledger
	if readmodel.IsPostgres(c.db) {
		shared = d.facts
	}
	email, sms, err := nf.channels(c.data, shared)
	if err != nil {
		return nil, err
	}
	procedures, err := c.procedures()
	if err != nil {
		return nil, err
	}
	return &activities.Activities{
		Catalog:  procedures,
		Facts:    d.facts,
		Metrics:  c.metrics,
		Unit:     c.unit(),
		Store:    d.store,
		Keys:     keys,
		Signing:  signer.Options{Roots: roots, TSA: sf.tsa, Revocation: sf.revocation, Level: level},
		Commands: commands,
		Portal:   &portal.Client{BaseURL: portalURL},
		Email:    email,
		SMS:      sms,
		Log:      log,
	}, nil
}

// notifyFlags choose the notification channels: a real SMTP relay and
// SMS gateway, or, for trying motcua, an outbox folder the messages are
// written to (motcua dev's default: DATA/outbox). A worker with a channel
// that has neither refuses to start.
type notifyFlags struct {
	smtpAddr, smtpFrom, smtpUser string
	smsURL                       string
	outbox                       string
}

func (n *notifyFlags) register(fs *flag.FlagSet, outboxDefault string) {
	fs.StringVar(&n.smtpAddr, "smtp-addr", "", "SMTP relay for email (host:port)")
	fs.StringVar(&n.smtpFrom, "smtp-from", "motcua@localhost", "sender address of emails")
	fs.StringVar(&n.smtpUser, "smtp-user", "", "SMTP user (PLAIN auth); the password is read from $MOTCUA_SMTP_PASSWORD")
	fs.StringVar(&n.smsURL, "sms-url", "", "SMS gateway URL (HTTP POST JSON)")
	fs.StringVar(&n.outbox, "outbox", outboxDefault, "folder that emails and SMS without --smtp-addr or --sms-url are written to instead of being sent (for trying motcua; a worker without it needs both)")
}

// check refuses a channel with neither its service nor the outbox.
func (n *notifyFlags) check() error {
	var missing []string
	if n.smtpAddr == "" {
		missing = append(missing, "--smtp-addr")
	}
	if n.smsURL == "" {
		missing = append(missing, "--sms-url")
	}
	if len(missing) > 0 && n.outbox == "" {
		return cli.UsageError("notifications need " + strings.Join(missing, " and ") +
			", or --outbox DIR to write them to a folder instead (for trying motcua, not for citizens)")
	}
	return nil
}

// channels are the notification channels, with the ledger of messages
// sent: shared when given (motcua's tables on PostgreSQL, which every
// worker reads), else a folder of dir.
func (n *notifyFlags) channels(dir string, shared notify.Ledger) (email, sms notify.Once, err error) {
	if err := n.check(); err != nil {
		return email, sms, err
	}
	ledger := shared
	if ledger == nil {
		if ledger, err = notify.NewLedger(filepath.Join(dir, "notify")); err != nil {
			return email, sms, err
		}
	}
	email = notify.Once{Channel: "email", Ledger: ledger, Sender: notify.Outbox{Dir: n.outbox, Extension: "eml"}}
	if n.smtpAddr != "" {
		s := notify.SMTP{Addr: n.smtpAddr, From: n.smtpFrom}
		if n.smtpUser != "" {
			host, _, _ := net.SplitHostPort(n.smtpAddr)
			s.Auth = smtp.PlainAuth("", n.smtpUser, os.Getenv("MOTCUA_SMTP_PASSWORD"), host)
		}
		email.Sender = s
	}
	sms = notify.Once{Channel: "sms", Ledger: ledger, Sender: notify.Outbox{Dir: n.outbox, Extension: "sms"}}
	if n.smsURL != "" {
		sms.Sender = notify.SMSGateway{URL: n.smsURL}
	}
	return email, sms, nil
}

// signingFlags choose where leaders' keys come from and which roots are
// trusted.
type signingFlags struct {
	signers     string
	roots       string
	tsa         string
	revocation  bool
	pades       string
	renewMargin time.Duration
	seal        string
}

// officeSigner is the entry of the signers file that holds the
// organisation's key, which the records officer issues results with.
const officeSigner = "@office"

// issuing sets how the activities issue results: the leaders' signature
// images (the users file's, or drawn by the dev CA for the demo users), the
// unit's seal (--seal-image, or drawn by the dev CA), and the office key
// (the signers file's "@office" entry, or issued by the dev CA).
func (s *signingFlags) issuing(acts *activities.Activities, ca *devca.CA, users *accounts.Users) error {
	dev := s.signers == ""
	var drawn sync.Map // user id -> the dev CA's drawing
	acts.Looks.Signature = func(u motcua.User) []byte {
		if users != nil {
			if img := users.SignatureImage(u.ID); img != nil {
				return img
			}
		}
		if !dev {
			return nil
		}
		key := u.ID + "\x00" + u.Name
		if img, ok := drawn.Load(key); ok {
			return img.([]byte)
		}
		img, _ := drawn.LoadOrStore(key, devca.Handwriting(u.Name)) // drawn once per leader, not per signature
		return img.([]byte)
	}
	switch {
	case s.seal != "":
		b, err := os.ReadFile(s.seal)
		if err != nil {
			return fmt.Errorf("--seal-image: %w", err)
		}
		if _, err := png.DecodeConfig(bytes.NewReader(b)); err != nil {
			return cli.UsageError("--seal-image " + s.seal + " is not a PNG: " + err.Error())
		}
		acts.Looks.Seal = b
	case dev:
		acts.Looks.Seal = devca.Seal(acts.Unit.Name)
	}
	if dev {
		acts.OfficeKey = func() (signer.Key, error) { return ca.OfficeKey(acts.Unit.Name) }
		return nil
	}
	signers, err := signer.LoadSigners(s.signers)
	if err != nil {
		return err
	}
	acts.OfficeKey = func() (signer.Key, error) {
		src, ok := signers[officeSigner]
		if !ok {
			return signer.Key{}, fmt.Errorf("no office key: the signers file %s has no %q entry", filepath.Base(s.signers), officeSigner)
		}
		return src.Key()
	}
	return nil
}

func (s *signingFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.signers, "signers", "", "signers file: user id -> key source (PKCS#12 file or PKCS#11 token); empty uses the dev CA in DATA/ca (worker: KEYS/signers.json when the --keys folder holds one)")
	fs.StringVar(&s.roots, "roots", "", "PEM file of trusted root certificates, besides the dev CA's (worker: KEYS/roots.pem when the --keys folder holds one)")
	fs.StringVar(&s.tsa, "tsa-url", "", "RFC 3161 timestamp authority that stamps every signature (motcua dev: its own)")
	fs.BoolVar(&s.revocation, "check-revocation", false, "check the signer's chain by OCSP, then CRL, before signing (B-LT and B-LTA always do, and keep the answers in the file)")
	fs.DurationVar(&s.renewMargin, "renew-margin", workflows.DefaultRenewalMargin, "renew an archived result's document timestamp when its authority's certificate expires within this (schedule "+workflows.ArchiveTimestampsID+", nightly)")
	fs.StringVar(&s.seal, "seal-image", "", "the unit's seal, a PNG with a transparent background, drawn on issued results; empty: the dev CA draws one in motcua dev, a text stamp otherwise")
	fs.StringVar(&s.pades, "pades-level", "", "PAdES baseline level of every signature: B-B, B-T, B-LT or B-LTA (default: B-LTA with --tsa-url, B-B without)")
}

// level is the PAdES level the flags ask for; a level that needs a TSA
// without one is refused at start, not at the first signature.
func (s *signingFlags) level() (signer.Level, error) {
	if s.pades == "" {
		if s.tsa == "" {
			return signer.LevelB, nil
		}
		return signer.LevelLTA, nil
	}
	l, err := signer.ParseLevel(s.pades)
	if err != nil {
		return 0, cli.UsageError("--pades-level: " + err.Error())
	}
	if l >= signer.LevelT && s.tsa == "" {
		return 0, cli.UsageError("--pades-level " + l.String() + " needs --tsa-url: a timestamp authority stamps the signature")
	}
	return l, nil
}

// keys returns the key of each signing user: from the signers file, or
// issued by the dev CA.
func (s *signingFlags) keys(ca *devca.CA, unit motcua.Unit) (activities.KeySource, error) {
	if s.signers == "" {
		return func(u motcua.User) (signer.Key, error) {
			if !u.Role.Signs() {
				return signer.Key{}, fmt.Errorf("%s is not a signing role", u.Role)
			}
			return ca.Key(devca.Person{ID: u.ID, Name: u.Name, Title: u.Role.OfficeTitle(unit)})
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

// trusted are the roots of --roots, and the dev CA's when it is used.
func (s *signingFlags) trusted(ca *devca.CA) (*x509.CertPool, error) {
	var files []string
	if ca != nil {
		files = append(files, ca.RootPath())
	}
	if s.roots != "" {
		files = append(files, s.roots)
	}
	return signer.LoadRoots(files...)
}

func openDevCA(c *common) (*devca.CA, error) {
	if c.data == "" {
		return nil, c.missing("the dev CA (the demo's keys)", "the office's keys: --signers FILE and --roots FILE, or a --keys DIR that holds signers.json and roots.pem (motcua keys issue lays a demo's out)")
	}
	return devca.Open(filepath.Join(c.data, "ca"), c.unitName)
}
