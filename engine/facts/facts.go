package facts

// Facts is what converge knows about a node before compiling its recipes.
// Gather fills it in one round trip; ForPlatform makes a plausible one for
// `converge check --platform`.
//
// The fields up to InitProcess are converge's own (SPEC 4.3: node.kernel is
// the release, interfaces the IPv4 addresses in CIDR form). The fields after
// it carry Ohai's names and shapes, so that code migrated from Chef reads
// node["kernel"]["machine"], node["lsb"]["codename"] or
// node["network"]["interfaces"]["eth0"]["addresses"] as it did; Map puts
// KernelInfo under "kernel". Facts recorded before these fields existed
// read back with them empty, and Map fills in what it can derive.
type Facts struct {
	Hostname        string `json:"hostname"`
	FQDN            string `json:"fqdn"`
	IPAddress       string `json:"ipaddress"`        // first global IPv4 address, "" if none
	Platform        string `json:"platform"`         // ubuntu, debian, centos, redhat, rocky, almalinux, fedora, …
	PlatformVersion string `json:"platform_version"` // "22.04", "12", "7.1.1503", "6.7"
	PlatformFamily  string `json:"platform_family"`  // debian, rhel, fedora, suse, …
	Init            string `json:"init"`             // systemd, sysvinit, upstart
	Kernel          string `json:"kernel"`           // uname -r
	Machine         string `json:"machine"`          // uname -m
	CPUCount        int    `json:"cpu_count"`
	MemoryMB        int    `json:"memory_mb"`
	// Interfaces maps interface name to its IPv4 addresses in CIDR form.
	Interfaces map[string][]string `json:"interfaces,omitempty"`
	// InitProcess is the name of PID 1 (/proc/1/comm), for diagnostics:
	// "systemd", "init", or a container's entry point such as "bash".
	InitProcess string `json:"init_process,omitempty"`

	// KernelInfo is Ohai's kernel hash; recipes read it as node["kernel"].
	KernelInfo Kernel `json:"kernel_info"`
	OS         string `json:"os"`         // "linux", as Ohai
	OSVersion  string `json:"os_version"` // the kernel release, as Ohai on Linux
	// RootGroup is the name of root's primary group: "root" on Linux.
	RootGroup string `json:"root_group"`
	// InitPackage is Ohai's init_package: the name of PID 1, "init" when
	// it cannot be read.
	InitPackage string `json:"init_package"`
	// Domain is the FQDN after its first label, "" for a short FQDN.
	Domain     string  `json:"domain"`
	LSB        LSB     `json:"lsb"`
	CPU        CPU     `json:"cpu"`
	Memory     Memory  `json:"memory"`
	Network    Network `json:"network"`
	MACAddress string  `json:"macaddress"` // the default interface's hardware address, upper case
	// Virtualization says what the node runs on or in, as Ohai names it.
	Virtualization Virtualization `json:"virtualization"`
}

// Kernel is Ohai's kernel hash from uname.
type Kernel struct {
	Name    string `json:"name"`    // uname -s: "Linux"
	Release string `json:"release"` // uname -r: "6.1.0-18-amd64"
	Version string `json:"version"` // uname -v: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)"
	Machine string `json:"machine"` // uname -m: "x86_64"
	OS      string `json:"os"`      // uname -o: "GNU/Linux"
}

// LSB is Ohai's lsb hash, what `lsb_release -a` says, read here from
// /etc/lsb-release, os-release and /etc/redhat-release without running it.
type LSB struct {
	ID          string `json:"id"`          // "Debian", "Ubuntu", "CentOS"
	Description string `json:"description"` // "Debian GNU/Linux 12 (bookworm)"
	Release     string `json:"release"`     // "12", "22.04", "7.1.1503"
	Codename    string `json:"codename"`    // "bookworm", "jammy", "Core"
}

// CPU is Ohai's cpu hash: Total is the number of online logical CPUs.
type CPU struct {
	Total int `json:"total"`
}

// Memory is Ohai's memory hash, sizes as /proc/meminfo gives them with the
// unit joined on: "24576000kB".
type Memory struct {
	Total string `json:"total"`
	Swap  Swap   `json:"swap"`
}

// Swap is Ohai's memory.swap hash.
type Swap struct {
	Total string `json:"total"`
}

// Network is Ohai's network hash. The default route's interface and
// gateway are "" when there is no default route; the gateway is "0.0.0.0"
// (or "::") for a default route without one, as Ohai.
type Network struct {
	Interfaces            map[string]Interface `json:"interfaces"`
	DefaultInterface      string               `json:"default_interface"`
	DefaultGateway        string               `json:"default_gateway"`
	DefaultInet6Interface string               `json:"default_inet6_interface"`
	DefaultInet6Gateway   string               `json:"default_inet6_gateway"`
}

// Interface is one entry of network.interfaces. Addresses is keyed by
// address: IPv4 and IPv6 addresses as ip prints them, the hardware
// address in upper case (family "lladdr").
type Interface struct {
	Type          string             `json:"type,omitempty"`   // "eth" of eth0 (Ohai splits the trailing number off)
	Number        string             `json:"number,omitempty"` // "0" of eth0
	Encapsulation string             `json:"encapsulation,omitempty"`
	State         string             `json:"state,omitempty"` // "up", "down", "unknown"
	MTU           string             `json:"mtu,omitempty"`
	Addresses     map[string]Address `json:"addresses"`
}

// Address is one entry of an interface's addresses. Prefixlen is a string
// ("24") as in Ohai; Scope is "Global", "Link", "Site" or "Node" (ip's
// "host").
type Address struct {
	Family    string `json:"family"` // "inet", "inet6", "lladdr"
	Prefixlen string `json:"prefixlen,omitempty"`
	Netmask   string `json:"netmask,omitempty"`
	Broadcast string `json:"broadcast,omitempty"`
	Peer      string `json:"peer,omitempty"`
	Scope     string `json:"scope,omitempty"`
}

// Virtualization is Ohai's virtualization hash: System and Role are the
// last thing detected, containers after hypervisors ("docker", "guest" in
// a Docker container on a KVM guest); Systems has every detection. All
// empty on bare metal.
type Virtualization struct {
	System  string            `json:"system"` // "kvm", "vmware", "xen", "docker", "nspawn", "lxc", …
	Role    string            `json:"role"`   // "guest" or "host"
	Systems map[string]string `json:"systems"`
}
