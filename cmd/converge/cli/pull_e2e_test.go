package cli

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/converge-cm/converge/engine/lab"
	"github.com/converge-cm/converge/engine/lab/labtest"
	"github.com/converge-cm/converge/engine/shell"
)

// The pull-mode e2e test uses lab nodes pl1 and pl2 on a bridge and
// subnet (10.213.145.0/24) no other test uses; the control machine is the
// bridge's .1 and serves the site repository there with git daemon.
const (
	plBridge  = "cvgpl145"
	plSubnet  = "10.213.145.0/24"
	plGateway = "10.213.145.1"
)

// plNode is one lab node of the pull test.
type plNode struct {
	t          *testing.T
	name, addr string
	repo       string // the control repository (its lab key and known_hosts)
}

// ssh runs cmd on the node and returns its output and exit status.
func (n *plNode) ssh(cmd string) (string, int) {
	n.t.Helper()
	args := append([]string{"-o", "BatchMode=yes"}, lab.SSHArgs(n.repo, n.addr)...)
	out, err := exec.Command("ssh", append(args, "--", cmd)...).CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	}
	n.t.Fatalf("ssh %s: %v\n%s", n.name, err, out)
	return "", -1
}

// must runs cmd and fails the test when it fails.
func (n *plNode) must(cmd string) string {
	n.t.Helper()
	out, code := n.ssh(cmd)
	if code != 0 {
		n.t.Fatalf("%s: %q: exit %d\n%s", n.name, cmd, code, out)
	}
	return out
}

// report reads the node's last pull report.
func (n *plNode) report() pullReport {
	n.t.Helper()
	r := parsePullReport(n.t, n.must("cat /var/lib/converge/pull/last-report.json"))
	n.t.Logf("%s: report: %d lines; pull %s commit %.12s rollback=%v updated %d refused %v last-good %.12s; summary %+v",
		n.name, r.lines, r.pull.Status, r.pull.Commit, r.pull.Rollback, r.pull.Updated, r.pull.Refused, r.pull.LastGood, r.summary.Counts)
	return r
}

