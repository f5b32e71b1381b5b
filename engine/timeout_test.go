package engine_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/recipe"
	"github.com/converge-cm/converge/engine/transport"
)

// hangingTransport is the counting local transport on which the commands
// that hang() picks never answer: a node or connection that stopped
// (a SIGSTOPped sshd, a stalled link) until ctx ends.
type hangingTransport struct {
	*countingTransport
	hang func(cmd string) bool
}

func (h *hangingTransport) Run(ctx context.Context, cmd string, stdin io.Reader) (transport.Result, error) {
	all := cmd
	if stdin != nil {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return transport.Result{}, err
		}
		all += "\n" + string(b)
		stdin = strings.NewReader(string(b))
	}
	if h.hang(all) {
		<-ctx.Done()
		return transport.Result{}, fmt.Errorf("hung: %w", ctx.Err())
	}
	return h.countingTransport.Run(ctx, cmd, stdin)
}

// convergeOn runs c on tr and returns the result and every event, failing
// the test if the run does not end within limit (today's code hung).
func convergeOn(t *testing.T, ctx context.Context, c *engine.Collection, h *engine.Host, opts engine.Options, limit time.Duration) (engine.Result, []engine.Event) {
	t.Helper()
	var mu sync.Mutex
	var events []engine.Event
	opts.Sink = engine.SinkFunc(func(e engine.Event) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
	})
	done := make(chan engine.Result, 1)
	go func() { done <- engine.Converge(ctx, c, h, opts) }()
	select {
	case res := <-done:
		mu.Lock()
		defer mu.Unlock()
		return res, events
	case <-time.After(limit):
		t.Fatalf("the run did not end within %s", limit)
	}
	return engine.Result{}, nil
}

func nodeEnd(t *testing.T, events []engine.Event) engine.Event {
	t.Helper()
	for _, e := range events {
		if e.Type == "node-end" {
			return e
		}
	}
	t.Fatalf("no node-end event in %v", statuses(events))
	return engine.Event{}
}

// Issue 14 item 8: not_if="sleep 3600" hung the run before anything was
// reported. A guard or probe that runs past --probe-timeout is ended on the
// node and fails its resource, naming the guard; it is not taken as false.
func TestConverge_SlowGuardOrProbeFailsItsResourceNamingIt(t *testing.T) {
	tests := []struct {
		name string
		set  func(f *fake)
		want string
	}{
		{"not_if", func(f *fake) { f.NotIf = []engine.Guard{{Cmd: "sleep 3600", Desc: `"sleep 3600"`}} },
			`file[b] (recipes/default.star:1) action create: not_if "sleep 3600" timed out after 1s`},
		{"only_if", func(f *fake) { f.OnlyIf = []engine.Guard{{Cmd: "sleep 3600", Desc: `"sleep 3600"`}} },
			`file[b] (recipes/default.star:1) action create: only_if "sleep 3600" timed out after 1s`},
		{"probe", func(f *fake) { f.probes = []engine.Probe{engine.ShellProbe("sleep 3600")} },
			`file[b] (recipes/default.star:1) action create: probe "sleep 3600" timed out after 1s`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &calls{}
			a := newFake(rec, "file[a]", "create")
			b := newFake(rec, "file[b]", "create")
			tt.set(b)
			c := newFake(rec, "file[c]", "create")
			h := &engine.Host{T: newCounting(), Node: &engine.Node{Name: "n1"}}
			start := time.Now()
			res, events := convergeOn(t, context.Background(), collection(a, b, c), h, engine.Options{ProbeTimeout: time.Second}, 20*time.Second)
			if took := time.Since(start); took > 8*time.Second {
				t.Errorf("the run took %s; the guard should have been ended after 1s", took)
			}
			if res.Err == nil || !strings.Contains(res.Err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", res.Err, tt.want)
			}
			if got := eventFor(t, events, "file[b]", "create"); got.Status != engine.StatusFailed || !strings.Contains(got.Error, "timed out") {
				t.Errorf("file[b] event %s %q, want failed with the timeout", got.Status, got.Error)
			}
			wantCalls(t, rec, "file[a] create")
			if e := nodeEnd(t, events); e.Status != engine.StatusFailed {
				t.Errorf("node-end status %q, want failed", e.Status)
			}
		})
	}
}

