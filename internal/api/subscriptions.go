package api

import (
	"net/http"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/workflows"
)

// The webhooks back-office systems hear changes on (see motcua.Webhook
// and workflows.WebhooksWorkflow), managed by the system role.

func (s *Server) webhooks() *workflows.Webhooks { return &workflows.Webhooks{Temporal: s.Temporal} }

// subscribe answers POST /v1/subscriptions {"url","secret"}: 201 with the
// subscription (the secret is not shown again).
func (s *Server) subscribe(w http.ResponseWriter, r *http.Request) {
	var in motcua.SubscriptionInput
	if !s.body(w, r, &in, 64<<10) {
		return
	}
	sub, err := s.webhooks().Subscribe(r.Context(), in, currentUser(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.Log.Info().Str("subscription", sub.ID).Str("by", sub.CreatedBy).Msg("webhook subscribed")
	writeJSON(w, http.StatusCreated, sub)
}

// subscriptions answers GET /v1/subscriptions.
func (s *Server) subscriptions(w http.ResponseWriter, r *http.Request) {
	subs, err := s.webhooks().Subscriptions(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"subscriptions": subs})
}

// unsubscribe answers DELETE /v1/subscriptions/{sub}: 204.
func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("sub")
	if err := s.webhooks().Unsubscribe(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.Log.Info().Str("subscription", id).Str("by", currentUser(r).ID).Msg("webhook unsubscribed")
	w.WriteHeader(http.StatusNoContent)
}
