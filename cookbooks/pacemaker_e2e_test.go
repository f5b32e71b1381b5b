package cookbooks_test

import (
	"bufio"
	"bytes"
	"encoding/json"
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
}
