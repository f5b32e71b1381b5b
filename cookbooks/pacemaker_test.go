package cookbooks_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/recipe"
	"github.com/converge-cm/converge/engine/transport"
	"github.com/converge-cm/converge/engine/transport/local"
	"github.com/converge-cm/converge/resources"
)

// cibQuery is the one probe every CIB kind of cookbooks/pacemaker runs.
const cibQuery = "cibadmin --query --local --scope configuration"

var (
	debian12 = facts.Facts{Hostname: "pk1", IPAddress: "10.0.0.1", Platform: "debian", PlatformVersion: "12", PlatformFamily: "debian", Init: "systemd"}
	centos7  = facts.Facts{Hostname: "pk1", IPAddress: "10.0.0.1", Platform: "centos", PlatformVersion: "7.1.1503", PlatformFamily: "rhel", Init: "systemd"}
	rocky9   = facts.Facts{Hostname: "pk1", IPAddress: "10.0.0.1", Platform: "rocky", PlatformVersion: "9.3", PlatformFamily: "rhel", Init: "systemd"}
)

// compilePacemaker compiles src as the default recipe of a cookbook that
// depends on pacemaker, with cookbooks/ (this directory) in the path.
func compilePacemaker(t *testing.T, f facts.Facts, src string) (*engine.Collection, error) {
	t.Helper()
	dir := t.TempDir()
	cb := filepath.Join(dir, "t")
	if err := os.MkdirAll(filepath.Join(cb, "recipes"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(cb, "metadata.star"), []byte("name = \"t\"\ndepends = {\"pacemaker\": \">= 1.0\"}\n"), 0o644)
	os.WriteFile(filepath.Join(cb, "recipes", "default.star"), []byte(src), 0o644)
	repo, err := recipe.LoadRepo([]string{".", dir})
	if err != nil {
		t.Fatal(err)
	}
	return repo.Compile(recipe.Input{Name: "pk1", Facts: f, RunList: []string{"t"}})
}

func readCIB(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "cib", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// planned is what one custom resource would do: its changes and the
// commands of the inner resources that would run.
type planned struct {
	changes  []string
	commands []string
}

// planAgainst checks every custom resource of c against the probe results
// (the CIB query answered with cib, every other probe with other or a
// failure) and returns, by address, what it would do; up-to-date ones map
// to a zero planned.
func planAgainst(t *testing.T, c *engine.Collection, cib *engine.ShellResult, other map[string]engine.ShellResult) map[string]planned {
	t.Helper()
	out := map[string]planned{}
	for _, r := range c.Resources {
		cr, ok := r.(*engine.Custom)
		if !ok {
			t.Fatalf("%s is not a custom resource", r.Base().Address())
		}
		p := engine.NewProbed()
		for _, pr := range cr.Probes() {
			switch {
			case pr.Arg == cibQuery && cib != nil:
				p.SetShell(pr.Arg, *cib)
			case other[pr.Arg] != (engine.ShellResult{}):
				p.SetShell(pr.Arg, other[pr.Arg])
			default:
				p.SetShell(pr.Arg, engine.ShellResult{ExitCode: 102, Stdout: ""})
			}
		}
		var pl planned
		for _, a := range cr.Actions {
			d, err := cr.Check(a, p)
			if err != nil {
				t.Fatalf("%s: Check: %v", cr.Address(), err)
			}
			if d.Empty() && cr.Compares(a) {
				continue
			}
			pl.changes = append(pl.changes, d.Changes...)
			for _, in := range cr.Inner(a) {
				if ex, ok := in.(*resources.Execute); ok {
					pl.commands = append(pl.commands, ex.Command)
				}
			}
		}
		out[cr.Address()] = pl
	}
	return out
}

const crmCluster = `
pacemaker_property("stonith-enabled", value="false")
pacemaker_property("no-quorum-policy", value="ignore")
pacemaker_rsc_defaults("migration-threshold", value=$MT)
pacemaker_rsc_defaults("resource-stickiness", value="INFINITY")
pacemaker_primitive("vip", agent="ocf:heartbeat:IPaddr2",
    params={"ip": $IP, "cidr_netmask": "24", "nic": "eth0"},
    ops=[{"name": "monitor", "interval": "10s"}], meta=$META)
pacemaker_primitive("web", agent="systemd:apache2", ops=[{"name": "monitor", "interval": "20s"}])
pacemaker_group("webservice", members=$MEMBERS)
`

func crmRecipe(repl ...string) string {
	r := strings.NewReplacer(append(repl, "$MT", `"1"`, "$IP", `"10.213.93.100"`, "$META", "{}", "$MEMBERS", `["vip", "web"]`)...) // the first pair for a key wins
	return r.Replace(crmCluster)
}

// TestPacemaker_PlanAgainstCIB plans recipes of the pacemaker kinds
// against CIBs captured from lab clusters (testdata/cib: crm-lab.xml from
// the crm path, pcs-lab.xml from pcs with a clone and constraints added):
// what is up to date, the per-property diff, and the crm or pcs command.
func TestPacemaker_PlanAgainstCIB(t *testing.T) {
	crmCIB := &engine.ShellResult{Stdout: readCIB(t, "crm-lab.xml")}
	pcsCIB := &engine.ShellResult{Stdout: readCIB(t, "pcs-lab.xml")}
	down := &engine.ShellResult{ExitCode: 102}
	type want struct {
		changes  []string // exact
		commands []string // regexps, one per command
	}
	cases := []struct {
		name   string
		facts  facts.Facts
		cib    *engine.ShellResult
		other  map[string]engine.ShellResult
		recipe string
		want   map[string]want // the resources not named are up to date
	}{
		{name: "crm cluster as the lab has it: nothing to do", facts: debian12, cib: crmCIB, recipe: crmRecipe()},
		{name: "rsc_defaults migration-threshold 1 to 3", facts: debian12, cib: crmCIB, recipe: crmRecipe("$MT", `"3"`),
			want: map[string]want{"pacemaker_rsc_defaults[migration-threshold]": {
				changes:  []string{`set value from "1" to "3"`},
				commands: []string{`^crm configure rsc_defaults migration-threshold=3$`}}}},
		{name: "primitive meta migration-threshold", facts: debian12, cib: crmCIB, recipe: crmRecipe("$META", `{"migration-threshold": "3"}`),
			want: map[string]want{"pacemaker_primitive[vip]": {
				changes:  []string{`set meta from {} to {"migration-threshold":"3"}`},
				commands: []string{"^" + regexp.QuoteMeta(`if cibadmin --query --local --xpath '//primitive[@id='\''vip'\'']' >/dev/null 2>&1; then printf '%s\n' 'primitive vip ocf:heartbeat:IPaddr2 params ip=10.213.93.100 cidr_netmask=24 nic=eth0 op monitor interval=10s meta migration-threshold=3' | crm configure load update -; else crm configure primitive vip ocf:heartbeat:IPaddr2 params 'ip=10.213.93.100' 'cidr_netmask=24' 'nic=eth0' op monitor 'interval=10s' meta 'migration-threshold=3'; fi`) + "$"}}}},
		{name: "primitive ip changes", facts: debian12, cib: crmCIB, recipe: crmRecipe("$IP", `"10.213.93.101"`),
			want: map[string]want{"pacemaker_primitive[vip]": {
				changes:  []string{`set params from {"cidr_netmask":"24","ip":"10.213.93.100","nic":"eth0"} to {"cidr_netmask":"24","ip":"10.213.93.101","nic":"eth0"}`},
				commands: []string{`crm configure load update -`}}}},
		{name: "group order changes", facts: debian12, cib: crmCIB, recipe: crmRecipe("$MEMBERS", `["web", "vip"]`),
			want: map[string]want{"pacemaker_group[webservice]": {
				changes:  []string{`set members from ["vip","web"] to ["web","vip"]`},
				commands: []string{`printf '%s\\n' 'group webservice web vip' \| crm configure load update -; else crm configure group webservice web vip; fi$`}}}},
		{name: "a value that needs quoting stays one word", facts: debian12, cib: crmCIB, recipe: `
pacemaker_primitive("d9", agent="ocf:heartbeat:Dummy", params={"fake": "a b'; reboot"})`,
			want: map[string]want{"pacemaker_primitive[d9]": {
				changes:  []string{`create pacemaker_primitive[d9]`, `set agent to "ocf:heartbeat:Dummy"`, `set params to {"fake":"a b'; reboot"}`},
				commands: []string{regexp.QuoteMeta(`printf '%s\n' 'primitive d9 ocf:heartbeat:Dummy params fake="a b'\''; reboot"' | crm configure load update -; else crm configure primitive d9 ocf:heartbeat:Dummy params 'fake="a b'\''; reboot"'; fi`) + "$"}}}},
		{name: "Pacemaker not running: everything to create", facts: debian12, cib: down, recipe: `
pacemaker_property("stonith-enabled", value="false")
pacemaker_colocation("c_web", rsc="webservice", with_rsc="ms_drbd", with_rsc_role="Promoted")
pacemaker_order("o_web", first="ms_drbd", first_action="promote", then="webservice")
pacemaker_clone("ms_drbd", rsc="res_drbd", promotable=True, meta={"clone-max": "2", "notify": "true"})`,
			want: map[string]want{
				"pacemaker_property[stonith-enabled]": {changes: []string{"create pacemaker_property[stonith-enabled]", `set value to "false"`},
					commands: []string{`^crm configure property stonith-enabled=false$`}},
				"pacemaker_colocation[c_web]": {changes: []string{"create pacemaker_colocation[c_web]", `set rsc to "webservice"`, `set with_rsc to "ms_drbd"`, `set with_rsc_role to "Promoted"`},
					commands: []string{`else crm configure colocation c_web inf: webservice ms_drbd:Promoted; fi$`}},
				"pacemaker_order[o_web]": {changes: []string{"create pacemaker_order[o_web]", `set first to "ms_drbd"`, `set then to "webservice"`, `set first_action to "promote"`},
					commands: []string{`else crm configure order o_web Mandatory: ms_drbd:promote webservice:start; fi$`}},
				"pacemaker_clone[ms_drbd]": {changes: []string{"create pacemaker_clone[ms_drbd]", `set promotable to True`, `set meta to {"clone-max":"2","notify":"true"}`},
					commands: []string{`else crm configure clone ms_drbd res_drbd meta 'clone-max=2' 'notify=true' 'promotable=true'; fi$`}},
			}},
		{name: "pcs CIB: clone, constraints and primitives as pcs and crm made them", facts: debian12, cib: pcsCIB, recipe: `
pacemaker_primitive("d1", agent="ocf:heartbeat:Dummy", params={"fake": "5"}, ops=[{"name": "monitor", "interval": "30s"}],
    meta={"migration-threshold": "6"}, provider="pcs")
pacemaker_primitive("s1", agent="ocf:pacemaker:Stateful", provider="pcs",
    ops=[{"name": "monitor", "interval": "11s", "role": "Promoted"}, {"name": "monitor", "interval": "12s", "role": "Unpromoted"}])
pacemaker_primitive("vip", agent="ocf:heartbeat:IPaddr2", params={"ip": "10.213.92.100"}, ops=[{"name": "monitor", "interval": "20s"}], provider="pcs")
pacemaker_clone("ms1", rsc="s1", promotable=True, meta={"clone-max": "2", "notify": "true"}, provider="pcs")
pacemaker_colocation("c1", rsc="g1", with_rsc="ms1", with_rsc_role="Promoted", score="-INFINITY", provider="pcs")
pacemaker_colocation("c2", rsc="ms1", rsc_role="Promoted", with_rsc="d2", provider="pcs")
pacemaker_order("o1", first="ms1", first_action="promote", then="g1", provider="pcs")
pacemaker_order("o2", first="ms1", first_action="promote", then="webservice", kind="Optional", provider="pcs")
pacemaker_group("g1", members=["d1", "d2"], provider="pcs")
pacemaker_rsc_defaults("migration-threshold", value="1", provider="pcs")`},
		{name: "pcs updates", facts: debian12, cib: pcsCIB, recipe: `
pacemaker_primitive("d1", agent="ocf:heartbeat:Dummy", params={"fake": "5"}, ops=[{"name": "monitor", "interval": "30s"}],
    meta={"migration-threshold": "3"}, provider="pcs")
pacemaker_colocation("c1", rsc="g1", with_rsc="ms1", with_rsc_role="Promoted", score="INFINITY", provider="pcs")
pacemaker_group("g1", members=["d2", "d1"], provider="pcs")
pacemaker_clone("ms1", rsc="s1", promotable=True, meta={"clone-max": "3"}, provider="pcs")
pacemaker_rsc_defaults("migration-threshold", value="3", provider="pcs")
pacemaker_property("no-quorum-policy", value="stop", provider="pcs")`,
			want: map[string]want{
				"pacemaker_primitive[d1]": {changes: []string{`set meta from {"migration-threshold":"6"} to {"migration-threshold":"3"}`},
					commands: []string{regexp.QuoteMeta(`then pcs resource update d1 'fake=5' op monitor 'interval=30s' meta 'migration-threshold=3'; else pcs resource create d1 ocf:heartbeat:Dummy 'fake=5' op monitor 'interval=30s' meta 'migration-threshold=3' --no-default-ops; fi`) + "$"}},
				"pacemaker_colocation[c1]": {changes: []string{`set score from "-INFINITY" to "INFINITY"`},
					commands: []string{regexp.QuoteMeta(`then pcs constraint remove c1; fi; pcs constraint colocation add g1 with Promoted ms1 INFINITY id=c1`) + "$"}},
				"pacemaker_group[g1]": {changes: []string{`set members from ["d1","d2"] to ["d2","d1"]`},
					commands: []string{regexp.QuoteMeta(`then pcs resource ungroup g1; fi; pcs resource group add g1 d2 d1`) + "$"}},
				"pacemaker_clone[ms1]": {changes: []string{`set meta from {"clone-max":"2"} to {"clone-max":"3"}`},
					commands: []string{regexp.QuoteMeta(`then pcs resource meta ms1 'clone-max=3' 'promotable=true'; else pcs resource promotable s1 ms1 meta 'clone-max=3'; fi`) + "$"}},
				"pacemaker_rsc_defaults[migration-threshold]": {changes: []string{`set value from "1" to "3"`},
					commands: []string{`^pcs resource defaults update migration-threshold=3$`}},
				"pacemaker_property[no-quorum-policy]": {changes: []string{`set value from "ignore" to "stop"`},
					commands: []string{`^pcs property set no-quorum-policy=stop$`}},
			}},
		{name: "rhel picks pcs; pcs 0.9 on CentOS 7", facts: centos7, cib: down, recipe: `
pacemaker_rsc_defaults("migration-threshold", value="1")
pacemaker_clone("ms_drbd", rsc="res_drbd", promotable=True)
pacemaker_colocation("c", rsc="a", with_rsc="ms_drbd", with_rsc_role="Promoted")`,
			want: map[string]want{
				"pacemaker_rsc_defaults[migration-threshold]": {changes: []string{"create pacemaker_rsc_defaults[migration-threshold]", `set value to "1"`},
					commands: []string{`^pcs resource defaults migration-threshold=1$`}},
				"pacemaker_clone[ms_drbd]": {changes: []string{"create pacemaker_clone[ms_drbd]", `set promotable to True`},
					commands: []string{`then true; else pcs resource master ms_drbd res_drbd; fi$`}},
				"pacemaker_colocation[c]": {changes: []string{"create pacemaker_colocation[c]", `set rsc to "a"`, `set with_rsc to "ms_drbd"`, `set with_rsc_role to "Promoted"`},
					commands: []string{`pcs constraint colocation add a with master ms_drbd INFINITY id=c$`}},
			}},
		{name: "rhel 9 pcs; provider crm wins", facts: rocky9, cib: down, recipe: `
pacemaker_rsc_defaults("migration-threshold", value="1")
pacemaker_property("stonith-enabled", value="false", provider="crm")`,
			want: map[string]want{
				"pacemaker_rsc_defaults[migration-threshold]": {changes: []string{"create pacemaker_rsc_defaults[migration-threshold]", `set value to "1"`},
					commands: []string{`^pcs resource defaults update migration-threshold=1$`}},
				"pacemaker_property[stonith-enabled]": {changes: []string{"create pacemaker_property[stonith-enabled]", `set value to "false"`},
					commands: []string{`^crm configure property stonith-enabled=false$`}},
			}},
		{name: "pcs auth and cluster setup on a fresh node", facts: rocky9, recipe: `
pacemaker_pcs_auth("pm", nodes=["pk1", "pk2"], password="s3cret")
pacemaker_pcs_cluster("pm", nodes=[{"name": "pk1", "addr": "10.0.0.1"}, "pk2"], action=["setup", "enable", "start"])`,
			want: map[string]want{
				"pacemaker_pcs_auth[pm]": {changes: []string{"create pacemaker_pcs_auth[pm]", `set nodes to ["pk1","pk2"]`},
					commands: []string{`^pcs host auth pk1 pk2 -u hacluster -p "\$PCS_PASSWORD"$`}},
				"pacemaker_pcs_cluster[pm]": {changes: []string{"create pacemaker_pcs_cluster[pm]"},
					commands: []string{`^pcs cluster setup pm pk1 addr=10.0.0.1 pk2$`, `^pcs cluster enable --all$`, `^pcs cluster start --all$`}},
			}},
		{name: "pcs auth knows one node of two; the cluster exists", facts: centos7,
			other: map[string]engine.ShellResult{
				`sed 's/": *"[^"]*"/": ""/g' /var/lib/pcsd/tokens`: {Stdout: `{"format_version": 2, "tokens": {"pk1": ""}}`},
				"cat /etc/corosync/corosync.conf":                  {Stdout: "totem {\n    cluster_name: pm\n}\n"},
			}, recipe: `
pacemaker_pcs_auth("pm", nodes=["pk1", "pk2"], password="s3cret")
pacemaker_pcs_cluster("pm", nodes=["pk1", "pk2"])`,
			want: map[string]want{
				"pacemaker_pcs_auth[pm]": {changes: []string{`set nodes from ["pk1"] to ["pk1","pk2"]`},
					commands: []string{`^pcs cluster auth pk1 pk2 -u hacluster -p "\$PCS_PASSWORD"$`}},
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := compilePacemaker(t, tc.facts, tc.recipe)
			if err != nil {
				t.Fatal(err)
			}
			got := planAgainst(t, c, tc.cib, tc.other)
			for addr, pl := range got {
				w, named := tc.want[addr]
				if !named {
					if len(pl.changes) > 0 || len(pl.commands) > 0 {
						t.Errorf("%s: want up to date, got changes %q, commands %q", addr, pl.changes, pl.commands)
					}
					continue
				}
				if !slices.Equal(pl.changes, w.changes) {
					t.Errorf("%s: changes\n got %q\nwant %q", addr, pl.changes, w.changes)
				}
				if len(pl.commands) != len(w.commands) {
					t.Errorf("%s: commands %q, want %d", addr, pl.commands, len(w.commands))
					continue
				}
				for i, re := range w.commands {
					if !regexp.MustCompile(re).MatchString(pl.commands[i]) {
						t.Errorf("%s: command %d\n got %s\nwant %s", addr, i, pl.commands[i], re)
					}
				}
			}
			for addr := range tc.want {
				if _, ok := got[addr]; !ok {
					t.Errorf("no resource %s", addr)
				}
			}
		})
	}
}

// countingTransport counts the commands run through it: in a dry run
// every one is a probe round trip.
type countingTransport struct {
	transport.Transport
	runs int
}

func (c *countingTransport) Run(ctx context.Context, cmd string, stdin io.Reader) (transport.Result, error) {
	c.runs++
	return c.Transport.Run(ctx, cmd, stdin)
}

// TestPacemaker_ManyResourcesOneCIBQuery converges (dry run, on this
// machine with a cibadmin that prints the lab's CIB and counts its calls)
// a recipe of every CIB kind: every resource is up to date after one
// probe round trip in which cibadmin ran once.
func TestPacemaker_ManyResourcesOneCIBQuery(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "cib.xml"), []byte(readCIB(t, "crm-lab.xml")), 0o644)
	script := "#!/bin/sh\necho \"$*\" >> " + filepath.Join(dir, "calls") + "\ncat " + filepath.Join(dir, "cib.xml") + "\n"
	if err := os.WriteFile(filepath.Join(dir, "cibadmin"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	src := crmRecipe() + `
pacemaker_colocation("c_none", rsc="vip", with_rsc="web", action="delete")
pacemaker_order("o_none", first="vip", then="web", action="delete")
pacemaker_clone("cl_none", rsc="web", action="delete")
`
	for i := 0; i < 30; i++ {
		src += fmt.Sprintf("pacemaker_primitive(\"gone%d\", agent=\"ocf:heartbeat:Dummy\", action=\"delete\")\n", i)
	}
	c, err := compilePacemaker(t, debian12, src)
	if err != nil {
		t.Fatal(err)
	}
	tr := &countingTransport{Transport: local.New()}
	var events []engine.Event
	res := engine.Converge(context.Background(), c, &engine.Host{T: tr, Node: c.Node}, engine.Options{DryRun: true,
		Sink: engine.SinkFunc(func(e engine.Event) { events = append(events, e) })})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if res.Updated != 0 || res.Total != 40 {
		for _, e := range events {
			t.Logf("%s %s %s %q", e.Resource, e.Action, e.Status, e.Changes)
		}
		t.Errorf("%d of %d resources would change, want 0 of 40", res.Updated, res.Total)
	}
	if tr.runs != 1 {
		t.Errorf("%d round trips, want 1", tr.runs)
	}
	calls, _ := os.ReadFile(filepath.Join(dir, "calls"))
	if got := strings.Count(string(calls), "\n"); got != 1 || strings.TrimSpace(string(calls)) != "--query --local --scope configuration" {
		t.Errorf("cibadmin ran %d times (%q), want once with --query --local --scope configuration", got, calls)
	}
}
