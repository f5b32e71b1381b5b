package cookbooks_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/converge-cm/converge/cmd/converge/cli"
	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/lab"
)

// cli runs converge in-process with the cluster's VIP attributes and
// returns stdout; it fails the test on a non-zero exit.
func (c *cluster) cli(args ...string) string {
	c.t.Helper()
	var out, errb bytes.Buffer
	args = append(args, "-a", "vip_ipaddr="+c.vip, "-a", "vip_netmask=24", "-a", "network_addr="+c.net)
	code := cli.Main(args, &out, &errb)
	c.t.Logf("converge %s:\n%s%s", strings.Join(args, " "), tail(out.String(), 60), errb.String())
	if code != 0 {
		c.t.Fatalf("converge exit %d: %s", code, errb.String())
	}
	return out.String()
}

// jsonRun is one --format json run: its top-level resource events and
// node-end events by node.
type jsonRun struct {
	resources []engine.Event
	ends      map[string]engine.Event
}

func parseJSONRun(t *testing.T, out string) jsonRun {
	t.Helper()
	r := jsonRun{ends: map[string]engine.Event{}}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e engine.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("not a JSON event: %q: %v", sc.Text(), err)
		}
		switch {
		case e.Type == "node-end":
			r.ends[e.Node] = e
		case e.Type == "resource" && e.Parent == "":
			r.resources = append(r.resources, e)
		}
	}
	return r
}

// changed lists the node's top-level resources a run updated.
func (r jsonRun) changed(node string) []string {
	var out []string
	for _, e := range r.resources {
		if e.Node == node && (e.Status == engine.StatusUpdated || e.Status == engine.StatusWouldChange) {
			out = append(out, e.Resource)
		}
	}
	return out
}

// TestPacemaker_KindsBuildTheClusterNoOpIsOneProbeThresholdUpdatesOne
// builds the crm path of pm_corosync — whose Pacemaker configuration is
// the pacemaker cookbook's kinds — on two lab nodes, then: a second run
// updates nothing and takes one facts and one probe round trip per node;
// `converge plan` with migration-threshold 3 shows the change from "1" to
// "3" on that one resource; the converge changes it alone, and Pacemaker
// has the new value.
func TestPacemaker_KindsBuildTheClusterNoOpIsOneProbeThresholdUpdatesOne(t *testing.T) {
	c := newCluster(t, 91, lab.ImageDebian12, "pk1", "pk2")
	rl := "pm_corosync,pm_corosync::crm,pm_corosync::web"
	first := c.cli("-r", rl, "pk1", "pk2")
	if !waitFor(60*time.Second, func() bool {
		mon, _ := c.sshErr("pk1", "crm_mon -1")
		return strings.Contains(mon, "Started")
	}) {
		show, _ := c.sshErr("pk1", "crm configure show")
		t.Fatalf("no resource started; the first run:\n%s\ncrm configure show:\n%s", first, show)
	}
	c.assertClusterServes("pk1", "pk2")
	if show := c.ssh("pk1", "crm configure show"); !strings.Contains(show, "primitive vip IPaddr2") || !strings.Contains(show, "group webservice vip web") ||
		!strings.Contains(show, "migration-threshold=1") {
		t.Errorf("the CIB lacks what the kinds declared:\n%s", show)
	}

	noop := func() {
		t.Helper()
		run := parseJSONRun(t, c.cli("--format", "json", "-r", rl, "pk1", "pk2"))
		for _, n := range []string{"pk1", "pk2"} {
			end, ok := run.ends[n]
			if !ok {
				t.Fatalf("no node-end event for %s", n)
			}
			if end.Updated != 0 || len(run.changed(n)) > 0 {
				t.Errorf("%s: a second run updated %d: %v", n, end.Updated, run.changed(n))
			}
			if want := (engine.RoundTrips{Connect: 1, Facts: 1, Probe: 1, Apply: 0}); end.RoundTrips == nil || *end.RoundTrips != want {
				t.Errorf("%s: round trips %+v, want %+v", n, end.RoundTrips, want)
			}
		}
	}
	noop()

	three := []string{"-a", "rsc_defaults.migration-threshold=3"}
	plan := c.cli(append([]string{"plan", "-r", rl}, append(three, "pk1", "pk2")...)...)
	if !strings.Contains(plan, "* pacemaker_rsc_defaults[migration-threshold] action set [would change]\n    - set value from \"1\" to \"3\"\n") {
		t.Errorf("the plan does not show migration-threshold from \"1\" to \"3\":\n%s", plan)
	}
	if got := updated(t, plan); got["pk1"] != "1" || got["pk2"] != "0" {
		t.Errorf("the plan would update %v, want 1 on pk1 and 0 on pk2", got)
	}

	run := parseJSONRun(t, c.cli(append(append([]string{"--format", "json", "-r", rl}, three...), "pk1", "pk2")...))
	if got := run.changed("pk1"); len(got) != 1 || got[0] != "pacemaker_rsc_defaults[migration-threshold]" {
		t.Errorf("pk1: the run updated %v, want only pacemaker_rsc_defaults[migration-threshold]", got)
	}
	if got := run.changed("pk2"); len(got) != 0 {
		t.Errorf("pk2: the run updated %v, want nothing", got)
	}
	if v := strings.TrimSpace(c.ssh("pk2", "crm_attribute --type rsc_defaults --name migration-threshold --query --quiet")); v != "3" {
		t.Errorf("migration-threshold is %q on pk2, want 3", v)
	}
	out := c.cli(append(append([]string{"--format", "json", "-r", rl}, three...), "pk1", "pk2")...)
	for n, e := range parseJSONRun(t, out).ends {
		if e.Updated != 0 || e.RoundTrips == nil || e.RoundTrips.Probe != 1 {
			t.Errorf("%s: after the change, a run updated %d with round trips %+v; want 0 and one probe round trip", n, e.Updated, e.RoundTrips)
		}
	}
	sharedCookbookUsesPrimitive(t, c)
}

