package provider

// Package is a package manager. It builds commands; it never runs them.
type Package interface {
	// Name is the provider's name as `provider=` spells it ("apt", "yum", "dnf").
	Name() string
	// Probe returns a read-only shell command reporting, for every name, the
	// installed version and, when candidates is true, the version an upgrade
	// would install. Its output is what ParseProbe reads.
	Probe(names []string, candidates bool) string
	// ParseProbe reads Probe's stdout (the command's exit status is ignored:
	// package managers exit non-zero when a name is unknown).
	ParseProbe(stdout string, names []string) (map[string]PackageState, error)
	// Install installs the packages in one package-manager call. A non-empty
	// Version pins it. Options are extra arguments, already split into words.
	Install(pkgs []Pkg, options []string) string
	// Upgrade upgrades the packages to the newest candidate in one call.
	Upgrade(pkgs []Pkg, options []string) string
	// Remove and Purge uninstall the packages in one call.
	Remove(names []string, options []string) string
	Purge(names []string, options []string) string
}

// Pkg is one package to install.
type Pkg struct {
	Name    string
	Version string
}

// PackageState is a package as the node has it.
type PackageState struct {
	Installed string // installed version, "" when not installed
	Candidate string // newest installable version, "" when unknown
}

// Service is an init system. It builds commands; it never runs them.
type Service interface {
	// Name is the provider's name ("systemd", "sysvinit", "upstart").
	Name() string
	// Probe returns a read-only shell command reporting whether the service
	// is enabled at boot and running now; ParseProbe reads its stdout. pattern,
	// when not empty, is a process pattern for services with no status command.
	Probe(service, pattern string) string
	ParseProbe(stdout string) (ServiceState, error)
	Start(service string) string
	Stop(service string) string
	Restart(service string) string
	Reload(service string) string
	Enable(service string) string
	Disable(service string) string
}

// ServiceState is a service as the node has it.
type ServiceState struct {
	Exists  bool // the node knows the service (unit file or init script)
	Enabled bool
	Running bool
}
