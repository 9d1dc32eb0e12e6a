package api

import (
	"net/http"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/wire"
	"github.com/motcua/motcua/workflows"
)

// The steps some procedures have and every one ends with: the payment
// gateway's confirmation, another agency's answer, the hand-back.

// consultation records the other agency's answer, with its letter stored
// in the archive like any document.
func (s *Server) consultation(w http.ResponseWriter, r *http.Request) {
	var body wire.ConsultationAnswer
	if !s.body(w, r, &body, MaxBodyBytes) { // it carries the agency's letter
		return
	}
	ans := motcua.ConsultationAnswer{Outcome: body.Outcome, Comment: body.Comment}
	if body.Document != nil {
		docs, bad := wire.DecodeDocuments([]wire.Document{*body.Document})
		d := docs[0]
		switch {
		case len(bad) > 0 || d.Ref != "":
			bad = map[string]string{"document.content_base64": "required, base64"}
		case len(d.Content) == 0:
			bad["document.content_base64"] = "required, base64"
		case !motcua.Accepted(d.ContentType):
			bad["document.content_type"] = "must be one of application/pdf, image/jpeg, image/png"
		}
		if d.Code == "" {
			d.Code = "VAN_BAN_PHOI_HOP"
		}
		if d.Name == "" {
			d.Name = "Văn bản trả lời của cơ quan phối hợp"
		}
		if len(bad) > 0 {
			s.fail(w, r, &motcua.Error{Code: motcua.CodeInvalidRequest, Message: "the answer's document cannot be read", Fields: bad})
			return
		}
		ref, err := s.office().StoreDocument(d)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		ans.Document = &ref
	}
	decide(s, w, r, workflows.Consult, ans)
}

// signApology is the leader's signature of a late dossier's apology letter.
func (s *Server) signApology(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Decision string `json:"decision"`
	}
	if !s.body(w, r, &body, smallBody) {
		return
	}
	decide(s, w, r, workflows.SignApology, motcua.SignDecision{Decision: body.Decision})
}
