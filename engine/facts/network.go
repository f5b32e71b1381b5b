package facts

import (
	"net/netip"
	"strconv"
	"strings"
)

// networkFact lists the IPv4 addresses and the default route. The route
// comes from /proc/net/route with shell builtins (the default routes'
// interface, flags, metric and mask); the addresses from `ip -o -4 addr
// show`, or ifconfig where iproute2 is missing, or `hostname -I`, which
// gives no interface names, in a bare container that has neither.
var networkFact = fact{
	script: `s route; [ -r /proc/net/route ] && while read -r i d g fl r u m k x; do case $d in 00000000) printf '%s %s %s %s\n' "$i" "$fl" "$m" "$k";; esac; done < /proc/net/route
if command -v ip >/dev/null 2>&1; then s ip; ip -o -4 addr show 2>/dev/null
elif command -v ifconfig >/dev/null 2>&1; then s ifconfig; ifconfig 2>/dev/null
else s hostname-i; hostname -I 2>/dev/null; fi
`,
	sections: [][]string{{"route"}, {"ip", "ifconfig", "hostname-i"}},
	parse:    parseNetwork,
}

// ifaddr is one IPv4 address of an interface, in the order listed.
type ifaddr struct {
	iface  string // "" when hostname -I was the source
	prefix netip.Prefix
	scope  string // from ip: "global", "host", "link"; "" if not said
}

// parseNetwork fills Interfaces and IPAddress. IPAddress is the first
// global address of the default route's interface (the lowest metric if
// there are several), else the first global address of any interface;
// loopback (127/8) and link-local (169.254/16) addresses never count.
func parseNetwork(out sections, f *Facts) {
	var addrs []ifaddr
	switch {
	case out.has("ip"):
		addrs = parseIPAddr(out["ip"])
	case out.has("ifconfig"):
		addrs = parseIfconfig(out["ifconfig"])
	case out.has("hostname-i"):
		addrs = parseHostnameI(out["hostname-i"])
	}
	for _, a := range addrs {
		if a.iface == "" {
			continue
		}
		if f.Interfaces == nil {
			f.Interfaces = map[string][]string{}
		}
		f.Interfaces[a.iface] = append(f.Interfaces[a.iface], a.prefix.String())
	}
	if dev := defaultRouteInterface(out["route"]); dev != "" {
		for _, a := range addrs {
			if a.iface == dev && isGlobal(a) {
				f.IPAddress = a.prefix.Addr().String()
				return
			}
		}
	}
	for _, a := range addrs {
		if isGlobal(a) {
			f.IPAddress = a.prefix.Addr().String()
			return
		}
	}
}

func isGlobal(a ifaddr) bool {
	ip := a.prefix.Addr()
	if ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() {
		return false
	}
	return a.scope == "" || a.scope == "global"
}

// defaultRouteInterface reads the "IFACE FLAGS METRIC MASK" lines the
// script prints for /proc/net/route entries with destination 0.0.0.0.
func defaultRouteInterface(lines []string) string {
	best, bestMetric := "", -1
	for _, l := range lines {
		fields := strings.Fields(l)
		if len(fields) != 4 {
			continue
		}
		flags, err1 := strconv.ParseUint(fields[1], 16, 32)
		metric, err2 := strconv.Atoi(fields[2])
		if err1 != nil || err2 != nil || flags&1 == 0 || fields[3] != "00000000" {
			continue // not a route that is up, or not a default route
		}
		if bestMetric < 0 || metric < bestMetric {
			best, bestMetric = fields[0], metric
		}
	}
	return best
}

// parseIPAddr reads `ip -o -4 addr show`, one address a line:
//
//	2: eth0    inet 10.0.2.15/24 brd 10.0.2.255 scope global dynamic eth0\       valid_lft 86351sec preferred_lft 86351sec
//	5: tun0    inet 10.8.0.1 peer 10.8.0.2/32 scope global tun0
func parseIPAddr(lines []string) []ifaddr {
	var addrs []ifaddr
	for _, l := range lines {
		fields := strings.Fields(l)
		if len(fields) < 4 || !strings.HasSuffix(fields[0], ":") || fields[2] != "inet" {
			continue
		}
		iface := strings.TrimSuffix(fields[1], ":")
		iface, _, _ = strings.Cut(iface, "@") // veth "eth0@if7"
		a := ifaddr{iface: iface}
		local := fields[3]
		bits := -1
		for i := 4; i+1 < len(fields); i++ {
			switch fields[i] {
			case "peer":
				if _, b, ok := strings.Cut(fields[i+1], "/"); ok {
					bits, _ = strconv.Atoi(b)
				}
			case "scope":
				a.scope = fields[i+1]
			}
		}
		p, ok := toPrefix(local, bits)
		if !ok {
			continue
		}
		a.prefix = p
		addrs = append(addrs, a)
	}
	return addrs
}

// toPrefix makes a prefix of "10.0.2.15/24", or of "10.8.0.1" with bits
// given separately (-1: a host address, /32).
func toPrefix(s string, bits int) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil && p.Addr().Is4() {
		return p, true
	}
	ip, err := netip.ParseAddr(s)
	if err != nil || !ip.Is4() {
		return netip.Prefix{}, false
	}
	if bits < 0 || bits > 32 {
		bits = 32
	}
	return netip.PrefixFrom(ip, bits), true
}

// parseIfconfig reads ifconfig output in both net-tools formats:
//
//	eth0      Link encap:Ethernet  HWaddr 08:00:27:4D:8B:1E
//	          inet addr:10.0.2.15  Bcast:10.0.2.255  Mask:255.255.255.0
//
//	eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500
//	        inet 10.0.2.15  netmask 255.255.255.0  broadcast 10.0.2.255
func parseIfconfig(lines []string) []ifaddr {
	var addrs []ifaddr
	var iface string
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		fields := strings.Fields(l)
		if l[0] != ' ' && l[0] != '\t' {
			iface = strings.TrimSuffix(fields[0], ":")
			continue
		}
		if fields[0] != "inet" || len(fields) < 2 || iface == "" {
			continue
		}
		local := strings.TrimPrefix(fields[1], "addr:")
		var mask string
		for i, fl := range fields {
			if m, ok := strings.CutPrefix(fl, "Mask:"); ok {
				mask = m
			} else if fl == "netmask" && i+1 < len(fields) {
				mask = fields[i+1]
			}
		}
		bits := -1
		if m, err := netip.ParseAddr(mask); err == nil && m.Is4() {
			bits = maskBits(m)
		}
		if p, ok := toPrefix(local, bits); ok {
			addrs = append(addrs, ifaddr{iface: iface, prefix: p})
		}
	}
	return addrs
}

// maskBits returns the length of a contiguous netmask, -1 if it is not one.
func maskBits(m netip.Addr) int {
	b := m.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := 0
	for v&(1<<31) != 0 {
		n++
		v <<= 1
	}
	if v != 0 {
		return -1
	}
	return n
}

// parseHostnameI reads `hostname -I`: addresses separated by spaces, IPv6
// among them, no interface names and no prefix lengths.
func parseHostnameI(lines []string) []ifaddr {
	var addrs []ifaddr
	for _, l := range lines {
		for _, w := range strings.Fields(l) {
			if p, ok := toPrefix(w, 32); ok {
				addrs = append(addrs, ifaddr{prefix: p})
			}
		}
	}
	return addrs
}
