package main

import (
	"crypto"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/motcua/motcua/internal/accounts"
	"github.com/motcua/motcua/internal/cli"
	"github.com/motcua/motcua/signer"
	"github.com/motcua/motcua/signer/devca"
)

// runRemoteSignSim is a remote-signing service for trying and testing
// motcua (the SmartCA / MySign shape, see signer.RemoteSigner): it keeps
// each leader's key (issued by the dev CA of a data folder), takes
// transactions of digests, and lets someone play the leader's phone —
// approve, refuse, or let a transaction expire — on its page or over HTTP.
func runRemoteSignSim(args []string) error {
	fs := flag.NewFlagSet("remote-sign-sim", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8766", "address to listen on")
	data := fs.String("data", "./motcua-data", "the motcua dev data folder whose dev CA certifies the leaders' keys")
	pki := fs.String("pki-url", "http://127.0.0.1:8234", "the dev CA's OCSP/CRL base URL, named in the certificates")
	expireAfter := fs.Duration("expire-after", 5*time.Minute, "how long a transaction waits for approval")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ca, err := devca.Open(filepath.Join(*data, "ca"), "")
	if err != nil {
		return err
	}
	ca.SetPKIBase(*pki)
	sim := &remoteSim{ca: ca, expireAfter: *expireAfter, txs: map[string]*simTx{}}
	l, err := cli.Listen(*addr, "addr")
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "motcua remote-sign-sim on http://%s (the phone: http://%s/)\n", l.Addr(), l.Addr())
	ctx, stop := cli.SignalContext()
	defer stop()
	err = cli.Serve(ctx, l, cli.ServiceServer(sim.handler()))
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

type remoteSim struct {
	ca          *devca.CA
	expireAfter time.Duration
	mu          sync.Mutex
	txs         map[string]*simTx
}

type simTx struct {
	ID, Code, User, Description string
	Digests                     [][]byte
	Status                      string
	Signatures                  [][]byte
	Created, Expires            time.Time
}

// key is the leader's key at the provider; only the leaders motcua dev
// knows have one.
func (s *remoteSim) key(user string) (signer.Key, error) {
	for _, u := range accounts.DevUsers {
		if u.ID == user && u.Role.Signs() {
			return s.ca.Key(devca.Person{ID: "remote-" + u.ID, Name: u.Name})
		}
	}
	return signer.Key{}, fmt.Errorf("no signer %q at this service", user)
}

func (s *remoteSim) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/users/{user}/certificate", func(w http.ResponseWriter, r *http.Request) {
		k, err := s.key(r.PathValue("user"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		var chain [][]byte
		for _, c := range k.Chain {
			chain = append(chain, c.Raw)
		}
		json.NewEncoder(w).Encode(map[string]any{"certificate": k.Certificate.Raw, "chain": chain})
	})
	mux.HandleFunc("POST /v1/transactions", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			User        string   `json:"user"`
			Description string   `json:"description"`
			Digests     [][]byte `json:"digests"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil || len(in.Digests) == 0 || len(in.Digests) > 200 {
			http.Error(w, "want {user, description, digests: [b64 of 32 bytes]}", http.StatusBadRequest)
			return
		}
		for _, d := range in.Digests {
			if len(d) != 32 {
				http.Error(w, "a digest is not 32 bytes", http.StatusBadRequest)
				return
			}
		}
		if _, err := s.key(in.User); err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
		now := time.Now()
		tx := &simTx{ID: randomHex(12), Code: fmt.Sprintf("%06d", n), User: in.User, Description: in.Description, Digests: in.Digests,
			Status: signer.TransactionPending, Created: now, Expires: now.Add(s.expireAfter)}
		s.mu.Lock()
		s.txs[tx.ID] = tx
		s.mu.Unlock()
		json.NewEncoder(w).Encode(signer.Transaction{ID: tx.ID, Code: tx.Code, ExpiresAt: tx.Expires})
	})
	mux.HandleFunc("GET /v1/transactions/{id}", func(w http.ResponseWriter, r *http.Request) {
		tx := s.get(r.PathValue("id"))
		if tx == nil {
			http.Error(w, "no such transaction", http.StatusNotFound)
			return
		}
		json.NewEncoder(w).Encode(signer.TransactionStatus{Status: tx.Status, Signatures: tx.Signatures})
	})
	// The phone: approve, refuse, or let expire.
	mux.HandleFunc("POST /v1/transactions/{id}/{action}", func(w http.ResponseWriter, r *http.Request) {
		if err := s.decide(r.PathValue("id"), r.PathValue("action")); err != nil {
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
		if r.Header.Get("Content-Type") == "application/x-www-form-urlencoded" {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /v1/transactions", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(s.pending())
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		phonePage.Execute(w, s.pending())
	})
	return mux
}

// get returns a transaction, expired when its time is up.
func (s *remoteSim) get(id string) *simTx {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx := s.txs[id]
	if tx != nil && tx.Status == signer.TransactionPending && time.Now().After(tx.Expires) {
		tx.Status = signer.TransactionExpired
	}
	return tx
}

func (s *remoteSim) pending() []*simTx {
	s.mu.Lock()
	var out []*simTx
	for _, tx := range s.txs {
		out = append(out, tx)
	}
	s.mu.Unlock()
	var live []*simTx
	for _, tx := range out {
		if s.get(tx.ID).Status == signer.TransactionPending {
			live = append(live, tx)
		}
	}
	sort.Slice(live, func(i, j int) bool { return live[i].Created.Before(live[j].Created) })
	return live
}

func (s *remoteSim) decide(id, action string) error {
	tx := s.get(id)
	if tx == nil {
		return errors.New("no such transaction")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if tx.Status != signer.TransactionPending {
		return fmt.Errorf("the transaction is %s", tx.Status)
	}
	switch action {
	case "approve":
		k, err := s.key(tx.User)
		if err != nil {
			return err
		}
		for _, d := range tx.Digests {
			sig, err := k.Signer.Sign(rand.Reader, d, crypto.SHA256)
			if err != nil {
				return err
			}
			tx.Signatures = append(tx.Signatures, sig)
		}
		tx.Status = signer.TransactionApproved
	case "refuse":
		tx.Status = signer.TransactionRefused
	case "expire":
		tx.Status, tx.Expires = signer.TransactionExpired, time.Now()
	default:
		return fmt.Errorf("unknown action %q: approve, refuse or expire", action)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return fmt.Sprintf("%x", b)
}

var phonePage = template.Must(template.New("phone").Parse(`<!doctype html><meta charset="utf-8">
<title>Điện thoại của lãnh đạo (giả lập)</title>
<h1>Giao dịch chờ xác nhận / transactions waiting</h1>
{{range .}}<form method="post"><p><b>Mã {{.Code}}</b> — {{.User}} — {{len .Digests}} hồ sơ — {{.Description}} (hết hạn {{.Expires.Format "15:04:05"}})
<button formaction="/v1/transactions/{{.ID}}/approve">Xác nhận ký</button>
<button formaction="/v1/transactions/{{.ID}}/refuse">Từ chối</button>
<button formaction="/v1/transactions/{{.ID}}/expire">Để hết hạn</button></p></form>
{{else}}<p>Không có giao dịch nào.</p>{{end}}`))
