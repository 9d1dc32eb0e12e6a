package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/motcua/motcua"
)

// Every log line about a dossier, from the API, the activities and the
// SDK's workflow and activity loggers routed into zerolog, is one JSON
// object carrying dossier_id and workflow_id; none carries the applicant's
// personal data.
func TestLogLinesAboutADossierCarryItsIDs(t *testing.T) {
	ctx := context.Background()
	c := create(t, maritalRequest())
	if _, err := as(motcua.RoleSpecialist).Review(ctx, c.DossierID, motcua.Review{Decision: motcua.DecisionApprove}); err != nil {
		t.Fatal(err)
	}
	if _, err := as(motcua.RoleChairman).Sign(ctx, c.DossierID, motcua.SignDecision{Decision: motcua.DecisionSign}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c.DossierID, "completed", func(s motcua.State) bool { return s.Status == motcua.StatusCompleted && s.Portal.Pending == 0 })
	req := maritalRequest()
	about, sources := 0, map[string]bool{}
	for _, line := range env.logs.Lines() {
		var fields map[string]any
		if err := json.Unmarshal([]byte(line), &fields); err != nil {
			t.Fatalf("a log line is not one JSON object: %q", line)
		}
		for _, secret := range []string{req.Applicant.IDNumber, req.Applicant.Email} {
			if strings.Contains(line, secret) {
				t.Errorf("personal data in the log: %s", line)
			}
		}
		if !strings.Contains(line, c.DossierID) {
			continue
		}
		about++
		if fields["dossier_id"] != c.DossierID || fields["workflow_id"] != c.DossierID {
			t.Errorf("a line about %s lacks dossier_id or workflow_id: %s", c.DossierID, line)
		}
		switch {
		case fields["activity"] != nil:
			sources["activity"] = true
		case fields["method"] != nil:
			sources["http"] = true
		case fields["decision"] != nil:
			sources["decision"] = true
		}
	}
	if about < 5 || !sources["activity"] || !sources["decision"] {
		t.Errorf("%d lines about the dossier, from %v; want the API's and the activities'", about, sources)
	}
}
