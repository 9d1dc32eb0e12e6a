// Package bench measures motcua against Temporal alone, in one run on one
// machine: it starts its own durable server (motcua server, SQLite, fsync
// on commit), drives a bare workflow of a dossier's shape with N clients,
// then motcua's dossiers through the real API (worker, API and portal
// simulator as processes) with the same N clients, and compares the rates.
package bench

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/rs/zerolog"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/child"
	"github.com/motcua/motcua/internal/loadtest"
	"github.com/motcua/motcua/internal/mtls"
	"github.com/motcua/motcua/internal/ports"
	"github.com/motcua/motcua/worker"
)

// Config is one bench run.
type Config struct {
	Binary   string // the motcua executable, for the server, worker and API
	Dir      string // the run's data and logs
	Clients  int
	Count    int // workflows, then dossiers
	Progress io.Writer
}

// Side is what one half of the run measured.
type Side struct {
	Name      string        `json:"name"`
	Count     int           `json:"count"`
	Elapsed   time.Duration `json:"elapsed"`
	PerSecond float64       `json:"per_second"`
	Errors    int           `json:"errors"`
	// FirstError is the first failed call's error, when one failed.
	FirstError string          `json:"first_error,omitempty"`
	Calls      []loadtest.Call `json:"calls"`
	// EventsPer is the mean history length of the side's closed workflows.
	EventsPer float64 `json:"history_events_per_item"`
	// CPUPer is the CPU seconds of every process of the run (server,
	// workers, API, portal simulator, the bench's clients) per item.
	CPUPer float64 `json:"cpu_seconds_per_item"`
	// ServerShare is the Temporal server's part of that CPU.
	ServerShare float64 `json:"server_cpu_share"`
	// CPUByProcess splits CPUPer by process: server, worker, api,
	// portal-sim, and clients (the bench's own process: its clients, and
	// on the bare side the bare workflow's worker).
	CPUByProcess map[string]float64 `json:"cpu_seconds_per_item_by_process"`
}

// Report is the whole run.
type Report struct {
	Clients int     `json:"clients"`
	Bare    Side    `json:"bare"`
	Motcua  Side    `json:"motcua"`
	Ratio   float64 `json:"ratio"`
}

// String formats the report for people.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d clients, one durable server (SQLite, fsync on commit), this machine\n\n", r.Clients)
	for _, s := range []Side{r.Bare, r.Motcua} {
		fmt.Fprintf(&b, "%s: %d in %s = %.2f/s, %d errors; %.1f history events each; %.3f CPU s each (server %.0f%%)\n",
			s.Name, s.Count, s.Elapsed.Round(time.Millisecond), s.PerSecond, s.Errors, s.EventsPer, s.CPUPer, 100*s.ServerShare)
		b.WriteString("  CPU s each by process:")
		for _, p := range processNames {
			if v, ok := s.CPUByProcess[p]; ok {
				fmt.Fprintf(&b, " %s %.3f", p, v)
			}
		}
		b.WriteString("\n")
		if s.FirstError != "" {
			fmt.Fprintf(&b, "  first error: %s\n", s.FirstError)
		}
		fmt.Fprintf(&b, "  %-12s %7s %9s %9s %9s\n", "call", "count", "p50", "p99", "max")
		for _, c := range s.Calls {
			fmt.Fprintf(&b, "  %-12s %7d %9s %9s %9s\n", c.Name, c.Count, c.P50.Round(time.Millisecond), c.P99.Round(time.Millisecond), c.Max.Round(time.Millisecond))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "ratio (motcua / bare): %.2f\n", r.Ratio)
	return b.String()
}

// Run runs the bench.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if cfg.Clients < 1 || cfg.Count < 1 {
		return Report{}, errors.New("bench: clients and count must be positive")
	}
	r := &run{cfg: cfg, data: filepath.Join(cfg.Dir, "data")}
	defer r.stop()
	rep := Report{Clients: cfg.Clients}
	var err error
	if err = r.startServer(ctx); err != nil {
		return rep, err
	}
	if rep.Bare, err = r.bare(ctx); err != nil {
		return rep, err
	}
	if rep.Motcua, err = r.motcua(ctx); err != nil {
		return rep, err
	}
	if rep.Bare.PerSecond > 0 {
		rep.Ratio = rep.Motcua.PerSecond / rep.Bare.PerSecond
	}
	return rep, nil
}

type run struct {
	cfg      Config
	data     string
	temporal string
	server   *child.Process
	children []*child.Process
	names    map[*child.Process]string // the report's name of each child
	tc       client.Client
	unitAPIs map[int]string // the scale run's further units' APIs
}

