package provider

import (
	"fmt"
	"strings"

	"github.com/converge-cm/converge/engine/shell"
)

// Systemd manages services with systemctl. A name without a unit suffix
// means NAME.service, as systemctl reads it. On debian, systemctl hands
// SysV-only scripts to systemd-sysv-install, so they work too.
type Systemd struct{}

var _ Service = Systemd{}

func (Systemd) Name() string { return "systemd" }

// Probe reports, one tagged line each, the unit's LoadState ("load<TAB>
// LoadState=loaded"), `systemctl is-enabled` ("enabled<TAB>enabled") and
// `systemctl is-active` ("active<TAB>active"). Only the last line of each
// answer is kept, so notices about SysV redirection cannot break the tags.
// pattern is ignored: systemd tracks a service's processes itself.
func (Systemd) Probe(service, pattern string) string {
	q := shell.Quote(service)
	return `printf 'load\t%s\n' "$(systemctl show -p LoadState -- ` + q + ` 2>/dev/null | tail -n 1)"; ` +
		`printf 'enabled\t%s\n' "$(systemctl is-enabled -- ` + q + ` 2>/dev/null | tail -n 1)"; ` +
		`printf 'active\t%s\n' "$(systemctl is-active -- ` + q + ` 2>/dev/null | tail -n 1)"`
}

// systemdEnabled are the is-enabled answers systemctl itself counts as
// enabled (exit status 0). "static", "indirect" and "generated" units
// cannot be enabled further, so counting them as enabled keeps `enable`
// idempotent; the price is that `disable` cannot turn them off either.
var systemdEnabled = map[string]bool{
	"enabled":         true,
	"enabled-runtime": true,
	"alias":           true,
	"static":          true,
	"indirect":        true,
	"generated":       true,
	"transient":       true,
}

// ParseProbe reads Probe's output. The unit exists when systemd loaded it
// (any LoadState but not-found) or, when systemd could not be asked (no
// system bus, as in a container), when is-enabled found its unit file.
// It is running when active (or reloading).
func (Systemd) ParseProbe(stdout string) (ServiceState, error) {
	vals := map[string]string{}
	for _, line := range strings.Split(stdout, "\n") {
		tag, f, ok := splitTagged(line)
		if !ok {
			continue
		}
		switch tag {
		case "load", "enabled", "active":
			vals[tag] = strings.TrimSpace(strings.Join(f, "\t"))
		}
	}
	for _, tag := range []string{"load", "enabled", "active"} {
		if _, ok := vals[tag]; !ok {
			return ServiceState{}, fmt.Errorf("systemd probe output has no %q line: %q", tag, clip(stdout))
		}
	}
	load := strings.TrimPrefix(vals["load"], "LoadState=")
	enabled, active := vals["enabled"], vals["active"]
	var st ServiceState
	switch load {
	case "":
		st.Exists = enabled != "" && enabled != "not-found"
	default:
		st.Exists = load != "not-found"
	}
	st.Enabled = systemdEnabled[enabled]
	st.Running = active == "active" || active == "reloading"
	return st, nil
}

func systemctl(verb, service string) string {
	return "systemctl " + verb + " -- " + shell.Quote(service)
}

func (Systemd) Start(service string) string   { return systemctl("start", service) }
func (Systemd) Stop(service string) string    { return systemctl("stop", service) }
func (Systemd) Restart(service string) string { return systemctl("restart", service) }
func (Systemd) Reload(service string) string  { return systemctl("reload", service) }
func (Systemd) Enable(service string) string  { return systemctl("enable", service) }
func (Systemd) Disable(service string) string { return systemctl("disable", service) }