// TestPull_TwoLabNodesFromGitDaemon serves a site repository (with
// plbase vendored and locked) from the control machine with git daemon
// and runs converge pull on two lab nodes with the converge binary copied
// to them: the first pull converges both (3 updated), the second updates
// 0; a new commit is picked up by the systemd service --install wrote
// (started by hand, as the timer would) on pl1 and by the cron entry
// --install --cron wrote (its command run by hand) on pl2; a commit whose
// vendored plbase does not match converge.lock is refused with exit 2,
// naming plbase, leaving the node and last-good as they were; --rollback
// converges last-good again after drift.
func TestPull_TwoLabNodesFromGitDaemon(t *testing.T) {
	requireLab(t)
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("the pull e2e test needs git on the control machine")
	}
	_, repo, nodes := labtest.Start(t, labtest.Options{What: "pull mode e2e", Prefix: "pltest",
		Bridge: plBridge, Subnet: plSubnet, Timeout: 10 * time.Minute, Quiet: true}, "pl1", "pl2")
	t.Setenv("CONVERGE_COOKBOOK_PATH", "")

	// The binary the nodes run.
	bin := filepath.Join(t.TempDir(), "converge")
	build := exec.Command("go", "build", "-o", bin, "./cmd/converge")
	build.Dir = repoPath(t, "")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	base := t.TempDir()
	site := newPullSite(t, base)
	site.url = serveGit(t, base, plGateway)
	c1 := site.first("one\n", true)
	url := site.url + "/site.git"

	var pl []*plNode
	for _, nd := range nodes {
		n := &plNode{t: t, name: nd.Name, addr: nd.Address, repo: repo}
		scp := append([]string{"-o", "BatchMode=yes", "-q"}, lab.SSHArgs(repo, nd.Address)...)
		dest := scp[len(scp)-1] + ":/usr/local/bin/converge"
		scp = append(scp[:len(scp)-1], bin, dest)
		if out, err := exec.Command("scp", scp...).CombinedOutput(); err != nil {
			t.Fatalf("scp to %s: %v\n%s", nd.Name, err, out)
		}
		n.must("DEBIAN_FRONTEND=noninteractive apt-get install -y -q git >/dev/null && git --version")
		pl = append(pl, n)
	}
	pullCmd := "converge pull " + shell.Join("--repo", url, "--ref", "main", "-r", "site", "-a", "root=/srv/pull")

	// First pull converges, the second changes nothing.
	for _, n := range pl {
		out := n.must(pullCmd)
		rep := n.report()
		if rep.pull.Status != "converged" || rep.pull.Commit != c1 || rep.pull.Updated != 3 || rep.summary.Counts.Changed != 1 {
			t.Errorf("%s: first pull: %+v, summary %+v; want %s converged, 3 updated\n%s", n.name, rep.pull, rep.summary, c1, out)
		}
		if got := n.must("cat /srv/pull/site /srv/pull/base /var/lib/converge/pull/last-good"); got != "one\nbase 1.0.0\n"+c1+"\n" {
			t.Errorf("%s: after the first pull: %q", n.name, got)
		}
	}
	for _, n := range pl {
		out := n.must(pullCmd)
		rep := n.report()
		if rep.pull.Status != "converged" || rep.pull.Commit != c1 || rep.pull.Updated != 0 || rep.summary.Counts.UpToDate != 1 {
			t.Errorf("%s: second pull: %+v, summary %+v; want 0 updated\n%s", n.name, rep.pull, rep.summary, out)
		}
	}

	// A new commit, picked up by what --install wrote: the systemd
	// service on pl1, the cron entry on pl2.
	c2 := site.release("two\n")
	pl1, pl2 := pl[0], pl[1]
	pl1.must(pullCmd + " --install --interval 30m --splay 5m")
	if got := pl1.must("systemctl is-enabled converge-pull.timer; systemctl is-active converge-pull.timer"); got != "enabled\nactive\n" {
		t.Errorf("pl1: converge-pull.timer is %q, want enabled and active", got)
	}
	if unit := pl1.must("cat /etc/systemd/system/converge-pull.timer"); !strings.Contains(unit, "RandomizedDelaySec=300\n") || !strings.Contains(unit, "OnUnitActiveSec=1800\n") {
		t.Errorf("pl1: timer:\n%s", unit)
	}
	pl1.must("systemctl start converge-pull.service")
	pl2.must(pullCmd + " --install --cron --interval 30m")
	cron := strings.Split(strings.TrimSpace(pl2.must("cat /etc/cron.d/converge-pull")), "\n")
	fields := strings.Fields(cron[len(cron)-1])
	if len(fields) < 8 || fields[5] != "root" || fields[6] != "/usr/local/bin/converge" {
		t.Fatalf("pl2: cron entry %q", cron[len(cron)-1])
	}
	cronCmd := strings.Join(fields[6:], " ")
	pl2.must(cronCmd)
	for _, n := range pl {
		rep := n.report()
		if rep.pull.Status != "converged" || rep.pull.Commit != c2 || rep.pull.Updated != 1 {
			t.Errorf("%s: pull of the new commit: %+v; want %s, 1 updated", n.name, rep.pull, c2)
		}
		if got := n.must("cat /srv/pull/site /var/lib/converge/pull/last-good"); got != "two\n"+c2+"\n" {
			t.Errorf("%s: after the new commit: %q", n.name, got)
		}
	}

	// A tampered vendored cookbook is refused.
	c3 := site.tamper()
	for _, n := range pl {
		out, code := n.ssh(pullCmd)
		rep := n.report()
		if code != ExitUsage || rep.pull.Status != "refused" || rep.pull.Commit != c3 || strings.Join(rep.pull.Refused, ",") != "plbase" ||
			!strings.Contains(rep.pull.Error, "vendored cookbook .converge/cookbooks/plbase") {
			t.Errorf("%s: tampered commit: exit %d, %+v\n%s", n.name, code, rep.pull, out)
		}
		if got := n.must("cat /srv/pull/site /srv/pull/base /var/lib/converge/pull/last-good"); got != "two\nbase 1.0.0\n"+c2+"\n" {
			t.Errorf("%s: a refused pull changed the node or last-good: %q", n.name, got)
		}
	}
	// The service (the timer's pull) fails on it too.
	if out, code := pl1.ssh("systemctl start converge-pull.service"); code == 0 {
		t.Errorf("pl1: the service converged the tampered commit:\n%s", out)
	}

	// Drift, then --rollback: last-good converges again.
	pl1.must("echo drift > /srv/pull/site")
	pl1.must(pullCmd + " --rollback")
	rep := pl1.report()
	if !rep.pull.Rollback || rep.pull.Commit != c2 || rep.pull.Updated != 1 {
		t.Errorf("pl1: rollback: %+v; want %s, 1 updated", rep.pull, c2)
	}
	if got := pl1.must("cat /srv/pull/site"); got != "two\n" {
		t.Errorf("pl1: after rollback: %q", got)
	}

	// A site that commits converge.lock but not .converge/: the node
	// fetches plbase from the git daemon at the locked commit.
	base2 := t.TempDir()
	site2 := newPullSite(t, base2)
	site2.url = serveGit(t, base2, plGateway)
	c4 := site2.first("unvendored\n", false)
	out := pl2.must("converge pull " + shell.Join("--repo", site2.url+"/site.git", "-r", "site", "-a", "root=/srv/pull2",
		"--dir", "/var/lib/converge/pull2", "--report", "/root/pull2.json"))
	rep = parsePullReport(t, pl2.must("cat /root/pull2.json"))
	if rep.pull.Status != "converged" || rep.pull.Commit != c4 || rep.pull.Updated != 3 {
		t.Errorf("pl2: unvendored site: %+v\n%s", rep.pull, out)
	}
	if got := pl2.must("cat /srv/pull2/site /srv/pull2/base; ls /var/lib/converge/pull2/repo/.converge/cookbooks"); got != "unvendored\nbase 1.0.0\nplbase\n" {
		t.Errorf("pl2: unvendored site: %q", got)
	}
}

// serveGit serves the repositories under base with git daemon on addr
// and returns the git:// URL of base.
func serveGit(t *testing.T, base, addr string) string {
	t.Helper()
	pl, err := net.Listen("tcp", addr+":0")
	if err != nil {
		t.Fatal(err)
	}
	port := pl.Addr().(*net.TCPAddr).Port
	pl.Close()
	d := exec.Command("git", "daemon", "--export-all", "--reuseaddr", "--base-path="+base, "--listen="+addr, "--port="+strconv.Itoa(port), base)
	d.Stderr = os.Stderr
	// git runs git-daemon as its child: stop the whole process group.
	d.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-d.Process.Pid, syscall.SIGTERM); _ = d.Wait() })
	url := "git://" + net.JoinHostPort(addr, strconv.Itoa(port))
	for i := 0; ; i++ {
		if err := exec.Command("git", "ls-remote", url+"/base.git").Run(); err == nil {
			return url
		} else if i == 50 {
			t.Fatalf("git daemon on %s: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
