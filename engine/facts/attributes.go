package facts

// Map returns the facts as automatic attributes, keyed by their JSON
// names (node.platform reads "platform"), for attribute merging and
// templates. Every key is present, even when its value is empty, so a
// recipe that reads one never fails on a node that lacks it. Values are
// strings and ints; interfaces is a map of interface name to a []any of
// CIDR strings, the shapes node JSON decodes to. The map is a copy: the
// caller may change it.
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
		"kernel":           f.Kernel,
		"machine":          f.Machine,
		"cpu_count":        f.CPUCount,
		"memory_mb":        f.MemoryMB,
		"interfaces":       ifaces,
	}
}
