package metrics_test

import (
	"context"
	"io"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/metrics"
)

func scrape(t *testing.T, r *metrics.Registry) string {
	t.Helper()
	srv := httptest.NewServer(r.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	return string(b)
}

// The SDK uses one metric name with several tag sets: every series of a
// family gets the union of the tag names, and the scrape succeeds.
func TestSDKMetricsWithDifferentTagSets(t *testing.T) {
	r := metrics.New()
	h := r.SDK().WithTags(map[string]string{"namespace": "motcua"})
	h.Counter("temporal_request").Inc(2)
	h.WithTags(map[string]string{"operation": "PollWorkflowTaskQueue"}).Counter("temporal_request").Inc(1)
	h.Gauge("temporal_worker_task_slots_available").Update(5)
	h.WithTags(map[string]string{"activity_type": "SignResult"}).Timer("temporal_activity_execution_latency").Record(120 * time.Millisecond)
	text := scrape(t, r)
	for _, want := range []string{
		`temporal_request_total{namespace="motcua",operation=""} 2`,
		`temporal_request_total{namespace="motcua",operation="PollWorkflowTaskQueue"} 1`,
		`temporal_worker_task_slots_available{namespace="motcua"} 5`,
		`temporal_activity_execution_latency_seconds_bucket{activity_type="SignResult",namespace="motcua",le="0.25"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("no %s in\n%s", want, grep(text, "temporal_"))
		}
	}
}

// Dossiers counted from the read model's transitions and census.
func TestDossierMetrics(t *testing.T) {
	r := metrics.New()
	r.Transition("1.004227", "", motcua.StatusReceived)
	r.Transition("1.004227", motcua.StatusReceived, motcua.StatusInReview)
	r.Transition("1.004227", motcua.StatusCompleted, motcua.StatusReturned)
	r.Transition("1.004227", motcua.StatusReturned, motcua.StatusReturned) // a retry: no change
	r.WatchReadModel(func(context.Context, time.Time) (metrics.Census, error) {
		return metrics.Census{OpenByStatus: map[motcua.Status]int{motcua.StatusInReview: 3}, Overdue: 1, PortalBehind: 2}, nil
	})
	text := scrape(t, r)
	for _, want := range []string{
		`motcua_dossiers_started_total{procedure="1.004227"} 1`,
		`motcua_dossiers_finished_total{procedure="1.004227",status="returned"} 1`,
		`motcua_dossiers_open{status="in_review"} 3`,
		`motcua_dossiers_open{status="completed"} 0`,
		`motcua_dossiers_overdue 1`,
		`motcua_portal_pushes_pending 2`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("no %s in\n%s", want, grep(text, "motcua_"))
		}
	}
}

func grep(text, prefix string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// The Grafana dashboard in deploy/ reads only metrics motcua exports.
func TestDashboardReadsExportedMetrics(t *testing.T) {
	b, err := os.ReadFile("../../deploy/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	r := metrics.New()
	r.Transition("1.004227", "", motcua.StatusWithdrawn)
	r.Rendering.WithLabelValues("receipt").Observe(0.01)
	r.Signing.WithLabelValues("result").Observe(0.1)
	r.PortalFailures.Inc()
	r.NotificationsFailed.WithLabelValues("email").Inc()
	r.WatchReadModel(func(context.Context, time.Time) (metrics.Census, error) { return metrics.Census{}, nil })
	text := scrape(t, r)
	names := regexp.MustCompile(`motcua_[a-z_]+`).FindAllString(string(b), -1)
	if len(names) < 8 {
		t.Fatalf("the dashboard reads %d motcua metrics", len(names))
	}
	for _, n := range names {
		if !strings.Contains(text, "\n"+n) {
			t.Errorf("the dashboard reads %s, which motcua does not export", n)
		}
	}
}

// BenchmarkSDKMetrics is the SDK's use of its metrics handler on every
// poll, task and activity: a counter, a timer and a gauge by name, from
// many goroutines at once (go test -bench SDKMetrics -cpu 1,2,8 ./metrics).
func BenchmarkSDKMetrics(b *testing.B) {
	h := metrics.New().SDK().WithTags(map[string]string{"namespace": "motcua", "task_queue": "motcua"}).
		WithTags(map[string]string{"workflow_type": "DossierWorkflow"})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			h.Counter("temporal_workflow_task_queue_poll_succeed").Inc(1)
			h.Timer("temporal_workflow_task_execution_latency").Record(3 * time.Millisecond)
			h.Gauge("temporal_worker_task_slots_available").Update(7)
		}
	})
}
