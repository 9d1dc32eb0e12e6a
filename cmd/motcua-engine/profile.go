package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
)

// profileCPU profiles the process's CPU when $MOTCUA_CPU_PROFILE names a
// folder, into FOLDER/<command>-<pid>.pprof, until the returned function
// is called: how the bench's processes (which inherit the variable) show
// where a dossier's CPU goes (go tool pprof). Unset, it does nothing.
func profileCPU(command string) (stop func()) {
	dir := os.Getenv("MOTCUA_CPU_PROFILE")
	if dir == "" {
		return func() {}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		fmt.Fprintln(os.Stderr, "motcua: no CPU profile:", err)
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-%d.pprof", command, os.Getpid())))
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "motcua: no CPU profile:", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
