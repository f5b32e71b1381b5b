package facts

import (
	"encoding/hex"
	"net/netip"
	"strconv"
	"strings"
)

// networkFact lists the addresses, the interfaces and the default routes.
// The routes come from /proc/net/route and /proc/net/ipv6_route with shell
// builtins (the default routes' interface, flags, metric, mask and
// gateway); each interface's type, MTU, state and hardware address from
// /sys/class/net, also with builtins; the addresses from `ip -o addr
// show`, or ifconfig where iproute2 is missing, or `hostname -I`, which
// gives no interface names, in a bare container that has neither.
var networkFact = fact{
	script: `s route; [ -r /proc/net/route ] && while read -r i d g fl r u m k x; do case $d in 00000000) printf '%s %s %s %s %s\n' "$i" "$fl" "$m" "$k" "$g";; esac; done < /proc/net/route
s route6; [ -r /proc/net/ipv6_route ] && while read -r d dp sr sp g m r u fl i; do case $d$dp in 0000000000000000000000000000000000) printf '%s %s %s %s\n' "$i" "$fl" "$m" "$g";; esac; done < /proc/net/ipv6_route
s sysnet; for d in /sys/class/net/*; do [ -d "$d" ] || continue; t=; m=; o=; a=; read -r t < "$d/type"; read -r m < "$d/mtu"; read -r o < "$d/operstate"; read -r a < "$d/address"; printf '%s %s %s %s %s\n' "${d##*/}" "${t:--}" "${m:--}" "${o:--}" "${a:--}"; done 2>/dev/null
if command -v ip >/dev/null 2>&1; then s ip; ip -o addr show 2>/dev/null
elif command -v ifconfig >/dev/null 2>&1; then s ifconfig; ifconfig 2>/dev/null
else s hostname-i; hostname -I 2>/dev/null; fi
`,
	sections: [][]string{{"route"}, {"route6"}, {"sysnet"}, {"ip", "ifconfig", "hostname-i"}},
	parse:    parseNetwork,
}

// ifaddr is one address of an interface, in the order listed.
type ifaddr struct {
	iface     string // "" when hostname -I was the source
	label     string // the alias label ip gives ("eth0:1"), "" if none
	prefix    netip.Prefix
	scope     string // from ip: "global", "host", "link"; "" if not said
	broadcast string
	peer      string
}

// parseNetwork fills Interfaces, IPAddress, MACAddress and Ohai's network.
// IPAddress is the first global IPv4 address of the default route's
// interface (the lowest metric if there are several), else the first
// global address of any interface; loopback (127/8) and link-local
// (169.254/16) addresses never count.
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
		if a.iface == "" || !a.prefix.Addr().Is4() {
			continue
		}
		if f.Interfaces == nil {
			f.Interfaces = map[string][]string{}
		}
		f.Interfaces[a.iface] = append(f.Interfaces[a.iface], a.prefix.String())
	}
	dev, gw := defaultRoute(out["route"])
	f.Network = ohaiNetwork(out["sysnet"], addrs)
	f.Network.DefaultInterface, f.Network.DefaultGateway = dev, gw
	f.Network.DefaultInet6Interface, f.Network.DefaultInet6Gateway = defaultRoute6(out["route6"])
	if iface, ok := f.Network.Interfaces[dev]; ok {
		for addr, a := range iface.Addresses {
			if a.Family == "lladdr" {
				f.MACAddress = addr
			}
		}
	}
	f.IPAddress = primaryAddress(addrs, dev)
}

func primaryAddress(addrs []ifaddr, dev string) string {
	if dev != "" {
		for _, a := range addrs {
			if a.iface == dev && isGlobal4(a) {
				return a.prefix.Addr().String()
			}
		}
	}
	for _, a := range addrs {
		if isGlobal4(a) {
			return a.prefix.Addr().String()
		}
	}
	return ""
}

func isGlobal4(a ifaddr) bool {
	ip := a.prefix.Addr()
	if !ip.Is4() || ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() {
		return false
	}
	return a.scope == "" || a.scope == "global"
}

