package devca_test

import (
	"sync"
	"testing"

	"github.com/motcua/motcua/signer/devca"
)

// Processes that start together on one data folder (a worker and an API)
// open one dev CA: the same root, whoever created it.
func TestOpenedConcurrentlyIsOneCA(t *testing.T) {
	dir := t.TempDir()
	roots := make([]string, 6)
	var wg sync.WaitGroup
	for i := range roots {
		wg.Go(func() {
			ca, err := devca.Open(dir, "Ủy ban nhân dân xã Thử Nghiệm")
			if err != nil {
				t.Error(err)
				return
			}
			roots[i] = string(ca.Chain()[0].Raw)
		})
	}
	wg.Wait()
	for i := range roots {
		if roots[i] != roots[0] {
			t.Fatalf("opener %d has another root", i)
		}
	}
}

// Workers that start together on one data folder (two of them restarted
// at once, say) and ask for the same person's key before it exists all get
// a key certified for that person: none of them is told the key cannot be
// written because another was writing it.
func TestAPersonsFirstKeyAskedForConcurrently(t *testing.T) {
	dir := t.TempDir()
	const unit = "Ủy ban nhân dân xã Thử Nghiệm"
	if _, err := devca.Open(dir, unit); err != nil {
		t.Fatal(err)
	}
	chairman := devca.Person{ID: "chairman1", Name: "Trần Văn Bình", Title: "Chủ tịch"}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			ca, err := devca.Open(dir, unit)
			if err != nil {
				t.Error(err)
				return
			}
			k, err := ca.Key(chairman)
			if err != nil {
				t.Error(err)
				return
			}
			if k.Certificate.Subject.CommonName != chairman.Name {
				t.Errorf("key certified for %q", k.Certificate.Subject.CommonName)
			}
		})
	}
	wg.Wait()
}
