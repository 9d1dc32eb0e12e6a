// Package chaos runs motcua for real on this machine (durable Temporal
// server, workers, API and a failing national portal, each a child
// process), pushes dossiers through every path while it kills and restarts
// workers and the server, and then checks that nothing was lost or done
// twice. With PostgreSQL it runs the production topology instead: Temporal
// as separate frontend, history, matching and worker processes, two
// workers and two APIs (the dossiers shared between them), the archive in
// a bucket; the kills then take a worker, the history process and an API.
package chaos

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/apiclient"
	"github.com/motcua/motcua/internal/archive"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/child"
	"github.com/motcua/motcua/internal/codec"
	"github.com/motcua/motcua/internal/mtls"
	"github.com/motcua/motcua/internal/portal"
	"github.com/motcua/motcua/internal/ports"
	"github.com/motcua/motcua/internal/s3objects"
	"github.com/motcua/motcua/signer"
	"github.com/motcua/motcua/worker"
	"github.com/motcua/motcua/workflows"
)

// Config is one chaos run.
type Config struct {
	Binary   string // the motcua executable
	Dir      string // where the run keeps its data
	Dossiers int
	Clients  int
	Kills    int
	FailRate float64       // of the portal simulator
	Outage   time.Duration // one total portal outage, early in the run
	Timeout  time.Duration // for the whole run
	Progress io.Writer
	// Postgres, when set, is the PostgreSQL URL the Temporal cluster runs
	// on (motcua server --postgres), split into four processes, with two
	// APIs.
	Postgres string
	// Archive is the workers' and APIs' --archive (an s3:// URL; their
	// credentials from this process's environment); empty: the data
	// folder's.
	Archive string
}

// path is a way through the procedure, and what the portal must have seen.
type path struct {
	name   string
	final  motcua.Status
	portal []string
}

var paths = []path{
	{"approve-sign", motcua.StatusReturned, []string{"1", "2", "4", "4", "4", "4", "9", "10"}},
	{"supplement-round", motcua.StatusReturned, []string{"1", "2", "4", "5", "4", "4", "4", "4", "9", "10"}},
	{"reject", motcua.StatusRejected, []string{"1", "2", "4", "3"}},
	{"return-from-signature", motcua.StatusReturned, []string{"1", "2", "4", "4", "4", "4", "4", "4", "9", "10"}},
	{"withdraw", motcua.StatusWithdrawn, []string{"1", "2", "4", "7"}},
}

// Verdict is what the run found.
type Verdict struct {
	Dossiers   int      `json:"dossiers"`
	Kills      int      `json:"kills"`
	Elapsed    string   `json:"elapsed"`
	Violations []string `json:"violations"`
}

// OK reports whether every invariant held.
func (v Verdict) OK() bool { return len(v.Violations) == 0 }

// Run runs the scenario.
func Run(ctx context.Context, cfg Config) (Verdict, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	r := &run{cfg: cfg, servers: map[string]*child.Process{}, ids: make([]string, cfg.Dossiers)}
	start := time.Now()
	if err := r.startAll(ctx); err != nil {
		r.stopAll()
		return Verdict{}, err
	}
	defer r.stopAll()

	// The killer keeps going until it has made every kill, even after the
	// last dossier was driven: recovery is checked either way.
	var kills atomic.Int32
	killerDone := make(chan struct{})
	go func() { defer close(killerDone); r.killer(ctx, &kills) }()
	r.drive(ctx)
	<-killerDone
	r.progress("all dossiers driven; waiting for the portal to catch up")
	r.settle(ctx)
	v := Verdict{Dossiers: cfg.Dossiers, Kills: int(kills.Load())}
	v.Violations = r.check(ctx)
	v.Elapsed = time.Since(start).Round(time.Second).String()
	return v, nil
}

type run struct {
	cfg                  Config
	temporal, portalAddr string
	certs                string                              // the laid-out certificates (production topology)
	env                  []string                            // what the workers and APIs are given by variable (production topology)
	apis                 []string                            // their addresses
	via                  []map[motcua.Role]*apiclient.Client // each API as each role
	as                   map[motcua.Role]*apiclient.Client   // the first API, for the checks
	mu                   sync.Mutex
	servers              map[string]*child.Process // Temporal's processes by the services they run
	workers              []*child.Process
	apiProcs             []*child.Process
	others               []*child.Process
	ids                  []string
	driven               atomic.Int32
}

