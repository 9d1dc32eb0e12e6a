// Package loadtest drives the motcua API with concurrent simulated offices:
// each client takes dossiers in, reviews, signs and waits for completion,
// for a bounded time, and the run reports throughput and the latency of
// every kind of call.
package loadtest

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/apiclient"
	"github.com/motcua/motcua/wire"
)

// Config is one run.
type Config struct {
	API      string                 // base URL, e.g. http://127.0.0.1:8080; several, comma-separated, share the clients
	Tokens   map[motcua.Role]string // a token per role
	Clients  int
	Duration time.Duration
	// Dossiers, when positive, stops taking dossiers in after that many.
	Dossiers int
	// Open takes dossiers in and leaves them waiting for review, as a busy
	// office does: the load of many open dossiers on the engine.
	Open bool
	// Shapes mixes every step shape of the catalog (payment, same-day,
	// consultation, supplement twice, withdrawal) into the dossiers, instead
	// of review-and-sign alone.
	Shapes bool
}

// Call is the latency record of one kind of API call.
type Call struct {
	Name   string        `json:"name"`
	Count  int           `json:"count"`
	Errors int           `json:"errors"`
	P50    time.Duration `json:"p50"`
	P99    time.Duration `json:"p99"`
	Max    time.Duration `json:"max"`
}

// Report is what a run measured.
type Report struct {
	Clients    int           `json:"clients"`
	Elapsed    time.Duration `json:"elapsed"`
	Started    int           `json:"dossiers_started"`
	Completed  int           `json:"dossiers_completed"`
	Rejected   int           `json:"dossiers_rejected"`
	Withdrawn  int           `json:"dossiers_withdrawn"`
	PerSecond  float64       `json:"dossiers_per_second"`
	Errors     int           `json:"errors"`
	FirstError string        `json:"first_error,omitempty"`
	Calls      []Call        `json:"calls"`
}

// String formats the report as a table.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d clients for %s: %d dossiers started, %d completed, %d rejected, %d withdrawn, %.2f dossiers/s, %d errors\n",
		r.Clients, r.Elapsed.Round(time.Millisecond), r.Started, r.Completed, r.Rejected, r.Withdrawn, r.PerSecond, r.Errors)
	fmt.Fprintf(&b, "%-12s %7s %7s %9s %9s %9s\n", "call", "count", "errors", "p50", "p99", "max")
	for _, c := range r.Calls {
		fmt.Fprintf(&b, "%-12s %7d %7d %9s %9s %9s\n", c.Name, c.Count, c.Errors,
			c.P50.Round(time.Millisecond), c.P99.Round(time.Millisecond), c.Max.Round(time.Millisecond))
	}
	if r.FirstError != "" {
		fmt.Fprintf(&b, "first error: %s\n", r.FirstError)
	}
	return b.String()
}

// Latencies records the duration of calls, and their errors, by the
// calls' names; safe for concurrent use, the zero value ready.
type Latencies struct {
	mu    sync.Mutex
	lat   map[string][]time.Duration
	errs  map[string]int
	first string
}

// Add records one call.
func (l *Latencies) Add(name string, d time.Duration, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lat == nil {
		l.lat, l.errs = map[string][]time.Duration{}, map[string]int{}
	}
	l.lat[name] = append(l.lat[name], d)
	if err != nil {
		l.errs[name]++
		if l.first == "" {
			l.first = name + ": " + err.Error()
		}
	}
}

// Calls are the calls recorded, by name, each with its percentiles; errs
// is their total, first the first of them.
func (l *Latencies) Calls() (calls []Call, errs int, first string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, name := range slices.Sorted(maps.Keys(l.lat)) {
		d := slices.Sorted(slices.Values(l.lat[name]))
		calls = append(calls, Call{Name: name, Count: len(d), Errors: l.errs[name],
			P50: d[len(d)/2], P99: d[min(len(d)-1, len(d)*99/100)], Max: d[len(d)-1]})
		errs += l.errs[name]
	}
	return calls, errs, l.first
}

type recorder struct {
	Latencies
	mu        sync.Mutex
	started   int
	completed int
	rejected  int
	withdrawn int
}

