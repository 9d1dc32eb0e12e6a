package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/apiclient"
	"github.com/motcua/motcua/internal/loadtest"
	"github.com/motcua/motcua/internal/ports"
	"github.com/motcua/motcua/workflows"
)

// Level is what the scale run measured with a number of dossiers open.
type Level struct {
	// Open is the number of dossiers waiting for review, counted by
	// Temporal's visibility when the level was measured.
	Open int `json:"open"`
	// FillPerSecond is the intake rate while the open dossiers were taken
	// in (intake only); FillErrors the intakes that failed meanwhile, and
	// Intake the intakes' latency (taken in chunks of at most 1000: the
	// worst chunk's percentiles).
	FillPerSecond float64       `json:"fill_per_second"`
	FillErrors    int           `json:"fill_errors"`
	Intake        loadtest.Call `json:"fill_intake"`
	// WorkerRSS is the worker's resident memory after the level's
	// dossiers; WorkerPeakRSS its peak so far. Bytes.
	WorkerRSS     int64 `json:"worker_rss_bytes"`
	WorkerPeakRSS int64 `json:"worker_peak_rss_bytes"`
	// List is GET /v1/dossiers?status=in_review (the first page, 50),
	// asked one after another by a specialist.
	List loadtest.Call `json:"list_in_review"`
	// Dossiers is the cost of a whole dossier (intake to hand-back) at
	// this level, driven with the run's clients.
	Dossiers Side `json:"dossiers"`
}

// ScaleReport is a scale run: the levels in increasing order.
type ScaleReport struct {
	Clients int     `json:"clients"`
	Levels  []Level `json:"levels"`
}

// String formats the report for people.
func (r ScaleReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "open dossiers on one durable server (SQLite, fsync on commit), one worker; %d clients\n\n", r.Clients)
	fmt.Fprintf(&b, "%8s %8s %10s %11s %11s %10s %10s %9s %10s %9s %9s %7s\n",
		"open", "fill/s", "fill p99", "worker RSS", "peak RSS", "list p50", "list p99", "dossier/s", "CPU s each", "intake99", "sign p99", "errors")
	for _, l := range r.Levels {
		call := func(name string) time.Duration {
			for _, c := range l.Dossiers.Calls {
				if c.Name == name {
					return c.P99
				}
			}
			return 0
		}
		fmt.Fprintf(&b, "%8d %8.1f %10s %9.0fMB %9.0fMB %10s %10s %9.2f %10.3f %9s %9s %7d\n",
			l.Open, l.FillPerSecond, l.Intake.P99.Round(time.Millisecond), float64(l.WorkerRSS)/(1<<20), float64(l.WorkerPeakRSS)/(1<<20),
			l.List.P50.Round(100*time.Microsecond), l.List.P99.Round(100*time.Microsecond),
			l.Dossiers.PerSecond, l.Dossiers.CPUPer, call("intake").Round(time.Millisecond), call("sign").Round(time.Millisecond),
			l.FillErrors+l.Dossiers.Errors+l.List.Errors)
	}
	return b.String()
}

// ScaleConfig is one scale run.
type ScaleConfig struct {
	Config
	// Open are the levels of open dossiers to measure at, increasing.
	Open []int
	// Lists is how many list calls to time at each level.
	Lists int
}

// Scale fills the engine with dossiers left waiting for review, level by
// level, and at each level measures the worker's memory, the list of
// dossiers in review, and the cost of whole dossiers driven through
// meanwhile (cfg.Count of them, with cfg.Clients).
func Scale(ctx context.Context, cfg ScaleConfig) (ScaleReport, error) {
	if cfg.Clients < 1 || cfg.Count < 1 || len(cfg.Open) == 0 || cfg.Lists < 1 {
		return ScaleReport{}, errors.New("bench: clients, count, lists and the levels must be positive")
	}
	if !slices.IsSorted(cfg.Open) || cfg.Open[0] < 1 {
		return ScaleReport{}, errors.New("bench: the levels of open dossiers must be positive and increasing")
	}
	// A unit hands out 9,999 codes a day: the dossiers left open are taken
	// in by as many units as the highest level needs, each through its own
	// API (the whole dossiers and the lists go through the first).
	if cfg.Count*len(cfg.Open) > 9999-openPerUnit {
		return ScaleReport{}, fmt.Errorf("bench: at most %d whole dossiers a level with %d levels", (9999-openPerUnit)/len(cfg.Open), len(cfg.Open))
	}
	r := &run{cfg: cfg.Config, data: filepath.Join(cfg.Dir, "data")}
	defer r.stop()
	rep := ScaleReport{Clients: cfg.Clients}
	if err := r.startServer(ctx); err != nil {
		return rep, err
	}
	m, err := r.startMotcua(ctx)
	if err != nil {
		return rep, err
	}
	open := 0
	for _, level := range cfg.Open {
		var l Level
		if err = r.fill(ctx, m, open, level, &l); err != nil {
			return rep, err
		}
		if l.Open, err = r.waitOpen(ctx, level); err != nil {
			return rep, err
		}
		open = l.Open
		if l.Dossiers, err = r.dossiers(ctx, m, cfg.Count); err != nil {
			return rep, err
		}
		l.List = r.list(ctx, m, cfg.Lists)
		l.WorkerRSS, l.WorkerPeakRSS = memoryOf(m.worker.Pid())
		r.progress("%d open: worker %d MB (peak %d MB), list p99 %s, %.2f dossiers/s",
			l.Open, l.WorkerRSS>>20, l.WorkerPeakRSS>>20, l.List.P99.Round(time.Millisecond), l.Dossiers.PerSecond)
		rep.Levels = append(rep.Levels, l)
	}
	return rep, nil
}

