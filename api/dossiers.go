package api

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/api/wire"
	"github.com/motcua/motcua/archive"
	"github.com/motcua/motcua/workflows"
)

func (s *Server) createDossier(w http.ResponseWriter, r *http.Request) {
	var req wire.IntakeRequest
	if e := decode(w, r, &req, MaxBodyBytes); e != nil {
		writeError(w, r, statusOf[e.Code], e)
		return
	}
	app, bad := req.Decode()
	st, existing, err := s.Receive(r.Context(), app, bad, currentUser(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusCreated
	if existing {
		status = http.StatusOK
	}
	writeJSON(w, status, wire.Created{DossierID: st.DossierID, Status: st.Status, ReceivedAt: st.ReceivedAt, DueAt: st.DueAt})
}

// Receive takes an application in for the API and the pages: it validates
// it (with the fields that could not be decoded, bad), stores its
// documents, then starts the dossier. existing is true when the external
// id was taken in before.
func (s *Server) Receive(ctx context.Context, app motcua.Application, bad map[string]string, by motcua.User) (motcua.State, bool, error) {
	if err := s.resolveRefs(app.Applicant.IDNumber, app.Documents, bad); err != nil {
		return motcua.State{}, false, err
	}
	p, err := motcua.ValidateIntake(s.Catalog, app)
	if err = withFields(err, bad); err != nil {
		return motcua.State{}, false, onlyTheRef(err)
	}
	// Documents are stored before anything refers to them.
	docs, err := s.storeDocuments(app.Documents)
	if err != nil {
		return motcua.State{}, false, err
	}
	began := time.Now()
	st, existing, err := s.dossiers().Start(ctx, workflows.Intake{
		ExternalID: app.ExternalID, Procedure: p, Channel: app.Channel, Applicant: app.Applicant,
		Fields: app.Fields, Documents: docs, ReceivedBy: by,
	})
	if err != nil {
		return motcua.State{}, false, err
	}
	// The papers are the citizen's, for reuse in later dossiers.
	if err := s.Store.IndexDocuments(app.Applicant.IDNumber, st.DossierID, citizenDocuments(docs)); err != nil {
		s.Log.Error().Err(err).Str("dossier_id", st.DossierID).Msg("index the citizen's documents")
	}
	s.Log.Info().Str("dossier_id", st.DossierID).Str("workflow_id", st.DossierID).
		Str("procedure", p.Code).Str("by", by.ID).Bool("existing", existing).
		Dur("took", time.Since(began)).Msg("dossier received")
	return st, existing, nil
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
func (s *Server) resolveRefs(idNumber string, docs []motcua.Document, bad map[string]string) error {
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
		found, mine, err := s.Store.CitizenDocument(idNumber, sum)
		if err != nil {
			return err
		}
		if !mine {
			bad[field] = "not a document of this citizen in the archive"
			continue
		}
		b, err := s.Store.Get(sum)
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

func (s *Server) storeDocuments(docs []motcua.Document) ([]motcua.DocumentRef, error) {
	refs := make([]motcua.DocumentRef, len(docs))
	for i, d := range docs {
		sum, err := s.Store.Put(d.Content)
		if err != nil {
			return nil, fmt.Errorf("store document: %w", err)
		}
		refs[i] = motcua.DocumentRef{Code: d.Code, Name: d.Name, ContentType: d.ContentType, SHA256: sum, Size: int64(len(d.Content)), Reused: d.Ref != ""}
	}
	return refs, nil
}

func (s *Server) getDossier(w http.ResponseWriter, r *http.Request) {
	st, err := s.dossiers().State(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// decided answers a decision with the dossier as it stands after it.
func (s *Server) decided(w http.ResponseWriter, r *http.Request, decision string, st motcua.State, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.Log.Info().Str("dossier_id", st.DossierID).Str("workflow_id", st.DossierID).Str("decision", decision).
		Str("by", currentUser(r).ID).Str("status", string(st.Status)).Msg("decision applied")
	writeJSON(w, http.StatusOK, st)
}

// createSigningRequest prepares a remote signature for the leader's own
// key: the answer holds the digest their token signs.
func (s *Server) createSigningRequest(w http.ResponseWriter, r *http.Request) {
	var body wire.SigningRequestBody
	if e := decode(w, r, &body, signatureBody); e != nil {
		writeError(w, r, statusOf[e.Code], e)
		return
	}
	cert, chain, bad := body.Decode()
	if len(bad) > 0 {
		s.fail(w, r, &motcua.Error{Code: motcua.CodeInvalidRequest, Message: "the certificate cannot be read", Fields: bad})
		return
	}
	req, err := s.RequestSignature(r.Context(), r.PathValue("id"), currentUser(r), cert, chain)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, req)
}

// RequestSignature prepares a dossier's result for a signature made on the
// leader's own token, for the API and the pages: the certificate (DER, with
// its chain) must be the leader's own.
func (s *Server) RequestSignature(ctx context.Context, id string, by motcua.User, cert []byte, chain [][]byte) (motcua.SigningRequest, error) {
	c, err := x509.ParseCertificate(cert)
	if err != nil {
		return motcua.SigningRequest{}, &motcua.Error{Code: motcua.CodeInvalidRequest, Message: "the certificate cannot be read", Fields: map[string]string{"certificate": err.Error()}}
	}
	if !s.Users.Owns(by, c) {
		return motcua.SigningRequest{}, motcua.Errorf(motcua.CodeForbidden, "the certificate (%s) is not %s's: a leader signs with their own certificate", c.Subject.CommonName, by.Name)
	}
	return s.dossiers().PrepareSigning(ctx, id, by, motcua.SigningRequestInput{Certificate: cert, Chain: chain})
}

func (s *Server) getSigningRequest(w http.ResponseWriter, r *http.Request) {
	st, err := s.dossiers().State(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if st.SigningRequest == nil {
		s.fail(w, r, motcua.Errorf(motcua.CodeNotFound, "dossier %s has no open signing request", st.DossierID))
		return
	}
	writeJSON(w, http.StatusOK, st.SigningRequest)
}

// body reads an optional JSON body of at most limit bytes into v; on
// failure it has answered and returns false.
func (s *Server) body(w http.ResponseWriter, r *http.Request, v any, limit int64) bool {
	if r.ContentLength == 0 {
		return true
	}
	if e := decode(w, r, v, limit); e != nil {
		writeError(w, r, statusOf[e.Code], e)
		return false
	}
	return true
}

// review hands the specialist's decision to the dossier, whose workflow
// checks it against the procedure the dossier was taken in with.
func (s *Server) review(w http.ResponseWriter, r *http.Request) {
	var rv motcua.Review
	if !s.body(w, r, &rv, smallBody) {
		return
	}
	st, err := s.dossiers().Review(r.Context(), r.PathValue("id"), currentUser(r), rv)
	s.decided(w, r, "review", st, err)
}

func (s *Server) supplement(w http.ResponseWriter, r *http.Request) {
	var body wire.SupplementRequest
	if !s.body(w, r, &body, MaxBodyBytes) {
		return
	}
	docs, bad := wire.DecodeDocuments(body.Documents)
	st, err := s.AddDocuments(r.Context(), r.PathValue("id"), docs, bad, currentUser(r))
	s.decided(w, r, "supplement", st, err)
}

// AddDocuments takes the documents a supplement request asked for, for the
// API and the pages: they are checked against the procedure (with the
// ones that could not be decoded, bad), stored, then handed to the dossier.
func (s *Server) AddDocuments(ctx context.Context, id string, docs []motcua.Document, bad map[string]string, by motcua.User) (motcua.State, error) {
	st, err := s.dossiers().State(ctx, id)
	if err != nil {
		return st, err
	}
	p, _ := s.Catalog.Lookup(st.ProcedureCode)
	if err := withFields(motcua.ValidateDocuments(p, docs), bad); err != nil {
		return st, err
	}
	if st.Status != motcua.StatusSupplementRequested {
		return st, motcua.Errorf(motcua.CodeInvalidState, "a supplement is only taken when the dossier is supplement_requested (it is %s)", st.Status)
	}
	refs, err := s.storeDocuments(docs)
	if err != nil {
		return st, err
	}
	st, err = s.dossiers().Supplement(ctx, st.DossierID, by, motcua.Supplement{Documents: refs})
	if err == nil {
		if err := s.Store.IndexDossierDocuments(st.DossierID, citizenDocuments(refs)); err != nil {
			s.Log.Error().Err(err).Str("dossier_id", st.DossierID).Msg("index the citizen's documents")
		}
	}
	return st, err
}

func (s *Server) sign(w http.ResponseWriter, r *http.Request) {
	var body wire.SignRequest
	if !s.body(w, r, &body, signatureBody) {
		return
	}
	d, bad := body.Decode()
	if err := withFields(motcua.ValidateSignDecision(d), bad); err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.dossiers().Sign(r.Context(), r.PathValue("id"), currentUser(r), d)
	s.decided(w, r, "sign", st, err)
}

func (s *Server) withdraw(w http.ResponseWriter, r *http.Request) {
	var wd motcua.Withdrawal
	if !s.body(w, r, &wd, smallBody) {
		return
	}
	if err := motcua.ValidateWithdrawal(wd); err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.dossiers().Withdraw(r.Context(), r.PathValue("id"), currentUser(r), wd)
	s.decided(w, r, "withdraw", st, err)
}

func (s *Server) receipt(w http.ResponseWriter, r *http.Request) {
	s.servePDF(w, r, func(st motcua.State) (string, string) {
		if st.Receipt == nil {
			return "", ""
		}
		return st.Receipt.SHA256, "giay-tiep-nhan-" + st.DossierID + ".pdf"
	})
}

func (s *Server) draft(w http.ResponseWriter, r *http.Request) {
	s.servePDF(w, r, func(st motcua.State) (string, string) {
		if st.Draft == nil {
			return "", ""
		}
		return st.Draft.SHA256, "du-thao-" + st.DossierID + ".pdf"
	})
}

// result serves the archived result, found through the archive's index: its
// newest version, whose document timestamp was renewed last.
func (s *Server) result(w http.ResponseWriter, r *http.Request) {
	s.servePDF(w, r, func(st motcua.State) (string, string) {
		_, versions, err := s.Store.Current(st.DossierID)
		if err != nil || st.Result == nil || st.Result.ArchiveID == "" {
			return "", ""
		}
		return versions[len(versions)-1], "ket-qua-" + st.DossierID + ".pdf"
	})
}

func (s *Server) servePDF(w http.ResponseWriter, r *http.Request, pick func(motcua.State) (sum, filename string)) {
	st, err := s.dossiers().State(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sum, name := pick(st)
	if sum == "" {
		s.fail(w, r, motcua.Errorf(motcua.CodeNotFound, "dossier %s has no such document yet (it is %s)", st.DossierID, st.Status))
		return
	}
	b, err := s.Store.Get(sum)
	if errors.Is(err, archive.ErrNotFound) {
		s.fail(w, r, motcua.Errorf(motcua.CodeNotFound, "the document of dossier %s is missing from the archive", st.DossierID))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+name+`"`)
	w.Header().Set("X-Content-SHA256", sum)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

func (s *Server) listDossiers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var f workflows.Filter
	if v := q.Get("status"); v != "" {
		if !motcua.Status(v).Valid() {
			s.fail(w, r, &motcua.Error{Code: motcua.CodeInvalidRequest, Message: "unknown status", Fields: map[string]string{"status": "unknown status " + strconv.Quote(v)}})
			return
		}
		f.Status = motcua.Status(v)
	}
	if v := q.Get("procedure_code"); v != "" {
		if _, ok := s.Catalog.Lookup(v); !ok {
			s.fail(w, r, &motcua.Error{Code: motcua.CodeUnknownProcedure, Message: "unknown procedure", Fields: map[string]string{"procedure_code": "unknown"}})
			return
		}
		f.ProcedureCode = v
	}
	pageSize := 50
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			s.fail(w, r, &motcua.Error{Code: motcua.CodeInvalidRequest, Message: "bad page size", Fields: map[string]string{"page_size": "a number from 1 to 500"}})
			return
		}
		pageSize = n
	}
	badToken := &motcua.Error{Code: motcua.CodeInvalidRequest, Message: "bad page token", Fields: map[string]string{"page_token": "not a token this API gave"}}
	token, err := base64.RawURLEncoding.DecodeString(q.Get("page_token"))
	if err != nil {
		s.fail(w, r, badToken)
		return
	}
	page, next, err := s.dossiers().List(r.Context(), f, pageSize, token)
	if errors.Is(err, workflows.ErrBadPageToken) {
		err = badToken
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.DossierList{Dossiers: page, NextPageToken: base64.RawURLEncoding.EncodeToString(next)})
}
