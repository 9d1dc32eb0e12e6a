// Package activities holds the side effects of a dossier's workflow: the
// documents it renders, the signature, the archive, the notifications and
// the portal pushes. Each activity is idempotent, keyed on the dossier and
// the step, never on the attempt: a retried or re-run activity has no second
// effect.
package activities

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/archive"
	"github.com/motcua/motcua/internal/document"
	"github.com/motcua/motcua/internal/metrics"
	"github.com/motcua/motcua/internal/notify"
	"github.com/motcua/motcua/internal/portal"
	"github.com/motcua/motcua/internal/vouch"
	"github.com/motcua/motcua/signer"
)

// KeySource gives the signing key configured for a user.
type KeySource func(user motcua.User) (signer.Key, error)

// Activities holds the adapters the activities use.
type Activities struct {
	Unit  motcua.Unit
	Store *archive.Store
	Keys  KeySource
	// Signing says what a signature needs: trusted roots, TSA, revocation.
	Signing signer.Options
	// Commands are the API's command keys: a signature is made only for a
	// decision the API vouched for, with the key of the user it names.
	Commands vouch.Verifier
	Portal   *portal.Client
	Email    notify.Once
	SMS      notify.Once
	// Staff are the users reminders go to; Catalog names procedures in
	// them.
	Staff   []motcua.StaffContact
	Catalog motcua.Catalog
	// Facts is the read model the dossiers keep their facts in.
	Facts FactStore
	// Looks draw the signatures on the page; see Looks.
	Looks Looks
	// OfficeKey is the organisation's key the records officer issues
	// results with (a PKCS#11 token or HSM in production).
	OfficeKey func() (signer.Key, error)
	// Registers hand out the results' register numbers.
	Registers Registers
	// Remote is the remote-signing service leaders approve transactions
	// on; nil when the office has none.
	Remote RemoteSigning
	// Webhooks takes every status change for the webhooks' subscribers.
	Webhooks WebhookQueue
	// Metrics, when set, counts and times what the activities do.
	Metrics *metrics.Registry
	Log     zerolog.Logger
}

// Error types the workflow tells apart; they are not retried.
const (
	ErrInvalidDocument = "InvalidDocument"
	ErrSigningKey      = "SigningKey"
)

// procedure is the procedure the dossier was taken in with.
func procedure(d motcua.Dossier) (motcua.Procedure, error) {
	p, ok := d.ProcedureTakenIn()
	if !ok {
		return p, temporal.NewNonRetryableApplicationError("unknown procedure "+d.ProcedureCode, ErrInvalidDocument, nil)
	}
	return p, nil
}

func (a *Activities) logger(ctx context.Context, dossierID string) *zerolog.Logger {
	info := activity.GetInfo(ctx)
	l := a.Log.With().Str("dossier_id", dossierID).Str("workflow_id", info.WorkflowExecution.ID).
		Str("activity", info.ActivityType.Name).Int32("attempt", info.Attempt).Logger()
	return &l
}

func (a *Activities) store(b []byte, name, contentType string) (motcua.DocumentRef, error) {
	sum, err := a.Store.Put(b)
	if err != nil {
		return motcua.DocumentRef{}, err
	}
	return motcua.DocumentRef{Name: name, ContentType: contentType, SHA256: sum, Size: int64(len(b))}, nil
}

// IssueReceipt renders and stores the receipt, form 01. The rendering is
// deterministic, so a re-run stores the same bytes under the same hash.
func (a *Activities) IssueReceipt(ctx context.Context, d motcua.Dossier) (motcua.DocumentRef, error) {
	p, err := procedure(d)
	if err != nil {
		return motcua.DocumentRef{}, err
	}
	start := time.Now()
	b, err := document.Receipt(a.Unit, p, d)
	a.observe(metricsRender, "receipt", start)
	if err != nil {
		return motcua.DocumentRef{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrInvalidDocument, err)
	}
	ref, err := a.store(b, "giay-tiep-nhan-"+d.ID+".pdf", "application/pdf")
	if err == nil {
		a.logger(ctx, d.ID).Info().Str("sha256", ref.SHA256).Msg("receipt issued")
	}
	return ref, err
}

