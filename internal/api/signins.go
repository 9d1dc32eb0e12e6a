package api

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/motcua/motcua"
)

// Failed sign-ins make their client back off, never lock: each key (an
// address, an account, a browser) may fail free times, then waits before
// its next try, twice as long after each further failure up to a most,
// and is forgotten after forget of quiet.
//
// A right credential is never refused because of someone else's
// failures: a bearer token or an auditor's codec token is checked first
// (they are 256 random bits: counting failures stops floods, not
// guessing), and a browser that has signed in to an account before
// carries a device cookie (OWASP's "device cookies") whose tries count
// for that browser alone. Passwords from a browser new to the account
// count per account and per client address; behind a TLS proxy the
// client address is the one the proxy puts in X-Forwarded-For, believed
// only from the proxies the API is told to trust (--trusted-proxy).

// backoffPolicy is how one kind of key backs off.
type backoffPolicy struct {
	free     int
	base     time.Duration
	most     time.Duration
	forget   time.Duration
	identify string // what a key of the policy counts, for the message
}

var (
	// A commune office is one address behind its router: many people,
	// each mistyping now and then.
	perAddress = backoffPolicy{free: 20, base: time.Second, most: time.Minute, forget: 15 * time.Minute, identify: "this address"}
	// Guessing one person's password from browsers new to it.
	perAccount = backoffPolicy{free: 5, base: 2 * time.Second, most: 5 * time.Minute, forget: 15 * time.Minute, identify: "this account"}
	// A browser the account signed in from before.
	perDevice = backoffPolicy{free: 5, base: time.Second, most: time.Minute, forget: 15 * time.Minute, identify: "this browser"}
)

type backoff struct {
	failures int
	last     time.Time
	until    time.Time
}

// signInLimit keeps the failures of every key and the device-cookie key.
type signInLimit struct {
	mu        sync.Mutex
	keys      map[string]*backoff
	pruned    time.Time
	deviceKey []byte
	now       func() time.Time // nil: time.Now
}

func (l *signInLimit) clock() time.Time {
	if l.now != nil {
		return l.now()
	}
	return time.Now()
}

// wait is how long the longest-waiting of keys must still wait, and
// which policy makes it wait.
func (l *signInLimit) wait(keys ...limitKey) (time.Duration, backoffPolicy) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock()
	var longest time.Duration
	var by backoffPolicy
	for _, k := range keys {
		b := l.keys[k.name]
		if b == nil || now.Sub(b.last) > k.policy.forget {
			continue
		}
		if d := b.until.Sub(now); d > longest {
			longest, by = d, k.policy
		}
	}
	return longest, by
}

// failed counts a failure of each key.
func (l *signInLimit) failed(keys ...limitKey) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock()
	if l.keys == nil {
		l.keys = map[string]*backoff{}
	}
	if now.Sub(l.pruned) > 10*time.Minute { // forget keys gone quiet
		for name, b := range l.keys {
			if now.Sub(b.last) > time.Hour {
				delete(l.keys, name)
			}
		}
		l.pruned = now
	}
	for _, k := range keys {
		b := l.keys[k.name]
		if b == nil || now.Sub(b.last) > k.policy.forget {
			b = &backoff{}
			l.keys[k.name] = b
		}
		b.failures++
		b.last = now
		if over := b.failures - k.policy.free; over > 0 {
			d := k.policy.most
			if over < 32 {
				d = min(k.policy.most, k.policy.base*time.Duration(1<<(over-1)))
			}
			b.until = now.Add(d)
		}
	}
}

// succeeded forgets the failures of key (a browser that got in).
func (l *signInLimit) succeeded(k limitKey) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.keys, k.name)
}

type limitKey struct {
	name   string
	policy backoffPolicy
}

func addressKey(addr string) limitKey { return limitKey{"address " + addr, perAddress} }
func accountKey(user string) limitKey { return limitKey{"account " + user, perAccount} }
func deviceKey(id string) limitKey    { return limitKey{"device " + id, perDevice} }