// encapsulations names the ARPHRD link types of /sys/class/net/*/type as
// Ohai names ip's link/ types; a type not listed has no encapsulation.
var encapsulations = map[string]string{"1": "Ethernet", "772": "Loopback", "512": "PPP", "768": "IPIP", "776": "6to4"}

// ohaiNetwork builds Ohai's network.interfaces from the "NAME TYPE MTU
// STATE ADDRESS" lines of /sys/class/net ("-" for a value not read) and
// the addresses. An alias label (eth0:1) is an interface of its own, as
// in Ohai.
func ohaiNetwork(sysnet []string, addrs []ifaddr) Network {
	n := Network{Interfaces: map[string]Interface{}}
	get := func(name string) Interface {
		iface, ok := n.Interfaces[name]
		if !ok {
			iface = Interface{Addresses: map[string]Address{}}
			iface.Type, iface.Number = splitIfaceName(name)
		}
		return iface
	}
	for _, l := range sysnet {
		fields := strings.Fields(l)
		if len(fields) != 5 {
			continue
		}
		dash := func(s string) string {
			if s == "-" {
				return ""
			}
			return s
		}
		iface := get(fields[0])
		iface.Encapsulation = encapsulations[fields[1]]
		iface.MTU = dash(fields[2])
		iface.State = strings.ToLower(dash(fields[3]))
		if mac := strings.ToUpper(dash(fields[4])); mac != "" && mac != "00:00:00:00:00:00" {
			iface.Addresses[mac] = Address{Family: "lladdr"}
		}
		n.Interfaces[fields[0]] = iface
	}
	for _, a := range addrs {
		name := a.iface
		if a.label != "" {
			name = a.label
		}
		if name == "" {
			continue
		}
		iface := get(name)
		ip := a.prefix.Addr()
		addr := Address{Family: "inet", Prefixlen: strconv.Itoa(a.prefix.Bits()), Broadcast: a.broadcast, Peer: a.peer, Scope: ohaiScope(a)}
		if ip.Is4() {
			addr.Netmask = netmask(a.prefix.Bits())
		} else {
			addr.Family = "inet6"
		}
		iface.Addresses[ip.String()] = addr
		n.Interfaces[name] = iface
	}
	return n
}

