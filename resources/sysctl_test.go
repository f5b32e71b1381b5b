package resources_test

import (
	"testing"

	"github.com/converge-cm/converge/engine"
)

func TestSysctl_Table(t *testing.T) {
	const path = "/etc/sysctl.d/99-converge-net.ipv4.ip_forward.conf"
	file := "net.ipv4.ip_forward = 1\n"
	ok := engine.FileState{Exists: true, Type: "file", Mode: "0644", Owner: "root", Group: "root", SHA256: sha256hex(file)}
	one, zero := engine.ShellResult{Stdout: "1"}, engine.ShellResult{Stdout: "0"}
	runKindCases(t, []kindCase{
		{name: "fresh: file and live value", src: `sysctl("net.ipv4.ip_forward", value=1)`,
			shell: []engine.ShellResult{zero}, stat: []engine.FileState{{}},
			changes:  []string{"create new file " + path, `set net.ipv4.ip_forward from "0" to "1"`},
			commands: []string{"sysctl -w 'net.ipv4.ip_forward=1'"}, content: file},
		{name: "up to date", src: `sysctl("net.ipv4.ip_forward", value="1")`, shell: []engine.ShellResult{one}, stat: []engine.FileState{ok}},
		{name: "only the live value drifted", src: `sysctl("net.ipv4.ip_forward", value=1)`, shell: []engine.ShellResult{zero}, stat: []engine.FileState{ok},
			changes: []string{`set net.ipv4.ip_forward from "0" to "1"`}, commands: []string{"sysctl -w 'net.ipv4.ip_forward=1'"}},
		{name: "multi-field value, slashes and a comment", src: `sysctl("net/ipv4/tcp_rmem", value=[4096, 87380, "6291456"], comment="bigger buffers")`,
			shell: []engine.ShellResult{{Stdout: "4096\t87380\t6291456"}}, stat: []engine.FileState{{}},
			changes: []string{"create new file /etc/sysctl.d/99-converge-net.ipv4.tcp_rmem.conf"},
			content: "# bigger buffers\nnet.ipv4.tcp_rmem = 4096 87380 6291456\n"},
		{name: "value with spaces is quoted", src: `sysctl("kernel.core_pattern", value="/tmp/core %e $(x)")`,
			shell: []engine.ShellResult{{Stdout: "core"}}, stat: []engine.FileState{{}},
			changes:  []string{"create new file /etc/sysctl.d/99-converge-kernel.core_pattern.conf", `set kernel.core_pattern from "core" to "/tmp/core %e $(x)"`},
			commands: []string{"sysctl -w 'kernel.core_pattern=/tmp/core %e $(x)'"}},
		{name: "remove", src: `sysctl("net.ipv4.ip_forward", action="remove")`, shell: []engine.ShellResult{one}, stat: []engine.FileState{ok},
			changes: []string{"delete file " + path}, commands: []string{"rm -f -- " + path}},
		{name: "remove when gone", src: `sysctl("net.ipv4.ip_forward", action="remove")`, shell: []engine.ShellResult{one}, stat: []engine.FileState{{}}},
	})
}

func TestSysctl_UnknownKeyOnTheNode(t *testing.T) {
	r := compileOne(t, `sysctl("net.nope", value=1)`, debian12())
	p := engine.NewProbed()
	p.SetShell(r.Probes()[0].Arg, engine.ShellResult{ExitCode: 1})
	p.SetStat(r.Probes()[1].Arg, engine.FileState{})
	if _, err := r.Check("apply", p); err == nil {
		t.Fatal("Check accepted a parameter the kernel lacks")
	}
	if got := r.Probes()[0].Arg; got != "cat -- /proc/sys/net/nope" {
		t.Errorf("probe = %q", got)
	}
}

func TestSysctl_BadInput(t *testing.T) {
	runBadInputs(t, []badInput{
		{"hostile key", "\nsysctl(\"$(touch /tmp/x)\", value=1)\n", 2, `sysctl key "\$\(touch /tmp/x\)" is not a parameter name`},
		{"dot-dot key", "sysctl(\"net..x\", value=1)\n", 1, `is not a parameter name`},
		{"traversal", "sysctl(\"../../etc/x\", value=1)\n", 1, `is not a parameter name`},
		{"no value", "sysctl(\"net.ipv4.ip_forward\")\n", 1, `has no value`},
		{"newline in value", "sysctl(\"kernel.x\", value=\"1\\nkernel.y = 2\")\n", 1, `contains a newline`},
		{"dict value", "sysctl(\"kernel.x\", value={})\n", 1, `is not a string, a number or a list`},
	})
}
