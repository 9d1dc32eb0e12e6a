package api

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/archive"
)

// citizenSearch is the body of a look-up of a citizen's papers. The ID
// number travels in the body, never in a URL: paths and queries are
// written to request logs, proxies' logs and browsers' histories.
type citizenSearch struct {
	IDNumber string `json:"id_number"`
	Reason   string `json:"reason"`
}

// citizenDocuments lists the papers a citizen handed in with earlier
// dossiers and the results signed for them, so the clerk can take them by
// reference (archive_ref) instead of asking again. The look-up needs a
// reason; who asked, when and why is logged for auditors, with the
// citizen as the keyed hash of the ID number, never the number.
func (s *Server) citizenDocuments(w http.ResponseWriter, r *http.Request) {
	var q citizenSearch
	if e := decode(w, r, &q, smallBody); e != nil {
		s.fail(w, r, e)
		return
	}
	id, reason := q.IDNumber, strings.TrimSpace(q.Reason)
	bad := map[string]string{}
	if !motcua.ValidIDNumber(id) {
		bad["id_number"] = "must be 12 digits"
	}
	if n := utf8.RuneCountInString(reason); n < 5 || n > 200 {
		bad["reason"] = "required: why the citizen's papers are looked up (5 to 200 characters)"
	}
	if len(bad) > 0 {
		s.fail(w, r, &motcua.Error{Code: motcua.CodeInvalidRequest, Message: "the request has invalid fields", Fields: bad})
		return
	}
	docs, err := s.Store.CitizenDocuments(id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	user := currentUser(r)
	if err := s.Store.LogAccess(archive.Access{At: time.Now().UTC(), User: user.ID, Role: string(user.Role),
		Citizen: s.Store.CitizenKey(id), Reason: reason, Found: len(docs)}); err != nil {
		s.fail(w, r, err) // no look-up goes unrecorded
		return
	}
	if docs == nil {
		docs = []archive.CitizenDocument{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"documents": docs})
}

// citizenDocumentsMoved answers the old look-up, which carried the ID
// number in its path, with where it went. (The request log does not
// write the number: see redactNumbers.)
func (s *Server) citizenDocumentsMoved(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, http.StatusGone, motcua.Errorf(motcua.CodeInvalidRequest,
		"this look-up has moved: POST /v1/citizens/documents:search with {\"id_number\", \"reason\"} in the body (an ID number never goes in a URL, which logs and proxies keep)"))
}

// accessLog is every look-up of a citizen's papers, for auditors.
func (s *Server) accessLog(w http.ResponseWriter, r *http.Request) {
	log, err := s.Store.AccessLog()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if log == nil {
		log = []archive.Access{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"accesses": log})
}
