package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/motcua/motcua/internal/mtls"
)

// The inner doors are shut: Temporal's history and matching services have
// no authorizer (whoever reaches them may signal, terminate or delete a
// dossier, or take the workers' tasks), so they take only the internode
// certificate of Temporal's own services. An intruder who holds every
// certificate motcua hands out (the auditor's and the Web UI's, given to
// readers; the worker's and the API's; the frontend's own) finds every
// port the server listens on and knocks on each: history and matching
// refuse every one of them, while the internode certificate is let in
// (the probe can tell an open door from a shut one).
func TestAnIntruderCannotReachTemporalsInnerServices(t *testing.T) {
	processTest(t, "runs the server and knocks on every port it listens on")
	data := t.TempDir()
	temporalAddr := freeAddr(t)
	server := start(t, "server", "--data", data, "--temporal-addr", temporalAddr, "--ui-addr", "")
	tlsDir := filepath.Join(data, "tls")
	deadline := time.Now().Add(startWithin)
	for !mtls.Exists(mtls.InternodeDir(tlsDir)) || !answers(temporalAddr, mtls.Internode(mtls.InternodeDir(tlsDir)), mtls.FilesOf(tlsDir, "server").CA, mtls.ServerName, "temporal.api.workflowservice.v1.WorkflowService") {
		if time.Now().After(deadline) {
			t.Fatal("the server never answered")
		}
		time.Sleep(200 * time.Millisecond)
	}

	node := mtls.Internode(mtls.InternodeDir(tlsDir))
	inner := map[string]string{} // service -> the port that serves it
	for _, svc := range []string{"HistoryService", "MatchingService"} {
		for inner[svc] == "" { // history serves once it owns its shards
			ports := listeningPorts(t, server.cmd.Process.Pid)
			for _, port := range ports {
				if answers(port, node, node.CA, mtls.InternodeName, "temporal.api.workflowservice.v1."+svc) {
					inner[svc] = port
				}
			}
			if inner[svc] == "" && time.Now().After(deadline) {
				t.Fatalf("no port of %v serves %s to the internode certificate", ports, svc)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	for svc, port := range inner {
		for _, id := range append([]string{"server"}, mtls.Identities...) {
			f := mtls.FilesOf(tlsDir, id)
			// Trusting the internode CA (as an intruder who read it
			// would), and the clients' CA, under either name.
			for _, ca := range []string{node.CA, f.CA} {
				for _, name := range []string{mtls.InternodeName, mtls.ServerName} {
					if answers(port, f, ca, name, "temporal.api.workflowservice.v1."+svc) {
						t.Errorf("%s on %s let in the certificate of %s", svc, port, id)
					}
				}
			}
		}
	}
	if _, err := os.Stat(filepath.Join(tlsDir, "temporal-system.key")); err == nil {
		t.Error("the data folder holds a client certificate for Temporal's system worker")
	}
}

// answers reports whether the gRPC server at addr, dialled with the
// certificate in f, trusting ca under name, says it serves service.
func answers(addr string, f mtls.Files, ca, name, service string) bool {
	conf, err := mtls.ClientConfig(mtls.Files{Cert: f.Cert, Key: f.Key, CA: ca})
	if err != nil {
		return false
	}
	conf.ServerName = name
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(conf)))
	if err != nil {
		return false
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: service})
	return err == nil && resp.Status == healthpb.HealthCheckResponse_SERVING
}

// listeningPorts are the TCP addresses process pid listens on, read from
// /proc the way an intruder on the machine would list them.
func listeningPorts(t *testing.T, pid int) []string {
	t.Helper()
	sockets := map[string]bool{}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			sockets[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	var ports []string
	for _, table := range []string{"tcp", "tcp6"} {
		f, err := os.Open(fmt.Sprintf("/proc/%d/net/%s", pid, table))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || fields[3] != "0A" || !sockets[fields[9]] {
				continue
			}
			_, hexPort, _ := strings.Cut(fields[1], ":")
			port, err := strconv.ParseUint(hexPort, 16, 16)
			if err == nil {
				ports = append(ports, "127.0.0.1:"+strconv.FormatUint(port, 10))
			}
		}
		f.Close()
	}
	if len(ports) == 0 {
		t.Fatalf("process %d listens on nothing", pid)
	}
	return ports
}
