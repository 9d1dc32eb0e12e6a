package main

import (
	"encoding/json"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/motcua/motcua/internal/chaos"
	"github.com/motcua/motcua/internal/devserver"
)

// composeService is what the drift check reads of a docker-compose service.
type composeService struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Command     any               `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Ports       []string          `yaml:"ports"`
	Profiles    []string          `yaml:"profiles"`
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
	server, ui := goModVersion(t, "go.temporal.io/server"), goModVersion(t, "github.com/temporalio/ui-server/v2")

	// Temporal: one process per service, on the database and shard count
	// motcua server uses.
	var services []string
	frontend := ""
	for name, s := range c.Services {
		if !strings.HasPrefix(s.Image, "temporalio/server:") {
			continue
		}
		if s.Image != "temporalio/server:"+server {
			t.Errorf("%s runs %s, go.mod has server v%s", name, s.Image, server)
		}
		env := s.Environment
		services = append(services, env["TEMPORAL_SERVICES"])
		if env["TEMPORAL_SERVICES"] == "frontend" {
			frontend = name + ":7233"
		}
		for k, want := range map[string]string{
			"DB": "postgres12", "NUM_HISTORY_SHARDS": strconv.Itoa(devserver.DefaultHistoryShards),
			"DBNAME": "temporal", "VISIBILITY_DBNAME": "temporal_visibility", "POSTGRES_SEEDS": "postgresql",
		} {
			if env[k] != want {
				t.Errorf("%s: %s=%q, want %q", name, k, env[k], want)
			}
		}
	}
	slices.Sort(services)
	want := slices.Sorted(slices.Values(chaos.TemporalServices))
	if !slices.Equal(services, want) {
		t.Errorf("Temporal processes run %v, the topology test runs %v", services, want)
	}
	for _, name := range []string{"temporal-schema", "temporal-namespace"} {
		if img := c.Services[name].Image; img != "temporalio/admin-tools:"+server {
			t.Errorf("%s runs %s, want admin-tools %s", name, img, server)
		}
	}
	schema := commandText(c.Services["temporal-schema"].Command)
	for _, dir := range []string{"postgresql/v12/temporal/versioned", "postgresql/v12/visibility/versioned"} {
		if !strings.Contains(schema, dir) {
			t.Errorf("temporal-schema does not apply Temporal's %s", dir)
		}
	}
	if !strings.Contains(commandText(c.Services["temporal-namespace"].Command), "--retention "+strconv.Itoa(int(devserver.Retention.Hours()/24))+"d") {
		t.Errorf("the namespace does not keep histories %v as motcua server's does", devserver.Retention)
	}
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
		if args[0] == "worker" {
			workers = append(workers, name)
			rebuilt = chaos.WorkerArgs(flag["--data"], flag["--temporal-addr"], flag["--portal-url"], flag["--archive"], flag["--metrics-addr"])
			if u, err := url.Parse(flag["--portal-url"]); err != nil || c.Services[u.Hostname()].Command == nil {
				t.Errorf("%s: the portal %q is no service", name, flag["--portal-url"])
			}
		} else {
			apis = append(apis, name)
			rebuilt = chaos.APIArgs(flag["--data"], flag["--temporal-addr"], flag["--users"], flag["--api-addr"], flag["--archive"], flag["--metrics-addr"])
		}
		if !slices.Equal(args, rebuilt) {
			t.Errorf("%s runs\n  %q\nthe topology test runs\n  %q", name, args, rebuilt)
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
