package provider

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/converge-cm/converge/engine/shell"
)

// What yum and dnf share: the rpm probe of installed packages, the parser of
// it and of repoquery's candidates, and rpm's version order.

// rpmFormat makes rpm -q print one tagged line per installed package:
// "rpm<TAB>name<TAB>epoch<TAB>version-release<TAB>arch". rpm expands \t and
// \n itself and prints "(none)" for a package with no epoch. For a name that
// is not installed it prints "package NAME is not installed", which has no
// tag and is skipped.
const rpmFormat = `rpm\t%{NAME}\t%{EPOCH}\t%{VERSION}-%{RELEASE}\t%{ARCH}\n`

// candFormat is the repoquery format of a candidate line. It uses spaces, not
// tabs: dnf5 does not expand \t in --queryformat.
const candFormat = `cand %{name} %{epoch} %{version}-%{release} %{arch}`

// rpmProbe is the read-only command listing installed versions. rpm exits
// with the number of names that are not installed, so its status says
// nothing; a missing rpm is reported by a "missing" line instead.
func rpmProbe(names []string) string {
	return "command -v rpm >/dev/null 2>&1 || printf 'missing\\trpm\\n'; " +
		join(" ", "rpm -q --queryformat", shell.Quote(rpmFormat), "--", words(names)) +
		"; " + exitLine("rpm")
}

// parseRPMProbe reads the output of rpmProbe followed, optionally, by
// repoquery "cand" lines and the exit line of candTool. A name matches a
// line by package name or by name.arch.
//
// Candidate is the newest of the installed version and the versions the
// repositories offer (so a package built locally, newer than any repository
// has, is its own candidate); it is "" when candTool did not run, and the
// installed version when the repositories do not have the package.
func parseRPMProbe(stdout string, names []string, candTool string) (map[string]PackageState, error) {
	installed := map[string]string{} // name and name.arch → epoch:version-release
	available := map[string]string{}
	sawRPM, sawCand := false, false
	for _, line := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(line, "cand ") {
			f := strings.Fields(line)
			if len(f) != 5 {
				return nil, fmt.Errorf("malformed repoquery line %q", line)
			}
			evr := joinEVR(f[2], f[3])
			for _, key := range []string{f[1], f[1] + "." + f[4]} {
				if rpmNewer(evr, available[key]) {
					available[key] = evr
				}
			}
			continue
		}
		tag, f, ok := splitTagged(line)
		if !ok {
			continue
		}
		switch tag {
		case "missing":
			return nil, fmt.Errorf("%s is not installed on the node", strings.Join(f, " "))
		case "exit":
			tool, status, err := exitStatus(f)
			if err != nil {
				return nil, err
			}
			switch tool {
			case "rpm":
				sawRPM = true // its status counts names not installed
			case candTool:
				sawCand = true
				if status != 0 {
					return nil, fmt.Errorf("%s failed with exit status %d while listing candidate versions; run it on the node to see why", candTool, status)
				}
			}
		case "rpm":
			if len(f) != 4 {
				return nil, fmt.Errorf("malformed rpm -q line %q", line)
			}
			evr := joinEVR(f[1], f[2])
			for _, key := range []string{f[0], f[0] + "." + f[3]} {
				if rpmNewer(evr, installed[key]) {
					installed[key] = evr
				}
			}
		}
	}
	if !sawRPM {
		return nil, fmt.Errorf("rpm probe output is incomplete (no exit status line): %q", clip(stdout))
	}
	states := make(map[string]PackageState, len(names))
	for _, n := range names {
		st := PackageState{Installed: installed[n]}
		if sawCand {
			st.Candidate = st.Installed
			if rpmNewer(available[n], st.Candidate) {
				st.Candidate = available[n]
			}
		}
		states[n] = st
	}
	return states, nil
}

// joinEVR spells an rpm version as yum and dnf accept it after "name-":
// "version-release", or "epoch:version-release" for a non-zero epoch.
func joinEVR(epoch, vr string) string {
	if epoch == "" || epoch == "(none)" || epoch == "0" {
		return vr
	}
	return epoch + ":" + vr
}

// rpmSpecs turns packages into yum/dnf arguments: name, or name-version.
func rpmSpecs(pkgs []Pkg) []string {
	specs := make([]string, len(pkgs))
	for i, p := range pkgs {
		specs[i] = p.Name
		if p.Version != "" {
			specs[i] += "-" + p.Version
		}
	}
	return specs
}

// rpmNewer reports whether the [epoch:]version[-release] a sorts after b in
// rpm's order; any version is newer than "".
func rpmNewer(a, b string) bool {
	if a == "" {
		return false
	}
	if b == "" {
		return true
	}
	return compareEVR(a, b) > 0
}

// compareEVR compares two [epoch:]version[-release] strings as rpm does:
// epoch numerically, then version, then release with rpmvercmp.
func compareEVR(a, b string) int {
	ea, va, ra := splitEVR(a)
	eb, vb, rb := splitEVR(b)
	if ea != eb {
		if ea < eb {
			return -1
		}
		return 1
	}
	if c := rpmvercmp(va, vb); c != 0 {
		return c
	}
	return rpmvercmp(ra, rb)
}

func splitEVR(s string) (epoch int, version, release string) {
	if i := strings.IndexByte(s, ':'); i >= 0 {
		epoch, _ = strconv.Atoi(s[:i])
		s = s[i+1:]
	}
	version = s
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		version, release = s[:i], s[i+1:]
	}
	return epoch, version, release
}

// rpmvercmp is rpm's version-segment comparison: versions are split into
// runs of digits and of letters (other characters only separate); digit runs
// compare as numbers and sort after letter runs; "~" sorts before anything,
// even the end of the string, and "^" after the end but before anything
// else.
func rpmvercmp(a, b string) int {
	if a == b {
		return 0
	}
	isAlnum := func(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	for {
		for a != "" && !isAlnum(a[0]) && a[0] != '~' && a[0] != '^' {
			a = a[1:]
		}
		for b != "" && !isAlnum(b[0]) && b[0] != '~' && b[0] != '^' {
			b = b[1:]
		}
		if strings.HasPrefix(a, "~") || strings.HasPrefix(b, "~") {
			if !strings.HasPrefix(a, "~") {
				return 1
			}
			if !strings.HasPrefix(b, "~") {
				return -1
			}
			a, b = a[1:], b[1:]
			continue
		}
		if strings.HasPrefix(a, "^") || strings.HasPrefix(b, "^") {
			switch {
			case a == "":
				return -1
			case b == "":
				return 1
			case a[0] != '^':
				return 1
			case b[0] != '^':
				return -1
			}
			a, b = a[1:], b[1:]
			continue
		}
		if a == "" || b == "" {
			break
		}
		numeric := isDigit(a[0])
		same := func(c byte) bool {
			if numeric {
				return isDigit(c)
			}
			return isAlnum(c) && !isDigit(c)
		}
		i, j := 0, 0
		for i < len(a) && same(a[i]) {
			i++
		}
		for j < len(b) && same(b[j]) {
			j++
		}
		sa, sb := a[:i], b[:j]
		a, b = a[i:], b[j:]
		if sb == "" { // segments of different kinds: numbers win
			if numeric {
				return 1
			}
			return -1
		}
		if numeric {
			sa, sb = strings.TrimLeft(sa, "0"), strings.TrimLeft(sb, "0")
			if len(sa) != len(sb) {
				if len(sa) < len(sb) {
					return -1
				}
				return 1
			}
		}
		if c := strings.Compare(sa, sb); c != 0 {
			return c
		}
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	default:
		return 1
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
