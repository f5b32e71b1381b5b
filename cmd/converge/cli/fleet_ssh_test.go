package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine/transport/ssh/sshtest"
)

// TestConverge_EveryInventoryNodeWithItsOwnRunListOverSSH: converge with
// no NODE and no -r converges every nodes/*.json node with its own run
// list (roles expanded) over a real sshd; --nodes with -r converges the
// selection with the given run list; the summary names only the nodes that
// changed.
func TestConverge_EveryInventoryNodeWithItsOwnRunListOverSSH(t *testing.T) {
	addrs := []string{"127.0.0.61", "127.0.0.62", "127.0.0.63", "127.0.0.64"}
	s := sshtest.Start(t, sshtest.Options{Addrs: addrs})
	dir := inventoryRepo(t)
	kh := filepath.Join(dir, "known_hosts")
	s.WriteKnownHosts(kh)
	root := func(name string) string { return filepath.Join(dir, "roots", name) }
	for i, n := range []struct{ name, extra string }{
		{"web1", `"chef_environment": "prod", "run_list": ["role[frontend]"], "tags": ["canary"]`},
		{"web2", `"chef_environment": "prod", "run_list": ["role[web]"], "normal": {"tags": ["frontend"]}`},
		{"db1", `"chef_environment": "prod", "run_list": ["recipe[db]", "role[base]"], "tags": ["db"]`},
		{"lab1", `"run_list": ["base"]`},
	} {
		js := fmt.Sprintf(`{%s, "root": %q, "converge": {"host": %q, "port": %d, "user": %q, "identity": %q}}`,
			n.extra, root(n.name), addrs[i], s.Port, s.User, s.ClientKeyPath)
		writeTestFiles(t, dir, map[string]string{"nodes/" + n.name + ".json": js})
		if err := os.MkdirAll(root(n.name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := func() map[string][]string {
		m := map[string][]string{}
		for _, n := range []string{"db1", "lab1", "web1", "web2"} {
			es, _ := os.ReadDir(root(n))
			m[n] = []string{}
			for _, e := range es {
				m[n] = append(m[n], e.Name())
			}
		}
		return m
	}

	r := converge(t, "--known-hosts", kh)
	if r.code != 0 {
		t.Fatalf("converge: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	want := map[string][]string{"db1": {"base", "db"}, "lab1": {"base"}, "web1": {"base", "web"}, "web2": {"base", "web"}}
	if got := files(); !reflect.DeepEqual(got, want) {
		t.Errorf("files %v, want %v (each node its own run list)", got, want)
	}
	t.Logf("summary of the first run:\n%s", r.stdout[strings.LastIndex(r.stdout, "NODE "):])
	if !strings.HasSuffix(r.stdout, ": 4 nodes, 4 changed\n") {
		t.Errorf("summary:\n%s", r.stdout)
	}

	// A selection with a run list of its own: only web2 (web, not canary).
	r = converge(t, "--known-hosts", kh, "--nodes", "role:web,!tag:canary", "-r", "db", "--format", "json")
	if r.code != 0 {
		t.Fatalf("converge --nodes: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	want["web2"] = []string{"base", "db", "web"}
	if got := files(); !reflect.DeepEqual(got, want) {
		t.Errorf("files %v, want %v (-r db on web2 alone)", got, want)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	last := lines[len(lines)-1]
	if !strings.Contains(last, `{"type":"summary","counts":{"total":1,"changed":1,"up_to_date":0,"failed":0,"unreachable":0,"interrupted":0,"skipped":0},"failed":[],"changed":["web2"],`) {
		t.Errorf("summary event: %s", last)
	}

	// Nothing to do: the summary is one line.
	r = converge(t, "--known-hosts", kh)
	if r.code != 0 {
		t.Fatalf("second converge: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "NODE ") || !strings.HasSuffix(r.stdout, ": 4 nodes, 4 up to date\n") {
		t.Errorf("no-op summary:\n%s", r.stdout)
	}
}
