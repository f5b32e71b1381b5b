package facts

import (
	"reflect"
	"testing"
)

// The tables below hold command output as Debian 12, CentOS 7, Ubuntu and
// Alpine (BusyBox) print it; each row is one platform's answer for one of
// Ohai's facts.

func TestParse_KernelOSAndDomain(t *testing.T) {
	for _, tc := range []struct {
		name, uname, so, version, fqdn string
		kernel                         Kernel
		os, domain                     string
	}{
		{"debian 12", "web1 6.1.0-18-amd64 x86_64", "Linux GNU/Linux", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)", "web1.example.com",
			Kernel{"Linux", "6.1.0-18-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)", "x86_64", "GNU/Linux"}, "linux", "example.com"},
		{"centos 7", "c7 3.10.0-229.el7.x86_64 x86_64", "Linux GNU/Linux", "#1 SMP Fri Mar 6 11:36:42 UTC 2015", "c7.dc1.example.com",
			Kernel{"Linux", "3.10.0-229.el7.x86_64", "#1 SMP Fri Mar 6 11:36:42 UTC 2015", "x86_64", "GNU/Linux"}, "linux", "dc1.example.com"},
		{"ubuntu on arm", "pi 5.15.0-1049-raspi aarch64", "Linux GNU/Linux", "#52-Ubuntu SMP PREEMPT Thu Mar 14 08:39:42 UTC 2024", "pi",
			Kernel{"Linux", "5.15.0-1049-raspi", "#52-Ubuntu SMP PREEMPT Thu Mar 14 08:39:42 UTC 2024", "aarch64", "GNU/Linux"}, "linux", ""},
		{"alpine busybox", "alpine1 6.6.14-0-virt x86_64", "Linux Linux", "#1-Alpine SMP PREEMPT_DYNAMIC Fri, 26 Jan 2024 11:08:07 +0000", "alpine1.lab.example",
			Kernel{"Linux", "6.6.14-0-virt", "#1-Alpine SMP PREEMPT_DYNAMIC Fri, 26 Jan 2024 11:08:07 +0000", "x86_64", "Linux"}, "linux", "lab.example"},
		{"busybox without uname -o", "bb 5.10.0 armv7l", "Linux", "", "bb",
			Kernel{Name: "Linux", Release: "5.10.0", Machine: "armv7l"}, "linux", ""},
		{"nothing", "", "", "", "", Kernel{}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f Facts
			parseHost(sections{"uname": lines(tc.uname), "uname-so": lines(tc.so), "kernel-version": lines(tc.version), "fqdn": lines(tc.fqdn)}, &f)
			if f.KernelInfo != tc.kernel || f.OS != tc.os || f.Domain != tc.domain || f.OSVersion != tc.kernel.Release {
				t.Errorf("kernel %+v os %q os_version %q domain %q, want %+v %q %q %q", f.KernelInfo, f.OS, f.OSVersion, f.Domain, tc.kernel, tc.os, tc.kernel.Release, tc.domain)
			}
		})
	}
}

func TestParse_RootGroupAndInitPackage(t *testing.T) {
	for _, tc := range []struct {
		name, rootGroup, pid1, wantGroup, wantInit string
	}{
		{"debian 12 systemd", "root", "systemd", "root", "systemd"},
		{"centos 6 upstart", "root", "init", "root", "init"},
		{"alpine openrc", "root", "init", "root", "init"},
		{"docker container", "root", "bash", "root", "bash"},
		{"root's group unnamed", "0", "", "0", "init"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f Facts
			out := sections{"root-group": lines(tc.rootGroup), "init": nil, "pid1": lines(tc.pid1)}
			rootGroupFact.parse(out, &f)
			parseInit(out, &f)
			if f.RootGroup != tc.wantGroup || f.InitPackage != tc.wantInit {
				t.Errorf("root_group %q init_package %q, want %q %q", f.RootGroup, f.InitPackage, tc.wantGroup, tc.wantInit)
			}
		})
	}
}

