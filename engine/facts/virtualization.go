package facts

import "strings"

// virtualizationFact collects, with builtins only, the clues Ohai reads to
// tell what the node runs on or in: marker files of Xen, OpenVZ, Docker
// and Podman, systemd's /run/systemd/container, the DMI vendor and product
// names, the CPU model and hypervisor flag, the kvm and vbox modules, and
// a container's cgroup path. Each clue is a line "KEY VALUE". The
// cpuinfo loop stops at the first CPU's flags (x86) or Features (ARM).
var virtualizationFact = fact{
	script: `s virt; for p in /proc/xen /proc/vz /proc/bc/0 /.dockerenv /run/.containerenv; do [ -e $p ] && echo "exists $p"; done
[ -r /proc/xen/capabilities ] && { v=; read -r v < /proc/xen/capabilities; echo "xen-caps $v"; }
[ -r /run/systemd/container ] && { v=; read -r v < /run/systemd/container; echo "container $v"; }
for k in sys_vendor product_name; do [ -r /sys/devices/virtual/dmi/id/$k ] && { v=; read -r v < /sys/devices/virtual/dmi/id/$k; echo "dmi-$k $v"; }; done
[ -r /proc/cpuinfo ] && while IFS=: read -r k v; do case $k in "model name"*) echo "cpu-model$v";; flags*) case " $v " in *" hypervisor "*) echo "cpu-flag hypervisor";; esac; break;; Features*) break;; esac; done < /proc/cpuinfo
[ -r /proc/modules ] && while read -r m r; do case $m in kvm|vboxdrv|vboxguest) echo "module $m";; esac; done < /proc/modules
[ -r /proc/self/cgroup ] && while IFS=: read -r n c p; do case $p in */docker[-/]*|*/lxc/*|*/libpod-*) echo "cgroup $p"; break;; esac; done < /proc/self/cgroup
`,
	sections: [][]string{{"virt"}},
	parse:    parseVirtualization,
}

// dmiSystems names the hypervisor from the DMI vendor or product name,
// first match wins, as Ohai's dmi-based detection.
var dmiSystems = []struct{ text, system string }{
	{"vmware", "vmware"},
	{"virtualbox", "vbox"},
	{"hvm domu", "xen"},
	{"amazon ec2", "amazonec2"},
	{"openstack", "openstack"},
	{"parallels", "parallels"},
	{"bhyve", "bhyve"},
	{"kvm", "kvm"},
	{"qemu", "kvm"},
	{"google compute engine", "kvm"},
	{"bochs", "kvm"},
}

// containerSystems maps /run/systemd/container (systemd-detect-virt's
// names) to Ohai's.
var containerSystems = map[string]string{"systemd-nspawn": "nspawn", "docker": "docker", "podman": "podman", "lxc": "lxc", "lxc-libvirt": "lxc", "openvz": "openvz", "wsl": "wsl"}

// parseVirtualization fills Virtualization from the clues, in Ohai's
// order: hypervisors first (Xen, the kvm and vbox modules of a host, the
// CPU model of a QEMU guest, DMI, OpenVZ), then containers, so that the
// last one found, the innermost, is System and Role.
func parseVirtualization(out sections, f *Facts) {
	v := Virtualization{Systems: map[string]string{}}
	set := func(system, role string) {
		v.System, v.Role = system, role
		v.Systems[system] = role
	}
	clues := map[string][]string{}
	for _, l := range out["virt"] {
		k, val, _ := strings.Cut(strings.TrimSpace(l), " ")
		clues[k] = append(clues[k], strings.TrimSpace(val))
	}
	has := func(k, val string) bool {
		for _, x := range clues[k] {
			if x == val {
				return true
			}
		}
		return false
	}
	firstOf := func(k string) string {
		if len(clues[k]) > 0 {
			return clues[k][0]
		}
		return ""
	}

	if has("exists", "/proc/xen") {
		role := "guest"
		if strings.Contains(strings.ToLower(firstOf("xen-caps")), "control_d") {
			role = "host"
		}
		set("xen", role)
	}
	switch {
	case has("module", "kvm"):
		set("kvm", "host")
	case has("module", "vboxdrv"):
		set("vbox", "host")
	case has("module", "vboxguest"):
		set("vbox", "guest")
	}
	if m := firstOf("cpu-model"); strings.Contains(m, "QEMU Virtual CPU") || strings.Contains(m, "Common KVM processor") || strings.Contains(m, "Common 32-bit KVM processor") {
		set("kvm", "guest")
	}
	dmi := strings.ToLower(firstOf("dmi-sys_vendor") + " " + firstOf("dmi-product_name"))
	switch {
	case strings.Contains(dmi, "microsoft") && strings.Contains(dmi, "virtual machine"):
		set("hyperv", "guest")
	default:
		for _, d := range dmiSystems {
			if strings.Contains(dmi, d.text) {
				set(d.system, "guest")
				break
			}
		}
	}
	switch {
	case has("exists", "/proc/bc/0"):
		set("openvz", "host")
	case has("exists", "/proc/vz"):
		set("openvz", "guest")
	}

	if c := firstOf("container"); c != "" {
		if s, ok := containerSystems[c]; ok {
			c = s
		}
		set(c, "guest")
	}
	cg := firstOf("cgroup")
	switch {
	case has("exists", "/.dockerenv") || strings.Contains(cg, "/docker"):
		set("docker", "guest")
	case has("exists", "/run/.containerenv") || strings.Contains(cg, "/libpod-"):
		set("podman", "guest")
	case strings.Contains(cg, "/lxc/"):
		set("lxc", "guest")
	}
	f.Virtualization = v
}
