package activities_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/activities"
	"github.com/motcua/motcua/internal/portal"
	"github.com/motcua/motcua/internal/portal/portalsim"
	"github.com/motcua/motcua/internal/readmodel"
)

// A change is published to the portal, then recorded in the read model
// saying whether the portal took it: when the portal answers, when it
// refuses, and when it hangs (it gets half the publication's time; the
// facts are recorded all the same). The result keeps what was done, for
// auditors.
func TestPublishRecordsTheFactsWhateverThePortalDoes(t *testing.T) {
	sim, err := portalsim.New(portalsim.Faults{}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	answering := httptest.NewServer(sim)
	defer answering.Close()
	released := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // past the publication's patience, until the test ends
		case <-r.Context().Done():
		case <-released:
		}
	}))
	defer hanging.Close()
	defer close(released)
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bảo trì", http.StatusServiceUnavailable)
	}))
	defer refusing.Close()

	acts, _ := setup(t)
	facts, err := readmodel.Open(filepath.Join(t.TempDir(), "readmodel.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer facts.Close()
	acts.Facts = facts
	d := sampleDossier()
	for i, c := range []struct {
		name   string
		portal *httptest.Server
		pushed bool
	}{{"answering", answering, true}, {"refusing", refusing, false}, {"hanging", hanging, false}} {
		t.Run(c.name, func(t *testing.T) {
			acts.Portal = &portal.Client{BaseURL: c.portal.URL}
			seq := i + 1
			in := activities.Publication{
				Facts: motcua.Facts{DossierID: d.ID, ProcedureCode: d.ProcedureCode, Status: motcua.StatusInReview,
					ReceivedAt: d.ReceivedAt, DueAt: d.DueAt, PortalInSync: true, Seq: seq},
				Updates: []portal.Update{{DossierID: d.ID, ProcedureCode: d.ProcedureCode, Seq: seq, Code: 4, Status: "in_review",
					ReceivedAt: d.ReceivedAt, DueAt: d.DueAt, ChangedAt: d.ReceivedAt.Add(time.Minute)}},
			}
			// Within the time the workflow gives a publication.
			var s testsuite.WorkflowTestSuite
			env := s.NewTestActivityEnvironment()
			env.RegisterActivity(acts)
			began := time.Now()
			v, err := env.ExecuteActivity(acts.Publish, in)
			var out activities.Published
			if err == nil {
				err = v.Get(&out)
			}
			if took := time.Since(began); err != nil || took > 2*activities.PublishPortalWait {
				t.Fatalf("publish: %v after %s", err, took)
			}
			if out.Pushed != c.pushed || len(out.Updates) != 1 || out.Facts.Seq != seq || out.Facts.PortalInSync != c.pushed {
				t.Errorf("published %+v; want pushed %v, the update and the facts it recorded", out, c.pushed)
			}
			all, _ := facts.All(context.Background())
			if len(all) != 1 || all[0].Seq != seq || all[0].PortalInSync != c.pushed {
				t.Errorf("the read model holds %+v", all)
			}
		})
	}
	if got := sim.Records(d.ID); len(got) != 1 || got[0].TrangThaiHoSo != "4" {
		t.Errorf("the portal holds %+v", got)
	}
}
