package facts

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine/transport/local"
)

// TestScript_IsValidPOSIXSh checks Script's syntax with every shell here:
// sh (dash on Debian), dash, bash, and bash in POSIX mode.
func TestScript_IsValidPOSIXSh(t *testing.T) {
	path := filepath.Join(t.TempDir(), "facts.sh")
	if err := os.WriteFile(path, []byte(Script()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, sh := range [][]string{{"sh", "-n"}, {"dash", "-n"}, {"bash", "-n"}, {"bash", "--posix", "-n"}} {
		t.Run(strings.Join(sh, " "), func(t *testing.T) {
			if _, err := exec.LookPath(sh[0]); err != nil {
				t.Skipf("%s is not installed", sh[0])
			}
			out, err := exec.Command(sh[0], append(sh[1:], path)...).CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", strings.Join(sh, " "), err, out)
			}
		})
	}
}

// TestScript_SameFactsUnderDashAndBash runs the script for real under both
// shells; their output must not differ.
func TestScript_SameFactsUnderDashAndBash(t *testing.T) {
	var outs []string
	for _, sh := range []string{"dash", "bash"} {
		if _, err := exec.LookPath(sh); err != nil {
			t.Skipf("%s is not installed", sh)
		}
		out, err := exec.Command(sh, "-c", Script()).Output()
		if err != nil {
			t.Fatalf("%s: %v", sh, err)
		}
		if _, err := Parse(string(out)); err != nil {
			t.Fatalf("%s: %v\n%s", sh, err, out)
		}
		outs = append(outs, string(out))
	}
	if outs[0] != outs[1] {
		t.Errorf("dash and bash disagree:\n--- dash\n%s--- bash\n%s", outs[0], outs[1])
	}
}

// TestScript_Fallbacks runs the branches this machine would not take on
// its own, by hiding what the script looks for: ifconfig when there is no
// ip, hostname -I when there is neither, and /proc/cpuinfo when /sys is
// not mounted. Each must give the same answers as the normal run.
func TestScript_Fallbacks(t *testing.T) {
	ctx := context.Background()
	want, err := Gather(ctx, local.New())
	if err != nil {
		t.Fatal(err)
	}
	noIP := hide(t, Script(), "command -v ip ", "command -v converge-no-ip ")
	noIfconfig := hide(t, noIP, "command -v ifconfig ", "command -v converge-no-ifconfig ")
	noSys := hide(t, Script(), "[ -r /sys/devices/system/cpu/online ]", "[ -r /converge-no-sys ]")
	for _, tc := range []struct{ name, script, section, tool string }{
		{"ifconfig", noIP, "ifconfig", "ifconfig"},
		{"hostname -I", noIfconfig, "hostname-i", "hostname"},
		{"cpuinfo", noSys, "cpuinfo", "grep"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := exec.LookPath(tc.tool); err != nil {
				if _, err := os.Stat("/sbin/" + tc.tool); err != nil {
					t.Skipf("%s is not installed", tc.tool)
				}
			}
			res, err := local.New().Run(ctx, tc.script, nil)
			if err != nil {
				t.Fatal(err)
			}
			out := string(res.Stdout)
			if !strings.Contains(out, "==converge:"+tc.section+"==\n") {
				t.Fatalf("no %s section in\n%s", tc.section, out)
			}
			got, err := Parse(out)
			if err != nil {
				t.Fatal(err)
			}
			if got.IPAddress != want.IPAddress || got.CPUCount != want.CPUCount {
				t.Errorf("with %s: ipaddress %q, cpu_count %d; the normal run says %q, %d",
					tc.name, got.IPAddress, got.CPUCount, want.IPAddress, want.CPUCount)
			}
			if tc.name == "ifconfig" {
				w := want
				sameStableInterfaces(t, &got, &w)
				if !reflect.DeepEqual(got.Network, w.Network) {
					t.Errorf("ifconfig network %+v\nip says %+v", got.Network, w.Network)
				}
			}
		})
	}
}

// hide replaces old with new in script, failing the test if the script no
// longer contains old.
func hide(t *testing.T, script, old, new string) string {
	t.Helper()
	if !strings.Contains(script, old) {
		t.Fatalf("the script no longer contains %q; update this test", old)
	}
	return strings.Replace(script, old, new, 1)
}

// sameStableInterfaces keeps, in both runs' facts, only the interfaces
// that other tests on this machine do not add and remove while this one
// runs (lab nodes' bridges and veths come and go): lo and the default
// route's interface. It fails the test if either run lacks one.
func sameStableInterfaces(t *testing.T, got, want *Facts) {
	t.Helper()
	keep := []string{"lo", want.Network.DefaultInterface}
	for _, f := range []*Facts{got, want} {
		ifaces, cidrs := map[string]Interface{}, map[string][]string{}
		for _, name := range keep {
			if name == "" {
				continue
			}
			iface, ok := f.Network.Interfaces[name]
			if !ok {
				t.Errorf("no interface %s in %+v", name, f.Network.Interfaces)
			}
			ifaces[name], cidrs[name] = iface, f.Interfaces[name]
		}
		f.Network.Interfaces, f.Interfaces = ifaces, cidrs
	}
}

// TestScript_UnderBusyBox runs the script as on Alpine: BusyBox's sh with
// only BusyBox's applets in PATH (uname, hostname, timeout, ip, grep,
// nproc, ifconfig). Its facts must be the normal run's.
func TestScript_UnderBusyBox(t *testing.T) {
	bb, err := exec.LookPath("busybox")
	if err != nil {
		if os.Getenv("CONVERGE_E2E") == "1" {
			t.Fatal("busybox not found: apt-get install busybox")
		}
		t.Skip("busybox not found")
	}
	bin := t.TempDir()
	for _, a := range []string{"sh", "uname", "hostname", "timeout", "ip", "grep", "nproc", "ifconfig"} {
		if err := os.Symlink(bb, filepath.Join(bin, a)); err != nil {
			t.Fatal(err)
		}
	}
	want, err := Gather(context.Background(), local.New())
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bb, "sh", "-c", Script())
	cmd.Env = []string{"PATH=" + bin}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("busybox sh: %v", err)
	}
	got, err := Parse(string(out))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// hostname -f may resolve differently; everything else is the same
	got.FQDN, got.Domain = want.FQDN, want.Domain
	sameStableInterfaces(t, &got, &want)
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("under BusyBox:\n%s\nnormal run:\n%s", g, w)
	}
}
