// Package devserver runs a durable Temporal server and its Web UI inside the
// motcua process, the way the Temporal CLI's dev server does: the sqlite
// persistence plugin on a database file, one history shard, all four services
// on loopback.
package devserver

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uioptions "github.com/temporalio/ui-server/v2/server/server_options"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
	"go.temporal.io/server/common/membership/static"
	"go.temporal.io/server/common/metrics"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/motcua/motcua/internal/cli"
	"github.com/motcua/motcua/internal/mtls"
	"github.com/motcua/motcua/internal/ports"
	"github.com/motcua/motcua/internal/sqlitefile"
)

// Options say where the embedded server keeps its state and listens.
type Options struct {
	// DatabaseFile is the sqlite file holding every namespace, history and
	// visibility record. It is created with the schema on first start.
	DatabaseFile string
	// FrontendAddr is the gRPC address clients and workers dial (host:port).
	FrontendAddr string
	// UIAddr is where the Web UI listens; empty means no UI.
	UIAddr string
	// CodecEndpoint is the remote codec the Web UI calls, with the browser's
	// credentials, to decode payloads.
	CodecEndpoint string
	// Namespace is created on first start; on SQLite with SearchAttributes
	// (on PostgreSQL the workers register them).
	Namespace        string
	SearchAttributes map[string]enumspb.IndexedValueType
	// Logger receives the server's own log lines.
	Logger log.Logger
	// TLSDir holds the internal CA (package mtls). The frontend then
	// requires a client certificate it issued, and only motcua's writers
	// (workers, API) may change workflows; readers (audit, Web UI) read.
	TLSDir string
	// Postgres, when set, is the URL of the PostgreSQL server holding the
	// cluster (postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=...)
	// instead of DatabaseFile: histories in DATABASE, visibility records in
	// DATABASE_visibility, both created and their schema set up or
	// upgraded on start by Temporal's schema tool.
	Postgres string
	// Services are the Temporal services this process runs, of frontend,
	// history, matching and worker; empty: all four. Separate processes
	// need Postgres (they meet through its membership table).
	Services []string
	// HistoryShards is the shard count of a new cluster on PostgreSQL
	// (DefaultHistoryShards when zero); every process of a cluster must
	// give the same.
	HistoryShards int
	// MetricsAddr is where the server serves its own Prometheus metrics
	// (/metrics); empty: none.
	MetricsAddr string
	// ListenIP is the address the services listen on, when not the
	// frontend address's host: 0.0.0.0 in a container, whose frontend
	// others reach by a name. The services then tell each other the
	// machine's own address (its first non-loopback IPv4).
	ListenIP string
}

// Server is a running embedded Temporal server.
type Server struct {
	server  temporal.Server
	ui      *uiserver.Server
	uiFront *http.Server
}

const clusterName = "active"

