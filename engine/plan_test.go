package engine_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
)

// workloadW is the benchmark's workload (testdata/bench, WORKLOAD.md) with
// file content instead of a template: 10 directories, 50 files in them, 20
// commands each guarded by the marker it creates, and a delayed handler.
const workloadW = `
root = node["root"]
log = execute("log handler run", command="echo run >> %s/handler.log" % root, action="nothing")
for k in range(1, 11):
    directory("%s/d%d" % (root, k), mode="0755")
for n in range(1, 51):
    file("%s/d%d/f%d.conf" % (root, (n - 1) // 5 + 1, n), content="index %d\n" % n, mode="0644",
         notifies=[("run", log, "delayed")])
for i in range(1, 21):
    execute("command %d" % i,
        command="mkdir -p %s/state && echo %d > %s/state/c%d.done" % (root, i, root, i),
        creates="%s/state/c%d.done" % (root, i))
`

// applyRuns are the round trips after the probe round trip.
func applyRuns(tr interface{ probeRuns() []string }, runs []string) int {
	return len(runs) - len(tr.probeRuns())
}

func TestPlan_WorkloadWFirstRunTakesAtMostFourApplyRoundTrips(t *testing.T) {
	root := t.TempDir()
	compile := batchRepo(t, workloadW, root)
	res, events, tr := converge(t, compile(), engine.Options{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if res.Updated != 81 {
		t.Errorf("updated %d, want 10 directories, 50 files, 20 commands and the handler", res.Updated)
	}
	if n := applyRuns(tr, tr.runs); n > 4 || len(tr.probeRuns()) != 1 {
		t.Errorf("first run: %d probe and %d apply round trips, want 1 and at most 4", len(tr.probeRuns()), n)
	}
	for n := 1; n <= 50; n++ {
		p := fmt.Sprintf("%s/d%d/f%d.conf", root, (n-1)/5+1, n)
		if b, err := os.ReadFile(p); err != nil || string(b) != fmt.Sprintf("index %d\n", n) {
			t.Fatalf("%s: %q %v", p, b, err)
		}
		if e := eventFor(t, events, "file["+p+"]", "create"); e.Status != engine.StatusUpdated || !strings.Contains(e.Diff, fmt.Sprintf("+index %d", n)) {
			t.Errorf("%s: %s, diff %q", p, e.Status, e.Diff)
		}
	}
	for k := 1; k <= 10; k++ {
		st, err := os.Stat(fmt.Sprintf("%s/d%d", root, k))
		if err != nil || st.Mode().Perm() != 0o755 {
			t.Errorf("d%d: %v %v", k, st, err)
		}
	}
	for i := 1; i <= 20; i++ {
		if b, err := os.ReadFile(fmt.Sprintf("%s/state/c%d.done", root, i)); err != nil || string(b) != fmt.Sprintf("%d\n", i) {
			t.Errorf("c%d.done: %q %v", i, b, err)
		}
		if e := eventFor(t, events, fmt.Sprintf("execute[command %d]", i), "run"); e.Status != engine.StatusUpdated {
			t.Errorf("command %d: %s", i, e.Status)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(root, "handler.log")); string(b) != "run\n" {
		t.Errorf("the handler should run once: %q", b)
	}
	res, _, tr = converge(t, compile(), engine.Options{})
	if res.Err != nil || res.Updated != 0 || len(tr.runs) != 1 {
		t.Errorf("second run: err %v, updated %d, %d round trips; want a no-op in one", res.Err, res.Updated, len(tr.runs))
	}
}

// A step that fails in the middle of a plan stops it there: it is
// reported with its output, the later resources are untouched, and the
// delayed notifications queued before still run (Chef's order).
func TestPlan_FailingStepStopsThePlanAndDelayedNotificationsStillRun(t *testing.T) {
	root := t.TempDir()
	compile := batchRepo(t, `
root = node["root"]
h = execute("handler", command="echo ran >> %s/handler.log" % root, action="nothing")
directory(root + "/d")
file(root + "/d/a", content="a\n", notifies=[("run", h, "delayed")])
execute("first", command="echo one > %s/one" % root)
execute("breaks", command="echo this went wrong >&2; exit 3")
file(root + "/d/b", content="b\n")
execute("after", command="echo no > %s/after" % root)
`, root)
	res, events, tr := converge(t, compile(), engine.Options{})
	if res.Err == nil || !strings.Contains(res.Err.Error(), "execute[breaks]") || !strings.Contains(res.Err.Error(), "this went wrong") {
		t.Fatalf("want the failing step named with its output, got %v", res.Err)
	}
	if n := applyRuns(tr, tr.runs); n != 2 {
		t.Errorf("%d apply round trips, want the plan and the handler", n)
	}
	for addr, want := range map[string]engine.Status{
		"directory[" + root + "/d]": engine.StatusUpdated, "file[" + root + "/d/a]": engine.StatusUpdated,
		"execute[first]": engine.StatusUpdated, "execute[breaks]": engine.StatusFailed,
	} {
		action := "create"
		if strings.HasPrefix(addr, "execute") {
			action = "run"
		}
		if e := eventFor(t, events, addr, action); e.Status != want {
			t.Errorf("%s: %s, want %s", addr, e.Status, want)
		}
	}
	for _, e := range events {
		if strings.Contains(e.Resource, "/d/b") || e.Resource == "execute[after]" {
			t.Errorf("a resource after the failure was reported: %+v", e)
		}
	}
	for _, p := range []string{"d/b", "after"} {
		if _, err := os.Stat(filepath.Join(root, p)); !os.IsNotExist(err) {
			t.Errorf("%s should not exist after the failure", p)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(root, "handler.log")); string(b) != "ran\n" {
		t.Errorf("the delayed handler queued before the failure should run: %q", b)
	}
	if left, _ := filepath.Glob(filepath.Join(root, "d", ".converge-*")); len(left) != 0 {
		t.Errorf("staging left: %v", left)
	}
}

func TestPlan_DryRunNeverShipsAPlan(t *testing.T) {
	root := t.TempDir()
	res, _, tr := converge(t, batchRepo(t, workloadW, root)(), engine.Options{DryRun: true})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if len(tr.runs) != 1 || len(tr.puts) != 0 {
		t.Errorf("dry run: %d round trips, %d puts; want the probe round trip only", len(tr.runs), len(tr.puts))
	}
	if ents, _ := os.ReadDir(root); len(ents) != 0 {
		t.Errorf("dry run changed the node: %v", ents)
	}
}

// Inside a plan, what an earlier step may have changed is decided on the
// node right before the step: guards, and a creates path.
func TestPlan_GuardsAndCreatesAnEarlierStepChangesAreCheckedOnTheNode(t *testing.T) {
	cases := []struct {
		name, recipe string
		want         map[string]engine.Status
		files        map[string]string // "" for must not exist
	}{
		{"not_if true after the step that makes it so", `
execute("make marker", command="touch %s/marker" % r)
execute("skipped", command="echo x > %s/skipped" % r, not_if="test -e %s/marker" % r)
execute("runs", command="echo y > %s/runs" % r, not_if="test -e %s/nothing" % r)
`, map[string]engine.Status{"execute[skipped]": engine.StatusSkipped, "execute[runs]": engine.StatusUpdated},
			map[string]string{"skipped": "", "runs": "y\n"}},
		{"only_if", `
execute("make marker", command="touch %s/marker" % r)
execute("runs", command="echo x > %s/runs" % r, only_if="test -e %s/marker" % r)
execute("skipped", command="echo y > %s/skipped" % r, only_if="test -e %s/nothing" % r)
`, map[string]engine.Status{"execute[skipped]": engine.StatusSkipped, "execute[runs]": engine.StatusUpdated},
			map[string]string{"skipped": "", "runs": "x\n"}},
		{"creates made by an earlier step", `
execute("first", command="echo 1 > %s/c" % r, creates="%s/c" % r)
execute("second", command="echo 2 > %s/c" % r, creates="%s/c" % r)
execute("third", command="echo 3 > %s/d" % r, creates="%s/d" % r)
`, map[string]engine.Status{"execute[first]": engine.StatusUpdated, "execute[second]": engine.StatusUpToDate, "execute[third]": engine.StatusUpdated},
			map[string]string{"c": "1\n", "d": "3\n"}},
		{"returns accepts a status", `
execute("three", command="exit 3", returns=[0, 3])
execute("next", command="echo n > %s/next" % r)
`, map[string]engine.Status{"execute[three]": engine.StatusUpdated, "execute[next]": engine.StatusUpdated},
			map[string]string{"next": "n\n"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			res, events, tr := converge(t, batchRepo(t, `r = node["root"]`+"\n"+c.recipe, root)(), engine.Options{})
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if n := applyRuns(tr, tr.runs); n != 1 {
				t.Errorf("%d apply round trips, want the steps in one plan", n)
			}
			for addr, want := range c.want {
				if e := eventFor(t, events, addr, "run"); e.Status != want {
					t.Errorf("%s: %s (%s), want %s", addr, e.Status, e.Why, want)
				}
			}
			for p, want := range c.files {
				b, err := os.ReadFile(filepath.Join(root, p))
				if want == "" {
					if err == nil {
						t.Errorf("%s should not exist", p)
					}
					continue
				}
				if string(b) != want {
					t.Errorf("%s = %q, want %q", p, b, want)
				}
			}
		})
	}
}

// A guard the node's timeout ends inside a plan fails its resource as a
// timeout, and the plan stops there.
func TestPlan_GuardTimeoutInsideAPlanFailsTheResource(t *testing.T) {
	root := t.TempDir()
	res, events, _ := converge(t, batchRepo(t, `
r = node["root"]
execute("first", command="touch %s/m" % r)
execute("slow guard", command="touch %s/never" % r, not_if="sleep 30")
execute("after", command="touch %s/after" % r)
`, root)(), engine.Options{ProbeTimeout: 1e9})
	if res.Err == nil || !strings.Contains(res.Err.Error(), "execute[slow guard]") {
		t.Fatalf("want the guard's resource to fail, got %v", res.Err)
	}
	if e := eventFor(t, events, "execute[slow guard]", "run"); e.Status != engine.StatusFailed || !strings.Contains(e.Error, "not_if") {
		t.Errorf("slow guard: %s %q", e.Status, e.Error)
	}
	for _, p := range []string{"never", "after"} {
		if _, err := os.Stat(filepath.Join(root, p)); err == nil {
			t.Errorf("%s should not exist", p)
		}
	}
}
