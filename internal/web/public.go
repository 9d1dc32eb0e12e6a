package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/office"
)

// The public pages need no sign-in: "Tra cứu hồ sơ" (a dossier's progress
// by its code and the last four digits of the applicant's phone or
// identity number; the receipt's QR code opens it with the code filled
// in) and "Kiểm tra văn bản" (a paper's signatures, its office, its
// register number and how it stands against the archive; the result's QR
// code opens the archive's copy). Both pass the API's public gate.

// gate answers 429 to a visitor who must wait; it reports whether the
// page may go on.
func (s *Server) gate(w http.ResponseWriter, r *http.Request, page string, v view) bool {
	if s.Public == nil {
		return true
	}
	if d := s.Public.Wait(r); d > 0 {
		v.Error = t(langOf(r), "public_wait")
		w.Header().Set("Retry-After", strconv.Itoa(int(d.Seconds())+1))
		s.render(w, r, nil, http.StatusTooManyRequests, page, v)
		return false
	}
	return true
}

// missed counts a lookup that found nothing against its visitor.
func (s *Server) missed(r *http.Request) {
	if s.Public != nil {
		s.Public.Missed(r)
	}
}

// lookupPage serves GET /tra-cuu (the form; ?ma= fills in the code) and
// POST /tra-cuu (the lookup: the digits are posted, not put in the
// address, so they stay out of histories and logs).
func (s *Server) lookupPage(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	v := view{Title: t(lang, "lookup_title"), Values: map[string]string{"code": strings.TrimSpace(r.URL.Query().Get("ma"))}}
	if r.Method != http.MethodPost {
		s.render(w, r, nil, http.StatusOK, "lookup", v)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	code, last4 := strings.TrimSpace(r.PostFormValue("code")), strings.TrimSpace(r.PostFormValue("last4"))
	v.Values["code"] = code
	v.Fields = map[string]string{}
	if code == "" {
		v.Fields["code"] = t(lang, "lookup_code_needed")
	}
	if !motcua.ValidLast4(last4) {
		v.Fields["last4"] = t(lang, "lookup_last4_needed")
	}
	if len(v.Fields) > 0 {
		s.render(w, r, nil, http.StatusBadRequest, "lookup", v)
		return
	}
	if !s.gate(w, r, "lookup", v) {
		return
	}
	found, err := s.Office.Lookup(r.Context(), code, last4)
	switch {
	case motcua.ErrorCode(err) == motcua.CodeNotFound:
		s.missed(r)
		v.Error = t(lang, "lookup_not_found")
		s.render(w, r, nil, http.StatusNotFound, "lookup", v)
	case err != nil:
		s.Log.Warn().Err(err).Msg("public lookup")
		v.Error = t(lang, "public_unavailable")
		s.render(w, r, nil, http.StatusServiceUnavailable, "lookup", v)
	default:
		v.Public = &found
		s.render(w, r, nil, http.StatusOK, "lookup", v)
	}
}

// checkPage serves GET /kiem-tra (the upload form; ?ma=&k= from a
// result's QR code checks the archive's copy) and POST /kiem-tra (a file
// uploaded).
func (s *Server) checkPage(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	v := view{Title: t(lang, "check_title")}
	q := r.URL.Query()
	var (
		check motcua.PublicCheck
		err   error
	)
	switch {
	case r.Method == http.MethodPost:
		r.Body = http.MaxBytesReader(w, r.Body, office.MaxCheckedFile+64<<10)
		file, _, ferr := r.FormFile("file")
		if ferr != nil {
			v.Error = t(lang, "check_no_file")
			var tooLarge *http.MaxBytesError
			if errors.As(ferr, &tooLarge) {
				v.Error = t(lang, "check_too_large")
			}
			s.render(w, r, nil, http.StatusBadRequest, "check", v)
			return
		}
		defer file.Close()
		b, rerr := io.ReadAll(file)
		if rerr != nil {
			v.Error = t(lang, "check_no_file")
			s.render(w, r, nil, http.StatusBadRequest, "check", v)
			return
		}
		if !s.gate(w, r, "check", v) {
			return
		}
		check, err = s.Office.Check(r.Context(), b)
	case q.Get("ma") != "":
		if !s.gate(w, r, "check", v) {
			return
		}
		check, err = s.Office.CheckIssued(r.Context(), q.Get("ma"), q.Get("k"))
		if motcua.ErrorCode(err) == motcua.CodeNotFound {
			s.missed(r)
		}
	default:
		s.render(w, r, nil, http.StatusOK, "check", v)
		return
	}
	switch code := motcua.ErrorCode(err); {
	case code == motcua.CodeNotFound:
		v.Error = t(lang, "check_not_found")
		s.render(w, r, nil, http.StatusNotFound, "check", v)
	case code == motcua.CodeInvalidRequest:
		v.Error = t(lang, "check_not_pdf")
		s.render(w, r, nil, http.StatusBadRequest, "check", v)
	case err != nil:
		s.Log.Warn().Err(err).Msg("public check")
		v.Error = t(lang, "public_unavailable")
		s.render(w, r, nil, http.StatusServiceUnavailable, "check", v)
	default:
		v.Check = &check
		s.render(w, r, nil, http.StatusOK, "check", v)
	}
}
