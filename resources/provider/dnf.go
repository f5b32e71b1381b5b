package provider

import "github.com/converge-cm/converge/engine/shell"

// Dnf manages packages with rpm and dnf (rhel 8 and later, fedora).
//
// Commands use -q rather than yum's -d0 -e0: dnf5 (fedora 41 and later)
// dropped --debuglevel and --errorlevel, and -q works with dnf 4 and 5.
// Options go after the subcommand, where dnf5 expects command options such
// as --allowerasing. dnf has no purge: Purge is Remove.
type Dnf struct{}

var _ Package = Dnf{}

const dnf = "dnf -q -y"

func (Dnf) Name() string { return "dnf" }

// Probe lists installed versions with one rpm -q call and, with candidates,
// the newest version of each name.arch the repositories offer with one
// `dnf repoquery` call. That call loads the repository metadata (and
// refreshes it when expired), so it costs a second or more; the resource
// asks for candidates only when it upgrades.
//
// The query format ends in \n and uses spaces: dnf 4 appends its own newline
// (leaving blank lines, which ParseProbe skips) and dnf5 neither appends
// one nor expands \t.
func (Dnf) Probe(names []string, candidates bool) string {
	cmd := rpmProbe(names)
	if candidates {
		cmd += "; " + join(" ", "dnf -q repoquery --latest-limit=1 --qf", shell.Quote(candFormat+`\n`), "--", words(names)) +
			"; " + exitLine("dnf")
	}
	return cmd
}

// ParseProbe reads Probe's output; see parseRPMProbe.
func (Dnf) ParseProbe(stdout string, names []string) (map[string]PackageState, error) {
	return parseRPMProbe(stdout, names, "dnf")
}

// Install runs `dnf install`; a Version pins name-version.
func (Dnf) Install(pkgs []Pkg, options []string) string {
	return join(" ", dnf, "install", words(options), "--", words(rpmSpecs(pkgs)))
}

// Upgrade runs `dnf upgrade`, which upgrades installed packages only (and
// fails on a name that is not installed): callers install those with
// Install.
func (Dnf) Upgrade(pkgs []Pkg, options []string) string {
	return join(" ", dnf, "upgrade", words(options), "--", words(rpmSpecs(pkgs)))
}

// Remove runs `dnf remove`.
func (Dnf) Remove(names []string, options []string) string {
	return join(" ", dnf, "remove", words(options), "--", words(names))
}

// Purge is Remove; see Dnf.
func (d Dnf) Purge(names []string, options []string) string {
	return d.Remove(names, options)
}
