package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/office"
	"github.com/motcua/motcua/wire"
)

// The public endpoints answer without a token: the lookup of a dossier by
// its code and the last four digits of its applicant's phone or identity
// number, and the check of a paper. Each client address has a rate
// (publicRate, a token bucket), and a lookup that finds nothing counts
// against the address like a failed sign-in (perLookup): walking the
// 10,000 possible digits of one code, or the codes of one day, takes days.

const (
	publicRate  = rate.Limit(1) // a request a second on average
	publicBurst = 30            // a citizen's page and a few retries at once
)

// perLookup: a citizen mistypes their digits a few times; a program
// guessing them waits, twice as long after each miss, up to five minutes.
var perLookup = backoffPolicy{free: 10, base: 2 * time.Second, most: 5 * time.Minute, forget: time.Hour, identify: "this address"}

func lookupKey(addr string) limitKey { return limitKey{"lookup " + addr, perLookup} }

// PublicGate is what the public endpoints and pages pass before they
// answer. The pages (package web) share the API's.
type PublicGate struct {
	trusted []netip.Prefix
	mu      sync.Mutex
	buckets map[string]*bucket
	pruned  time.Time
	misses  signInLimit
}

type bucket struct {
	*rate.Limiter
	last time.Time
}

// Wait is how long the client of r must wait before it is answered; zero
// lets it in (and counts the request against its rate).
func (g *PublicGate) Wait(r *http.Request) time.Duration {
	addr := ClientAddr(r, g.trusted)
	if d, _ := g.misses.wait(lookupKey(addr)); d > 0 {
		return d
	}
	now := time.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.buckets == nil {
		g.buckets = map[string]*bucket{}
	}
	if now.Sub(g.pruned) > 10*time.Minute { // a full bucket is a new one
		for a, b := range g.buckets {
			if now.Sub(b.last) > publicBurst*time.Second {
				delete(g.buckets, a)
			}
		}
		g.pruned = now
	}
	b := g.buckets[addr]
	if b == nil {
		b = &bucket{Limiter: rate.NewLimiter(publicRate, publicBurst)}
		g.buckets[addr] = b
	}
	b.last = now
	res := b.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d
	}
	return 0
}

// Missed counts a lookup of the client of r that found nothing.
func (g *PublicGate) Missed(r *http.Request) {
	g.misses.failed(lookupKey(ClientAddr(r, g.trusted)))
}

// TooMany is the error of a client that must wait d.
func TooMany(d time.Duration) *motcua.Error {
	return motcua.Errorf(motcua.CodeRateLimited, "too many requests from this address: try again in %d s", retryAfter(d))
}

// Public is the gate of the public endpoints and pages.
func (s *Server) Public() *PublicGate {
	s.publicOnce.Do(func() { s.publicGate = &PublicGate{trusted: s.TrustedProxies} })
	return s.publicGate
}

// public serves h to anyone the gate lets in; others get 429 with
// Retry-After.
func (s *Server) public(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if d := s.Public().Wait(r); d > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(retryAfter(d)))
			writeError(w, r, http.StatusTooManyRequests, TooMany(d))
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h(w, r)
	}
}

// lookup answers GET /v1/public/lookup?code=…&last4=…
func (s *Server) lookup(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	code, last4 := q.Get("code"), q.Get("last4")
	bad := map[string]string{}
	if code == "" {
		bad["code"] = "required: the dossier's code, as on its receipt"
	}
	if !motcua.ValidLast4(last4) {
		bad["last4"] = "required: the last four digits of the applicant's phone or identity number"
	}
	if len(bad) > 0 {
		s.fail(w, r, &motcua.Error{Code: motcua.CodeInvalidRequest, Message: "the lookup needs the code and four digits", Fields: bad})
		return
	}
	v, err := s.office().Lookup(r.Context(), code, last4)
	if err != nil {
		if motcua.ErrorCode(err) == motcua.CodeNotFound {
			s.Public().Missed(r)
		}
		s.failPublic(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// verifyPaper answers POST /v1/public/verify with a PDF as the body.
func (s *Server) verifyPaper(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/pdf" {
		w.Header().Set("Accept-Post", "application/pdf")
		writeError(w, r, http.StatusUnsupportedMediaType, &motcua.Error{Code: motcua.CodeInvalidRequest,
			Message: "the body must be the PDF file itself, Content-Type: application/pdf", Fields: map[string]string{"Content-Type": "application/pdf"}})
		return
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, office.MaxCheckedFile))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			s.failPublic(w, r, motcua.Errorf(motcua.CodeTooLarge, "the file is larger than %s", sizeText(office.MaxCheckedFile)))
			return
		}
		s.failPublic(w, r, motcua.Errorf(motcua.CodeInvalidRequest, "the file could not be read: %v", err))
		return
	}
	c, err := s.office().Check(r.Context(), b)
	if err != nil {
		s.failPublic(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// checkIssued answers GET /v1/public/verify?code=…&key=…: the check of the
// archived result the result's QR code points to.
func (s *Server) checkIssued(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("code") == "" || q.Get("key") == "" {
		s.failPublic(w, r, &motcua.Error{Code: motcua.CodeInvalidRequest, Message: "the check of an issued result needs its code and key (from its QR code)",
			Fields: map[string]string{"code": "required", "key": "required"}})
		return
	}
	c, err := s.office().CheckIssued(r.Context(), q.Get("code"), q.Get("key"))
	if err != nil {
		if motcua.ErrorCode(err) == motcua.CodeNotFound {
			s.Public().Missed(r)
		}
		s.failPublic(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// failPublic writes err for a public endpoint: the domain's errors as
// they are, anything else as unavailable without its detail (a stranger
// learns nothing of the office's insides).
func (s *Server) failPublic(w http.ResponseWriter, r *http.Request, err error) {
	var e *motcua.Error
	if !errors.As(err, &e) {
		s.Log.Warn().Err(err).Str("path", r.URL.Path).Msg("public request failed")
		e = motcua.Errorf(motcua.CodeUnavailable, "the service cannot answer now: try again later")
	}
	writeError(w, r, wire.Status(e.Code), e)
}
