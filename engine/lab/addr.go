package lab

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

// DefaultSubnet is the private IPv4 subnet of the lab bridge unless
// Lab.Subnet says otherwise.
const DefaultSubnet = "10.213.0.0/24"

// BridgeName is the default host bridge every node's veth is attached to.
const BridgeName = "cvgbr0"

// firstNodeHost is the host number of the node with index 0: nodes get
// .10, .11, ... so the low addresses stay free for the host side.
const firstNodeHost = 10

// subnet is a parsed lab subnet.
type subnet struct {
	prefix netip.Prefix
}

// parseSubnet accepts an IPv4 CIDR with room for the host address and at
// least one node.
func parseSubnet(s string) (subnet, error) {
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil {
		return subnet{}, fmt.Errorf("lab subnet %q is not a CIDR like %s: %v", s, DefaultSubnet, err)
	}
	if !p.Addr().Is4() {
		return subnet{}, fmt.Errorf("lab subnet %q is not IPv4; give one like %s", s, DefaultSubnet)
	}
	if p.Bits() > 27 {
		return subnet{}, fmt.Errorf("lab subnet %q is too small; give a /27 or larger, like %s", s, DefaultSubnet)
	}
	return subnet{prefix: p.Masked()}, nil
}

func (s subnet) String() string { return s.prefix.String() }

// nth returns the address with host number n in the subnet.
func (s subnet) nth(n int) (netip.Addr, bool) {
	b := s.prefix.Addr().As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	size := uint32(1) << (32 - s.prefix.Bits())
	if n <= 0 || uint32(n) >= size-1 { // network and broadcast are not hosts
		return netip.Addr{}, false
	}
	v += uint32(n)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// gateway is the host's address on the bridge: the subnet's .1.
func (s subnet) gateway() netip.Addr {
	a, _ := s.nth(1)
	return a
}

// nodeAddr is the address of the node with the given index.
func (s subnet) nodeAddr(index int) (netip.Addr, error) {
	a, ok := s.nth(firstNodeHost + index)
	if !ok || index < 0 {
		return netip.Addr{}, fmt.Errorf("lab subnet %s has no room for node number %d; give a larger --subnet", s, index+1)
	}
	return a, nil
}

// allocateIndexes gives each name without an index the lowest index no other
// node holds. Names already in used keep theirs, so a node's address is
// stable for as long as its state exists. The result maps every name in
// names to its index.
func allocateIndexes(names []string, used map[string]int) map[string]int {
	taken := map[int]bool{}
	for _, i := range used {
		taken[i] = true
	}
	out := map[string]int{}
	next := 0
	for _, n := range names {
		if i, ok := used[n]; ok {
			out[n] = i
			continue
		}
		if i, ok := out[n]; ok { // the same name twice
			out[n] = i
			continue
		}
		for taken[next] {
			next++
		}
		out[n] = next
		taken[next] = true
	}
	return out
}

// checkRoutes refuses a subnet that overlaps a route of the machine, given
// the output of `ip route` (IPv4 main table). Routes through the lab's own
// bridge are the lab's and are ignored, as is the default route.
func checkRoutes(s subnet, ipRoute, bridge string) error {
	for _, line := range strings.Split(ipRoute, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		dst := f[0]
		if dst == "default" || dst == "unreachable" || dst == "blackhole" || dst == "prohibit" || dst == "throw" {
			if dst == "default" || len(f) < 2 {
				continue
			}
			dst = f[1]
		}
		if dev := fieldAfter(f, "dev"); dev == bridge {
			continue
		}
		var p netip.Prefix
		var err error
		if strings.Contains(dst, "/") {
			p, err = netip.ParsePrefix(dst)
		} else {
			var a netip.Addr
			a, err = netip.ParseAddr(dst)
			if err == nil {
				p = netip.PrefixFrom(a, a.BitLen())
			}
		}
		if err != nil || !p.Addr().Is4() {
			continue
		}
		if p.Overlaps(s.prefix) {
			return fmt.Errorf("lab subnet %s collides with this machine's route %q; choose a free private subnet with --subnet (for example 10.214.0.0/24)", s, strings.TrimSpace(line))
		}
	}
	return nil
}

func fieldAfter(f []string, key string) string {
	for i := 0; i+1 < len(f); i++ {
		if f[i] == key {
			return f[i+1]
		}
	}
	return ""
}

// vethName is the host end of a node's veth pair: "cvg-" and the node name,
// cut to the 15 bytes Linux allows for an interface name.
func vethName(node string) string {
	n := "cvg-" + node
	if len(n) > 15 {
		n = n[:15]
	}
	return n
}

// netnsName is the network namespace of a node (a file in /run/netns).
func netnsName(node string) string { return "cvg-" + node }

// checkName refuses node names that cannot be a hostname, a file name and
// (cut) an interface name.
func checkName(name string) error {
	if name == "" || len(name) > 63 {
		return fmt.Errorf("node name %q must be 1 to 63 characters", name)
	}
	for i, c := range name {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' && i > 0 && i < len(name)-1
		if !ok {
			return fmt.Errorf("node name %q must be lowercase letters, digits and inner dashes (a hostname)", name)
		}
	}
	return nil
}

// checkVethClash refuses names whose cut veth names are the same as another
// node's, since both would need the same interface.
func checkVethClash(names []string) error {
	seen := map[string]string{}
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	for _, n := range sorted {
		v := vethName(n)
		if o, ok := seen[v]; ok && o != n {
			return fmt.Errorf("nodes %q and %q would share the interface name %q (cut to 15 characters); make their first 11 characters differ", o, n, v)
		}
		seen[v] = n
	}
	return nil
}
