package web

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/office"
	"github.com/motcua/motcua/workflows"
)

// Signing through a remote-signing service (signer.RemoteSigner): the
// server prepares a signing request per dossier with the leader's
// certificate at the service, sends only the digests in one transaction,
// and hands each dossier the leader's decision to sign with the signature
// the transaction will bring. From then on the dossiers wait for the
// leader's phone themselves, in Temporal: this page only shows the code
// to match and, refreshing, where each dossier stands, read from the
// dossiers, so any API process answers it, and a restarted one still
// does. A refused or expired transaction signs nothing.

// maxRemoteBatch is the most dossiers one transaction signs.
const maxRemoteBatch = 200

// remoteSign starts a transaction for the dossiers the page posts.
func (s *Server) remoteSign(w http.ResponseWriter, r *http.Request, sess *session) {
	ids := r.PostForm["id"]
	if len(ids) > maxRemoteBatch {
		ids = ids[:maxRemoteBatch]
	}
	cert, chain, err := s.RemoteSigner.Certificate(r.Context(), sess.user.ID)
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	var failed []batchResult
	var digests [][]byte
	var requests []motcua.SigningRequest
	for _, id := range ids {
		req, err := s.Office.RequestSignature(r.Context(), id, sess.user, cert, chain)
		if err != nil {
			failed = append(failed, batchResult{DossierID: id, Message: s.Office.ErrorOf(r.Context(), id, err).Message})
			continue
		}
		d, _ := decodeBase64(req.DigestBase64)
		digests = append(digests, d)
		requests = append(requests, req)
	}
	if len(digests) == 0 {
		s.render(w, r, sess, http.StatusOK, "batch", view{Title: fmt.Sprintf(say(sess, "sign_all_done"), len(ids)), Results: failed})
		return
	}
	tx, err := s.RemoteSigner.Begin(r.Context(), sess.user.ID, fmt.Sprintf("%s: %d hồ sơ", s.Unit.Name, len(digests)), digests)
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	q := url.Values{}
	for _, req := range requests {
		err := office.Hand(r.Context(), s.Office, workflows.Sign, req.DossierID, sess.user, motcua.SignDecision{
			Decision: motcua.DecisionSign, SigningRequestID: req.ID,
			Transaction: &motcua.RemoteTransaction{ID: tx.ID, Code: tx.Code, ExpiresAt: tx.ExpiresAt},
		})
		if err != nil {
			failed = append(failed, batchResult{DossierID: req.DossierID, Message: s.Office.ErrorOf(r.Context(), req.DossierID, err).Message})
			continue
		}
		q.Add("id", req.DossierID)
	}
	s.Log.Info().Str("user", sess.user.ID).Str("transaction", tx.ID).Int("dossiers", len(q["id"])).Msg("remote signing transaction started")
	if len(q["id"]) == 0 {
		s.render(w, r, sess, http.StatusOK, "batch", view{Title: fmt.Sprintf(say(sess, "sign_all_done"), len(ids)), Results: failed})
		return
	}
	http.Redirect(w, r, "/remote-sign/"+url.PathEscape(tx.ID)+"?"+q.Encode(), http.StatusSeeOther)
}

// remoteStatus shows a transaction: its code while any of its dossiers
// waits (the page refreshes itself), then a result per dossier. It shows
// only the signed-in leader's own transactions.
func (s *Server) remoteStatus(w http.ResponseWriter, r *http.Request, sess *session) {
	txID, ids := r.PathValue("tx"), r.URL.Query()["id"]
	if len(ids) > maxRemoteBatch {
		ids = ids[:maxRemoteBatch]
	}
	var waiting *motcua.RemoteTransaction
	var results []batchResult
	outcome := motcua.TransactionApproved
	for _, id := range ids {
		st, err := s.Office.Dossiers.State(r.Context(), id)
		if err != nil {
			continue // not one of this transaction's, as far as this page can tell
		}
		var tx *motcua.RemoteTransaction
		if req := st.SigningRequest; req != nil && req.Actor == sess.user.ID && req.Transaction != nil && req.Transaction.ID == txID {
			tx = req.Transaction
		}
		signed := st.Result != nil && st.Result.SignedBy == sess.user.ID && st.Result.Transaction == txID
		switch {
		case tx != nil && tx.Outcome == "":
			waiting = tx
		case tx != nil:
			outcome = tx.Outcome
			results = append(results, batchResult{DossierID: id, Message: say(sess, "remote_"+tx.Outcome)})
		case signed:
			results = append(results, batchResult{DossierID: id, OK: true, Message: say(sess, "done_sign")})
		}
	}
	switch {
	case waiting != nil:
		s.render(w, r, sess, http.StatusOK, "remote-wait", view{Title: say(sess, "remote_wait"), Values: map[string]string{"code": waiting.Code},
			Next: waiting.ExpiresAt.In(motcua.Vietnam).Format("15:04:05"), Refresh: 2})
	case len(results) == 0:
		s.render(w, r, sess, http.StatusNotFound, "error", view{Title: say(sess, "not_found")})
	default:
		s.render(w, r, sess, http.StatusOK, "batch", view{Title: say(sess, "remote_"+outcome), Results: results})
	}
}

// say is the text of key in the session's language.
func say(sess *session, key string) string { return t(sess.lang, key) }
