package resources

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/shell"
)

// Hostname sets the node's name: /etc/hostname, the running kernel's name
// and the node's line in /etc/hosts, as Chef's hostname does.
type Hostname struct {
	engine.Common
	Hostname  string   `prop:"hostname,name" doc:"The name, short (web1) or fully qualified (web1.example.com); defaults to the resource name."`
	IPAddress string   `prop:"ipaddress" doc:"Address of the name's /etc/hosts line (default 127.0.1.1 on Debian and Ubuntu, the node's address elsewhere)."`
	Aliases   []string `prop:"aliases" doc:"More names for the /etc/hosts line."`
	Hosts     bool     `prop:"manage_hosts" doc:"Whether to manage the /etc/hosts line (default True)."`

	short string
	line  string
}

var _ engine.Resource = (*Hostname)(nil)

func init() {
	engine.Register(engine.Kind{Name: "hostname", Actions: []string{"set"},
		New: func() engine.Resource { return &Hostname{} }, Doc: "The node's hostname, in /etc/hostname, the kernel and /etc/hosts."})
}

var (
	hostLabelRe = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
	hostIPRe    = regexp.MustCompile(`^[0-9A-Fa-f.:]+$`)
)

func validHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if !hostLabelRe.MatchString(l) {
			return false
		}
	}
	return true
}

// Prepare validates the name and builds the /etc/hosts line.
func (h *Hostname) Prepare(pc *engine.PrepareContext) error {
	if !validHostname(h.Hostname) {
		return engine.Errorf(&h.Common, "a hostname is letters, digits and inner dashes, in dot-separated labels of at most 63 characters", "hostname %q is not a valid hostname", h.Hostname)
	}
	for _, a := range h.Aliases {
		if !validHostname(a) {
			return engine.Errorf(&h.Common, "", "alias %q is not a valid hostname", a)
		}
	}
	if !h.IsSet("manage_hosts") {
		h.Hosts = true
	}
	if h.IPAddress == "" {
		if pc != nil && pc.Node != nil && pc.Node.Facts.PlatformFamily != "debian" {
			h.IPAddress = pc.Node.Facts.IPAddress
		}
		if h.IPAddress == "" {
			h.IPAddress = "127.0.1.1"
		}
	}
	if !hostIPRe.MatchString(h.IPAddress) {
		return engine.Errorf(&h.Common, "", "ipaddress %q is not an IP address", h.IPAddress)
	}
	h.short, _, _ = strings.Cut(h.Hostname, ".")
	names := []string{h.Hostname}
	if h.short != h.Hostname {
		names = append(names, h.short)
	}
	h.line = h.IPAddress + "\t" + strings.Join(append(names, h.Aliases...), " ")
	return nil
}

const hostnameProbe = "hostname"

// Probes read the running name, /etc/hostname's state and /etc/hosts.
func (h *Hostname) Probes() []engine.Probe {
	ps := []engine.Probe{engine.ShellProbe(hostnameProbe, "/etc/hostname"), engine.StatProbe("/etc/hostname")}
	if h.Hosts {
		ps = append(ps, engine.ShellProbe("cat /etc/hosts", "/etc/hosts"))
	}
	return ps
}

// Touches is /etc/hostname and /etc/hosts.
func (h *Hostname) Touches() []string { return []string{"/etc/hostname", "/etc/hosts"} }

// Check compares the running name, /etc/hostname and the hosts line.
func (h *Hostname) Check(_ string, p engine.Probed) (engine.Diff, error) {
	live, err := shellOf(p, hostnameProbe)
	if err != nil {
		return engine.Diff{}, err
	}
	st, err := statOf(p, "/etc/hostname")
	if err != nil {
		return engine.Diff{}, err
	}
	var d engine.Diff
	var plan steps
	fileStep(&d, &plan, st, "/etc/hostname", []byte(h.Hostname+"\n"), "0644")
	if now := strings.TrimSpace(live.Stdout); now != h.Hostname || p.Assumed() {
		d.Changes = append(d.Changes, fmt.Sprintf("set hostname from %q to %q", now, h.Hostname))
		plan.run("hostname " + shell.Quote(h.Hostname))
	}
	if h.Hosts {
		hosts, err := shellOf(p, "cat /etc/hosts")
		if err != nil {
			return engine.Diff{}, err
		}
		old := ""
		if hosts.ExitCode == 0 && !p.Assumed() {
			old = hosts.Stdout
		}
		if next, ok := h.hosts(old); !ok {
			d.Changes = append(d.Changes, "set "+h.IPAddress+" to "+strings.Join(strings.Fields(h.line)[1:], " ")+" in /etc/hosts")
			plan.write("/etc/hosts", []byte(next), "0644")
			if old != "" {
				d.Content = &engine.ContentChange{Path: "/etc/hosts", Old: []byte(old + "\n"), New: []byte(next)}
			}
		}
	}
	if d.Empty() {
		return engine.Diff{}, nil
	}
	d.Commands, d.Data = plan.commands(), plan
	return d, nil
}

// hosts returns /etc/hosts with the name's line in place of the first
// line for its address (or appended), and whether it was already there.
func (h *Hostname) hosts(old string) (string, bool) {
	var lines []string
	if old != "" {
		lines = strings.Split(strings.TrimRight(old, "\n"), "\n")
	}
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) == 0 || f[0] != h.IPAddress {
			continue
		}
		if strings.Join(f, " ") == strings.Join(strings.Fields(h.line), " ") {
			return "", true
		}
		lines[i] = h.line
		return strings.Join(lines, "\n") + "\n", false
	}
	return strings.Join(append(lines, h.line), "\n") + "\n", false
}

// Apply writes the files and sets the running name.
func (h *Hostname) Apply(ctx context.Context, _ string, d engine.Diff, host *engine.Host) error {
	return applySteps(ctx, d, host)
}
