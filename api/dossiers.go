package api

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/archive"
	"github.com/motcua/motcua/workflows"
)

// decisionTimeout bounds how long a request waits for the workflow.
const decisionTimeout = 60 * time.Second

// created is the answer to POST /v1/dossiers.
type created struct {
	DossierID  string        `json:"dossier_id"`
	Status     motcua.Status `json:"status"`
	ReceivedAt time.Time     `json:"received_at"`
	DueAt      time.Time     `json:"due_at"`
}

func (s *Server) createDossier(w http.ResponseWriter, r *http.Request) {
	var req motcua.IntakeRequest
	if e := decode(w, r, &req); e != nil {
		writeError(w, r, statusOf[e.Code], e)
		return
	}
	p, contents, err := motcua.ValidateIntake(s.Catalog, req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), decisionTimeout)
	defer cancel()
	// Documents are stored before anything refers to them.
	docs, err := s.storeDocuments(req.Documents, contents)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	began := time.Now()
	alloc, err := s.allocate(ctx, req.ExternalID)
	allocated := time.Since(began)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if alloc.Existing {
		if st, err := s.state(ctx, alloc.Code); err == nil {
			writeJSON(w, http.StatusOK, created{st.DossierID, st.Status, st.ReceivedAt, st.DueAt})
			return
		}
		// the earlier request was cut before its workflow started: start it now
	}
	d := motcua.Dossier{
		ID: alloc.Code, ExternalID: req.ExternalID, ProcedureCode: p.Code, Channel: req.Channel,
		Applicant: req.Applicant, Fields: req.Fields, Documents: docs,
		ReceivedBy: currentUser(r).ID, ReceivedAt: alloc.ReceivedAt,
		DueAt: s.Calendar.DueDate(alloc.ReceivedAt, p.SLAWorkingDays),
	}
	st, err := s.startDossier(ctx, d)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusCreated
	if alloc.Existing {
		status = http.StatusOK
	}
	s.Log.Info().Str("dossier_id", st.DossierID).Str("workflow_id", st.DossierID).
		Str("procedure", p.Code).Str("by", d.ReceivedBy).
		Dur("allocate", allocated).Dur("took", time.Since(began)).Msg("dossier received")
	writeJSON(w, status, created{st.DossierID, st.Status, st.ReceivedAt, st.DueAt})
}

func (s *Server) storeDocuments(up []motcua.DocumentUpload, contents [][]byte) ([]motcua.DocumentRef, error) {
	refs := make([]motcua.DocumentRef, len(up))
	for i, d := range up {
		sum, err := s.Store.Put(contents[i])
		if err != nil {
			return nil, fmt.Errorf("store document: %w", err)
		}
		refs[i] = motcua.DocumentRef{Code: d.Code, Name: d.Name, ContentType: d.ContentType, SHA256: sum, Size: int64(len(contents[i]))}
	}
	return refs, nil
}

// allocate gets the dossier code from the unit's code workflow. The
// workflow runs for ever (continuing as new); it is started when an update
// finds it missing.
func (s *Server) allocate(ctx context.Context, externalID string) (workflows.Allocation, error) {
	var a workflows.Allocation
	for attempt := 0; ; attempt++ {
		h, err := s.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: workflows.CodesWorkflowID(s.Unit.Code), UpdateName: workflows.UpdateAllocate,
			Args: []any{workflows.AllocateRequest{ExternalID: externalID}}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			err = h.Get(ctx, &a)
		}
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) && attempt < 3 {
			_, err = s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
				ID: workflows.CodesWorkflowID(s.Unit.Code), TaskQueue: workflows.TaskQueue,
				WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
			}, workflows.CodesWorkflow, workflows.CodesState{Unit: s.Unit.Code})
			if err == nil {
				continue
			}
		}
		if err != nil {
			return a, fmt.Errorf("allocate dossier code: %w", err)
		}
		return a, nil
	}
}

// startDossier starts the dossier's workflow (or joins the running one) and
// waits until intake is done: the receipt issued, review open.
func (s *Server) startDossier(ctx context.Context, d motcua.Dossier) (motcua.State, error) {
	start := s.Temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       d.ID,
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.AttrStatus.ValueSet(string(motcua.StatusReceived)),
			workflows.AttrProcedure.ValueSet(d.ProcedureCode),
			workflows.AttrReceivedAt.ValueSet(d.ReceivedAt),
			workflows.AttrDueAt.ValueSet(d.DueAt),
		),
	}, workflows.DossierWorkflow, d)
	h, err := s.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateName: workflows.UpdateIntake, WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	var st motcua.State
	if err == nil {
		err = h.Get(ctx, &st)
	}
	return st, err
}

// state asks the dossier's workflow for its state.
func (s *Server) state(ctx context.Context, id string) (motcua.State, error) {
	var st motcua.State
	if !motcua.ValidDossierID(id) {
		return st, motcua.Errorf(motcua.CodeNotFound, "no dossier %q", id)
	}
	v, err := s.Temporal.QueryWorkflow(ctx, id, "", workflows.QueryState)
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return st, motcua.Errorf(motcua.CodeNotFound, "no dossier %q", id)
		}
		return st, err
	}
	return st, v.Get(&st)
}