// count records a dossier that was started or reached a final status.
func (r *recorder) count(s motcua.Status) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch s {
	case motcua.StatusReceived:
		r.started++
	case motcua.StatusRejected:
		r.rejected++
	case motcua.StatusWithdrawn:
		r.withdrawn++
	default:
		r.completed++
	}
}

// Run drives the API until cfg.Duration passes; dossiers under way then are
// finished (each call is bounded by a 70 s timeout). Every dossier started
// ends completed or rejected, or the run reports an error for it.
func Run(ctx context.Context, cfg Config) Report {
	rec := &recorder{}
	httpc := &http.Client{Timeout: 70 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Clients * 2}}
	var via []map[motcua.Role]*apiclient.Client // each API as each role
	for _, url := range strings.Split(cfg.API, ",") {
		api, as := apiclient.New(strings.TrimSpace(url), "", httpc), map[motcua.Role]*apiclient.Client{}
		for role, token := range cfg.Tokens {
			as[role] = api.As(token)
		}
		via = append(via, as)
	}
	as := via[0]
	running, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	var taken atomic.Int64
	for i := range cfg.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := client{as: via[i%len(via)], rec: rec, rng: rand.New(rand.NewPCG(uint64(i), uint64(start.UnixNano()))), shapes: cfg.Shapes, open: cfg.Open}
			for running.Err() == nil && (cfg.Dossiers <= 0 || taken.Add(1) <= int64(cfg.Dossiers)) {
				c.dossier(ctx) // a dossier under way is finished
			}
		}()
	}
	wg.Wait()
	rep := Report{Clients: cfg.Clients, Elapsed: time.Since(start), Started: rec.started, Completed: rec.completed,
		Rejected: rec.rejected, Withdrawn: rec.withdrawn}
	rep.PerSecond = float64(rep.Completed+rep.Rejected+rep.Withdrawn) / rep.Elapsed.Seconds()
	// The commune's figures over the day's dossiers, as a leader asks.
	today := time.Now().In(motcua.Vietnam).Format(time.DateOnly)
	(&client{rec: rec}).call("kpi", func() error {
		_, err := as[motcua.RoleChairman].Raw(ctx, http.MethodGet, "/v1/reports/kpi?from="+today+"&to="+today, nil)
		return err
	})
	rep.Calls, rep.Errors, rep.FirstError = rec.Calls()
	return rep
}

type client struct {
	as     map[motcua.Role]*apiclient.Client
	rec    *recorder
	rng    *rand.Rand
	shapes bool
	open   bool
}

var document = []byte("%PDF-1.4\n% load test form\n%%EOF\n")

// A shape is a procedure and one way through it.
type shape struct {
	procedure string
	fields    map[string]string
	docs      []string
	// path: approve, supplement (one round), supplement2 (two: late),
	// reject, withdraw; paid and consulted procedures also pay or answer.
	path string
}

var (
	marital = shape{procedure: "1.004227", fields: map[string]string{"purpose": "Kiểm thử tải", "marital_status": "Chưa kết hôn"}, docs: []string{"TK_XNHN"}}
	copies  = shape{procedure: "2.000815", fields: map[string]string{"document_title": "Bằng tốt nghiệp", "copies": "2"}, docs: []string{"BAN_CHINH"}}
	parent  = shape{procedure: "1.000689", fields: map[string]string{"parent_name": "Người Thử Tải", "child_name": "Con Thử Tải", "relationship": "cha"},
		docs: []string{"TK_NCMC", "CHUNG_CU"}}
)

// pick chooses the dossier's shape: review-and-sign alone (85% approved,
// 10% a supplement round first, 5% rejected), or with Shapes every step
// shape: 40% approved, 10% one supplement, 5% two, 5% rejected, 5%
// withdrawn, 20% certification of copies (fee, same-day), 15% a parent's
// acknowledgement (consultation).
func (c *client) pick() shape {
	p := c.rng.IntN(100)
	s := marital
	if !c.shapes {
		switch {
		case p < 5:
			s.path = "reject"
		case p < 15:
			s.path = "supplement"
		default:
			s.path = "approve"
		}
		return s
	}
	switch {
	case p < 40:
		s.path = "approve"
	case p < 50:
		s.path = "supplement"
	case p < 55:
		s.path = "supplement2"
	case p < 60:
		s.path = "reject"
	case p < 65:
		s.path = "withdraw"
	case p < 85:
		s = copies
		s.path = "approve"
	default:
		s = parent
		s.path = "approve"
	}
	return s
}

