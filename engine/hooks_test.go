package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/shell"
)

// hookCase builds a collection of one file[...] resource that wants path
// to exist (its apply appends "apply" to log) and hooks that append
// "before"/"after" to log.
func hookCase(t *testing.T, exist bool) (c *engine.Collection, log, path string, f *fake) {
	t.Helper()
	dir := t.TempDir()
	log, path = filepath.Join(dir, "log"), filepath.Join(dir, "f")
	if exist {
		touch(t, path)
	}
	f = exists(&calls{}, path)
	inner := f.applyFn
	f.applyFn = func(ctx context.Context, a string, h *engine.Host) error {
		if _, err := h.Run(ctx, "echo apply >> "+shell.Quote(log), ""); err != nil {
			return err
		}
		return inner(ctx, a, h)
	}
	c = collection(f)
	c.Hooks = engine.Hooks{
		Before: "echo before >> " + shell.Quote(log) + "; echo standing by",
		After:  "echo after >> " + shell.Quote(log),
		Pos:    engine.Pos{File: "recipes/crm.star", Line: 7},
	}
	return c, log, path, f
}

func readLog(t *testing.T, log string) string {
	t.Helper()
	b, err := os.ReadFile(log)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return strings.ReplaceAll(strings.TrimSpace(string(b)), "\n", ",")
}

func TestHook_NoOpRunsNoHookAndTakesOneProbeRoundTrip(t *testing.T) {
	c, log, _, _ := hookCase(t, true)
	// A resource its guard skips changes nothing either.
	g := newFake(&calls{}, "execute[skipped]")
	g.NotIf = []engine.Guard{{Cmd: "true"}}
	c.Add(g)
	res, events, tr := converge(t, c, engine.Options{Rolling: true})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if got := readLog(t, log); got != "" {
		t.Errorf("a no-op run ran hooks: log %q", got)
	}
	if len(tr.runs) != 1 || len(tr.probeRuns()) != 1 {
		t.Errorf("a no-op run with hooks took %d commands (%d probe scripts); want one probe round trip", len(tr.runs), len(tr.probeRuns()))
	}
	if res.RoundTrips.Probe != 1 || res.RoundTrips.Apply != 0 {
		t.Errorf("round trips %+v, want 1 probe, 0 apply", res.RoundTrips)
	}
	for _, e := range events {
		if strings.HasPrefix(e.Resource, "rolling_hook[") {
			t.Errorf("a no-op run reported %s", e.Resource)
		}
	}
}

func TestHook_RunsBeforeAndAfterAChange(t *testing.T) {
	for _, tc := range []struct {
		name      string
		failApply bool
		failHook  bool // the before hook fails
		wantLog   string
		wantErr   []string
		wantTrips engine.RoundTrips
	}{
		// probe; before; apply (echo, touch); after
		{name: "change", wantLog: "before,apply,after", wantTrips: engine.RoundTrips{Probe: 1, Apply: 4}},
		// A failed apply still runs after: the node is not left in standby.
		{name: "failed apply", failApply: true, wantLog: "before,after",
			wantErr: []string{"file[f]", "apply failed"}, wantTrips: engine.RoundTrips{Probe: 1, Apply: 2}},
		// A failed before changes nothing and runs no after.
		{name: "failed before", failHook: true, wantLog: "before",
			wantErr: []string{"rolling_hook[before] (recipes/crm.star:7)", "command exited 3", "nothing was changed"}, wantTrips: engine.RoundTrips{Probe: 1, Apply: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, log, path, f := hookCase(t, false)
			if tc.failApply {
				f.applyFn = func(context.Context, string, *engine.Host) error { return errFailed }
			}
			if tc.failHook {
				c.Hooks.Before += "; exit 3"
			}
			res, events, _ := converge(t, c, engine.Options{Rolling: true})
			if got := readLog(t, log); got != tc.wantLog {
				t.Errorf("log %q, want %q", got, tc.wantLog)
			}
			if res.RoundTrips != tc.wantTrips {
				t.Errorf("round trips %+v, want %+v", res.RoundTrips, tc.wantTrips)
			}
			if len(tc.wantErr) == 0 {
				if res.Err != nil {
					t.Fatal(res.Err)
				}
				if _, err := os.Stat(path); err != nil {
					t.Errorf("the resource was not applied: %v", err)
				}
				before := eventFor(t, events, "rolling_hook[before]", "run")
				if before.Status != engine.StatusUpdated || before.Pos != "recipes/crm.star:7" ||
					!strings.Contains(strings.Join(before.Changes, "\n"), "output: standing by") {
					t.Errorf("before hook event %+v", before)
				}
				var order []string
				for _, e := range events {
					order = append(order, e.Resource)
				}
				if got := strings.Join(order, ","); got != "rolling_hook[before],file[f],rolling_hook[after]" {
					t.Errorf("events in order %s", got)
				}
				if res.Updated != 1 {
					t.Errorf("%d updated, want 1 (hooks are not resources)", res.Updated)
				}
				return
			}
			if res.Err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(res.Err.Error(), w) {
					t.Errorf("error %q lacks %q", res.Err, w)
				}
			}
		})
	}
}

