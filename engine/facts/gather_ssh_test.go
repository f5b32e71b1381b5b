package facts

import (
	"context"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/converge-cm/converge/engine/transport"
	"github.com/converge-cm/converge/engine/transport/ssh"
	"github.com/converge-cm/converge/engine/transport/ssh/sshtest"
)

// countingRunner counts the commands run through it: one per round trip.
type countingRunner struct {
	r     transport.Runner
	calls int
}

func (c *countingRunner) Run(ctx context.Context, cmd string, stdin io.Reader) (transport.Result, error) {
	c.calls++
	return c.r.Run(ctx, cmd, stdin)
}

// TestGather_OverSSHMatchesThisMachine gathers the facts of this machine
// through a real sshd in one round trip and checks Ohai's facts against
// what the machine's own tools say: uname, id, nproc, /proc/meminfo, ip,
// /sys/class/net, and lsb_release and systemd-detect-virt where they are
// installed.
func TestGather_OverSSHMatchesThisMachine(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("SSH_AUTH_SOCK", "")
	srv := sshtest.Start(t, sshtest.Options{})
	kh := filepath.Join(t.TempDir(), "known_hosts")
	srv.WriteKnownHosts(kh)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tr, err := ssh.Dial(ctx, ssh.Config{Host: srv.Addrs[0], Port: srv.Port, User: srv.User, IdentityFiles: []string{srv.ClientKeyPath},
		KnownHostsFiles: []string{kh}, DisableAgent: true, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer tr.Close()
	r := &countingRunner{r: tr}
	f, err := Gather(ctx, r)
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	if r.calls != 1 {
		t.Errorf("Gather took %d round trips, want 1", r.calls)
	}

	sh := func(cmd string) string {
		t.Helper()
		out, err := exec.Command("sh", "-c", cmd).Output()
		if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		return strings.TrimSpace(string(out))
	}
	meminfo, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		t.Fatal(err)
	}
	var memTotal string
	for l := range strings.Lines(string(meminfo)) {
		if v, ok := strings.CutPrefix(l, "MemTotal:"); ok {
			memTotal = strings.ReplaceAll(strings.TrimSpace(v), " ", "")
		}
	}
	pid1 := "init"
	if b, err := os.ReadFile("/proc/1/comm"); err == nil {
		pid1 = strings.TrimSpace(string(b))
	}
	m := f.Map()
	for _, tc := range []struct {
		path string
		got  any
		want any
	}{
		{"kernel.name", dig(t, m, "kernel", "name"), sh("uname -s")},
		{"kernel.release", dig(t, m, "kernel", "release"), sh("uname -r")},
		{"kernel.version", dig(t, m, "kernel", "version"), sh("uname -v")},
		{"kernel.machine", dig(t, m, "kernel", "machine"), sh("uname -m")},
		{"kernel.os", dig(t, m, "kernel", "os"), sh("uname -o")},
		{"os", m["os"], strings.ToLower(sh("uname -s"))},
		{"os_version", m["os_version"], sh("uname -r")},
		{"root_group", m["root_group"], sh("id -gn root")},
		{"init_package", m["init_package"], pid1},
		{"cpu.total", dig(t, m, "cpu", "total"), atoi(t, sh("nproc"))},
		{"memory.total", dig(t, m, "memory", "total"), memTotal},
		{"hostname", m["hostname"], strings.SplitN(sh("uname -n"), ".", 2)[0]},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %#v, this machine says %#v", tc.path, tc.got, tc.want)
		}
	}
	if _, d, _ := strings.Cut(f.FQDN, "."); m["domain"] != d {
		t.Errorf("domain = %q, want the fqdn %q after its first label", m["domain"], f.FQDN)
	}

	// every address ip lists is under its interface, with its prefix length
	ifaces := dig(t, m, "network", "interfaces").(map[string]any)
	for l := range strings.Lines(sh("ip -o addr show")) {
		fields := strings.Fields(l)
		if len(fields) < 4 {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimSuffix(fields[1], ":"), "@")
		p, err := netip.ParsePrefix(fields[3])
		if err != nil {
			continue // a peer address; the parser has its own test
		}
		got, ok := dig(t, ifaces, name, "addresses").(map[string]any)[p.Addr().String()].(map[string]any)
		if !ok {
			t.Errorf("network.interfaces.%s.addresses has no %s", name, p.Addr())
			continue
		}
		if got["family"] != fields[2] || got["prefixlen"] != strconv.Itoa(p.Bits()) {
			t.Errorf("network.interfaces.%s.addresses[%s] = %v, ip says %s %s", name, p.Addr(), got, fields[2], fields[3])
		}
	}
	// every interface of /sys is there, with its hardware address
	links, _ := filepath.Glob("/sys/class/net/*")
	for _, link := range links {
		name := filepath.Base(link)
		if st, err := os.Stat(link); err != nil || !st.IsDir() {
			continue
		}
		iface, ok := ifaces[name].(map[string]any)
		if !ok {
			t.Errorf("network.interfaces has no %s", name)
			continue
		}
		if mac := strings.ToUpper(sh("cat " + link + "/address")); mac != "" && mac != "00:00:00:00:00:00" {
			if a, ok := iface["addresses"].(map[string]any)[mac].(map[string]any); !ok || a["family"] != "lladdr" {
				t.Errorf("network.interfaces.%s.addresses has no lladdr %s", name, mac)
			}
		}
	}
	// the default routes as ip route says
	for _, fam := range []struct{ flag, iface, gw string }{{"-4", "default_interface", "default_gateway"}, {"-6", "default_inet6_interface", "default_inet6_gateway"}} {
		route := strings.Fields(firstLine(sh("ip " + fam.flag + " route show default")))
		wantDev, wantVia := "", ""
		for i := 0; i+1 < len(route); i++ {
			switch route[i] {
			case "dev":
				wantDev = route[i+1]
			case "via":
				wantVia = route[i+1]
			}
		}
		if wantDev != "" && wantVia == "" {
			wantVia = map[string]string{"-4": "0.0.0.0", "-6": "::"}[fam.flag]
		}
		if got := dig(t, m, "network", fam.iface); got != wantDev {
			t.Errorf("network.%s = %q, ip %s route says %q", fam.iface, got, fam.flag, wantDev)
		}
		if got := dig(t, m, "network", fam.gw); got != wantVia {
			t.Errorf("network.%s = %q, ip %s route says %q", fam.gw, got, fam.flag, wantVia)
		}
	}

	if _, err := exec.LookPath("lsb_release"); err == nil {
		for _, tc := range []struct{ key, flag string }{{"id", "-si"}, {"release", "-sr"}, {"codename", "-sc"}, {"description", "-sd"}} {
			if got, want := dig(t, m, "lsb", tc.key), sh("lsb_release "+tc.flag+" 2>/dev/null"); got != want {
				t.Errorf("lsb.%s = %q, lsb_release %s says %q", tc.key, got, tc.flag, want)
			}
		}
	}
	if _, err := exec.LookPath("systemd-detect-virt"); err == nil {
		out, _ := exec.Command("systemd-detect-virt", "--container").Output()
		c := strings.TrimSpace(string(out))
		if s, ok := containerSystems[c]; ok {
			c = s
		}
		if c != "none" && c != "" {
			if dig(t, m, "virtualization", "system") != c || dig(t, m, "virtualization", "role") != "guest" {
				t.Errorf("virtualization = %v, systemd-detect-virt --container says %s", m["virtualization"], c)
			}
		}
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
