package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/report"
)

// FactReader reads the read model of dossier facts.
type FactReader interface {
	// Received returns the facts of the dossiers received in [from, to),
	// of one procedure when procedure is not empty.
	Received(ctx context.Context, from, to time.Time, procedure string) ([]motcua.Facts, error)
}

// maxReportDays bounds a report's period.
const maxReportDays = 5 * 366

// kpi answers the commune's figures over the dossiers received from..to
// (days in Vietnam, inclusive), as JSON or, with Accept: text/csv, CSV.
func (s *Server) kpi(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	bad := map[string]string{}
	day := func(name string) time.Time {
		v := q.Get(name)
		t, err := time.ParseInLocation(time.DateOnly, v, motcua.Vietnam)
		switch {
		case v == "":
			bad[name] = "required, YYYY-MM-DD"
		case err != nil:
			bad[name] = "must be a date, YYYY-MM-DD"
		}
		return t
	}
	from, to := day("from"), day("to")
	procedure := q.Get("procedure")
	if procedure != "" {
		if _, ok := s.Catalog.Lookup(procedure); !ok {
			if _, ok := motcua.FirstCatalog.Lookup(procedure); !ok {
				bad["procedure"] = "unknown procedure"
			}
		}
	}
	switch {
	case len(bad) > 0:
	case to.Before(from):
		bad["to"] = "must not be before from"
	case to.Sub(from) > maxReportDays*24*time.Hour:
		bad["to"] = "a report covers at most 5 years"
	}
	if len(bad) > 0 {
		s.fail(w, r, &motcua.Error{Code: motcua.CodeInvalidRequest, Message: "the report's period is not valid", Fields: bad})
		return
	}
	if s.Facts == nil {
		s.fail(w, r, motcua.Errorf(motcua.CodeUnavailable, "no read model is configured"))
		return
	}
	facts, err := s.Facts.Received(r.Context(), from, to.AddDate(0, 0, 1), procedure)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rep := report.Compute(facts, q.Get("from"), q.Get("to"), procedure, time.Now(), s.Calendar)
	if strings.Contains(r.Header.Get("Accept"), "text/csv") {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="kpi-`+rep.From+`-`+rep.To+`.csv"`)
		if err := rep.WriteCSV(w); err != nil {
			s.Log.Error().Err(err).Msg("write the KPI CSV")
		}
		return
	}
	writeJSON(w, http.StatusOK, rep)
}