// topology tells whether the run is the production topology.
func (r *run) topology() bool { return r.cfg.Postgres != "" }

// own is the data folder of one process of the production topology,
// which it shares with no other.
func (r *run) own(name string) string { return filepath.Join(r.cfg.Dir, name+"-data") }

// workerOutboxes are the folders the workers write notifications to.
func (r *run) workerOutboxes(data string) []string {
	if !r.topology() {
		return []string{filepath.Join(data, "outbox")}
	}
	return []string{filepath.Join(r.own("worker0"), "outbox"), filepath.Join(r.own("worker1"), "outbox")}
}

// holdsNoMore checks the production topology after the run: the workers
// and APIs, run with no data folder from a folder of their own each (their
// working directory), wrote no file there; and the workers' part of the
// keys holds no command key and no CA key.
func (r *run) holdsNoMore() []string {
	var bad []string
	for _, name := range []string{"worker0", "worker1", "api0", "api1"} {
		entries, err := os.ReadDir(r.own(name))
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s: %v", name, err))
		}
		for _, e := range entries {
			if e.Name() != "outbox" {
				bad = append(bad, fmt.Sprintf("%s, run with no data folder, wrote %s in its working folder", name, e.Name()))
			}
		}
	}
	filepath.WalkDir(filepath.Join(r.certs, mtls.Worker), func(p string, d fs.DirEntry, err error) error {
		if err == nil && (d.Name() == "root.key" || d.Name() == "ca.key" || d.Name() == "command.key") {
			bad = append(bad, "the workers' keys hold "+p)
		}
		return nil
	})
	return bad
}

// clientFiles are identity's certificate files: its part of the laid-out
// certificates on the production topology, the data folder's otherwise.
func (r *run) clientFiles(data, identity string) mtls.Files {
	if r.certs != "" {
		return mtls.FilesOf(filepath.Join(r.certs, identity), identity)
	}
	return mtls.FilesOf(filepath.Join(data, "tls"), identity)
}

func (r *run) progress(format string, args ...any) {
	if r.cfg.Progress != nil {
		fmt.Fprintf(r.cfg.Progress, "[chaos] "+format+"\n", args...)
	}
}

func (r *run) spawn(name string, args ...string) (*child.Process, error) {
	return child.Start(r.cfg.Binary, filepath.Join(r.cfg.Dir, name+".log"), args...)
}

// spawnApart starts a worker or API of the production topology as on a
// machine of its own: no data folder, run from an empty folder of its own
// (holdsNoMore checks it stays so), with motcua's database by variable.
func (r *run) spawnApart(name string, args []string) (*child.Process, error) {
	if err := os.MkdirAll(r.own(name), 0o700); err != nil {
		return nil, err
	}
	return child.StartIn(r.own(name), r.cfg.Binary, filepath.Join(r.cfg.Dir, name+".log"), r.env, args...)
}