// DraftInput is what the result document is rendered from.
type DraftInput struct {
	Dossier    motcua.Dossier
	ApprovedAt time.Time
	// Round, when set, numbers the dossier's drafts: each is rendered
	// once. A local activity cut by a crash runs again in a later workflow
	// task, whose time (ApprovedAt) differs, and would otherwise store a
	// second draft no history names.
	Round int `json:"round,omitempty"`
}

// RenderDraft renders and stores the unsigned result; a round already
// rendered returns the stored draft.
func (a *Activities) RenderDraft(ctx context.Context, in DraftInput) (motcua.DocumentRef, error) {
	name := "du-thao-" + in.Dossier.ID + ".pdf"
	ref := fmt.Sprintf("draft/%s/%d", in.Dossier.ID, in.Round)
	if in.Round > 0 {
		if sum, err := a.Store.Ref(ref); err == nil {
			b, err := a.Store.Get(sum)
			if err != nil {
				return motcua.DocumentRef{}, err
			}
			return motcua.DocumentRef{Name: name, ContentType: "application/pdf", SHA256: sum, Size: int64(len(b))}, nil
		} else if !errors.Is(err, archive.ErrNotFound) {
			return motcua.DocumentRef{}, err
		}
	}
	p, err := procedure(in.Dossier)
	if err != nil {
		return motcua.DocumentRef{}, err
	}
	start := time.Now()
	b, err := document.Result(a.Unit, p, in.Dossier, in.ApprovedAt, document.Signer{})
	a.observe(metricsRender, "draft", start)
	if err != nil {
		return motcua.DocumentRef{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrInvalidDocument, err)
	}
	var doc motcua.DocumentRef
	if in.Round > 0 {
		var sum string
		if sum, err = a.Store.PutRef(ref, b.PDF); err == nil {
			doc = motcua.DocumentRef{Name: name, ContentType: "application/pdf", SHA256: sum, Size: int64(len(b.PDF))}
		}
	} else {
		doc, err = a.store(b.PDF, name, "application/pdf")
	}
	if err == nil {
		a.logger(ctx, in.Dossier.ID).Info().Str("sha256", doc.SHA256).Msg("draft rendered")
	}
	return doc, err
}

// SignInput asks for the result to be signed by a leader.
type SignInput struct {
	Dossier    motcua.Dossier
	ApprovedAt time.Time
	Signer     motcua.User
	// Round numbers the signature decisions of the dossier; the signature
	// of a round is made once.
	Round int
	At    time.Time
	// RemoteRequest and RemoteSignature, when set, complete a remote
	// signing request with the signature the leader's own token made.
	RemoteRequest   string `json:"remote_request,omitempty"`
	RemoteSignature []byte `json:"remote_signature,omitempty"`
	// Voucher is the API's voucher for the decision to sign: the signer
	// is the user it names, whatever else the input says.
	Voucher *vouch.Voucher `json:"voucher,omitempty"`
	// ToIssue: the records officer issues the result after; the leader's
	// signature is then made at B-T at most, and the organisation's brings
	// both to the configured level (one Document Security Store, one
	// document timestamp over both).
	ToIssue bool `json:"to_issue,omitempty"`
}

// Signed is a made and verified signature.
type Signed struct {
	SHA256   string    `json:"sha256"`
	Size     int       `json:"size"`
	SignerCN string    `json:"signer_cn"`
	Issuer   string    `json:"issuer"`
	SignedAt time.Time `json:"signed_at"`
}

