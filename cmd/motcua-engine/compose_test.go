package main

import (
	"encoding/json"
	"maps"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/motcua/motcua/internal/chaos"
	"github.com/motcua/motcua/internal/mtls"
)

// composeService is what the drift check reads of a docker-compose service.
type composeService struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Command     any               `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Ports       []string          `yaml:"ports"`
	Profiles    []string          `yaml:"profiles"`
	Volumes     []any             `yaml:"volumes"`
}

// certParts are the parts of the certs volume a service mounts (the
// volume's subpath of each mount; "/" for the whole volume), by target.
func (s composeService) certParts() map[string]string {
	out := map[string]string{}
	for _, v := range s.Volumes {
		switch m := v.(type) {
		case string:
			if src, target, ok := strings.Cut(m, ":"); ok && src == "certs" {
				out[strings.TrimSuffix(target, ":ro")] = "/"
			}
		case map[string]any:
			if m["source"] != "certs" {
				continue
			}
			sub := "/"
			if vol, ok := m["volume"].(map[string]any); ok {
				if p, ok := vol["subpath"].(string); ok {
					sub = p
				}
			}
			if ro, _ := m["read_only"].(bool); !ro && sub != "/" {
				sub += " (writable)"
			}
			out[m["target"].(string)] = sub
		}
	}
	return out
}

// volumeSources are the named volumes a service mounts (not the files
// of the checkout it binds).
func (s composeService) volumeSources() []string {
	var out []string
	for _, v := range s.Volumes {
		switch m := v.(type) {
		case string:
			if src, _, ok := strings.Cut(m, ":"); ok && !strings.HasPrefix(src, ".") && !strings.HasPrefix(src, "/") {
				out = append(out, src)
			}
		case map[string]any:
			if m["type"] == "volume" {
				out = append(out, m["source"].(string))
			}
		}
	}
	return out
}

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Configs  map[string]struct {
		Content string `yaml:"content"`
	} `yaml:"configs"`
}

// goModVersion is the version go.mod requires of module, without its "v".
func goModVersion(t *testing.T, module string) string {
	t.Helper()
	b, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(module) + `\s+v(\S+)`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("go.mod requires no %s", module)
	}
	return string(m[1])
}

// docker-compose.yml runs the topology TestProductionTopology runs as
// processes: the same Temporal version, services, shard count and
// databases; the motcua workers and APIs with exactly the flags the test
// gives them (built by the same functions) and the same variables; every
// address pointing at a service that is there; every port on loopback.
// Docker cannot run here, so this is what keeps the file honest.
func TestComposeMatchesTheTopology(t *testing.T) {
	b, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	// Temporal's services are motcua's own binary: the release go.mod pins.
	ui := goModVersion(t, "github.com/temporalio/ui-server/v2")

	// The certificates: laid out once by tls-issue; every other service
	// mounts its own part, read-only, and no one mounts the CAs' folder.
	issue := c.Services["tls-issue"]
	if args := commandArgs(t, "tls-issue", issue.Command); issue.Build == nil || !slices.Equal(args, chaos.TLSIssueArgs("/certs")) {
		t.Errorf("tls-issue runs %q from %v, want %q from motcua's image", args, issue.Build, chaos.TLSIssueArgs("/certs"))
	}
	if got := issue.certParts(); got["/certs"] != "/" {
		t.Errorf("tls-issue mounts %v, want the certs volume at /certs", got)
	}
	keys := c.Services["keys-issue"]
	if args := commandArgs(t, "keys-issue", keys.Command); keys.Build == nil || !slices.Equal(args, chaos.KeysIssueArgs("/certs", "/etc/motcua/users.json")) {
		t.Errorf("keys-issue runs %q from %v, want %q from motcua's image", args, keys.Build, chaos.KeysIssueArgs("/certs", "/etc/motcua/users.json"))
	}
	if got := keys.certParts(); got["/certs"] != "/" {
		t.Errorf("keys-issue mounts %v, want the certs volume at /certs", got)
	}
	mounts := func(name, part string) {
		t.Helper()
		want := map[string]string{"/certs/" + part: part}
		if got := c.Services[name].certParts(); !maps.Equal(got, want) {
			t.Errorf("%s mounts the certificates %v, want only its part %v, read-only", name, got, want)
		}
	}

	// Temporal: one process per service, run from motcua's image as the
	// topology test runs it, on PostgreSQL, with its part of the
	// certificates.
	var services []string
	frontend := ""
	for name, s := range c.Services {
		args := commandArgs(t, name, s.Command)
		if strings.HasPrefix(s.Image, "temporalio/server") {
			t.Errorf("%s runs Temporal's image, whose frontend takes plain clients; run motcua server", name)
		}
		if len(args) == 0 || args[0] != "server" {
			continue
		}
		flag := flags(args)
		services = append(services, flag["--services"])
		if s.Build == nil {
			t.Errorf("%s is not built from motcua's Dockerfile", name)
		}
		certs := filepath.Dir(flag["--tls-dir"])
		if rebuilt := chaos.ServerArgs(flag["--temporal-addr"], flag["--listen-ip"], flag["--services"], certs, flag["--metrics-addr"]); !slices.Equal(args, rebuilt) {
			t.Errorf("%s runs\n  %q\nthe topology test runs\n  %q", name, args, rebuilt)
		}
		if flag["--listen-ip"] != "0.0.0.0" {
			t.Errorf("%s listens on %q; in a container, 0.0.0.0", name, flag["--listen-ip"])
		}
		mounts(name, mtls.TemporalPart)
		if u, err := url.Parse(s.Environment["MOTCUA_POSTGRES"]); err != nil || u.Scheme != "postgres" || u.Hostname() != "postgresql" || u.Path != "/temporal" {
			t.Errorf("%s: MOTCUA_POSTGRES %q is not the postgresql service's temporal database", name, s.Environment["MOTCUA_POSTGRES"])
		}
		if flag["--services"] == "frontend" {
			frontend = name + ":7233"
			if flag["--temporal-addr"] != frontend {
				t.Errorf("the frontend %s is given --temporal-addr %q", name, flag["--temporal-addr"])
			}
		}
	}
	slices.Sort(services)
	want := slices.Sorted(slices.Values(chaos.TemporalServices))
	if !slices.Equal(services, want) {
		t.Errorf("Temporal processes run %v, the topology test runs %v", services, want)
	}
	for name, s := range c.Services {
		if flag := flags(commandArgs(t, name, s.Command)); flag["--services"] != "" && flag["--temporal-addr"] != frontend {
			t.Errorf("%s finds the frontend at %q, not %q", name, flag["--temporal-addr"], frontend)
		}
	}
	uiEnv := c.Services["temporal-ui"].Environment
	uiFiles := mtls.FilesOf("/certs/"+mtls.UI, mtls.UI)
	if uiEnv["TEMPORAL_TLS_CERT"] != uiFiles.Cert || uiEnv["TEMPORAL_TLS_KEY"] != uiFiles.Key || uiEnv["TEMPORAL_TLS_CA"] != uiFiles.CA ||
		uiEnv["TEMPORAL_TLS_SERVER_NAME"] != mtls.ServerName || uiEnv["TEMPORAL_TLS_ENABLE_HOST_VERIFICATION"] != "true" {
		t.Errorf("the Web UI does not connect as the reader %s: %v", mtls.UI, uiEnv)
	}
	mounts("temporal-ui", mtls.UI)
	if img := c.Services["temporal-ui"].Image; img != "temporalio/ui:"+ui {
		t.Errorf("temporal-ui runs %s, go.mod has ui-server v%s", img, ui)
	}

	// The archive: one S3 server, whose identity the workers and APIs
	// present.
	var s3 struct {
		Identities []struct {
			Credentials []struct{ AccessKey, SecretKey string }
		}
	}
	if err := json.Unmarshal([]byte(c.Configs["seaweedfs-s3"].Content), &s3); err != nil || len(s3.Identities) == 0 || len(s3.Identities[0].Credentials) == 0 {
		t.Fatalf("the S3 server's identities: %v", err)
	}
	cred := s3.Identities[0].Credentials[0]
	if !strings.HasPrefix(c.Services["seaweedfs"].Image, "chrislusf/seaweedfs:") {
		t.Errorf("the S3 server is %q, want SeaweedFS's official image", c.Services["seaweedfs"].Image)
	}

	// motcua: two workers and two APIs, run exactly as the test runs them.
	var workers, apis []string
	var scrape []string
	for name, s := range c.Services {
		args := commandArgs(t, name, s.Command)
		if s.Build == nil || len(args) == 0 || (args[0] != "worker" && args[0] != "api") {
			continue
		}
		flag := flags(args)
		var rebuilt []string
		certs := filepath.Dir(filepath.Dir(flag["--tls-cert"]))
		if args[0] == "worker" {
			workers = append(workers, name)
			mounts(name, mtls.Worker)
			rebuilt = chaos.WorkerArgs(flag["--data"], flag["--temporal-addr"], flag["--portal-url"], flag["--outbox"], flag["--archive"], flag["--metrics-addr"], certs)
			if u, err := url.Parse(flag["--portal-url"]); err != nil || c.Services[u.Hostname()].Command == nil {
				t.Errorf("%s: the portal %q is no service", name, flag["--portal-url"])
			}
		} else {
			apis = append(apis, name)
			mounts(name, mtls.API)
			rebuilt = chaos.APIArgs(flag["--data"], flag["--temporal-addr"], flag["--users"], flag["--api-addr"], flag["--archive"], flag["--metrics-addr"], certs)
		}
		if !slices.Equal(args, rebuilt) {
			t.Errorf("%s runs\n  %q\nthe topology test runs\n  %q", name, args, rebuilt)
		}
		if d, ok := flag["--data"]; !ok || d != "" {
			t.Errorf("%s runs with the data folder %q; as on a machine of its own, with none (--data \"\")", name, d)
		}
		for k := range s.Environment {
			if strings.HasPrefix(k, "MOTCUA_") && k != chaos.DBEnv {
				t.Errorf("%s is given %s: its secrets are in its own part of the keys", name, k)
			}
		}
		if flag["--temporal-addr"] != frontend {
			t.Errorf("%s: --temporal-addr %q, the frontend is %q", name, flag["--temporal-addr"], frontend)
		}
		archive, err := url.Parse(flag["--archive"])
		if err != nil || archive.Scheme != "s3" {
			t.Errorf("%s: --archive %q is not a bucket", name, flag["--archive"])
		} else if e, err := url.Parse(archive.Query().Get("endpoint")); err != nil || e.Hostname() != "seaweedfs" || e.Port() != "8333" {
			t.Errorf("%s: the archive's endpoint %q is not the S3 server", name, archive.Query().Get("endpoint"))
		}
		if u, err := url.Parse(s.Environment[chaos.DBEnv]); err != nil || u.Scheme != "postgres" || u.Hostname() != "postgresql" || u.Path != "/motcua" {
			t.Errorf("%s: %s %q is not the postgresql service's motcua database", name, chaos.DBEnv, s.Environment[chaos.DBEnv])
		}
		for _, k := range chaos.ArchiveEnv {
			if s.Environment[k] == "" {
				t.Errorf("%s: no %s", name, k)
			}
		}
		if s.Environment["AWS_ACCESS_KEY_ID"] != cred.AccessKey || s.Environment["AWS_SECRET_ACCESS_KEY"] != cred.SecretKey {
			t.Errorf("%s: its S3 credentials are not the S3 server's", name)
		}
		_, port, _ := net.SplitHostPort(flag["--metrics-addr"])
		scrape = append(scrape, name+":"+port)
	}
	if len(workers) != 2 || len(apis) != 2 {
		t.Errorf("workers %v and APIs %v, the topology test runs two of each", workers, apis)
	}
	// Nothing shared but the services: no volume is mounted by two
	// services, except the certs volume, which the one-shot services lay
	// out and every other mounts only its own part of, read-only.
	users := map[string][]string{}
	for name, s := range c.Services {
		for _, v := range s.volumeSources() {
			users[v] = append(users[v], name)
		}
	}
	for v, names := range users {
		if len(names) > 1 && v != "certs" {
			slices.Sort(names)
			t.Errorf("the volume %s is shared by %v", v, names)
		}
	}
	prometheus := c.Configs["prometheus"].Content
	for _, target := range scrape {
		if !strings.Contains(prometheus, `"`+target+`"`) {
			t.Errorf("Prometheus does not scrape %s", target)
		}
	}
	for name, s := range c.Services {
		for _, p := range s.Ports {
			if !strings.HasPrefix(p, "127.0.0.1:") {
				t.Errorf("%s publishes %s beyond this machine", name, p)
			}
		}
	}
}

// commandArgs is a service's command as a list (a string command is not
// one motcua runs).
func commandArgs(t *testing.T, name string, cmd any) []string {
	list, ok := cmd.([]any)
	if !ok {
		return nil
	}
	var out []string
	for _, a := range list {
		s, ok := a.(string)
		if !ok {
			t.Fatalf("%s: command item %v is not a string", name, a)
		}
		out = append(out, s)
	}
	return out
}

func commandText(cmd any) string {
	switch c := cmd.(type) {
	case string:
		return c
	case []any:
		var parts []string
		for _, a := range c {
			s, _ := a.(string)
			parts = append(parts, s)
		}
		return strings.Join(parts, " ")
	}
	return ""
}

// flags reads "--name value" pairs after the subcommand.
func flags(args []string) map[string]string {
	out := map[string]string{}
	for i := 1; i+1 < len(args); i += 2 {
		out[args[i]] = args[i+1]
	}
	return out
}
