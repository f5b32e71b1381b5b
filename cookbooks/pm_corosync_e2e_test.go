package cookbooks_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/converge-cm/converge/cmd/converge/cli"
	"github.com/converge-cm/converge/engine/lab"
	"github.com/converge-cm/converge/engine/lab/labtest"
	"github.com/converge-cm/converge/engine/secrets"
	"github.com/converge-cm/converge/engine/secrets/agetest"
)

// These tests build the seeds' clusters on converge lab nodes: they need
// root and systemd-nspawn, skip without them, and fail instead of skipping
// when CONVERGE_E2E=1 (CI). Each test has its own lab (state directory,
// bridge, subnet) and node names no other lab uses (a node's network
// namespace is named after it), so a lab someone runs on the machine is
// left alone.

type cluster struct {
	t    *testing.T
	lab  *lab.Lab
	repo string
	vip  string
	net  string
}

// newCluster starts nodes on a lab of their own, subnet 10.213.<octet>.0/24.
func newCluster(t *testing.T, octet int, image string, names ...string) *cluster {
	t.Helper()
	wd, _ := os.Getwd()
	l, repo, _ := labtest.Start(t, labtest.Options{What: "pm_corosync e2e", Cookbooks: wd, Prefix: "pmtest",
		Bridge: fmt.Sprintf("cvgpm%d", octet), Subnet: fmt.Sprintf("10.213.%d.0/24", octet), Image: image}, names...)
	return &cluster{t: t, lab: l, repo: repo, vip: fmt.Sprintf("10.213.%d.100", octet), net: fmt.Sprintf("10.213.%d.0", octet)}
}

// secret writes secrets/NAME.age in the cluster's repository, encrypted
// to an age identity of the test's own (CONVERGE_AGE_IDENTITY), as
// `converge secrets edit` would.
func (c *cluster) secret(name, doc string) {
	c.t.Helper()
	idFile := filepath.Join(c.t.TempDir(), "age.txt")
	recipient := agetest.IdentityFile(c.t, idFile)
	c.t.Setenv("CONVERGE_AGE_IDENTITY", idFile)
	st := secrets.NewStore(c.repo)
	if err := os.MkdirAll(st.Dir, 0o755); err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(st.Dir, secrets.RecipientsFile), []byte(recipient+"\n"), 0o644); err != nil {
		c.t.Fatal(err)
	}
	if err := st.Write(name, []byte(doc)); err != nil {
		c.t.Fatal(err)
	}
}

// converge runs the CLI in-process with --format text and returns its
// output; it fails the test on a non-zero exit.
func (c *cluster) converge(runList string, extra ...string) string {
	c.t.Helper()
	var out, errb bytes.Buffer
	args := append([]string{"-r", runList, "-a", "vip_ipaddr=" + c.vip, "-a", "vip_netmask=24", "-a", "network_addr=" + c.net}, extra...)
	code := cli.Main(args, &out, &errb)
	c.t.Logf("converge %s:\n%s%s", strings.Join(args, " "), tail(out.String(), 60), errb.String())
	if code != 0 {
		c.t.Fatalf("converge exit %d: %s", code, errb.String())
	}
	return out.String()
}

// updated returns, per node, the number of resources updated (from the
// "Node N: U/T resources updated in" lines); none at all fails the test.
func updated(t *testing.T, out string) map[string]string {
	t.Helper()
	m := map[string]string{}
	re := regexp.MustCompile(`(?m)^Node (\S+): (\d+)/(\d+) resources [a-z ]+ in `)
	for _, g := range re.FindAllStringSubmatch(out, -1) {
		m[g[1]] = g[2]
	}
	if len(m) == 0 {
		t.Fatalf("no node's count of updated resources in the output:\n%s", tail(out, 30))
	}
	return m
}

// changedResources lists the resources a text run updated.
func changedResources(out string) []string {
	var r []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "  * ") && !strings.Contains(l, "(up to date)") && !strings.Contains(l, "(skipped due to") {
			r = append(r, strings.TrimPrefix(l, "  * "))
		}
	}
	return r
}

func (c *cluster) ssh(name, cmd string) string {
	c.t.Helper()
	out, err := c.sshErr(name, cmd)
	if err != nil {
		c.t.Fatalf("%s: %s: %v\n%s", name, cmd, err, out)
	}
	return out
}

