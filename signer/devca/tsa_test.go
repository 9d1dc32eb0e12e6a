package devca_test

import (
	"bytes"
	"crypto"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/digitorus/timestamp"

	"github.com/motcua/motcua/signer/devca"
)

// The dev TSA's tokens name ETSI's baseline time-stamp policy, or the one
// the office sets; a policy that is not an OID is refused.
func TestTheTSANamesItsPolicy(t *testing.T) {
	ca, err := devca.Open(t.TempDir(), "Ủy ban nhân dân xã Tân Lập")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ca.Handler())
	defer srv.Close()
	ca.SetPKIBase(srv.URL)
	policy := func() string {
		t.Helper()
		req, err := timestamp.CreateRequest(bytes.NewReader([]byte("a result")), &timestamp.RequestOptions{Hash: crypto.SHA256, Certificates: true})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Post(ca.TSAURL(), "application/timestamp-query", bytes.NewReader(req))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		ts, err := timestamp.ParseResponse(body)
		if err != nil {
			t.Fatalf("the token: %v", err)
		}
		return ts.Policy.String()
	}
	if got := policy(); got != devca.DefaultTSAPolicy {
		t.Errorf("policy %s, want ETSI's baseline %s", got, devca.DefaultTSAPolicy)
	}
	if err := ca.SetTSAPolicy("1.2.704.99.1"); err != nil {
		t.Fatal(err)
	}
	if got := policy(); got != "1.2.704.99.1" {
		t.Errorf("policy %s after SetTSAPolicy", got)
	}
	for _, bad := range []string{"", "1", "abc", "3.1.2", "1.40.1", "1..2"} {
		if ca.SetTSAPolicy(bad) == nil {
			t.Errorf("%q taken for an OID", bad)
		}
	}
}