func TestParse_LSB(t *testing.T) {
	debian12 := "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian"
	ubuntu2204 := "PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\nUBUNTU_CODENAME=jammy"
	centos7 := "NAME=\"CentOS Linux\"\nVERSION=\"7 (Core)\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"7\"\nPRETTY_NAME=\"CentOS Linux 7 (Core)\""
	alpine := "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME=\"Alpine Linux v3.19\""
	for _, tc := range []struct {
		name, osRelease, redhatRelease, debianVersion, lsbRelease string
		want                                                      LSB
	}{
		{"debian 12 (what lsb_release -a says)", debian12, "", "12.5", "", LSB{"Debian", "Debian GNU/Linux 12 (bookworm)", "12", "bookworm"}},
		{"debian 8 has no VERSION_CODENAME", "NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"8\"\nVERSION=\"8 (jessie)\"\nID=debian", "", "8.11", "", LSB{"Debian", "", "8", "jessie"}},
		{"debian 6 has no os-release", "", "", "6.0.10", "", LSB{ID: "Debian", Release: "6.0.10"}},
		{"ubuntu reads /etc/lsb-release", ubuntu2204, "", "bookworm/sid",
			"DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION=\"Ubuntu 22.04.4 LTS\"", LSB{"Ubuntu", "Ubuntu 22.04.4 LTS", "22.04", "jammy"}},
		{"ubuntu without lsb-release", ubuntu2204, "", "", "", LSB{"Ubuntu", "Ubuntu 22.04.4 LTS", "22.04", "jammy"}},
		{"centos 7", centos7, "CentOS Linux release 7.1.1503 (Core) ", "", "", LSB{"CentOS", "CentOS Linux release 7.1.1503 (Core)", "7.1.1503", "Core"}},
		{"centos 6 with redhat-lsb's lsb-release", "", "CentOS release 6.7 (Final)", "", "LSB_VERSION=base-4.0-amd64:base-4.0-noarch", LSB{"CentOS", "CentOS release 6.7 (Final)", "6.7", "Final"}},
		{"rhel 7", "ID=\"rhel\"\nVERSION_ID=\"7.9\"", "Red Hat Enterprise Linux Server release 7.9 (Maipo)", "", "", LSB{"RedHatEnterpriseServer", "Red Hat Enterprise Linux Server release 7.9 (Maipo)", "7.9", "Maipo"}},
		{"rocky 9", "ID=\"rocky\"\nVERSION_ID=\"9.3\"\nNAME=\"Rocky Linux\"", "Rocky Linux release 9.3 (Blue Onyx)", "", "", LSB{"Rocky", "Rocky Linux release 9.3 (Blue Onyx)", "9.3", "BlueOnyx"}},
		{"alpine", alpine, "", "", "", LSB{"Alpine", "Alpine Linux v3.19", "3.19.1", ""}},
		{"nothing", "", "", "", "", LSB{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f Facts
			parsePlatform(sections{"os-release": lines(tc.osRelease), "redhat-release": lines(tc.redhatRelease),
				"debian_version": lines(tc.debianVersion), "lsb-release": lines(tc.lsbRelease)}, &f)
			if f.LSB != tc.want {
				t.Errorf("lsb = %+v, want %+v", f.LSB, tc.want)
			}
		})
	}
}

func TestParse_CPUTotalIsTheCount(t *testing.T) {
	for _, tc := range []struct {
		name string
		out  sections
		want int
	}{
		{"debian 12, 2 cpus", sections{"cpu-online": {"0-1"}}, 2},
		{"centos 7, 1 cpu", sections{"cpu-online": {"0"}}, 1},
		{"alpine without /sys", sections{"cpuinfo": {"4"}}, 4},
	} {
		var f Facts
		parseCPU(tc.out, &f)
		if f.CPU.Total != tc.want || f.CPUCount != tc.want {
			t.Errorf("%s: cpu.total %d cpu_count %d, want %d", tc.name, f.CPU.Total, f.CPUCount, tc.want)
		}
	}
}

func TestParse_MemoryAsOhaiWritesIt(t *testing.T) {
	for _, tc := range []struct {
		name        string
		meminfo     []string
		total, swap string
		mb          int
	}{
		{"debian 12", []string{"MemTotal: 24576000 kB", "SwapTotal: 0 kB"}, "24576000kB", "0kB", 24000},
		{"centos 7", []string{"MemTotal: 500096 kB", "SwapTotal: 1572860 kB"}, "500096kB", "1572860kB", 488},
		{"recorded before swap was read", []string{"MemTotal: 1016316 kB"}, "1016316kB", "", 992},
		{"garbled", []string{"MemTotal: lots kB"}, "", "", 0},
	} {
		var f Facts
		parseMemory(sections{"meminfo": tc.meminfo}, &f)
		if f.Memory.Total != tc.total || f.Memory.Swap.Total != tc.swap || f.MemoryMB != tc.mb {
			t.Errorf("%s: memory %+v memory_mb %d, want %q %q %d", tc.name, f.Memory, f.MemoryMB, tc.total, tc.swap, tc.mb)
		}
	}
}

