package api

import (
	"bytes"
	"net/http"

	historypb "go.temporal.io/api/history/v1"

	"github.com/motcua/motcua/audit"
)

// dossierHistory reads the history of the dossier the request names; on
// failure it has answered and returns nil.
func (s *Server) dossierHistory(w http.ResponseWriter, r *http.Request) (string, *historypb.History) {
	st, err := s.dossiers().State(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return "", nil
	}
	h, err := audit.History(r.Context(), s.Temporal, st.DossierID)
	if err != nil {
		s.fail(w, r, err)
		return "", nil
	}
	return st.DossierID, h
}

// history serves the audit events of a dossier, oldest first.
func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	if _, h := s.dossierHistory(w, r); h != nil {
		writeJSON(w, http.StatusOK, map[string]any{"events": audit.Events(s.DataConverter, h)})
	}
}

// bundle serves the dossier's offline audit bundle (see audit.WriteBundle).
func (s *Server) bundle(w http.ResponseWriter, r *http.Request) {
	id, h := s.dossierHistory(w, r)
	if h == nil {
		return
	}
	var b bytes.Buffer
	if err := audit.WriteBundle(&b, id, s.DataConverter, h, s.Store, s.AuditKey); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="audit-`+id+`.zip"`)
	w.Write(b.Bytes())
}
