package cli

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/lab"
	"github.com/converge-cm/converge/engine/lab/labtest"
	"github.com/converge-cm/converge/engine/share"
)

// The custom-resource e2e tests use one lab node, cu1, on a bridge and
// subnet (10.213.97.0/24) no other test uses, with a state directory of
// their own; the image is the shared cached one.
const (
	cuBridge = "cvgcu97"
	cuSubnet = "10.213.97.0/24"
	cuNode   = "cu1"
)

// cuLab is a repository (the current directory) with one lab node.
type cuLab struct {
	t    *testing.T
	repo string
	addr string
}

func newCuLab(t *testing.T) *cuLab {
	t.Helper()
	requireLab(t)
	_, repo, nodes := labtest.Start(t, labtest.Options{What: "custom resources e2e", Prefix: "cutest",
		Bridge: cuBridge, Subnet: cuSubnet, Timeout: 5 * time.Minute, Quiet: true}, cuNode)
	t.Setenv("CONVERGE_COOKBOOK_PATH", "")
	return &cuLab{t: t, repo: repo, addr: nodes[0].Address}
}

// run runs the CLI in-process; it fails the test on a non-zero exit.
func (c *cuLab) run(args ...string) string {
	c.t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, &out, &errb)
	c.t.Logf("converge %s:\n%s%s", strings.Join(args, " "), out.String(), errb.String())
	if code != 0 {
		c.t.Fatalf("converge %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
	}
	return out.String() + errb.String()
}

// converge runs the run list on the node with --format json and returns
// the events and the node-end event. The output must not show cuSecret.
func (c *cuLab) converge(runList string, extra ...string) ([]engine.Event, engine.Event) {
	c.t.Helper()
	out := c.run(append(append([]string{"-r", runList, "--format", "json"}, extra...), cuNode)...)
	if strings.Contains(out, cuSecret) {
		c.t.Errorf("converge -r %s shows the sensitive property's value:\n%s", runList, out)
	}
	evs := events(c.t, out)
	for _, e := range evs {
		if e.Type == "node-end" {
			return evs, e
		}
	}
	c.t.Fatalf("no node-end event in:\n%s", out)
	return nil, engine.Event{}
}

// ssh runs cmd on the node and returns its output; it fails the test when
// cmd fails.
func (c *cuLab) ssh(cmd string) string {
	c.t.Helper()
	args := append([]string{"-o", "BatchMode=yes"}, lab.SSHArgs(c.repo, c.addr)...)
	out, err := exec.Command("ssh", append(args, "--", cmd)...).CombinedOutput()
	if err != nil {
		c.t.Fatalf("ssh %s %q: %v\n%s", cuNode, cmd, err, out)
	}
	return string(out)
}

// noOp checks that a run updated nothing, in exactly one probe round trip.
func (c *cuLab) noOp(what string, end engine.Event) {
	c.t.Helper()
	if end.Status != "" || end.Updated != 0 {
		c.t.Errorf("%s: node-end %s, %d updated, want 0: %s", what, end.Status, end.Updated, end.Error)
	}
	want := engine.RoundTrips{Connect: 1, Facts: 1, Probe: 1, Apply: 0}
	if end.RoundTrips == nil || *end.RoundTrips != want {
		c.t.Errorf("%s: round trips %+v, want %+v", what, end.RoundTrips, want)
	}
}

// topUpdated lists the run list's own resources (not inner ones) that
// updated, in order.
func topUpdated(evs []engine.Event) []string {
	var out []string
	for _, e := range evs {
		if e.Type == "resource" && e.Depth == 0 && (e.Status == engine.StatusUpdated || e.Status == engine.StatusWouldChange) && !slices.Contains(out, e.Resource) {
			out = append(out, e.Resource)
		}
	}
	return out
}

