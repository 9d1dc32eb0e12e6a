package cli

import (
	"bufio"
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"unicode"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/signer"
)

// SignAgent is the signing agent on a leader's computer: the pages reach
// it over loopback to sign with the leader's USB token (PKCS#11), whose key
// never leaves it. It listens on 127.0.0.1 only, answers only the motcua
// page's origin, and asks the person at the terminal to confirm every
// batch of digests before the token signs them.
func SignAgent(args []string) error {
	fs := flag.NewFlagSet("sign-agent", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8765", "loopback address to listen on")
	origin := fs.String("origin", "http://127.0.0.1:8080", "the motcua pages' origin, the only one answered")
	module := fs.String("pkcs11-module", "", "PKCS#11 module of the token (required)")
	tokenLabel := fs.String("pkcs11-token", "", "label of the token")
	keyLabel := fs.String("key-label", "", "label of the key pair and certificate on the token")
	pinEnv := fs.String("pin-env", "MOTCUA_TOKEN_PIN", "environment variable holding the token's PIN")
	chainFile := fs.String("chain", "", "PEM file of the certificates above the leader's")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *module == "" {
		return UsageError("sign-agent: --pkcs11-module is required")
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		return UsageError("sign-agent: --addr must be a loopback address (127.0.0.1:PORT): the agent is for this computer only")
	}
	key, err := signer.PKCS11Token{Module: *module, Token: *tokenLabel, KeyLabel: *keyLabel, PIN: signer.Secret{Env: *pinEnv}, ChainFile: *chainFile}.Key()
	if err != nil {
		return err
	}
	a := &agent{key: key, origin: strings.TrimRight(*origin, "/"), in: bufio.NewReader(os.Stdin), out: os.Stderr}
	l, err := Listen(*addr, "addr")
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "motcua sign-agent: %s's token, for %s, on http://%s (Ctrl-C to stop)\n",
		Printable(key.Certificate.Subject.CommonName), Printable(a.origin), l.Addr())
	ctx, stop := SignalContext()
	defer stop()
	err = Serve(ctx, l, ServiceServer(a.handler()))
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// Printable is s as a terminal may show it: letters, marks, numbers,
// punctuation and spaces as they are (Vietnamese names too), every other
// rune (control characters, escape sequences, bidirectional overrides,
// zero-width characters) escaped as \u{...}.
func Printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == ' ' || unicode.IsGraphic(r) && !unicode.Is(unicode.Cf, r) {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(&b, "\\u{%x}", r)
		}
	}
	return b.String()
}

// agent signs digests with the key, after the person confirms.
type agent struct {
	key    signer.Key
	origin string
	mu     sync.Mutex // one confirmation at a time
	in     *bufio.Reader
	out    io.Writer
}

// agentRequest is one digest to sign: a dossier's signing request.
type agentRequest struct {
	DossierID    string `json:"dossier_id"`
	RequestID    string `json:"signing_request_id"`
	DigestBase64 string `json:"digest_base64"`
}

func (a *agent) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /certificate", func(w http.ResponseWriter, r *http.Request) {
		chain := []string{}
		for _, c := range a.key.Chain {
			chain = append(chain, base64.StdEncoding.EncodeToString(c.Raw))
		}
		json.NewEncoder(w).Encode(map[string]any{"certificate": base64.StdEncoding.EncodeToString(a.key.Certificate.Raw), "chain": chain,
			"subject": a.key.Certificate.Subject.CommonName})
	})
	mux.HandleFunc("POST /sign", a.sign)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Only the motcua page's origin, and only from this computer.
		if r.Header.Get("Origin") != a.origin {
			http.Error(w, "this agent answers only "+a.origin, http.StatusForbidden)
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", a.origin)
		w.Header().Set("Vary", "Origin")
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
			w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
			w.Header().Set("Access-Control-Allow-Private-Network", "true")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		mux.ServeHTTP(w, r)
	})
}

// sign asks the person to confirm the batch, once, then signs each digest
// (pre-hashed SHA-256) with the token.
func (a *agent) sign(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Requests []agentRequest `json:"requests"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil || len(body.Requests) == 0 || len(body.Requests) > 200 {
		http.Error(w, "want {\"requests\": [{dossier_id, signing_request_id, digest_base64}, ...]}", http.StatusBadRequest)
		return
	}
	digests := make([][]byte, len(body.Requests))
	for i, q := range body.Requests {
		// The confirmation shows the dossier codes: anything else (an
		// escape sequence could rewrite what the leader reads) is refused.
		if !motcua.ValidDossierID(q.DossierID) {
			http.Error(w, fmt.Sprintf("request %d: dossier_id is not a dossier code", i+1), http.StatusBadRequest)
			return
		}
		d, err := base64.StdEncoding.DecodeString(q.DigestBase64)
		if err != nil || len(d) != 32 {
			http.Error(w, "request "+q.DossierID+": the digest is not 32 bytes of base64", http.StatusBadRequest)
			return
		}
		digests[i] = d
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	fmt.Fprintf(a.out, "\nKý %d hồ sơ bằng chứng thư của %s? / Sign %d dossiers?\n", len(digests), Printable(a.key.Certificate.Subject.CommonName), len(digests))
	for i, q := range body.Requests {
		fmt.Fprintf(a.out, "  %s  %s\n", q.DossierID, hex.EncodeToString(digests[i]))
	}
	fmt.Fprint(a.out, "Gõ y để ký / type y to sign: ")
	line, _ := a.in.ReadString('\n')
	if answer := strings.ToLower(strings.TrimSpace(line)); answer != "y" && answer != "yes" && answer != "có" {
		fmt.Fprintln(a.out, "không ký / not signed")
		http.Error(w, `{"error":"the person at the token refused"}`, http.StatusForbidden)
		return
	}
	sigs := make([]string, len(digests))
	for i, d := range digests {
		sig, err := a.key.Signer.Sign(rand.Reader, d, crypto.SHA256)
		if err != nil {
			http.Error(w, "the token did not sign: "+err.Error(), http.StatusBadGateway)
			return
		}
		sigs[i] = base64.StdEncoding.EncodeToString(sig)
	}
	fmt.Fprintf(a.out, "đã ký %d / signed %d\n", len(sigs), len(sigs))
	json.NewEncoder(w).Encode(map[string]any{"signatures": sigs})
}
