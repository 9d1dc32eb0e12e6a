package api

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/workflows"
)

// registers are the catalog's registers: those its procedures name.
func (s *Server) registers() []motcua.Register {
	var out []motcua.Register
	seen := map[string]bool{}
	for _, p := range s.Catalog {
		if p.Register != "" && !seen[p.Register] {
			seen[p.Register] = true
			out = append(out, motcua.Register{Code: p.Register, Name: p.RegisterName})
		}
	}
	return out
}

func (s *Server) book() workflows.Registers {
	return workflows.Registers{Temporal: s.Temporal, Unit: s.Unit}
}

// listRegisters answers GET /v1/registers: the registers results are
// numbered in.
func (s *Server) listRegisters(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"registers": s.registers()})
}

// knownRegister returns the register the path names, or fails.
func (s *Server) knownRegister(w http.ResponseWriter, r *http.Request) (motcua.Register, bool) {
	code := r.PathValue("code")
	for _, reg := range s.registers() {
		if reg.Code == code {
			return reg, true
		}
	}
	s.fail(w, r, motcua.Errorf(motcua.CodeNotFound, "no register %q", code))
	return motcua.Register{}, false
}

// register answers GET /v1/registers/{code}?year=YYYY[&format=csv]: the
// year's numbers, in order, void ones with their reason; the year defaults
// to this one (Vietnam time).
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	reg, ok := s.knownRegister(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	year := time.Now().In(motcua.Vietnam).Year()
	if v := q.Get("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 2000 || y > 9999 {
			s.fail(w, r, &motcua.Error{Code: motcua.CodeInvalidRequest, Message: "the year is not valid", Fields: map[string]string{"year": "must be a year, YYYY"}})
			return
		}
		year = y
	}
	format := q.Get("format")
	if format != "" && format != "json" && format != "csv" {
		s.fail(w, r, &motcua.Error{Code: motcua.CodeInvalidRequest, Message: "the format is not valid", Fields: map[string]string{"format": "json or csv"}})
		return
	}
	entries, err := s.book().Entries(r.Context(), reg.Code, year)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", "attachment; filename=\"so-"+reg.Code+"-"+strconv.Itoa(year)+".csv\"")
		out := csv.NewWriter(w)
		_ = out.Write([]string{"so", "nam", "so_dang_ky", "ma_ho_so", "thu_tuc", "phat_hanh_boi", "phat_hanh_luc", "huy", "ly_do_huy", "huy_boi", "huy_luc"})
		for _, e := range entries {
			voidedAt := ""
			if e.VoidedAt != nil {
				voidedAt = e.VoidedAt.Format(time.RFC3339)
			}
			_ = out.Write([]string{reg.Code, strconv.Itoa(e.Year), strconv.Itoa(e.Number), e.DossierID, e.ProcedureCode, e.IssuedBy,
				e.IssuedAt.Format(time.RFC3339), strconv.FormatBool(e.Void), e.VoidReason, e.VoidedBy, voidedAt})
		}
		out.Flush()
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"register": reg, "year": year, "entries": entries})
}

// voidNumber answers POST /v1/registers/{code}/void: the number stays in
// the register, void, with its reason.
func (s *Server) voidNumber(w http.ResponseWriter, r *http.Request) {
	reg, ok := s.knownRegister(w, r)
	if !ok {
		return
	}
	var v motcua.VoidEntry
	if !s.body(w, r, &v, smallBody) {
		return
	}
	e, err := s.book().Void(r.Context(), reg.Code, v, currentUser(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.Log.Info().Str("register", reg.Code).Int("year", e.Year).Int("number", e.Number).Str("dossier_id", e.DossierID).
		Str("by", currentUser(r).ID).Msg("register number voided")
	writeJSON(w, http.StatusOK, e)
}