// Start creates the database if needed and starts the server; it returns once
// the frontend accepts connections. Ports in use are reported as errors.
func Start(o Options) (*Server, error) {
	host, port, err := splitHostPort(o.FrontendAddr)
	if err != nil {
		return nil, fmt.Errorf("temporal address: %w", err)
	}
	services := o.Services
	if len(services) == 0 {
		services = temporal.DefaultServices
	}
	for _, svc := range services {
		if !slices.Contains(temporal.DefaultServices, svc) {
			return nil, fmt.Errorf("unknown Temporal service %q: the services are %s", svc, strings.Join(temporal.DefaultServices, ", "))
		}
	}
	frontend := slices.Contains(services, "frontend")
	// Check the public ports first so a busy port is a clear error, not a
	// failure deep inside the server's start-up.
	if frontend {
		listen := o.FrontendAddr
		if o.ListenIP != "" {
			listen = net.JoinHostPort(o.ListenIP, strconv.Itoa(port))
		}
		if err := checkFree(listen); err != nil {
			return nil, err
		}
	}
	if o.UIAddr != "" && frontend {
		if err := checkFree(o.UIAddr); err != nil {
			return nil, err
		}
	}
	var (
		conf    *config.Config
		hosts   []temporal.ServerOption
		release = func() {}
	)
	if o.Postgres != "" {
		if conf, release, err = postgresConfig(o, host, port); err != nil {
			return nil, err
		}
		release = sync.OnceFunc(release)
		defer release()
	} else {
		if conf, err = sqliteConfig(o, host, port); err != nil {
			return nil, err
		}
		// One process runs every service: each finds the others at the
		// address it was given, with no membership protocol.
		hostOf := func(svc string) static.Hosts {
			return static.SingleLocalHost(net.JoinHostPort(host, strconv.Itoa(conf.Services[svc].RPC.GRPCPort)))
		}
		hosts = append(hosts, temporal.WithStaticHosts(map[primitives.ServiceName]static.Hosts{
			primitives.FrontendService: hostOf("frontend"),
			primitives.HistoryService:  hostOf("history"),
			primitives.MatchingService: hostOf("matching"),
			primitives.WorkerService:   hostOf("worker"),
		}))
	}
	if o.MetricsAddr != "" {
		conf.Global.Metrics = &metrics.Config{Prometheus: &metrics.PrometheusConfig{Framework: metrics.FrameworkOpentelemetry, ListenAddress: o.MetricsAddr}}
	}
	var secure []temporal.ServerOption
	if o.TLSDir != "" {
		if secure, err = lockDoors(conf, o.TLSDir); err != nil {
			return nil, err
		}
	}
	dyn := dynamicconfig.StaticClient{
		// Mutable states kept in memory: an office's open dossiers (a
		// busy commune has thousands, waiting weeks for a citizen or a
		// leader) are answered without reading their history back from
		// the database at each decision, query or timer. A few KB each.
		// Temporal's persistence rate limits (thousands of operations a
		// second) stay as they are: one SQLite file syncs far fewer
		// commits than that, so they never bind first.
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key(): 8096,
		// The dossier lists of a busy office: a call over the limit is
		// answered "resource exhausted" and retried by the client after a
		// pause, which users see as a list taking half a second.
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 500,
		// On SQLite the search attributes are in the database before the
		// server starts; on PostgreSQL the workers add them to a running
		// cluster, whose other processes would otherwise see them only at
		// their next refresh (a minute). Forcing a read of them on every
		// use costs a database read per listed row and per attribute
		// update, and a list of 50 dossiers hit the persistence rate limit.
		dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(): o.Postgres != "",
	}
	opts := append([]temporal.ServerOption{
		temporal.WithConfig(conf),
		temporal.ForServices(services),
		temporal.WithLogger(o.Logger),
		temporal.WithDynamicConfigClient(dyn),
	}, append(hosts, secure...)...)
	srv, err := temporal.NewServer(opts...) // writes or reads the cluster's metadata
	release()
	if err != nil {
		return nil, fmt.Errorf("build temporal server: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("start temporal server: %w", err)
	}
	s := &Server{server: srv}
	if frontend {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		err := ensureNamespace(ctx, o)
		cancel()
		if err != nil {
			srv.Stop()
			return nil, err
		}
	}
	if o.UIAddr != "" && frontend {
		// The UI's own server (echo's) has no time limits a caller can
		// set: it listens on a loopback port of its own, and the UI's
		// address is served by a proxy with the limits of motcua's other
		// servers (a client that dribbles its headers is cut off).
		innerPort, err := ports.Free("127.0.0.1")
		if err != nil {
			srv.Stop()
			return nil, err
		}
		front, err := net.Listen("tcp", o.UIAddr)
		if err != nil {
			srv.Stop()
			return nil, fmt.Errorf("ui address: %w", err)
		}
		inner := &url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(innerPort))}
		s.uiFront = cli.ServiceServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(inner)
			r.Out.Host = r.In.Host // the UI's CORS and cookies see the address the browser used
		}})
		go s.uiFront.Serve(front)
		var uiTLS uiconfig.TLS
		if o.TLSDir != "" { // the UI reads with a reader's certificate
			f := mtls.FilesOf(o.TLSDir, mtls.UI)
			uiTLS = uiconfig.TLS{CaFile: f.CA, CertFile: f.Cert, KeyFile: f.Key, ServerName: mtls.ServerName, EnableHostVerification: true}
		}
		s.ui = uiserver.NewServer(uioptions.WithConfigProvider(&uiconfig.Config{
			TLS:                 uiTLS,
			Host:                "127.0.0.1",
			Port:                innerPort,
			TemporalGRPCAddress: o.FrontendAddr,
			EnableUI:            true,
			Codec:               uiconfig.Codec{Endpoint: o.CodecEndpoint, IncludeCredentials: o.CodecEndpoint != ""},
			CORS:                uiconfig.CORS{CookieInsecure: true},
			HideLogs:            true,
			DisableNewsFetch:    true,
			// Read-only: nobody starts, terminates, cancels, signals,
			// updates, resets or pauses a dossier from the UI (its server
			// refuses every write); decisions go through motcua's API.
			DisableWriteActions:       true,
			WorkflowTerminateDisabled: true,
			WorkflowCancelDisabled:    true,
			WorkflowSignalDisabled:    true,
			WorkflowUpdateDisabled:    true,
			WorkflowResetDisabled:     true,
			WorkflowPauseDisabled:     true,
			BatchActionsDisabled:      true,
			StartWorkflowDisabled:     true,
			ActivityCommandsDisabled:  true,
		}))
		go func() {
			if err := s.ui.Start(); err != nil {
				o.Logger.Error("web ui stopped", tag.Error(err))
			}
		}()
	}
	return s, nil
}

