package provider

import (
	"fmt"
	"strings"

	"github.com/converge-cm/converge/engine/shell"
)

// SysVFlavor says which tool a SysV init node uses to enable services.
type SysVFlavor int

const (
	// Debian enables with update-rc.d (debian, ubuntu).
	Debian SysVFlavor = iota
	// RHEL enables with chkconfig (rhel, centos, fedora, amazon).
	RHEL
)

// SysV manages services through /etc/init.d scripts: `service NAME verb`
// runs them (in the clean environment LSB asks for), and update-rc.d or
// chkconfig, by Flavor, manages their boot links. The zero value is the
// debian flavour.
type SysV struct {
	Flavor SysVFlavor
}

var _ Service = SysV{}

func (SysV) Name() string { return "sysvinit" }

func initScript(service string) string { return "/etc/init.d/" + service }

// Probe reports, as "tag<TAB>value" lines:
//
//	script     exit status of `test -e /etc/init.d/NAME` (0: the script exists)
//	enabled    debian: exit status of `ls` on /etc/rc[2345].d/S[0-9][0-9]NAME
//	           (0: a start link exists in some multi-user runlevel)
//	chkconfig  rhel: the line `chkconfig --list NAME` prints
//	running    exit status of `service NAME status` (0: running, per LSB),
//	           or of `pgrep -f` when pattern is not empty
//
// Use a pattern for scripts with no status verb, which exit non-zero for
// it and would always read as stopped.
func (s SysV) Probe(service, pattern string) string {
	q := shell.Quote(service)
	cmd := "test -e " + shell.Quote(initScript(service)) + `; printf 'script\t%s\n' "$?"; `
	if s.Flavor == RHEL {
		cmd += `printf 'chkconfig\t%s\n' "$(chkconfig --list ` + q + ` 2>/dev/null | head -n 1)"; `
	} else {
		// The glob stays unquoted; the quoted name within it is literal.
		cmd += "ls -d /etc/rc[2345].d/S[0-9][0-9]" + q + ` >/dev/null 2>&1; printf 'enabled\t%s\n' "$?"; `
	}
	return cmd + sysvRunning(service, pattern)
}

// sysvRunning is the probe text for the "running" line.
func sysvRunning(service, pattern string) string {
	if pattern != "" {
		return pgrepRunning(pattern)
	}
	return "service " + shell.Quote(service) + ` status >/dev/null 2>&1; printf 'running\t%s\n' "$?"`
}

// ParseProbe reads Probe's output.
func (s SysV) ParseProbe(stdout string) (ServiceState, error) {
	vals := tagValues(stdout)
	need := []string{"script", "running", "enabled"}
	if s.Flavor == RHEL {
		need[2] = "chkconfig"
	}
	for _, tag := range need {
		if _, ok := vals[tag]; !ok {
			return ServiceState{}, fmt.Errorf("sysvinit probe output has no %q line: %q", tag, clip(stdout))
		}
	}
	st := ServiceState{
		Exists:  vals["script"] == "0",
		Running: vals["running"] == "0",
	}
	if s.Flavor == RHEL {
		st.Enabled = chkconfigOn(vals["chkconfig"])
	} else {
		st.Enabled = vals["enabled"] == "0"
	}
	return st, nil
}

// chkconfigOn reads a `chkconfig --list NAME` line,
// "sshd<TAB>0:off<TAB>1:off<TAB>2:on<TAB>3:on…": the service is enabled
// when it starts in runlevel 3, the multi-user runlevel of a server.
func chkconfigOn(line string) bool {
	for _, f := range strings.Fields(line) {
		if f == "3:on" {
			return true
		}
	}
	return false
}

// tagValues maps each "tag<TAB>value" line to its value; the last line
// with a tag wins.
func tagValues(stdout string) map[string]string {
	vals := map[string]string{}
	for _, line := range strings.Split(stdout, "\n") {
		if tag, f, ok := splitTagged(line); ok {
			vals[tag] = strings.TrimSpace(strings.Join(f, "\t"))
		}
	}
	return vals
}

func serviceCmd(name, verb string) string {
	return "service " + shell.Quote(name) + " " + verb
}

func (SysV) Start(s string) string   { return serviceCmd(s, "start") }
func (SysV) Stop(s string) string    { return serviceCmd(s, "stop") }
func (SysV) Restart(s string) string { return serviceCmd(s, "restart") }
func (SysV) Reload(s string) string  { return serviceCmd(s, "reload") }

// Enable makes the service start at boot. On debian, `update-rc.d NAME
// defaults` creates the links when there are none and `update-rc.d NAME
// enable` turns the stop links a disable left back into start links. On
// rhel, `chkconfig --add` registers the script and `chkconfig NAME on`
// switches its default runlevels on.
func (s SysV) Enable(service string) string {
	q := shell.Quote(service)
	if s.Flavor == RHEL {
		return "chkconfig --add " + q + " && chkconfig " + q + " on"
	}
	return "update-rc.d " + q + " defaults && update-rc.d " + q + " enable"
}

// Disable stops the service starting at boot. On debian it uses
// `update-rc.d NAME disable`, which turns start links into stop links,
// rather than `update-rc.d -f NAME remove`: with no links at all, the
// package's next upgrade would run `update-rc.d NAME defaults` and enable
// it again.
func (s SysV) Disable(service string) string {
	q := shell.Quote(service)
	if s.Flavor == RHEL {
		return "chkconfig " + q + " off"
	}
	return "update-rc.d " + q + " disable"
}
