package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/lab"
	"github.com/converge-cm/converge/engine/lab/labtest"
)

// These tests boot real lab nodes with `converge test`. They need root and
// systemd-nspawn; they skip without them (and with -short) unless
// CONVERGE_E2E=1 (CI), where they fail instead. Like engine/lab's own tests they use a lab of their
// own (state directory, bridge and subnet, different from engine/lab's so
// both packages can run at once), so a lab someone is using is left alone;
// the image is the shared cached one.

const (
	cliTestBridge = "cvgclitest0"
	cliTestSubnet = "10.213.78.0/24"
)

// labRepo is a repository (the current directory, for the test) whose
// `converge test` and `converge lab` use a lab of their own.
type labRepo struct {
	t     *testing.T
	dir   string // the repository, and the current directory
	state string // the lab's state directory
}

// newLabRepo makes the repository and the lab, and removes every node the
// test leaves behind when it ends.
func newLabRepo(t *testing.T) *labRepo {
	t.Helper()
	requireLab(t)
	if err := os.MkdirAll("/var/lib/converge", 0o755); err != nil {
		t.Fatal(err)
	}
	// One bridge and subnet, so one test at a time on the machine: two
	// `go test` processes would give two nodes the same address.
	lock, err := os.OpenFile("/var/lib/converge/clitest.lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lock.Close() }) // runs last, after lab down
	state, err := os.MkdirTemp("/var/lib/converge", "clitest-")
	if err != nil {
		t.Fatal(err)
	}
	r := &labRepo{t: t, dir: t.TempDir(), state: state}
	t.Setenv(lab.EnvStateDir, state)
	t.Chdir(r.dir)
	t.Cleanup(func() {
		l := r.lab()
		if err := l.Down(); err != nil {
			t.Errorf("cleanup: lab down: %v", err)
		}
		os.RemoveAll(state) // fails, harmlessly, if a mount is left; Down said so
	})
	return r
}

func requireLab(t *testing.T) {
	t.Helper()
	if testing.Short() {
		if os.Getenv("CONVERGE_E2E") == "1" {
			t.Fatal("CONVERGE_E2E=1 but the lab cannot run: -short")
		}
		t.Skip("lab e2e test: skipped with -short")
	}
	labtest.Require(t, "lab e2e test")
}

func (r *labRepo) lab() *lab.Lab {
	l, err := lab.Open(r.dir)
	if err != nil {
		r.t.Fatal(err)
	}
	l.StateDir = r.state
	l.Bridge = cliTestBridge
	l.Subnet = cliTestSubnet
	l.Out = nil
	return l
}

// testArgs are the arguments of `converge test` on this lab.
func (r *labRepo) testArgs(args ...string) []string {
	return append([]string{"test", "--cookbook-path", repoPath(r.t, "testdata/cookbooks"),
		"--subnet", cliTestSubnet, "--bridge", cliTestBridge}, args...)
}

// ssh runs cmd on a node of the lab and returns its trimmed output.
func (r *labRepo) ssh(n testNode, cmd string) string {
	r.t.Helper()
	args := append([]string{"-o", "BatchMode=yes"}, lab.SSHArgs(r.dir, n.Address)...)
	out, err := exec.Command("ssh", append(args, "--", cmd)...).CombinedOutput()
	if err != nil {
		r.t.Fatalf("ssh %s %q: %v\n%s", n.Name, cmd, err, out)
	}
	return strings.TrimSpace(string(out))
}

// assertNoNodes checks that the test removed its nodes: none in the lab,
// none in the inventory.
func (r *labRepo) assertNoNodes() {
	r.t.Helper()
	nodes, err := r.lab().List()
	if err != nil {
		r.t.Fatal(err)
	}
	if len(nodes) > 0 {
		r.t.Errorf("converge test left nodes behind: %v", nodes)
	}
	if left, _ := filepath.Glob(filepath.Join(r.dir, "nodes", "*.json")); len(left) > 0 {
		r.t.Errorf("converge test left inventory entries behind: %v", left)
	}
}

// testEvents splits --format json output into the test's own events and
// the main command's.
func testEvents(t *testing.T, out string) (tests []testEvent, main []engine.Event) {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		var head struct{ Type string }
		if err := json.Unmarshal([]byte(line), &head); err != nil {
			t.Fatalf("bad JSON event %q: %v", line, err)
		}
		switch {
		case strings.HasPrefix(head.Type, "test-"):
			var e testEvent
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatal(err)
			}
			tests = append(tests, e)
		case head.Type != "summary":
			var e engine.Event
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatal(err)
			}
			main = append(main, e)
		}
	}
	return tests, main
}

