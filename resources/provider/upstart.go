package provider

import (
	"fmt"
	"strings"

	"github.com/converge-cm/converge/engine/shell"
)

// Upstart manages upstart jobs (/etc/init/NAME.conf) with initctl, and
// falls back to SysV for services that have only an init script, as many
// do on ubuntu 14.04. The probe reports both; the commands choose at run
// time by testing for the job file.
type Upstart struct {
	// SysV handles services with no upstart job.
	SysV SysV
}

var _ Service = Upstart{}

func (Upstart) Name() string { return "upstart" }

func jobFile(service string) string      { return "/etc/init/" + service + ".conf" }
func overrideFile(service string) string { return "/etc/init/" + service + ".override" }

// manualLine matches a `manual` stanza, with an optional comment, in a grep
// and sed basic regular expression.
const manualLine = `^[[:space:]]*manual[[:space:]]*\(#.*\)\{0,1\}$`

// Probe reports, as "tag<TAB>value" lines, the exit status of `test -e` on
// the job file ("job", 0: it exists), the exit status of grep for a
// `manual` stanza in the override file ("manual", 0: found), the first
// line of `initctl status NAME` ("initctl"), then the SysV probe lines.
// pattern applies to the SysV fallback only: upstart tracks its jobs'
// processes.
func (u Upstart) Probe(service, pattern string) string {
	q := shell.Quote(service)
	return "test -e " + shell.Quote(jobFile(service)) + `; printf 'job\t%s\n' "$?"; ` +
		"grep -q " + shell.Quote(manualLine) + " " + shell.Quote(overrideFile(service)) +
		` 2>/dev/null; printf 'manual\t%s\n' "$?"; ` +
		`printf 'initctl\t%s\n' "$(initctl status ` + q + ` 2>/dev/null | head -n 1)"; ` +
		u.SysV.Probe(service, pattern)
}

// ParseProbe reads Probe's output. A job is enabled unless its override
// file holds `manual`, and running when initctl reports start/running
// ("ssh start/running, process 1041"). Without a job, the SysV lines
// decide.
func (u Upstart) ParseProbe(stdout string) (ServiceState, error) {
	vals := tagValues(stdout)
	for _, tag := range []string{"job", "manual", "initctl"} {
		if _, ok := vals[tag]; !ok {
			return ServiceState{}, fmt.Errorf("upstart probe output has no %q line: %q", tag, clip(stdout))
		}
	}
	if vals["job"] != "0" {
		return u.SysV.ParseProbe(stdout)
	}
	st := ServiceState{Exists: true, Enabled: vals["manual"] != "0"}
	for _, f := range strings.Fields(vals["initctl"]) {
		if strings.TrimSuffix(f, ",") == "start/running" {
			st.Running = true
		}
	}
	return st, nil
}

// either runs job when the service has an upstart job, else sysv.
func either(service, job, sysv string) string {
	return "if test -e " + shell.Quote(jobFile(service)) + "; then " + job + "; else " + sysv + "; fi"
}

func initctl(verb, service string) string { return "initctl " + verb + " " + shell.Quote(service) }

func (u Upstart) Start(s string) string {
	return either(s, initctl("start", s), u.SysV.Start(s))
}

func (u Upstart) Stop(s string) string {
	return either(s, initctl("stop", s), u.SysV.Stop(s))
}

// Restart stops (ignoring "Unknown instance" for a stopped job) and starts
// the job: `initctl restart` fails on a stopped job and does not re-read a
// changed job file, which is usually why a restart was notified.
func (u Upstart) Restart(s string) string {
	return either(s, initctl("stop", s)+" >/dev/null 2>&1; "+initctl("start", s), u.SysV.Restart(s))
}

// Reload sends the job SIGHUP with `initctl reload`.
func (u Upstart) Reload(s string) string {
	return either(s, initctl("reload", s), u.SysV.Reload(s))
}

// Enable deletes `manual` lines from the job's override file, keeping any
// other stanzas there.
func (u Upstart) Enable(s string) string {
	ovr := shell.Quote(overrideFile(s))
	job := "if test -e " + ovr + "; then sed -i " + shell.Quote("/"+manualLine+"/d") + " " + ovr + "; fi"
	return either(s, job, u.SysV.Enable(s))
}

// Disable appends `manual` to the job's override file (appending keeps
// other stanzas there; Disable runs only when there is no `manual` yet).
func (u Upstart) Disable(s string) string {
	return either(s, "echo manual >> "+shell.Quote(overrideFile(s)), u.SysV.Disable(s))
}
