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
