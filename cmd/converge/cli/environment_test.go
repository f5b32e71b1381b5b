package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine/facts"
)

// writeFactsFile records facts for the named nodes, as `converge facts`
// prints them, for offline plans.
func writeFactsFile(t *testing.T, path string, nodes ...string) {
	t.Helper()
	f, err := facts.ForPlatform("debian-12")
	if err != nil {
		t.Fatal(err)
	}
	rec := map[string]facts.Facts{}
	for _, n := range nodes {
		g := f
		g.Hostname, g.FQDN = n, n+".example.test"
		rec[n] = g
	}
	b, _ := json.Marshal(rec)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestEnvironment_CookbookVersionsTheLockViolatesAreRefused (issue 16,
// must show 4): environments/prod.json wants base = 1.1.0 while
// converge.lock pins 1.0.0. check -E prod, a run with -E prod and a plan
// of a node whose chef_environment is prod are refused with exit 2 before
// any node is changed, saying what the lock pins and what to do; a
// constraint the local cookbook app violates names its metadata.star. A
// constraint the lock satisfies runs.
func TestEnvironment_CookbookVersionsTheLockViolatesAreRefused(t *testing.T) {
	repo, base := sharedRepo(t)
	if r := converge(t, "cookbooks", "install"); r.code != 0 {
		t.Fatalf("install: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	writeTestFiles(t, repo, map[string]string{
		"environments/prod.json": `{"name": "prod", "cookbook_versions": {"base": "= 1.1.0", "motd": "~> 2.0"}}`,
		"environments/qa.json":   `{"name": "qa", "cookbook_versions": {"app": ">= 0.2"}}`,
		"environments/ok.json":   `{"name": "ok", "cookbook_versions": {"base": "~> 1.0", "app": "= 0.1.0", "local_thing": "< 1"}}`,
		"nodes/web1.json":        `{"name": "web1", "chef_environment": "prod", "run_list": ["app"], "root": "/srv/web1"}`,
	})
	writeFactsFile(t, filepath.Join(repo, "facts.json"), "web1")
	root := filepath.Join(t.TempDir(), "root")
	lockMsg := "environment prod requires cookbook base = 1.1.0, but converge.lock pins 1.0.0 (from git:" + base.url + " v1.0.0, commit "
	fix := "); run 'converge cookbooks update base' to lock a version it allows (converge.yaml may pin one) or change the constraint in environments/prod.json"
	for _, args := range [][]string{
		{"check", "-r", "app", "-E", "prod", "-a", "root=/srv/x"},
		{"--local", "-r", "app", "-E", "prod", "-a", "root=" + root},
		{"plan", "--local", "-r", "app", "--environment", "prod", "-a", "root=" + root},
		{"plan", "--facts", "facts.json", "web1"},
	} {
		r := converge(t, args...)
		if r.code != ExitUsage {
			t.Errorf("%v: exit %d, want %d\n%s%s", args, r.code, ExitUsage, r.stdout, r.stderr)
		}
		for _, want := range []string{lockMsg, fix} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("%v: stderr lacks %q:\n%s", args, want, r.stderr)
			}
		}
		if strings.Contains(r.stderr, "motd") {
			t.Errorf("%v: motd 2.0.0 satisfies ~> 2.0 (and app does not use it), yet:\n%s", args, r.stderr)
		}
	}
	r := converge(t, "check", "-r", "app", "-E", "qa", "-a", "root=/srv/x")
	if want := "environment qa requires cookbook app >= 0.2, but cookbooks/app/metadata.star says version 0.1.0; change the version there or change the constraint in environments/qa.json"; r.code != ExitUsage || !strings.Contains(r.stderr, want) {
		t.Errorf("check -E qa: exit %d, stderr lacks %q:\n%s", r.code, want, r.stderr)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("a refused run touched the node: %v", err)
	}
	// -E overrides the node's chef_environment.
	if r := converge(t, "plan", "--facts", "facts.json", "-E", "ok", "web1"); r.code != 0 {
		t.Errorf("plan -E ok web1: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := converge(t, "--local", "-r", "app", "-E", "ok", "-a", "root="+root); r.code != 0 {
		t.Fatalf("run -E ok: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if b, err := os.ReadFile(filepath.Join(root, "app.conf")); err != nil || string(b) != "app\n" {
		t.Errorf("app.conf = %q, %v", b, err)
	}
}

// TestEnvironment_FlagAndNodeChefEnvironment: a node's chef_environment
// picks its environment file, -E overrides it for every node of the run,
// and node.chef_environment reads the result; a node without one is in
// _default. A missing environment is refused naming the file.
func TestEnvironment_FlagAndNodeChefEnvironment(t *testing.T) {
	dir := t.TempDir()
	writeTestFiles(t, dir, map[string]string{
		"cookbooks/e/metadata.star":           "name = \"e\"\nversion = \"1.0.0\"\n",
		"cookbooks/e/attributes/default.star": "default[\"tier\"] = \"cookbook-tier\"\n",
		"cookbooks/e/recipes/default.star":    "file(\"/etc/tier\", content = node.chef_environment + \" \" + node[\"tier\"] + \"\\n\")\n",
		"environments/staging.json":           `{"name": "staging", "default_attributes": {"tier": "staging-tier"}}`,
		"environments/prod.json":              `{"name": "prod", "override_attributes": {"tier": "prod-tier"}}`,
		"nodes/web1.json":                     `{"chef_environment": "staging", "run_list": ["e"]}`,
		"nodes/web2.json":                     `{"run_list": ["e"], "tier": "node-tier"}`,
	})
	t.Chdir(dir)
	t.Setenv("CONVERGE_COOKBOOK_PATH", "")
	writeFactsFile(t, "facts.json", "web1", "web2")
	cases := []struct {
		args []string
		want map[string]string // node → /etc/tier content
	}{
		{[]string{"web1", "web2"}, map[string]string{"web1": "staging staging-tier", "web2": "_default node-tier"}},
		{[]string{"-E", "prod", "web1", "web2"}, map[string]string{"web1": "prod prod-tier", "web2": "prod prod-tier"}},
		{[]string{"-E", "staging", "web2"}, map[string]string{"web2": "staging node-tier"}},
	}
	for _, tc := range cases {
		r := converge(t, append([]string{"plan", "--facts", "facts.json", "--format", "json"}, tc.args...)...)
		if r.code != 0 {
			t.Fatalf("plan %v: exit %d\n%s%s", tc.args, r.code, r.stdout, r.stderr)
		}
		for node, want := range tc.want {
			found := false
			for _, e := range events(t, r.stdout) {
				if e.Node == node && strings.Contains(e.Diff, "+"+want+"\n") {
					found = true
				}
			}
			if !found {
				t.Errorf("plan %v: node %s does not plan %q:\n%s", tc.args, node, want, r.stdout)
			}
		}
	}
	r := converge(t, "plan", "--facts", "facts.json", "-E", "qa", "web1")
	if want := "environment qa: environments/qa.json does not exist (environments found: prod, staging)"; r.code != ExitUsage || !strings.Contains(r.stderr, want) {
		t.Errorf("plan -E qa: exit %d, stderr lacks %q:\n%s", r.code, want, r.stderr)
	}
}
