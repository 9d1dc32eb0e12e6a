package api

import (
	"bytes"
	"net/http"

	"github.com/motcua/motcua/audit"
)

func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	st, err := s.state(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h, err := audit.History(r.Context(), s.Temporal, st.DossierID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": audit.Events(s.DataConverter, h)})
}

// bundle serves the dossier's offline audit bundle (see audit.WriteBundle).
func (s *Server) bundle(w http.ResponseWriter, r *http.Request) {
	st, err := s.state(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h, err := audit.History(r.Context(), s.Temporal, st.DossierID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var b bytes.Buffer
	if err := audit.WriteBundle(&b, st.DossierID, s.DataConverter, h, s.Store, s.AuditKey); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="audit-`+st.DossierID+`.zip"`)
	w.Write(b.Bytes())
}