// dossier takes one dossier of a picked shape through, to its hand-back.
func (c *client) dossier(ctx context.Context) {
	s := c.pick()
	var docs []motcua.Document
	for _, code := range s.docs {
		docs = append(docs, motcua.Document{Code: code, Name: code + ".pdf", ContentType: "application/pdf", Content: document})
	}
	var created apiclient.Created
	if c.call("intake", func() (err error) {
		created, err = c.as[motcua.RoleSystem].Create(ctx, motcua.Application{
			ProcedureCode: s.procedure, Channel: motcua.ChannelOnline,
			Applicant: motcua.Applicant{FullName: "Người Thử Tải", IDNumber: fmt.Sprintf("%012d", c.rng.Int64N(1e12))},
			Fields:    s.fields, Documents: docs,
		})
		return err
	}) != nil {
		return
	}
	c.rec.count(motcua.StatusReceived)
	if c.open {
		return
	}
	id := created.DossierID
	system, specialist, clerk, chairman := c.as[motcua.RoleSystem], c.as[motcua.RoleSpecialist], c.as[motcua.RoleClerk], c.as[motcua.RoleChairman]
	review := func(r motcua.Review) error {
		return c.call("review", func() error { _, err := specialist.Review(ctx, id, r); return err })
	}
	if created.Status == motcua.StatusAwaitingPayment {
		if c.call("payment", func() error {
			_, err := system.Pay(ctx, id, motcua.Payment{TransactionID: "LOAD-" + id, AmountVND: 4000, Method: motcua.PaymentOnline, PaidAt: time.Now()})
			return err
		}) != nil {
			return
		}
	}
	switch s.path {
	case "reject":
		if review(motcua.Review{Decision: motcua.DecisionReject, Comment: "Không đủ điều kiện"}) == nil {
			c.rec.count(motcua.StatusRejected)
		}
		return
	case "withdraw":
		if c.call("withdraw", func() error { _, err := clerk.Withdraw(ctx, id, "Công dân rút"); return err }) == nil {
			c.rec.count(motcua.StatusWithdrawn)
		}
		return
	case "supplement", "supplement2":
		for range map[string]int{"supplement": 1, "supplement2": 2}[s.path] {
			if review(motcua.Review{Decision: motcua.DecisionRequestSupplement, Comment: "Thiếu", MissingDocuments: s.docs[:1]}) != nil {
				return
			}
			if c.call("supplement", func() error { _, err := clerk.Supplement(ctx, id, docs[:1]); return err }) != nil {
				return
			}
		}
	}
	if review(motcua.Review{Decision: motcua.DecisionApprove}) != nil {
		return
	}
	if s.procedure == parent.procedure {
		if c.call("consultation", func() error {
			_, err := system.Consulted(ctx, id, wire.ConsultationAnswer{Outcome: motcua.ConsultationAgreed, Comment: "Đồng ý"})
			return err
		}) != nil {
			return
		}
	}
	if c.call("sign", func() error {
		_, err := chairman.Sign(ctx, id, motcua.SignDecision{Decision: motcua.DecisionSign})
		return err
	}) != nil {
		return
	}
	for range 600 {
		var st motcua.State
		if c.call("get", func() (err error) { st, err = clerk.Get(ctx, id); return err }) != nil {
			return
		}
		if st.Status == motcua.StatusCompleted {
			if c.call("hand-back", func() error {
				_, err := clerk.HandBack(ctx, id, motcua.HandBack{Method: motcua.HandBackCounter, ReceivedBy: "Người Thử Tải"})
				return err
			}) == nil {
				c.rec.count(motcua.StatusReturned)
			}
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.rec.Add("complete", 60*time.Second, fmt.Errorf("dossier %s not completed within 60 s of its signature", id))
}

// call times one API call.
func (c *client) call(name string, f func() error) error {
	start := time.Now()
	err := f()
	c.rec.Add(name, time.Since(start), err)
	return err
}
