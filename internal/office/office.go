// Package office is what a user of the one-stop office does with a
// dossier, for the JSON API and the pages alike: take it in, add the papers
// a supplement asked for, decide, prepare a signature on the leader's own
// token, read its papers and its audit bundle. The HTTP handlers of both
// only translate requests into these calls and the answers back; the rules
// live below (the dossier workflow's validators, against the procedure the
// dossier was taken in with; the domain's permission table for who may
// call what).
//
// The path of one decision: an HTTP handler (package api or web) decodes
// the request, calls Decide with the signed-in user; workflows.Decide
// vouches for it and sends the update, the voucher in its header (package
// vouch); the worker's interceptor checks the voucher, the workflow's
// validator checks the command, the workflow carries it out and answers
// with the dossier as it stands.
package office

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/accounts"
	"github.com/motcua/motcua/internal/archive"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/workflows"
)

// Office is the application service over one unit's dossiers.
type Office struct {
	Dossiers *workflows.Dossiers
	Catalog  motcua.Catalog
	Store    *archive.Store
	// Users says which certificates are whose (a leader signs with their
	// own).
	Users *accounts.Users
	// DataConverter reads histories for the audit bundle.
	DataConverter converter.DataConverter
	// AuditKey signs the offline audit bundles auditors download.
	AuditKey audit.AuditKey
	// Roots are the certificates the public check trusts signatures to.
	Roots *x509.CertPool
	Log   zerolog.Logger
}

// Receive takes an application in: it validates it (with the fields that
// could not be decoded, bad), stores its documents, then starts the
// dossier. existing is true when the external id was taken in before.
func (o *Office) Receive(ctx context.Context, app motcua.Application, bad map[string]string, by motcua.User) (motcua.State, bool, error) {
	if err := o.resolveRefs(app.Applicant.IDNumber, app.Documents, bad); err != nil {
		return motcua.State{}, false, err
	}
	p, err := motcua.ValidateIntake(o.Catalog, app)
	if err = withFields(err, bad); err != nil {
		return motcua.State{}, false, onlyTheRef(err)
	}
	// Documents are stored before anything refers to them.
	docs, err := o.storeDocuments(app.Documents)
	if err != nil {
		return motcua.State{}, false, err
	}
	began := time.Now()
	st, existing, err := o.Dossiers.Start(ctx, workflows.Intake{
		ExternalID: app.ExternalID, Procedure: p, Channel: app.Channel, Applicant: app.Applicant,
		Fields: app.Fields, Documents: docs, ReceivedBy: by,
	})
	if err != nil {
		return motcua.State{}, false, err
	}
	// The papers are the citizen's, for reuse in later dossiers.
	if err := o.Store.IndexDocuments(app.Applicant.IDNumber, st.DossierID, citizenDocuments(docs)); err != nil {
		o.Log.Error().Err(err).Str("dossier_id", st.DossierID).Msg("index the citizen's documents")
	}
	o.Log.Info().Str("dossier_id", st.DossierID).Str("workflow_id", st.DossierID).
		Str("procedure", p.Code).Str("by", by.ID).Bool("existing", existing).
		Dur("took", time.Since(began)).Msg("dossier received")
	return st, existing, nil
}

// AddDocuments takes the documents a supplement request asked for: they
// are checked against the procedure (with the ones that could not be
// decoded, bad) before they are stored, then handed to the dossier.
func (o *Office) AddDocuments(ctx context.Context, id string, docs []motcua.Document, bad map[string]string, by motcua.User) (motcua.State, error) {
	st, err := o.Dossiers.State(ctx, id)
	if err != nil {
		return st, err
	}
	p, _ := o.Catalog.Lookup(st.ProcedureCode)
	if err := withFields(motcua.ValidateDocuments(p, docs), bad); err != nil {
		return st, err
	}
	if st.Status != motcua.StatusSupplementRequested {
		return st, motcua.Errorf(motcua.CodeInvalidState, "a supplement is only taken when the dossier is supplement_requested (it is %s)", st.Status)
	}
	refs, err := o.storeDocuments(docs)
	if err != nil {
		return st, err
	}
	st, err = Decide(ctx, o, workflows.Supplement, st.DossierID, by, motcua.Supplement{Documents: refs})
	if err == nil {
		if err := o.Store.IndexDossierDocuments(st.DossierID, citizenDocuments(refs)); err != nil {
			o.Log.Error().Err(err).Str("dossier_id", st.DossierID).Msg("index the citizen's documents")
		}
	}
	return st, err
}

// StoreDocument stores one document (an answer's letter) and returns its
// reference.
func (o *Office) StoreDocument(d motcua.Document) (motcua.DocumentRef, error) {
	refs, err := o.storeDocuments([]motcua.Document{d})
	if err != nil {
		return motcua.DocumentRef{}, err
	}
	return refs[0], nil
}

// RequestSignature prepares a dossier's result for a signature made on the
// leader's own token: the certificate (DER, with its chain) must be the
// leader's own.
func (o *Office) RequestSignature(ctx context.Context, id string, by motcua.User, cert []byte, chain [][]byte) (motcua.SigningRequest, error) {
	c, err := x509.ParseCertificate(cert)
	if err != nil {
		return motcua.SigningRequest{}, &motcua.Error{Code: motcua.CodeInvalidRequest, Message: "the certificate cannot be read", Fields: map[string]string{"certificate": err.Error()}}
	}
	if !o.Users.Owns(by, c) {
		return motcua.SigningRequest{}, motcua.Errorf(motcua.CodeForbidden, "the certificate (%s) is not %s's: a leader signs with their own certificate", c.Subject.CommonName, by.Name)
	}
	return Decide(ctx, o, workflows.RequestSigning, id, by, motcua.SigningRequestInput{Certificate: cert, Chain: chain})
}

