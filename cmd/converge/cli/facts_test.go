package cli

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/transport/ssh/sshtest"
)

// TestFacts_SSHShowsOhaiFacts runs `converge facts` against this machine
// through a real sshd: the JSON has converge's facts and Ohai's, with this
// machine's values, and reads back as the facts `plan --facts` takes.
func TestFacts_SSHShowsOhaiFacts(t *testing.T) {
	s := sshtest.Start(t, sshtest.Options{})
	dir := t.TempDir()
	kh := filepath.Join(dir, "known_hosts")
	s.WriteKnownHosts(kh)
	target := fmt.Sprintf("%s@%s:%d", s.User, s.Addrs[0], s.Port)
	res := converge(t, append([]string{"facts", target}, sshArgs(s, kh)...)...)
	if res.code != 0 {
		t.Fatalf("converge facts: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	var raw map[string]map[string]any
	if err := json.Unmarshal([]byte(res.stdout), &raw); err != nil {
		t.Fatalf("%v\n%s", err, res.stdout)
	}
	node, ok := raw[target]
	if !ok {
		t.Fatalf("no node %s in\n%s", target, res.stdout)
	}
	for _, key := range []string{"hostname", "kernel", "machine", "cpu_count", "memory_mb", "interfaces",
		"kernel_info", "os", "os_version", "root_group", "init_package", "domain", "lsb", "cpu", "memory", "network", "macaddress", "virtualization"} {
		if _, ok := node[key]; !ok {
			t.Errorf("converge facts has no %q", key)
		}
	}
	var recorded map[string]facts.Facts
	if err := json.Unmarshal([]byte(res.stdout), &recorded); err != nil {
		t.Fatalf("the output does not read back as facts: %v", err)
	}
	f := recorded[target]
	uname := func(flag string) string {
		out, err := exec.Command("uname", flag).Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}
	for _, tc := range []struct{ name, got, want string }{
		{"kernel_info.machine", f.KernelInfo.Machine, uname("-m")},
		{"kernel_info.release", f.KernelInfo.Release, uname("-r")},
		{"kernel_info.name", f.KernelInfo.Name, uname("-s")},
		{"kernel", f.Kernel, uname("-r")},
		{"os", f.OS, "linux"},
		{"os_version", f.OSVersion, uname("-r")},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %q, uname says %q", tc.name, tc.got, tc.want)
		}
	}
	if f.CPU.Total != f.CPUCount || f.CPU.Total < 1 || !strings.HasSuffix(f.Memory.Total, "kB") || len(f.Network.Interfaces["lo"].Addresses) == 0 {
		t.Errorf("cpu %+v (cpu_count %d), memory %+v, lo %+v", f.CPU, f.CPUCount, f.Memory, f.Network.Interfaces["lo"])
	}
}
