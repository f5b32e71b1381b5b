package provider

import (
	"fmt"
	"strings"

	"github.com/converge-cm/converge/engine/shell"
)

// Apt manages packages with dpkg and apt-get (the debian family).
//
// Commands run apt-get non-interactively and keep a locally changed
// configuration file when a package ships a new one (--force-confdef
// --force-confold), as Chef's apt provider does. The probe does not run
// apt-get update: candidates come from the lists the node already has.
type Apt struct{}

var _ Package = Apt{}

// aptGet is apt-get with the flags every apt command shares.
const aptGet = "DEBIAN_FRONTEND=noninteractive apt-get -q -y " +
	"-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold"

// dpkgFormat makes dpkg-query print one tagged line per matching package:
// "dpkg<TAB>name<TAB>arch<TAB>want ok state<TAB>version". dpkg-query expands
// \t and \n itself.
const dpkgFormat = `dpkg\t${Package}\t${Architecture}\t${Status}\t${Version}\n`

func (Apt) Name() string { return "apt" }

// Probe lists the names with one dpkg-query call and, when candidates is
// true, asks apt-cache policy (in the C locale, whose "Candidate:" is not
// translated) in the same command. dpkg-query exits 1 when a name is
// unknown; the exit line records it and ParseProbe accepts it.
func (Apt) Probe(names []string, candidates bool) string {
	cmd := join(" ", "dpkg-query -W -f="+shell.Quote(dpkgFormat), "--", words(names)) +
		" 2>/dev/null; " + exitLine("dpkg-query")
	if candidates {
		cmd += "; " + join(" ", "LC_ALL=C apt-cache policy --", words(names)) +
			" 2>/dev/null; " + exitLine("apt-cache")
	}
	return cmd
}

// dpkgInstalled are the dpkg states in which a package counts as installed.
// "config-files" (removed, configuration kept) is not installed; neither
// are the half-done states (half-installed, unpacked, half-configured),
// which apt-get install repairs.
var dpkgInstalled = map[string]bool{
	"installed":         true,
	"triggers-awaiting": true,
	"triggers-pending":  true,
}

// ParseProbe reads Probe's output. A name matches a dpkg line by package
// name or by name:arch; when several architectures of a name are listed,
// an installed one wins.
func (Apt) ParseProbe(stdout string, names []string) (map[string]PackageState, error) {
	installed := map[string]string{} // name and name:arch → installed version
	candidate := map[string]string{} // apt-cache policy header → candidate
	sawDpkg := false
	current := "" // the apt-cache policy block being read
	for _, line := range strings.Split(stdout, "\n") {
		if tag, f, ok := splitTagged(line); ok {
			switch tag {
			case "exit":
				tool, status, err := exitStatus(f)
				if err != nil {
					return nil, err
				}
				if tool == "dpkg-query" {
					sawDpkg = true
					if status > 1 {
						return nil, fmt.Errorf("dpkg-query failed with exit status %d", status)
					}
				}
				if err := missingTool(tool, status); err != nil {
					return nil, err
				}
			case "dpkg":
				if len(f) != 4 {
					return nil, fmt.Errorf("malformed dpkg-query line %q", line)
				}
				name, arch, status, version := f[0], f[1], strings.Fields(f[2]), f[3]
				if len(status) != 3 || !dpkgInstalled[status[2]] {
					version = ""
				}
				for _, key := range []string{name, name + ":" + arch} {
					if installed[key] == "" {
						installed[key] = version
					}
				}
			}
			continue
		}
		// apt-cache policy: "name:" opens a block, "  Candidate: v" is in it.
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
		case line[0] != ' ' && strings.HasSuffix(line, ":"):
			current = strings.TrimSuffix(line, ":")
		case current != "" && strings.HasPrefix(trimmed, "Candidate:"):
			v := strings.TrimSpace(strings.TrimPrefix(trimmed, "Candidate:"))
			if v == "(none)" {
				v = ""
			}
			candidate[current] = v
		}
	}
	if !sawDpkg {
		return nil, fmt.Errorf("dpkg-query probe output is incomplete (no exit status line): %q", clip(stdout))
	}
	states := make(map[string]PackageState, len(names))
	for _, n := range names {
		c, ok := candidate[n]
		if !ok {
			// apt-cache heads a native package's block with its bare name
			// even when it was asked for name:arch.
			if i := strings.LastIndexByte(n, ':'); i > 0 {
				c = candidate[n[:i]]
			}
		}
		states[n] = PackageState{Installed: installed[n], Candidate: c}
	}
	return states, nil
}

// aptSpecs turns packages into apt-get arguments: name, or name=version.
func aptSpecs(pkgs []Pkg) []string {
	specs := make([]string, len(pkgs))
	for i, p := range pkgs {
		specs[i] = p.Name
		if p.Version != "" {
			specs[i] += "=" + p.Version
		}
	}
	return specs
}

// Install runs `apt-get install`; a Version pins name=version. Pinning a
// version older than the installed one needs "--allow-downgrades" in
// options.
func (Apt) Install(pkgs []Pkg, options []string) string {
	return join(" ", aptGet, "install", words(options), "--", words(aptSpecs(pkgs)))
}

// Upgrade runs `apt-get install --only-upgrade`, which upgrades installed
// packages and skips (with a notice, exit 0) any that are not installed:
// callers install those with Install. A Version pins the upgrade.
func (Apt) Upgrade(pkgs []Pkg, options []string) string {
	return join(" ", aptGet, "install --only-upgrade", words(options), "--", words(aptSpecs(pkgs)))
}

// Remove runs `apt-get remove`, which keeps configuration files.
func (Apt) Remove(names []string, options []string) string {
	return join(" ", aptGet, "remove", words(options), "--", words(names))
}

// Purge runs `apt-get purge`, which also deletes configuration files (and
// purges packages already in the config-files state).
func (Apt) Purge(names []string, options []string) string {
	return join(" ", aptGet, "purge", words(options), "--", words(names))
}

// clip shortens probe output quoted in an error.
func clip(s string) string {
	const max = 200
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
