package lab

import "testing"

func TestNodeProcs_FindsInitAndItsNamespace(t *testing.T) {
	host := "pid:[1]"
	ns := "pid:[77]"
	root := "/var/lib/converge/lab/n1/root"
	procs := []proc{
		{pid: 1, ppid: 0, pidns: host, args: []string{"/sbin/init"}},
		{pid: 100, ppid: 1, pidns: host, args: []string{"systemd-nspawn", "-D", root, "--boot"}},
		{pid: 101, ppid: 100, pidns: ns, args: []string{"/lib/systemd/systemd"}},
		{pid: 102, ppid: 101, pidns: ns, args: []string{"sshd"}},
		// reparented into the namespace's init but listed under another parent
		{pid: 103, ppid: 5, pidns: ns, args: []string{"orphan"}},
		{pid: 200, ppid: 1, pidns: host, args: []string{"/usr/bin/systemd-nspawn", "--directory=/var/lib/converge/lab/n2/root"}},
		{pid: 300, ppid: 1, pidns: host, args: []string{"bash"}},
	}
	all, inits := nodeProcs(procs, func(p proc) bool { return p.isNspawnFor(root) })
	var pids []int
	for _, p := range all {
		pids = append(pids, p.pid)
	}
	if len(pids) != 4 || pids[0] != 100 || pids[3] != 103 {
		t.Errorf("node processes = %v, want [100 101 102 103]", pids)
	}
	if len(inits) != 1 || inits[0].pid != 101 {
		t.Errorf("inits = %v, want pid 101", inits)
	}
	all, _ = nodeProcs(procs, func(p proc) bool { return p.isNspawnUnder("/var/lib/converge/lab") })
	if len(all) != 5 {
		t.Errorf("nspawns under the state dir found %d processes, want 5", len(all))
	}
}

func TestUnescapeMount(t *testing.T) {
	if got := unescapeMount(`/a\040b/c`); got != "/a b/c" {
		t.Errorf("got %q", got)
	}
}
