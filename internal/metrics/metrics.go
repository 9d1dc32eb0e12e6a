// Package metrics gives operators numbers to watch, in Prometheus' text
// format: the Temporal SDK's metrics (a client.MetricsHandler over a
// Prometheus registry) and motcua's own — dossiers started and finished by
// procedure and final status, dossiers open by status and overdue, the
// latency of rendering and signing, portal pushes pending and failing,
// notifications failed. No metric carries personal data or a dossier id.
package metrics

import (
	"context"
	"math"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
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
	r := &Registry{reg: prometheus.NewRegistry(), sdk: &sdkMetrics{}}
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
func (r *Registry) SDK() client.MetricsHandler { return newHandler(r.sdk, nil) }

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
//
// The SDK asks its handler for a metric by name on every poll, task and
// activity, from every goroutine: a handler keeps its own series by name
// (a sync.Map, read without locking once made), and a series counts with
// atomics, a timer under its own lock. BenchmarkSDKMetrics (a counter, a
// timer and a gauge): 5.6 µs and 17 allocations with one lock for all and
// a key built per call; 0.14 µs and none this way, on 1, 2 or 8 CPUs.

type series struct {
	kind   string // counter, gauge, timer
	name   string
	labels map[string]string

	total atomic.Int64  // counter
	bits  atomic.Uint64 // gauge: math.Float64bits of its value

	mu     sync.Mutex // timer
	counts []uint64   // per bucket
	sum    float64    // seconds
	count  uint64
}

type sdkMetrics struct {
	series sync.Map // kind|name|tags -> *series, every handler's
}

var timerBuckets = []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

func (m *sdkMetrics) Describe(chan<- *prometheus.Desc) {} // unchecked: families appear as the SDK uses them

func (m *sdkMetrics) Collect(ch chan<- prometheus.Metric) {
	var all []*series
	names := map[string][]string{} // family -> union of label names
	m.series.Range(func(_, v any) bool {
		s := v.(*series)
		all = append(all, s)
		for k := range s.labels {
			if !slices.Contains(names[s.name+s.kind], k) {
				names[s.name+s.kind] = append(names[s.name+s.kind], k)
			}
		}
		return true
	})
	for _, s := range all {
		labels := names[s.name+s.kind]
		sort.Strings(labels)
		values := make([]string, len(labels))
		for i, k := range labels {
			values[i] = s.labels[k]
		}
		switch s.kind {
		case "counter":
			ch <- prometheus.MustNewConstMetric(prometheus.NewDesc(s.name+"_total", "Temporal SDK counter "+s.name, labels, nil), prometheus.CounterValue, float64(s.total.Load()), values...)
		case "gauge":
			ch <- prometheus.MustNewConstMetric(prometheus.NewDesc(s.name, "Temporal SDK gauge "+s.name, labels, nil), prometheus.GaugeValue, math.Float64frombits(s.bits.Load()), values...)
		case "timer":
			buckets := map[float64]uint64{}
			var cum uint64
			s.mu.Lock()
			for i, b := range timerBuckets {
				cum += s.counts[i]
				buckets[b] = cum
			}
			count, sum := s.count, s.sum
			s.mu.Unlock()
			ch <- prometheus.MustNewConstHistogram(prometheus.NewDesc(s.name+"_seconds", "Temporal SDK timer "+s.name, labels, nil), count, sum, buckets, values...)
		}
	}
}

// sdkHandler is the SDK's metrics handler for one set of tags.
type sdkHandler struct {
	m    *sdkMetrics
	tags map[string]string
	key  string               // the tags, sorted: "|k=v|k=v"
	mine map[string]*sync.Map // by kind: name -> *series of these tags
}

func newHandler(m *sdkMetrics, tags map[string]string) *sdkHandler {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var id strings.Builder
	for _, k := range keys {
		id.WriteString("|" + k + "=" + tags[k])
	}
	return &sdkHandler{m: m, tags: tags, key: id.String(), mine: map[string]*sync.Map{"counter": {}, "gauge": {}, "timer": {}}}
}

func (h *sdkHandler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := make(map[string]string, len(h.tags)+len(tags))
	for k, v := range h.tags {
		merged[k] = v
	}
	for k, v := range tags {
		merged[prometheusName(k)] = v
	}
	return newHandler(h.m, merged)
}

// get returns the handler's series of kind and name, made on first use.
func (h *sdkHandler) get(kind, name string) *series {
	mine := h.mine[kind]
	if s, ok := mine.Load(name); ok {
		return s.(*series)
	}
	s := &series{kind: kind, name: "temporal_" + strings.TrimPrefix(prometheusName(name), "temporal_"), labels: h.tags}
	if kind == "timer" {
		s.counts = make([]uint64, len(timerBuckets))
	}
	shared, _ := h.m.series.LoadOrStore(kind+"|"+name+h.key, s) // another handler of the same tags may have made it
	mine.Store(name, shared)
	return shared.(*series)
}

func (h *sdkHandler) Counter(name string) client.MetricsCounter {
	return (*counter)(h.get("counter", name))
}
func (h *sdkHandler) Gauge(name string) client.MetricsGauge { return (*gauge)(h.get("gauge", name)) }
func (h *sdkHandler) Timer(name string) client.MetricsTimer { return (*timer)(h.get("timer", name)) }

type (
	counter series
	gauge   series
	timer   series
)

func (c *counter) Inc(d int64) { c.total.Add(d) }

func (g *gauge) Update(v float64) { g.bits.Store(math.Float64bits(v)) }

func (t *timer) Record(d time.Duration) {
	sec := d.Seconds()
	i, _ := slices.BinarySearch(timerBuckets, sec) // the first bucket with sec <= its bound
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sum += sec
	t.count++
	if i < len(timerBuckets) {
		t.counts[i]++
	}
}

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