func (r *run) progress(format string, args ...any) {
	if r.cfg.Progress != nil {
		fmt.Fprintf(r.cfg.Progress, "[bench] "+format+"\n", args...)
	}
}

func (r *run) spawn(name string, args ...string) (*child.Process, error) {
	if err := os.MkdirAll(r.cfg.Dir, 0o700); err != nil {
		return nil, err
	}
	p, err := child.Start(r.cfg.Binary, filepath.Join(r.cfg.Dir, name+".log"), args...)
	if err != nil {
		return nil, err
	}
	r.children = append(r.children, p)
	if r.names == nil {
		r.names = map[*child.Process]string{}
	}
	r.names[p] = processName(name)
	return p, nil
}

func (r *run) stop() {
	if r.tc != nil {
		r.tc.Close()
	}
	child.StopAll(30*time.Second, r.children...)
}

func (r *run) startServer(ctx context.Context) error {
	var err error
	if r.temporal, err = ports.Loopback(); err != nil {
		return err
	}
	if r.server, err = r.spawn("server", "server", "--data", r.data, "--temporal-addr", r.temporal, "--ui-addr", ""); err != nil {
		return err
	}
	// The bare side is a writer like motcua's worker: it runs workflows.
	tlsFor := func() (*tls.Config, error) {
		return mtls.ClientConfig(mtls.FilesOf(filepath.Join(r.data, "tls"), mtls.Worker))
	}
	r.tc, err = worker.Dial(ctx, r.temporal, worker.Namespace, nil, tlsFor, zerolog.Nop(), 3*time.Minute, nil)
	if err != nil {
		return fmt.Errorf("the bench's server: %w", err)
	}
	r.progress("durable server up at %s (data %s)", r.temporal, r.data)
	return nil
}

// cpu is the CPU time each process of the run used, by the name the
// report gives it (processNames).
type cpu map[string]time.Duration

// processNames are the report's processes, in its order.
var processNames = []string{"server", "worker", "api", "portal-sim", "clients"}

func (r *run) cpuNow() cpu {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	c := cpu{"clients": time.Duration(ru.Utime.Nano() + ru.Stime.Nano())}
	for _, p := range r.children {
		c[r.names[p]] += procCPU(p.Pid())
	}
	return c
}

// processName is the report's name of a process the run spawned as name:
// every API ("api", "api-unit2") is an api.
func processName(name string) string {
	if strings.HasPrefix(name, "api") {
		return "api"
	}
	return name
}

// procCPU reads a process's user and system time from /proc (0 if gone).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticks
}

// usage fills a side's CPU figures from the CPU used between two readings.
func (s *Side) usage(before, after cpu) {
	var total time.Duration
	s.CPUByProcess = map[string]float64{}
	for name, used := range after {
		used -= before[name]
		total += used
		if s.Count > 0 {
			s.CPUByProcess[name] = used.Seconds() / float64(s.Count)
		}
	}
	if s.Count > 0 {
		s.CPUPer = total.Seconds() / float64(s.Count)
	}
	if total > 0 {
		s.ServerShare = (after["server"] - before["server"]).Seconds() / total.Seconds()
	}
}

// bare drives the bare workflow: start, the two Updates, the result.
func (r *run) bare(ctx context.Context) (Side, error) {
	w := sdkworker.New(r.tc, BareTaskQueue, sdkworker.Options{})
	w.RegisterWorkflow(BareWorkflow)
	w.RegisterActivity(Noop)
	if err := w.Start(); err != nil {
		return Side{}, err
	}
	defer w.Stop()
	r.progress("bare workflow: %d with %d clients", r.cfg.Count, r.cfg.Clients)
	prefix := fmt.Sprintf("bench-bare-%d-", rand.Int64())
	var lat loadtest.Latencies
	var taken atomic.Int64
	timed := func(name string, f func() error) error {
		t := time.Now()
		err := f()
		lat.Add(name, time.Since(t), err)
		return err
	}
	before, start := r.cpuNow(), time.Now()
	var wg sync.WaitGroup
	for range r.cfg.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := taken.Add(1)
				if k > int64(r.cfg.Count) {
					return
				}
				id := prefix + strconv.FormatInt(k, 10)
				var run client.WorkflowRun
				err := timed("start", func() (err error) {
					run, err = r.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: BareTaskQueue}, BareWorkflow)
					return err
				})
				for _, update := range []string{"review", "sign"} {
					if err != nil {
						break
					}
					err = timed(update, func() error {
						h, err := r.tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: update, WaitForStage: client.WorkflowUpdateStageCompleted})
						if err != nil {
							return err
						}
						return h.Get(ctx, nil)
					})
				}
				if err == nil {
					timed("result", func() error { return run.Get(ctx, nil) })
				}
			}
		}()
	}
	wg.Wait()
	s := Side{Name: "bare workflow (same shape, no work)", Count: r.cfg.Count, Elapsed: time.Since(start)}
	s.usage(before, r.cpuNow())
	s.PerSecond = float64(s.Count) / s.Elapsed.Seconds()
	s.Calls, s.Errors, s.FirstError = lat.Calls()
	var err error
	s.EventsPer, err = r.eventsPer(ctx, "BareWorkflow")
	return s, err
}

