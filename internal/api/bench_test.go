package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/motcua/motcua"
)

// BenchmarkDossierThroughTheAPI drives one dossier per iteration from intake
// to completed through the HTTP API, and reports how long each step took:
// the intake call, the review call, the sign call (signature made and
// verified), and from the sign call to the dossier being completed
// (archived, notified) with the portal told.
func BenchmarkDossierThroughTheAPI(b *testing.B) {
	t := b
	var intake, review, sign, signToDone time.Duration
	for b.Loop() {
		start := time.Now()
		c := create(t, maritalRequest())
		intake += time.Since(start)
		start = time.Now()
		must(t, http.StatusOK, motcua.RoleSpecialist, "POST", "/v1/dossiers/"+c.DossierID+"/review", map[string]any{"decision": "approve"}, nil)
		review += time.Since(start)
		start = time.Now()
		must(t, http.StatusOK, motcua.RoleChairman, "POST", "/v1/dossiers/"+c.DossierID+"/sign", map[string]any{"decision": "sign"}, nil)
		sign += time.Since(start)
		for {
			st := get(t, c.DossierID)
			if st.Status == motcua.StatusCompleted && st.Portal.Pending == 0 {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		signToDone += time.Since(start)
	}
	n := float64(b.N)
	b.ReportMetric(float64(intake.Milliseconds())/n, "ms-intake")
	b.ReportMetric(float64(review.Milliseconds())/n, "ms-review")
	b.ReportMetric(float64(sign.Milliseconds())/n, "ms-sign")
	b.ReportMetric(float64(signToDone.Milliseconds())/n, "ms-sign-to-completed")
}
