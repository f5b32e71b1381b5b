package engine_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/converge-cm/converge/engine"
)

func wantCalls(t *testing.T, rec *calls, want ...string) {
	t.Helper()
	if !reflect.DeepEqual(rec.list, want) {
		t.Errorf("applied\n  %s\nwant\n  %s", strings.Join(rec.list, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestConverge_ResourcesRunInDeclarationOrder(t *testing.T) {
	rec := &calls{}
	a, b, c := newFake(rec, "file[a]", "create"), newFake(rec, "file[b]", "create"), newFake(rec, "service[c]", "enable", "start")
	b.upToDate = true
	res, events, _ := converge(t, collection(a, b, c), engine.Options{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	wantCalls(t, rec, "file[a] create", "service[c] enable", "service[c] start")
	if want := []string{"file[a] create updated", "file[b] create up-to-date", "service[c] enable updated", "service[c] start updated"}; !reflect.DeepEqual(statuses(events), want) {
		t.Errorf("events %v, want %v", statuses(events), want)
	}
	if res.Updated != 2 || res.Total != 3 || !reflect.DeepEqual(res.UpdatedResources, []string{"file[a]", "service[c]"}) {
		t.Errorf("result %+v; want 2 of 3 updated: file[a], service[c]", res)
	}
}

func TestConverge_ImmediateNotificationRunsRightAfterNotifier(t *testing.T) {
	rec := &calls{}
	svc := newFake(rec, "service[corosync]", "nothing")
	conf := newFake(rec, "template[/etc/corosync.conf]", "create")
	other := newFake(rec, "file[/etc/motd]", "create")
	c := collection(svc, conf, other)
	notify(c, conf, svc, "restart", "immediately")
	res, events, _ := converge(t, c, engine.Options{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	wantCalls(t, rec, "template[/etc/corosync.conf] create", "service[corosync] restart", "file[/etc/motd] create")
	if e := eventFor(t, events, "service[corosync]", "restart"); e.Why != "notified by template[/etc/corosync.conf]" {
		t.Errorf("why = %q", e.Why)
	}
}

func TestConverge_DelayedNotificationRunsAtEnd(t *testing.T) {
	rec := &calls{}
	svc := newFake(rec, "service[corosync]", "nothing")
	conf := newFake(rec, "template[/etc/corosync.conf]", "create")
	other := newFake(rec, "file[/etc/motd]", "create")
	c := collection(svc, conf, other)
	notify(c, conf, svc, "restart", "delayed")
	res, events, _ := converge(t, c, engine.Options{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	wantCalls(t, rec, "template[/etc/corosync.conf] create", "file[/etc/motd] create", "service[corosync] restart")
	if e := eventFor(t, events, "service[corosync]", "restart"); e.Why != "delayed notification from template[/etc/corosync.conf]" {
		t.Errorf("why = %q", e.Why)
	}
}

func TestConverge_DelayedNotificationsDeduplicatedInQueueOrder(t *testing.T) {
	rec := &calls{}
	s1 := newFake(rec, "service[s1]", "nothing")
	s2 := newFake(rec, "service[s2]", "nothing")
	a := newFake(rec, "file[a]", "create")
	b := newFake(rec, "file[b]", "create")
	d := newFake(rec, "file[d]", "create")
	c := collection(s1, s2, a, b, d)
	notify(c, a, s1, "restart", "delayed")
	notify(c, a, s1, "restart", "delayed") // the same twice from one resource
	notify(c, b, s2, "restart", "delayed")
	notify(c, b, s1, "restart", "delayed")
	notify(c, d, s1, "reload", "delayed") // another action is another item
	notify(c, d, s2, "restart", "delayed")
	res, _, _ := converge(t, c, engine.Options{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	wantCalls(t, rec, "file[a] create", "file[b] create", "file[d] create",
		"service[s1] restart", "service[s2] restart", "service[s1] reload")
}

func TestConverge_DelayedNotificationFromDelayedRunsToo(t *testing.T) {
	rec := &calls{}
	a := newFake(rec, "file[a]", "create")
	x := newFake(rec, "execute[x]", "nothing")
	y := newFake(rec, "execute[y]", "nothing")
	c := collection(a, x, y)
	notify(c, a, x, "run", "delayed")
	notify(c, x, y, "run", "delayed")
	notify(c, x, a, "create", "delayed")
	res, _, _ := converge(t, c, engine.Options{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	wantCalls(t, rec, "file[a] create", "execute[x] run", "execute[y] run", "file[a] create")
}

func TestConverge_BeforeNotificationRunsTargetBeforeNotifierApplies(t *testing.T) {
	rec := &calls{}
	svc := newFake(rec, "service[app]", "nothing")
	pkg := newFake(rec, "package[app]", "upgrade")
	c := collection(svc, pkg)
	notify(c, pkg, svc, "stop", "before")
	notify(c, pkg, svc, "start", "delayed")
	res, events, _ := converge(t, c, engine.Options{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	wantCalls(t, rec, "service[app] stop", "package[app] upgrade", "service[app] start")
	if e := eventFor(t, events, "service[app]", "stop"); e.Why != "before notification from package[app]" {
		t.Errorf("why = %q", e.Why)
	}
}

func TestConverge_BeforeNotificationSkippedWhenNotifierUpToDate(t *testing.T) {
	rec := &calls{}
	svc := newFake(rec, "service[app]", "nothing")
	pkg := newFake(rec, "package[app]", "upgrade")
	pkg.upToDate = true
	c := collection(svc, pkg)
	notify(c, pkg, svc, "stop", "before")
	res, _, _ := converge(t, c, engine.Options{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	wantCalls(t, rec)
}

// TestConverge_BeforeNotificationRechecksNotifier: when the before target
// already brought the notifier up to date, the notifier does not apply.
func TestConverge_BeforeNotificationRechecksNotifier(t *testing.T) {
	rec := &calls{}
	done := false
	prep := newFake(rec, "execute[prepare]", "nothing")
	prep.applyFn = func(context.Context, string, *engine.Host) error { done = true; return nil }
	f := newFake(rec, "file[x]", "create")
	f.checkFn = func(action string, _ engine.Probed) (engine.Diff, error) {
		if done {
			return engine.Diff{}, nil
		}
		return engine.Diff{Changes: []string{"create x"}}, nil
	}
	c := collection(prep, f)
	notify(c, f, prep, "run", "before")
	res, events, _ := converge(t, c, engine.Options{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	wantCalls(t, rec, "execute[prepare] run")
	if e := eventFor(t, events, "file[x]", "create"); e.Status != engine.StatusUpToDate {
		t.Errorf("file[x] %s, want up to date after the before notification", e.Status)
	}
}

func TestConverge_NotificationFiresOnlyWhenNotifierUpdated(t *testing.T) {
	tests := []struct {
		name  string
		setup func(n *fake)
	}{
		{"up to date", func(n *fake) { n.upToDate = true }},
		{"skipped by not_if", func(n *fake) {
			n.NotIf = []engine.Guard{{Fn: func() (bool, error) { return true, nil }, Desc: "f()"}}
		}},
		{"skipped by only_if", func(n *fake) {
			n.OnlyIf = []engine.Guard{{Fn: func() (bool, error) { return false, nil }, Desc: "f()"}}
		}},
		{"failed with ignore_failure", func(n *fake) { n.failures, n.IgnoreFailure = 1, true }},
		{"action nothing", func(n *fake) { n.Actions = []string{"nothing"} }},
	}
	for _, tt := range tests {
		for _, timing := range []string{"immediately", "delayed", "before"} {
			if tt.name == "failed with ignore_failure" && timing == "before" {
				continue // before runs when the notifier would change, before it fails
			}
			t.Run(tt.name+"/"+timing, func(t *testing.T) {
				rec := &calls{}
				svc := newFake(rec, "service[s]", "nothing")
				n := newFake(rec, "file[n]", "create")
				tt.setup(n)
				c := collection(svc, n)
				notify(c, n, svc, "restart", timing)
				res, _, _ := converge(t, c, engine.Options{})
				if res.Err != nil {
					t.Fatal(res.Err)
				}
				for _, call := range rec.list {
					if strings.HasPrefix(call, "service[s]") {
						t.Errorf("the target ran (%s) though the notifier was not updated", call)
					}
				}
			})
		}
	}
}

func TestConverge_ActionNothingRunsOnlyWhenNotified(t *testing.T) {
	rec := &calls{}
	quiet := newFake(rec, "execute[quiet]", "nothing")
	reload := newFake(rec, "execute[reload]", "nothing")
	a := newFake(rec, "file[a]", "create")
	c := collection(quiet, reload, a)
	notify(c, a, reload, "run", "immediately")
	res, events, _ := converge(t, c, engine.Options{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	wantCalls(t, rec, "file[a] create", "execute[reload] run")
	if e := eventFor(t, events, "execute[quiet]", "nothing"); e.Status != engine.StatusSkipped {
		t.Errorf("execute[quiet] %s, want skipped", e.Status)
	}
	if quiet.applies != 0 {
		t.Errorf("execute[quiet] applied %d times", quiet.applies)
	}
}

func TestConverge_DelayedNotificationRunsAfterFailure(t *testing.T) {
	rec := &calls{}
	svc := newFake(rec, "service[s]", "nothing")
	a := newFake(rec, "file[a]", "create")
	broken := newFake(rec, "execute[broken]")
	broken.failures = 1
	later := newFake(rec, "file[later]", "create")
	c := collection(svc, a, broken, later)
	notify(c, a, svc, "restart", "delayed")
	notify(c, later, svc, "reload", "delayed") // never queued: later never runs
	res, events, _ := converge(t, c, engine.Options{})
	wantCalls(t, rec, "file[a] create", "execute[broken] run", "service[s] restart")
	if res.Err == nil || !strings.Contains(res.Err.Error(), "execute[broken] (recipes/default.star:1) action run: broken failed") {
		t.Errorf("Result.Err = %v; want execute[broken]'s failure", res.Err)
	}
	if e := eventFor(t, events, "execute[broken]", "run"); e.Status != engine.StatusFailed || e.Error != "broken failed" {
		t.Errorf("event %+v", e)
	}
	if !reflect.DeepEqual(res.UpdatedResources, []string{"file[a]", "service[s]"}) {
		t.Errorf("updated %v", res.UpdatedResources)
	}
}

func TestConverge_FailingDelayedNotificationIsReportedAndOthersRun(t *testing.T) {
	rec := &calls{}
	s1, s2 := newFake(rec, "service[s1]", "nothing"), newFake(rec, "service[s2]", "nothing")
	s1.failures = 1
	a := newFake(rec, "file[a]", "create")
	c := collection(s1, s2, a)
	notify(c, a, s1, "restart", "delayed")
	notify(c, a, s2, "restart", "delayed")
	res, _, _ := converge(t, c, engine.Options{})
	wantCalls(t, rec, "file[a] create", "service[s1] restart", "service[s2] restart")
	if res.Err == nil || !strings.Contains(res.Err.Error(), "service[s1]") {
		t.Errorf("Result.Err = %v; want service[s1]'s failure", res.Err)
	}
}

func TestConverge_IgnoreFailureLetsTheRunContinue(t *testing.T) {
	rec := &calls{}
	broken := newFake(rec, "execute[broken]")
	broken.failures, broken.IgnoreFailure = 1, true
	next := newFake(rec, "file[next]", "create")
	res, events, _ := converge(t, collection(broken, next), engine.Options{})
	if res.Err != nil {
		t.Errorf("Result.Err = %v; want nil", res.Err)
	}
	wantCalls(t, rec, "execute[broken] run", "file[next] create")
	if e := eventFor(t, events, "execute[broken]", "run"); e.Status != engine.StatusIgnored || e.Error != "broken failed" {
		t.Errorf("event %+v; want failed-ignored with the error", e)
	}
}

func TestConverge_ImmediateTargetIgnoringFailureDoesNotFailNotifier(t *testing.T) {
	rec := &calls{}
	svc := newFake(rec, "service[s]", "nothing")
	svc.failures, svc.IgnoreFailure = 1, true
	a := newFake(rec, "file[a]", "create")
	b := newFake(rec, "file[b]", "create")
	c := collection(svc, a, b)
	notify(c, a, svc, "restart", "immediately")
	res, _, _ := converge(t, c, engine.Options{})
	if res.Err != nil {
		t.Errorf("Result.Err = %v", res.Err)
	}
	wantCalls(t, rec, "file[a] create", "service[s] restart", "file[b] create")
}

func TestConverge_ImmediateTargetFailureStopsTheRun(t *testing.T) {
	rec := &calls{}
	svc := newFake(rec, "service[s]", "nothing")
	svc.failures = 1
	a := newFake(rec, "file[a]", "create")
	b := newFake(rec, "file[b]", "create")
	c := collection(svc, a, b)
	notify(c, a, svc, "restart", "immediately")
	res, _, _ := converge(t, c, engine.Options{})
	if res.Err == nil || !strings.Contains(res.Err.Error(), "service[s]") {
		t.Errorf("Result.Err = %v; want service[s]'s failure", res.Err)
	}
	wantCalls(t, rec, "file[a] create", "service[s] restart")
}

func TestConverge_RetriesRetryAFailingApply(t *testing.T) {
	tests := []struct {
		retries, failures int
		wantApplies       int
		wantErr           bool
	}{
		{0, 0, 1, false},
		{0, 1, 1, true},
		{2, 2, 3, false},
		{2, 3, 3, true},
		{5, 1, 2, false},
	}
	for _, tt := range tests {
		rec := &calls{}
		f := newFake(rec, "execute[flaky]")
		f.Retries, f.failures = tt.retries, tt.failures
		res, events, _ := converge(t, collection(f), engine.Options{})
		if f.applies != tt.wantApplies || (res.Err != nil) != tt.wantErr {
			t.Errorf("retries=%d failing %d times: %d applies, err %v; want %d applies, error %v",
				tt.retries, tt.failures, f.applies, res.Err, tt.wantApplies, tt.wantErr)
		}
		if len(events) != 1 {
			t.Errorf("retries=%d: %d events for one action, want 1", tt.retries, len(events))
		}
	}
}

func TestConverge_RetryDelayIsCutShortByCancel(t *testing.T) {
	rec := &calls{}
	f := newFake(rec, "execute[flaky]")
	f.Retries, f.RetryDelay, f.failures = 3, 60, 5
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	res := engine.Converge(ctx, collection(f), &engine.Host{T: newCounting()}, engine.Options{})
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %s; the retry delay ignored the cancelled context", time.Since(start))
	}
	if !errors.Is(res.Err, context.DeadlineExceeded) {
		t.Errorf("Result.Err = %v; want the context's error", res.Err)
	}
	if f.applies != 1 {
		t.Errorf("%d applies, want 1", f.applies)
	}
}

func TestConverge_ImmediateNotificationLoopIsAnError(t *testing.T) {
	rec := &calls{}
	a := newFake(rec, "execute[a]")
	b := newFake(rec, "execute[b]", "nothing")
	c := collection(a, b)
	notify(c, a, b, "run", "immediately")
	notify(c, b, a, "run", "immediately")
	res, _, _ := converge(t, c, engine.Options{})
	if res.Err == nil || !strings.Contains(res.Err.Error(), "notification loop") {
		t.Errorf("Result.Err = %v; want a notification loop error", res.Err)
	}
}

func TestConverge_DryRunAppliesNothing(t *testing.T) {
	rec := &calls{}
	now := newFake(rec, "service[now]", "nothing")
	later := newFake(rec, "service[later]", "nothing")
	first := newFake(rec, "service[first]", "nothing")
	a := newFake(rec, "template[a]", "create")
	ok := newFake(rec, "file[ok]", "create")
	ok.upToDate = true
	quiet := newFake(rec, "service[quiet]", "nothing")
	c := collection(now, later, first, a, ok, quiet)
	notify(c, a, now, "restart", "immediately")
	notify(c, a, later, "restart", "delayed")
	notify(c, a, first, "stop", "before")
	notify(c, ok, quiet, "restart", "immediately")
	res, events, tr := converge(t, c, engine.Options{DryRun: true})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	wantCalls(t, rec)
	if len(tr.runs) != 0 || len(tr.puts) != 0 {
		t.Errorf("dry run touched the node: runs %q, puts %q", tr.runs, tr.puts)
	}
	want := []string{
		"service[now] nothing skipped",
		"service[later] nothing skipped",
		"service[first] nothing skipped",
		"service[first] stop would-change",
		"template[a] create would-change",
		"service[now] restart would-change",
		"file[ok] create up-to-date",
		"service[quiet] nothing skipped",
		"service[later] restart would-change",
	}
	if got := statuses(events); !reflect.DeepEqual(got, want) {
		t.Errorf("events\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if res.Updated != 4 {
		t.Errorf("Updated = %d, want 4 would-change resources", res.Updated)
	}
	if e := eventFor(t, events, "template[a]", "create"); !reflect.DeepEqual(e.Changes, []string{"create a"}) {
		t.Errorf("changes %q", e.Changes)
	}
}

// TestConverge_DryRunMarksLaterRelatedResourcesMayChange: a resource that
// is up to date now but probes what an earlier would-change resource
// touches is reported as "would change if an earlier resource changed".
func TestConverge_DryRunMarksLaterRelatedResourcesMayChange(t *testing.T) {
	dir := t.TempDir()
	rec := &calls{}
	mk := newFake(rec, "directory[d]", "create")
	mk.probes = []engine.Probe{engine.StatProbe(dir + "/d")}
	inside := newFake(rec, "file[d/x]", "create")
	inside.upToDate, inside.probes = true, []engine.Probe{engine.StatProbe(dir + "/d/x")}
	elsewhere := newFake(rec, "file[e]", "create")
	elsewhere.upToDate, elsewhere.probes = true, []engine.Probe{engine.StatProbe(dir + "/e")}
	c := collection(&touching{mk, []string{dir + "/d"}}, inside, elsewhere)
	res, events, tr := converge(t, c, engine.Options{DryRun: true})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	want := []string{"directory[d] create would-change", "file[d/x] create would-change-if-earlier-changed", "file[e] create up-to-date"}
	if got := statuses(events); !reflect.DeepEqual(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
	if n := len(tr.runs); n != 1 {
		t.Errorf("dry run took %d round trips, want 1", n)
	}
}

func TestConverge_SensitiveHidesChangesAndErrors(t *testing.T) {
	rec := &calls{}
	s := newFake(rec, "execute[secret]")
	s.Sensitive = true
	s.applyFn = func(context.Context, string, *engine.Host) error {
		return &engine.CommandError{Cmd: "set-password hunter2", ExitCode: 3, Stderr: "bad password hunter2"}
	}
	res, events, _ := converge(t, collection(s), engine.Options{})
	e := eventFor(t, events, "execute[secret]", "run")
	if !reflect.DeepEqual(e.Changes, []string{"suppressed sensitive resource output"}) {
		t.Errorf("changes %q", e.Changes)
	}
	for _, msg := range []string{e.Error, res.Err.Error()} {
		if strings.Contains(msg, "hunter2") || !strings.Contains(msg, "command exited 3 (output suppressed") {
			t.Errorf("error %q leaks or loses the exit status", msg)
		}
	}
}

func TestConverge_GuardsSkipWithoutApplying(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name        string
		notIf       []engine.Guard
		onlyIf      []engine.Guard
		wantApplied bool
		wantWhy     string
	}{
		{"not_if true", []engine.Guard{{Cmd: "test -d " + dir}}, nil, false, "skipped due to not_if"},
		{"not_if false", []engine.Guard{{Cmd: "test -e " + dir + "/nope"}}, nil, true, ""},
		{"only_if false", nil, []engine.Guard{{Cmd: "false"}}, false, "skipped due to only_if"},
		{"only_if true", nil, []engine.Guard{{Cmd: "true"}}, true, ""},
		{"only_if all must hold", nil, []engine.Guard{{Cmd: "true"}, {Cmd: "false"}}, false, "skipped due to only_if"},
		{"not_if any skips", []engine.Guard{{Cmd: "false"}, {Fn: func() (bool, error) { return true, nil }}}, nil, false, "skipped due to not_if"},
		{"function only_if", nil, []engine.Guard{{Fn: func() (bool, error) { return true, nil }}}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &calls{}
			f := newFake(rec, "execute[x]")
			f.NotIf, f.OnlyIf = tt.notIf, tt.onlyIf
			res, events, tr := converge(t, collection(f), engine.Options{})
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if (f.applies > 0) != tt.wantApplied {
				t.Errorf("applied %d times, want applied=%v", f.applies, tt.wantApplied)
			}
			if e := eventFor(t, events, "execute[x]", "run"); e.Why != tt.wantWhy {
				t.Errorf("why %q, want %q", e.Why, tt.wantWhy)
			}
			if n := len(tr.probeRuns()); n > 1 {
				t.Errorf("%d probe round trips, want the guards in one", n)
			}
		})
	}
}

func TestConverge_GuardErrorFailsTheResource(t *testing.T) {
	rec := &calls{}
	f := newFake(rec, "execute[x]")
	f.OnlyIf = []engine.Guard{{Fn: func() (bool, error) { return false, errBoom }, Desc: "check()"}}
	res, _, _ := converge(t, collection(f), engine.Options{})
	if res.Err == nil || !strings.Contains(res.Err.Error(), "only_if check(): boom") {
		t.Errorf("Result.Err = %v", res.Err)
	}
	wantCalls(t, rec)
}

func TestConverge_CheckErrorFailsTheResource(t *testing.T) {
	rec := &calls{}
	f := newFake(rec, "file[x]", "create")
	f.checkFn = func(string, engine.Probed) (engine.Diff, error) { return engine.Diff{}, errBoom }
	next := newFake(rec, "file[y]", "create")
	res, _, _ := converge(t, collection(f, next), engine.Options{})
	if res.Err == nil || !strings.Contains(res.Err.Error(), "file[x] (recipes/default.star:1) action create: boom") {
		t.Errorf("Result.Err = %v", res.Err)
	}
	wantCalls(t, rec)
}
