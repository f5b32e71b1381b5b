package facts

import "strings"

// hostFact reads the node's names and kernel. uname -rnm prints nodename,
// release and machine, in that order whatever the order of the flags;
// uname -so the kernel name and operating system (a BusyBox built without
// -o falls back to -s alone), and the kernel's version string, which has
// spaces, comes from /proc with a builtin. hostname -f asks the resolver
// and can hang on broken DNS, so it runs under timeout where timeout exists
// (coreutils 7 and later: everywhere converge supports).
var hostFact = fact{
	script: `s uname; uname -rnm 2>/dev/null
s uname-so; uname -so 2>/dev/null || uname -s 2>/dev/null
s kernel-version; c /proc/sys/kernel/version
s fqdn; if command -v timeout >/dev/null 2>&1; then timeout 5 hostname -f; else hostname -f; fi 2>/dev/null
`,
	sections: [][]string{{"uname"}, {"uname-so"}, {"kernel-version"}, {"fqdn"}},
	parse:    parseHost,
}

// parseHost fills Hostname (the short name, as Chef's `hostname -s`),
// FQDN (hostname -f, else the full nodename), Domain (the FQDN after its
// first label, as Ohai), Kernel and Machine, and Ohai's kernel, os and
// os_version.
func parseHost(out sections, f *Facts) {
	fields := strings.Fields(out.first("uname"))
	var nodename string
	if len(fields) == 3 {
		nodename, f.Kernel, f.Machine = fields[0], fields[1], fields[2]
	} else if len(fields) > 0 {
		nodename = fields[0]
	}
	f.Hostname, _, _ = strings.Cut(nodename, ".")
	f.FQDN = out.first("fqdn")
	if strings.ContainsAny(f.FQDN, " \t") {
		// not a name: some error text that reached stdout
		f.FQDN = ""
	}
	if f.FQDN == "" {
		f.FQDN = nodename
	}
	_, f.Domain, _ = strings.Cut(f.FQDN, ".")

	so := strings.Fields(out.first("uname-so"))
	f.KernelInfo = Kernel{Release: f.Kernel, Machine: f.Machine, Version: out.first("kernel-version")}
	if len(so) > 0 {
		f.KernelInfo.Name = so[0]
	}
	if len(so) > 1 {
		f.KernelInfo.OS = so[1]
	}
	if f.KernelInfo.Name != "" {
		// Ohai's os is Ruby's host_os: "linux" on every Linux.
		f.OS = strings.ToLower(f.KernelInfo.Name)
	}
	f.OSVersion = f.Kernel
}
