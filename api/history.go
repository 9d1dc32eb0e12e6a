package api

import (
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