// SignResult renders the result with the signer's title and name, signs it
// with the signer's key, verifies the output (signature valid, chained to
// the trusted roots, covering the whole file) and stores it. A round that was
// already signed returns the stored signature.
func (a *Activities) SignResult(ctx context.Context, in SignInput) (Signed, error) {
	ref := fmt.Sprintf("signature/%s/%d", in.Dossier.ID, in.Round)
	if sum, err := a.Store.Ref(ref); err == nil {
		return a.signedFromStore(sum)
	} else if !errors.Is(err, archive.ErrNotFound) {
		return Signed{}, err
	}
	if err := a.Commands.VerifyVoucher(in.Voucher); err != nil {
		return Signed{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrSigningKey, err)
	}
	if v := in.Voucher; v.DossierID != in.Dossier.ID || v.Update != "sign" {
		return Signed{}, temporal.NewNonRetryableApplicationError("the voucher is not for signing this dossier", ErrSigningKey, nil)
	}
	in.Signer = in.Voucher.Actor // the key is the vouched user's
	if in.RemoteRequest != "" {
		return a.completeRemote(ctx, in, ref)
	}
	p, err := procedure(in.Dossier)
	if err != nil {
		return Signed{}, err
	}
	key, err := a.Keys(in.Signer)
	if err != nil {
		return Signed{}, temporal.NewNonRetryableApplicationError("no signing key for "+in.Signer.ID+": "+err.Error(), ErrSigningKey, err)
	}
	now := time.Now()
	paper, err := document.Result(a.Unit, p, in.Dossier, in.ApprovedAt,
		document.Signer{Name: in.Signer.Name, Role: in.Signer.Role, At: in.At})
	if err != nil {
		return Signed{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrInvalidDocument, err)
	}
	out, err := signer.Sign(ctx, paper.PDF, key, a.signatureInfo(in, paper.SignAt, now), a.leaderOptions(in.ToIssue))
	a.observe(metricsSign, "result", now)
	if err != nil {
		return Signed{}, signingError(err)
	}
	return a.keepSigned(ctx, in, ref, out)
}

func (a *Activities) signatureInfo(in SignInput, at document.Place, now time.Time) signer.Info {
	return a.leaderInfo(in.Signer, "Ký duyệt kết quả giải quyết hồ sơ "+in.Dossier.ID+" ("+in.Signer.Role.SignatureTitle()+")", at, now)
}

// leaderOptions are the signing options of a leader's signature: the
// configured level, or B-T at most when the organisation's signature
// follows and brings both to the level.
func (a *Activities) leaderOptions(toIssue bool) signer.Options {
	o := a.Signing
	if toIssue && o.Level > signer.LevelT {
		o.Level = signer.LevelT
	}
	return o
}

// signingError types a signer error for the retry policy.
func signingError(err error) error {
	switch {
	case errors.Is(err, signer.ErrInvalidInput):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrInvalidDocument, err)
	case errors.Is(err, signer.ErrCertificate), errors.Is(err, signer.ErrBadSignature):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrSigningKey, err)
	}
	return fmt.Errorf("sign: %w", err) // a TSA, OCSP or CRL out of reach: retried
}

// keepSigned stores a signed result as the signature of its round.
func (a *Activities) keepSigned(ctx context.Context, in SignInput, ref string, out []byte) (Signed, error) {
	log := a.logger(ctx, in.Dossier.ID)
	sum, err := a.Store.PutRef(ref, out)
	if err != nil {
		return Signed{}, err
	}
	log.Info().Str("sha256", sum).Str("signer", in.Signer.ID).Msg("result signed and verified")
	return a.signedFromStore(sum)
}

func (a *Activities) signedFromStore(sum string) (Signed, error) {
	b, err := a.Store.Get(sum)
	if err != nil {
		return Signed{}, err
	}
	rep, err := signer.Verify(b, a.Signing.Roots)
	if err != nil {
		return Signed{}, err
	}
	if err := rep.Err(); err != nil {
		return Signed{}, fmt.Errorf("stored signature %s no longer verifies: %w", sum[:12], err)
	}
	last := rep.LastSignature()
	return Signed{SHA256: sum, Size: len(b), SignerCN: last.SignerCN, Issuer: last.Issuer, SignedAt: last.SigningTime}, nil
}

// ArchiveInput asks for a signed result to be archived.
type ArchiveInput struct {
	Dossier  motcua.Dossier
	Signed   Signed
	SignedBy string
}

// ArchiveResult files the signed result write-once under its hash and
// indexes it by dossier and by citizen.
func (a *Activities) ArchiveResult(ctx context.Context, in ArchiveInput) (archive.Record, error) {
	b, err := a.Store.Get(in.Signed.SHA256)
	if err != nil {
		return archive.Record{}, fmt.Errorf("signed result %s: %w", in.Signed.SHA256[:12], err)
	}
	rec, err := a.Store.Archive(b, archive.Record{
		DossierID: in.Dossier.ID, ProcedureCode: in.Dossier.ProcedureCode,
		SignedBy: in.SignedBy, SignedAt: in.Signed.SignedAt,
	}, in.Dossier.Applicant.IDNumber)
	if err != nil {
		if errors.Is(err, archive.ErrConflict) {
			return archive.Record{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrInvalidDocument, err)
		}
		return archive.Record{}, err
	}
	a.logger(ctx, in.Dossier.ID).Info().Str("archive_id", rec.ArchiveID).Str("sha256", rec.SHA256).Msg("result archived")
	return rec, nil
}