func TestParse_OhaiInterfaces(t *testing.T) {
	inet := func(prefixlen, netmask, brd, scope string) Address {
		return Address{Family: "inet", Prefixlen: prefixlen, Netmask: netmask, Broadcast: brd, Scope: scope}
	}
	inet6 := func(prefixlen, scope string) Address {
		return Address{Family: "inet6", Prefixlen: prefixlen, Scope: scope}
	}
	lladdr := Address{Family: "lladdr"}
	lo := func(mtu string) Interface {
		return Interface{Encapsulation: "Loopback", State: "unknown", MTU: mtu, Addresses: map[string]Address{
			"127.0.0.1": inet("8", "255.0.0.0", "", "Node"), "::1": inet6("128", "Node")}}
	}
	for _, tc := range []struct {
		name string
		out  sections
		want map[string]Interface
	}{
		{
			"debian 12: ip and /sys",
			sections{
				"sysnet": {"eth0 1 1400 up 02:fc:00:00:00:01", "lo 772 65536 unknown 00:00:00:00:00:00"},
				"ip": {
					`1: lo    inet 127.0.0.1/8 scope host lo\       valid_lft forever preferred_lft forever`,
					`1: lo    inet6 ::1/128 scope host \       valid_lft forever preferred_lft forever`,
					`4: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\       valid_lft forever preferred_lft forever`,
					`4: eth0    inet6 fd00::2/64 scope global nodad \       valid_lft forever preferred_lft forever`,
					`4: eth0    inet6 fe80::fc:ff:fe00:1/64 scope link \       valid_lft forever preferred_lft forever`,
				},
			},
			map[string]Interface{
				"lo": lo("65536"),
				"eth0": {Type: "eth", Number: "0", Encapsulation: "Ethernet", State: "up", MTU: "1400", Addresses: map[string]Address{
					"02:FC:00:00:00:01": lladdr, "192.0.2.2": inet("24", "255.255.255.0", "192.0.2.255", "Global"),
					"fd00::2": inet6("64", "Global"), "fe80::fc:ff:fe00:1": inet6("64", "Link")}},
			},
		},
		{
			"centos 7: an alias label is an interface of its own, a veth's peer is cut off",
			sections{
				"sysnet": {"eth0 1 1500 up 52:54:00:c9:c7:04", "veth1 1 1500 up 9a:1b:00:00:00:01"},
				"ip": {
					`2: eth0    inet 10.0.2.15/24 brd 10.0.2.255 scope global dynamic eth0\       valid_lft 86182sec preferred_lft 86182sec`,
					`2: eth0    inet 10.0.3.15/24 brd 10.0.3.255 scope global secondary eth0:1\       valid_lft forever preferred_lft forever`,
					`5: veth1@if4    inet 10.1.0.1/30 scope global veth1\       valid_lft forever preferred_lft forever`,
				},
			},
			map[string]Interface{
				"eth0": {Type: "eth", Number: "0", Encapsulation: "Ethernet", State: "up", MTU: "1500", Addresses: map[string]Address{
					"52:54:00:C9:C7:04": lladdr, "10.0.2.15": inet("24", "255.255.255.0", "10.0.2.255", "Global")}},
				"eth0:1": {Type: "eth", Number: "0:1", Addresses: map[string]Address{"10.0.3.15": inet("24", "255.255.255.0", "10.0.3.255", "Global")}},
				"veth1":  {Type: "veth", Number: "1", Encapsulation: "Ethernet", State: "up", MTU: "1500", Addresses: map[string]Address{"9A:1B:00:00:00:01": lladdr, "10.1.0.1": inet("30", "255.255.255.252", "", "Global")}},
			},
		},
		{
			"ubuntu: a point-to-point address has its peer, a tunnel no hardware address",
			sections{
				"sysnet": {"tun0 65534 1500 unknown -"},
				"ip":     {`5: tun0    inet 10.8.0.1 peer 10.8.0.2/32 scope global tun0\       valid_lft forever preferred_lft forever`},
			},
			map[string]Interface{
				"tun0": {Type: "tun", Number: "0", State: "unknown", MTU: "1500", Addresses: map[string]Address{
					"10.8.0.1": {Family: "inet", Prefixlen: "32", Netmask: "255.255.255.255", Peer: "10.8.0.2", Scope: "Global"}}},
			},
		},
		{
			"alpine: BusyBox ifconfig (old net-tools format)",
			sections{
				"sysnet": {"eth0 1 1500 up 52:54:00:ab:cd:ef", "lo 772 65536 unknown 00:00:00:00:00:00"},
				"ifconfig": lines(`eth0      Link encap:Ethernet  HWaddr 52:54:00:AB:CD:EF  
          inet addr:192.168.122.50  Bcast:192.168.122.255  Mask:255.255.255.0
          inet6 addr: fe80::5054:ff:feab:cdef/64 Scope:Link
          UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1

lo        Link encap:Local Loopback  
          inet addr:127.0.0.1  Mask:255.0.0.0
          inet6 addr: ::1/128 Scope:Host
`),
			},
			map[string]Interface{
				"lo": lo("65536"),
				"eth0": {Type: "eth", Number: "0", Encapsulation: "Ethernet", State: "up", MTU: "1500", Addresses: map[string]Address{
					"52:54:00:AB:CD:EF": lladdr, "192.168.122.50": inet("24", "255.255.255.0", "192.168.122.255", "Global"), "fe80::5054:ff:feab:cdef": inet6("64", "Link")}},
			},
		},
		{
			"centos 7 without iproute2: new net-tools ifconfig",
			sections{
				"sysnet": nil,
				"ifconfig": lines(`eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500
        inet 10.0.2.15  netmask 255.255.255.0  broadcast 10.0.2.255
        inet6 fe80::a00:27ff:fe4d:8b1e  prefixlen 64  scopeid 0x20<link>

lo: flags=73<UP,LOOPBACK,RUNNING>  mtu 65536
        inet 127.0.0.1  netmask 255.0.0.0
        inet6 ::1  prefixlen 128  scopeid 0x10<host>
`),
			},
			map[string]Interface{
				"lo": {Addresses: map[string]Address{"127.0.0.1": inet("8", "255.0.0.0", "", "Node"), "::1": inet6("128", "Node")}},
				"eth0": {Type: "eth", Number: "0", Addresses: map[string]Address{
					"10.0.2.15": inet("24", "255.255.255.0", "10.0.2.255", "Global"), "fe80::a00:27ff:fe4d:8b1e": inet6("64", "Link")}},
			},
		},
		{
			"debian container with hostname -I only: interfaces from /sys, no addresses",
			sections{"sysnet": {"eth0 1 1500 up 02:42:ac:11:00:02"}, "hostname-i": {"172.17.0.2 "}},
			map[string]Interface{"eth0": {Type: "eth", Number: "0", Encapsulation: "Ethernet", State: "up", MTU: "1500", Addresses: map[string]Address{"02:42:AC:11:00:02": lladdr}}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f Facts
			parseNetwork(tc.out, &f)
			if !reflect.DeepEqual(f.Network.Interfaces, tc.want) {
				t.Errorf("interfaces =\n%+v\nwant\n%+v", f.Network.Interfaces, tc.want)
			}
		})
	}
}

