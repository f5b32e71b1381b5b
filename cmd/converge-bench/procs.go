package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// registry keeps every process the benchmark started, each in its own
// process group, so that an error or Ctrl-C ends them all.
type registry struct {
	mu   sync.Mutex
	cmds map[*exec.Cmd]*waited
}

// waited is the one Wait of a process, shared by whoever needs its end.
type waited struct {
	done chan struct{}
	err  error
}

var procs = &registry{cmds: map[*exec.Cmd]*waited{}}

// start starts cmd in a process group of its own and records it.
func (r *registry) start(cmd *exec.Cmd) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := cmd.Start(); err != nil {
		return err
	}
	w := &waited{done: make(chan struct{})}
	r.cmds[cmd] = w
	go func() {
		w.err = cmd.Wait()
		close(w.done)
	}()
	return nil
}

// wait waits for cmd, started with start.
func (r *registry) wait(cmd *exec.Cmd) error {
	r.mu.Lock()
	w := r.cmds[cmd]
	r.mu.Unlock()
	if w == nil {
		return fmt.Errorf("%s was not started by the benchmark; this is a bug in converge-bench", cmd.Path)
	}
	<-w.done
	r.mu.Lock()
	delete(r.cmds, cmd)
	r.mu.Unlock()
	return w.err
}

// stop kills cmd's process group and waits for cmd's end.
func (r *registry) stop(cmd *exec.Cmd) {
	r.mu.Lock()
	w := r.cmds[cmd]
	r.mu.Unlock()
	if w == nil {
		return
	}
	select {
	case <-w.done:
		return
	default:
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-w.done:
	case <-time.After(2 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-w.done
	}
}

// stopAll kills every process group still recorded.
func (r *registry) stopAll() {
	r.mu.Lock()
	var cmds []*exec.Cmd
	for c := range r.cmds {
		cmds = append(cmds, c)
	}
	r.mu.Unlock()
	for _, c := range cmds {
		r.stop(c)
	}
}

// descendants lists the processes below pid, deepest last.
func descendants(pid int) []int {
	var out []int
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, c)
				out = append(out, descendants(c)...)
			}
		}
	}
	return out
}

// pidsMentioning lists the processes whose command line contains s. The
// benchmark uses it with its own temporary directory to find the SSH
// control masters Ansible left behind (ControlPersist daemonizes them out
// of the process group that started them).
func pidsMentioning(s string) []int {
	var out []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	self := os.Getpid()
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil || pid == self {
			continue
		}
		b, err := os.ReadFile(d + "/cmdline")
		if err != nil {
			continue
		}
		if bytes.Contains(b, []byte(s)) {
			out = append(out, pid)
		}
	}
	return out
}

// killPid ends one process by its id, politely first.
func killPid(pid int) {
	if syscall.Kill(pid, syscall.SIGTERM) != nil {
		return
	}
	for i := 0; i < 50; i++ {
		if syscall.Kill(pid, 0) != nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
}

// syncBuffer is a bytes.Buffer that a process may write while we read it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.b.Bytes()...)
}
