package lab

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
)

// linkExists says whether the host has a network interface of that name.
func linkExists(name string) bool {
	_, err := os.Stat(filepath.Join("/sys/class/net", name))
	return err == nil
}

func netnsExists(name string) bool {
	_, err := os.Stat(filepath.Join("/run/netns", name))
	return err == nil
}

// ensureBridge creates the lab bridge with the subnet's .1 on it. Packets
// arriving on the bridge are never forwarded (per-interface forwarding off,
// no IPv6), so nodes reach each other and the host and nothing beyond.
func ensureBridge(s subnet, bridge string) error {
	gw := netip.PrefixFrom(s.gateway(), s.prefix.Bits()).String()
	if !linkExists(bridge) {
		// A fixed MAC: a bridge would otherwise take its lowest port's, and
		// change it as nodes come and go.
		if err := run("ip", "link", "add", bridge, "address", macFor(0xc0, s.gateway()), "type", "bridge"); err != nil && !linkExists(bridge) {
			return err
		}
	}
	sysctl(filepath.Join("/proc/sys/net/ipv6/conf", bridge, "disable_ipv6"), "1")
	if err := sysctl(filepath.Join("/proc/sys/net/ipv4/conf", bridge, "forwarding"), "0"); err != nil {
		return fmt.Errorf("turn off forwarding from the lab bridge: %w", err)
	}
	addrs, err := output("ip", "-4", "-o", "addr", "show", "dev", bridge)
	if err != nil {
		return err
	}
	if !strings.Contains(addrs, " "+gw+" ") {
		if strings.Contains(addrs, "inet ") {
			// Left from a lab with another subnet.
			if err := run("ip", "addr", "flush", "dev", bridge); err != nil {
				return err
			}
		}
		if err := run("ip", "addr", "add", gw, "dev", bridge); err != nil {
			return err
		}
	}
	return run("ip", "link", "set", bridge, "up")
}

// macFor is a locally administered unicast MAC made of kind and the
// address: 02:KIND:a:b:c:d.
func macFor(kind byte, a netip.Addr) string {
	b := a.As4()
	return fmt.Sprintf("02:%02x:%02x:%02x:%02x:%02x", kind, b[0], b[1], b[2], b[3])
}

func sysctl(path, value string) error {
	return os.WriteFile(path, []byte(value), 0o644)
}

// ensureNodeNetwork makes the node's network namespace and its veth pair:
// the host end on the bridge, the inner end named eth0 with the node's
// address and a default route through the host.
func ensureNodeNetwork(name string, addr netip.Addr, s subnet, bridge string) error {
	ns, veth := netnsName(name), vethName(name)
	if err := foreignNode(name, veth, bridge); err != nil {
		return err
	}
	if !netnsExists(ns) {
		if err := run("ip", "netns", "add", ns); err != nil {
			return err
		}
	}
	inner, _ := output("ip", "-n", ns, "-o", "link", "show", "eth0")
	if !linkExists(veth) || !strings.Contains(inner, "eth0") {
		// Recreate a half-made pair.
		_ = run("ip", "link", "del", veth)
		_ = run("ip", "-n", ns, "link", "del", "eth0")
		// MACs follow from the address, so a node that is stopped and
		// started again is not stuck behind stale neighbour entries.
		if err := run("ip", "link", "add", veth, "address", macFor(0xc1, addr), "type", "veth",
			"peer", "name", "eth0", "address", macFor(0xc0, addr), "netns", ns); err != nil {
			return err
		}
	}
	sysctl(filepath.Join("/proc/sys/net/ipv6/conf", veth, "disable_ipv6"), "1")
	cidr := netip.PrefixFrom(addr, s.prefix.Bits()).String()
	cmds := [][]string{
		{"ip", "link", "set", veth, "master", bridge, "up"},
		{"ip", "-n", ns, "link", "set", "lo", "up"},
		{"ip", "-n", ns, "addr", "replace", cidr, "dev", "eth0"},
		{"ip", "-n", ns, "link", "set", "eth0", "up"},
		{"ip", "-n", ns, "route", "replace", "default", "via", s.gateway().String(), "dev", "eth0"},
	}
	for _, c := range cmds {
		if err := run(c[0], c[1:]...); err != nil {
			return err
		}
	}
	return nil
}

// removeNodeNetwork deletes the node's namespace (which takes eth0 and so
// the pair with it) and the host end if it is still there.
func removeNodeNetwork(name string) error {
	ns, veth := netnsName(name), vethName(name)
	var errs []string
	if netnsExists(ns) {
		if err := run("ip", "netns", "del", ns); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if linkExists(veth) {
		if err := run("ip", "link", "del", veth); err != nil && linkExists(veth) {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// removeBridge deletes the lab bridge if it exists and no interface is
// attached to it any more (another lab on the machine may share it).
func removeBridge(bridge string) error {
	if !linkExists(bridge) {
		return nil
	}
	if ents, _ := os.ReadDir(filepath.Join("/sys/class/net", bridge, "brif")); len(ents) > 0 {
		return nil
	}
	return run("ip", "link", "del", bridge)
}

// strayNetns lists lab namespaces ("cvg-" names) that no running node
// uses, for a full Down to remove even those whose state was never
// written. Deleting a namespace deletes its veth pair with it. A stopped
// node of another lab that loses its namespace gets it back on Start.
func strayNetns(procs []proc) []string {
	inUse := map[string]bool{}
	for _, p := range procs {
		for _, a := range p.args {
			if strings.HasPrefix(a, "--network-namespace-path=/run/netns/") {
				inUse[strings.TrimPrefix(a, "--network-namespace-path=/run/netns/")] = true
			}
		}
	}
	var out []string
	if ents, err := os.ReadDir("/run/netns"); err == nil {
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), "cvg-") && !inUse[e.Name()] {
				out = append(out, e.Name())
			}
		}
	}
	return out
}

// foreignNode refuses a node whose network belongs to another lab: node
// names are machine-wide (the namespace is named after the node), so a
// second lab with a node of the same name would take over the first one's
// network.
func foreignNode(name, veth, bridge string) error {
	if !linkExists(veth) {
		return nil
	}
	out, _ := output("ip", "-o", "link", "show", veth)
	if m := fieldAfter(strings.Fields(out), "master"); m != "" && m != bridge {
		return fmt.Errorf("a node named %s already runs in another lab (its interface %s is on bridge %s, not %s): "+
			"node names are machine-wide; choose another name, or remove that node with 'converge lab down %s' where it was started", name, veth, m, bridge, name)
	}
	return nil
}

// onOtherBridge reports whether the namespace's node is attached to a
// bridge other than this lab's.
func onOtherBridge(ns, bridge string) bool {
	veth := vethName(strings.TrimPrefix(ns, "cvg-"))
	if !linkExists(veth) {
		return false
	}
	out, _ := output("ip", "-o", "link", "show", veth)
	m := fieldAfter(strings.Fields(out), "master")
	return m != "" && m != bridge
}