// openPerUnit is how many dossiers the fill leaves open in one unit.
const openPerUnit = 8000

// fill takes dossiers in until level are open, and records the intake
// rate, latency and errors in l.
func (r *run) fill(ctx context.Context, m *processes, open, level int, l *Level) error {
	start, taken := time.Now(), 0
	var intakes []loadtest.Call
	for taken < level-open {
		unit := (open + taken) / openPerUnit
		api := m.api
		if unit > 0 {
			var err error
			if api, err = r.unitAPI(m, unit); err != nil {
				return err
			}
		}
		n := min(level-open-taken, 1000, (unit+1)*openPerUnit-open-taken)
		rep := loadtest.Run(ctx, loadtest.Config{API: api, Tokens: m.tokens, Clients: r.cfg.Clients, Duration: 24 * time.Hour, Dossiers: n, Open: true})
		if err := ctx.Err(); err != nil {
			return err
		}
		if rep.Started == 0 {
			return fmt.Errorf("no dossier taken in: %s", rep.FirstError)
		}
		taken += rep.Started
		l.FillErrors += rep.Errors
		for _, c := range rep.Calls {
			if c.Name == "intake" {
				intakes = append(intakes, c)
			}
		}
		r.progress("%d open dossiers taken in (%.1f/s, %d errors)", open+taken, float64(taken)/time.Since(start).Seconds(), l.FillErrors)
	}
	l.FillPerSecond = float64(taken) / time.Since(start).Seconds()
	// Taken in chunks of at most 1000: the worst chunk's percentiles.
	for _, c := range intakes {
		l.Intake.Name, l.Intake.Count, l.Intake.Errors = "intake", l.Intake.Count+c.Count, l.Intake.Errors+c.Errors
		l.Intake.P50, l.Intake.P99, l.Intake.Max = max(l.Intake.P50, c.P50), max(l.Intake.P99, c.P99), max(l.Intake.Max, c.Max)
	}
	return nil
}

// unitAPI is the API of the bench's unit number unit (1 and up), started
// at its first use: the default unit's code with its commune number
// changed.
func (r *run) unitAPI(m *processes, unit int) (string, error) {
	if addr, ok := r.unitAPIs[unit]; ok {
		return addr, nil
	}
	addr, err := ports.Loopback()
	if err != nil {
		return "", err
	}
	code := fmt.Sprintf("000.00.%02d.H22", unit+1)
	if err := r.startAPI(m, fmt.Sprintf("api-unit%d", unit+1), addr, "--unit-code", code); err != nil {
		return "", err
	}
	if r.unitAPIs == nil {
		r.unitAPIs = map[int]string{}
	}
	r.unitAPIs[unit] = "http://" + addr
	return r.unitAPIs[unit], nil
}

// waitOpen waits for visibility to count level dossiers in review.
func (r *run) waitOpen(ctx context.Context, level int) (int, error) {
	q := fmt.Sprintf("WorkflowType = 'DossierWorkflow' AND %s = '%s'", workflows.AttrStatus.GetName(), motcua.StatusInReview)
	for deadline := time.Now().Add(2 * time.Minute); ; {
		resp, err := r.tc.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: q})
		if err != nil {
			return 0, fmt.Errorf("count the open dossiers: %w", err)
		}
		// An intake that failed on a timeout may have been carried out
		// all the same: there may be more than level.
		if n := int(resp.Count); n >= level {
			return n, nil
		} else if time.Now().After(deadline) {
			return n, fmt.Errorf("%d dossiers in review, %d taken in", n, level)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// list times n first pages of the dossiers in review, asked one after
// another by a specialist.
func (r *run) list(ctx context.Context, m *processes, n int) loadtest.Call {
	specialist := apiclient.New(m.api, "", nil).As(m.tokens[motcua.RoleSpecialist])
	var lat loadtest.Latencies
	for range n {
		start := time.Now()
		page, err := specialist.List(ctx, apiclient.Filter{Status: motcua.StatusInReview})
		if err == nil && len(page.Dossiers) == 0 {
			err = errors.New("an empty first page of the dossiers in review")
		}
		lat.Add("list", time.Since(start), err)
	}
	calls, _, _ := lat.Calls()
	return calls[0]
}

// memoryOf is a process's resident and peak resident memory, from /proc.
func memoryOf(pid int) (rss, peak int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			continue
		}
		switch name {
		case "VmRSS":
			rss = kb << 10
		case "VmHWM":
			peak = kb << 10
		}
	}
	return rss, peak
}
