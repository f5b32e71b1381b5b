package facts

// Facts is what converge knows about a node before compiling its recipes.
// Gather fills it in one round trip; ForPlatform makes a plausible one for
// `converge check --platform`.
type Facts struct {
	Hostname        string `json:"hostname"`
	FQDN            string `json:"fqdn"`
	IPAddress       string `json:"ipaddress"`        // first global IPv4 address, "" if none
	Platform        string `json:"platform"`         // ubuntu, debian, centos, redhat, rocky, almalinux, fedora, …
	PlatformVersion string `json:"platform_version"` // "22.04", "12", "7.1.1503", "6.7"
	PlatformFamily  string `json:"platform_family"`  // debian, rhel, fedora, suse, …
	Init            string `json:"init"`             // systemd, sysvinit, upstart
	Kernel          string `json:"kernel"`           // uname -r
	Machine         string `json:"machine"`          // uname -m
	CPUCount        int    `json:"cpu_count"`
	MemoryMB        int    `json:"memory_mb"`
	// Interfaces maps interface name to its IPv4 addresses in CIDR form.
	Interfaces map[string][]string `json:"interfaces,omitempty"`
	// InitProcess is the name of PID 1 (/proc/1/comm), for diagnostics:
	// "systemd", "init", or a container's entry point such as "bash".
	InitProcess string `json:"init_process,omitempty"`
}