// ohaiScope is ip's scope as Ohai writes it, capitalized and "host" as
// "Node"; where the source gave none (ifconfig), the address's own.
func ohaiScope(a ifaddr) string {
	s := a.scope
	if s == "" {
		ip := a.prefix.Addr()
		switch {
		case ip.IsLoopback():
			s = "host"
		case ip.IsLinkLocalUnicast():
			s = "link"
		default:
			s = "global"
		}
	}
	if s == "host" {
		return "Node"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func netmask(bits int) string {
	var b [4]byte
	for i := range bits {
		b[i/8] |= 0x80 >> (i % 8)
	}
	return netip.AddrFrom4(b).String()
}

// splitIfaceName splits an interface name as Ohai does with
// /^(\w+)(\d+.*)/: the longest word prefix followed by a digit is the
// type, the rest the number: eth0 is eth and 0, enp0s3 enp0s and 3,
// eth0.11 eth and 0.11; lo and br-lan have neither.
func splitIfaceName(name string) (typ, number string) {
	w := 0
	for w < len(name) && (name[w] == '_' || name[w] >= '0' && name[w] <= '9' || name[w] >= 'a' && name[w] <= 'z' || name[w] >= 'A' && name[w] <= 'Z') {
		w++
	}
	for i := w - 1; i >= 1; i-- {
		if name[i] >= '0' && name[i] <= '9' {
			return name[:i], name[i:]
		}
	}
	return "", ""
}

// defaultRoute reads the "IFACE FLAGS METRIC MASK GATEWAY" lines the
// script prints for /proc/net/route entries with destination 0.0.0.0
// (captures before the gateway was added have four fields) and returns
// the interface and gateway of the lowest-metric default route that is
// up. The gateway is in the kernel's byte order, little-endian on every
// platform converge supports.
func defaultRoute(lines []string) (dev, gateway string) {
	bestMetric := -1
	for _, l := range lines {
		fields := strings.Fields(l)
		if len(fields) != 4 && len(fields) != 5 {
			continue
		}
		flags, err1 := strconv.ParseUint(fields[1], 16, 32)
		metric, err2 := strconv.Atoi(fields[2])
		if err1 != nil || err2 != nil || flags&1 == 0 || fields[3] != "00000000" {
			continue // not a route that is up, or not a default route
		}
		if bestMetric >= 0 && metric >= bestMetric {
			continue
		}
		dev, gateway, bestMetric = fields[0], "", metric
		if len(fields) == 5 {
			if g, err := strconv.ParseUint(fields[4], 16, 32); err == nil {
				gateway = netip.AddrFrom4([4]byte{byte(g), byte(g >> 8), byte(g >> 16), byte(g >> 24)}).String()
			}
		}
	}
	return dev, gateway
}

// defaultRoute6 reads the "IFACE FLAGS METRIC NEXTHOP" lines the script
// prints for /proc/net/ipv6_route entries for ::/0 and returns the
// interface and gateway of the lowest-metric one that is up ("::" for a
// route without a gateway, as Ohai). The kernel's own unreachable route
// on lo is not up.
func defaultRoute6(lines []string) (dev, gateway string) {
	var best uint64
	found := false
	for _, l := range lines {
		fields := strings.Fields(l)
		if len(fields) != 4 || len(fields[3]) != 32 {
			continue
		}
		flags, err1 := strconv.ParseUint(fields[1], 16, 32)
		metric, err2 := strconv.ParseUint(fields[2], 16, 32)
		var b [16]byte
		_, err3 := hex.Decode(b[:], []byte(fields[3]))
		if err1 != nil || err2 != nil || err3 != nil || flags&1 == 0 || found && metric >= best {
			continue
		}
		dev, gateway, best, found = fields[0], netip.AddrFrom16(b).String(), metric, true
	}
	return dev, gateway
}

// parseIPAddr reads `ip -o addr show`, one address a line:
//
//	2: eth0    inet 10.0.2.15/24 brd 10.0.2.255 scope global dynamic eth0\       valid_lft 86351sec preferred_lft 86351sec
//	2: eth0    inet 10.0.3.15/24 brd 10.0.3.255 scope global secondary eth0:1\       valid_lft forever preferred_lft forever
//	5: tun0    inet 10.8.0.1 peer 10.8.0.2/32 scope global tun0
//	2: eth0    inet6 fe80::a00:27ff:fe4d:8b1e/64 scope link \       valid_lft forever preferred_lft forever
func parseIPAddr(lines []string) []ifaddr {
	var addrs []ifaddr
	for _, l := range lines {
		fields := strings.Fields(l)
		if len(fields) < 4 || !strings.HasSuffix(fields[0], ":") || fields[2] != "inet" && fields[2] != "inet6" {
			continue
		}
		iface := strings.TrimSuffix(fields[1], ":")
		iface, _, _ = strings.Cut(iface, "@") // veth "eth0@if7"
		a := ifaddr{iface: iface}
		local := fields[3]
		bits := -1
		for i := 4; i < len(fields); i++ {
			// the label ends the address ("eth0:1\" when ip joins the
			// lifetimes on with a backslash)
			field, end := strings.CutSuffix(fields[i], "\\")
			if strings.HasPrefix(field, iface+":") {
				a.label = field
			}
			if end {
				break
			}
			if i+1 >= len(fields) {
				continue
			}
			switch fields[i] {
			case "peer":
				p, b, ok := strings.Cut(fields[i+1], "/")
				if ok {
					bits, _ = strconv.Atoi(b)
				}
				a.peer = p
			case "brd":
				a.broadcast = fields[i+1]
			case "scope":
				a.scope = strings.TrimSuffix(fields[i+1], "\\")
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

// toPrefix makes a prefix of "10.0.2.15/24" or "fe80::1/64", or of
// "10.8.0.1" with bits given separately (-1: a host address, /32 or
// /128).
func toPrefix(s string, bits int) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p, true
	}
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	if bits < 0 || bits > ip.BitLen() {
		bits = ip.BitLen()
	}
	return netip.PrefixFrom(ip, bits), true
}

// parseIfconfig reads ifconfig output in both net-tools formats:
//
//	eth0      Link encap:Ethernet  HWaddr 08:00:27:4D:8B:1E
//	          inet addr:10.0.2.15  Bcast:10.0.2.255  Mask:255.255.255.0
//	          inet6 addr: fe80::a00:27ff:fe4d:8b1e/64 Scope:Link
//
//	eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500
//	        inet 10.0.2.15  netmask 255.255.255.0  broadcast 10.0.2.255
//	        inet6 fe80::a00:27ff:fe4d:8b1e  prefixlen 64  scopeid 0x20<link>
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
		if len(fields) < 2 || iface == "" {
			continue
		}
		switch fields[0] {
		case "inet":
			if a, ok := ifconfigInet(iface, fields); ok {
				addrs = append(addrs, a)
			}
		case "inet6":
			if a, ok := ifconfigInet6(iface, fields); ok {
				addrs = append(addrs, a)
			}
		}
	}
	return addrs
}

func ifconfigInet(iface string, fields []string) (ifaddr, bool) {
	a := ifaddr{iface: iface}
	local := strings.TrimPrefix(fields[1], "addr:")
	var mask string
	for i, fl := range fields {
		next := ""
		if i+1 < len(fields) {
			next = fields[i+1]
		}
		switch {
		case strings.HasPrefix(fl, "Mask:"):
			mask = fl[len("Mask:"):]
		case strings.HasPrefix(fl, "Bcast:"):
			a.broadcast = fl[len("Bcast:"):]
		case strings.HasPrefix(fl, "P-t-P:"):
			a.peer = fl[len("P-t-P:"):]
		case fl == "netmask":
			mask = next
		case fl == "broadcast":
			a.broadcast = next
		case fl == "destination":
			a.peer = next
		}
	}
	bits := -1
	if m, err := netip.ParseAddr(mask); err == nil && m.Is4() {
		bits = maskBits(m)
	}
	if a.broadcast == "0.0.0.0" {
		a.broadcast = "" // new net-tools' way of saying none
	}
	p, ok := toPrefix(local, bits)
	if !ok || !p.Addr().Is4() {
		return ifaddr{}, false
	}
	a.prefix = p
	return a, true
}

// ifconfigInet6 reads "inet6 addr: fe80::1/64 Scope:Link" (old net-tools)
// and "inet6 fe80::1  prefixlen 64  scopeid 0x20<link>" (new).
func ifconfigInet6(iface string, fields []string) (ifaddr, bool) {
	a := ifaddr{iface: iface}
	local, bits := "", -1
	for i, fl := range fields {
		switch {
		case fl == "addr:" && i+1 < len(fields):
			local = fields[i+1]
		case i == 1 && fl != "addr:":
			local = fl
		case fl == "prefixlen" && i+1 < len(fields):
			bits, _ = strconv.Atoi(fields[i+1])
		case strings.HasPrefix(fl, "Scope:"):
			a.scope = strings.ToLower(fl[len("Scope:"):])
		case strings.HasPrefix(fl, "scopeid") && i+1 < len(fields):
			if _, s, ok := strings.Cut(fields[i+1], "<"); ok {
				a.scope = strings.TrimSuffix(s, ">")
			}
		}
	}
	p, ok := toPrefix(local, bits)
	if !ok || p.Addr().Is4() {
		return ifaddr{}, false
	}
	a.prefix = p
	return a, true
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
			if p, ok := toPrefix(w, -1); ok && p.Addr().Is4() {
				addrs = append(addrs, ifaddr{prefix: p})
			}
		}
	}
	return addrs
}
