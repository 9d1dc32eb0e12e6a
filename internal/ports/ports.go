// Package ports hands out ports for the servers a process starts, or its
// tests start as children, before they bind them: Temporal's services, the
// API, the simulators. A port found free can be taken by someone else
// before the server binds it; this package makes that unlikely rather than
// impossible (a server that finds its port taken says so and stops).
package ports

import (
	"errors"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
)

// The ports handed out come from [low, high): below the range Linux gives
// for port 0 and for the source ports of outgoing connections (32768-60999
// by default), so no connection of this or another process takes one
// between the check and the bind.
const (
	low  = 20000
	high = 32768
)

var (
	mu    sync.Mutex
	given = map[int]bool{}
)

// Free returns a port on host that is free now and that this process has
// not handed out before, drawn at random so that processes started
// together rarely draw the same one.
func Free(host string) (int, error) {
	mu.Lock()
	defer mu.Unlock()
	for range 200 {
		p := low + rand.IntN(high-low)
		if given[p] {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p)))
		if err != nil {
			continue
		}
		l.Close()
		given[p] = true
		return p, nil
	}
	return 0, errors.New("find a free port: none free in 20000-32767")
}

// Loopback returns a loopback address ("127.0.0.1:port") with a port from
// Free.
func Loopback() (string, error) {
	p, err := Free("127.0.0.1")
	if err != nil {
		return "", err
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(p)), nil
}