// lockDoors sets up the cluster's mutual TLS from the two CAs under dir
// (package mtls) and returns the claim mapper and authorizer of the
// frontend.
//
// The frontend takes certificates of the clients' CA (motcua's processes)
// and of the internode CA (Temporal's own services, among them its system
// worker). History and matching take only the internode certificate: they
// have no authorizer, so whoever reaches them may do anything, and no
// certificate motcua hands to a process or a reader may reach them.
func lockDoors(conf *config.Config, dir string) ([]temporal.ServerOption, error) {
	internodeDir := mtls.InternodeDir(dir)
	// A folder laid out by motcua tls issue holds the service's files and
	// no CA key: nothing is made. Otherwise the CAs are made on first
	// start (one machine's data folder).
	if !mtls.LaidOut(dir) {
		if err := mtls.Ensure(dir); err != nil {
			return nil, err
		}
		if err := mtls.EnsureInternode(internodeDir); err != nil {
			return nil, err
		}
	}
	server, node := mtls.FilesOf(dir, "server"), mtls.Internode(internodeDir)
	internodeCA, err := mtls.ReadCA(node)
	if err != nil {
		return nil, err
	}
	conf.Global.TLS.Frontend = config.GroupTLS{
		Server: config.ServerTLS{CertFile: server.Cert, KeyFile: server.Key, ClientCAFiles: []string{server.CA, node.CA}, RequireClientAuth: true},
		Client: config.ClientTLS{ServerName: mtls.ServerName, RootCAFiles: []string{server.CA}},
	}
	conf.Global.TLS.Internode = config.GroupTLS{
		Server: config.ServerTLS{CertFile: node.Cert, KeyFile: node.Key, ClientCAFiles: []string{node.CA}, RequireClientAuth: true},
		Client: config.ClientTLS{ServerName: mtls.InternodeName, RootCAFiles: []string{node.CA}},
	}
	conf.Global.TLS.SystemWorker = config.WorkerTLS{CertFile: node.Cert, KeyFile: node.Key, Client: conf.Global.TLS.Frontend.Client}
	return []temporal.ServerOption{
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return claimsByCertificate{internodeCA} }),
		temporal.WithAuthorizer(authorization.NewDefaultAuthorizer()),
	}, nil
}

// claimsByCertificate gives each caller of the frontend the rights of the
// identity its client certificate names (the frontend has checked the
// certificate was issued by one of the two CAs): Temporal's own services
// (a chain to the internode CA) and motcua's writers may do everything,
// the other identities may read. A caller without a certificate never
// gets this far.
type claimsByCertificate struct{ internodeCA *x509.Certificate }

