// Package paygate is a payment gateway simulator: the citizen pays a
// dossier's fee on its page (or a client posts the payment), the gateway
// keeps the transaction, then confirms it to motcua's API (POST
// /v1/dossiers/{id}/payment, as the system role) and retries until motcua
// has it. A transaction id is the gateway's own: a repeated confirmation is
// the same payment.
package paygate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/apiclient"
	"github.com/motcua/motcua/internal/jsonl"
)

// Transaction is one payment the gateway took.
type Transaction struct {
	ID        string    `json:"transaction_id"`
	DossierID string    `json:"dossier_id"`
	AmountVND int64     `json:"amount_vnd"`
	Method    string    `json:"method"`
	PaidAt    time.Time `json:"paid_at"`
	// Confirmed is when motcua took the confirmation (zero until then).
	Confirmed time.Time `json:"confirmed,omitempty"`
	Answer    string    `json:"answer,omitempty"`
}

// Gateway is the simulator. API is motcua's API as the system role.
type Gateway struct {
	API *apiclient.Client
	// Dir keeps the transactions (transactions.jsonl); empty keeps them in
	// memory only.
	Dir string
	Log zerolog.Logger
	// Retry is the pause between confirmations motcua could not take.
	Retry time.Duration

	mu  sync.Mutex
	txs []Transaction
}

// Pay takes a payment of a dossier's fee and confirms it to motcua, in the
// background until it is taken; it returns the transaction at once.
func (g *Gateway) Pay(ctx context.Context, dossierID string, amount int64, method string) (Transaction, error) {
	if !motcua.ValidDossierID(dossierID) || amount <= 0 || (method != motcua.PaymentOnline && method != motcua.PaymentCounter) {
		return Transaction{}, errors.New("a payment needs a dossier id, a positive amount and a method (online or counter)")
	}
	b := make([]byte, 8)
	rand.Read(b)
	tx := Transaction{ID: "GW-" + hex.EncodeToString(b), DossierID: dossierID, AmountVND: amount, Method: method, PaidAt: time.Now().UTC()}
	if err := g.keep(tx); err != nil {
		return tx, err
	}
	go g.confirm(context.WithoutCancel(ctx), tx)
	return tx, nil
}

// confirm tells motcua of tx until it answers: taken (200), or refused
// for good (a 4xx other than 429: a wrong amount, a dossier not awaiting
// payment). Each answer is recorded.
func (g *Gateway) confirm(ctx context.Context, tx Transaction) {
	pause := g.Retry
	if pause == 0 {
		pause = 5 * time.Second
	}
	body := motcua.Payment{TransactionID: tx.ID, AmountVND: tx.AmountVND, Method: tx.Method, PaidAt: tx.PaidAt}
	for {
		resp, err := g.API.Raw(ctx, http.MethodPost, "/v1/dossiers/"+tx.DossierID+"/payment", body)
		switch {
		case err == nil && resp.Status == http.StatusOK:
			tx.Confirmed, tx.Answer = time.Now().UTC(), "taken"
		case err == nil && resp.Status >= 400 && resp.Status < 500 && resp.Status != http.StatusTooManyRequests:
			tx.Confirmed, tx.Answer = time.Now().UTC(), "refused: "+string(resp.Body)
		default:
			g.Log.Warn().Err(err).Str("dossier_id", tx.DossierID).Str("transaction_id", tx.ID).Msg("motcua did not take the payment yet; trying again")
			select {
			case <-ctx.Done():
				return
			case <-time.After(pause):
			}
			continue
		}
		if err := g.keep(tx); err != nil {
			g.Log.Error().Err(err).Str("transaction_id", tx.ID).Msg("keep the transaction")
		}
		g.Log.Info().Str("dossier_id", tx.DossierID).Str("transaction_id", tx.ID).Str("answer", tx.Answer).Msg("payment confirmed to motcua")
		return
	}
}

// keep records tx (a later record of the same id replaces an earlier one).
func (g *Gateway) keep(tx Transaction) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	replaced := false
	for i := range g.txs {
		if g.txs[i].ID == tx.ID {
			g.txs[i], replaced = tx, true
		}
	}
	if !replaced {
		g.txs = append(g.txs, tx)
	}
	if g.Dir == "" {
		return nil
	}
	return jsonl.Append(filepath.Join(g.Dir, "transactions.jsonl"), tx)
}

// Transactions are the gateway's transactions, oldest first.
func (g *Gateway) Transactions() []Transaction {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]Transaction(nil), g.txs...)
}

var page = template.Must(template.New("pay").Parse(`<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>Cổng thanh toán (mô phỏng)</title></head><body>
<h1>Cổng thanh toán (mô phỏng)</h1>
{{with .Tx}}<p id="paid">Đã thanh toán {{.AmountVND}} đồng cho hồ sơ {{.DossierID}}. Mã giao dịch {{.ID}}.</p>
{{else}}<form method="post" action="/pay">
<label>Mã hồ sơ <input name="dossier_id" value="{{.Dossier}}" required></label>
<label>Số tiền (đồng) <input name="amount_vnd" value="{{.Amount}}" required></label>
<input type="hidden" name="method" value="online">
<button id="pay">Thanh toán</button></form>{{end}}
</body></html>`))

// Handler serves the citizen's payment page (GET /pay?dossier=ID&amount=N,
// POST /pay from its form or as JSON) and the transactions (GET
// /transactions).
func (g *Gateway) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /pay", func(w http.ResponseWriter, r *http.Request) {
		page.Execute(w, map[string]any{"Dossier": r.URL.Query().Get("dossier"), "Amount": r.URL.Query().Get("amount")})
	})
	mux.HandleFunc("POST /pay", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			DossierID string `json:"dossier_id"`
			AmountVND int64  `json:"amount_vnd"`
			Method    string `json:"method"`
		}
		isJSON := r.Header.Get("Content-Type") == "application/json"
		if isJSON {
			if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&in); err != nil {
				http.Error(w, "not JSON: "+err.Error(), http.StatusBadRequest)
				return
			}
		} else {
			in.DossierID, in.Method = r.PostFormValue("dossier_id"), r.PostFormValue("method")
			in.AmountVND, _ = strconv.ParseInt(r.PostFormValue("amount_vnd"), 10, 64)
		}
		tx, err := g.Pay(r.Context(), in.DossierID, in.AmountVND, in.Method)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if isJSON {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(tx)
			return
		}
		page.Execute(w, map[string]any{"Tx": tx})
	})
	mux.HandleFunc("GET /transactions", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"transactions": g.Transactions()})
	})
	return mux
}

// Resume reads the transactions kept in Dir and confirms again those motcua
// had not taken when the gateway stopped.
func (g *Gateway) Resume(ctx context.Context) error {
	if g.Dir == "" {
		return nil
	}
	kept, err := jsonl.Read[Transaction](filepath.Join(g.Dir, "transactions.jsonl"))
	if err != nil {
		return fmt.Errorf("read the gateway's transactions: %w", err)
	}
	g.mu.Lock()
	byID := map[string]int{}
	for _, tx := range kept {
		if i, ok := byID[tx.ID]; ok {
			g.txs[i] = tx
			continue
		}
		byID[tx.ID] = len(g.txs)
		g.txs = append(g.txs, tx)
	}
	pending := []Transaction{}
	for _, tx := range g.txs {
		if tx.Confirmed.IsZero() {
			pending = append(pending, tx)
		}
	}
	g.mu.Unlock()
	for _, tx := range pending {
		go g.confirm(ctx, tx)
	}
	return nil
}
