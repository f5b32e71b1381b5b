// Package facts finds out what a node is before converge compiles its
// recipes: hostname, FQDN, address, platform and version, init system,
// kernel, CPU count, memory and interfaces (the automatic attributes of
// SPEC 4.3, read in recipes as node.platform and friends).
//
// What it promises:
//
//   - One round trip. Script is a single POSIX sh script that prints every
//     fact in delimited sections; Gather runs it once through the node's
//     transport. It reads /proc, /sys and /etc files with shell builtins and
//     starts only a handful of processes (uname, hostname -f, ip, and
//     initctl where it exists), because it runs at the start of every run.
//   - The same answers as Chef where Chef has an answer: platform names
//     (rhel is "redhat", amzn "amazon", ol "oracle"), the point release in
//     platform_version ("12.5" on Debian, "7.1.1503" on CentOS 7), the short
//     host name in hostname and the default route's address in ipaddress.
//   - Parse is pure and tested from captured output in testdata/facts; it
//     gives its best reading of garbled or unfamiliar output and fails only
//     when the output is clearly not from Script (sections missing).
//   - ForPlatform invents plausible facts for `converge check --platform`,
//     so recipes can be compiled for a platform no node runs.
//
// Each fact lives in its own file as the shell that gathers it plus the Go
// that parses it: host.go, platform.go, init.go, cpu.go, memory.go and
// network.go; script.go puts the pieces together.
package facts