// NotifyInput is one notification of the applicant.
type NotifyInput struct {
	Dossier motcua.Dossier
	// Event names what happened: completed, rejected, supplement_requested,
	// stopped.
	Event   string
	Comment string
}

// Notified says, per channel, whether the applicant was reached.
type Notified struct {
	Email string `json:"email"` // sent, already_sent, no_address
	SMS   string `json:"sms"`
}

// Notify tells the applicant by email and SMS. Each channel sends the
// message of a dossier's event once; a channel already sent is skipped on
// retry.
func (a *Activities) Notify(ctx context.Context, in NotifyInput) (Notified, error) {
	p, _ := in.Dossier.ProcedureTakenIn()
	subject, body := message(a.Unit, p, in)
	key := in.Dossier.ID + "/" + in.Event
	var out Notified
	var errs []error
	send := func(ch notify.Once, to string, status *string) {
		if to == "" {
			*status = "no_address"
			return
		}
		sent, err := ch.Send(ctx, notify.Message{Key: key, To: to, Subject: subject, Body: body})
		switch {
		case err != nil:
			errs = append(errs, err)
			if a.Metrics != nil {
				a.Metrics.NotificationsFailed.WithLabelValues(ch.Channel).Inc()
			}
		case sent:
			*status = "sent"
		default:
			*status = "already_sent"
		}
	}
	send(a.Email, in.Dossier.Applicant.Email, &out.Email)
	send(a.SMS, in.Dossier.Applicant.Phone, &out.SMS)
	if err := errors.Join(errs...); err != nil {
		return out, err
	}
	a.logger(ctx, in.Dossier.ID).Info().Str("event", in.Event).Str("email", out.Email).Str("sms", out.SMS).Msg("applicant notified")
	return out, nil
}

func message(u motcua.Unit, p motcua.Procedure, in NotifyInput) (string, string) {
	d := in.Dossier
	greeting := "Kính gửi Ông/Bà " + d.Applicant.FullName + ",\n\n"
	sign := "\n\n" + u.Name
	switch in.Event {
	case "completed":
		return "Hồ sơ " + d.ID + " đã có kết quả",
			greeting + "Hồ sơ " + d.ID + " (" + p.Name + ") đã có kết quả. Mời Ông/Bà đến Bộ phận Tiếp nhận và Trả kết quả để nhận, hoặc tải kết quả điện tử đã ký số." + sign
	case "rejected":
		return "Hồ sơ " + d.ID + " không được giải quyết",
			greeting + "Hồ sơ " + d.ID + " (" + p.Name + ") không được giải quyết. Lý do: " + in.Comment + sign
	case "supplement_requested":
		return "Hồ sơ " + d.ID + " cần bổ sung",
			greeting + "Hồ sơ " + d.ID + " (" + p.Name + ") cần bổ sung giấy tờ. " + in.Comment + sign
	case "apology":
		return "Thư xin lỗi về hồ sơ " + d.ID,
			greeting + "Hồ sơ " + d.ID + " (" + p.Name + ") chưa được giải quyết đúng hẹn. Chúng tôi thành thật xin lỗi Ông/Bà và hẹn trả kết quả vào " +
				in.Comment + ". Phiếu xin lỗi đã ký số có tại Bộ phận Tiếp nhận và Trả kết quả." + sign
	case "stopped":
		return "Hồ sơ " + d.ID + " đã dừng xử lý",
			greeting + "Hồ sơ " + d.ID + " đã dừng xử lý vì không được bổ sung đúng hạn." + sign
	}
	return "Hồ sơ " + d.ID, greeting + "Trạng thái hồ sơ " + d.ID + ": " + in.Event + sign
}