func TestParse_DefaultRoutes(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		route, route6        []string
		dev, gw, dev6, gw6   string
		sysnet               []string
		macaddress, ipaddess string
	}{
		{"debian 12", []string{"eth0 0003 0 00000000 010200C0"},
			[]string{"eth0 00000003 00000400 fd000000000000000000000000000001", "lo 00200200 ffffffff 00000000000000000000000000000000"},
			"eth0", "192.0.2.1", "eth0", "fd00::1", []string{"eth0 1 1400 up 02:fc:00:00:00:01"}, "02:FC:00:00:00:01", ""},
		{"rocky 9: the lowest metric wins", []string{"eth0 0003 200 00000000 01000A0A", "eth1 0003 100 00000000 017100CB"},
			[]string{"eth1 00050003 00000400 fe800000000000000000000000000001", "eth0 00050003 00000800 fe800000000000000000000000000002"},
			"eth1", "203.0.113.1", "eth1", "fe80::1", nil, "", ""},
		{"a link-level default route has gateway 0.0.0.0", []string{"ppp0 0001 0 00000000 00000000"}, []string{"ppp0 00000001 00000400 00000000000000000000000000000000"},
			"ppp0", "0.0.0.0", "ppp0", "::", nil, "", ""},
		{"a route that is down does not count", []string{"eth0 0002 0 00000000 0202000A"}, []string{"lo 00200200 ffffffff 00000000000000000000000000000000"},
			"", "", "", "", nil, "", ""},
		{"recorded before the gateway was printed", []string{"eth0 0003 0 00000000"}, nil, "eth0", "", "", "", nil, "", ""},
		{"no default route", nil, nil, "", "", "", "", nil, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f Facts
			parseNetwork(sections{"route": tc.route, "route6": tc.route6, "sysnet": tc.sysnet, "ip": nil}, &f)
			n := f.Network
			if n.DefaultInterface != tc.dev || n.DefaultGateway != tc.gw || n.DefaultInet6Interface != tc.dev6 || n.DefaultInet6Gateway != tc.gw6 || f.MACAddress != tc.macaddress {
				t.Errorf("default %q via %q, inet6 %q via %q, macaddress %q; want %q %q %q %q %q",
					n.DefaultInterface, n.DefaultGateway, n.DefaultInet6Interface, n.DefaultInet6Gateway, f.MACAddress, tc.dev, tc.gw, tc.dev6, tc.gw6, tc.macaddress)
			}
		})
	}
}

