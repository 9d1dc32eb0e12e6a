package child

import (
	"path/filepath"
	"testing"
	"time"
)

// A child that ends is seen to have ended; one that runs is not.
func TestExited(t *testing.T) {
	log := filepath.Join(t.TempDir(), "log")
	quick, err := Start("/bin/sh", log, "-c", "exit 3")
	if err != nil {
		t.Fatal(err)
	}
	slow, err := Start("/bin/sh", log, "-c", "sleep 30")
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Kill()
	deadline := time.Now().Add(10 * time.Second)
	for !quick.Exited() {
		if time.Now().After(deadline) {
			t.Fatal("a child that exited is not seen to have")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if slow.Exited() {
		t.Error("a running child is said to have exited")
	}
	quick.Kill()
}
