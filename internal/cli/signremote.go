package cli

import (
	"context"
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/apiclient"
	"github.com/motcua/motcua/signer"
)

// SignRemote plays the leader's signing client: the key stays in its
// PKCS#12 file or on its PKCS#11 token; only the certificate goes to the
// server, and only the signature of the request's digest comes back.
func SignRemote(args []string) error {
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
		return UsageError("sign-remote: --dossier is required")
	}
	var src signer.Source
	switch {
	case *p12 != "" && *module == "":
		src = signer.PKCS12File{Path: *p12, Password: signer.Secret{Env: *p12Pass}}
	case *module != "" && *p12 == "":
		src = signer.PKCS11Token{Module: *module, Token: *tokenLabel, KeyLabel: *keyLabel, PIN: signer.Secret{Env: *pinEnv}, ChainFile: *chainFile}
	default:
		return UsageError("sign-remote: give --pkcs12 FILE or --pkcs11-module MODULE")
	}
	key, err := src.Key()
	if err != nil {
		return err
	}
	chain := key.Chain
	if *chainFile != "" && len(chain) == 0 {
		if chain, err = signer.ReadCertificates(*chainFile); err != nil {
			return err
		}
	}
	var chainDER [][]byte
	for _, c := range chain {
		chainDER = append(chainDER, c.Raw)
	}
	token := os.Getenv(*tokenEnv)
	if token == "" {
		return UsageError("sign-remote: $" + *tokenEnv + " holds no token")
	}
	c := apiclient.New(*apiURL, token, nil)
	ctx := context.Background()
	req, err := c.CreateSigningRequest(ctx, *dossier, key.Certificate.Raw, chainDER)
	if err != nil {
		return fmt.Errorf("signing request: %w", err)
	}
	digest, err := base64.StdEncoding.DecodeString(req.DigestBase64)
	if err != nil {
		return fmt.Errorf("the signing request's digest: %w", err)
	}
	fmt.Fprintf(os.Stderr, "signing request %s… for %s: %s over %x\n", req.ID[:min(12, len(req.ID))], req.DossierID, req.Algorithm, digest)
	sig, err := key.Signer.Sign(rand.Reader, digest, crypto.SHA256)
	if err != nil {
		return fmt.Errorf("the key refused to sign: %w", err)
	}
	st, err := c.Sign(ctx, *dossier, motcua.SignDecision{
		Decision: motcua.DecisionSign, Comment: *comment, SigningRequestID: req.ID, Signature: sig,
	})
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	out, _ := json.MarshalIndent(map[string]any{"dossier_id": st.DossierID, "status": st.Status, "result": st.Result}, "", "  ")
	fmt.Println(string(out))
	return nil
}
