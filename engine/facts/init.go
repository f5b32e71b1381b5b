package facts

import "strings"

// initFact finds the init system that manages services. systemd is
// running when /run/systemd/system exists (sd_booted(3)); otherwise
// /sbin/initctl says whether upstart is there. /proc/1/comm is read for
// diagnostics: in a container, PID 1 is often neither ("bash", "sleep").
var initFact = fact{
	script: `s init; if [ -d /run/systemd/system ]; then echo systemd; elif [ -x /sbin/initctl ]; then /sbin/initctl --version 2>/dev/null; fi
s pid1; c /proc/1/comm
`,
	sections: [][]string{{"init"}, {"pid1"}},
	parse:    parseInit,
}

// parseInit fills Init, InitProcess and Ohai's init_package (PID 1's
// name, "init" when /proc/1/comm cannot be read). Upstart counts only outside the
// rhel and fedora families: RHEL/CentOS 6, Amazon Linux 1 and old Fedora
// boot with upstart but manage their services with SysV init scripts, and
// Chef treats them as sysvinit.
func parseInit(out sections, f *Facts) {
	f.InitProcess = out.first("pid1")
	f.InitPackage = f.InitProcess
	if f.InitPackage == "" {
		f.InitPackage = "init"
	}
	f.Init = "sysvinit"
	for _, l := range out["init"] {
		switch {
		case strings.TrimSpace(l) == "systemd":
			f.Init = "systemd"
			return
		case strings.Contains(l, "upstart") && f.PlatformFamily != "rhel" && f.PlatformFamily != "fedora":
			f.Init = "upstart"
			return
		}
	}
}