// motcua drives dossiers through the real API with the load generator.
func (r *run) motcua(ctx context.Context) (Side, error) {
	m, err := r.startMotcua(ctx)
	if err != nil {
		return Side{}, err
	}
	return r.dossiers(ctx, m, r.cfg.Count)
}

// processes are motcua's worker, API and portal simulator of a run.
type processes struct {
	api       string
	tokens    map[motcua.Role]string
	worker    *child.Process
	usersFile string
}

// startMotcua starts motcua's processes on the run's server and waits for
// the API to answer.
func (r *run) startMotcua(ctx context.Context) (*processes, error) {
	portal, err := ports.Loopback()
	if err != nil {
		return nil, err
	}
	api, err := ports.Loopback()
	if err != nil {
		return nil, err
	}
	m := &processes{api: "http://" + api, tokens: map[motcua.Role]string{}}
	var users []map[string]string
	for _, role := range motcua.Roles {
		tok := fmt.Sprintf("bench-%s-%d", role, rand.Int64())
		m.tokens[role] = tok
		sum := sha256.Sum256([]byte(tok))
		users = append(users, map[string]string{"id": string(role) + "1", "name": "Người " + string(role), "role": string(role), "token_sha256": hex.EncodeToString(sum[:])})
	}
	b, _ := json.Marshal(map[string]any{"users": users})
	usersFile := filepath.Join(r.cfg.Dir, "users.json")
	if err := os.WriteFile(usersFile, b, 0o600); err != nil {
		return nil, err
	}
	m.usersFile = usersFile
	for _, args := range [][]string{
		{"portal-sim", "--addr", portal, "--data", filepath.Join(r.cfg.Dir, "portal")},
		{"worker", "--data", r.data, "--temporal-addr", r.temporal, "--portal-url", "http://" + portal, "--outbox", filepath.Join(r.data, "outbox")},
	} {
		p, err := r.spawn(args[0], args...)
		if err != nil {
			return nil, err
		}
		if args[0] == "worker" {
			m.worker = p
		}
	}
	if err := r.startAPI(m, "api", api); err != nil {
		return nil, err
	}
	return m, nil
}

// startAPI starts an API on addr (the default unit's, or with
// --unit-code another's) and waits for it to answer.
func (r *run) startAPI(m *processes, name, addr string, extra ...string) error {
	args := append([]string{"api", "--data", r.data, "--temporal-addr", r.temporal, "--users", m.usersFile, "--api-addr", addr}, extra...)
	if _, err := r.spawn(name, args...); err != nil {
		return err
	}
	for deadline := time.Now().Add(3 * time.Minute); ; {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the bench's motcua API never answered (see %s.log)", name)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// dossiers drives count dossiers through, from intake to hand-back, with
// the run's clients.
func (r *run) dossiers(ctx context.Context, m *processes, count int) (Side, error) {
	r.progress("motcua dossiers: %d with %d clients through %s", count, r.cfg.Clients, m.api)
	before := r.cpuNow()
	rep := loadtest.Run(ctx, loadtest.Config{API: m.api, Tokens: m.tokens, Clients: r.cfg.Clients, Duration: 24 * time.Hour, Dossiers: count})
	s := Side{Name: "motcua dossiers (through the API)", Count: rep.Completed + rep.Rejected + rep.Withdrawn, Elapsed: rep.Elapsed,
		PerSecond: rep.PerSecond, Errors: rep.Errors, FirstError: rep.FirstError, Calls: rep.Calls}
	s.usage(before, r.cpuNow())
	var err error
	s.EventsPer, err = r.eventsPer(ctx, "DossierWorkflow")
	return s, err
}

// eventsPer is the mean history length of the closed workflows of a type.
func (r *run) eventsPer(ctx context.Context, workflowType string) (float64, error) {
	var sum, n int64
	var token []byte
	for {
		resp, err := r.tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Completed'", workflowType), NextPageToken: token})
		if err != nil {
			return 0, fmt.Errorf("count history events: %w", err)
		}
		for _, e := range resp.Executions {
			sum += e.HistoryLength
			n++
		}
		if token = resp.NextPageToken; len(token) == 0 {
			break
		}
	}
	if n == 0 {
		return 0, nil
	}
	return float64(sum) / float64(n), nil
}
