package lab

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The e2e tests boot real nodes. They need root and systemd-nspawn; they
// skip without them unless CONVERGE_E2E=1 (CI), where they fail instead.
// They use their own state directory, bridge and subnet, so a lab someone
// is running on the machine is left alone; the image is the shared cached
// one (built on first use, which takes a minute or two).

const (
	testBridge = "cvgtest0"
	testSubnet = "10.213.77.0/24"
)

func requireE2E(t testing.TB) {
	t.Helper()
	var why string
	if os.Geteuid() != 0 {
		why = "not root"
	} else if _, err := exec.LookPath("systemd-nspawn"); err != nil {
		why = "no systemd-nspawn (apt-get install -y systemd-container)"
	}
	if why == "" {
		return
	}
	if os.Getenv("CONVERGE_E2E") == "1" {
		t.Fatalf("CONVERGE_E2E=1 but the lab cannot run: %s", why)
	}
	t.Skipf("lab e2e test needs root and systemd-nspawn (%s); set CONVERGE_E2E=1 to make this a failure", why)
}

// testLab returns a lab with its own state under /var/lib/converge and a
// repository in a temporary directory. Whatever the test leaves running is
// removed at the end.
func testLab(t testing.TB) *Lab {
	t.Helper()
	requireE2E(t)
	if err := Requirements(); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll("/var/lib/converge", 0o755); err != nil {
		t.Fatal(err)
	}
	state, err := os.MkdirTemp("/var/lib/converge", "labtest-")
	if err != nil {
		t.Fatal(err)
	}
	l, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	l.StateDir = state
	l.Bridge = testBridge
	l.Subnet = testSubnet
	l.Out = testWriter{t}
	t.Cleanup(func() {
		if err := l.Down(); err != nil {
			t.Errorf("cleanup: Down: %v", err)
		}
		if len(mountsUnder(state)) == 0 {
			os.RemoveAll(state)
		}
	})
	return l
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// sshRun runs a command on a node with the ssh binary, the lab key and
// strict host key checking against the repository's known_hosts.
func sshRun(t testing.TB, l *Lab, n Node, cmd string) string {
	t.Helper()
	out, err := sshOutput(l, n, cmd)
	if err != nil {
		t.Fatalf("ssh %s %q: %v\n%s", n.Name, cmd, err, out)
	}
	return out
}

func sshOutput(l *Lab, n Node, cmd string) (string, error) {
	args := append([]string{"-o", "BatchMode=yes"}, SSHArgs(l.RepoDir, n.Address)...)
	args = append(args, "--", cmd)
	c := exec.Command("ssh", args...)
	var b bytes.Buffer
	c.Stdout, c.Stderr = &b, &b
	err := c.Run()
	return strings.TrimSpace(b.String()), err
}

func nodeByName(t testing.TB, l *Lab, name string) Node {
	t.Helper()
	nodes, err := l.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		if n.Name == name {
			return n
		}
	}
	t.Fatalf("node %s not in List: %v", name, nodes)
	return Node{}
}

// checkNoTrace fails if anything of the lab is left on the machine.
func checkNoTrace(t testing.TB, l *Lab, names []string) {
	t.Helper()
	out, _ := exec.Command("ip", "netns", "list").Output()
	for _, n := range names {
		if strings.Contains(string(out), netnsName(n)) {
			t.Errorf("namespace %s left:\n%s", netnsName(n), out)
		}
	}
	links, _ := exec.Command("ip", "-o", "link").Output()
	for _, n := range names {
		if strings.Contains(string(links), vethName(n)+"@") || strings.Contains(string(links), vethName(n)+":") {
			t.Errorf("veth %s left", vethName(n))
		}
	}
	if strings.Contains(string(links), " "+l.bridge()+":") {
		t.Errorf("bridge %s left", l.bridge())
	}
	mounts, _ := os.ReadFile("/proc/mounts")
	if strings.Contains(string(mounts), l.StateDir) {
		t.Errorf("mounts left under %s:\n%s", l.StateDir, mounts)
	}
	for _, p := range listProcs() {
		if strings.Contains(strings.Join(p.args, " "), l.StateDir) {
			t.Errorf("process left: %d %s", p.pid, strings.Join(p.args, " "))
		}
	}
	for _, n := range names {
		if pids := cgroupPIDs(nodeCgroups(n)); len(pids) > 0 {
			t.Errorf("processes left in the cgroups of %s: %v", n, pids)
		}
		if _, err := os.Stat(filepath.Join(l.RepoDir, "nodes", n+".json")); err == nil {
			t.Errorf("inventory nodes/%s.json left", n)
		}
	}
}