func (s *Server) getDossier(w http.ResponseWriter, r *http.Request) {
	st, err := s.state(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// decide sends a decision to the dossier's workflow and answers with the
// dossier once the decision is applied.
func (s *Server) decide(w http.ResponseWriter, r *http.Request, st motcua.State, update string, arg any) {
	if st.Status.Terminal() {
		s.fail(w, r, motcua.Errorf(motcua.CodeInvalidState, "the dossier is %s: nothing more can be decided", st.Status))
		return
	}
	var out motcua.State
	if err := s.update(r.Context(), st.DossierID, update, arg, &out); err != nil {
		s.fail(w, r, err)
		return
	}
	s.Log.Info().Str("dossier_id", st.DossierID).Str("workflow_id", st.DossierID).Str("decision", update).
		Str("by", currentUser(r).ID).Str("status", string(out.Status)).Msg("decision applied")
	writeJSON(w, http.StatusOK, out)
}

// update sends an update to a dossier's workflow and decodes its result.
func (s *Server) update(ctx context.Context, id, name string, arg, out any) error {
	ctx, cancel := context.WithTimeout(ctx, decisionTimeout)
	defer cancel()
	h, err := s.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: id, UpdateName: name, Args: []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return err
	}
	return h.Get(ctx, out)
}

// createSigningRequest prepares a remote signature for the leader's own
// key: the answer holds the digest their token signs.
func (s *Server) createSigningRequest(w http.ResponseWriter, r *http.Request) {
	var in motcua.SigningRequestInput
	if e := decode(w, r, &in); e != nil {
		writeError(w, r, statusOf[e.Code], e)
		return
	}
	bad := map[string]string{}
	certs, err := pemCertificates(in.CertificatePEM)
	if err != nil || len(certs) != 1 {
		bad["certificate_pem"] = "one PEM certificate is required"
	}
	chain, err := pemCertificates(in.ChainPEM)
	if err != nil {
		bad["chain_pem"] = "PEM certificates"
	}
	if len(bad) > 0 {
		s.fail(w, r, &motcua.Error{Code: motcua.CodeInvalidRequest, Message: "the certificate cannot be read", Fields: bad})
		return
	}
	st, err := s.state(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if st.Status.Terminal() {
		s.fail(w, r, motcua.Errorf(motcua.CodeInvalidState, "the dossier is %s", st.Status))
		return
	}
	u := currentUser(r)
	in.Certificate, in.Chain, in.Actor, in.ActorName, in.ActorRole = certs[0], chain, u.ID, u.Name, u.Role
	in.CertificatePEM, in.ChainPEM = "", ""
	var req motcua.SigningRequest
	if err := s.update(r.Context(), st.DossierID, workflows.UpdateSigningRequest, in, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, req)
}

func (s *Server) getSigningRequest(w http.ResponseWriter, r *http.Request) {
	st, err := s.state(r.Context(), r.PathValue("id"))
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

// pemCertificates decodes the CERTIFICATE blocks of PEM text to DER.
func pemCertificates(text string) ([][]byte, error) {
	var out [][]byte
	rest := []byte(text)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return nil, err
		}
		out = append(out, b.Bytes)
	}
	if strings.TrimSpace(string(rest)) != "" {
		return nil, errors.New("text outside PEM blocks")
	}
	return out, nil
}

// decision reads a decision's body into v and the dossier it is about; on
// failure it has answered and returns ok false.
func (s *Server) decision(w http.ResponseWriter, r *http.Request, v any) (st motcua.State, p motcua.Procedure, ok bool) {
	if r.ContentLength != 0 {
		if e := decode(w, r, v); e != nil {
			writeError(w, r, statusOf[e.Code], e)
			return st, p, false
		}
	}
	st, err := s.state(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return st, p, false
	}
	p, _ = s.Catalog.Lookup(st.ProcedureCode)
	return st, p, true
}

func (s *Server) review(w http.ResponseWriter, r *http.Request) {
	var rv motcua.Review
	st, p, ok := s.decision(w, r, &rv)
	if !ok {
		return
	}
	rv.Actor = currentUser(r).ID
	if err := motcua.ValidateReview(p, rv); err != nil {
		s.fail(w, r, err)
		return
	}
	s.decide(w, r, st, workflows.UpdateReview, rv)
}

func (s *Server) supplement(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Documents []motcua.DocumentUpload `json:"documents"`
	}
	st, p, ok := s.decision(w, r, &body)
	if !ok {
		return
	}
	contents, err := motcua.ValidateDocuments(p, body.Documents)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if st.Status != motcua.StatusSupplementRequested {
		s.fail(w, r, motcua.Errorf(motcua.CodeInvalidState, "a supplement is only taken when the dossier is supplement_requested (it is %s)", st.Status))
		return
	}
	docs, err := s.storeDocuments(body.Documents, contents)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.decide(w, r, st, workflows.UpdateSupplement, motcua.Supplement{Documents: docs, Actor: currentUser(r).ID})
}

