package engine_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/recipe"
)

// batchRepo writes a cookbook whose recipe is src and compiles it for root.
func batchRepo(t *testing.T, src string, root string) func() *engine.Collection {
	t.Helper()
	cb := filepath.Join(t.TempDir(), "cookbooks", "b")
	for name, body := range map[string]string{"metadata.star": `name = "b"`, "recipes/default.star": src} {
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
	return func() *engine.Collection {
		c, err := repo.Compile(recipe.Input{Name: "n1", Facts: facts.Facts{Platform: "debian", PlatformFamily: "debian", PlatformVersion: "12", Init: "systemd"},
			Normal: map[string]any{"root": root}, RunList: []string{"b"}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
}

func TestConverge_ConsecutiveFileWritesShareOneRoundTrip(t *testing.T) {
	root := t.TempDir()
	compile := batchRepo(t, `
for i in range(20):
    file("%s/f%d%d.conf" % (node["root"], i // 10, i % 10), content="file %d\n" % i, mode="0640",
         notifies=[("run", "execute[handler]")])
execute("handler", command="echo once >> %s/handler.log" % node["root"], action="nothing")
`, root)
	res, events, tr := converge(t, compile(), engine.Options{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if res.Updated != 21 {
		t.Errorf("updated %d, want 20 files and the handler", res.Updated)
	}
	// one probe script, one stream of 20 files, one handler command
	if len(tr.runs) != 3 {
		t.Errorf("first run took %d round trips, want 3:\n%s", len(tr.runs), strings.Join(tr.runs, "\n---\n")[:2000])
	}
	for i := 0; i < 20; i++ {
		p := fmt.Sprintf("%s/f%02d.conf", root, i)
		b, err := os.ReadFile(p)
		if err != nil || string(b) != fmt.Sprintf("file %d\n", i) {
			t.Fatalf("%s: %q %v", p, b, err)
		}
		if st, _ := os.Stat(p); st.Mode().Perm() != 0o640 {
			t.Errorf("%s mode %o", p, st.Mode().Perm())
		}
		if e := eventFor(t, events, "file["+p+"]", "create"); e.Status != engine.StatusUpdated || !strings.Contains(e.Diff, fmt.Sprintf("+file %d", i)) {
			t.Errorf("%s event: %+v", p, e)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(root, "handler.log")); string(b) != "once\n" {
		t.Errorf("the delayed handler should run once: %q", b)
	}
	res, _, tr = converge(t, compile(), engine.Options{})
	if res.Err != nil || res.Updated != 0 || len(tr.runs) != 1 {
		t.Errorf("second run: err %v, updated %d, %d round trips; want a no-op in one", res.Err, res.Updated, len(tr.runs))
	}
}

func TestConverge_BatchStopsAtTheFailingWriteAndReportsIt(t *testing.T) {
	root := t.TempDir()
	compile := batchRepo(t, `
file(node["root"] + "/a", content="a\n")
file(node["root"] + "/missing-dir/b", content="b\n")
file(node["root"] + "/c", content="c\n")
`, root)
	res, events, _ := converge(t, compile(), engine.Options{})
	if res.Err == nil || !strings.Contains(res.Err.Error(), "missing-dir/b") {
		t.Fatalf("want the failing write named, got %v", res.Err)
	}
	if e := eventFor(t, events, "file["+root+"/a]", "create"); e.Status != engine.StatusUpdated {
		t.Errorf("a: %s", e.Status)
	}
	if e := eventFor(t, events, "file["+root+"/missing-dir/b]", "create"); e.Status != engine.StatusFailed {
		t.Errorf("b: %s", e.Status)
	}
	if _, err := os.Stat(filepath.Join(root, "c")); !os.IsNotExist(err) {
		t.Errorf("the write after the failure should not have run")
	}
	if left, _ := filepath.Glob(filepath.Join(root, ".*converge-*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
