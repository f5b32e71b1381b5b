package resources_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/transport"
)

func TestKernelModule_Table(t *testing.T) {
	loaded, absent := engine.ShellResult{}, engine.ShellResult{ExitCode: 1}
	none := engine.FileState{}
	file := func(s string) engine.FileState {
		return engine.FileState{Exists: true, Type: "file", Mode: "0644", SHA256: sha256hex(s)}
	}
	runKindCases(t, []kindCase{
		{name: "install: file and modprobe", src: `kernel_module("drbd")`, shell: []engine.ShellResult{absent}, stat: []engine.FileState{none, none, none},
			changes:  []string{"create new file /etc/modules-load.d/drbd.conf", "load kernel module drbd"},
			commands: []string{"mkdir -p -- /etc/modules-load.d", "modprobe -- drbd"}},
		{name: "install with options", src: `kernel_module("drbd", options=["minor_count=4", "usermode_helper=disabled"])`,
			shell: []engine.ShellResult{loaded}, stat: []engine.FileState{file("drbd\n"), none, none},
			changes: []string{"create new file /etc/modprobe.d/options_drbd.conf"}, commands: []string{"mkdir -p -- /etc/modprobe.d"}},
		{name: "installed and loaded", src: `kernel_module("drbd")`, shell: []engine.ShellResult{loaded}, stat: []engine.FileState{file("drbd\n"), none, none}},
		{name: "options dropped", src: `kernel_module("drbd")`, shell: []engine.ShellResult{loaded}, stat: []engine.FileState{file("drbd\n"), file("options drbd x=1\n"), none},
			changes: []string{"delete file /etc/modprobe.d/options_drbd.conf"}, commands: []string{"rm -f -- /etc/modprobe.d/options_drbd.conf"}},
		{name: "uninstall", src: `kernel_module("drbd", action="uninstall")`, shell: []engine.ShellResult{loaded}, stat: []engine.FileState{file("drbd\n"), none, none},
			changes:  []string{"delete file /etc/modules-load.d/drbd.conf", "unload kernel module drbd"},
			commands: []string{"rm -f -- /etc/modules-load.d/drbd.conf", "modprobe -r -- drbd"}},
		{name: "blacklist", src: `kernel_module("pcspkr", action="blacklist")`, shell: []engine.ShellResult{loaded}, stat: []engine.FileState{none, none, none},
			changes: []string{"create new file /etc/modprobe.d/blacklist_pcspkr.conf"}, commands: []string{"mkdir -p -- /etc/modprobe.d"}},
		{name: "blacklisted", src: `kernel_module("pcspkr", action="blacklist")`, shell: []engine.ShellResult{loaded}, stat: []engine.FileState{none, none, file("blacklist pcspkr\n")}},
		{name: "unblacklist", src: `kernel_module("pcspkr", action="unblacklist")`, shell: []engine.ShellResult{absent}, stat: []engine.FileState{none, none, file("blacklist pcspkr\n")},
			changes: []string{"delete file /etc/modprobe.d/blacklist_pcspkr.conf"}, commands: []string{"rm -f -- /etc/modprobe.d/blacklist_pcspkr.conf"}},
		{name: "load", src: `kernel_module("br-netfilter", action="load")`, shell: []engine.ShellResult{absent}, stat: []engine.FileState{none, none, none},
			changes: []string{"load kernel module br-netfilter"}, commands: []string{"modprobe -- br-netfilter"}},
		{name: "unload when not loaded", src: `kernel_module("drbd", action="unload")`, shell: []engine.ShellResult{absent}, stat: []engine.FileState{none, none, none}},
	})
}

// /proc/modules names modules with underscores.
func TestKernelModule_Probe(t *testing.T) {
	r := compileOne(t, `kernel_module("br-netfilter")`, debian12())
	want := `grep -q "^"br_netfilter" " /proc/modules || test -d /sys/module/br_netfilter`
	if got := r.Probes()[0].Arg; got != want {
		t.Errorf("probe = %q, want %q", got, want)
	}
}

func TestKernelModule_BadInput(t *testing.T) {
	runBadInputs(t, []badInput{
		{"hostile name", "\nkernel_module(\"$(touch /tmp/x)\")\n", 2, `kernel module name "\$\(touch /tmp/x\)" is not valid`},
		{"path as name", "kernel_module(\"../x\")\n", 1, `is not valid`},
		{"option with a quote", "kernel_module(\"drbd\", options=[\"a='b c'\"])\n", 1, `kernel module option "a='b c'" is not valid`},
		{"relative load_dir", "kernel_module(\"drbd\", load_dir=\"etc\")\n", 1, `path "etc" is not absolute`},
		{"unknown action", "kernel_module(\"drbd\", action=\"disable\")\n", 1, `kernel_module has no action "disable"`},
	})
}

// A failed modprobe names the module and says what to do.
func TestKernelModule_NotAvailable(t *testing.T) {
	r := compileOne(t, `kernel_module("drbd", action="load")`, debian12())
	p := engine.NewProbed()
	p.SetShell(r.Probes()[0].Arg, engine.ShellResult{ExitCode: 1})
	for _, pr := range r.Probes()[1:] {
		p.SetStat(pr.Arg, engine.FileState{})
	}
	d, err := r.Check("load", p)
	if err != nil {
		t.Fatal(err)
	}
	err = r.Apply(t.Context(), "load", d, &engine.Host{T: &failing{}})
	if err == nil || !strings.Contains(err.Error(), "the drbd kernel module is not available on this node") || !strings.Contains(err.Error(), "Module drbd not found") {
		t.Fatalf("Apply: %v", err)
	}
}

// failing is a transport whose commands exit 1 as modprobe does for a
// module it cannot find.
type failing struct{ recorder }

func (*failing) Run(context.Context, string, io.Reader) (transport.Result, error) {
	return transport.Result{ExitCode: 1, Stderr: []byte("modprobe: FATAL: Module drbd not found in directory /lib/modules/6.1.0")}, nil
}
