package facts

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const fixtures = "../../testdata/facts"

// TestParse_Fixtures parses each captured Script output in testdata/facts
// (NAME.txt) and compares the result with NAME.json. debian-12.txt was
// captured on a Debian 12 machine; the others are written from those
// systems' files and command output. testdata/facts/README.md says where
// each section came from.
func TestParse_Fixtures(t *testing.T) {
	txts, err := filepath.Glob(filepath.Join(fixtures, "*.txt"))
	if err != nil || len(txts) == 0 {
		t.Fatalf("no fixtures in %s: %v", fixtures, err)
	}
	for _, txt := range txts {
		name := strings.TrimSuffix(filepath.Base(txt), ".txt")
		t.Run(name, func(t *testing.T) {
			out, err := os.ReadFile(txt)
			if err != nil {
				t.Fatal(err)
			}
			want := readExpected(t, strings.TrimSuffix(txt, ".txt")+".json")
			got, err := Parse(string(out))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				g, _ := json.MarshalIndent(got, "", "  ")
				w, _ := json.MarshalIndent(want, "", "  ")
				t.Errorf("Parse(%s.txt) =\n%s\nwant (%s.json)\n%s", name, g, name, w)
			}
		})
	}
}

func readExpected(t *testing.T, path string) Facts {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("every fixture needs its expected facts: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f Facts
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return f
}

// A fixture's .json without its .txt would never be checked.
func TestParse_EveryExpectationHasItsCapture(t *testing.T) {
	jsons, _ := filepath.Glob(filepath.Join(fixtures, "*.json"))
	for _, j := range jsons {
		if _, err := os.Stat(strings.TrimSuffix(j, ".json") + ".txt"); err != nil {
			t.Errorf("%s has no .txt capture: %v", j, err)
		}
	}
}

func TestParse_OutputNotFromScriptIsAnError(t *testing.T) {
	whole, err := os.ReadFile(filepath.Join(fixtures, "ubuntu-22.04.txt"))
	if err != nil {
		t.Fatal(err)
	}
	cut, _, _ := strings.Cut(string(whole), "==converge:meminfo==")
	for name, tc := range map[string]struct{ out, wantErr string }{
		"empty":             {"", "missing section facts, uname, uname-so, kernel-version, fqdn, root-group"},
		"banner only":       {"Welcome to Ubuntu 22.04.4 LTS\n", "missing section facts"},
		"cut short":         {cut, "missing section meminfo, route, route6, sysnet, ip or ifconfig or hostname-i, virt, end"},
		"other version":     {strings.Replace(string(whole), "==converge:facts==\n1\n", "==converge:facts==\n2\n", 1), `script version "2"`},
		"no network at all": {strings.Replace(string(whole), "==converge:ip==", "==converge:other==", 1), "missing section ip or ifconfig or hostname-i"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(tc.out)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Parse error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
	// a cut-short output still yields what it holds
	f, _ := Parse(cut)
	if f.Platform != "ubuntu" || f.CPUCount != 2 {
		t.Errorf("Parse(cut short) = %+v, want the facts before the cut", f)
	}
}

func TestParse_GarbledValuesAreBestEffort(t *testing.T) {
	out := strings.Join([]string{
		"motd line before the first section is ignored",
		"==converge:facts==", "1",
		"==converge:uname==", "weird",
		"==converge:uname-so==", "==converge:kernel-version==",
		"==converge:fqdn==", "hostname: Name or service not known",
		"==converge:root-group==",
		"==converge:os-release==", "this is not an assignment", "ID=gentoo", `VERSION_ID="2.14"`,
		"==converge:redhat-release==", "==converge:debian_version==", "==converge:lsb-release==", "DISTRIB_ID",
		"==converge:init==", "==converge:pid1==",
		"==converge:cpu-online==", "zero",
		"==converge:meminfo==", "MemTotal: lots kB",
		"==converge:route==", "garbage",
		"==converge:route6==", "eth0 1 2 nothex",
		"==converge:sysnet==", "eth0 only three fields",
		"==converge:ip==", "1: lo inet not-an-ip/8 scope host lo",
		"==converge:virt==", "nonsense",
		"==converge:end==",
	}, "\r\n")
	f, err := Parse(out)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := Facts{Hostname: "weird", FQDN: "weird", Platform: "gentoo", PlatformVersion: "2.14", PlatformFamily: "gentoo", Init: "sysvinit",
		InitPackage: "init", LSB: LSB{Release: "2.14"}, Network: Network{Interfaces: map[string]Interface{}}, Virtualization: Virtualization{Systems: map[string]string{}}}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("Parse = %+v\nwant    %+v", f, want)
	}
}

func TestParse_Platform(t *testing.T) {
	for _, tc := range []struct {
		name, osRelease, redhatRelease, debianVersion string
		platform, version, family                     string
	}{
		{"rhel 6 has only redhat-release", "", "Red Hat Enterprise Linux Server release 6.5 (Santiago)", "", "redhat", "6.5", "rhel"},
		{"scientific 6", "", "Scientific Linux release 6.10 (Carbon)", "", "scientific", "6.10", "rhel"},
		{"rhel 8 id is renamed", "ID=\"rhel\"\nVERSION_ID=\"8.9\"", "Red Hat Enterprise Linux release 8.9 (Ootpa)", "", "redhat", "8.9", "rhel"},
		{"centos 8 point release", "ID=\"centos\"\nVERSION_ID=\"8\"", "CentOS Linux release 8.5.2111", "", "centos", "8.5.2111", "rhel"},
		{"centos stream", "ID=\"centos\"\nVERSION_ID=\"9\"", "CentOS Stream release 9", "", "centos", "9", "rhel"},
		{"almalinux", "ID=\"almalinux\"\nVERSION_ID=\"9.3\"", "AlmaLinux release 9.3 (Shamrock Pampas Cat)", "", "almalinux", "9.3", "rhel"},
		{"oracle keeps its own version", "ID=\"ol\"\nVERSION_ID=\"8.9\"", "Red Hat Enterprise Linux release 8.9 (Ootpa)", "", "oracle", "8.9", "rhel"},
		{"redhat-release of another major is ignored", "ID=\"ol\"\nVERSION_ID=\"9.3\"", "Red Hat Enterprise Linux release 8.9 (Ootpa)", "", "oracle", "9.3", "rhel"},
		{"amazon linux 2", "ID=\"amzn\"\nVERSION_ID=\"2\"", "", "", "amazon", "2", "rhel"},
		{"fedora", "ID=fedora\nVERSION_ID=39", "Fedora release 39 (Thirty Nine)", "", "fedora", "39", "fedora"},
		{"debian testing has no numeric version", "ID=debian\nVERSION_CODENAME=trixie", "", "trixie/sid", "debian", "", "debian"},
		{"debian 8", "ID=debian\nVERSION_ID=\"8\"", "", "8.11", "debian", "8.11", "debian"},
		{"debian 6 has no os-release", "", "", "6.0.10", "debian", "6.0.10", "debian"},
		{"ubuntu ignores debian_version", "ID=ubuntu\nVERSION_ID=\"24.04\"", "", "trixie/sid", "ubuntu", "24.04", "debian"},
		{"unknown id falls back on ID_LIKE", "ID=pop\nID_LIKE=\"ubuntu debian\"\nVERSION_ID=\"22.04\"", "", "bookworm/sid", "pop", "22.04", "debian"},
		{"sles", "ID=\"sles\"\nVERSION_ID=\"15.5\"", "", "", "suse", "15.5", "suse"},
		{"single quotes and escapes", "ID='ubuntu'\nVERSION_ID=\"22\\.04\"", "", "", "ubuntu", "22.04", "debian"},
		{"nothing known", "", "", "", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := sections{
				"os-release":     lines(tc.osRelease),
				"redhat-release": lines(tc.redhatRelease),
				"debian_version": lines(tc.debianVersion),
			}
			var f Facts
			parsePlatform(out, &f)
			if f.Platform != tc.platform || f.PlatformVersion != tc.version || f.PlatformFamily != tc.family {
				t.Errorf("got %q %q %q, want %q %q %q", f.Platform, f.PlatformVersion, f.PlatformFamily, tc.platform, tc.version, tc.family)
			}
		})
	}
}

func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func TestParse_Init(t *testing.T) {
	upstart := "initctl (upstart 1.12.1)\nCopyright (C) 2006-2014 Canonical Ltd."
	for _, tc := range []struct {
		name, init, family, want string
	}{
		{"systemd", "systemd", "debian", "systemd"},
		{"ubuntu 14.04 upstart", upstart, "debian", "upstart"},
		{"centos 6 boots upstart but runs sysv scripts", "initctl (upstart 0.6.5)", "rhel", "sysvinit"},
		{"container without an init", "", "debian", "sysvinit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := Facts{PlatformFamily: tc.family}
			parseInit(sections{"init": lines(tc.init), "pid1": {"init"}}, &f)
			if f.Init != tc.want || f.InitProcess != "init" {
				t.Errorf("Init = %q (pid 1 %q), want %q", f.Init, f.InitProcess, tc.want)
			}
		})
	}
}