func (s *Server) sign(w http.ResponseWriter, r *http.Request) {
	var d motcua.SignDecision
	st, _, ok := s.decision(w, r, &d)
	if !ok {
		return
	}
	u := currentUser(r)
	d.Actor, d.ActorName, d.ActorRole = u.ID, u.Name, u.Role
	if err := motcua.ValidateSignDecision(d); err != nil {
		s.fail(w, r, err)
		return
	}
	s.decide(w, r, st, workflows.UpdateSign, d)
}

func (s *Server) withdraw(w http.ResponseWriter, r *http.Request) {
	var wd motcua.Withdrawal
	st, _, ok := s.decision(w, r, &wd)
	if !ok {
		return
	}
	wd.Actor = currentUser(r).ID
	s.decide(w, r, st, workflows.UpdateWithdraw, wd)
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

// result serves the archived result, found through the archive's index.
func (s *Server) result(w http.ResponseWriter, r *http.Request) {
	s.servePDF(w, r, func(st motcua.State) (string, string) {
		rec, err := s.Store.Lookup(st.DossierID)
		if err != nil || st.Result == nil || st.Result.ArchiveID == "" {
			return "", ""
		}
		return rec.SHA256, "ket-qua-" + st.DossierID + ".pdf"
	})
}

func (s *Server) servePDF(w http.ResponseWriter, r *http.Request, pick func(motcua.State) (sum, filename string)) {
	st, err := s.state(r.Context(), r.PathValue("id"))
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

// listed is one row of GET /v1/dossiers.
type listed struct {
	DossierID     string        `json:"dossier_id"`
	ProcedureCode string        `json:"procedure_code"`
	Status        motcua.Status `json:"status"`
	ReceivedAt    *time.Time    `json:"received_at"`
	DueAt         *time.Time    `json:"due_at"`
}

func (s *Server) listDossiers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	query := []string{"WorkflowType = 'DossierWorkflow'"}
	if v := q.Get("status"); v != "" {
		if !motcua.Status(v).Valid() {
			s.fail(w, r, &motcua.Error{Code: motcua.CodeInvalidRequest, Message: "unknown status", Fields: map[string]string{"status": "unknown status " + strconv.Quote(v)}})
			return
		}
		query = append(query, workflows.AttrStatus.GetName()+" = '"+v+"'")
	}
	if v := q.Get("procedure_code"); v != "" {
		if _, ok := s.Catalog.Lookup(v); !ok {
			s.fail(w, r, &motcua.Error{Code: motcua.CodeUnknownProcedure, Message: "unknown procedure", Fields: map[string]string{"procedure_code": "unknown"}})
			return
		}
		query = append(query, workflows.AttrProcedure.GetName()+" = '"+v+"'")
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
	token, err := base64.RawURLEncoding.DecodeString(q.Get("page_token"))
	if err != nil {
		s.fail(w, r, &motcua.Error{Code: motcua.CodeInvalidRequest, Message: "bad page token", Fields: map[string]string{"page_token": "not a token this API gave"}})
		return
	}
	resp, err := s.Temporal.ListWorkflow(r.Context(), &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: s.Namespace, PageSize: int32(pageSize), NextPageToken: token,
		Query: strings.Join(query, " AND "),
	})
	if err != nil {
		var inv *serviceerror.InvalidArgument
		if errors.As(err, &inv) && len(token) > 0 {
			s.fail(w, r, &motcua.Error{Code: motcua.CodeInvalidRequest, Message: "bad page token", Fields: map[string]string{"page_token": "not a token this API gave"}})
			return
		}
		s.fail(w, r, err)
		return
	}
	out := struct {
		Dossiers      []listed `json:"dossiers"`
		NextPageToken string   `json:"next_page_token"`
	}{Dossiers: []listed{}, NextPageToken: base64.RawURLEncoding.EncodeToString(resp.NextPageToken)}
	dc := converter.GetDefaultDataConverter()
	for _, e := range resp.Executions {
		row := listed{DossierID: e.Execution.GetWorkflowId()}
		fields := e.GetSearchAttributes().GetIndexedFields()
		var status string
		_ = dc.FromPayload(fields[workflows.AttrStatus.GetName()], &status)
		row.Status = motcua.Status(status)
		_ = dc.FromPayload(fields[workflows.AttrProcedure.GetName()], &row.ProcedureCode)
		var rec, due time.Time
		if dc.FromPayload(fields[workflows.AttrReceivedAt.GetName()], &rec) == nil && !rec.IsZero() {
			row.ReceivedAt = &rec
		}
		if dc.FromPayload(fields[workflows.AttrDueAt.GetName()], &due) == nil && !due.IsZero() {
			row.DueAt = &due
		}
		out.Dossiers = append(out.Dossiers, row)
	}
	writeJSON(w, http.StatusOK, out)
}
