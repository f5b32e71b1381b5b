package facts

import "strings"

// hostFact reads the node's names and kernel. uname -rnm prints nodename,
// release and machine, in that order whatever the order of the flags.
// hostname -f asks the resolver and can hang on broken DNS, so it runs
// under timeout where timeout exists (coreutils 7 and later: everywhere
// converge supports).
var hostFact = fact{
	script: `s uname; uname -rnm 2>/dev/null
s fqdn; if command -v timeout >/dev/null 2>&1; then timeout 5 hostname -f; else hostname -f; fi 2>/dev/null
`,
	sections: [][]string{{"uname"}, {"fqdn"}},
	parse:    parseHost,
}

// parseHost fills Hostname (the short name, as Chef's `hostname -s`),
// FQDN (hostname -f, else the full nodename), Kernel and Machine.
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
}
