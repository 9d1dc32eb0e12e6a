// Package loadtest drives the motcua API with concurrent simulated offices:
// each client takes dossiers in, reviews, signs and waits for completion,
// for a bounded time, and the run reports throughput and the latency of
// every kind of call.
package loadtest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/motcua/motcua"
)

// Config is one run.
type Config struct {
	API      string                 // base URL, e.g. http://127.0.0.1:8080
	Tokens   map[motcua.Role]string // a token per role
	Clients  int
	Duration time.Duration
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
	Completed  int           `json:"dossiers_completed"`
	Rejected   int           `json:"dossiers_rejected"`
	PerSecond  float64       `json:"dossiers_per_second"`
	Errors     int           `json:"errors"`
	FirstError string        `json:"first_error,omitempty"`
	Calls      []Call        `json:"calls"`
}

// String formats the report as a table.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d clients for %s: %d dossiers completed, %d rejected, %.2f dossiers/s, %d errors\n",
		r.Clients, r.Elapsed.Round(time.Millisecond), r.Completed, r.Rejected, r.PerSecond, r.Errors)
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

type recorder struct {
	mu        sync.Mutex
	lat       map[string][]time.Duration
	errs      map[string]int
	completed int
	rejected  int
	first     string
}

func (r *recorder) add(name string, d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lat[name] = append(r.lat[name], d)
	if err != nil {
		r.errs[name]++
		if r.first == "" {
			r.first = name + ": " + err.Error()
		}
	}
}

// Run drives the API until cfg.Duration passes; calls under way then are
// finished (each is bounded by a 60 s timeout).
func Run(ctx context.Context, cfg Config) Report {
	rec := &recorder{lat: map[string][]time.Duration{}, errs: map[string]int{}}
	hc := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Clients * 2}}
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for i := range cfg.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := client{cfg: cfg, hc: hc, rec: rec, rng: rand.New(rand.NewPCG(uint64(i), uint64(start.UnixNano())))}
			for ctx.Err() == nil {
				c.dossier()
			}
		}()
	}
	wg.Wait()
	rep := Report{Clients: cfg.Clients, Elapsed: time.Since(start), Completed: rec.completed, Rejected: rec.rejected, FirstError: rec.first}
	rep.PerSecond = float64(rep.Completed+rep.Rejected) / rep.Elapsed.Seconds()
	names := make([]string, 0, len(rec.lat))
	for n := range rec.lat {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		l := rec.lat[n]
		slices.Sort(l)
		rep.Calls = append(rep.Calls, Call{Name: n, Count: len(l), Errors: rec.errs[n],
			P50: l[len(l)/2], P99: l[min(len(l)-1, len(l)*99/100)], Max: l[len(l)-1]})
		rep.Errors += rec.errs[n]
	}
	return rep
}

type client struct {
	cfg Config
	hc  *http.Client
	rec *recorder
	rng *rand.Rand
}

var document = base64.StdEncoding.EncodeToString([]byte("%PDF-1.4\n% load test form\n%%EOF\n"))

// dossier takes one dossier through: 85% approved and signed, 10% with a
// supplement round first, 5% rejected.
func (c *client) dossier() {
	var created struct {
		DossierID string `json:"dossier_id"`
	}
	body := map[string]any{
		"procedure_code": "1.004227", "channel": "online",
		"applicant": map[string]string{"full_name": "Người Thử Tải", "id_number": fmt.Sprintf("%012d", c.rng.Int64N(1e12))},
		"fields":    map[string]string{"purpose": "Kiểm thử tải", "marital_status": "Chưa kết hôn"},
		"documents": []map[string]string{{"code": "TK_XNHN", "name": "tk.pdf", "content_type": "application/pdf", "content_base64": document}},
	}
	if c.call("intake", motcua.RoleSystem, "POST", "/v1/dossiers", body, http.StatusCreated, &created) != nil {
		return
	}
	path := "/v1/dossiers/" + created.DossierID
	switch p := c.rng.IntN(100); {
	case p < 5:
		if c.call("review", motcua.RoleSpecialist, "POST", path+"/review", map[string]string{"decision": "reject", "comment": "Không đủ điều kiện"}, 200, nil) == nil {
			c.rec.mu.Lock()
			c.rec.rejected++
			c.rec.mu.Unlock()
		}
		return
	case p < 15:
		if c.call("review", motcua.RoleSpecialist, "POST", path+"/review", map[string]any{"decision": "request_supplement", "comment": "Thiếu", "missing_documents": []string{"TK_XNHN"}}, 200, nil) != nil {
			return
		}
		if c.call("supplement", motcua.RoleClerk, "POST", path+"/supplement", map[string]any{"documents": body["documents"]}, 200, nil) != nil {
			return
		}
	}
	if c.call("review", motcua.RoleSpecialist, "POST", path+"/review", map[string]string{"decision": "approve"}, 200, nil) != nil {
		return
	}
	if c.call("sign", motcua.RoleChairman, "POST", path+"/sign", map[string]string{"decision": "sign"}, 200, nil) != nil {
		return
	}
	for range 600 {
		var st struct {
			Status motcua.Status `json:"status"`
		}
		if c.call("get", motcua.RoleClerk, "GET", path, nil, 200, &st) != nil {
			return
		}
		if st.Status == motcua.StatusCompleted {
			c.rec.mu.Lock()
			c.rec.completed++
			c.rec.mu.Unlock()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (c *client) call(name string, role motcua.Role, method, path string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.cfg.API+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.Tokens[role])
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := c.hc.Do(req)
	if err == nil {
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode != want:
			err = fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(raw))
		case out != nil:
			err = json.Unmarshal(raw, out)
		}
	}
	c.rec.add(name, time.Since(start), err)
	return err
}