func TestSplitIfaceName_AsOhai(t *testing.T) {
	for _, tc := range []struct{ name, typ, number string }{
		{"eth0", "eth", "0"}, {"enp0s3", "enp0s", "3"}, {"ens5", "ens", "5"}, {"eth0.11", "eth", "0.11"},
		{"eth0:1", "eth", "0:1"}, {"veth1a2b", "veth1a", "2b"}, {"lo", "", ""}, {"br-lan", "", ""}, {"cvgkd", "", ""}, {"0", "", ""},
	} {
		if typ, number := splitIfaceName(tc.name); typ != tc.typ || number != tc.number {
			t.Errorf("splitIfaceName(%q) = %q %q, want %q %q", tc.name, typ, number, tc.typ, tc.number)
		}
	}
}

func TestParse_Virtualization(t *testing.T) {
	for _, tc := range []struct {
		name         string
		clues        string
		system, role string
		systems      map[string]string
	}{
		{"bare metal", "cpu-model Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz", "", "", map[string]string{}},
		{"kvm host", "module kvm\ncpu-model AMD EPYC 7543 32-Core Processor", "kvm", "host", map[string]string{"kvm": "host"}},
		{"centos 7 on kvm (cpu model)", "cpu-model QEMU Virtual CPU version 1.5.3\ncpu-flag hypervisor", "kvm", "guest", map[string]string{"kvm": "guest"}},
		{"rocky 9 on qemu q35 (dmi)", "dmi-sys_vendor QEMU\ndmi-product_name Standard PC (Q35 + ICH9, 2009)\ncpu-model AMD EPYC-Rome Processor", "kvm", "guest", map[string]string{"kvm": "guest"}},
		{"ubuntu on vmware", "dmi-sys_vendor VMware, Inc.\ndmi-product_name VMware Virtual Platform", "vmware", "guest", map[string]string{"vmware": "guest"}},
		{"ubuntu on ec2", "dmi-sys_vendor Amazon EC2\ndmi-product_name m5.large", "amazonec2", "guest", map[string]string{"amazonec2": "guest"}},
		{"hyper-v", "dmi-sys_vendor Microsoft Corporation\ndmi-product_name Virtual Machine", "hyperv", "guest", map[string]string{"hyperv": "guest"}},
		{"virtualbox guest", "dmi-sys_vendor innotek GmbH\ndmi-product_name VirtualBox\nmodule vboxguest", "vbox", "guest", map[string]string{"vbox": "guest"}},
		{"xen pv guest", "exists /proc/xen\nxen-caps ", "xen", "guest", map[string]string{"xen": "guest"}},
		{"xen dom0", "exists /proc/xen\nxen-caps control_d", "xen", "host", map[string]string{"xen": "host"}},
		{"debian 12 nspawn lab node", "container systemd-nspawn\ncpu-flag hypervisor", "nspawn", "guest", map[string]string{"nspawn": "guest"}},
		{"docker on a kvm host: the container wins", "module kvm\nexists /.dockerenv", "docker", "guest", map[string]string{"kvm": "host", "docker": "guest"}},
		{"docker, cgroup v1", "cgroup /docker/3f9c2b7e1a4d", "docker", "guest", map[string]string{"docker": "guest"}},
		{"alpine in podman", "exists /run/.containerenv\ncontainer podman", "podman", "guest", map[string]string{"podman": "guest"}},
		{"lxc", "cgroup /lxc/web1", "lxc", "guest", map[string]string{"lxc": "guest"}},
		{"openvz guest", "exists /proc/vz", "openvz", "guest", map[string]string{"openvz": "guest"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f Facts
			parseVirtualization(sections{"virt": lines(tc.clues)}, &f)
			v := f.Virtualization
			if v.System != tc.system || v.Role != tc.role || !reflect.DeepEqual(v.Systems, tc.systems) {
				t.Errorf("virtualization %+v, want %q %q %v", v, tc.system, tc.role, tc.systems)
			}
		})
	}
}