func findEvent(evs []testEvent, typ string) (testEvent, bool) {
	for _, e := range evs {
		if e.Type == typ {
			return e, true
		}
	}
	return testEvent{}, false
}

func TestTest_PassesOnIdempotentCookbookAndRemovesNodes(t *testing.T) {
	r := newLabRepo(t)
	start := time.Now()
	res := converge(t, r.testArgs("-r", "labok")...)
	t.Logf("converge test -r labok: %.2fs", time.Since(start).Seconds())
	if res.code != 0 {
		t.Fatalf("exit %d, want 0\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	for _, want := range []string{
		"Converging t", "again: nothing may change", "0/5 resources updated",
		"labok/test/files.sh on t", ": passed", "labok: files as declared on t", "converge test passed",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, res.stdout)
		}
	}
	r.assertNoNodes()
}

func TestTest_FailsNamingTheResourceTheSecondRunUpdated(t *testing.T) {
	r := newLabRepo(t)
	res := converge(t, r.testArgs("-r", "labflappy", "--format", "json")...)
	if res.code != ExitNodes {
		t.Fatalf("exit %d, want %d\n%s\n%s", res.code, ExitNodes, res.stdout, res.stderr)
	}
	tests, main := testEvents(t, res.stdout)
	nodes, _ := findEvent(tests, "test-nodes")
	if len(nodes.Nodes) != 1 {
		t.Fatalf("test-nodes event: %+v", nodes)
	}
	name := nodes.Nodes[0].Name
	idem, ok := findEvent(tests, "test-idempotence")
	if !ok || idem.Status != "failed" || idem.Node != name || strings.Join(idem.Resources, ",") != "execute[stamp]" {
		t.Errorf("test-idempotence event %+v, want failed on %s with resources [execute[stamp]]", idem, name)
	}
	if end, _ := findEvent(tests, "test-end"); end.Status != "failed" || len(end.Failures) != 1 {
		t.Errorf("test-end event %+v, want failed with one failure", end)
	}
	// Both converges are reported with the main command's events.
	starts := 0
	for _, e := range main {
		if e.Type == "node-start" && e.Node == name {
			starts++
		}
	}
	if starts != 2 {
		t.Errorf("%d node-start events for %s, want 2 (one per converge)", starts, name)
	}
	want := "not idempotent: the second converge updated 1 resource(s) on " + name + ": execute[stamp]"
	if !strings.Contains(res.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, res.stderr)
	}
	if strings.Contains(res.stderr, "file[/srv/labflappy.conf]") {
		t.Errorf("stderr names the idempotent file resource:\n%s", res.stderr)
	}
	r.assertNoNodes()
}

func TestTest_FailsNamingTheFailingScriptAndNode(t *testing.T) {
	r := newLabRepo(t)
	res := converge(t, r.testArgs("-r", "labfailtest")...)
	if res.code != ExitNodes {
		t.Fatalf("exit %d, want %d\n%s\n%s", res.code, ExitNodes, res.stdout, res.stderr)
	}
	for _, want := range []string{
		"labfailtest/test/answer.sh on t", "the answer is there",
		"labfailtest/test/wrong.sh on t", "looking for answer = 43", "converge test FAILED",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, res.stdout)
		}
	}
	if !strings.Contains(res.stderr, "test script labfailtest/test/wrong.sh failed on t") ||
		!strings.Contains(res.stderr, "exit status 1") {
		t.Errorf("stderr does not name the script, node and status:\n%s", res.stderr)
	}
	if strings.Contains(res.stderr, "answer.sh") || strings.Contains(res.stderr, "not idempotent") {
		t.Errorf("stderr names what held:\n%s", res.stderr)
	}
	r.assertNoNodes()
}