func (m claimsByCertificate) GetClaims(info *authorization.AuthInfo) (*authorization.Claims, error) {
	if info == nil || info.TLSSubject == nil {
		return nil, nil // no claims: the authorizer denies all but health checks
	}
	id := info.TLSSubject.CommonName
	c := &authorization.Claims{Subject: id, AuthType: "mtls", System: authorization.RoleReader}
	switch {
	case info.TLSConnection != nil && mtls.IssuedBy(info.TLSConnection.State.VerifiedChains, m.internodeCA):
		c.System = authorization.RoleAdmin
	case slices.Contains(mtls.Writers, id):
		c.System = authorization.RoleAdmin
	}
	return c, nil
}

// Stop stops the UI and the server.
func (s *Server) Stop() {
	if s.ui != nil {
		s.uiFront.Close()
		s.ui.Stop()
	}
	s.server.Stop()
}

// sqliteConfig is the one-process server on a SQLite file (created with the
// schema and the namespace on first start): one history shard, the internal
// services on free loopback ports.
func sqliteConfig(o Options, host string, port int) (*config.Config, error) {
	portOf := map[string]int{"frontend": port}
	for _, svc := range []string{"frontend-http", "history", "matching", "worker"} {
		p, err := ports.Free(host)
		if err != nil {
			return nil, err
		}
		portOf[svc] = p
	}
	sqlConf := &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: o.DatabaseFile,
		// Every attribute but mode is a pragma (the plugin passes unknown
		// keys as _pragma=key=value; a misspelt one is silently ignored).
		// WAL: a commit appends to the log and syncs it once, and readers
		// (the dossier lists) do not wait for the writer. FULL: that sync
		// happens at every commit, so a commit survives a power cut.
		// One connection (the plugin's default): Temporal's transactions
		// read before they write, and two connections upgrading at once
		// fail with SQLITE_BUSY however long they would wait (measured:
		// hundreds of failed operations a minute under the bench).
		ConnectAttributes: map[string]string{"mode": "rwc", "journal_mode": "wal", "synchronous": "full", "busy_timeout": "10000"},
	}
	if _, err := os.Stat(o.DatabaseFile); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(o.DatabaseFile), 0o700); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
		if err := sqlitefile.Private(o.DatabaseFile); err != nil {
			return nil, err
		}
		if err := sqliteschema.SetupSchema(sqlConf); err != nil {
			return nil, fmt.Errorf("create temporal schema: %w", err)
		}
	}
	if err := sqlitefile.Private(o.DatabaseFile); err != nil { // one an earlier version made
		return nil, err
	}
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, o.Namespace, false, o.SearchAttributes)
	if err != nil {
		return nil, fmt.Errorf("namespace config: %w", err)
	}
	ns.Detail.Config.Retention = durationpb.New(Retention)
	if err := sqliteschema.CreateNamespaces(sqlConf, ns); err != nil {
		return nil, fmt.Errorf("create namespace: %w", err)
	}
	c := serverConfig(host, portOf, nil)
	c.Persistence.DefaultStore = "sqlite"
	c.Persistence.VisibilityStore = "sqlite"
	// One shard: SQLite takes one writer at a time (one connection, see
	// above), so more shards would only queue on it, each with its own
	// queues and timers to run; and a shard count is fixed for a
	// database's life.
	c.Persistence.NumHistoryShards = 1
	c.Persistence.DataStores = map[string]config.DataStore{"sqlite": {SQL: sqlConf}}
	return c, nil
}

