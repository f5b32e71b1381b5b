package provider

import "github.com/converge-cm/converge/engine/shell"

// Yum manages packages with rpm and yum (rhel and its rebuilds up to 7).
//
// Commands run quietly (-d0 -e0) and assume yes. yum has no purge: Purge
// is Remove, as in Chef's yum provider.
type Yum struct{}

var _ Package = Yum{}

const yum = "yum -d0 -e0 -y"

func (Yum) Name() string { return "yum" }

// Probe lists installed versions with one rpm -q call. With candidates, it
// also runs repoquery from yum-utils, which reads the repository metadata
// yum has cached (refreshing it when it has expired, which can take
// seconds). yum itself has no parseable listing — `yum list` wraps long
// lines — so on a node without yum-utils the probe skips candidates and
// every Candidate is "" (unknown).
func (Yum) Probe(names []string, candidates bool) string {
	cmd := rpmProbe(names)
	if candidates {
		cmd += "; if command -v repoquery >/dev/null 2>&1; then " +
			join(" ", "repoquery -q --qf", shell.Quote(candFormat), "--", words(names)) +
			"; " + exitLine("repoquery") + "; fi"
	}
	return cmd
}

// ParseProbe reads Probe's output; see parseRPMProbe.
func (Yum) ParseProbe(stdout string, names []string) (map[string]PackageState, error) {
	return parseRPMProbe(stdout, names, "repoquery")
}

// Install runs `yum install`; a Version pins name-version, where the
// version is "version", "version-release" or "epoch:version-release".
func (Yum) Install(pkgs []Pkg, options []string) string {
	return join(" ", yum, "install", words(options), "--", words(rpmSpecs(pkgs)))
}

// Upgrade runs `yum update`, which upgrades installed packages and skips
// any that are not installed: callers install those with Install.
func (Yum) Upgrade(pkgs []Pkg, options []string) string {
	return join(" ", yum, "update", words(options), "--", words(rpmSpecs(pkgs)))
}

// Remove runs `yum remove`.
func (Yum) Remove(names []string, options []string) string {
	return join(" ", yum, "remove", words(options), "--", words(names))
}

// Purge is Remove: rpm keeps no configuration of removed packages apart
// from .rpmsave copies of changed files, which yum cannot delete.
func (y Yum) Purge(names []string, options []string) string {
	return y.Remove(names, options)
}
