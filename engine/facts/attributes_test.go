package facts

import (
	"reflect"
	"strings"
	"testing"
)

// Every field of Facts appears in Map under its JSON name, so recipes and
// templates read node.X with the names node JSON uses; KernelInfo is
// Ohai's kernel hash, under "kernel".
func TestMap_KeysAreTheJSONNames(t *testing.T) {
	m := Facts{}.Map()
	typ := reflect.TypeFor[Facts]()
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if name == "kernel_info" {
			name = "kernel"
		}
		if _, ok := m[name]; !ok {
			t.Errorf("Map has no %q (field %s)", name, typ.Field(i).Name)
		}
	}
	// kernel_info and kernel are one key
	if len(m) != typ.NumField()-1 {
		t.Errorf("Map has %d keys, Facts %d fields", len(m), typ.NumField())
	}
	if _, ok := m["kernel"].(map[string]any); !ok {
		t.Errorf(`Map()["kernel"] = %#v, want Ohai's kernel hash`, m["kernel"])
	}
}

func TestMap_IsACopy(t *testing.T) {
	f, err := ForPlatform("debian-12")
	if err != nil {
		t.Fatal(err)
	}
	m := f.Map()
	if m["platform"] != "debian" || m["cpu_count"] != 2 {
		t.Errorf("Map() = %v", m)
	}
	addrs := m["interfaces"].(map[string]any)["eth0"].([]any)
	addrs[0] = "changed"
	if f.Interfaces["eth0"][0] != "192.0.2.10/24" {
		t.Error("changing Map's interfaces changed the facts")
	}
	g := mustParseFixture(t, "rocky-9")
	m = g.Map()
	dig(t, m, "network", "interfaces", "eth1", "addresses", "203.0.113.7").(map[string]any)["prefixlen"] = "8"
	dig(t, m, "virtualization", "systems").(map[string]any)["kvm"] = "host"
	if g.Network.Interfaces["eth1"].Addresses["203.0.113.7"].Prefixlen != "24" || g.Virtualization.Systems["kvm"] != "guest" {
		t.Error("changing Map's network or virtualization changed the facts")
	}
}

// dig reads m[k1][k2]..., failing the test where a key is missing.
func dig(t *testing.T, m any, keys ...string) any {
	t.Helper()
	for i, k := range keys {
		mm, ok := m.(map[string]any)
		if !ok {
			t.Fatalf("%s is %T, not a map", strings.Join(keys[:i], "."), m)
		}
		if m, ok = mm[k]; !ok {
			t.Fatalf("no key %s", strings.Join(keys[:i+1], "."))
		}
	}
	return m
}