func TestTest_RecipeErrorExitsTwoAndRemovesNodes(t *testing.T) {
	r := newLabRepo(t)
	res := converge(t, r.testArgs("-r", "labok::nosuchrecipe")...)
	if res.code != ExitUsage {
		t.Fatalf("exit %d, want %d\n%s\n%s", res.code, ExitUsage, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stderr, "nosuchrecipe") {
		t.Errorf("stderr does not name the recipe:\n%s", res.stderr)
	}
	r.assertNoNodes()
}

// TestTest_InterruptRemovesNodes sends SIGINT to `converge test` while its
// converge runs (a one-minute execute) and expects it to stop at once and
// remove its nodes.
func TestTest_InterruptRemovesNodes(t *testing.T) {
	r := newLabRepo(t)
	args, _ := json.Marshal(r.testArgs("-r", "labslow", "--format", "json"))
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperConvergeMain$")
	cmd.Env = append(os.Environ(), "CONVERGE_HELPER_ARGS="+string(args))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the converge has started on the node.
	sc := bufio.NewScanner(stdout)
	var seen []string
	for sc.Scan() {
		seen = append(seen, sc.Text())
		if strings.Contains(sc.Text(), `"type":"recipe"`) {
			break
		}
	}
	time.Sleep(300 * time.Millisecond) // into the sleep 60
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	for sc.Scan() {
		seen = append(seen, sc.Text())
	}
	err = cmd.Wait()
	t.Logf("stopped and removed the nodes %.2fs after SIGINT", time.Since(start).Seconds())
	if code := cmd.ProcessState.ExitCode(); code != ExitNodes {
		t.Errorf("exit %d (%v), want %d\n%s\n%s", code, err, ExitNodes, strings.Join(seen, "\n"), stderr.String())
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("converge test took %s to stop after SIGINT", time.Since(start))
	}
	if !strings.Contains(stderr.String(), "interrupted; removing nodes t") {
		t.Errorf("stderr does not say it removes the nodes:\n%s", stderr.String())
	}
	r.assertNoNodes()
}

// TestHelperConvergeMain is converge's main for tests that need it as a
// process of its own; it does nothing unless CONVERGE_HELPER_ARGS is set.
func TestHelperConvergeMain(t *testing.T) {
	a := os.Getenv("CONVERGE_HELPER_ARGS")
	if a == "" {
		return
	}
	var args []string
	if err := json.Unmarshal([]byte(a), &args); err != nil {
		t.Fatal(err)
	}
	os.Exit(Main(args, os.Stdout, os.Stderr))
}

// logSlow logs the resources that took more than five seconds, and the
// lab's progress lines, to explain a slow run.
func logSlow(t *testing.T, evs []engine.Event, stderr string) {
	t.Helper()
	for _, e := range evs {
		if e.Type == "resource" && e.Duration > 5 {
			t.Logf("slow: %s %s action %s took %.2fs", e.Node, e.Resource, e.Action, e.Duration)
		}
	}
	if s := strings.TrimSpace(stderr); s != "" {
		t.Logf("stderr:\n%s", s)
	}
}

func TestService_SystemdConvergesARealService(t *testing.T) {
	testRealService(t, lab.ImageDebian12)
}

func TestService_SysVConvergesARealService(t *testing.T) {
	testRealService(t, lab.ImageDebian12Sysvinit)
}

// testRealService converges the labsvc cookbook on a node of image: its
// daemon must run and be enabled, a no-op run must not restart it, and a
// changed config must restart it through the template's notification.
func testRealService(t *testing.T, image string) {
	r := newLabRepo(t)
	start := time.Now()
	res := converge(t, r.testArgs("-r", "labsvc", "--image", image, "--keep", "--format", "json")...)
	t.Logf("converge test -r labsvc --image %s: %.2fs", image, time.Since(start).Seconds())
	if res.code != 0 {
		t.Fatalf("converge test exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	tests, main := testEvents(t, res.stdout)
	logSlow(t, main, res.stderr)
	nodes, _ := findEvent(tests, "test-nodes")
	if len(nodes.Nodes) != 1 {
		t.Fatalf("test-nodes event: %+v", nodes)
	}
	n := nodes.Nodes[0]
	if s, _ := findEvent(tests, "test-script"); s.Status != "passed" || s.Script != "labsvc/test/running.sh" {
		t.Errorf("test-script event %+v, want labsvc/test/running.sh passed", s)
	}
	if end, _ := findEvent(tests, "test-end"); !end.Kept {
		t.Errorf("test-end event %+v, want kept", end)
	}

	wantInit, provider := "systemd", "systemd"
	if image == lab.ImageDebian12Sysvinit {
		wantInit, provider = "init", "sysvinit"
	}
	if got := r.ssh(n, "cat /proc/1/comm"); got != wantInit {
		t.Fatalf("PID 1 of %s is %q, want %q", image, got, wantInit)
	}
	state := func() (pid, greeting string) {
		t.Helper()
		f := strings.Fields(r.ssh(n, "cat /run/labsvcd.state && kill -0 $(cut -d' ' -f1 /run/labsvcd.state) && echo alive"))
		if len(f) != 3 || f[2] != "alive" {
			t.Fatalf("labsvcd state %q: want PID, greeting and a live process", f)
		}
		return f[0], f[1]
	}
	enabled := func() {
		t.Helper()
		if provider == "systemd" {
			if got := r.ssh(n, "systemctl is-enabled labsvcd"); got != "enabled" {
				t.Errorf("systemctl is-enabled labsvcd: %q", got)
			}
			if got := r.ssh(n, "systemctl is-active labsvcd"); got != "active" {
				t.Errorf("systemctl is-active labsvcd: %q", got)
			}
		} else {
			r.ssh(n, "ls /etc/rc2.d/S[0-9][0-9]labsvcd")
			r.ssh(n, "service labsvcd status")
		}
	}
	pid1, greeting := state()
	if greeting != "hello" {
		t.Errorf("labsvcd read greeting %q, want hello", greeting)
	}
	enabled()

	// The main command on the kept node: a changed config restarts it...
	run := func(greeting string) []engine.Event {
		t.Helper()
		start := time.Now()
		defer func() {
			t.Logf("converge -r labsvc -a labsvc.greeting=%s: %.2fs", greeting, time.Since(start).Seconds())
		}()
		res := converge(t, "-r", "labsvc", "--cookbook-path", repoPath(t, "testdata/cookbooks"),
			"-a", "labsvc.greeting="+greeting, "--format", "json", n.Name)
		if res.code != 0 {
			t.Fatalf("converge exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
		}
		return events(t, res.stdout)
	}
	evs := run("changed")
	restarted := false
	for _, e := range evs {
		if e.Resource == "service[labsvcd]" && e.Action == "restart" && e.Status == engine.StatusUpdated {
			restarted = true
		}
	}
	if !restarted {
		t.Errorf("no service[labsvcd] restart after the config changed:\n%v", evs)
	}
	pid2, greeting := state()
	if pid2 == pid1 || greeting != "changed" {
		t.Errorf("after the config changed: PID %s (was %s), greeting %q; want a new PID that read \"changed\"", pid2, pid1, greeting)
	}
	enabled()

	// ...and a no-op run does not.
	evs = run("changed")
	if got := updatedBy(evs)[n.Name]; got != 0 {
		t.Errorf("the no-op run updated %d resources:\n%v", got, evs)
	}
	if pid3, _ := state(); pid3 != pid2 {
		t.Errorf("the no-op run restarted labsvcd: PID %s, was %s", pid3, pid2)
	}
	enabled()
}
