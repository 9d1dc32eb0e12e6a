package api

import (
	"net/http"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/wire"
	"github.com/motcua/motcua/workflows"
)

// The steps some procedures have and every one ends with: the payment
// gateway's confirmation, another agency's answer, the hand-back.

// payment records the payment gateway's confirmation of the fee.
func (s *Server) payment(w http.ResponseWriter, r *http.Request) {
	var p motcua.Payment
	if s.body(w, r, &p, smallBody) {
		decide(s, w, r, workflows.Pay, p)
	}
}

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

// handBack records that the citizen received the result.
func (s *Server) handBack(w http.ResponseWriter, r *http.Request) {
	var h motcua.HandBack
	if s.body(w, r, &h, smallBody) {
		decide(s, w, r, workflows.HandBack, h)
	}
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

// retryArchive has the archive try a signed result it refused again, once
// the operator has fixed what was in the way.
func (s *Server) retryArchive(w http.ResponseWriter, r *http.Request) {
	var rt motcua.ArchiveRetry
	if s.body(w, r, &rt, smallBody) {
		decide(s, w, r, workflows.RetryArchive, rt)
	}
}
