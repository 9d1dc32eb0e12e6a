package ports_test

import (
	"net"
	"strconv"
	"testing"

	"github.com/motcua/motcua/internal/ports"
)

// Ports come from below the kernel's own range, and never twice to one
// process, even when the first is not bound yet.
func TestPortsAreFreeAndNeverGivenTwice(t *testing.T) {
	seen := map[string]bool{}
	for range 500 {
		addr, err := ports.Loopback()
		if err != nil {
			t.Fatal(err)
		}
		if seen[addr] {
			t.Fatalf("%s given twice", addr)
		}
		seen[addr] = true
		_, port, _ := net.SplitHostPort(addr)
		if p, _ := strconv.Atoi(port); p < 20000 || p >= 32768 {
			t.Fatalf("port %d is in the kernel's range for port 0", p)
		}
	}
}
