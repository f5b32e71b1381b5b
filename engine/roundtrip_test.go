package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/recipe"
	"github.com/converge-cm/converge/engine/shell"

	_ "github.com/converge-cm/converge/resources"
)

// exists is a fake that wants path to exist: its Check reads the stat
// probe, its Apply creates the file.
func exists(rec *calls, path string) *fake {
	f := newFake(rec, "file["+filepath.Base(path)+"]", "create")
	f.probes = []engine.Probe{engine.StatProbe(path)}
	f.checkFn = func(_ string, p engine.Probed) (engine.Diff, error) {
		st, ok := p.Stat(path)
		if !ok {
			return engine.Diff{}, engine.MissingProbe(engine.ProbeStat, path)
		}
		if st.Exists {
			return engine.Diff{}, nil
		}
		return engine.Diff{Changes: []string{"create " + path}}, nil
	}
	f.applyFn = func(ctx context.Context, _ string, h *engine.Host) error {
		_, err := h.Run(ctx, "touch -- "+shell.Quote(path), "")
		return err
	}
	return f
}

func touch(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestConverge_NoOpRunTakesOneProbeRoundTrip(t *testing.T) {
	dir := t.TempDir()
	rec := &calls{}
	var rs []engine.Resource
	for i := 0; i < 20; i++ {
		p := filepath.Join(dir, fmt.Sprintf("f%d", i))
		touch(t, p)
		f := exists(rec, p)
		if i%3 == 0 {
			f.NotIf = []engine.Guard{{Cmd: "test -e " + shell.Quote(filepath.Join(dir, "nope"))}}
		}
		if i%4 == 0 {
			f.OnlyIf = []engine.Guard{{Cmd: "test -d " + shell.Quote(dir)}}
		}
		rs = append(rs, f)
	}
	quiet := newFake(rec, "service[s]", "nothing")
	rs = append(rs, quiet)
	c := collection(rs...)
	notify(c, rs[0], quiet, "restart", "immediately")
	notify(c, rs[1], quiet, "restart", "delayed")
	res, _, tr := converge(t, c, engine.Options{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if res.Updated != 0 {
		t.Errorf("%d updated, want 0", res.Updated)
	}
	wantCalls(t, rec)
	if len(tr.runs) != 1 || len(tr.probeRuns()) != 1 || len(tr.puts) != 0 {
		t.Errorf("a no-op run took %d commands (%d probe scripts) and %d writes; want exactly one probe round trip", len(tr.runs), len(tr.probeRuns()), len(tr.puts))
	}
}

// TestConverge_ChangeReprobesOnlyStaleProbes: after a resource confined to
// one path changes, only later probes related to that path are taken
// again, in one round trip, right before they are needed.
func TestConverge_ChangeReprobesOnlyStaleProbes(t *testing.T) {
	dir := t.TempDir()
	a, b, d := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "d")
	touch(t, b, d)
	rec := &calls{}
	makeA := exists(rec, a)
	unrelated := exists(rec, b)
	sawA := false
	related := newFake(rec, "file[sees-a]", "create")
	related.probes = []engine.Probe{engine.StatProbe(a)}
	related.checkFn = func(_ string, p engine.Probed) (engine.Diff, error) {
		st, _ := p.Stat(a)
		sawA = st.Exists
		return engine.Diff{}, nil
	}
	alsoUnrelated := exists(rec, d)
	c := collection(&touching{makeA, []string{a}}, unrelated, related, alsoUnrelated)
	res, _, tr := converge(t, c, engine.Options{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	wantCalls(t, rec, "file[a] create")
	if !sawA {
		t.Errorf("the resource probing %s checked the state from before it was created", a)
	}
	probes := tr.probeRuns()
	if len(probes) != 2 {
		t.Fatalf("%d probe round trips, want 2 (all, then the stale one): %q", len(probes), probes)
	}
	again := probes[1]
	if !strings.Contains(again, shell.Quote(a)) || strings.Contains(again, shell.Quote(b)) || strings.Contains(again, shell.Quote(d)) {
		t.Errorf("re-probe script should take %s only:\n%s", a, again)
	}
	if len(tr.runs) != 3 {
		t.Errorf("%d commands, want probe, touch, re-probe: %q", len(tr.runs), tr.runs)
	}
}

// TestConverge_ChangeWithoutTouchesReprobesEverythingLater: a resource that
// does not say what it touches may have changed anything.
func TestConverge_ChangeWithoutTouchesReprobesEverythingLater(t *testing.T) {
	dir := t.TempDir()
	b, d := filepath.Join(dir, "b"), filepath.Join(dir, "d")
	touch(t, b, d)
	rec := &calls{}
	anything := newFake(rec, "execute[anything]")
	c := collection(anything, exists(rec, b), exists(rec, d))
	res, _, tr := converge(t, c, engine.Options{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	probes := tr.probeRuns()
	if len(probes) != 2 || !strings.Contains(probes[1], shell.Quote(b)) || !strings.Contains(probes[1], shell.Quote(d)) {
		t.Errorf("want one re-probe of both later paths; got %q", probes)
	}
}

// TestConverge_GuardWithoutPathsIsReprobedAfterAChange: a guard command
// may read anything, so it is taken again after any change.
func TestConverge_GuardWithoutPathsIsReprobedAfterAChange(t *testing.T) {
	dir := t.TempDir()
	a, marker := filepath.Join(dir, "a"), filepath.Join(dir, "marker")
	rec := &calls{}
	makeMarker := exists(rec, marker)
	guarded := exists(rec, a)
	guarded.NotIf = []engine.Guard{{Cmd: "test -e " + shell.Quote(marker)}}
	c := collection(&touching{makeMarker, []string{marker}}, guarded)
	res, events, _ := converge(t, c, engine.Options{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	wantCalls(t, rec, "file[marker] create")
	if e := eventFor(t, events, "file[a]", "create"); e.Why != "skipped due to not_if" {
		t.Errorf("file[a]: %s (%s); its not_if became true when marker was created", e.Status, e.Why)
	}
}

// TestConverge_RecipeConvergesThenIsANoOp compiles a recipe with real
// resources against a temporary directory on the local transport: the
// first run changes things and fires notifications and subscribes, the
// second changes nothing, fires nothing and takes one probe round trip.
func TestConverge_RecipeConvergesThenIsANoOp(t *testing.T) {
	root := t.TempDir()
	cb := filepath.Join(t.TempDir(), "cookbooks", "app")
	files := map[string]string{
		"metadata.star": `name = "app"`,
		"recipes/default.star": `
root = node["root"]
log = root + "/log"
directory(root + "/etc", mode="0750")
conf = template(root + "/etc/app.conf", source="app.conf.tmpl", mode="0640",
                variables={"port": 8080},
                notifies=[("run", "execute[notified]", "immediately")])
file(root + "/etc/motd", content="hi\n")
execute("notified", command="echo notified >> " + log, action="nothing")
execute("subscriber", command="echo subscriber >> " + log, action="nothing",
        subscribes=[("run", conf), ("run", "file[%s/etc/motd]" % root, "delayed")])
execute("guarded", command="echo guarded >> " + log, creates=root + "/etc/app.conf")
link(root + "/current", to=root + "/etc")
`,
		"templates/default/app.conf.tmpl": "port {{.port}}\n",
	}
	for name, body := range files {
		p := filepath.Join(cb, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	repo, err := recipe.LoadRepo([]string{filepath.Dir(cb)})
	if err != nil {
		t.Fatal(err)
	}
	compile := func() *engine.Collection {
		c, err := repo.Compile(recipe.Input{Name: "n1", Facts: facts.Facts{Platform: "debian", PlatformFamily: "debian", PlatformVersion: "12", Init: "systemd"},
			Normal: map[string]any{"root": root}, RunList: []string{"app"}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	res, _, _ := converge(t, compile(), engine.Options{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	wantUpdated := []string{"directory[" + root + "/etc]", "template[" + root + "/etc/app.conf]", "execute[notified]", "file[" + root + "/etc/motd]", "link[" + root + "/current]", "execute[subscriber]"}
	if !reflect.DeepEqual(res.UpdatedResources, wantUpdated) {
		t.Errorf("first run updated\n  %s\nwant\n  %s", strings.Join(res.UpdatedResources, "\n  "), strings.Join(wantUpdated, "\n  "))
	}
	logWant := "notified\nsubscriber\n"
	if b, _ := os.ReadFile(filepath.Join(root, "log")); string(b) != logWant {
		t.Errorf("log %q, want %q (subscriber de-duplicated, guarded skipped by creates)", b, logWant)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "etc", "app.conf")); string(b) != "port 8080\n" {
		t.Errorf("app.conf %q", b)
	}

	res, events, tr := converge(t, compile(), engine.Options{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if res.Updated != 0 {
		t.Errorf("second run updated %v, want nothing", res.UpdatedResources)
	}
	if len(tr.runs) != 1 || len(tr.puts) != 0 {
		t.Errorf("second run: %d commands and %d writes, want one probe round trip", len(tr.runs), len(tr.puts))
	}
	if b, _ := os.ReadFile(filepath.Join(root, "log")); string(b) != logWant {
		t.Errorf("second run ran commands: log %q", b)
	}
	for _, e := range events {
		if e.Status != engine.StatusUpToDate && e.Status != engine.StatusSkipped {
			t.Errorf("second run: %s %s %s", e.Resource, e.Action, e.Status)
		}
	}

	// A dry run after a drift reports it and the notifications it would
	// fire, and changes nothing.
	if err := os.WriteFile(filepath.Join(root, "etc", "app.conf"), []byte("port 1\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	res, events, tr = converge(t, compile(), engine.Options{DryRun: true})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	var would []string
	for _, e := range events {
		if e.Status == engine.StatusWouldChange {
			would = append(would, e.Resource+" "+e.Action)
		}
	}
	if want := []string{"template[" + root + "/etc/app.conf] create", "execute[notified] run", "execute[subscriber] run"}; !reflect.DeepEqual(would, want) {
		t.Errorf("dry run would change %q, want %q", would, want)
	}
	if e := eventFor(t, events, "template["+root+"/etc/app.conf]", "create"); !strings.Contains(e.Diff, "-port 1\n+port 8080\n") {
		t.Errorf("dry run diff:\n%s", e.Diff)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "etc", "app.conf")); string(b) != "port 1\n" {
		t.Errorf("dry run rewrote app.conf: %q", b)
	}
	if len(tr.probeRuns()) != 1 || len(tr.puts) != 0 {
		t.Errorf("dry run: %d probe round trips and %d writes", len(tr.probeRuns()), len(tr.puts))
	}
}

// TestConverge_ReportsRoundTripsByPhase: the result and the node-end
// event count the node's round trips: the facts the caller gathered, the
// probe scripts, and every other command or write — one probe on a no-op,
// more once a resource changes the node.
func TestConverge_ReportsRoundTripsByPhase(t *testing.T) {
	dir := t.TempDir()
	have, missing := filepath.Join(dir, "have"), filepath.Join(dir, "missing")
	touch(t, have)
	cases := []struct {
		name  string
		paths []string
		opts  engine.Options
		want  map[string]int
	}{
		{"no-op", []string{have, have + "2"}, engine.Options{FactsRoundTrips: 1}, map[string]int{"facts": 1, "probe": 1, "apply": 0}},
		{"one change re-probes the rest", []string{missing, have}, engine.Options{}, map[string]int{"probe": 2, "apply": 1}},
		{"dry run", []string{missing, have}, engine.Options{DryRun: true, FactsRoundTrips: 1}, map[string]int{"facts": 1, "probe": 1, "apply": 0}},
		{"nothing to converge", nil, engine.Options{FactsRoundTrips: 1}, map[string]int{"facts": 1, "probe": 0, "apply": 0}},
	}
	touch(t, have+"2")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(missing)
			rec := &calls{}
			var rs []engine.Resource
			for _, p := range tc.paths {
				rs = append(rs, exists(rec, p))
			}
			var end engine.Event
			tc.opts.Sink = engine.SinkFunc(func(e engine.Event) {
				if e.Type == "node-end" {
					end = e
				}
			})
			tr := newCounting()
			res := engine.Converge(context.Background(), collection(rs...), &engine.Host{T: tr}, tc.opts)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if !reflect.DeepEqual(res.RoundTrips, tc.want) || !reflect.DeepEqual(end.RoundTrips, tc.want) {
				t.Errorf("round trips: result %v, node-end %v; want %v", res.RoundTrips, end.RoundTrips, tc.want)
			}
			if n := len(tr.runs) + len(tr.puts); n != tc.want["probe"]+tc.want["apply"] {
				t.Errorf("the transport saw %d calls, the report says %d", n, tc.want["probe"]+tc.want["apply"])
			}
		})
	}
}
