// Package facts finds out what a node is before converge compiles its
// recipes: hostname, FQDN, address, platform and version, init system,
// kernel, CPU count, memory and interfaces (the automatic attributes of
// SPEC 4.3, read in recipes as node.platform and friends), and the same
// facts with Ohai's names and shapes, for code written for Chef.
//
// What it promises:
//
//   - One round trip. Script is a single POSIX sh script that prints every
//     fact in delimited sections; Gather runs it once through the node's
//     transport. It reads /proc, /sys and /etc files with shell builtins and
//     starts only a handful of processes (uname twice, hostname -f,
//     ip, and initctl where it exists), because it runs at the start of
//     every run. It runs unchanged under dash, bash and BusyBox sh.
//   - The same answers as Chef where Chef has an answer: platform names
//     (rhel is "redhat", amzn "amazon", ol "oracle"), the point release in
//     platform_version ("12.5" on Debian, "7.1.1503" on CentOS 7), the short
//     host name in hostname and the default route's address in ipaddress.
//   - Ohai's facts under Ohai's names, in Ohai's shapes, listed below.
//   - Facts recorded before a fact existed (a `converge facts` file given
//     to plan --facts) still read, and Map derives Ohai's facts from
//     converge's where they are empty; so does ForPlatform's.
//   - Parse is pure and tested from captured output in testdata/facts; it
//     gives its best reading of garbled or unfamiliar output and fails only
//     when the output is clearly not from Script (sections missing).
//   - ForPlatform invents plausible facts for `converge check --platform`,
//     so recipes can be compiled for a platform no node runs.
//
// # Ohai's facts
//
// Facts.Map gives them under these keys, which recipes read as node["X"]
// (node.X reads the same for every name but kernel):
//
//	kernel          {name, release, version, machine, os}: uname -s -r -v -m -o
//	os              "linux"
//	os_version      the kernel release
//	lsb             {id, description, release, codename}: what lsb_release -a
//	                says ("Debian" "12" "bookworm"; "CentOS" "7.1.1503" "Core"),
//	                read from /etc/lsb-release, /etc/redhat-release or os-release
//	cpu             {total}: the online CPUs, an int
//	memory          {total, swap: {total}}: "24576000kB", as in /proc/meminfo
//	network         {interfaces, default_interface, default_gateway,
//	                default_inet6_interface, default_inet6_gateway}
//	  interfaces.IF           {type, number, encapsulation, state, mtu, addresses}
//	  interfaces.IF.addresses.ADDR  {family, prefixlen, netmask, broadcast, peer, scope}
//	macaddress      the default interface's hardware address, upper case
//	domain          the FQDN after its first label, "" if it has none
//	root_group      root's primary group: "root"
//	init_package    PID 1's name ("systemd", "init"); "init" if unreadable
//	virtualization  {system, role, systems}: system "kvm", "vmware", "vbox",
//	                "xen", "hyperv", "amazonec2", "openvz", "docker", "podman",
//	                "lxc", "nspawn", …; role "guest" or "host"; systems maps
//	                every system found to its role
//
// An address's family is "inet", "inet6" or "lladdr" (keyed by the MAC in
// upper case); prefixlen is a string ("24") and scope "Global", "Link" or
// "Node" (ip's "host"), as in Ohai; an alias label (eth0:1) is an interface
// of its own; the gateway of a default route without one is "0.0.0.0"
// ("::"). Containers are found after hypervisors, so virtualization.system
// is the innermost: "docker" in a Docker container on a KVM guest.
//
// Where Ohai leaves a key out, Map gives "" (virtualization.system on bare
// metal, network.default_gateway without a default route), so reading it
// never fails. node.kernel stays the release string of SPEC 4.3, while
// node["kernel"] is Ohai's hash; `converge facts` prints it as kernel_info.
// Unlike Ohai, lsb is filled where lsb_release is not installed, and only
// the keys above are gathered: no kernel modules, counters, routes, CPU
// list or filesystems.
//
// Each fact lives in its own file as the shell that gathers it plus the Go
// that parses it: host.go (names, kernel, domain), group.go, platform.go
// (and lsb), init.go (and init_package), cpu.go, memory.go, network.go and
// virtualization.go; script.go puts the pieces together and
// attributes.go makes the attributes recipes read.
package facts
