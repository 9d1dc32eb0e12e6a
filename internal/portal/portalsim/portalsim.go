// Package portalsim is a national public-service portal for development
// and tests: it takes status updates the way the real one does (in order
// per dossier, replays ignored, gaps refused) and fails the way it does
// (errors, hangs, hours-long outages). The client motcua uses is package
// portal.
package portalsim

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/motcua/motcua/internal/jsonl"
	"github.com/motcua/motcua/internal/portal"
)

// Faults are the failures the simulator injects.
type Faults struct {
	// FailRate is the probability that a request fails: half of the failures
	// are HTTP 503, half hang past the client's patience (Timeout).
	FailRate float64
	// Timeout is how long a "timed out" request hangs before a 504.
	Timeout time.Duration
	// OutageAfter requests, the portal refuses everything for OutageFor.
	OutageAfter int
	OutageFor   time.Duration
}

// Simulator is a national portal for development and tests. It accepts
// updates in order per dossier, ignores replays, refuses gaps, and remembers
// what it got: in memory, and in a folder when it has one, so that it
// outlives a restart like the real portal does.
type Simulator struct {
	faults Faults
	dir    string

	mu          sync.Mutex
	requests    int
	outageUntil time.Time
	dossiers    map[string][]portal.Record
	refusedGaps int
	rng         *rand.Rand
}

// New returns a simulator injecting faults. With a folder, each
// dossier's records are kept in <dir>/<dossier>.jsonl.
func New(f Faults, dir string) (*Simulator, error) {
	if f.Timeout == 0 {
		f.Timeout = 25 * time.Second
	}
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("portal simulator folder: %w", err)
		}
	}
	return &Simulator{faults: f, dir: dir, dossiers: map[string][]portal.Record{},
		rng: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}, nil
}

func (s *Simulator) file(dossierID string) string {
	return filepath.Join(s.dir, strings.ReplaceAll(dossierID, "/", "_")+".jsonl")
}

// load returns a dossier's records, reading them from the folder the first
// time. The caller holds s.mu.
func (s *Simulator) load(dossierID string) []portal.Record {
	if recs, ok := s.dossiers[dossierID]; ok || s.dir == "" {
		return recs
	}
	recs, _ := jsonl.Read[portal.Record](s.file(dossierID)) // unreadable: as if empty, as before
	s.dossiers[dossierID] = recs
	return recs
}

// keep appends a record to the dossier's file. The caller holds s.mu.
func (s *Simulator) keep(r portal.Record) error {
	if s.dir == "" {
		return nil
	}
	return jsonl.Append(s.file(r.MaHoSo), r)
}

// ServeHTTP serves POST /DongBoHoSoMC and, for inspection,
// GET /records/{MaHoSo}.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/DongBoHoSoMC":
		s.sync(w, r)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/records/"):
		writeJSON(w, http.StatusOK, s.Records(strings.TrimPrefix(r.URL.Path, "/records/")))
	case r.Method == http.MethodGet && r.URL.Path == "/healthz":
		w.WriteHeader(http.StatusOK)
	default:
		http.NotFound(w, r)
	}
}

// SetFaults changes the injected faults from now on; an outage counts from
// the next request.
func (s *Simulator) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Timeout == 0 {
		f.Timeout = s.faults.Timeout
	}
	s.faults, s.outageUntil = f, time.Time{}
	s.requests = 0
}

// fault decides the fate of one request: "" to serve it, "down" or "timeout".
func (s *Simulator) fault() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	now := time.Now()
	if s.faults.OutageAfter > 0 && s.requests == s.faults.OutageAfter+1 {
		s.outageUntil = now.Add(s.faults.OutageFor)
	}
	if now.Before(s.outageUntil) {
		return "down"
	}
	if s.faults.FailRate > 0 && s.rng.Float64() < s.faults.FailRate {
		if s.rng.IntN(2) == 0 {
			return "down"
		}
		return "timeout"
	}
	return ""
}

func (s *Simulator) sync(w http.ResponseWriter, r *http.Request) {
	switch s.fault() {
	case "down":
		writeJSON(w, http.StatusServiceUnavailable, portal.Response{ErrorCode: "503", Message: "Hệ thống đang bảo trì"})
		return
	case "timeout":
		select {
		case <-time.After(s.faults.Timeout):
		case <-r.Context().Done():
		}
		writeJSON(w, http.StatusGatewayTimeout, portal.Response{ErrorCode: "504", Message: "timeout"})
		return
	}
	var req portal.Request
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil || req.Service != "DongBoHoSoMC" || len(req.Data) == 0 {
		writeJSON(w, http.StatusOK, portal.Response{ErrorCode: "01", Message: "Dữ liệu không hợp lệ"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rec := range req.Data {
		if rec.MaHoSo == "" || rec.TrangThaiHoSo == "" || len(rec.NgayCapNhat) != len(portal.DateLayout) {
			writeJSON(w, http.StatusOK, portal.Response{ErrorCode: "01", Message: "Thiếu thông tin bắt buộc"})
			return
		}
		have := s.load(rec.MaHoSo)
		switch {
		case rec.SoThuTuDongBo <= len(have): // a replay: already applied
		case rec.SoThuTuDongBo == len(have)+1:
			if err := s.keep(rec); err != nil {
				writeJSON(w, http.StatusInternalServerError, portal.Response{ErrorCode: "500", Message: err.Error()})
				return
			}
			s.dossiers[rec.MaHoSo] = append(have, rec)
		default:
			s.refusedGaps++
			writeJSON(w, http.StatusOK, portal.Response{ErrorCode: "02", Message: "Sai thứ tự đồng bộ"})
			return
		}
	}
	writeJSON(w, http.StatusOK, portal.Response{ErrorCode: "00", Message: "Thành công"})
}

// Records returns what the portal holds for a dossier, in order.
func (s *Simulator) Records(dossierID string) []portal.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]portal.Record(nil), s.load(dossierID)...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