// PushPortalUpdates sends a dossier's queued status updates to the national
// portal in one request, in order. The portal ignores a replayed (dossier,
// sequence), so retries have no second effect.
func (a *Activities) PushPortalUpdates(ctx context.Context, us []portal.Update) error {
	if len(us) == 0 {
		return nil
	}
	first, last := us[0], us[len(us)-1]
	log := a.logger(ctx, first.DossierID)
	// The webhooks' subscribers first: a push retried after the portal
	// failed hands the same events over again, and they are recognised.
	if a.Webhooks != nil {
		if err := a.Webhooks.Enqueue(ctx, webhookEvents(us)); err != nil {
			return fmt.Errorf("hand the changes to the webhooks: %w", err)
		}
	}
	if err := a.Portal.Push(ctx, us...); err != nil {
		log.Warn().Err(err).Int("seq", first.Seq).Int("to_seq", last.Seq).Msg("portal push failed")
		if a.Metrics != nil {
			a.Metrics.PortalFailures.Inc()
		}
		return err
	}
	log.Info().Int("seq", first.Seq).Int("to_seq", last.Seq).Int("code", last.Code).Msg("portal updated")
	return nil
}

// Publication is a dossier's change to publish: its newest facts, and the
// portal's updates waiting (none while they are left to PushPortalUpdates).
type Publication struct {
	Facts   motcua.Facts    `json:"facts"`
	Updates []portal.Update `json:"updates,omitempty"`
}

// Published is what a publication did, as the history keeps it for
// auditors (a local activity's input is not recorded, its result is): the
// facts recorded, and whether the portal took the updates.
type Published struct {
	Pushed  bool            `json:"pushed"`
	Updates []portal.Update `json:"updates,omitempty"`
	Facts   motcua.Facts    `json:"facts"`
}

// PublishPortalWait bounds the portal's answer within a publication (the
// workflow gives a publication twice that); a slower portal is left to
// PushPortalUpdates.
const PublishPortalWait = 5 * time.Second

// Publish tells the portal (and the webhooks' subscribers) of a dossier's
// change and records its facts in the read model, in that order: the facts
// say whether the portal is in sync. A portal that does not take the
// updates is no error: the workflow leaves them to PushPortalUpdates,
// retried for as long as the portal is down. A read model out of reach is
// one. Both sides are idempotent (the portal and the subscribers know each
// update's sequence number, the read model each copy's), so a retry does
// nothing twice.
func (a *Activities) Publish(ctx context.Context, in Publication) (Published, error) {
	out := Published{Updates: in.Updates}
	if len(in.Updates) > 0 {
		// A portal that hangs gets half the publication's time: the facts
		// are recorded all the same.
		pctx, cancel := context.WithTimeout(ctx, PublishPortalWait)
		out.Pushed = a.PushPortalUpdates(pctx, in.Updates) == nil
		cancel()
		in.Facts.PortalInSync = in.Facts.PortalInSync && out.Pushed
	}
	out.Facts = in.Facts
	_, err := a.RecordFacts(ctx, in.Facts)
	return out, err
}

// PushPortal sends one status update; dossiers started before updates were
// pushed together (workflow version "portal-batches") still call it.
func (a *Activities) PushPortal(ctx context.Context, u portal.Update) error {
	return a.PushPortalUpdates(ctx, []portal.Update{u})
}

// RemoteInput asks for a signing request for the leader's own key.
type RemoteInput struct {
	Dossier    motcua.Dossier
	ApprovedAt time.Time
	Signer     motcua.User
	// Certificate and Chain are DER.
	Certificate []byte
	Chain       [][]byte
	At          time.Time
	ToIssue     bool `json:"to_issue,omitempty"` // as SignInput's
}