func TestLab_ThreeNodesBootStopStartDown(t *testing.T) {
	l := testLab(t)
	names := []string{"cvt1", "cvt2", "cvt3"}
	ctx := context.Background()
	if err := l.EnsureImage(ctx, ImageDebian12, nil, false); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	nodes, err := l.Up(ctx, names, UpOptions{})
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(start).Seconds()
	t.Logf("3 nodes up in %.2fs: %.2fs per node (target under 1s)", el, el/3)
	if len(nodes) != 3 {
		t.Fatalf("Up returned %v", nodes)
	}

	// 1. Each node is its own machine running systemd.
	for _, n := range nodes {
		if n.State != StateRunning {
			t.Errorf("%s is %s after Up", n.Name, n.State)
		}
		out := sshRun(t, l, n, "hostname; cat /proc/1/comm; ip -4 -o addr show dev eth0; cat /etc/machine-id")
		lines := strings.Split(out, "\n")
		if len(lines) < 4 || lines[0] != n.Name || lines[1] != "systemd" || !strings.Contains(lines[2], " "+n.Address+"/") {
			t.Errorf("%s answered %q; want its hostname, systemd as PID 1 and address %s", n.Name, out, n.Address)
		}
		inv, err := os.ReadFile(filepath.Join(l.RepoDir, "nodes", n.Name+".json"))
		if err != nil || !strings.Contains(string(inv), `"host": "`+n.Address+`"`) {
			t.Errorf("inventory of %s: %s %v", n.Name, inv, err)
		}
	}
	sshRun(t, l, nodes[0], "echo only-here > /root/marker")
	for _, n := range nodes[1:] {
		if out, err := sshOutput(l, n, "test -e /root/marker && echo present || echo absent"); err != nil || out != "absent" {
			t.Errorf("marker written on %s is %q on %s (%v)", nodes[0].Name, out, n.Name, err)
		}
	}
	out := sshRun(t, l, nodes[0], "ping -c1 -W2 "+nodes[1].Name+" >/dev/null && echo ok")
	if out != "ok" {
		t.Errorf("ping %s from %s: %s", nodes[1].Name, nodes[0].Name, out)
	}

	// 2. Stop is power loss and leaves no process; Start brings the node back
	// as it was.
	victim := nodes[1]
	root := l.nodeRoot(victim.Name)
	_, inits := nodeProcs(listProcs(), func(p proc) bool { return p.isNspawnFor(root) })
	if len(inits) != 1 {
		t.Fatalf("found %d init processes of %s, want 1", len(inits), victim.Name)
	}
	pidns := inits[0].pidns
	keyBefore, _ := os.ReadFile(filepath.Join(l.nodeDir(victim.Name), "ssh_host_ed25519_key.pub"))
	if err := l.Stop(victim.Name); err != nil {
		t.Fatal(err)
	}
	for _, p := range alive(listProcs()) {
		if p.pidns == pidns || p.isNspawnFor(root) {
			t.Errorf("process %d (%s) of %s left after Stop", p.pid, strings.Join(p.args, " "), victim.Name)
		}
	}
	if pids := cgroupPIDs(nodeCgroups(victim.Name)); len(pids) > 0 {
		t.Errorf("processes in the cgroups of %s after Stop: %v", victim.Name, pids)
	}
	if n := nodeByName(t, l, victim.Name); n.State != StateStopped {
		t.Errorf("%s is %s after Stop", n.Name, n.State)
	}
	if _, err := sshOutput(l, nodes[0], "ping -c1 -W1 "+victim.Name); err == nil {
		t.Errorf("%s still answers ping after Stop", victim.Name)
	}
	start = time.Now()
	if err := l.Start(ctx, victim.Name); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s started again in %.2fs", victim.Name, time.Since(start).Seconds())
	again := nodeByName(t, l, victim.Name)
	if again.Address != victim.Address || again.State != StateRunning {
		t.Errorf("after Start %s is %+v, was %+v", victim.Name, again, victim)
	}
	keyAfter, _ := os.ReadFile(filepath.Join(l.nodeDir(victim.Name), "ssh_host_ed25519_key.pub"))
	if !bytes.Equal(keyBefore, keyAfter) {
		t.Errorf("host key of %s changed across Stop/Start", victim.Name)
	}
	// Strict known_hosts still passes, and the disk survived power loss.
	if out := sshRun(t, l, again, "hostname; cat /proc/1/comm; test -e /root/marker && echo present || echo absent"); out != victim.Name+"\nsystemd\nabsent" {
		t.Errorf("%s after Start: %q", victim.Name, out)
	}

	// 3. Down leaves nothing.
	if err := l.Down(); err != nil {
		t.Fatal(err)
	}
	checkNoTrace(t, l, names)
	if err := l.Down(); err != nil {
		t.Errorf("second Down: %v", err)
	}
}

