package local

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os/exec"
	"syscall"
	"time"

	"github.com/converge-cm/converge/engine/transport"
)

// Transport runs commands on this machine.
type Transport struct{}

var _ transport.Transport = (*Transport)(nil)

// New returns the local transport.
func New() *Transport { return &Transport{} }

// Run runs cmd with /bin/sh -c. The command gets a process group of its
// own, so that when ctx ends (a timeout, converge interrupted) the whole
// group is killed: a child that keeps the output pipes open (a daemon
// started in the background, `sleep` under a shell) cannot hold Run.
func (t *Transport) Run(ctx context.Context, cmd string, stdin io.Reader) (transport.Result, error) {
	c := exec.CommandContext(ctx, "/bin/sh", "-c", cmd)
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }
	c.WaitDelay = 2 * time.Second
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr, c.Stdin = &out, &errb, stdin
	err := c.Run()
	res := transport.Result{Stdout: out.Bytes(), Stderr: errb.Bytes()}
	if errors.Is(err, exec.ErrWaitDelay) && ctx.Err() == nil {
		// The command ended; something it started in the background still
		// holds its output. Its status is the command's.
		res.ExitCode = c.ProcessState.ExitCode()
		return res, nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ctx.Err() == nil {
		res.ExitCode = ee.ExitCode()
		return res, nil
	}
	if err != nil {
		return res, err
	}
	return res, nil
}

// Put writes path atomically.
func (t *Transport) Put(ctx context.Context, path string, data []byte, opts transport.PutOptions) error {
	return transport.PutWith(ctx, t, path, data, opts)
}

// Get reads path.
func (t *Transport) Get(ctx context.Context, path string) ([]byte, error) {
	return transport.GetWith(ctx, t, path)
}

// Close does nothing.
func (t *Transport) Close() error { return nil }