func (r *run) startAll(ctx context.Context) error {
	var err error
	if r.portalAddr, err = ports.Loopback(); err != nil {
		return err
	}
	if r.topology() {
		r.temporal, err = clusterAddr()
	} else {
		r.temporal, err = ports.Loopback()
	}
	if err != nil {
		return err
	}
	apis := 1
	if r.topology() {
		apis = 2
	}
	for range apis {
		addr, err := ports.Loopback()
		if err != nil {
			return err
		}
		r.apis = append(r.apis, addr)
		r.via = append(r.via, map[motcua.Role]*apiclient.Client{})
	}
	r.as = r.via[0]
	if err := os.MkdirAll(r.cfg.Dir, 0o700); err != nil {
		return err
	}
	var users []map[string]string
	for _, role := range motcua.Roles {
		tok := fmt.Sprintf("chaos-%s-%d", role, rand.Int64())
		for i, addr := range r.apis {
			r.via[i][role] = apiclient.New("http://"+addr, "", &http.Client{Timeout: 70 * time.Second}).As(tok)
		}
		sum := sha256.Sum256([]byte(tok))
		users = append(users, map[string]string{"id": string(role) + "1", "name": "Người " + string(role), "role": string(role), "token_sha256": hex.EncodeToString(sum[:])})
	}
	b, _ := json.Marshal(map[string]any{"users": users})
	usersFile := filepath.Join(r.cfg.Dir, "users.json")
	if err := os.WriteFile(usersFile, b, 0o600); err != nil {
		return err
	}
	data := filepath.Join(r.cfg.Dir, "data")
	p, err := r.spawn("portal", "portal-sim", "--addr", r.portalAddr, "--fail-rate", strconv.FormatFloat(r.cfg.FailRate, 'f', 2, 64),
		"--timeout", "3s", "--outage-after", "15", "--outage-for", r.cfg.Outage.String(), "--data", filepath.Join(r.cfg.Dir, "portal"))
	if err != nil {
		return err
	}
	r.others = append(r.others, p)
	if r.topology() {
		// Processes that share no folder: each Temporal service reads its
		// certificates from the temporal part of the layout, each motcua
		// process its own identity's part.
		r.certs = filepath.Join(r.cfg.Dir, "certs")
		// motcua's own tables in the cluster's PostgreSQL, database motcua
		// (docker-compose.yml gives MOTCUA_DB the same way): the workers
		// and APIs share no read model file.
		u, err := url.Parse(r.cfg.Postgres)
		if err != nil {
			return fmt.Errorf("--postgres: %w", err)
		}
		u.Path = "/motcua"
		r.env = []string{DBEnv + "=" + u.String()}
		// The certificates and motcua's keys, laid out as
		// docker-compose.yml's one-shot services lay them out.
		for _, issue := range [][]string{TLSIssueArgs(r.certs), KeysIssueArgs(r.certs, usersFile)} {
			if out, err := exec.Command(r.cfg.Binary, issue...).CombinedOutput(); err != nil {
				return fmt.Errorf("%s: %v: %s", strings.Join(issue[:2], " "), err, out)
			}
		}
		for _, svc := range TemporalServices {
			if r.servers[svc], err = r.spawn("temporal-"+svc, append(ServerArgs(r.temporal, "127.0.0.1", svc, r.certs, ""), "--postgres", r.cfg.Postgres)...); err != nil {
				return err
			}
		}
	} else if r.servers["all"], err = r.spawn("server", "server", "--data", data, "--temporal-addr", r.temporal, "--ui-addr", ""); err != nil {
		return err
	}
	for i := range 2 {
		metrics, err := ports.Loopback()
		if err != nil {
			return err
		}
		name := fmt.Sprintf("worker%d", i)
		var w *child.Process
		if r.topology() { // no data folder; its keys, certificate and the office's signers from its part
			w, err = r.spawnApart(name, WorkerArgs("", r.temporal, "http://"+r.portalAddr, filepath.Join(r.own(name), "outbox"), r.cfg.Archive, metrics, r.certs))
		} else {
			w, err = r.spawn(name, WorkerArgs(data, r.temporal, "http://"+r.portalAddr, filepath.Join(data, "outbox"), r.cfg.Archive, metrics, r.certs)...)
		}
		if err != nil {
			return err
		}
		r.workers = append(r.workers, w)
	}
	for i, addr := range r.apis {
		metrics, err := ports.Loopback()
		if err != nil {
			return err
		}
		name := fmt.Sprintf("api%d", i)
		var a *child.Process
		if r.topology() {
			a, err = r.spawnApart(name, APIArgs("", r.temporal, usersFile, addr, r.cfg.Archive, metrics, r.certs))
		} else {
			a, err = r.spawn(name, APIArgs(data, r.temporal, usersFile, addr, r.cfg.Archive, metrics, r.certs)...)
		}
		if err != nil {
			return err
		}
		r.apiProcs = append(r.apiProcs, a)
	}
	for ctx.Err() == nil {
		for i, a := range r.apiProcs {
			if a.Exited() {
				return fmt.Errorf("api%d ended at start: see api%d.log in %s", i, i, r.cfg.Dir)
			}
		}
		up := 0
		for _, as := range r.via {
			if as[motcua.RoleAuditor].Health(ctx) == nil {
				up++
			}
		}
		if up == len(r.via) {
			r.progress("engine up: temporal %s (%d processes), 2 workers, APIs %v, portal %s", r.temporal, len(r.servers), r.apis, r.portalAddr)
			if r.certs == "" {
				return nil
			}
			if err := r.doorLocked(ctx); err != nil {
				return err
			}
			r.progress("door locked: no client certificate, no connection; the Web UI's certificate starts no workflow")
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return errors.New("the engine did not come up")
}

// TemporalServices are Temporal's processes in the production topology, one
// service each (motcua server --services S; TEMPORAL_SERVICES=S in
// docker-compose.yml).
var TemporalServices = []string{"history", "matching", "frontend", "worker"}

// ArchiveEnv are the variables the workers and APIs of the production
// topology read the archive bucket's credentials from.
var ArchiveEnv = []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}

// DBEnv is the variable the workers and APIs of the production topology
// read motcua's own database from.
const DBEnv = "MOTCUA_DB"

// TLSIssueArgs lays the production topology's certificates out in dir
// (docker-compose.yml's tls-issue service runs the same).
func TLSIssueArgs(dir string) []string { return []string{"tls", "issue", "--dir", dir} }

// ServerArgs is how one Temporal service of the production topology is
// run, listening on listenIP (0.0.0.0 in a container, 127.0.0.1 here),
// with its certificates from certs' temporal part and no data folder;
// the PostgreSQL URL comes from $MOTCUA_POSTGRES (compose) or is added as
// --postgres (this run).
func ServerArgs(temporal, listenIP, service, certs, metrics string) []string {
	args := []string{"server", "--temporal-addr", temporal, "--listen-ip", listenIP, "--ui-addr", "", "--services", service,
		"--tls-dir", filepath.Join(certs, mtls.TemporalPart)}
	if metrics != "" {
		args = append(args, "--metrics-addr", metrics)
	}
	return args
}

// KeysIssueArgs lays motcua's keys out in dir beside the certificates,
// with a signing key for each leader of the users file (docker-compose.yml's
// keys-issue service runs the same).
func KeysIssueArgs(dir, users string) []string {
	return []string{"keys", "issue", "--dir", dir, "--users", users}
}

// WorkerArgs is how a motcua worker of the production topology is run
// (docker-compose.yml runs the same). With data "" it has no data folder:
// its certificate, its keys (the command key's public half only) and the
// office's signers file come from its part of certs (tls issue, keys
// issue). archive, metrics and certs may be empty. Its notifications go to
// the outbox folder, which the checks read; an office gives --smtp-addr
// and --sms-url instead.
func WorkerArgs(data, temporal, portalURL, outbox, archive, metrics, certs string) []string {
	args := []string{"worker", "--data", data, "--temporal-addr", temporal, "--portal-url", portalURL, "--outbox", outbox}
	return withOptional(args, data, archive, metrics, certs, mtls.Worker)
}

// APIArgs is how an API process of the production topology is run; with
// data "", its keys (the command key, the audit key) and roots come from
// its part of certs.
func APIArgs(data, temporal, users, addr, archive, metrics, certs string) []string {
	args := []string{"api", "--data", data, "--temporal-addr", temporal, "--users", users, "--api-addr", addr}
	return withOptional(args, data, archive, metrics, certs, mtls.API)
}

// withOptional adds the archive, the metrics address, and the identity's
// certificates from its part of certs (see mtls.Issue); for a process with
// no data folder, its keys and roots from the same part (motcua keys issue).
func withOptional(args []string, data, archive, metrics, certs, identity string) []string {
	if archive != "" {
		args = append(args, "--archive", archive)
	}
	if metrics != "" {
		args = append(args, "--metrics-addr", metrics)
	}
	if certs == "" {
		return args
	}
	part := filepath.Join(certs, identity)
	f := mtls.FilesOf(part, identity)
	args = append(args, "--tls-cert", f.Cert, "--tls-key", f.Key, "--tls-ca", f.CA)
	if data != "" {
		return args
	}
	args = append(args, "--keys", part, "--roots", filepath.Join(part, "roots.pem"))
	if identity == mtls.Worker {
		args = append(args, "--signers", filepath.Join(part, "signers.json"))
	}
	return args
}

// clusterAddr finds a frontend address for a Temporal cluster on
// PostgreSQL: its port and those counted from it (devserver) free, the
// membership ports under 32768.
func clusterAddr() (string, error) {
	for range 200 {
		p := 10000 + rand.IntN(22000)
		free := true
		for _, q := range []int{p, p + 1, p + 2, p + 6, p + 10, p - 300, p - 299, p - 298, p - 294} {
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(q)))
			if err != nil {
				free = false
				break
			}
			l.Close()
		}
		if free {
			return net.JoinHostPort("127.0.0.1", strconv.Itoa(p)), nil
		}
	}
	return "", errors.New("no free ports for a Temporal cluster")
}