var errFailed = &engine.CommandError{Cmd: "apply", ExitCode: 1, Stderr: "apply failed"}

func TestHook_DryRunShowsHooksRunsNone(t *testing.T) {
	c, log, _, _ := hookCase(t, false)
	res, events, tr := converge(t, c, engine.Options{DryRun: true, Rolling: true})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if got := readLog(t, log); got != "" {
		t.Errorf("a dry run ran hooks: log %q", got)
	}
	if len(tr.runs) != 1 {
		t.Errorf("a dry run took %d commands, want the one probe round trip", len(tr.runs))
	}
	for _, which := range []string{"before", "after"} {
		e := eventFor(t, events, "rolling_hook["+which+"]", "run")
		if e.Status != engine.StatusWouldChange || len(e.Commands) != 1 || !strings.Contains(e.Commands[0], "echo "+which) {
			t.Errorf("dry run %s hook event %+v", which, e)
		}
	}
}

func TestHook_TimeoutEndsTheHook(t *testing.T) {
	c, log, _, _ := hookCase(t, false)
	c.Hooks.Before = "sleep 5"
	c.Hooks.Timeout = time.Second
	start := time.Now()
	res, _, _ := converge(t, c, engine.Options{Rolling: true})
	if res.Err == nil || !strings.Contains(res.Err.Error(), "before hook") || !strings.Contains(res.Err.Error(), "timed out after 1s") {
		t.Fatalf("error %v, want the before hook's timeout", res.Err)
	}
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("the hook ran %s past its 1 s limit", took)
	}
	if got := readLog(t, log); got != "" {
		t.Errorf("after a failed before hook the node changed: log %q", got)
	}
}

// TestHook_OnlyAnAfterHook: without a before hook, after runs once the
// node converged.
func TestHook_OnlyAnAfterHook(t *testing.T) {
	c, log, _, _ := hookCase(t, false)
	c.Hooks.Before = ""
	res, _, _ := converge(t, c, engine.Options{Rolling: true})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if got := readLog(t, log); got != "apply,after" {
		t.Errorf("log %q, want apply,after", got)
	}
}

// TestHook_NotRollingRunsNoHook: a run that converges every node at once
// (no --serial) runs no hook, though a resource changes: a before hook that
// takes the node out of service would take every node out at once.
func TestHook_NotRollingRunsNoHook(t *testing.T) {
	c, log, path, _ := hookCase(t, false)
	res, events, _ := converge(t, c, engine.Options{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if got := readLog(t, log); got != "apply" {
		t.Errorf("log %q, want apply alone", got)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the resource did not converge: %v", err)
	}
	for _, e := range events {
		if strings.HasPrefix(e.Resource, "rolling_hook[") {
			t.Errorf("a run that is not rolling reported %s", e.Resource)
		}
	}
}
