package lab

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// cgroupParent is the cgroup, in each hierarchy systemd uses, below which
// every node gets its own: systemd-nspawn started with --keep-unit makes
// its "payload" and "supervisor" cgroups inside the cgroup it runs in, so
// two nodes started from one cgroup would share them and their systemds
// would manage each other's units.
const cgroupParent = "converge-lab"

const cgroupRoot = "/sys/fs/cgroup"

// cgroupHierarchies are the mounted hierarchies a node's nspawn is placed
// in: the unified one alone on a cgroup2 machine, else name=systemd and
// (hybrid layout) the unified one beside it.
func cgroupHierarchies() []string {
	var fs syscall.Statfs_t
	const cgroup2Magic = 0x63677270
	if err := syscall.Statfs(cgroupRoot, &fs); err == nil && fs.Type == cgroup2Magic {
		return []string{cgroupRoot}
	}
	var out []string
	for _, h := range []string{"systemd", "unified"} {
		p := filepath.Join(cgroupRoot, h)
		if _, err := os.Stat(filepath.Join(p, "cgroup.procs")); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// nodeCgroups are the node's own cgroups, one per hierarchy.
func nodeCgroups(name string) []string {
	var out []string
	for _, h := range cgroupHierarchies() {
		out = append(out, filepath.Join(h, cgroupParent, name))
	}
	return out
}

// makeCgroups creates the node's cgroups.
func makeCgroups(name string) ([]string, error) {
	dirs := nodeCgroups(name)
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	return dirs, nil
}

// cgroupPIDs lists the processes in the cgroup trees below dirs.
func cgroupPIDs(dirs []string) []int {
	seen := map[int]bool{}
	for _, d := range dirs {
		_ = filepath.WalkDir(d, func(p string, e os.DirEntry, err error) error {
			if err != nil || !e.IsDir() {
				return nil
			}
			b, err := os.ReadFile(filepath.Join(p, "cgroup.procs"))
			if err != nil {
				return nil
			}
			for _, f := range strings.Fields(string(b)) {
				if pid, err := strconv.Atoi(f); err == nil && pid > 0 {
					seen[pid] = true
				}
			}
			return nil
		})
	}
	var out []int
	for pid := range seen {
		out = append(out, pid)
	}
	sort.Ints(out)
	return out
}

// removeCgroups removes the cgroup trees below dirs, deepest first. A
// cgroup that still has processes stays.
func removeCgroups(dirs []string) {
	for _, d := range dirs {
		var all []string
		_ = filepath.WalkDir(d, func(p string, e os.DirEntry, err error) error {
			if err == nil && e.IsDir() {
				all = append(all, p)
			}
			return nil
		})
		sort.Slice(all, func(i, j int) bool { return len(all[i]) > len(all[j]) })
		for _, p := range all {
			_ = syscall.Rmdir(p)
		}
	}
}