func (r *run) stopAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	all := append(append(append([]*child.Process{}, r.others...), r.apiProcs...), r.workers...)
	for _, svc := range []string{"frontend", "worker", "matching", "history", "all"} {
		if c := r.servers[svc]; c != nil {
			all = append(all, c)
		}
	}
	child.StopAll(40*time.Second, all...)
}

// killer SIGKILLs a worker or the server at random moments spread over the
// run (the k-th once k/(kills+1) of the dossiers are through) and restarts
// it. On the production topology it takes in turn a worker, Temporal's
// history process and an API.
func (r *run) killer(ctx context.Context, kills *atomic.Int32) {
	for int(kills.Load()) < r.cfg.Kills {
		due := (int(kills.Load()) + 1) * r.cfg.Dossiers / (r.cfg.Kills + 1)
		for int(r.driven.Load()) < due {
			select {
			case <-ctx.Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(rand.IntN(3000)) * time.Millisecond):
		}
		r.mu.Lock()
		victim, name := r.victim(int(kills.Load()))
		victim.Kill()
		kills.Add(1)
		r.progress("killed %s (%d/%d); %d/%d dossiers driven", name, kills.Load(), r.cfg.Kills, r.driven.Load(), r.cfg.Dossiers)
		time.Sleep(time.Second)
		if err := victim.Restart(); err != nil {
			r.progress("restart %s: %v", name, err)
		}
		r.mu.Unlock()
	}
}

