package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/transport"
	"github.com/converge-cm/converge/engine/transport/local"
)

// calls records what fake resources did, in order: "kind[name] action".
type calls struct{ list []string }

func (c *calls) add(s string) { c.list = append(c.list, s) }

// fake is a resource whose behaviour is set by its fields: it changes the
// node unless upToDate, its Apply fails while failures remain, and the
// function fields, when set, replace Check and Apply.
type fake struct {
	engine.Common
	rec      *calls
	upToDate bool
	failures int // Apply fails this many times before it succeeds
	probes   []engine.Probe
	checkFn  func(action string, p engine.Probed) (engine.Diff, error)
	applyFn  func(ctx context.Context, action string, h *engine.Host) error
	applies  int
}

var _ engine.Resource = (*fake)(nil)

func (f *fake) Prepare(*engine.PrepareContext) error { return nil }
func (f *fake) Probes() []engine.Probe               { return f.probes }

func (f *fake) Check(action string, p engine.Probed) (engine.Diff, error) {
	if f.checkFn != nil {
		return f.checkFn(action, p)
	}
	if f.upToDate {
		return engine.Diff{}, nil
	}
	return engine.Diff{Changes: []string{action + " " + f.Name}}, nil
}

func (f *fake) Apply(ctx context.Context, action string, _ engine.Diff, h *engine.Host) error {
	f.applies++
	f.rec.add(f.Address() + " " + action)
	if f.applyFn != nil {
		return f.applyFn(ctx, action, h)
	}
	if f.failures > 0 {
		f.failures--
		return fmt.Errorf("%s failed", f.Name)
	}
	return nil
}

// touching is a fake whose changes are confined to paths (engine.Toucher).
type touching struct {
	*fake
	paths []string
}

func (t *touching) Touches() []string { return t.paths }

// newFake returns a fake at address kind[name] with the given actions
// (default "run").
func newFake(rec *calls, address string, actions ...string) *fake {
	i := strings.IndexByte(address, '[')
	f := &fake{rec: rec}
	f.Kind, f.Name = address[:i], address[i+1:len(address)-1]
	f.Actions = actions
	if len(f.Actions) == 0 {
		f.Actions = []string{"run"}
	}
	f.Pos = engine.Pos{File: "recipes/default.star", Line: 1}
	return f
}

// collection builds a node's collection from resources.
func collection(rs ...engine.Resource) *engine.Collection {
	c := engine.NewCollection(&engine.Node{Name: "n1"})
	for _, r := range rs {
		c.Add(r)
	}
	return c
}

// notify connects from to target as a notifies would.
func notify(c *engine.Collection, from, target engine.Resource, action, timing string) {
	c.Connect(from, engine.Edge{Target: target, Action: action, Timing: timing})
}

// countingTransport is the local transport with a record of every command
// it ran: a probe round trip is one Run of the probe script.
type countingTransport struct {
	t    *local.Transport
	mu   sync.Mutex
	runs []string
	puts []string
}

var _ transport.Transport = (*countingTransport)(nil)

func newCounting() *countingTransport { return &countingTransport{t: local.New()} }

func (c *countingTransport) Run(ctx context.Context, cmd string, stdin io.Reader) (transport.Result, error) {
	// Scripts travel on stdin (transport.RunScript): record them with the
	// command, so a probe script is recognised either way.
	record := cmd
	if stdin != nil {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return transport.Result{}, err
		}
		stdin = bytes.NewReader(b)
		record += "\n" + string(b)
	}
	c.mu.Lock()
	c.runs = append(c.runs, record)
	c.mu.Unlock()
	return c.t.Run(ctx, cmd, stdin)
}

func (c *countingTransport) Put(ctx context.Context, path string, data []byte, opts transport.PutOptions) error {
	c.mu.Lock()
	c.puts = append(c.puts, path)
	c.mu.Unlock()
	return c.t.Put(ctx, path, data, opts)
}

func (c *countingTransport) Get(ctx context.Context, path string) ([]byte, error) {
	return c.t.Get(ctx, path)
}

func (c *countingTransport) Close() error { return nil }

// probeRuns returns the probe scripts run so far.
func (c *countingTransport) probeRuns() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, r := range c.runs {
		if strings.Contains(r, "==converge-") {
			out = append(out, r)
		}
	}
	return out
}

// converge runs c on a counting local transport and returns the result
// and the resource events.
func converge(t *testing.T, c *engine.Collection, opts engine.Options) (engine.Result, []engine.Event, *countingTransport) {
	t.Helper()
	tr := newCounting()
	var mu sync.Mutex
	var events []engine.Event
	opts.Sink = engine.SinkFunc(func(e engine.Event) {
		mu.Lock()
		defer mu.Unlock()
		if e.Type == "resource" {
			events = append(events, e)
		}
	})
	res := engine.Converge(context.Background(), c, &engine.Host{T: tr, Node: c.Node}, opts)
	return res, events, tr
}

// statuses renders events as "kind[name] action status".
func statuses(events []engine.Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.Resource+" "+e.Action+" "+string(e.Status))
	}
	return out
}

// eventFor returns the last event of address and action.
func eventFor(t *testing.T, events []engine.Event, address, action string) engine.Event {
	t.Helper()
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Resource == address && events[i].Action == action {
			return events[i]
		}
	}
	t.Fatalf("no event for %s %s in %v", address, action, statuses(events))
	return engine.Event{}
}

var errBoom = errors.New("boom")
