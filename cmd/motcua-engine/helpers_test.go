package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/apiclient"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// maritalStatus is an application for a certificate of marital status
// (1.004227, issued automatically, numbered in the register HN) whose
// applicant's ID number ends in n.
func maritalStatus(n int) motcua.Application {
	return motcua.Application{
		ProcedureCode: "1.004227", Channel: motcua.ChannelOnline,
		Applicant: motcua.Applicant{FullName: "Hoàng Văn Nam", IDNumber: fmt.Sprintf("0010990%05d", n)},
		Fields:    map[string]string{"purpose": "Kết hôn", "marital_status": "Chưa kết hôn"},
		Documents: []motcua.Document{{Code: "TK_XNHN", Name: "tk.pdf", ContentType: "application/pdf", Content: []byte("%PDF-1.4\n%%EOF\n")}},
	}
}

// throughSignature takes app in as the clerk, approves it as the
// specialist and signs it as the chairman, and returns the dossier's id.
func throughSignature(t *testing.T, as map[string]*apiclient.Client, app motcua.Application) string {
	t.Helper()
	ctx := context.Background()
	c, err := as["clerk"].Create(ctx, app)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := as["specialist"].Review(ctx, c.DossierID, motcua.Review{Decision: motcua.DecisionApprove}); err != nil {
		t.Fatal(err)
	}
	if _, err := as["chairman"].Sign(ctx, c.DossierID, motcua.SignDecision{Decision: motcua.DecisionSign}); err != nil {
		t.Fatal(err)
	}
	return c.DossierID
}

// withExternalID is app as the back office's record id names it.
func withExternalID(app motcua.Application, id string) motcua.Application {
	app.ExternalID = id
	return app
}

// seedRecordingKey gives the data folder data the replay gate's payload
// key, so that the histories of a test's run can be recorded there
// (MOTCUA_RECORD_HISTORIES=1, recorded.Record).
func seedRecordingKey(t *testing.T, data string) {
	t.Helper()
	testKey, err := os.ReadFile("../../workflows/testdata/payload.key")
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(data, "keys"), 0o700)
	if err := os.WriteFile(filepath.Join(data, "keys", "payload.key"), testKey, 0o600); err != nil {
		t.Fatal(err)
	}
}
