package share

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// gitEnv makes git work without a global configuration.
func gitEnv(t *testing.T) {
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
}

// remote is a team's cookbook repository: a bare repository and the
// working copy the team publishes from.
type remote struct {
	t    *testing.T
	name string
	URL  string // the bare repository
	work string
}

func newRemote(t *testing.T, root, name string) *remote {
	t.Helper()
	r := &remote{t: t, name: name, URL: filepath.Join(root, name+".git"), work: filepath.Join(root, "work-"+name)}
	r.git(root, "init", "--quiet", "--bare", r.URL)
	r.git(root, "init", "--quiet", "-b", "main", r.work)
	return r
}

func (r *remote) git(dir string, args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// publish commits a version of the cookbook with the given depends and
// extra files, tags it vVERSION and pushes.
func (r *remote) publish(version string, depends map[string]string, files map[string]string) string {
	r.t.Helper()
	all := map[string]string{
		"metadata.star":        metadata(r.name, version, depends),
		"recipes/default.star": fmt.Sprintf("file(node[\"root\"] + \"/%s\", content = \"%s %s\\n\")\n", r.name, r.name, version),
	}
	for k, v := range files {
		all[k] = v
	}
	writeFiles(r.t, r.work, all)
	r.git(r.work, "add", "-A")
	r.git(r.work, "commit", "--quiet", "--allow-empty", "-m", "release "+version)
	r.git(r.work, "tag", "-a", "v"+version, "-m", version)
	r.git(r.work, "push", "--quiet", "--tags", r.URL, "main")
	return r.git(r.work, "rev-parse", "HEAD")
}

// metadata renders a metadata.star.
func metadata(name, version string, depends map[string]string) string {
	var deps []string
	for k, v := range depends {
		deps = append(deps, fmt.Sprintf("%q: %q", k, v))
	}
	sort.Strings(deps)
	return fmt.Sprintf("name = %q\nversion = %q\ndepends = {%s}\n", name, version, strings.Join(deps, ", "))
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
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

// sourcesYAML writes the repository's converge.yaml, one line per entry.
func sourcesYAML(t *testing.T, repo string, entries ...string) {
	t.Helper()
	writeFiles(t, repo, map[string]string{SourcesFile: "# shared cookbooks\ncookbooks:\n  " + strings.Join(entries, "\n  ") + "\n"})
}

func readLockFile(t *testing.T, repo string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repo, LockFile))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func locked(t *testing.T, repo string) map[string]string {
	t.Helper()
	l, err := ReadLock(repo)
	if err != nil || l == nil {
		t.Fatalf("ReadLock: %v %v", l, err)
	}
	m := map[string]string{}
	for n, e := range l.Cookbooks {
		m[n] = e.Version
	}
	return m
}

// diffLines returns the lines only in a and only in b.
func diffLines(a, b string) (onlyA, onlyB []string) {
	count := map[string]int{}
	for _, l := range strings.Split(a, "\n") {
		count[l]++
	}
	for _, l := range strings.Split(b, "\n") {
		count[l]--
	}
	for l, n := range count {
		for ; n > 0; n-- {
			onlyA = append(onlyA, l)
		}
		for ; n < 0; n++ {
			onlyB = append(onlyB, l)
		}
	}
	sort.Strings(onlyA)
	sort.Strings(onlyB)
	return onlyA, onlyB
}