func (c *cluster) sshErr(name, cmd string) (string, error) {
	nodes, err := c.lab.List()
	if err != nil {
		return "", err
	}
	for _, n := range nodes {
		if n.Name == name {
			args := append(lab.SSHArgs(c.repo, n.Address), cmd)
			b, err := exec.Command("ssh", args...).CombinedOutput()
			return string(b), err
		}
	}
	return "", fmt.Errorf("no node %s", name)
}

// httpGet fetches http://VIP/ with a short timeout.
func httpGet(url string) (string, error) {
	cl := http.Client{Timeout: 2 * time.Second}
	resp, err := cl.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func tail(s string, lines int) string {
	l := strings.Split(s, "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}

// waitFor polls fn until it returns true or the timeout passes.
func waitFor(d time.Duration, fn func() bool) bool {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if fn() {
			return true
		}
		time.Sleep(250 * time.Millisecond)
	}
	return false
}

func (c *cluster) assertClusterServes(nodes ...string) string {
	c.t.Helper()
	var mon string
	ok := waitFor(60*time.Second, func() bool {
		mon, _ = c.sshErr(nodes[0], "crm_mon -1")
		return strings.Contains(mon, "Online: [ "+strings.Join(nodes, " ")+" ]") &&
			regexp.MustCompile(`vip\s+\(ocf:heartbeat:IPaddr2\):\s+Started`).MatchString(mon)
	})
	if !ok {
		c.t.Fatalf("cluster did not come up with both nodes online and the VIP started:\n%s", mon)
	}
	c.t.Logf("crm_mon -1:\n%s", mon)
	if err := exec.Command("ping", "-c", "1", "-W", "2", c.vip).Run(); err != nil {
		c.t.Errorf("the VIP %s does not answer ping from the host: %v", c.vip, err)
	}
	return mon
}

func (c *cluster) vipHolder() string {
	body, err := httpGet("http://" + c.vip + "/")
	if err != nil {
		return ""
	}
	m := regexp.MustCompile(`served by (\S+) from`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

func TestPmCorosync_CrmPathServesVIPAndApacheSurvivesFailover(t *testing.T) {
	c := newCluster(t, 81, lab.ImageDebian12, "pmc1", "pmc2")
	rl := "pm_corosync,pm_corosync::crm,pm_corosync::web"
	c.converge(rl, "pmc1", "pmc2")
	c.assertClusterServes("pmc1", "pmc2")
	var holder string
	if !waitFor(60*time.Second, func() bool { holder = c.vipHolder(); return holder != "" }) {
		t.Fatalf("Apache does not answer on the VIP %s", c.vip)
	}
	t.Logf("Apache answers on %s from %s", c.vip, holder)

	pids := func(n string) string { return c.ssh(n, "pidof corosync; pidof pacemakerd") }
	mtime := func(n string) string { return c.ssh(n, "stat -c %Y /etc/corosync/corosync.conf") }
	before := map[string][2]string{}
	for _, n := range []string{"pmc1", "pmc2"} {
		before[n] = [2]string{pids(n), mtime(n)}
	}
	out := c.converge(rl, "pmc1", "pmc2")
	for n, u := range updated(t, out) {
		if u != "0" {
			t.Errorf("second run updated %s resources on %s: %v", u, n, changedResources(out))
		}
	}
	for _, n := range []string{"pmc1", "pmc2"} {
		if got := [2]string{pids(n), mtime(n)}; got != before[n] {
			t.Errorf("%s: the second run restarted a daemon or rewrote corosync.conf: pids/mtime %q → %q", n, before[n], got)
		}
	}

	// Converging one node alone must not shrink the cluster to it.
	one := c.converge(rl, "pmc1")
	if !strings.Contains(one, "template[/etc/corosync/corosync.conf] action create (skipped due to not_if)") {
		t.Errorf("a run of one node should leave the two-node corosync.conf alone:\n%s", one)
	}
	if got := [2]string{pids("pmc1"), mtime("pmc1")}; got != before["pmc1"] {
		t.Errorf("pmc1: converging it alone restarted corosync or rewrote corosync.conf: %q → %q", before["pmc1"], got)
	}

	// Failover: power off the VIP holder.
	other := map[string]string{"pmc1": "pmc2", "pmc2": "pmc1"}[holder]
	start := time.Now()
	if err := c.lab.Stop(holder); err != nil {
		t.Fatal(err)
	}
	if !waitFor(30*time.Second, func() bool { return c.vipHolder() == other }) {
		t.Fatalf("the VIP and Apache did not move to %s within 30 s", other)
	}
	took := time.Since(start)
	fmt.Printf("pm_corosync crm failover: VIP and Apache answered from %s %.1f s after %s lost power\n", other, took.Seconds(), holder)
	if took > 15*time.Second {
		t.Errorf("failover took %.1f s, want ≤ 15 s", took.Seconds())
	}

	// Bring it back and converge both: the cluster re-forms and the run
	// changes nothing but waiting for the members.
	if err := c.lab.Start(context.Background(), holder); err != nil {
		t.Fatal(err)
	}
	// As an operator would: converge once the node has finished booting.
	c.ssh(holder, "systemctl is-system-running --wait || true")
	out = c.converge(rl, "pmc1", "pmc2")
	for _, r := range changedResources(out) {
		if !strings.HasPrefix(r, "execute[wait for cluster members]") {
			t.Errorf("after the node came back, the run changed %s", r)
		}
	}
	c.assertClusterServes("pmc1", "pmc2")
}

// secondRunChangesNothing converges again and checks every node updated 0
// resources and kept its corosync and pacemakerd processes.
func (c *cluster) secondRunChangesNothing(rl string, extra []string, nodes ...string) {
	c.t.Helper()
	pids := map[string]string{}
	for _, n := range nodes {
		pids[n] = c.ssh(n, "pidof corosync; pidof pacemakerd")
	}
	out := c.converge(rl, append(extra, nodes...)...)
	got := updated(c.t, out)
	for _, n := range nodes {
		if u := got[n]; u != "0" {
			c.t.Errorf("second run updated %q resources on %s: %v", u, n, changedResources(out))
		}
	}
	for _, n := range nodes {
		if got := c.ssh(n, "pidof corosync; pidof pacemakerd"); got != pids[n] {
			c.t.Errorf("%s: the second run restarted corosync or pacemaker: %q → %q", n, pids[n], got)
		}
	}
}

func TestPmCorosync_PcsPathAuthSetupStartVIP(t *testing.T) {
	c := newCluster(t, 82, lab.ImageDebian12, "pmp1", "pmp2")
	rl := "pm_corosync,pm_corosync::pcs,pm_corosync::web"
	// The hacluster password comes from secrets/pm_corosync.age (issue 16).
	password := "converge-e2e-" + fmt.Sprint(os.Getpid())
	c.secret("pm_corosync", `{"hacluster_password": "`+password+`"}`)
	var pw []string
	out := c.converge(rl, append(pw, "pmp1", "pmp2")...)
	if strings.Contains(out, "converge-e2e-") {
		t.Errorf("the sensitive hacluster password reached the output")
	}
	// pcs authenticated with it: hacluster's password is the secret's.
	if sum := c.ssh("pmp2", "cut -c1-64 /var/lib/pm_corosync/hacluster.sum"); strings.TrimSpace(sum) != sha256hex(password) {
		t.Errorf("hacluster's password on pmp2 is not the secret's (sum %q)", sum)
	}
	mon := c.assertClusterServes("pmp1", "pmp2")
	if !strings.Contains(mon, "web") {
		t.Errorf("the web resource is not in the cluster:\n%s", mon)
	}
	if !waitFor(60*time.Second, func() bool { return c.vipHolder() != "" }) {
		t.Fatalf("Apache does not answer on the VIP %s", c.vip)
	}
	if conf := c.ssh("pmp2", "cat /etc/corosync/corosync.conf"); !strings.Contains(conf, "cluster_name: pm_corosync") {
		t.Errorf("pcs did not write the cluster's corosync.conf on p2:\n%s", conf)
	}
	for _, n := range []string{"pmp1", "pmp2"} {
		if st := c.ssh(n, "systemctl is-enabled corosync pacemaker pcsd"); strings.Count(st, "enabled") != 3 {
			t.Errorf("%s: corosync, pacemaker and pcsd should be enabled at boot:\n%s", n, st)
		}
	}
	c.secondRunChangesNothing(rl, pw, "pmp1", "pmp2")
}

func TestPmCorosync_CrmPathOnSysvinit(t *testing.T) {
	c := newCluster(t, 83, lab.ImageDebian12Sysvinit, "pms1", "pms2")
	if comm := c.ssh("pms1", "cat /proc/1/comm"); strings.TrimSpace(comm) != "init" {
		t.Fatalf("s1 PID 1 is %q, want SysV init", comm)
	}
	rl := "pm_corosync,pm_corosync::crm,pm_corosync::web"
	// Seed 002: a shared authkey encrypts the ring; it comes from
	// secrets/pm_corosync.age (issue 16).
	authkey := strings.Repeat("converge-e2e-authkey-", 8)
	c.secret("pm_corosync", `{"corosync_authkey": "`+authkey+`"}`)
	var key []string
	out := c.converge(rl, append(key, "pms1", "pms2")...)
	if !strings.Contains(out, "file[/etc/default/corosync]") {
		t.Errorf("the SysV path should manage /etc/default/corosync")
	}
	if strings.Contains(out, "converge-e2e-authkey") {
		t.Errorf("the sensitive authkey reached the output")
	}
	for _, n := range []string{"pms1", "pms2"} {
		if st := c.ssh(n, "stat -c '%a %U' /etc/corosync/authkey; grep crypto_cipher /etc/corosync/corosync.conf"); !strings.Contains(st, "400 root") || !strings.Contains(st, "aes256") {
			t.Errorf("%s: authkey and crypto: %s", n, st)
		}
		if got := c.ssh(n, "cat /etc/corosync/authkey"); got != authkey {
			t.Errorf("%s: /etc/corosync/authkey is not the secret's", n)
		}
	}
	for _, n := range []string{"pms1", "pms2"} {
		if links := c.ssh(n, "ls /etc/rc2.d/"); !strings.Contains(links, "corosync") || !strings.Contains(links, "pacemaker") {
			t.Errorf("%s: corosync and pacemaker should be enabled with update-rc.d:\n%s", n, links)
		}
	}
	c.assertClusterServes("pms1", "pms2")
	if !waitFor(60*time.Second, func() bool { return c.vipHolder() != "" }) {
		t.Fatalf("Apache does not answer on the VIP %s", c.vip)
	}
	c.secondRunChangesNothing(rl, key, "pms1", "pms2")
}

func TestPmCorosync_DRBDConfigAcceptedByDrbdadmAndCrmVerify(t *testing.T) {
	c := newCluster(t, 84, lab.ImageDebian12, "pmd1", "pmd2")
	rl := "pm_corosync,pm_corosync::crm,pm_corosync::drbd"
	extra := []string{"-a", "drbd.manage_device=false", "-a", "drbd.cib_shadow=rehearsal", "-a", "drbd.disk=/dev/vdb1"}
	c.converge(rl, append(extra, "pmd1", "pmd2")...)
	for _, n := range []string{"pmd1", "pmd2"} {
		dump := c.ssh(n, "drbdadm dump r0")
		for _, want := range []string{"on pmd1", "on pmd2", "/dev/drbd1", ":7789"} {
			if !strings.Contains(dump, want) {
				t.Errorf("%s: drbdadm dump r0 lacks %q:\n%s", n, want, dump)
			}
		}
		if out, err := c.sshErr(n, "drbdadm -d up r0"); err != nil {
			t.Errorf("%s: drbdadm -d up r0 refused the configuration: %v\n%s", n, err, out)
		}
	}
	show := c.ssh("pmd1", "CIB_shadow=rehearsal crm configure show")
	for _, want := range []string{"ms_drbd", "res_filesystem", "res_httpd", "primitive vip", "group rg_web vip", "colocation c_rg_web", "order o_rg_web"} {
		if !strings.Contains(show, want) {
			t.Errorf("the shadow CIB lacks %q:\n%s", want, show)
		}
	}
	if out, err := c.sshErr("pmd1", "CIB_shadow=rehearsal crm_verify -L -V"); err != nil {
		t.Errorf("crm_verify rejected the DRBD configuration: %v\n%s", err, out)
	}
	c.secondRunChangesNothing(rl, extra, "pmd1", "pmd2")

	// With the device steps on, the missing kernel module is named.
	var out, errb bytes.Buffer
	code := cli.Main([]string{"-r", rl, "-a", "vip_ipaddr=" + c.vip, "-a", "vip_netmask=24", "-a", "network_addr=" + c.net,
		"-a", "drbd.cib_shadow=rehearsal", "-a", "drbd.disk=/dev/vdb1", "pmd1", "pmd2"}, &out, &errb)
	if code != 1 || !strings.Contains(out.String(), "the drbd kernel module is not available") {
		t.Errorf("without the module: want exit 1 naming it, got %d\n%s", code, tail(out.String(), 30))
	}
}

func sha256hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
