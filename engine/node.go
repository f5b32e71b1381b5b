package engine

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/keyorder"
	"github.com/converge-cm/converge/engine/transport"
)

// Node is what a recipe knows about the node it compiles for.
type Node struct {
	Name  string
	Facts facts.Facts
	// Attrs are the merged attributes (default < normal < override <
	// automatic), as plain Go values: map[string]any, []any, string, int64,
	// float64, bool, nil.
	Attrs map[string]any
	// Environment is the node's Chef environment ("_default" when it
	// names none): node.chef_environment in recipes.
	Environment string
}

// PrepareContext is what Resource.Prepare may use. It reads only the
// control machine's cookbooks, never the node.
type PrepareContext struct {
	Node *Node
	// FindFile looks a cookbook file up by Chef's file specificity; dir is
	// "templates" or "files". It returns the path found, or an error that
	// lists every place tried; a *CookbookError when the run has no such
	// cookbook.
	FindFile func(cookbook, dir, name string) (string, error)
	// ReadFile reads a file found by FindFile.
	ReadFile func(path string) ([]byte, error)
	// TemplateData returns the data a template renders with: the variables
	// at the top level, plus node.
	TemplateData func(vars map[string]any) map[string]any
	// KeyOrder is the key order of the maps of TemplateData and of the
	// resources' properties (Ruby's insertion order); nil walks them
	// sorted.
	KeyOrder *keyorder.Table
	// Secrets are the run's secret values (nil: none): a resource whose
	// prepared content holds one makes itself sensitive.
	Secrets *Secrets
}

// Host is what Resource.Apply acts through: the node's transport.
type Host struct {
	T    transport.Transport
	Node *Node
	// CommandTimeout bounds the commands of an action that has no limit of
	// its own (see CommandLimiter); zero is DefaultCommandTimeout,
	// negative (NoLimit) none.
	CommandTimeout time.Duration
}

// CommandLimit is the limit for commands without one of their own; 0 is
// none.
func (h *Host) CommandLimit() time.Duration {
	return resolveLimit(h.CommandTimeout, DefaultCommandTimeout)
}

// CommandError is a command that exited with an unexpected status.
type CommandError struct {
	Cmd      string // may be redacted
	ExitCode int
	Stderr   string
	Stdout   string
}

func (e *CommandError) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if msg == "" {
		msg = strings.TrimSpace(e.Stdout)
	}
	if len(msg) > 2000 {
		msg = "…" + msg[len(msg)-2000:]
	}
	if msg == "" {
		return fmt.Sprintf("command exited %d: %s", e.ExitCode, e.Cmd)
	}
	return fmt.Sprintf("command exited %d: %s\n%s", e.ExitCode, e.Cmd, indent(msg, "    "))
}

// Run runs cmd on the node and returns an error when it exits non-zero.
// display is how the command is named in the error (a redacted form for
// sensitive resources); empty shows cmd itself.
func (h *Host) Run(ctx context.Context, cmd, display string) (transport.Result, error) {
	res, err := h.T.Run(ctx, cmd, nil)
	if err != nil {
		return res, err
	}
	if res.ExitCode != 0 {
		if display == "" {
			display = cmd
		}
		return res, &CommandError{Cmd: display, ExitCode: res.ExitCode, Stderr: string(res.Stderr), Stdout: string(res.Stdout)}
	}
	return res, nil
}

func indent(s, pfx string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = pfx + l
	}
	return strings.Join(lines, "\n")
}

// countingTransport counts the calls made on a node's transport: each is
// one round trip.
type countingTransport struct {
	transport.Transport
	mu sync.Mutex
	n  int
}

func (c *countingTransport) add() {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
}

func (c *countingTransport) Run(ctx context.Context, cmd string, stdin io.Reader) (transport.Result, error) {
	c.add()
	return c.Transport.Run(ctx, cmd, stdin)
}

func (c *countingTransport) Put(ctx context.Context, path string, data []byte, opts transport.PutOptions) error {
	c.add()
	return c.Transport.Put(ctx, path, data, opts)
}

func (c *countingTransport) Get(ctx context.Context, path string) ([]byte, error) {
	c.add()
	return c.Transport.Get(ctx, path)
}

// CookbookError is FindFile's error for a cookbook the run cannot take a
// file from (a template's cookbook= names one the repository lacks, or
// one the run list does not bring); Fix says what to do.
type CookbookError struct {
	Msg, Fix string
}

func (e *CookbookError) Error() string { return e.Msg }
