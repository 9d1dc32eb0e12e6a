package api

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/office"
	"github.com/motcua/motcua/wire"
	"github.com/motcua/motcua/workflows"
)

func (s *Server) createDossier(w http.ResponseWriter, r *http.Request) {
	var req wire.IntakeRequest
	if e := decode(w, r, &req, MaxBodyBytes); e != nil {
		writeError(w, r, wire.Status(e.Code), e)
		return
	}
	app, bad := req.Decode()
	st, existing, err := s.office().Receive(r.Context(), app, bad, currentUser(r))
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

func (s *Server) getDossier(w http.ResponseWriter, r *http.Request) {
	st, err := s.dossiers().State(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// decision is the handler of a decision whose body is the command itself
// (a review, a withdrawal, a payment, a hand-back, an archive retry): the
// workflow checks it against the procedure the dossier was taken in with.
func decision[C motcua.Command[C], R any](s *Server, d workflows.Decision[C, R]) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var cmd C
		if s.body(w, r, &cmd, smallBody) {
			decide(s, w, r, d, cmd)
		}
	}
}

// decide hands the signed-in user's decision cmd to the dossier the path
// names and answers with the dossier as it stands after it (or the answer
// R the decision has).
func decide[C motcua.Command[C], R any](s *Server, w http.ResponseWriter, r *http.Request, d workflows.Decision[C, R], cmd C) {
	out, err := office.Decide(r.Context(), s.office(), d, r.PathValue("id"), currentUser(r), cmd)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// createSigningRequest prepares a remote signature for the leader's own
// key: the answer holds the digest their token signs.
func (s *Server) createSigningRequest(w http.ResponseWriter, r *http.Request) {
	var body wire.SigningRequestBody
	if e := decode(w, r, &body, signatureBody); e != nil {
		writeError(w, r, wire.Status(e.Code), e)
		return
	}
	cert, chain, bad := body.Decode()
	if len(bad) > 0 {
		s.fail(w, r, &motcua.Error{Code: motcua.CodeInvalidRequest, Message: "the certificate cannot be read", Fields: bad})
		return
	}
	req, err := s.office().RequestSignature(r.Context(), r.PathValue("id"), currentUser(r), cert, chain)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, req)
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
		writeError(w, r, wire.Status(e.Code), e)
		return false
	}
	return true
}

func (s *Server) supplement(w http.ResponseWriter, r *http.Request) {
	var body wire.SupplementRequest
	if !s.body(w, r, &body, MaxBodyBytes) {
		return
	}
	docs, bad := wire.DecodeDocuments(body.Documents)
	st, err := s.office().AddDocuments(r.Context(), r.PathValue("id"), docs, bad, currentUser(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) sign(w http.ResponseWriter, r *http.Request) {
	var body wire.SignRequest
	if !s.body(w, r, &body, signatureBody) {
		return
	}
	d, bad := body.Decode()
	if len(bad) > 0 {
		s.fail(w, r, &motcua.Error{Code: motcua.CodeInvalidRequest, Message: "the request has invalid fields", Fields: bad})
		return
	}
	decide(s, w, r, workflows.Sign, d)
}

// paper serves one of the dossier's papers (see office.Paper).
func (s *Server) paper(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.office().Paper(r.Context(), r.PathValue("id"), name, currentUser(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", p.ContentType)
		w.Header().Set("Content-Disposition", `inline; filename="`+p.Filename+`"`)
		w.Header().Set("X-Content-SHA256", p.SHA256)
		w.Header().Set("Content-Length", strconv.Itoa(len(p.Content)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(p.Content)
	}
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
