package facts

import (
	"maps"
	"net/netip"
	"strconv"
	"strings"
)

// Map returns the facts as automatic attributes, for attribute merging
// and templates: converge's facts under their JSON names (node["platform"]
// reads "platform"), and Ohai's under Ohai's names and in Ohai's shapes,
// so that node["kernel"]["machine"], node["lsb"]["codename"] and
// node["network"]["interfaces"]["eth0"]["addresses"] read as in Chef.
// "kernel" is Ohai's hash, not the release string that node.kernel gives.
//
// Every key Ohai would give is present, even when its value is empty
// (virtualization.system on bare metal is ""), so a recipe that reads one
// never fails on a node that lacks it. Where an Ohai fact is empty, as in
// facts recorded before converge gathered it and in the facts ForPlatform
// invents, Map derives it from converge's: cpu.total from cpu_count,
// os_version from kernel, network.interfaces from interfaces, lsb from the
// platform. Values are strings and ints, maps are map[string]any and lists
// []any, the shapes node JSON decodes to. The map is a copy: the caller
// may change it.
func (f Facts) Map() map[string]any {
	ifaces := make(map[string]any, len(f.Interfaces))
	for name, addrs := range f.Interfaces {
		list := make([]any, len(addrs))
		for i, a := range addrs {
			list[i] = a
		}
		ifaces[name] = list
	}
	return map[string]any{
		"hostname":         f.Hostname,
		"fqdn":             f.FQDN,
		"ipaddress":        f.IPAddress,
		"platform":         f.Platform,
		"platform_version": f.PlatformVersion,
		"platform_family":  f.PlatformFamily,
		"init":             f.Init,
		"init_process":     f.InitProcess,
		"machine":          f.Machine,
		"cpu_count":        f.CPUCount,
		"memory_mb":        f.MemoryMB,
		"interfaces":       ifaces,

		"kernel":         f.kernelMap(),
		"os":             or(f.OS, "linux"),
		"os_version":     or(f.OSVersion, f.Kernel),
		"root_group":     or(f.RootGroup, "root"),
		"init_package":   f.initPackage(),
		"domain":         f.domain(),
		"lsb":            f.lsbMap(),
		"cpu":            map[string]any{"total": orInt(f.CPU.Total, f.CPUCount)},
		"memory":         f.memoryMap(),
		"network":        f.networkMap(),
		"macaddress":     f.MACAddress,
		"virtualization": f.virtualizationMap(),
	}
}

func or(s, dflt string) string {
	if s == "" {
		return dflt
	}
	return s
}

func orInt(n, dflt int) int {
	if n == 0 {
		return dflt
	}
	return n
}

func (f Facts) initPackage() string {
	switch {
	case f.InitPackage != "":
		return f.InitPackage
	case f.InitProcess != "":
		return f.InitProcess
	case f.Init == "systemd":
		return "systemd"
	}
	return "init"
}

func (f Facts) kernelMap() map[string]any {
	k := f.KernelInfo
	name := k.Name
	if name == "" && f.Kernel != "" {
		name = "Linux" // converge gathers facts from Linux nodes only
	}
	return map[string]any{
		"name":    name,
		"release": or(k.Release, f.Kernel),
		"version": k.Version,
		"machine": or(k.Machine, f.Machine),
		"os":      k.OS,
	}
}

func (f Facts) domain() string {
	if f.Domain != "" {
		return f.Domain
	}
	_, d, _ := strings.Cut(f.FQDN, ".")
	return d
}