// sharedCookbookUsesPrimitive: a team's cookbook in a git repository of its
// own, pulled through converge.yaml and `converge cookbooks install`, uses
// pacemaker_primitive on the running cluster; a second run updates nothing
// in one probe round trip.
func sharedCookbookUsesPrimitive(t *testing.T, c *cluster) {
	t.Helper()
	for k, v := range map[string]string{
		"GIT_AUTHOR_NAME": "HA Team", "GIT_AUTHOR_EMAIL": "ha@example.test",
		"GIT_COMMITTER_NAME": "HA Team", "GIT_COMMITTER_EMAIL": "ha@example.test",
		"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.DevNull,
	} {
		t.Setenv(k, v)
	}
	root := t.TempDir()
	bare, work := filepath.Join(root, "ha_dummy.git"), filepath.Join(root, "work")
	git := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	git(root, "init", "--quiet", "--bare", bare)
	git(root, "init", "--quiet", "-b", "main", work)
	for name, body := range map[string]string{
		"metadata.star": "name = \"ha_dummy\"\nversion = \"1.0.0\"\ndepends = {\"pacemaker\": \">= 1.0\"}\n",
		"recipes/default.star": `# A team's resource on the cluster, declared once, on the first node.
if cluster.first != None and node.name == cluster.first.name:
    pacemaker_primitive("team_dummy", agent="ocf:heartbeat:Dummy",
        ops=[{"name": "monitor", "interval": "15s"}],
        meta={"migration-threshold": "2"})
`,
	} {
		p := filepath.Join(work, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(work, "add", "-A")
	git(work, "commit", "--quiet", "-m", "ha_dummy 1.0.0")
	git(work, "tag", "v1.0.0")
	git(work, "push", "--quiet", bare, "main", "v1.0.0")
	if err := os.WriteFile(filepath.Join(c.repo, "converge.yaml"), []byte("cookbooks:\n  ha_dummy: {git: "+bare+", version: \"~> 1.0\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := cli.Main([]string{"cookbooks", "install"}, &out, &errb); code != 0 || !strings.Contains(out.String()+errb.String(), "ha_dummy") {
		t.Fatalf("cookbooks install: exit %d, want ha_dummy named:\n%s%s", code, out.String(), errb.String())
	}
	run := parseJSONRun(t, c.cli("--format", "json", "-r", "ha_dummy", "pk1", "pk2"))
	if got := run.changed("pk1"); len(got) != 1 || got[0] != "pacemaker_primitive[team_dummy]" {
		t.Errorf("pk1: the shared cookbook updated %v, want pacemaker_primitive[team_dummy]", got)
	}
	if !waitFor(60*time.Second, func() bool {
		where, _ := c.sshErr("pk1", "crm_resource --resource team_dummy --locate")
		return strings.Contains(where, "is running on")
	}) {
		mon, _ := c.sshErr("pk1", "crm_mon -1")
		t.Errorf("team_dummy did not start:\n%s", mon)
	}
	if show := c.ssh("pk2", "crm configure show team_dummy"); !strings.Contains(show, "Dummy") || !strings.Contains(show, "migration-threshold=2") {
		t.Errorf("the CIB lacks the shared cookbook's primitive:\n%s", show)
	}
	// pk2 declares nothing (the resource is cluster-wide, on the first
	// node): it has nothing to probe.
	for n, e := range parseJSONRun(t, c.cli("--format", "json", "-r", "ha_dummy", "pk1", "pk2")).ends {
		probes := map[string]int{"pk1": 1, "pk2": 0}[n]
		if e.Updated != 0 || e.RoundTrips == nil || e.RoundTrips.Probe != probes || e.RoundTrips.Apply != 0 {
			t.Errorf("%s: the shared cookbook's second run updated %d with round trips %+v; want 0 and %d probe round trips", n, e.Updated, e.RoundTrips, probes)
		}
	}
}
