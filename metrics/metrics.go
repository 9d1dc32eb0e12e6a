// Package metrics gives operators numbers to watch, in Prometheus' text
// format: the Temporal SDK's metrics (a client.MetricsHandler over a
// Prometheus registry) and motcua's own — dossiers started and finished by
// procedure and final status, dossiers open by status and overdue, the
// latency of rendering and signing, portal pushes pending and failing,
// notifications failed. No metric carries personal data or a dossier id.
package metrics

import (
	"context"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/client"

	"github.com/motcua/motcua"
)

// Registry is one process's metrics.
type Registry struct {
	reg *prometheus.Registry
	sdk *sdkMetrics

	// DossiersStarted counts dossiers taken in, by procedure.
	DossiersStarted *prometheus.CounterVec
	// DossiersFinished counts dossiers reaching a final status (returned,
	// rejected, withdrawn, stopped), by procedure and status.
	DossiersFinished *prometheus.CounterVec
	// Rendering and Signing time documents and signatures, by kind.
	Rendering *prometheus.HistogramVec
	Signing   *prometheus.HistogramVec
	// PortalFailures counts portal pushes that failed (each attempt).
	PortalFailures prometheus.Counter
	// NotificationsFailed counts notifications that failed, by channel.
	NotificationsFailed *prometheus.CounterVec
}

// New makes a registry with the Go runtime's and the process's collectors.
func New() *Registry {
	r := &Registry{reg: prometheus.NewRegistry(), sdk: &sdkMetrics{series: map[string]*series{}}}
	r.reg.MustRegister(prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}), r.sdk)
	r.DossiersStarted = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "motcua_dossiers_started_total", Help: "Dossiers taken in, by procedure."}, []string{"procedure"})
	r.DossiersFinished = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "motcua_dossiers_finished_total", Help: "Dossiers that reached a final status, by procedure and status."}, []string{"procedure", "status"})
	buckets := []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}
	r.Rendering = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "motcua_render_seconds", Help: "Time to render a document, by kind.", Buckets: buckets}, []string{"document"})
	r.Signing = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "motcua_sign_seconds", Help: "Time to sign a document (with timestamp and revocation data), by kind.", Buckets: buckets}, []string{"document"})
	r.PortalFailures = prometheus.NewCounter(prometheus.CounterOpts{Name: "motcua_portal_push_failures_total", Help: "Pushes to the national portal that failed (each attempt)."})
	r.NotificationsFailed = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "motcua_notifications_failed_total", Help: "Notifications that failed, by channel."}, []string{"channel"})
	r.reg.MustRegister(r.DossiersStarted, r.DossiersFinished, r.Rendering, r.Signing, r.PortalFailures, r.NotificationsFailed)
	return r
}

// Handler serves the metrics in Prometheus' text format.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{})
}

// SDK is the Temporal SDK's metrics handler, reporting into the registry
// (metric names prefixed temporal_ as the SDK names them).
func (r *Registry) SDK() client.MetricsHandler { return sdkHandler{m: r.sdk} }

// Transition counts a dossier's change of status as the read model saw it:
// from "" is a new dossier; to a final status is a finished one.
func (r *Registry) Transition(procedure string, from, to motcua.Status) {
	if r == nil || from == to {
		return
	}
	if from == "" {
		r.DossiersStarted.WithLabelValues(procedure).Inc()
	}
	if to.Terminal() {
		r.DossiersFinished.WithLabelValues(procedure, string(to)).Inc()
	}
}

// Census is what the read model says of the open dossiers now.
type Census struct {
	OpenByStatus map[motcua.Status]int
	Overdue      int
	PortalBehind int // dossiers the portal does not have every status of
}

// CensusFunc counts the open dossiers, as of now.
type CensusFunc func(ctx context.Context, now time.Time) (Census, error)

// WatchReadModel reports the open dossiers by status, the overdue ones and
// those the portal is behind on, counted from the read model at each
// scrape.
func (r *Registry) WatchReadModel(count CensusFunc) {
	r.reg.MustRegister(census{count: count})
}

var (
	openDesc    = prometheus.NewDesc("motcua_dossiers_open", "Dossiers not finished, by status.", []string{"status"}, nil)
	overdueDesc = prometheus.NewDesc("motcua_dossiers_overdue", "Dossiers with the office past their due date (not counting those waiting for the citizen).", nil, nil)
	behindDesc  = prometheus.NewDesc("motcua_portal_pushes_pending", "Dossiers whose latest statuses the national portal does not have yet.", nil, nil)
)

type census struct{ count CensusFunc }

func (c census) Describe(ch chan<- *prometheus.Desc) {
	ch <- openDesc
	ch <- overdueDesc
	ch <- behindDesc
}

