package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine/transport/ssh/sshtest"
)

func TestSerial_BatchSizes(t *testing.T) {
	for _, tc := range []struct {
		flag  string
		nodes int
		want  []int // batch sizes
	}{
		{"0", 5, []int{5}},
		{"1", 3, []int{1, 1, 1}},
		{"2", 5, []int{2, 2, 1}},
		{"30%", 10, []int{3, 3, 3, 1}},
		{"30%", 3, []int{1, 1, 1}}, // 0.9 rounds up to 1
		{"50%", 3, []int{2, 1}},
		{"100%", 4, []int{4}},
		{"7", 3, []int{3}},
	} {
		var s serialFlag
		if err := s.Set(tc.flag); err != nil {
			t.Fatalf("--serial %s: %v", tc.flag, err)
		}
		nodes := make([]*node, tc.nodes)
		for i := range nodes {
			nodes[i] = &node{t: target{Name: fmt.Sprint(i)}}
		}
		var got []int
		next := 0
		for _, b := range batches(nodes, s) {
			got = append(got, len(b))
			for _, n := range b {
				if n.t.Name != fmt.Sprint(next) {
					t.Errorf("--serial %s: node %s out of order (want %d)", tc.flag, n.t.Name, next)
				}
				next++
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("--serial %s of %d nodes: batches %v, want %v", tc.flag, tc.nodes, got, tc.want)
		}
	}
	for _, bad := range []string{"-1", "x", "101%", "1.5"} {
		var s serialFlag
		if err := s.Set(bad); err == nil {
			t.Errorf("--serial %s accepted", bad)
		}
	}
}

func TestSerial_UsageErrors(t *testing.T) {
	inventoryRepo(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--max-fail", "1", "web1"}, "--max-fail applies to a rolling converge"},
		{[]string{"--serial", "1", "--max-fail", "-1", "web1"}, "--max-fail must be 0 or more"},
		{[]string{"--serial", "abc", "web1"}, "want a number of nodes"},
	} {
		r := converge(t, append([]string{"-r", "base"}, tc.args...)...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d with %q", tc.args, r.code, r.stderr, ExitUsage, tc.want)
		}
	}
}

// rollingRepo writes a repository of four nodes over one sshd whose
// cookbook "roll" logs, to one shared file, its hooks and its one change
// (start, a short sleep, end), and fails on the node named by the
// fail_on attribute.
func rollingRepo(t *testing.T) (kh, log string, names []string) {
	t.Helper()
	addrs := []string{"127.0.0.71", "127.0.0.72", "127.0.0.73", "127.0.0.74"}
	names = []string{"r1", "r2", "r3", "r4"}
	s := sshtest.Start(t, sshtest.Options{Addrs: addrs})
	dir := t.TempDir()
	log = filepath.Join(dir, "log")
	files := map[string]string{
		"cookbooks/roll/metadata.star":           "name = \"roll\"\nversion = \"1.0.0\"\n",
		"cookbooks/roll/attributes/default.star": "default[\"fail_on\"] = \"\"\n",
		"cookbooks/roll/recipes/default.star": `log = shell.quote(node["log"])
me = shell.quote(node.name)
rolling_hooks(before = "echo before %s >> %s" % (me, log), after = "echo after %s >> %s" % (me, log), timeout = 30)
done = node["root"] + "/done"
execute("work", command = "echo start %s >> %s; sleep 0.3; echo end %s >> %s; touch %s" % (me, log, me, log, shell.quote(done)),
    creates = done)
if node["fail_on"] == node.name:
    execute("break", command = "echo broken >&2; exit 3")
`,
	}
	for i, n := range names {
		root := filepath.Join(dir, "roots", n)
		if err := os.MkdirAll(root, 0o755); err != nil {
			t.Fatal(err)
		}
		files["nodes/"+n+".json"] = fmt.Sprintf(`{"run_list": ["roll"], "normal": {"root": %q, "log": %q}, "converge": {"host": %q, "port": %d, "user": %q, "identity": %q}}`,
			root, log, addrs[i], s.Port, s.User, s.ClientKeyPath)
	}
	writeTestFiles(t, dir, files)
	t.Chdir(dir)
	t.Setenv("CONVERGE_COOKBOOK_PATH", "")
	kh = filepath.Join(dir, "known_hosts")
	s.WriteKnownHosts(kh)
	return kh, log, names
}

func logLines(t *testing.T, log string) []string {
	t.Helper()
	b, err := os.ReadFile(log)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return strings.Fields(strings.ReplaceAll(strings.TrimSpace(string(b)), " ", "_"))
}

// TestRolling_SerialConvergesInBatchesBetweenHooks: --serial 1 converges
// one node after the other in the order given, each between its hooks; a
// second run changes nothing and runs no hook; --serial 2 runs two at a
// time.
func TestRolling_SerialConvergesInBatchesBetweenHooks(t *testing.T) {
	kh, log, _ := rollingRepo(t)
	r := converge(t, "--known-hosts", kh, "--serial", "1", "r3", "r1", "r4", "r2")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var want []string
	for _, n := range []string{"r3", "r1", "r4", "r2"} {
		want = append(want, "before_"+n, "start_"+n, "end_"+n, "after_"+n)
	}
	if got := logLines(t, log); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("--serial 1 ran\n  %v\nwant\n  %v", got, want)
	}
	for i, b := range []string{"Batch 1 of 4: r3\n", "Batch 2 of 4: r1\n", "Batch 4 of 4: r2\n"} {
		if !strings.Contains(r.stdout, b) {
			t.Errorf("output lacks batch line %d %q:\n%s", i, b, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "  * rolling_hook[before] action run") || !strings.Contains(r.stdout, "  * rolling_hook[after] action run") {
		t.Errorf("the hooks are not reported as resources:\n%s", r.stdout)
	}

	// Nothing to change: no hook runs.
	os.Remove(log)
	r = converge(t, "--known-hosts", kh, "--serial", "1", "r1", "r2", "r3", "r4")
	if r.code != 0 || len(logLines(t, log)) != 0 || !strings.HasSuffix(r.stdout, ": 4 nodes, 4 up to date\n") {
		t.Errorf("no-op rolling run: exit %d, log %v\n%s", r.code, logLines(t, log), r.stdout)
	}

	// --serial 50%: two at a time, the second pair after the first.
	for _, n := range []string{"r1", "r2", "r3", "r4"} {
		os.Remove(filepath.Join("roots", n, "done"))
	}
	r = converge(t, "--known-hosts", kh, "--serial", "50%", "r1", "r2", "r3", "r4")
	if r.code != 0 {
		t.Fatalf("--serial 50%%: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	got := logLines(t, log)
	pos := map[string]int{}
	for i, l := range got {
		pos[l] = i
	}
	if len(got) != 16 || pos["start_r3"] < pos["after_r1"] || pos["start_r3"] < pos["after_r2"] ||
		pos["start_r4"] < pos["after_r1"] || pos["start_r4"] < pos["after_r2"] {
		t.Errorf("--serial 50%%: the second batch started before the first ended: %v", got)
	}
	if pos["start_r2"] > pos["end_r1"] && pos["start_r1"] > pos["end_r2"] {
		t.Errorf("--serial 50%%: r1 and r2 did not run together: %v", got)
	}

	// Without --serial every node converges at once and no hook runs.
	os.Remove(log)
	for _, n := range []string{"r1", "r2", "r3", "r4"} {
		os.Remove(filepath.Join("roots", n, "done"))
	}
	r = converge(t, "--known-hosts", kh, "r1", "r2", "r3", "r4")
	got = logLines(t, log)
	if r.code != 0 || len(got) != 8 || strings.Contains(strings.Join(got, " "), "before_") || strings.Contains(strings.Join(got, " "), "after_") ||
		strings.Contains(r.stdout, "rolling_hook[") {
		t.Errorf("a run that is not rolling: exit %d, log %v\n%s", r.code, got, r.stdout)
	}
}

// TestRolling_StopsAfterMaxFail: the first node fails; with --max-fail 0
// the roll stops after it and the others are reported skipped in text and
// JSON, untouched; with --max-fail 1 it goes on.
func TestRolling_StopsAfterMaxFail(t *testing.T) {
	kh, log, _ := rollingRepo(t)
	r := converge(t, "--known-hosts", kh, "--serial", "1", "-a", "fail_on=r2", "r2", "r1", "r3", "r4")
	if r.code != ExitNodes {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, ExitNodes, r.stdout, r.stderr)
	}
	// r2 changed between its hooks (after ran although the apply failed);
	// nobody else did anything.
	if got := strings.Join(logLines(t, log), " "); got != "before_r2 start_r2 end_r2 after_r2" {
		t.Errorf("log %q: want r2 alone, its after hook run", got)
	}
	for _, n := range []string{"r1", "r3", "r4"} {
		if !strings.Contains(r.stdout, "Node "+n+": skipped (the roll stopped after 1 failure)\n") {
			t.Errorf("output lacks %s skipped:\n%s", n, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, ": 4 nodes, 1 failed, 3 skipped\n") || !strings.Contains(r.stderr, "the roll stopped after 1 failure (--max-fail 0): 3 not converged: r1, r3, r4") {
		t.Errorf("summary:\n%s\nstderr: %s", r.stdout, r.stderr)
	}
	if strings.Count(r.stdout, "skipped (the roll stopped after 1 failure)") != 6 {
		t.Errorf("want each skipped node as it is passed over and in the summary table:\n%s", r.stdout)
	}

	// JSON: node-end events with status skipped, the summary counts them.
	os.Remove(log)
	os.Remove(filepath.Join("roots", "r2", "done"))
	r = converge(t, "--known-hosts", kh, "--serial", "1", "--format", "json", "-a", "fail_on=r2", "r2", "r1", "r3", "r4")
	if r.code != ExitNodes {
		t.Fatalf("json: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	var sum summaryEvent
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Counts.Skipped != 3 || sum.Counts.Failed != 1 || sum.Nodes[1].Status != "skipped" || sum.Nodes[1].Why != "the roll stopped after 1 failure" {
		t.Errorf("summary %+v", sum)
	}
	if !strings.Contains(r.stdout, `{"type":"node-end","node":"r3","status":"skipped","why":"the roll stopped after 1 failure"}`) {
		t.Errorf("no skipped node-end event for r3:\n%s", r.stdout)
	}

	// --max-fail 1: the roll goes on past one failure.
	os.Remove(log)
	os.Remove(filepath.Join("roots", "r2", "done"))
	r = converge(t, "--known-hosts", kh, "--serial", "1", "--max-fail", "1", "-a", "fail_on=r2", "r2", "r1", "r3", "r4")
	if r.code != ExitNodes || !strings.Contains(r.stdout, ": 4 nodes, 3 changed, 1 failed\n") {
		t.Errorf("--max-fail 1: exit %d\n%s", r.code, r.stdout)
	}
	if got := logLines(t, log); len(got) != 16 {
		t.Errorf("--max-fail 1: log %v, want every node's hooks and change", got)
	}
}
