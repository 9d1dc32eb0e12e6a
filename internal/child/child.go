// Package child runs motcua's own commands as child processes for the
// runs that need them as a user would (chaos, bench): each one's output
// appended to a log file, killed and started again with the same
// arguments, stopped gracefully.
package child

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Process is a child process and how to start it again.
type Process struct {
	binary string
	args   []string
	env    []string
	dir    string
	log    *os.File
	cmd    *exec.Cmd
}

// Start runs binary with args, its output appended to logFile.
func Start(binary, logFile string, args ...string) (*Process, error) {
	return StartWith(binary, logFile, nil, args...)
}

// StartWith is Start with env (NAME=value) added to this process's
// environment: what that child alone is given.
func StartWith(binary, logFile string, env []string, args ...string) (*Process, error) {
	return StartIn("", binary, logFile, env, args...)
}

// StartIn is StartWith run from the folder dir ("": this process's).
func StartIn(dir, binary, logFile string, env []string, args ...string) (*Process, error) {
	f, err := os.OpenFile(logFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	p := &Process{binary: binary, args: args, env: env, dir: dir, log: f}
	if err := p.Restart(); err != nil {
		f.Close()
		return nil, err
	}
	return p, nil
}

// Restart starts the process again with the same arguments and log.
func (p *Process) Restart() error {
	p.cmd = exec.Command(p.binary, p.args...)
	if p.env != nil {
		p.cmd.Env = append(os.Environ(), p.env...)
	}
	p.cmd.Stdout, p.cmd.Stderr, p.cmd.Dir = p.log, p.log, p.dir
	return p.cmd.Start()
}

// Pid is the running process's id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Exited reports whether the process has ended (and not been waited
// for yet): a child that dies at start is seen at once, not after a
// long wait for it to answer. It reads the process's state from /proc.
func (p *Process) Exited() bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return true
	}
	// pid (comm) state ...: comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || b[i+2] == 'Z' || b[i+2] == 'X'
}

// Kill SIGKILLs the process and waits for it.
func (p *Process) Kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
}

// StopAll sends SIGTERM to every process at once, waits up to grace for
// each to end (SIGKILL after it), and closes their logs.
func StopAll(grace time.Duration, ps ...*Process) {
	for _, p := range ps {
		p.cmd.Process.Signal(syscall.SIGTERM)
	}
	var wg sync.WaitGroup
	for _, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			done := make(chan struct{})
			go func() { p.cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(grace):
				p.cmd.Process.Kill()
				<-done
			}
			p.log.Close()
		}()
	}
	wg.Wait()
}