// A node that stops answering (its sshd stopped, the link stalled) is
// ended by the control side's deadline, the limit plus a grace: the
// probe round trip, or an action's commands. Nothing more starts on it —
// no later resource, no delayed notification — and the error says what
// hung.
func TestConverge_HungNodeIsEndedByTheDeadlineAndStartsNothingMore(t *testing.T) {
	tests := []struct {
		name     string
		hang     string // commands containing it never answer
		opts     engine.Options
		cmdLimit time.Duration
		want     string
		applied  []string
	}{
		{"probe round trip", "==converge-", engine.Options{ProbeTimeout: 200 * time.Millisecond}, 0,
			"the probe round trip got no answer from the node within 1.4s", nil},
		{"action", "hang-here", engine.Options{}, 300 * time.Millisecond,
			"action run of execute[b] got no answer from the node within 1.3s", []string{"execute[a] run", "execute[b] run"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &calls{}
			a := newFake(rec, "execute[a]")
			b := newFake(rec, "execute[b]")
			b.probes = []engine.Probe{engine.ShellProbe("true")}
			b.applyFn = func(ctx context.Context, _ string, h *engine.Host) error {
				_, err := h.Run(ctx, "echo hang-here", "")
				return err
			}
			c := newFake(rec, "execute[c]")
			d := newFake(rec, "service[d]", "nothing")
			coll := collection(a, b, c, d)
			notify(coll, a, d, "restart", "delayed")
			tr := &hangingTransport{countingTransport: newCounting(), hang: func(cmd string) bool { return strings.Contains(cmd, tt.hang) }}
			h := &engine.Host{T: tr, Node: coll.Node, CommandTimeout: tt.cmdLimit}
			start := time.Now()
			res, events := convergeOn(t, context.Background(), coll, h, tt.opts, 20*time.Second)
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("the run took %s", took)
			}
			if res.Err == nil || !strings.Contains(res.Err.Error(), tt.want) || !strings.Contains(res.Err.Error(), "nothing more was started") {
				t.Fatalf("error %v, want %q", res.Err, tt.want)
			}
			var he *engine.HungError
			if !errors.As(res.Err, &he) {
				t.Errorf("error %v is not a HungError", res.Err)
			}
			wantCalls(t, rec, tt.applied...) // not c, and not d's delayed restart
			if e := nodeEnd(t, events); e.Status != engine.StatusFailed {
				t.Errorf("node-end status %q, want failed", e.Status)
			}
		})
	}
}

// Issue 14 item 8: on SIGINT the CLI cancels the run's context with
// ErrInterrupted. The action in flight is abandoned and reported as
// interrupted, nothing more starts (no later resource, no delayed
// notification), and the node ends as interrupted, not failed.
func TestConverge_InterruptAbandonsTheActionInFlightAndStartsNothingNew(t *testing.T) {
	rec := &calls{}
	a := newFake(rec, "execute[a]")
	b := newFake(rec, "execute[b]")
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	b.applyFn = func(ctx context.Context, _ string, h *engine.Host) error {
		cancel(fmt.Errorf("%w by SIGINT", engine.ErrInterrupted))
		_, err := h.Run(ctx, "sleep 30", "")
		return err
	}
	c := newFake(rec, "execute[c]")
	d := newFake(rec, "service[d]", "nothing")
	coll := collection(a, b, c, d)
	notify(coll, a, d, "restart", "delayed")
	notify(coll, b, d, "restart", "immediately")
	h := &engine.Host{T: newCounting(), Node: coll.Node}
	res, events := convergeOn(t, ctx, coll, h, engine.Options{}, 10*time.Second)
	if !res.Interrupted || !errors.Is(res.Err, engine.ErrInterrupted) {
		t.Fatalf("result interrupted=%v err=%v, want interrupted", res.Interrupted, res.Err)
	}
	want := "interrupted by SIGINT: execute[b] action run abandoned, 2 more resource(s) not started, 1 delayed notification(s) not run"
	if res.Err.Error() != want {
		t.Errorf("error %q\nwant  %q", res.Err, want)
	}
	if e := eventFor(t, events, "execute[b]", "run"); e.Status != engine.StatusInterrupted {
		t.Errorf("execute[b] %s, want interrupted", e.Status)
	}
	wantCalls(t, rec, "execute[a] run", "execute[b] run")
	if e := nodeEnd(t, events); e.Status != engine.StatusInterrupted || e.Error != want {
		t.Errorf("node-end %s %q, want interrupted", e.Status, e.Error)
	}
}

// execute's timeout property bounds its command on the node; without one
// the run's default (--command-timeout) does, where it used to be an hour
// whatever the flag said.
func TestExecute_TimeoutPropertyOrRunDefaultEndsTheCommand(t *testing.T) {
	tests := []struct {
		name     string
		decl     string
		cmdLimit time.Duration
		want     string
	}{
		{"own timeout", `execute("sleep 30", timeout=1)`, 0, "command sleep 30 timed out after 1s"},
		{"run default", `execute("sleep 30")`, time.Second, "command sleep 30 timed out after 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			coll := compileRecipe(t, tt.decl+"\nfile(node[\"root\"] + \"/after\", content=\"x\")\n")
			h := &engine.Host{T: newCounting(), Node: coll.Node, CommandTimeout: tt.cmdLimit}
			start := time.Now()
			res, _ := convergeOn(t, context.Background(), coll, h, engine.Options{}, 20*time.Second)
			if took := time.Since(start); took > 8*time.Second {
				t.Errorf("the run took %s", took)
			}
			if res.Err == nil || !strings.Contains(res.Err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", res.Err, tt.want)
			}
		})
	}
}

// compileRecipe compiles one recipe against a temporary root (node["root"]).
func compileRecipe(t *testing.T, body string) *engine.Collection {
	t.Helper()
	cb := filepath.Join(t.TempDir(), "cookbooks", "app")
	if err := os.MkdirAll(filepath.Join(cb, "recipes"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cb, "metadata.star"), []byte(`name = "app"`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cb, "recipes", "default.star"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	repo, err := recipe.LoadRepo([]string{filepath.Dir(cb)})
	if err != nil {
		t.Fatal(err)
	}
	c, err := repo.Compile(recipe.Input{Name: "n1", Facts: facts.Facts{Platform: "debian", PlatformFamily: "debian", PlatformVersion: "12", Init: "systemd"},
		Normal: map[string]any{"root": t.TempDir()}, RunList: []string{"app"}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