// TestCustom_ConvergeOnLabNodeThenSharedKindFromGit converges
// testdata/custom_e2e's cookbook cu on a lab node: cu_app is built on
// cu_setting, which has probes and load_current; notifications go to and
// from custom resources, one is guarded off, one is retried after its
// first attempt fails, and cu_app's token is a sensitive property handed
// down to an inner cu_setting. A plan changes nothing; the first run makes
// every change; the second updates nothing in exactly one probe round
// trip; changing one property shows `set value from "A" to "B"` in the
// plan and updates only that resource.
//
// Then, on the same node, a cookbook shared from a git repository of its
// own (testdata/custom_e2e/myapp, published as v1.0.0) is pulled by
// converge.yaml, locked by `converge cookbooks install`, and its kind
// myapp_thing is used by the repository's cookbook cuapp.
func TestCustom_ConvergeOnLabNodeThenSharedKindFromGit(t *testing.T) {
	c := newCuLab(t)
	if err := os.Symlink(repoPath(t, "cmd/converge/cli/testdata/custom_e2e/cookbooks"), filepath.Join(c.repo, "cookbooks")); err != nil {
		t.Fatal(err)
	}
	attrs := func(motd string) []string {
		return []string{"-a", "cu.root=/srv/cu", "-a", "cu.greeting=hi", "-a", "cu.token=" + cuSecret, "-a", "cu.motd=" + motd}
	}
	noSecret := func(what, out string) {
		t.Helper()
		if strings.Contains(out, cuSecret) {
			t.Errorf("%s shows the sensitive property's value:\n%s", what, out)
		}
	}

	// plan on the fresh node: everything would change, nothing does.
	plan := c.run(append(append([]string{"plan", "-v", "-r", "cu"}, attrs("A")...), cuNode)...)
	noSecret("plan -v", plan)
	for _, want := range []string{"  * cu_app[web] action create [would change]", "      * cu_setting[web.port] action set [would change]",
		`  * cu_setting[motd] action set [would change]`, `    - set value to "A"`} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan lacks %q", want)
		}
	}
	if got := c.ssh("test -e /srv/cu && echo present || echo absent"); got != "absent\n" {
		t.Fatalf("the plan changed the node: /srv/cu is %s", got)
	}

	// The first run.
	evs, end := c.converge("cu", attrs("A")...)
	if end.Status != "" {
		t.Fatalf("first run: %s %s", end.Status, end.Error)
	}
	wantTop := []string{"directory[/srv/cu]", "cu_app[web]", "file[/srv/cu/trigger]", "cu_setting[notified]", "cu_setting[guarded]",
		"cu_setting[flaky]", "cu_setting[motd]", "execute[cu-restart]"}
	if got := topUpdated(evs); !slices.Equal(got, wantTop) {
		t.Errorf("first run updated %q, want %q", got, wantTop)
	}
	var flaky []engine.Status
	for _, e := range evs {
		if e.Resource == "execute[write flaky]" {
			flaky = append(flaky, e.Status)
		}
		if e.Resource == "cu_setting[skipped]" && e.Status != engine.StatusSkipped {
			t.Errorf("cu_setting[skipped]: %s, want skipped by its not_if", e.Status)
		}
		if e.Resource == "execute[write web.port]" && (e.Parent != "cu_setting[web.port]" || e.Depth != 2) {
			t.Errorf("execute[write web.port]: parent %q depth %d, want cu_setting[web.port] at depth 2", e.Parent, e.Depth)
		}
	}
	if !slices.Equal(flaky, []engine.Status{engine.StatusFailed, engine.StatusUpdated}) {
		t.Errorf("execute[write flaky]: %q, want a failed attempt, then the retry updated", flaky)
	}
	state := "cd /srv/cu && for f in web/web.port web/web.greeting web/web.reloads restarts notified guarded flaky motd; do printf '%s=' $f; cat $f; echo; done; " +
		"test -e skipped && echo skipped-exists; stat -c %a web/web.greeting.token; test \"$(cat web/web.greeting.token)\" = " + cuSecret + " && echo token-ok"
	want := "web/web.port=8080\nweb/web.greeting=hi\nweb/web.reloads=reload\n\nrestarts=restart\n\nnotified=by trigger\nguarded=yes\nflaky=second try\nmotd=A\n600\ntoken-ok\n"
	if got := c.ssh(state); got != want {
		t.Errorf("node state after the first run:\n%s\nwant:\n%s", got, want)
	}

	// The second run: nothing to do, one probe round trip.
	_, end = c.converge("cu", attrs("A")...)
	c.noOp("second run", end)

	// One property changes: the plan shows it and changes nothing; the
	// run updates that resource only.
	plan = c.run(append(append([]string{"plan", "-r", "cu"}, attrs("B")...), cuNode)...)
	noSecret("plan", plan)
	if !strings.Contains(plan, "  * cu_setting[motd] action set [would change]\n    - set value from \"A\" to \"B\"\n") {
		t.Errorf("plan does not show cu_setting[motd]'s change:\n%s", plan)
	}
	if n := strings.Count(plan, "[would change]"); n != 2 { // cu_setting[motd] and its inner execute
		t.Errorf("plan shows %d changes, want cu_setting[motd] and its execute:\n%s", n, plan)
	}
	if got := c.ssh("cat /srv/cu/motd"); got != "A" {
		t.Errorf("the plan changed motd to %q", got)
	}
	evs, end = c.converge("cu", attrs("B")...)
	if got := topUpdated(evs); end.Updated != 1 || !slices.Equal(got, []string{"cu_setting[motd]"}) {
		t.Errorf("changed run updated %d: %q, want cu_setting[motd] only", end.Updated, got)
	}
	if got := c.ssh("cat /srv/cu/motd; echo; cat /srv/cu/restarts /srv/cu/web/web.reloads"); got != "B\nrestart\nreload\n" {
		t.Errorf("after the change: %q, want motd B and no second restart or reload", got)
	}
	_, end = c.converge("cu", attrs("B")...)
	c.noOp("run after the change", end)

	// A kind shared from a git repository of its own.
	convergeSharedKind(t, c, sharedKind{
		cookbook: "myapp", version: "1.0.0", dir: repoPath(t, "cmd/converge/cli/testdata/custom_e2e/myapp"),
		user: repoPath(t, "cmd/converge/cli/testdata/custom_e2e/cookbooks_shared/cuapp"), runList: "cuapp",
		attrs:   []string{"-a", "cuapp.colour=red"},
		updated: []string{"myapp_thing[kettle]", "myapp_thing[mug]"},
		check:   "cat /srv/myapp/kettle; echo; cat /srv/myapp/mug", want: "red\nblue",
	})
}

