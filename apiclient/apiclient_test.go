package apiclient_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/apiclient"
)

// The client against the real API is tested in package api (every test
// there calls it); here, what a real API does not send: answers from
// something in between, and the wire shape of what the client sends.
func TestErrorsThatAreNotTheAPIsAreNamedByStatus(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte("<html>502 Bad Gateway (nginx)</html>"))
	}))
	defer srv.Close()
	_, err := apiclient.New(srv.URL, "t", nil).Get(context.Background(), "000.00.01.H22-261125-0001")
	var e *motcua.Error
	if err == nil || errors.As(err, &e) || !strings.Contains(err.Error(), "HTTP 502") {
		t.Fatalf("a proxy's 502 page: %v", err)
	}
}

func TestErrorBodiesAreMotcuaErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			t.Errorf("authorization %q", r.Header.Get("Authorization"))
		}
		w.WriteHeader(http.StatusConflict)
		w.Write([]byte(`{"error":{"code":"invalid_state","message":"the dossier is completed","fields":{"decision":"late"}}}`))
	}))
	defer srv.Close()
	_, err := apiclient.New(srv.URL, "tok", nil).Review(context.Background(), "X-261125-0001", motcua.Review{Decision: "approve"})
	var e *motcua.Error
	if !errors.As(err, &e) || e.Code != motcua.CodeInvalidState || e.Fields["decision"] != "late" {
		t.Fatalf("error body: %#v", err)
	}
	if motcua.ErrorCode(err) != motcua.CodeInvalidState {
		t.Fatalf("ErrorCode: %q", motcua.ErrorCode(err))
	}
}

func TestSignSendsTheSignatureAsBase64(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := new(strings.Builder)
		_, _ = io.Copy(b, r.Body)
		got = r.Method + " " + r.URL.Path + " " + b.String()
		w.Write([]byte(`{"dossier_id":"X-261125-0001","status":"signed"}`))
	}))
	defer srv.Close()
	st, err := apiclient.New(srv.URL, "tok", nil).Sign(context.Background(), "X-261125-0001",
		motcua.SignDecision{Decision: motcua.DecisionSign, SigningRequestID: "req", Signature: []byte{1, 2, 3}})
	if err != nil || st.Status != motcua.StatusSigned {
		t.Fatalf("sign: %+v %v", st, err)
	}
	want := `POST /v1/dossiers/X-261125-0001/sign {"decision":"sign","signing_request_id":"req","signature_base64":"AQID"}`
	if got != want {
		t.Fatalf("sent\n%s\nwant\n%s", got, want)
	}
}