// waitError is the message of a refused try.
func waitError(d time.Duration, p backoffPolicy) string {
	return fmt.Sprintf("too many failed sign-ins from %s: try again in %d s", p.identify, retryAfter(d))
}

func retryAfter(d time.Duration) int { return int(math.Ceil(d.Seconds())) }

// deviceCookie is the name of the cookie a browser gets when it signs in:
// its failed tries at that account then count for it alone.
const deviceCookie = "motcua_device"

// device returns the id of r's device cookie when it was issued for
// user by this API, or "".
func (l *signInLimit) device(r *http.Request, user string) string {
	c, err := r.Cookie(deviceCookie)
	if err != nil {
		return ""
	}
	id, mac, ok := strings.Cut(c.Value, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(l.mac(user, id))) {
		return ""
	}
	return id
}

// remember gives the browser of a successful sign-in as user its device
// cookie (a year; HttpOnly, only sent to the sign-in form).
func (l *signInLimit) remember(w http.ResponseWriter, r *http.Request, user string) {
	id := l.device(r, user)
	if id == "" {
		b := make([]byte, 16)
		rand.Read(b)
		id = base64.RawURLEncoding.EncodeToString(b)
	}
	l.succeeded(deviceKey(id))
	http.SetCookie(w, &http.Cookie{Name: deviceCookie, Value: id + "." + l.mac(user, id), Path: "/login",
		MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: behindTLS(r)})
}

func (l *signInLimit) mac(user, id string) string {
	l.mu.Lock()
	if l.deviceKey == nil {
		// Per process: after a restart, or at another API, a browser is
		// new again until it next signs in.
		l.deviceKey = make([]byte, 32)
		rand.Read(l.deviceKey)
	}
	key := l.deviceKey
	l.mu.Unlock()
	m := hmac.New(sha256.New, key)
	m.Write([]byte(user + "\x00" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// ClientAddr is the address of the client of r: the connection's peer,
// or, when that peer is a trusted proxy, the nearest address in
// X-Forwarded-For that is not a trusted proxy (the ones before it could
// be written by anyone).
func ClientAddr(r *http.Request, trusted []netip.Prefix) string {
	peer := hostOf(r.RemoteAddr)
	if !isTrusted(peer, trusted) {
		return peer
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		a, err := netip.ParseAddr(hop)
		if err != nil {
			return peer // a proxy we trust wrote nonsense: count it against the proxy
		}
		if !isTrusted(a.Unmap().String(), trusted) {
			return a.Unmap().String()
		}
	}
	return peer
}

func hostOf(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	return host
}

func isTrusted(addr string, trusted []netip.Prefix) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ParseTrustedProxies reads --trusted-proxy values: CIDR prefixes or
// single addresses.
func ParseTrustedProxies(values []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			p, err := netip.ParsePrefix(s)
			if err != nil {
				a, aerr := netip.ParseAddr(s)
				if aerr != nil {
					return nil, fmt.Errorf("trusted proxy %q is neither an address nor a CIDR prefix", s)
				}
				p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
			}
			out = append(out, p.Masked())
		}
	}
	return out, nil
}

// SignIn checks a person's username and password for the pages, with
// the backoff of failed sign-ins (a rate_limited error): a browser that
// signed in to the account before counts its own failures; a new one
// counts against the account and its address. A successful sign-in gives
// the browser its device cookie.
func (s *Server) SignIn(w http.ResponseWriter, r *http.Request, username, password string) (motcua.User, error) {
	keys := []limitKey{accountKey(username), addressKey(ClientAddr(r, s.TrustedProxies))}
	if id := s.signIns.device(r, username); id != "" {
		keys = []limitKey{deviceKey(id)}
	}
	if d, p := s.signIns.wait(keys...); d > 0 {
		return motcua.User{}, motcua.Errorf(motcua.CodeRateLimited, "%s", waitError(d, p))
	}
	u, ok := s.Users.SignIn(username, password)
	if !ok {
		s.signIns.failed(keys...)
		return motcua.User{}, errors.New("wrong username or password")
	}
	s.signIns.remember(w, r, username)
	return u, nil
}