// Decide hands by's decision to the dossier (see workflows.Decide) and
// logs it once carried out.
func Decide[C motcua.Command[C], R any](ctx context.Context, o *Office, d workflows.Decision[C, R], id string, by motcua.User, cmd C) (R, error) {
	out, err := workflows.Decide(ctx, o.Dossiers, d, id, by, cmd)
	if err == nil {
		o.Log.Info().Str("dossier_id", id).Str("workflow_id", id).Str("decision", d.Update).
			Str("by", by.ID).Msg("decision applied")
	}
	return out, err
}

// Hand hands by's decision to the dossier and returns once the workflow
// has accepted it (see workflows.Hand), logging it so.
func Hand[C motcua.Command[C], R any](ctx context.Context, o *Office, d workflows.Decision[C, R], id string, by motcua.User, cmd C) error {
	err := workflows.Hand(ctx, o.Dossiers, d, id, by, cmd)
	if err == nil {
		o.Log.Info().Str("dossier_id", id).Str("workflow_id", id).Str("decision", d.Update).
			Str("by", by.ID).Msg("decision accepted")
	}
	return err
}

// ErrorOf is the motcua.Error err stands for, about the dossier id: a
// domain error or a workflow update's refusal keeps its code; a decision
// not answered in time may still be carried out (unavailable, saying so);
// anything else is logged and reported as unavailable.
func (o *Office) ErrorOf(ctx context.Context, id string, err error) *motcua.Error {
	var e *motcua.Error
	var app *temporal.ApplicationError
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &e):
	case errors.As(err, &app) && motcua.KnownCode(app.Type()):
		e = &motcua.Error{Code: app.Type(), Message: app.Message()}
		var fields map[string]string
		if app.HasDetails() && app.Details(&fields) == nil {
			e.Fields = fields
		}
	case errors.As(err, &nf):
		e = motcua.Errorf(motcua.CodeNotFound, "no dossier %q", id)
	case errors.Is(err, archive.ErrNotFound):
		e = motcua.Errorf(motcua.CodeNotFound, "the document of dossier %s is missing from the archive", id)
	case (errors.Is(err, context.DeadlineExceeded) || errors.As(err, new(*serviceerror.DeadlineExceeded))) && ctx.Err() == nil:
		o.Log.Warn().Err(err).Str("dossier_id", id).Msg("no answer in time")
		e = motcua.Errorf(motcua.CodeUnavailable, "no answer within %s: the request may still be carried out; look at the dossier before trying again", workflows.DecisionTimeout)
	default:
		o.Log.Error().Err(err).Str("dossier_id", id).Msg("request failed")
		e = motcua.Errorf(motcua.CodeUnavailable, "the workflow service is unavailable; try again shortly")
	}
	return e
}

func citizenDocuments(refs []motcua.DocumentRef) []archive.CitizenDocument {
	out := make([]archive.CitizenDocument, len(refs))
	for i, r := range refs {
		out[i] = archive.CitizenDocument{Code: r.Code, Name: r.Name, ContentType: r.ContentType, SHA256: r.SHA256, Size: r.Size}
	}
	return out
}

// onlyTheRef keeps, for a document whose archive_ref is at fault, that
// reason alone: its missing content, type and name follow from it.
func onlyTheRef(err error) error {
	var e *motcua.Error
	if !errors.As(err, &e) {
		return err
	}
	for k := range e.Fields {
		if prefix, ok := strings.CutSuffix(k, ".archive_ref"); ok {
			for _, f := range []string{".content_base64", ".content_type", ".name"} {
				delete(e.Fields, prefix+f)
			}
		}
	}
	return e
}

// resolveRefs fills in the papers given by archive reference from the
// archive: each must be one the same citizen handed in before, or a result
// signed for them; bad names each that is not.
func (o *Office) resolveRefs(idNumber string, docs []motcua.Document, bad map[string]string) error {
	for i := range docs {
		d := &docs[i]
		if d.Ref == "" {
			continue
		}
		field := fmt.Sprintf("documents[%d].archive_ref", i)
		sum, ok := strings.CutPrefix(d.Ref, "sha256:")
		if !ok || len(sum) != 64 {
			bad[field] = "must be sha256:<64 hex digits>"
			continue
		}
		found, mine, err := o.Store.CitizenDocument(idNumber, sum)
		if err != nil {
			return err
		}
		if !mine {
			bad[field] = "not a document of this citizen in the archive"
			continue
		}
		b, err := o.Store.Get(sum)
		if err != nil {
			return err
		}
		d.Content, d.ContentType = b, found.ContentType
		if d.Name == "" {
			d.Name = found.Name
		}
	}
	return nil
}

// withFields adds the fields that could not be decoded to a validation
// error (or makes one of them): one answer names every field at fault.
func withFields(err error, bad map[string]string) error {
	if len(bad) == 0 {
		return err
	}
	var e *motcua.Error
	switch {
	case err == nil:
		e = &motcua.Error{Code: motcua.CodeInvalidRequest, Message: "the request has invalid fields"}
	case !errors.As(err, &e):
		return err
	}
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	for k, v := range bad {
		e.Fields[k] = v
	}
	return e
}

func (o *Office) storeDocuments(docs []motcua.Document) ([]motcua.DocumentRef, error) {
	refs := make([]motcua.DocumentRef, len(docs))
	for i, d := range docs {
		sum, err := o.Store.Put(d.Content)
		if err != nil {
			return nil, fmt.Errorf("store document: %w", err)
		}
		refs[i] = motcua.DocumentRef{Code: d.Code, Name: d.Name, ContentType: d.ContentType, SHA256: sum, Size: int64(len(d.Content)), Reused: d.Ref != ""}
	}
	return refs, nil
}
