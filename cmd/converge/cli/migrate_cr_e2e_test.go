package cli

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/lab"
	"github.com/converge-cm/converge/engine/lab/labtest"
)

// The migrated custom-resource e2e test uses one lab node, mc1, on a
// bridge and subnet (10.213.141.0/24) no other test uses.
const (
	mcBridge = "cvgmc141"
	mcSubnet = "10.213.141.0/24"
	mcNode   = "mc1"
)

// TestMigrate_CustomResourceCookbooksConvergeOnLabNode (issue 12, must
// show 3): two corpus cookbooks that only define kinds — line (a custom
// resource with load_current_value and converge_if_changed, renamed
// line_append_if_missing) and accounts (an LWRP, resources/ and
// providers/) — are migrated with `converge migrate` into the lab's
// repository, and the test cookbooks they ship (line_test, accounts_test)
// converge on a lab node through cli.Main. The first run changes the node
// (the lines are in the files, the group and users exist as declared);
// the second updates nothing, in exactly one probe round trip.
func TestMigrate_CustomResourceCookbooksConvergeOnLabNode(t *testing.T) {
	requireLab(t)
	_, repo, nodes := labtest.Start(t, labtest.Options{What: "migrated custom resources e2e", Prefix: "mctest",
		Bridge: mcBridge, Subnet: mcSubnet, Timeout: 5 * time.Minute, Quiet: true}, mcNode)
	t.Setenv("CONVERGE_COOKBOOK_PATH", "")
	addr := nodes[0].Address

	run := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		code := Main(args, &out, &errb)
		t.Logf("converge %s:\n%s%s", strings.Join(args, " "), out.String(), errb.String())
		if code != 0 {
			t.Fatalf("converge %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
		}
		return out.String() + errb.String()
	}
	ssh := func(cmd string) string {
		t.Helper()
		args := append([]string{"-o", "BatchMode=yes"}, lab.SSHArgs(repo, addr)...)
		out, _ := exec.Command("ssh", append(args, "--", cmd)...).CombinedOutput()
		return string(out)
	}
	converge := func(runList string) ([]engine.Event, engine.Event) {
		t.Helper()
		evs := events(t, run("-r", runList, "--format", "json", mcNode))
		for _, e := range evs {
			if e.Type == "node-end" {
				return evs, e
			}
		}
		t.Fatalf("-r %s: no node-end event", runList)
		return nil, engine.Event{}
	}

	// the migration: exit 0, everything translated
	run("migrate", repoPath(t, "testdata/migrate/chef/line"), repoPath(t, "testdata/migrate/chef/accounts"), "-o", repo)

	const lineState = "grep -cx CONVERGE_LINE_TEST=1 /etc/environment; cat /etc/line_test.conf; stat -c %a /etc/line_test.conf"
	const usersState = "getent group devs ops | cut -d: -f1,3,4; for u in alice bob carol; do getent passwd $u | cut -d: -f1,6,7; done"
	if got := ssh(lineState); strings.Contains(got, "managed = yes") || strings.HasPrefix(got, "1\n") {
		t.Fatalf("the node already has the lines:\n%s", got)
	}
	if got := ssh(usersState); strings.Contains(got, "devs") || strings.Contains(got, "alice") {
		t.Fatalf("the node already has the accounts:\n%s", got)
	}

	for _, tc := range []struct {
		runList, state, want string
		top                  []string // the run list's resources the first run updates
	}{
		{"line_test", lineState, "1\nmanaged = yes\n600\n",
			[]string{"line_append_if_missing[/etc/environment]", "line_append_if_missing[/etc/line_test.conf]"}},
		{"accounts_test", usersState, "devs:3100:alice,bob\nops:3101:carol\nalice:/home/alice:/bin/bash\nbob:/home/bob:/bin/bash\ncarol:/home/carol:/bin/sh\n", /* useradd's default home */
			[]string{"accounts_manage[devs]", "accounts_manage[ops]"}},
	} {
		evs, end := converge(tc.runList)
		if end.Status != "" || end.Updated == 0 {
			t.Fatalf("%s, first run: node-end %q (%s), %d updated", tc.runList, end.Status, end.Error, end.Updated)
		}
		if got := topUpdated(evs); strings.Join(got, " ") != strings.Join(tc.top, " ") {
			t.Errorf("%s, first run updated %q, want %q", tc.runList, got, tc.top)
		}
		if got := ssh(tc.state); got != tc.want {
			t.Errorf("%s: node state after the first run:\n%s\nwant:\n%s", tc.runList, got, tc.want)
		}
		_, end = converge(tc.runList)
		if end.Status != "" || end.Updated != 0 {
			t.Errorf("%s, second run: node-end %q (%s), %d updated, want 0", tc.runList, end.Status, end.Error, end.Updated)
		}
		want := engine.RoundTrips{Connect: 1, Facts: 1, Probe: 1, Apply: 0}
		if end.RoundTrips == nil || *end.RoundTrips != want {
			t.Errorf("%s, second run: round trips %+v, want %+v", tc.runList, end.RoundTrips, want)
		}
		if got := ssh(tc.state); got != tc.want {
			t.Errorf("%s: the second run changed the node:\n%s", tc.runList, got)
		}
	}
}
