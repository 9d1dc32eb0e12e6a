package api

import (
	"net/http"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/api/wire"
)

// The steps some procedures have and every one ends with: the payment
// gateway's confirmation, another agency's answer, the hand-back.

// payment records the payment gateway's confirmation of the fee.
func (s *Server) payment(w http.ResponseWriter, r *http.Request) {
	var p motcua.Payment
	if !s.body(w, r, &p, smallBody) {
		return
	}
	if err := motcua.ValidatePayment(p, 0); err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.dossiers().Pay(r.Context(), r.PathValue("id"), currentUser(r), p)
	s.decided(w, r, "payment", st, err)
}

// consultation records the other agency's answer, with its letter stored
// in the archive like any document.
func (s *Server) consultation(w http.ResponseWriter, r *http.Request) {
	var body wire.ConsultationAnswer
	if !s.body(w, r, &body, MaxBodyBytes) { // it carries the agency's letter
		return
	}
	ans := motcua.ConsultationAnswer{Outcome: body.Outcome, Comment: body.Comment}
	if err := motcua.ValidateConsultationAnswer(ans); err != nil {
		s.fail(w, r, err)
		return
	}
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
		refs, err := s.storeDocuments([]motcua.Document{d})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		ans.Document = &refs[0]
	}
	st, err := s.dossiers().Consulted(r.Context(), r.PathValue("id"), currentUser(r), ans)
	s.decided(w, r, "consultation", st, err)
}

// handBack records that the citizen received the result.
func (s *Server) handBack(w http.ResponseWriter, r *http.Request) {
	var h motcua.HandBack
	if !s.body(w, r, &h, smallBody) {
		return
	}
	if err := motcua.ValidateHandBack(h); err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.dossiers().HandBack(r.Context(), r.PathValue("id"), currentUser(r), h)
	s.decided(w, r, "hand_back", st, err)
}

// signApology is the leader's signature of a late dossier's apology letter.
func (s *Server) signApology(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Decision string `json:"decision"`
	}
	if !s.body(w, r, &body, smallBody) {
		return
	}
	if body.Decision != motcua.DecisionSign {
		s.fail(w, r, &motcua.Error{Code: motcua.CodeInvalidRequest, Message: "the apology letter is signed with decision sign",
			Fields: map[string]string{"decision": "must be sign"}})
		return
	}
	d := motcua.SignDecision{Decision: body.Decision}
	st, err := s.dossiers().SignApology(r.Context(), r.PathValue("id"), currentUser(r), d)
	s.decided(w, r, "sign_apology", st, err)
}

// apology serves the signed apology letter; before it is signed, the draft
// to those who may read drafts.
func (s *Server) apology(w http.ResponseWriter, r *http.Request) {
	drafts := currentUser(r).Role.May(motcua.ActReadDraft)
	s.servePDF(w, r, func(st motcua.State) (string, string) {
		switch ap := st.Apology; {
		case ap == nil:
		case ap.Letter != nil:
			return ap.Letter.SHA256, "phieu-xin-loi-" + st.DossierID + ".pdf"
		case ap.Draft != nil && drafts:
			return ap.Draft.SHA256, "du-thao-phieu-xin-loi-" + st.DossierID + ".pdf"
		}
		return "", ""
	})
}