// TestLab_DownAfterUpKilled guards the promise that Down works from the
// state on disk: converge is killed with SIGKILL while Up is booting nodes.
func TestLab_DownAfterUpKilled(t *testing.T) {
	l := testLab(t)
	names := []string{"cvk1", "cvk2"}
	if err := l.EnsureImage(context.Background(), ImageDebian12, nil, false); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLabHelperUp$", "-test.v")
	cmd.Env = append(os.Environ(), "CONVERGE_LAB_HELPER=up",
		"CONVERGE_LAB_HELPER_STATE="+l.StateDir, "CONVERGE_LAB_HELPER_REPO="+l.RepoDir,
		"CONVERGE_LAB_HELPER_NODES="+strings.Join(names, ","))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once the first node's systemd-nspawn runs: mounts, namespaces
	// and processes exist, and the helper has not finished.
	deadline := time.Now().Add(60 * time.Second)
	killed := false
	for time.Now().Before(deadline) {
		for _, p := range listProcs() {
			if p.isNspawnUnder(l.StateDir) {
				killed = true
			}
		}
		if killed {
			_ = cmd.Process.Signal(syscall.SIGKILL)
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	_ = cmd.Wait()
	if !killed {
		t.Fatalf("no node process appeared within 60s; helper said:\n%s", out.String())
	}
	if strings.Contains(out.String(), "HELPER UP DONE") {
		t.Logf("the helper finished Up before it was killed; Down still has to clean everything")
	}
	var left []string
	for _, p := range listProcs() {
		if p.isNspawnUnder(l.StateDir) {
			left = append(left, fmt.Sprint(p.pid))
		}
	}
	t.Logf("after SIGKILL of converge: nspawn processes %v, mounts %v", left, mountsUnder(l.StateDir))

	l2, err := Open(l.RepoDir)
	if err != nil {
		t.Fatal(err)
	}
	// A new converge process: it knows the lab only from what is on disk.
	l2.StateDir, l2.ImageDir, l2.Out = l.StateDir, l.ImageDir, testWriter{t}
	if err := l2.Down(); err != nil {
		t.Fatal(err)
	}
	checkNoTrace(t, l, names)
}

// TestLabHelperUp is not a test: TestLab_DownAfterUpKilled runs it in a
// child process to have something to kill.
func TestLabHelperUp(t *testing.T) {
	if os.Getenv("CONVERGE_LAB_HELPER") != "up" {
		t.Skip("helper process for TestLab_DownAfterUpKilled")
	}
	l, err := Open(os.Getenv("CONVERGE_LAB_HELPER_REPO"))
	if err != nil {
		t.Fatal(err)
	}
	l.StateDir = os.Getenv("CONVERGE_LAB_HELPER_STATE")
	l.Bridge, l.Subnet = testBridge, testSubnet
	if _, err := l.Up(context.Background(), strings.Split(os.Getenv("CONVERGE_LAB_HELPER_NODES"), ","), UpOptions{}); err != nil {
		t.Fatal(err)
	}
	fmt.Println("HELPER UP DONE")
}

func TestLab_SysvinitNode(t *testing.T) {
	l := testLab(t)
	nodes, err := l.Up(context.Background(), []string{"cvs1"}, UpOptions{Image: ImageDebian12Sysvinit})
	if err != nil {
		t.Fatal(err)
	}
	n := nodes[0]
	out := sshRun(t, l, n, "cat /proc/1/comm; hostname; pgrep -x sshd >/dev/null && echo sshd-running; /etc/init.d/ssh status >/dev/null && echo ssh-service-ok")
	if out != "init\ncvs1\nsshd-running\nssh-service-ok" {
		t.Errorf("sysvinit node answered %q; want init as PID 1 and sshd run from /etc/init.d", out)
	}
	if err := l.Stop(n.Name); err != nil {
		t.Fatal(err)
	}
	if err := l.Start(context.Background(), n.Name); err != nil {
		t.Fatal(err)
	}
	if out := sshRun(t, l, n, "cat /proc/1/comm"); out != "init" {
		t.Errorf("after Start PID 1 is %q", out)
	}
	if err := l.Down(); err != nil {
		t.Fatal(err)
	}
	checkNoTrace(t, l, []string{"cvs1"})
}

// BenchmarkLabUp reports the seconds Up takes per node with the image
// cached, three nodes at a time (the target is under 1 s per node).
func BenchmarkLabUp(b *testing.B) {
	l := testLab(b)
	ctx := context.Background()
	if err := l.EnsureImage(ctx, ImageDebian12, nil, false); err != nil {
		b.Fatal(err)
	}
	names := []string{"cvb1", "cvb2", "cvb3"}
	var total time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := l.Up(ctx, names, UpOptions{}); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		b.StopTimer()
		if err := l.Down(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(total.Seconds()/float64(b.N*len(names)), "s/node")
}

// Guards the collision seen when a test lab and a user's lab both had a
// node n1: the second took over the first one's network namespace.
func TestLab_SameNodeNameInAnotherLabIsRefused(t *testing.T) {
	l := testLab(t)
	ctx := context.Background()
	if _, err := l.Up(ctx, []string{"cvdup1"}, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	other := testLab(t)
	other.Bridge = "cvgtest9"
	other.Subnet = "10.213.79.0/24"
	_, err := other.Up(ctx, []string{"cvdup1"}, UpOptions{})
	if err == nil || !strings.Contains(err.Error(), "already runs in another lab") {
		t.Fatalf("Up of a name another lab uses: %v, want a refusal", err)
	}
	n := nodeByName(t, l, "cvdup1")
	if out := sshRun(t, l, n, "hostname"); strings.TrimSpace(out) != "cvdup1" {
		t.Errorf("the first lab's node should still answer: %q", out)
	}
}
