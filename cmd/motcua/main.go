// Command motcua is the one-stop office's dossier engine as its users run
// it. The light commands (verify, sign-remote, sign-agent, load, portal-sim)
// run here, in a binary that links no Temporal and starts in a few
// milliseconds; every other command (dev, server, worker, api, audit...)
// replaces this process with motcua-engine, found beside this binary or on
// PATH, or built from the source tree `go run ./cmd/motcua` runs from.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"syscall"

	"github.com/motcua/motcua/internal/cli"
)

const (
	engineName = "motcua-engine"
	modulePath = "github.com/motcua/motcua"
)

func main() {
	cmd, args := cli.Command()
	if run, ok := cli.Commands[cmd]; ok {
		cli.Exit(run(args))
	}
	if !slices.Contains(cli.EngineCommands, cmd) {
		cli.UnknownCommand(cmd)
	}
	engine, err := findEngine()
	if err != nil {
		fmt.Fprintln(os.Stderr, "motcua:", err)
		os.Exit(1)
	}
	// The engine takes this process's place: same PID, same signals, same
	// exit code, as if it had been run directly.
	err = syscall.Exec(engine, append([]string{engine}, os.Args[1:]...), os.Environ())
	fmt.Fprintf(os.Stderr, "motcua: run %s: %v\n", engine, err)
	os.Exit(1)
}

// findEngine is $MOTCUA_ENGINE when set, else motcua-engine beside this
// binary, else on PATH; else, when this binary was built from motcua's
// source (`go run ./cmd/motcua`), the engine built from the same source
// into the user's cache folder (Go's build cache makes that instant when
// nothing changed).
func findEngine() (string, error) {
	if p := os.Getenv("MOTCUA_ENGINE"); p != "" {
		return p, nil
	}
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), engineName)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath(engineName); err == nil {
		return p, nil
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Path == modulePath && info.Main.Version == "(devel)" {
		return buildEngine()
	}
	return "", errors.New(engineName + " is neither beside motcua nor on PATH; build both binaries: go build -o DIR ./cmd/...")
}

// buildEngine builds motcua-engine from the module in the working folder,
// as `go run` built this binary.
func buildEngine() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("build %s: %w", engineName, err)
	}
	p := filepath.Join(cache, "motcua", engineName)
	build := exec.Command("go", "build", "-o", p, modulePath+"/cmd/"+engineName)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("build %s from the source here (go build -o DIR ./cmd/... builds both binaries): %w", engineName, err)
	}
	return p, nil
}
