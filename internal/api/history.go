package api

import (
	"net/http"

	"github.com/motcua/motcua/internal/audit"
)

// history serves the audit events of a dossier, oldest first.
func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	h, err := s.office().History(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": audit.Events(s.DataConverter, h)})
}

// bundle serves the dossier's offline audit bundle (see audit.WriteBundle).
func (s *Server) bundle(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	b, err := s.office().Bundle(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="audit-`+id+`.zip"`)
	w.Write(b)
}