// PrepareRemote checks the leader's certificate and lays the result out for
// its key; the prepared document is stored and the request names it.
func (a *Activities) PrepareRemote(ctx context.Context, in RemoteInput) (motcua.SigningRequest, error) {
	// A retried preparation returns the request its first attempt stored.
	info := activity.GetInfo(ctx)
	ref := "signing-request/" + info.WorkflowExecution.RunID + "/" + info.ActivityID
	if id, err := a.Store.Ref(ref); err == nil {
		return a.signingRequest(id, in)
	} else if !errors.Is(err, archive.ErrNotFound) {
		return motcua.SigningRequest{}, err
	}
	p, err := procedure(in.Dossier)
	if err != nil {
		return motcua.SigningRequest{}, err
	}
	cert, err := x509.ParseCertificate(in.Certificate)
	if err != nil {
		return motcua.SigningRequest{}, temporal.NewNonRetryableApplicationError("the certificate cannot be read: "+err.Error(), ErrSigningKey, err)
	}
	var chain []*x509.Certificate
	for _, der := range in.Chain {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return motcua.SigningRequest{}, temporal.NewNonRetryableApplicationError("a chain certificate cannot be read", ErrSigningKey, err)
		}
		chain = append(chain, c)
	}
	paper, err := document.Result(a.Unit, p, in.Dossier, in.ApprovedAt, document.Signer{Name: in.Signer.Name, Role: in.Signer.Role, At: in.At})
	if err != nil {
		return motcua.SigningRequest{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrInvalidDocument, err)
	}
	now := time.Now()
	prep, err := signer.Prepare(ctx, paper.PDF, cert, chain, a.signatureInfo(SignInput{Dossier: in.Dossier, Signer: in.Signer}, paper.SignAt, now), a.leaderOptions(in.ToIssue))
	if err != nil {
		return motcua.SigningRequest{}, signingError(err)
	}
	blob, err := json.Marshal(prep)
	if err != nil {
		return motcua.SigningRequest{}, err
	}
	id, err := a.Store.PutRef(ref, blob)
	if err != nil {
		return motcua.SigningRequest{}, err
	}
	a.logger(ctx, in.Dossier.ID).Info().Str("signing_request", id[:16]).Str("signer", in.Signer.ID).Msg("remote signing request prepared")
	return a.signingRequest(id, in)
}

// signingRequest describes the prepared request stored as blob id.
func (a *Activities) signingRequest(id string, in RemoteInput) (motcua.SigningRequest, error) {
	blob, err := a.Store.Get(id)
	if err != nil {
		return motcua.SigningRequest{}, err
	}
	var prep signer.Prepared
	if err := json.Unmarshal(blob, &prep); err != nil {
		return motcua.SigningRequest{}, fmt.Errorf("signing request %s: %w", id[:12], err)
	}
	return motcua.SigningRequest{
		ID: id, DossierID: in.Dossier.ID, Actor: in.Signer.ID,
		DigestBase64: base64.StdEncoding.EncodeToString(prep.Digest), Algorithm: prep.Algorithm(),
		CertificateSHA256: archive.Sum(in.Certificate), CreatedAt: in.At,
	}, nil
}

// completeRemote finishes a prepared request with the leader's signature.
func (a *Activities) completeRemote(ctx context.Context, in SignInput, ref string) (Signed, error) {
	blob, err := a.Store.Get(in.RemoteRequest)
	if err != nil {
		return Signed{}, temporal.NewNonRetryableApplicationError("unknown signing request", ErrSigningKey, err)
	}
	var prep signer.Prepared
	if err := json.Unmarshal(blob, &prep); err != nil {
		return Signed{}, err
	}
	out, err := signer.Complete(ctx, &prep, in.RemoteSignature, a.leaderOptions(in.ToIssue))
	if err != nil {
		return Signed{}, signingError(err)
	}
	return a.keepSigned(ctx, in, ref, out)
}

// FactStore keeps the dossiers' facts, the read model of the commune's
// figures: a copy replaces the stored one only if its Seq is higher. Apply
// returns the status stored before and whether f replaced it.
type FactStore interface {
	Apply(ctx context.Context, f motcua.Facts) (before motcua.Status, applied bool, err error)
}

// RecordFacts stores a dossier's facts in the read model; storing the
// same or an older copy again changes nothing. It returns the facts it was
// given: run as a local activity, whose marker keeps only the result, the
// history still holds them (audit.FactsOf).
func (a *Activities) RecordFacts(ctx context.Context, f motcua.Facts) (motcua.Facts, error) {
	if a.Facts == nil {
		return f, temporal.NewApplicationError("no read model configured", "NoReadModel")
	}
	before, applied, err := a.Facts.Apply(ctx, f)
	if err != nil {
		return f, fmt.Errorf("record the facts of %s: %w", f.DossierID, err)
	}
	if applied {
		a.Metrics.Transition(f.ProcedureCode, before, f.Status)
	}
	return f, nil
}

// The histograms observe names.
const (
	metricsRender = iota
	metricsSign
)

// observe records the time since start as rendering or signing a kind of
// document, when metrics are kept.
func (a *Activities) observe(which int, kind string, start time.Time) {
	if a.Metrics == nil {
		return
	}
	h := a.Metrics.Rendering
	if which == metricsSign {
		h = a.Metrics.Signing
	}
	h.WithLabelValues(kind).Observe(time.Since(start).Seconds())
}