func TestParse_CPUCount(t *testing.T) {
	for _, tc := range []struct {
		out  sections
		want int
	}{
		{sections{"cpu-online": {"0"}}, 1},
		{sections{"cpu-online": {"0-3,6,8-9"}}, 7},
		{sections{"cpu-online": {"3-1"}}, 0},
		{sections{"cpuinfo": {"12"}}, 12},
		{sections{"cpuinfo": {"0", "4"}}, 4}, // grep -c found nothing, nproc said 4
	} {
		var f Facts
		parseCPU(tc.out, &f)
		if f.CPUCount != tc.want {
			t.Errorf("parseCPU(%v) = %d, want %d", tc.out, f.CPUCount, tc.want)
		}
	}
}

func TestParse_Network(t *testing.T) {
	oldIfconfig := `eth0      Link encap:Ethernet  HWaddr 08:00:27:4D:8B:1E  
          inet addr:10.0.2.15  Bcast:10.0.2.255  Mask:255.255.255.0
          inet6 addr: fe80::a00:27ff:fe4d:8b1e/64 Scope:Link
          UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1

eth0:1    Link encap:Ethernet  HWaddr 08:00:27:4D:8B:1E  
          inet addr:10.0.3.15  Bcast:10.0.3.255  Mask:255.255.255.0

lo        Link encap:Local Loopback  
          inet addr:127.0.0.1  Mask:255.0.0.0
`
	newIfconfig := `docker0: flags=4099<UP,BROADCAST,MULTICAST>  mtu 1500
        inet 172.17.0.1  netmask 255.255.0.0  broadcast 172.17.255.255
        ether 02:42:5e:0b:1c:2d  txqueuelen 0  (Ethernet)

eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500
        inet 10.0.2.15  netmask 255.255.255.0  broadcast 10.0.2.255
        inet6 fe80::a00:27ff:fe4d:8b1e  prefixlen 64  scopeid 0x20<link>

lo: flags=73<UP,LOOPBACK,RUNNING>  mtu 65536
        inet 127.0.0.1  netmask 255.0.0.0
`
	for _, tc := range []struct {
		name   string
		out    sections
		ip     string
		ifaces map[string][]string
	}{
		{
			"old net-tools ifconfig (centos 6)",
			sections{"route": {"eth0 0003 0 00000000"}, "ifconfig": lines(oldIfconfig)},
			"10.0.2.15",
			map[string][]string{"eth0": {"10.0.2.15/24"}, "eth0:1": {"10.0.3.15/24"}, "lo": {"127.0.0.1/8"}},
		},
		{
			"new net-tools ifconfig prefers the default route",
			sections{"route": {"eth0 0003 0 00000000"}, "ifconfig": lines(newIfconfig)},
			"10.0.2.15",
			map[string][]string{"docker0": {"172.17.0.1/16"}, "eth0": {"10.0.2.15/24"}, "lo": {"127.0.0.1/8"}},
		},
		{
			"a default route that is down does not count",
			sections{"route": {"eth0 0002 0 00000000"}, "ifconfig": lines(newIfconfig)},
			"172.17.0.1",
			map[string][]string{"docker0": {"172.17.0.1/16"}, "eth0": {"10.0.2.15/24"}, "lo": {"127.0.0.1/8"}},
		},
		{
			"hostname -I skips ipv6 and names no interface",
			sections{"route": nil, "hostname-i": {"fd00::5 169.254.0.9 172.17.0.2 "}},
			"172.17.0.2",
			nil,
		},
		{
			"point-to-point address takes the peer's prefix length",
			sections{"route": {"tun0 0003 0 00000000"}, "ip": {`5: tun0    inet 10.8.0.1 peer 10.8.0.2/32 scope global tun0\       valid_lft forever preferred_lft forever`}},
			"10.8.0.1",
			map[string][]string{"tun0": {"10.8.0.1/32"}},
		},
		{
			"only loopback",
			sections{"route": nil, "ip": {`1: lo    inet 127.0.0.1/8 scope host lo`}},
			"",
			map[string][]string{"lo": {"127.0.0.1/8"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f Facts
			parseNetwork(tc.out, &f)
			if f.IPAddress != tc.ip || !reflect.DeepEqual(f.Interfaces, tc.ifaces) {
				t.Errorf("got %q %v, want %q %v", f.IPAddress, f.Interfaces, tc.ip, tc.ifaces)
			}
		})
	}
}

func TestParse_Memory(t *testing.T) {
	for _, tc := range []struct {
		line string
		want int
	}{
		{"MemTotal: 2047 kB", 1},
		{"MemTotal: 16318480 kB", 15936},
		{"MemTotal: 16318480 MB", 0},
		{"MemFree: 1024 kB", 0},
	} {
		var f Facts
		parseMemory(sections{"meminfo": {tc.line}}, &f)
		if f.MemoryMB != tc.want {
			t.Errorf("parseMemory(%q) = %d, want %d", tc.line, f.MemoryMB, tc.want)
		}
	}
}

func readFixture(name string) (string, error) {
	b, err := os.ReadFile(filepath.Join(fixtures, name+".txt"))
	return string(b), err
}
