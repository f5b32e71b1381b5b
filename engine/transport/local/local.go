package local

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os/exec"

	"github.com/converge-cm/converge/engine/transport"
)

// Transport runs commands on this machine.
type Transport struct{}

var _ transport.Transport = (*Transport)(nil)

// New returns the local transport.
func New() *Transport { return &Transport{} }

// Run runs cmd with /bin/sh -c.
func (t *Transport) Run(ctx context.Context, cmd string, stdin io.Reader) (transport.Result, error) {
	c := exec.CommandContext(ctx, "/bin/sh", "-c", cmd)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr, c.Stdin = &out, &errb, stdin
	err := c.Run()
	res := transport.Result{Stdout: out.Bytes(), Stderr: errb.Bytes()}
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
