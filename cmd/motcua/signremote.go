package main

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/signer"
)

// runSignRemote plays the leader's signing client: the key stays in its
// PKCS#12 file or on its PKCS#11 token; only the certificate goes to the
// server, and only the signature of the request's digest comes back.
func runSignRemote(args []string) error {
	fs := flag.NewFlagSet("sign-remote", flag.ContinueOnError)
	apiURL := fs.String("api", "http://127.0.0.1:8080", "motcua API URL")
	tokenEnv := fs.String("token-env", "MOTCUA_TOKEN", "environment variable holding the leader's API token")
	dossier := fs.String("dossier", "", "dossier id (required)")
	p12 := fs.String("pkcs12", "", "PKCS#12 file of the leader's key")
	p12Pass := fs.String("password-env", "", "environment variable holding the PKCS#12 password")
	module := fs.String("pkcs11-module", "", "PKCS#11 module of the leader's token")
	tokenLabel := fs.String("pkcs11-token", "", "label of the token")
	keyLabel := fs.String("key-label", "", "label of the key pair and certificate on the token")
	pinEnv := fs.String("pin-env", "", "environment variable holding the token's PIN")
	chainFile := fs.String("chain", "", "PEM file of the certificates above the leader's (when the key source lacks them)")
	comment := fs.String("comment", "", "comment for the decision")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dossier == "" {
		return usageError("sign-remote: --dossier is required")
	}
	var src signer.Source
	switch {
	case *p12 != "" && *module == "":
		src = signer.PKCS12File{Path: *p12, Password: signer.Secret{Env: *p12Pass}}
	case *module != "" && *p12 == "":
		src = signer.PKCS11Token{Module: *module, Token: *tokenLabel, KeyLabel: *keyLabel, PIN: signer.Secret{Env: *pinEnv}, ChainFile: *chainFile}
	default:
		return usageError("sign-remote: give --pkcs12 FILE or --pkcs11-module MODULE")
	}
	key, err := src.Key()
	if err != nil {
		return err
	}
	certPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: key.Certificate.Raw}))
	var chain strings.Builder
	for _, c := range key.Chain {
		chain.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
	}
	if *chainFile != "" && len(key.Chain) == 0 {
		b, err := os.ReadFile(*chainFile)
		if err != nil {
			return err
		}
		chain.Write(b)
	}
	c := apiClient{base: strings.TrimRight(*apiURL, "/"), token: os.Getenv(*tokenEnv)}
	if c.token == "" {
		return usageError("sign-remote: $" + *tokenEnv + " holds no token")
	}
	var req motcua.SigningRequest
	if err := c.post("/v1/dossiers/"+*dossier+"/signing-request", map[string]string{"certificate_pem": certPEM, "chain_pem": chain.String()}, &req); err != nil {
		return err
	}
	digest, err := base64.StdEncoding.DecodeString(req.DigestBase64)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "signing request %s… for %s: %s over %x\n", req.ID[:12], req.DossierID, req.Algorithm, digest)
	sig, err := key.Signer.Sign(rand.Reader, digest, crypto.SHA256)
	if err != nil {
		return fmt.Errorf("the key refused to sign: %w", err)
	}
	var st motcua.State
	if err := c.post("/v1/dossiers/"+*dossier+"/sign", map[string]string{
		"decision": "sign", "comment": *comment, "signing_request_id": req.ID,
		"signature_base64": base64.StdEncoding.EncodeToString(sig),
	}, &st); err != nil {
		return err
	}
	out, _ := json.MarshalIndent(map[string]any{"dossier_id": st.DossierID, "status": st.Status, "result": st.Result}, "", "  ")
	fmt.Println(string(out))
	return nil
}

// apiClient calls the motcua API with a bearer token.
type apiClient struct {
	base, token string
}

func (c apiClient) post(path string, body, out any) error {
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, c.base+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 2 * time.Minute}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error motcua.Error `json:"error"`
		}
		if json.Unmarshal(raw, &e) == nil && e.Error.Code != "" {
			return fmt.Errorf("%s: %s (%d %s)", path, e.Error.Message, resp.StatusCode, e.Error.Code)
		}
		return errors.New(path + ": " + resp.Status)
	}
	return json.Unmarshal(raw, out)
}
