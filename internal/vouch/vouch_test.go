package vouch_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/vouch"
)

// Processes starting together on one data folder end with one key.
func TestLoadOrCreateGivesEveryoneTheSameKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "command.key")
	var wg sync.WaitGroup
	verifiers := make([]vouch.Verifier, 8)
	signers := make([]vouch.Signer, 8)
	for i := range signers {
		wg.Go(func() {
			s, err := vouch.LoadOrCreate(path)
			if err != nil {
				t.Error(err)
			}
			signers[i], verifiers[i] = s, s.Verifier()
		})
	}
	wg.Wait()
	cmd := motcua.Review{Decision: motcua.DecisionApprove, Actor: "u1"}
	v, err := signers[3].Vouch(cmd, vouch.Voucher{Actor: motcua.User{ID: "u1"}, DossierID: "D", Update: "review"})
	if err != nil {
		t.Fatal(err)
	}
	for i, ver := range verifiers {
		if err := ver.Verify(cmd, v); err != nil {
			t.Errorf("process %d does not trust process 3's voucher: %v", i, err)
		}
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", fi.Mode().Perm())
	}
}

func TestVerifyRefuses(t *testing.T) {
	s, _ := vouch.Generate()
	other, _ := vouch.Generate()
	cmd := motcua.SignDecision{Decision: motcua.DecisionSign, Actor: "chairman1"}
	v, _ := s.Vouch(cmd, vouch.Voucher{Actor: motcua.User{ID: "chairman1"}, DossierID: "D", Update: "sign"})
	changed := cmd
	changed.Actor = "mallory"
	moved := *v
	moved.DossierID = "E"
	for name, c := range map[string]struct {
		cmd  any
		v    *vouch.Voucher
		want error
	}{
		"none":            {cmd, nil, vouch.ErrNoVoucher},
		"another key":     {cmd, v, vouch.ErrForged},
		"changed command": {changed, v, vouch.ErrAltered},
		"moved voucher":   {cmd, &moved, vouch.ErrForged},
	} {
		ver := s.Verifier()
		if name == "another key" {
			ver = other.Verifier()
		}
		if err := ver.Verify(c.cmd, c.v); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	if err := s.Verifier().Verify(cmd, v); err != nil {
		t.Errorf("the genuine voucher: %v", err)
	}
}

// The API's command key is written with its public half beside it; a
// worker that reads only that half checks the API's vouchers, and no
// other key's.
func TestTheWorkersReadOnlyThePublicHalf(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "command.key")
	s, err := vouch.LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := os.ReadFile(vouch.PublicPath(path))
	if err != nil || strings.Contains(string(pub), mustRead(t, path)) {
		t.Fatalf("command.pub: %v %q", err, pub)
	}
	ver, err := vouch.ParseVerifier(string(pub))
	if err != nil {
		t.Fatal(err)
	}
	cmd := motcua.Review{Decision: motcua.DecisionApprove, Actor: "specialist1"}
	v, err := s.Vouch(cmd, vouch.Voucher{Actor: motcua.User{ID: "specialist1"}, DossierID: "D1", Update: "review"})
	if err != nil {
		t.Fatal(err)
	}
	if err := ver.Verify(cmd, v); err != nil {
		t.Errorf("the public half refused the API's voucher: %v", err)
	}
	other, _ := vouch.Generate()
	forged, _ := other.Vouch(cmd, vouch.Voucher{Actor: motcua.User{ID: "specialist1"}, DossierID: "D1", Update: "review"})
	if err := ver.Verify(cmd, forged); err == nil {
		t.Error("the public half took another key's voucher")
	}
	again, err := vouch.LoadOrCreate(path) // the same key, the public half kept
	if err != nil || again.Verifier().Verify(cmd, v) != nil {
		t.Errorf("reloaded: %v", err)
	}
	for _, bad := range []string{"", "zz", "abcd"} {
		if _, err := vouch.ParseVerifier(bad); err == nil {
			t.Errorf("ParseVerifier(%q) took it", bad)
		}
	}
}

func mustRead(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}