// victim is the process the k-th kill takes, and its name.
func (r *run) victim(k int) (*child.Process, string) {
	w := rand.IntN(2)
	if r.topology() {
		switch k % 3 {
		case 0:
			return r.workers[w], fmt.Sprintf("worker%d", w)
		case 1:
			return r.servers["history"], "temporal-history"
		default:
			return r.apiProcs[w], fmt.Sprintf("api%d", w)
		}
	}
	if rand.IntN(3) < 2 {
		return r.workers[w], fmt.Sprintf("worker%d", w)
	}
	return r.servers["all"], "server"
}

var document = []byte("%PDF-1.4\n% chaos form\n%%EOF\n")

// drive pushes every dossier through its path with simulated users.
func (r *run) drive(ctx context.Context) {
	next := make(chan int)
	go func() {
		defer close(next)
		for i := range r.cfg.Dossiers {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range r.cfg.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := r.dossier(ctx, i); err != nil {
					r.progress("dossier %d: %v", i, err)
				}
				r.driven.Add(1)
			}
		}()
	}
	wg.Wait()
}

func (r *run) dossier(ctx context.Context, i int) error {
	p := paths[i%len(paths)]
	as := r.via[i%len(r.via)] // the dossiers are shared between the APIs
	docs := []motcua.Document{{Code: "TK_XNHN", Name: "tk.pdf", ContentType: "application/pdf", Content: document}}
	intake := motcua.Application{
		ExternalID: fmt.Sprintf("CHAOS-%d", i), ProcedureCode: "1.004227", Channel: motcua.ChannelOnline,
		Applicant: motcua.Applicant{FullName: "Công Dân Thử", IDNumber: fmt.Sprintf("%012d", 100000+i),
			Email: fmt.Sprintf("cd%d@example.vn", i), Phone: fmt.Sprintf("09%08d", i)},
		Fields:    map[string]string{"purpose": "Kiểm thử", "marital_status": "Chưa kết hôn"},
		Documents: docs,
	}
	var created apiclient.Created
	// Intake is idempotent on external_id: retry until it answers.
	if err := r.until(ctx, func() (bool, error) {
		var err error
		created, err = as[motcua.RoleSystem].Create(ctx, intake)
		return err == nil, nil
	}); err != nil {
		return err
	}
	id := created.DossierID
	r.ids[i] = id
	// step makes the decision while the dossier is in one of from, until
	// it is want: a decision cut by a kill is made again, one carried out
	// already is not.
	step := func(want motcua.Status, decide func() error, from ...motcua.Status) error {
		return r.until(ctx, func() (bool, error) {
			st, err := r.state(ctx, as, id)
			if err != nil {
				return false, nil
			}
			if st == want {
				return true, nil
			}
			if slices.Contains(from, st) {
				_ = decide()
			}
			return false, nil
		})
	}
	review := func(rv motcua.Review) func() error {
		return func() error { _, err := as[motcua.RoleSpecialist].Review(ctx, id, rv); return err }
	}
	sign := func(d motcua.SignDecision) func() error {
		return func() error { _, err := as[motcua.RoleChairman].Sign(ctx, id, d); return err }
	}
	approve := review(motcua.Review{Decision: motcua.DecisionApprove})
	signed := sign(motcua.SignDecision{Decision: motcua.DecisionSign})
	// signIt signs, and once the result is ready hands it back.
	signIt := func() error {
		err := signed()
		if st, _ := r.state(ctx, as, id); st == motcua.StatusCompleted {
			_, err = as[motcua.RoleClerk].HandBack(ctx, id, motcua.HandBack{Method: motcua.HandBackCounter, ReceivedBy: "Công dân"})
		}
		return err
	}
	var err error
	switch p.name {
	case "approve-sign":
		if err = step(motcua.StatusAwaitingSignature, approve, motcua.StatusInReview); err == nil {
			err = step(motcua.StatusReturned, signIt, motcua.StatusAwaitingSignature, motcua.StatusSigned, motcua.StatusCompleted)
		}
	case "supplement-round":
		ask := review(motcua.Review{Decision: motcua.DecisionRequestSupplement, Comment: "Thiếu tờ khai", MissingDocuments: []string{"TK_XNHN"}})
		supplement := func() error { _, err := as[motcua.RoleClerk].Supplement(ctx, id, docs); return err }
		if err = step(motcua.StatusSupplementRequested, ask, motcua.StatusInReview); err == nil {
			if err = step(motcua.StatusInReview, supplement, motcua.StatusSupplementRequested); err == nil {
				if err = step(motcua.StatusAwaitingSignature, approve, motcua.StatusInReview); err == nil {
					err = step(motcua.StatusReturned, signIt, motcua.StatusAwaitingSignature, motcua.StatusSigned, motcua.StatusCompleted)
				}
			}
		}
	case "reject":
		err = step(motcua.StatusRejected, review(motcua.Review{Decision: motcua.DecisionReject, Comment: "Không đủ điều kiện"}), motcua.StatusInReview)
	case "return-from-signature":
		if err = step(motcua.StatusAwaitingSignature, approve, motcua.StatusInReview); err == nil {
			if err = step(motcua.StatusInReview, sign(motcua.SignDecision{Decision: motcua.DecisionReturn, Comment: "Sửa lại"}), motcua.StatusAwaitingSignature); err == nil {
				if err = step(motcua.StatusAwaitingSignature, approve, motcua.StatusInReview); err == nil {
					err = step(motcua.StatusReturned, signIt, motcua.StatusAwaitingSignature, motcua.StatusSigned, motcua.StatusCompleted)
				}
			}
		}
	case "withdraw":
		err = step(motcua.StatusWithdrawn, func() error {
			_, err := as[motcua.RoleClerk].Withdraw(ctx, id, "Công dân rút")
			return err
		}, motcua.StatusInReview)
	}
	return err
}

