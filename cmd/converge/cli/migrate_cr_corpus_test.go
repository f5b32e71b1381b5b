package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/recipe"
)

// withTestCookbooks lists the cookbooks a corpus cookbook's migration
// wrote: the cookbook, then the test cookbooks it ships
// (test/cookbooks/*, test/fixtures/cookbooks/*) in name order.
func withTestCookbooks(t *testing.T, out, name string) []string {
	t.Helper()
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{name}
	var tests []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != name {
			tests = append(tests, e.Name())
		}
	}
	sort.Strings(tests)
	return append(names, tests...)
}

// diffCustom compares two custom resources below what diffResource sees:
// their property values, their probes, and for every compiled action the
// inner resources, recursively.
func diffCustom(mc, hc *engine.Collection, m, h engine.Resource) []string {
	mcu, ok1 := m.(*engine.Custom)
	hcu, ok2 := h.(*engine.Custom)
	if !ok1 || !ok2 {
		return nil
	}
	var out []string
	props := func(c *engine.Custom) map[string]any {
		p := map[string]any{}
		for _, pr := range c.Props {
			p[pr.Name] = pr.Value
		}
		return p
	}
	if mp, hp := props(mcu), props(hcu); !reflect.DeepEqual(mp, hp) {
		out = append(out, fmt.Sprintf("custom properties: migrated %v, hand-written %v", mp, hp))
	}
	cmds := func(c *engine.Custom) []string {
		var l []string
		for _, p := range c.ShellProbes {
			l = append(l, p)
		}
		sort.Strings(l)
		return l
	}
	if a, b := cmds(mcu), cmds(hcu); !reflect.DeepEqual(a, b) {
		out = append(out, fmt.Sprintf("probes: migrated %q, hand-written %q", a, b))
	}
	for _, a := range m.Base().Actions {
		if pm, ph := planExisting(mcu, a), planExisting(hcu, a); !reflect.DeepEqual(pm, ph) {
			out = append(out, fmt.Sprintf("plan for %s where every probe succeeds with no output: migrated %q, hand-written %q", a, pm, ph))
		}
		mi, hi := mcu.InnerRes[a], hcu.InnerRes[a]
		addrs := func(rs []engine.Resource) string {
			var l []string
			for _, r := range rs {
				l = append(l, r.Base().Kind+"["+r.Base().Name+"]")
			}
			return strings.Join(l, " ")
		}
		if addrs(mi) != addrs(hi) {
			out = append(out, fmt.Sprintf("action %s: inner resources differ:\n  migrated:     %s\n  hand-written: %s", a, addrs(mi), addrs(hi)))
			continue
		}
		for i := range mi {
			for _, d := range diffResource(mc, hc, mi[i], hi[i]) {
				out = append(out, "action "+a+": "+mi[i].Base().Address()+": "+d)
			}
		}
	}
	return out
}

// The custom-resource part of the corpus: six cookbooks that only define
// kinds, each with the test cookbook it ships.
var crCorpus = []string{"sysctl", "accounts", "apache", "line", "memcached", "pkgrepo"}

func TestMigrate_CorpusCustomResources(t *testing.T) {
	for _, name := range crCorpus {
		out := migrateCookbook(t, name)
		cbs := withTestCookbooks(t, out, name)
		if len(cbs) < 2 {
			t.Errorf("%s: no test cookbook migrated with it: %v", name, cbs)
		}
		kinds, _ := filepath.Glob(filepath.Join(out, name, "resources", "*.star"))
		if len(kinds) == 0 {
			t.Errorf("%s: no kind written", name)
		}
		md, _ := os.ReadFile(filepath.Join(filepath.Dir(out), "MIGRATION.md"))
		for _, tc := range cbs[1:] {
			if !strings.Contains(string(md), "Test cookbooks migrated with it: ") || !strings.Contains(string(md), tc) {
				t.Errorf("%s: MIGRATION.md does not list the test cookbook %s:\n%s", name, tc, md)
			}
		}
	}
}

// inheritSupports gives a test cookbook without supports of its own the
// platforms of the cookbook it tests.
func inheritSupports(t *testing.T, out, main string, cb *recipe.Cookbook) *recipe.Cookbook {
	t.Helper()
	if cb.Name == main || len(cb.Supports) > 0 {
		return cb
	}
	m, err := recipe.ReadMetadata(filepath.Join(out, main))
	if err != nil {
		t.Fatal(err)
	}
	c := *cb
	c.Supports = m.Supports
	return &c
}

// planExisting is what Check says of action where every probe of the
// custom resource exits 0 with empty output (what exists, holding
// nothing): its changes, or "error" when load_current fails on it.
func planExisting(c *engine.Custom, action string) []string {
	p := engine.NewProbed()
	for _, pr := range c.Probes() {
		p.SetShell(pr.Arg, engine.ShellResult{})
	}
	d, err := c.Check(action, p)
	if err != nil {
		return []string{"error"}
	}
	return d.Changes
}