func mustParseFixture(t *testing.T, name string) Facts {
	t.Helper()
	f, err := Parse(mustFixture(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// The paths that code migrated from Chef reads, with Ohai's values.
func TestMap_OhaiPaths(t *testing.T) {
	rocky := mustParseFixture(t, "rocky-9").Map()
	ubuntu := mustParseFixture(t, "ubuntu-22.04").Map()
	alpine := mustParseFixture(t, "alpine-3.19").Map()
	for _, tc := range []struct {
		m    map[string]any
		path string
		want any
	}{
		{rocky, "kernel.name", "Linux"},
		{rocky, "kernel.release", "5.14.0-362.8.1.el9_3.x86_64"},
		{rocky, "kernel.machine", "x86_64"},
		{rocky, "os", "linux"},
		{rocky, "os_version", "5.14.0-362.8.1.el9_3.x86_64"},
		{rocky, "platform_version", "9.3"},
		{rocky, "root_group", "root"},
		{rocky, "init_package", "systemd"},
		{rocky, "domain", "lab.example"},
		{rocky, "fqdn", "rocky9.lab.example"},
		{rocky, "lsb.id", "Rocky"},
		{rocky, "lsb.codename", "BlueOnyx"},
		{rocky, "cpu.total", 4},
		{rocky, "memory.total", "7869136kB"},
		{rocky, "memory.swap.total", "8388604kB"},
		{rocky, "network.default_interface", "eth1"},
		{rocky, "network.default_gateway", "203.0.113.1"},
		{rocky, "network.default_inet6_gateway", "fe80::1"},
		{rocky, "network.interfaces.eth1.addresses.203.0.113.7", map[string]any{"family": "inet", "prefixlen": "24", "netmask": "255.255.255.0", "broadcast": "203.0.113.255", "scope": "Global"}},
		{rocky, "network.interfaces.eth1.addresses.2001:db8:113::7", map[string]any{"family": "inet6", "prefixlen": "64", "scope": "Global"}},
		{rocky, "network.interfaces.eth1.addresses.52:54:00:12:34:07", map[string]any{"family": "lladdr"}},
		{rocky, "network.interfaces.lo.addresses.127.0.0.1.scope", "Node"},
		{rocky, "network.interfaces.eth1.mtu", "1500"},
		{rocky, "network.interfaces.eth1.state", "up"},
		{rocky, "macaddress", "52:54:00:12:34:07"},
		{rocky, "virtualization.system", "kvm"},
		{rocky, "virtualization.role", "guest"},
		{ubuntu, "lsb.codename", "jammy"},
		{ubuntu, "lsb.release", "22.04"},
		{ubuntu, "virtualization.system", "amazonec2"},
		{ubuntu, "network.interfaces.ens5.type", "ens"},
		{ubuntu, "network.interfaces.ens5.number", "5"},
		{ubuntu, "hostname", "ip-172-31-20-5"},
		{alpine, "kernel.os", "Linux"},
		{alpine, "lsb.id", "Alpine"},
		{alpine, "lsb.codename", ""},
		{alpine, "init_package", "init"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			if got := digPath(t, tc.m, tc.path); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s = %#v, want %#v", tc.path, got, tc.want)
			}
		})
	}
}

// digPath reads a dotted path whose keys may themselves hold dots (an
// IPv4 address): at each level the longest key that matches wins.
func digPath(t *testing.T, m any, path string) any {
	t.Helper()
	for path != "" {
		mm, ok := m.(map[string]any)
		if !ok {
			t.Fatalf("%T at %q is not a map", m, path)
		}
		found := false
		for i := len(path); i > 0; i-- {
			if i < len(path) && path[i] != '.' {
				continue
			}
			if v, ok := mm[path[:i]]; ok {
				m, path, found = v, strings.TrimPrefix(path[i:], "."), true
				break
			}
		}
		if !found {
			t.Fatalf("no key for %q", path)
		}
	}
	return m
}

// Facts recorded before converge gathered Ohai's facts, and the facts
// ForPlatform invents, still give every Ohai path, derived from
// converge's own facts.
func TestMap_DerivesOhaiFactsWhereTheyAreEmpty(t *testing.T) {
	for _, tc := range []struct {
		spec, path string
		want       any
	}{
		{"ubuntu-22.04", "kernel.release", "5.15.0-105-generic"},
		{"ubuntu-22.04", "kernel.machine", "x86_64"},
		{"ubuntu-22.04", "kernel.name", "Linux"},
		{"ubuntu-22.04", "os", "linux"},
		{"ubuntu-22.04", "os_version", "5.15.0-105-generic"},
		{"ubuntu-22.04", "lsb.codename", "jammy"},
		{"ubuntu-22.04", "lsb.id", "Ubuntu"},
		{"debian-12", "lsb.codename", "bookworm"},
		{"debian-12", "lsb.release", "12"},
		{"centos-7.1.1503", "lsb.codename", "Core"},
		{"centos-7.1.1503", "lsb.release", "7.1.1503"},
		{"rocky-9", "cpu.total", 2},
		{"rocky-9", "memory.total", "2097152kB"},
		{"rocky-9", "root_group", "root"},
		{"rocky-9", "init_package", "systemd"},
		{"centos-6.7", "init_package", "init"},
		{"rocky-9", "domain", ""},
		{"rocky-9", "network.interfaces.eth0.addresses.192.0.2.10", map[string]any{"family": "inet", "prefixlen": "24", "netmask": "255.255.255.0", "scope": "Global"}},
		{"rocky-9", "network.default_interface", ""},
		{"rocky-9", "virtualization.system", ""},
	} {
		t.Run(tc.spec+" "+tc.path, func(t *testing.T) {
			f, err := ForPlatform(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			if got := digPath(t, f.Map(), tc.path); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s = %#v, want %#v", tc.path, got, tc.want)
			}
		})
	}
}
