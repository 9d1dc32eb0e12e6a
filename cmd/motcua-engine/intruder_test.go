package main

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/codec"
	"github.com/motcua/motcua/internal/mtls"
	"github.com/motcua/motcua/workflows"
)

// The back door is shut: `motcua server`'s frontend takes only clients
// with a certificate of the data folder's internal CA, and only motcua's
// writers may change a workflow. An intruder dials with no certificate,
// with one from another CA, and with the audit reader's; each is turned
// away before a dossier hears of it; with a writer's certificate, an
// unvouched decision is refused by the dossier. The dossier is unchanged.
// (The inner services: TestAnIntruderCannotReachTemporalsInnerServices.)
func TestAnIntruderCannotUseTemporalsFrontDoor(t *testing.T) {
	processTest(t, "runs the server, a worker and the API")
	data := t.TempDir()
	temporalAddr, apiAddr, portalAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	users, tok := writeUsers(t, data)
	start(t, "server", "--data", data, "--temporal-addr", temporalAddr, "--ui-addr", "")
	start(t, "portal-sim", "--addr", portalAddr)
	start(t, "worker", "--data", data, "--temporal-addr", temporalAddr, "--portal-url", "http://"+portalAddr, "--outbox", filepath.Join(data, "outbox"))
	start(t, "api", "--data", data, "--temporal-addr", temporalAddr, "--users", users, "--api-addr", apiAddr)
	waitStatus(t, "http://"+apiAddr+"/healthz", 200)
	api := newRoleClient("http://"+apiAddr, tok)
	ctx := context.Background()
	c, err := api["clerk"].Create(ctx, maritalStatus(12345))
	if err != nil {
		t.Fatal(err)
	}
	before, _ := api["clerk"].Get(ctx, c.DossierID)

	key, _ := codec.LoadOrCreateKey(filepath.Join(data, "keys", "payload.key"))
	dc, _ := codec.DataConverter(key) // even with the payload key
	dial := func(files *mtls.Files) (client.Client, error) {
		o := client.Options{HostPort: temporalAddr, Namespace: "motcua", DataConverter: dc}
		if files != nil {
			conf, err := mtls.ClientConfig(*files)
			if err != nil {
				t.Fatal(err)
			}
			o.ConnectionOptions.TLS = conf
		}
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		return client.DialContext(dctx, o)
	}
	review := motcua.Review{Decision: motcua.DecisionApprove, Actor: "specialist1"}
	update := func(tc client.Client) error {
		uctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		h, err := tc.UpdateWorkflow(uctx, client.UpdateWorkflowOptions{WorkflowID: c.DossierID, UpdateName: workflows.UpdateReview,
			Args: []any{review}, WaitForStage: client.WorkflowUpdateStageCompleted})
		if err == nil {
			err = h.Get(uctx, nil)
		}
		return err
	}

	// No certificate, or one from another CA: no connection at all.
	other := filepath.Join(t.TempDir(), "tls")
	if err := mtls.Ensure(other); err != nil {
		t.Fatal(err)
	}
	stranger := mtls.FilesOf(other, mtls.Worker)
	stranger.CA = filepath.Join(data, "tls", "ca.crt") // trusting the real server, with a forged identity
	for name, files := range map[string]*mtls.Files{"no certificate": nil, "another CA's certificate": &stranger} {
		if tc, err := dial(files); err == nil {
			t.Errorf("%s: connected to the frontend", name)
			if err := update(tc); err == nil {
				t.Errorf("%s: an update went through", name)
			}
			tc.Close()
		}
	}
	// The readers' certificates (the auditor's, the Web UI's): they read,
	// but may not write.
	var denied *serviceerror.PermissionDenied
	for _, id := range []string{mtls.Auditor, mtls.UI} {
		reader := mtls.FilesOf(filepath.Join(data, "tls"), id)
		tc, err := dial(&reader)
		if err != nil {
			t.Fatalf("the certificate of %s: %v", id, err)
		}
		if _, err := tc.DescribeWorkflowExecution(ctx, c.DossierID, ""); err != nil {
			t.Errorf("%s cannot read: %v", id, err)
		}
		if err := update(tc); !errors.As(err, &denied) {
			t.Errorf("an update with the certificate of %s: %v, want permission denied", id, err)
		}
		if err := tc.SignalWorkflow(ctx, c.DossierID, "", "intruder", nil); !errors.As(err, &denied) {
			t.Errorf("a signal with the certificate of %s: %v, want permission denied", id, err)
		}
		if err := tc.TerminateWorkflow(ctx, c.DossierID, "", "intruder"); !errors.As(err, &denied) {
			t.Errorf("terminate with the certificate of %s: %v, want permission denied", id, err)
		}
		tc.Close()
	}
	// A writer's certificate (a stolen worker's or API's): the dossier
	// refuses what the API did not vouch for.
	for _, id := range mtls.Writers {
		writer := mtls.FilesOf(filepath.Join(data, "tls"), id)
		wc, err := dial(&writer)
		if err != nil {
			t.Fatal(err)
		}
		var app *temporal.ApplicationError
		if err := update(wc); !errors.As(err, &app) || app.Type() != motcua.CodeForbidden {
			t.Errorf("an unvouched update with the certificate of %s: %v, want forbidden", id, err)
		}
		wc.Close()
	}
	after, _ := api["clerk"].Get(ctx, c.DossierID)
	if after.Status != before.Status || after.Revision != before.Revision || len(after.Steps) != len(before.Steps) {
		t.Errorf("the dossier changed: %+v", after)
	}
}