// until retries f every 300 ms until it reports done or ctx ends.
func (r *run) until(ctx context.Context, f func() (bool, error)) error {
	for {
		done, err := f()
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
}

func (r *run) state(ctx context.Context, as map[motcua.Role]*apiclient.Client, id string) (motcua.Status, error) {
	st, err := as[motcua.RoleAuditor].Get(ctx, id)
	return st.Status, err
}

// settle waits until every dossier is terminal with nothing pending for the
// portal.
func (r *run) settle(ctx context.Context) {
	for _, id := range r.ids {
		if id == "" {
			continue
		}
		r.until(ctx, func() (bool, error) {
			st, err := r.as[motcua.RoleAuditor].Get(ctx, id)
			return err == nil && st.Status.Terminal() && st.Portal.Pending == 0, nil
		})
	}
}

// check verifies the invariants and returns each violation.
func (r *run) check(ctx context.Context) []string {
	var bad []string
	fail := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	data := filepath.Join(r.cfg.Dir, "data")
	store, err := r.archive(ctx, data)
	if err != nil {
		return []string{"open archive: " + err.Error()}
	}
	keyFile := filepath.Join(data, "keys", "payload.key")
	if r.topology() {
		keyFile = filepath.Join(r.certs, mtls.API, "payload.key")
	}
	key, err := codec.LoadOrCreateKey(keyFile)
	if err != nil {
		return []string{"payload key: " + err.Error()}
	}
	dc, _ := codec.DataConverter(key)
	tlsConf, err := mtls.ClientConfig(r.clientFiles(data, mtls.Auditor)) // the checks only read
	if err != nil {
		return []string{"tls: " + err.Error()}
	}
	tc, err := client.DialContext(ctx, client.Options{HostPort: r.temporal, Namespace: worker.Namespace, DataConverter: dc,
		ConnectionOptions: client.ConnectionOptions{TLS: tlsConf}, Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	if err != nil {
		return []string{"dial temporal: " + err.Error()}
	}
	defer tc.Close()
	rootFile := filepath.Join(data, "ca", "root.crt")
	if r.topology() {
		rootFile = filepath.Join(r.certs, mtls.API, "roots.pem")
	}
	roots, _ := signer.LoadRoots(rootFile)
	var outbox []os.DirEntry
	for _, dir := range r.workerOutboxes(data) {
		entries, _ := os.ReadDir(dir)
		outbox = append(outbox, entries...)
	}
	histories := map[string]*historypb.History{}
	for i, id := range r.ids {
		p := paths[i%len(paths)]
		if id == "" {
			fail("dossier %d was never taken in", i)
			continue
		}
		st, err := r.state(ctx, r.as, id)
		if err != nil || st != p.final {
			fail("%s (%s): status %s, want %s (%v)", id, p.name, st, p.final, err)
		}
		if p.final == motcua.StatusReturned {
			rec, err := store.Lookup(id)
			if err != nil {
				fail("%s: no archived result: %v", id, err)
			} else if b, err := store.Get(rec.SHA256); err != nil {
				fail("%s: archived result unreadable: %v", id, err)
			} else if rep, err := signer.Verify(b, roots); err != nil || rep.Err() != nil || len(rep.Signatures) != 2 || !rep.Issued() {
				fail("%s: archived result does not carry the leader's and the office's valid signatures", id)
			}
		}
		for _, event := range map[motcua.Status][]string{motcua.StatusReturned: {"completed"}, motcua.StatusRejected: {"rejected"}}[p.final] {
			for _, ext := range []string{"eml", "sms"} {
				n := 0
				for _, e := range outbox {
					if e.Name() == strings.ReplaceAll(id, "/", "_")+"_"+event+"."+ext {
						n++
					}
				}
				if n != 1 {
					fail("%s: %d %s %s notifications, want 1", id, n, event, ext)
				}
			}
		}
		var got []string
		for _, rec := range portalRecords(filepath.Join(r.cfg.Dir, "portal"), id) {
			got = append(got, rec.TrangThaiHoSo)
		}
		if !slices.Equal(got, p.portal) {
			fail("%s (%s): portal got %v, want %v", id, p.name, got, p.portal)
		}
		if h, err := audit.History(ctx, tc, id); err != nil {
			fail("%s: %v", id, err)
		} else if err := audit.Replay(dc, h); err != nil {
			fail("%s: %v", id, err)
		} else {
			histories[id] = h
		}
	}
	// The figures' read model (PostgreSQL on the production topology):
	// every dossier in it, as the API reports it.
	today := time.Now().In(motcua.Vietnam)
	from, to := today.AddDate(0, 0, -1).Format(time.DateOnly), today.AddDate(0, 0, 1).Format(time.DateOnly)
	var kpi struct{ Total struct{ Received int } }
	if resp, err := r.as[motcua.RoleAuditor].Raw(ctx, "GET", "/v1/reports/kpi?from="+from+"&to="+to, nil); err != nil || resp.Status != 200 || json.Unmarshal(resp.Body, &kpi) != nil {
		fail("the figures: %v %+v", err, resp)
	} else if kpi.Total.Received != len(r.ids) {
		fail("the figures count %d dossiers received, want %d", kpi.Total.Received, len(r.ids))
	}
	if r.topology() {
		for _, b := range r.holdsNoMore() {
			fail("%s", b)
		}
	}
	if len(histories) == len(r.ids) {
		orphans, err := audit.Orphans(dc, histories, store)
		if err != nil {
			fail("orphan check: %v", err)
		}
		for _, o := range orphans {
			fail("archive: %s", o)
		}
	}
	return bad
}

// archive opens the run's archive to check it: the bucket, or the data
// folder's. The checks read results by dossier, never by citizen, so the
// citizen index key only has to be a key.
func (r *run) archive(ctx context.Context, data string) (*archive.Store, error) {
	if r.cfg.Archive == "" {
		return archive.Open(filepath.Join(data, "archive"))
	}
	bucket, err := s3objects.Open(ctx, r.cfg.Archive)
	if err != nil {
		return nil, err
	}
	return archive.New(bucket, []byte("chaos checks use no citizen index"))
}

func portalRecords(dir, id string) []portal.Record {
	f, err := os.Open(filepath.Join(dir, id+".jsonl"))
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []portal.Record
	dec := json.NewDecoder(f)
	for {
		var rec portal.Record
		if dec.Decode(&rec) != nil {
			return out
		}
		out = append(out, rec)
	}
}

// doorLocked tries Temporal's frontend as intruders would: in plain text,
// over TLS without a client certificate, and with the Web UI's
// certificate (a reader's) starting a workflow. Each must be refused.
func (r *run) doorLocked(ctx context.Context) error {
	quiet := sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))
	try := func(conf *tls.Config) error {
		ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		tc, err := client.DialContext(ctx, client.Options{HostPort: r.temporal, Namespace: worker.Namespace, Logger: quiet,
			ConnectionOptions: client.ConnectionOptions{TLS: conf}})
		if err != nil {
			return err
		}
		defer tc.Close()
		_, err = tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "intruder", TaskQueue: workflows.TaskQueue}, "DossierWorkflow")
		return err
	}
	if try(nil) == nil {
		return errors.New("a plain-text client started a workflow on the frontend")
	}
	ui := mtls.FilesOf(filepath.Join(r.certs, mtls.UI), mtls.UI)
	caPEM, err := os.ReadFile(ui.CA)
	if err != nil {
		return err
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	if try(&tls.Config{RootCAs: roots, ServerName: mtls.ServerName}) == nil {
		return errors.New("a client without a certificate started a workflow on the frontend")
	}
	reader, err := mtls.ClientConfig(ui)
	if err != nil {
		return err
	}
	if err := try(reader); err == nil || !errors.As(err, new(*serviceerror.PermissionDenied)) {
		return fmt.Errorf("the Web UI's certificate starting a workflow: %v, want permission denied", err)
	}
	return nil
}