func (c census) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := c.count(ctx, time.Now())
	if err != nil {
		ch <- prometheus.NewInvalidMetric(openDesc, err)
		return
	}
	for _, s := range motcua.Statuses {
		if !s.Terminal() {
			ch <- prometheus.MustNewConstMetric(openDesc, prometheus.GaugeValue, float64(n.OpenByStatus[s]), string(s))
		}
	}
	ch <- prometheus.MustNewConstMetric(overdueDesc, prometheus.GaugeValue, float64(n.Overdue))
	ch <- prometheus.MustNewConstMetric(behindDesc, prometheus.GaugeValue, float64(n.PortalBehind))
}

// The SDK's metrics: counters, gauges and timers by name and tags, kept as
// series and turned into Prometheus metrics at each scrape. The SDK uses
// one name with several tag sets; a family gets the union of its tag
// names, missing ones empty, so every series of a family has the same
// labels.

type series struct {
	kind   string // counter, gauge, timer
	name   string
	labels map[string]string
	value  float64   // counter, gauge
	counts []uint64  // timer: per bucket
	sum    float64   // timer: seconds
	count  uint64    // timer
	bounds []float64 // timer buckets
}

type sdkMetrics struct {
	mu     sync.Mutex
	series map[string]*series
}

var timerBuckets = []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

func (m *sdkMetrics) get(kind, name string, tags map[string]string) *series {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var id strings.Builder
	id.WriteString(kind + "|" + name)
	for _, k := range keys {
		id.WriteString("|" + k + "=" + tags[k])
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.series[id.String()]
	if s == nil {
		s = &series{kind: kind, name: "temporal_" + strings.TrimPrefix(name, "temporal_"), labels: tags}
		if kind == "timer" {
			s.bounds, s.counts = timerBuckets, make([]uint64, len(timerBuckets))
		}
		m.series[id.String()] = s
	}
	return s
}

func (m *sdkMetrics) Describe(chan<- *prometheus.Desc) {} // unchecked: families appear as the SDK uses them

func (m *sdkMetrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := map[string][]string{} // family -> union of label names
	for _, s := range m.series {
		for k := range s.labels {
			if !slices.Contains(names[s.name+s.kind], k) {
				names[s.name+s.kind] = append(names[s.name+s.kind], k)
			}
		}
	}
	for _, s := range m.series {
		labels := names[s.name+s.kind]
		sort.Strings(labels)
		values := make([]string, len(labels))
		for i, k := range labels {
			values[i] = s.labels[k]
		}
		switch s.kind {
		case "counter":
			ch <- prometheus.MustNewConstMetric(prometheus.NewDesc(s.name+"_total", "Temporal SDK counter "+s.name, labels, nil), prometheus.CounterValue, s.value, values...)
		case "gauge":
			ch <- prometheus.MustNewConstMetric(prometheus.NewDesc(s.name, "Temporal SDK gauge "+s.name, labels, nil), prometheus.GaugeValue, s.value, values...)
		case "timer":
			buckets := map[float64]uint64{}
			var cum uint64
			for i, b := range s.bounds {
				cum += s.counts[i]
				buckets[b] = cum
			}
			ch <- prometheus.MustNewConstHistogram(prometheus.NewDesc(s.name+"_seconds", "Temporal SDK timer "+s.name, labels, nil), s.count, s.sum, buckets, values...)
		}
	}
}

type sdkHandler struct {
	m    *sdkMetrics
	tags map[string]string
}

func (h sdkHandler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := make(map[string]string, len(h.tags)+len(tags))
	for k, v := range h.tags {
		merged[k] = v
	}
	for k, v := range tags {
		merged[prometheusName(k)] = v
	}
	return sdkHandler{m: h.m, tags: merged}
}

func (h sdkHandler) Counter(name string) client.MetricsCounter {
	s := h.m.get("counter", prometheusName(name), h.tags)
	return counterFunc(func(d int64) {
		h.m.mu.Lock()
		s.value += float64(d)
		h.m.mu.Unlock()
	})
}

func (h sdkHandler) Gauge(name string) client.MetricsGauge {
	s := h.m.get("gauge", prometheusName(name), h.tags)
	return gaugeFunc(func(v float64) {
		h.m.mu.Lock()
		s.value = v
		h.m.mu.Unlock()
	})
}

func (h sdkHandler) Timer(name string) client.MetricsTimer {
	s := h.m.get("timer", prometheusName(name), h.tags)
	return timerFunc(func(d time.Duration) {
		h.m.mu.Lock()
		defer h.m.mu.Unlock()
		sec := d.Seconds()
		s.sum += sec
		s.count++
		for i, b := range s.bounds {
			if sec <= b {
				s.counts[i]++
				return
			}
		}
	})
}

type (
	counterFunc func(int64)
	gaugeFunc   func(float64)
	timerFunc   func(time.Duration)
)

func (f counterFunc) Inc(d int64)          { f(d) }
func (f gaugeFunc) Update(v float64)       { f(v) }
func (f timerFunc) Record(d time.Duration) { f(d) }

// prometheusName replaces what Prometheus does not take in a name.
func prometheusName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
			return r
		}
		return '_'
	}, s)
}