// postgresConfig is a cluster member on PostgreSQL, its databases created
// and their schema brought up to date first. The services find each other
// through the database's membership table (ringpop), each on the port
// Temporal's own configurations give it, counted from the frontend's:
// history +1, matching +2, worker +6, the frontend's HTTP API +10, and each
// service's membership port 300 below its gRPC port (7233 → 6933).
func postgresConfig(o Options, host string, port int) (*config.Config, func(), error) {
	main, visibility, err := postgresStores(o.Postgres)
	if err != nil {
		return nil, nil, err
	}
	// Temporal keeps membership ports in a smallint column.
	if port <= 300 || port-300+6 > 32767 {
		return nil, nil, fmt.Errorf("temporal address: port %d: on PostgreSQL the frontend's port is between 301 and 33061 (each service's membership port, 300 below its own, must fit Temporal's membership table)", port)
	}
	release, err := setupPostgres(main, visibility, o.Logger)
	if err != nil {
		return nil, nil, err
	}
	ports := map[string]int{"frontend": port, "history": port + 1, "matching": port + 2, "worker": port + 6, "frontend-http": port + 10}
	membership := map[string]int{}
	for _, svc := range temporal.DefaultServices {
		membership[svc] = ports[svc] - 300
	}
	shards := o.HistoryShards
	if shards <= 0 {
		shards = DefaultHistoryShards
	}
	c := serverConfig(host, ports, membership)
	if o.ListenIP != "" {
		broadcast, err := broadcastIP(o.ListenIP)
		if err != nil {
			return nil, nil, err
		}
		c.Global.Membership.BroadcastAddress = broadcast
		for name, svc := range c.Services {
			svc.RPC.BindOnIP = o.ListenIP
			c.Services[name] = svc
		}
	}
	c.ClusterMetadata.ClusterInformation[clusterName] = withClusterID(c.ClusterMetadata.ClusterInformation[clusterName], "")
	c.Persistence.DefaultStore = "default"
	c.Persistence.VisibilityStore = "visibility"
	c.Persistence.NumHistoryShards = int32(shards)
	c.Persistence.DataStores = map[string]config.DataStore{"default": {SQL: main}, "visibility": {SQL: visibility}}
	return c, release, nil
}

// withClusterID returns info with the cluster ID id; empty: the server
// makes one on the cluster's first start.
func withClusterID(info cluster.ClusterInformation, id string) cluster.ClusterInformation {
	info.ClusterID = id
	return info
}

// DefaultHistoryShards is the history shard count of a new cluster on
// PostgreSQL. A cluster keeps the count it was created with for ever.
const DefaultHistoryShards = 4

// serverConfig is the configuration shared by both stores: the cluster, its
// services' ports (and membership ports, with a membership protocol), no
// archival.
func serverConfig(host string, ports, membership map[string]int) *config.Config {
	var c config.Config
	c.Global.Membership.MaxJoinDuration = 30 * time.Second
	c.Global.Membership.BroadcastAddress = host
	frontend := net.JoinHostPort(host, strconv.Itoa(ports["frontend"]))
	c.ClusterMetadata = &cluster.Config{
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {
				Enabled:                true,
				InitialFailoverVersion: 1,
				RPCAddress:             frontend,
				HTTPAddress:            net.JoinHostPort(host, strconv.Itoa(ports["frontend-http"])),
				ClusterID:              "motcua-dev",
			},
		},
	}
	c.DCRedirectionPolicy.Policy = "noop"
	svc := func(name string) config.Service {
		var s config.Service
		s.RPC.GRPCPort = ports[name]
		s.RPC.MembershipPort = membership[name]
		s.RPC.BindOnIP = host
		if name == "frontend" {
			s.RPC.HTTPPort = ports["frontend-http"]
		}
		return s
	}
	c.Services = map[string]config.Service{
		"frontend": svc("frontend"),
		"history":  svc("history"),
		"matching": svc("matching"),
		"worker":   svc("worker"),
	}
	c.Archival.History.State = "disabled"
	c.Archival.Visibility.State = "disabled"
	c.NamespaceDefaults.Archival.History.State = "disabled"
	c.NamespaceDefaults.Archival.Visibility.State = "disabled"
	c.PublicClient.HostPort = frontend
	return &c
}

func splitHostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port <= 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port in %q", addr)
	}
	return host, port, nil
}

func checkFree(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s (is another motcua or temporal running?): %w", addr, err)
	}
	return l.Close()
}

// broadcastIP is the address the services of this process give the
// others: listen itself, or, when it is unspecified (0.0.0.0), this
// machine's first non-loopback IPv4 address.
func broadcastIP(listen string) (string, error) {
	ip := net.ParseIP(listen)
	if ip == nil {
		return "", fmt.Errorf("listen address %q is not an IP address", listen)
	}
	if !ip.IsUnspecified() {
		return listen, nil
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return "", err
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String(), nil
		}
	}
	return "", errors.New("no non-loopback IPv4 address to tell the other services")
}
