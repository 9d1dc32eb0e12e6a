package web

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/office"
	"github.com/motcua/motcua/signer"
	"github.com/motcua/motcua/workflows"
)

// Signing through a remote-signing service (signer.RemoteSigner): the
// server prepares a signing request per dossier with the leader's
// certificate at the service, sends only the digests in one transaction,
// shows its code so the leader can match it on their phone, and completes
// every dossier once the leader approves. A refused or expired transaction
// signs nothing.

// remoteTx is a transaction this server started, until it ends.
type remoteTx struct {
	mu       sync.Mutex
	user     string
	tx       signer.Transaction
	items    []remoteItem
	finished bool
	status   string
	results  []batchResult
}

type remoteItem struct {
	dossierID, requestID string
}

type remoteTxs struct {
	mu   sync.Mutex
	byID map[string]*remoteTx
}

func (rt *remoteTxs) put(t *remoteTx) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.byID == nil {
		rt.byID = map[string]*remoteTx{}
	}
	for id, old := range rt.byID { // forget the ones long over
		if time.Since(old.tx.ExpiresAt) > time.Hour {
			delete(rt.byID, id)
		}
	}
	rt.byID[t.tx.ID] = t
}

func (rt *remoteTxs) get(id string) *remoteTx {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.byID[id]
}

// remoteSign starts a transaction for the dossiers the page posts.
func (s *Server) remoteSign(w http.ResponseWriter, r *http.Request, sess *session) {
	ids := r.PostForm["id"]
	cert, chain, err := s.RemoteSigner.Certificate(r.Context(), sess.user.ID)
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	t := &remoteTx{user: sess.user.ID}
	var digests [][]byte
	for _, id := range ids {
		req, err := s.Office.RequestSignature(r.Context(), id, sess.user, cert, chain)
		if err != nil {
			t.results = append(t.results, batchResult{DossierID: id, Message: s.Office.ErrorOf(r.Context(), id, err).Message})
			continue
		}
		d, _ := decodeBase64(req.DigestBase64)
		digests = append(digests, d)
		t.items = append(t.items, remoteItem{dossierID: id, requestID: req.ID})
	}
	if len(digests) == 0 {
		s.render(w, r, sess, http.StatusOK, "batch", view{Title: fmt.Sprintf(say(sess, "sign_all_done"), len(ids)), Results: t.results})
		return
	}
	if t.tx, err = s.RemoteSigner.Begin(r.Context(), sess.user.ID, fmt.Sprintf("%s: %d hồ sơ", s.Unit.Name, len(digests)), digests); err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	s.remote.put(t)
	s.Log.Info().Str("user", sess.user.ID).Str("transaction", t.tx.ID).Int("dossiers", len(digests)).Msg("remote signing transaction started")
	http.Redirect(w, r, "/remote-sign/"+url.PathEscape(t.tx.ID), http.StatusSeeOther)
}

// remoteStatus shows a transaction: its code while it waits (the page
// refreshes itself), then a result per dossier.
func (s *Server) remoteStatus(w http.ResponseWriter, r *http.Request, sess *session) {
	t := s.remote.get(r.PathValue("tx"))
	if t == nil || t.user != sess.user.ID {
		s.render(w, r, sess, http.StatusNotFound, "error", view{Title: say(sess, "not_found")})
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.finished {
		st, err := s.RemoteSigner.Status(r.Context(), t.tx.ID)
		if err != nil {
			s.failPage(w, r, sess, err)
			return
		}
		switch st.Status {
		case signer.TransactionPending:
			s.render(w, r, sess, http.StatusOK, "remote-wait", view{Title: say(sess, "remote_wait"), Values: map[string]string{"code": t.tx.Code},
				Next: t.tx.ExpiresAt.In(motcua.Vietnam).Format("15:04:05"), Refresh: 2})
			return
		case signer.TransactionApproved:
			if len(st.Signatures) != len(t.items) {
				s.failPage(w, r, sess, fmt.Errorf("the service returned %d signatures for %d dossiers", len(st.Signatures), len(t.items)))
				return
			}
			for i, it := range t.items {
				_, err := office.Decide(r.Context(), s.Office, workflows.Sign, it.dossierID, sess.user, motcua.SignDecision{
					Decision: motcua.DecisionSign, SigningRequestID: it.requestID, Signature: st.Signatures[i]})
				res := batchResult{DossierID: it.dossierID, OK: err == nil, Message: say(sess, "done_sign")}
				if err != nil {
					res.Message = s.Office.ErrorOf(r.Context(), it.dossierID, err).Message
				}
				t.results = append(t.results, res)
			}
		default: // refused or expired: nothing is signed
			for _, it := range t.items {
				t.results = append(t.results, batchResult{DossierID: it.dossierID, Message: say(sess, "remote_"+st.Status)})
			}
		}
		t.finished, t.status = true, st.Status
	}
	s.render(w, r, sess, http.StatusOK, "batch", view{Title: say(sess, "remote_"+t.status), Results: t.results})
}

// say is the text of key in the session's language.
func say(sess *session, key string) string { return t(sess.lang, key) }