// sharedKind is a cookbook published in a git repository of its own whose
// kind the repository's cookbook user uses.
type sharedKind struct {
	cookbook, version string
	dir               string // the cookbook's files, published as vVERSION
	user              string // the repository's cookbook that uses the kind
	runList           string
	attrs             []string
	updated           []string // what the first run updates
	check, want       string   // a command on the node and its output
}

// convergeSharedKind publishes k's cookbook, pulls it with converge.yaml,
// locks and vendors it with `converge cookbooks install`, and converges
// k's run list on the lab node twice: the first run makes k.updated's
// changes, the second none in one probe round trip.
func convergeSharedKind(t *testing.T, c *cuLab, k sharedKind) {
	t.Helper()
	remote := newTeamRemote(t, t.TempDir(), k.cookbook)
	remote.release(k.version, readTree(t, k.dir))

	// The repository's cookbooks: the ones there already (a symlink to
	// them becomes a copy) and k.user.
	cookbooks := filepath.Join(c.repo, "cookbooks")
	if fi, err := os.Lstat(cookbooks); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		target, err := os.Readlink(cookbooks)
		if err != nil {
			t.Fatal(err)
		}
		os.Remove(cookbooks)
		copyTree(t, target, cookbooks)
	}
	copyTree(t, k.user, filepath.Join(cookbooks, filepath.Base(k.user)))
	major := strings.SplitN(k.version, ".", 2)[0]
	writeTestFiles(t, c.repo, map[string]string{share.SourcesFile: fmt.Sprintf("cookbooks:\n  %s: {git: %s, version: \"~> %s.0\"}\n", k.cookbook, remote.url, major)})

	out := c.run("cookbooks", "install")
	if !strings.Contains(out, k.cookbook) {
		t.Errorf("cookbooks install does not name %s:\n%s", k.cookbook, out)
	}
	l, err := share.ReadLock(c.repo)
	if err != nil || l == nil {
		t.Fatalf("converge.lock: %v %v", l, err)
	}
	if e, ok := l.Cookbooks[k.cookbook]; !ok || e.Version != k.version || e.Source != "git:"+remote.url || len(e.Commit) != 40 {
		t.Errorf("converge.lock entry of %s: %+v, want version %s from git:%s", k.cookbook, e, k.version, remote.url)
	}
	if _, err := os.Stat(filepath.Join(c.repo, share.VendorDir, k.cookbook, "resources")); err != nil {
		t.Errorf("the vendored %s has no resources/: %v", k.cookbook, err)
	}

	evs, end := c.converge(k.runList, k.attrs...)
	if end.Status != "" {
		t.Fatalf("shared kind: %s %s", end.Status, end.Error)
	}
	if got := topUpdated(evs); !slices.Equal(got, k.updated) {
		t.Errorf("shared kind: the first run updated %q, want %q", got, k.updated)
	}
	if got := c.ssh(k.check); got != k.want {
		t.Errorf("shared kind: %s: %q, want %q", k.check, got, k.want)
	}
	_, end = c.converge(k.runList, k.attrs...)
	c.noOp("shared kind: second run", end)
}

// readTree returns the files under dir by their slash-separated paths.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// copyTree copies the files under src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	writeTestFiles(t, dst, readTree(t, src))
}
