// Package provider holds the platform back ends of the package and service
// resources: apt/dpkg, yum, dnf; systemd, SysV init (debian's update-rc.d and
// rhel's chkconfig), upstart.
//
// A provider only builds shell commands from (properties, facts); the
// resource runs them through the node's transport. That is what makes a
// provider testable from a table of inputs to commands. Every value that
// reaches a command is quoted with engine/shell, and names are passed after
// "--" wherever the tool accepts it, so no value can become an option.
//
// Probes are read-only and print tagged lines ("tag<TAB>value…", such as
// "dpkg<TAB>bash<TAB>amd64<TAB>install ok installed<TAB>5.2.15-2+b2" or
// "running<TAB>0"), including the exit status of the tools whose status
// matters, so ParseProbe can tell "not installed" from "the tool is
// missing" and skips whatever else the tools print. Package probes take all
// names in one call; callers pass at least one name.
//
// PackageFor and ServiceFor choose a provider from the node's facts;
// PackageByName and ServiceByName serve the `provider=` override.
package provider