// lsbIDs and lsbCodenames give lsb for facts that have none (ForPlatform,
// old recordings): lsb_release's distributor ID by platform, and the
// codename by platform and major version (Ubuntu: YY.MM).
var (
	lsbIDs = map[string]string{
		"ubuntu": "Ubuntu", "debian": "Debian", "centos": "CentOS", "redhat": "RedHatEnterpriseServer",
		"rocky": "Rocky", "almalinux": "AlmaLinux", "oracle": "OracleServer", "fedora": "Fedora",
		"amazon": "Amazon", "scientific": "Scientific", "alpine": "Alpine", "linuxmint": "Linuxmint",
	}
	lsbCodenames = map[string]string{
		"ubuntu-14.04": "trusty", "ubuntu-16.04": "xenial", "ubuntu-18.04": "bionic", "ubuntu-20.04": "focal",
		"ubuntu-22.04": "jammy", "ubuntu-24.04": "noble",
		"debian-7": "wheezy", "debian-8": "jessie", "debian-9": "stretch", "debian-10": "buster",
		"debian-11": "bullseye", "debian-12": "bookworm", "debian-13": "trixie",
		"centos-6": "Final", "centos-7": "Core", "centos-8": "n/a",
	}
)

func (f Facts) lsbMap() map[string]any {
	l := f.LSB
	if l == (LSB{}) && f.Platform != "" {
		l.ID = lsbIDs[f.Platform]
		l.Release = f.PlatformVersion
		if f.Platform == "debian" {
			l.Release = major(f.PlatformVersion) // lsb_release on Debian 12 says "12"
		}
		l.Codename = lsbCodenames[f.Platform+"-"+major(f.PlatformVersion)]
		if f.Platform == "ubuntu" {
			l.Codename = lsbCodenames[f.Platform+"-"+f.PlatformVersion]
		}
	}
	return map[string]any{"id": l.ID, "description": l.Description, "release": l.Release, "codename": l.Codename}
}

func (f Facts) memoryMap() map[string]any {
	total := f.Memory.Total
	if total == "" && f.MemoryMB > 0 {
		total = strconv.Itoa(f.MemoryMB*1024) + "kB"
	}
	return map[string]any{"total": total, "swap": map[string]any{"total": f.Memory.Swap.Total}}
}

func (f Facts) networkMap() map[string]any {
	n := f.Network
	if n.Interfaces == nil {
		n.Interfaces = interfacesFromCIDRs(f.Interfaces)
	}
	ifaces := make(map[string]any, len(n.Interfaces))
	for name, iface := range n.Interfaces {
		addrs := make(map[string]any, len(iface.Addresses))
		for a, ad := range iface.Addresses {
			m := map[string]any{"family": ad.Family}
			for k, v := range map[string]string{"prefixlen": ad.Prefixlen, "netmask": ad.Netmask, "broadcast": ad.Broadcast, "peer": ad.Peer, "scope": ad.Scope} {
				if v != "" {
					m[k] = v
				}
			}
			addrs[a] = m
		}
		m := map[string]any{"addresses": addrs}
		for k, v := range map[string]string{"type": iface.Type, "number": iface.Number, "encapsulation": iface.Encapsulation, "state": iface.State, "mtu": iface.MTU} {
			if v != "" {
				m[k] = v
			}
		}
		ifaces[name] = m
	}
	return map[string]any{
		"interfaces":              ifaces,
		"default_interface":       n.DefaultInterface,
		"default_gateway":         n.DefaultGateway,
		"default_inet6_interface": n.DefaultInet6Interface,
		"default_inet6_gateway":   n.DefaultInet6Gateway,
	}
}

// interfacesFromCIDRs makes Ohai's interfaces of converge's CIDR lists,
// for facts that have no network.
func interfacesFromCIDRs(cidrs map[string][]string) map[string]Interface {
	out := make(map[string]Interface, len(cidrs))
	for name, list := range cidrs {
		var addrs []ifaddr
		for _, c := range list {
			if p, err := netip.ParsePrefix(c); err == nil {
				addrs = append(addrs, ifaddr{iface: name, prefix: p})
			}
		}
		maps.Copy(out, ohaiNetwork(nil, addrs).Interfaces)
	}
	return out
}

func (f Facts) virtualizationMap() map[string]any {
	systems := make(map[string]any, len(f.Virtualization.Systems))
	for s, r := range f.Virtualization.Systems {
		systems[s] = r
	}
	return map[string]any{"system": f.Virtualization.System, "role": f.Virtualization.Role, "systems": systems}
}
