package engine_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/recipe"
)

// compileCustom compiles the run list against testdata/recipes/custom with
// node attributes root (a fresh directory) and two.
func compileCustom(t testing.TB, root string, runList []string, attrs map[string]any) *engine.Collection {
	t.Helper()
	repo, err := recipe.LoadRepo([]string{filepath.Join("..", "testdata", "recipes", "custom", "cookbooks")})
	if err != nil {
		t.Fatal(err)
	}
	normal := map[string]any{"root": root, "two": "2"}
	for k, v := range attrs {
		normal[k] = v
	}
	c, err := repo.Compile(recipe.Input{Name: "n1", Facts: facts.Facts{Platform: "debian", PlatformVersion: "12", PlatformFamily: "debian", Init: "systemd"},
		Normal: normal, RunList: runList})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}

// TestConverge_CustomResourcesConvergeThenNoOp: custom resources (one
// built on another) run their inner resources and fire notifications to
// and from them; the second run updates nothing, runs no inner resource
// and takes exactly one probe round trip.
func TestConverge_CustomResourcesConvergeThenNoOp(t *testing.T) {
	root := t.TempDir()
	res, events, _ := converge(t, compileCustom(t, root, []string{"settings"}, nil), engine.Options{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if got, want := res.UpdatedResources, []string{"settings_value[one]", "settings_value[two]", "settings_pair[p]", "execute[after]", "execute[watch]"}; !slices.Equal(got, want) {
		t.Errorf("updated %q, want %q", got, want)
	}
	for f, want := range map[string]string{"one": "1", "two": "2", "p.a": "x", "p.b": "xx", "log": "pair\nafter\nwatch\n"} {
		if got := readFile(t, filepath.Join(root, f)); got != want {
			t.Errorf("%s = %q, want %q", f, got, want)
		}
	}
	inner := eventFor(t, events, "execute[write p.b]", "run")
	if inner.Parent != "settings_value[p.b]" || inner.Depth != 2 {
		t.Errorf("execute[write p.b]: parent %q depth %d, want settings_value[p.b] at depth 2", inner.Parent, inner.Depth)
	}
	if e := eventFor(t, events, "settings_value[one]", "set"); len(e.Changes) != 3 || !slices.Equal(e.Changes[:2], []string{"create settings_value[one]", `set value to "1"`}) {
		t.Errorf("settings_value[one] changes %q", e.Changes)
	}
	// The parent's event comes before its inner resources'.
	if i, j := slices.IndexFunc(events, func(e engine.Event) bool { return e.Resource == "settings_pair[p]" }),
		slices.IndexFunc(events, func(e engine.Event) bool { return e.Resource == "settings_value[p.a]" }); i < 0 || i > j {
		t.Errorf("settings_pair[p] at %d, its inner settings_value[p.a] at %d: %q", i, j, statuses(events))
	}

	res, events, tr := converge(t, compileCustom(t, root, []string{"settings"}, nil), engine.Options{})
	if res.Err != nil || res.Updated != 0 {
		t.Fatalf("second run: %d updated, err %v: %q", res.Updated, res.Err, statuses(events))
	}
	// settings_pair has no load_current: its inner resources run (and are
	// up to date); theirs, and those of settings_value, do not.
	for _, e := range events {
		if e.Depth > 1 || (e.Depth == 1 && e.Parent != "settings_pair[p]") {
			t.Errorf("second run ran inner resource %s of %s", e.Resource, e.Parent)
		}
	}
	if len(tr.runs) != 1 || len(tr.probeRuns()) != 1 {
		t.Errorf("a no-op over custom resources took %d commands (%d probe round trips), want one probe round trip", len(tr.runs), len(tr.probeRuns()))
	}
}

// TestConverge_CustomResourceChangedPropertyDiffAndDryRun: a property
// that differs from load_current's value is `set X from A to B`; a dry run
// shows it and the inner resource as would change and applies nothing;
// the real run updates that resource and its subscriber only.
func TestConverge_CustomResourceChangedPropertyDiffAndDryRun(t *testing.T) {
	root := t.TempDir()
	if res, _, _ := converge(t, compileCustom(t, root, []string{"settings"}, nil), engine.Options{}); res.Err != nil {
		t.Fatal(res.Err)
	}
	c := compileCustom(t, root, []string{"settings"}, map[string]any{"two": "3"})
	res, events, _ := converge(t, c, engine.Options{DryRun: true})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	e := eventFor(t, events, "settings_value[two]", "set")
	if e.Status != engine.StatusWouldChange || !slices.Equal(e.Changes, []string{`set value from "2" to "3"`}) {
		t.Errorf("dry run: settings_value[two] %s %q", e.Status, e.Changes)
	}
	if in := eventFor(t, events, "execute[write two]", "run"); in.Status != engine.StatusWouldChange || in.Parent != "settings_value[two]" {
		t.Errorf("dry run: inner execute %s, parent %q", in.Status, in.Parent)
	}
	if got := readFile(t, filepath.Join(root, "two")); got != "2" {
		t.Errorf("the dry run changed two to %q", got)
	}
	res, _, _ = converge(t, compileCustom(t, root, []string{"settings"}, map[string]any{"two": "3"}), engine.Options{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if want := []string{"settings_value[two]", "execute[watch]"}; !slices.Equal(res.UpdatedResources, want) {
		t.Errorf("updated %q, want %q", res.UpdatedResources, want)
	}
	if got := readFile(t, filepath.Join(root, "two")); got != "3" {
		t.Errorf("two = %q, want 3", got)
	}
}

// TestConverge_CustomResourceSensitivePropertyNeverShown: the value of a
// sensitive property reaches the inner command but no event.
func TestConverge_CustomResourceSensitivePropertyNeverShown(t *testing.T) {
	root := t.TempDir()
	for _, dry := range []bool{true, false} {
		res, events, _ := converge(t, compileCustom(t, root, []string{"settings::secret"}, nil), engine.Options{DryRun: dry})
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		b, _ := json.Marshal(events)
		if strings.Contains(string(b), "s3cret") {
			t.Errorf("dry run %v: the sensitive property reached the events: %s", dry, b)
		}
	}
	if got := readFile(t, filepath.Join(root, "hidden")); got != "v" {
		t.Errorf("hidden = %q", got)
	}
}

// TestConverge_CustomKindFromADependency: a cookbook that depends on
// the kind's cookbook declares its resources.
func TestConverge_CustomKindFromADependency(t *testing.T) {
	root := t.TempDir()
	res, _, _ := converge(t, compileCustom(t, root, []string{"uses"}, nil), engine.Options{})
	if res.Err != nil || res.Updated != 1 {
		t.Fatalf("%d updated, err %v", res.Updated, res.Err)
	}
}
