package lab

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// proc is one process of the machine, as /proc shows it.
type proc struct {
	pid, ppid int
	pidns     string // "pid:[4026531836]"
	args      []string
}

// listProcs reads the process table. Processes that exit while it reads are
// skipped.
func listProcs() []proc {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []proc
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		p, ok := readProc(pid)
		if ok {
			out = append(out, p)
		}
	}
	return out
}

func readProc(pid int) (proc, bool) {
	dir := "/proc/" + strconv.Itoa(pid)
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return proc{}, false
	}
	// pid (comm) state ppid ...; comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return proc{}, false
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 2 {
		return proc{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	ns, _ := os.Readlink(dir + "/ns/pid")
	cmd, _ := os.ReadFile(dir + "/cmdline")
	var args []string
	if len(cmd) > 0 {
		args = strings.Split(strings.TrimRight(string(cmd), "\x00"), "\x00")
	}
	return proc{pid: pid, ppid: ppid, pidns: ns, args: args}, true
}

// isNspawnFor says whether p is a systemd-nspawn serving the tree root.
func (p proc) isNspawnFor(root string) bool {
	if len(p.args) == 0 || filepath.Base(p.args[0]) != "systemd-nspawn" {
		return false
	}
	for i, a := range p.args {
		if a == "--directory="+root || (a == "-D" || a == "--directory") && i+1 < len(p.args) && p.args[i+1] == root {
			return true
		}
	}
	return false
}

// isNspawnUnder says whether p is a systemd-nspawn serving a tree below dir.
func (p proc) isNspawnUnder(dir string) bool {
	if len(p.args) == 0 || filepath.Base(p.args[0]) != "systemd-nspawn" {
		return false
	}
	for i, a := range p.args {
		r := ""
		if strings.HasPrefix(a, "--directory=") {
			r = strings.TrimPrefix(a, "--directory=")
		} else if (a == "-D" || a == "--directory") && i+1 < len(p.args) {
			r = p.args[i+1]
		}
		if r != "" && (r == dir || strings.HasPrefix(r, dir+"/")) {
			return true
		}
	}
	return false
}

// nodeProcs is every process of the machines served by the nspawn processes
// that match: those processes, their descendants and everything in the PID
// namespaces of their children. It also returns the container inits (the
// children of an nspawn in another PID namespace).
func nodeProcs(procs []proc, match func(proc) bool) (all []proc, inits []proc) {
	byParent := map[int][]proc{}
	for _, p := range procs {
		byParent[p.ppid] = append(byParent[p.ppid], p)
	}
	seen := map[int]bool{}
	namespaces := map[string]bool{}
	var walk func(p proc, hostns string)
	walk = func(p proc, hostns string) {
		if seen[p.pid] {
			return
		}
		seen[p.pid] = true
		all = append(all, p)
		if p.pidns != "" && p.pidns != hostns && !namespaces[p.pidns] {
			// The first process in a new PID namespace: the machine's PID 1.
			inits = append(inits, p)
			namespaces[p.pidns] = true
		}
		for _, c := range byParent[p.pid] {
			walk(c, hostns)
		}
	}
	for _, p := range procs {
		if match(p) {
			walk(p, p.pidns)
		}
	}
	for _, p := range procs {
		if namespaces[p.pidns] && !seen[p.pid] {
			seen[p.pid] = true
			all = append(all, p)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].pid < all[j].pid })
	return all, inits
}

// killMachines powers off every machine whose nspawn matches: SIGKILL of
// each container's PID 1 (which takes its PID namespace down at once),
// then of whatever is left, also in the cgroup trees below cgroups, and
// waits until no process of them remains.
func killMachines(match func(proc) bool, cgroups []string, timeout time.Duration) error {
	all, inits := nodeProcs(listProcs(), match)
	if len(all) == 0 && len(cgroupPIDs(cgroups)) == 0 {
		return nil
	}
	namespaces := map[string]bool{}
	for _, p := range inits {
		namespaces[p.pidns] = true
		_ = syscall.Kill(p.pid, syscall.SIGKILL)
	}
	deadline := time.Now().Add(timeout)
	grace := time.Now().Add(3 * time.Second)
	for {
		procs := listProcs()
		left, _ := nodeProcs(procs, match)
		inCgroup := map[int]bool{}
		for _, pid := range cgroupPIDs(cgroups) {
			inCgroup[pid] = true
		}
		for _, p := range procs {
			if namespaces[p.pidns] || inCgroup[p.pid] {
				left = append(left, p)
			}
		}
		left = alive(left)
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(grace) {
			// nspawn should exit by itself once its machine is gone; make
			// sure of it.
			for _, p := range left {
				_ = syscall.Kill(p.pid, syscall.SIGKILL)
			}
		}
		if time.Now().After(deadline) {
			var pids []string
			for _, p := range left {
				pids = append(pids, fmt.Sprintf("%d (%s)", p.pid, strings.Join(p.args, " ")))
			}
			return fmt.Errorf("processes still alive after SIGKILL: %s", strings.Join(pids, ", "))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive drops zombies: they hold no resources and their parent reaps them.
func alive(ps []proc) []proc {
	var out []proc
	for _, p := range ps {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(p.pid) + "/stat")
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(b, ')')
		if i >= 0 && i+2 < len(b) && b[i+2] == 'Z' {
			continue
		}
		out = append(out, p)
	}
	return out
}

// mountsUnder lists mount points at or below dir, deepest first.
func mountsUnder(dir string) []string {
	b, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		mp := unescapeMount(f[1])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// unescapeMount undoes the octal escapes of /proc/mounts (\040 for space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unmountUnder unmounts everything at or below dir.
func unmountUnder(dir string) error {
	for attempt := 0; attempt < 3; attempt++ {
		mps := mountsUnder(dir)
		if len(mps) == 0 {
			return nil
		}
		for _, mp := range mps {
			if err := syscall.Unmount(mp, 0); err != nil {
				_ = syscall.Unmount(mp, syscall.MNT_DETACH)
			}
		}
	}
	if mps := mountsUnder(dir); len(mps) > 0 {
		return fmt.Errorf("still mounted: %s", strings.Join(mps, ", "))
	}
	return nil
}
