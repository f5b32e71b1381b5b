package facts

import (
	"fmt"
	"strings"
)

// A fact is the shell that gathers part of Facts and the Go that reads it
// back. The shell prints its output under section headers, one
// "==converge:NAME==" line each (the s function of the prelude); sections
// lists the headers it always prints, each entry a set of alternatives of
// which one must be present.
type fact struct {
	script   string
	sections [][]string
	parse    func(out sections, f *Facts)
}

// facts is every fact in the order Script runs them and Parse reads them;
// initFact reads the platform family, so it comes after platformFact.
var facts = []fact{hostFact, rootGroupFact, platformFact, initFact, cpuFact, memoryFact, networkFact, virtualizationFact}

// scriptVersion is printed in the "facts" section; change it when a
// section changes meaning.
const scriptVersion = "1"

// prelude makes the sbin directories reachable (an unprivileged login on
// CentOS has none of them in PATH) and defines two helpers: s prints a
// section header and c prints a file with shell builtins only, so reading
// /etc and /proc costs no process.
const prelude = `PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin; export PATH
LC_ALL=C; export LC_ALL
s() { printf '==converge:%s==\n' "$1"; }
c() { [ -r "$1" ] || return 0; while IFS= read -r l || [ -n "$l" ]; do printf '%s\n' "$l"; done < "$1"; }
s facts; echo ` + scriptVersion + `
`

// Script returns the POSIX sh script whose output Parse reads. It runs
// unchanged under dash, bash and the sh of every supported platform, needs
// no root, and always exits 0.
func Script() string {
	var b strings.Builder
	b.WriteString(prelude)
	for _, ft := range facts {
		b.WriteString(ft.script)
	}
	b.WriteString("s end\n")
	return b.String()
}

// sections is Script's output split at its headers: section name to its
// lines, without line terminators.
type sections map[string][]string

const headerPrefix, headerSuffix = "==converge:", "=="

func splitSections(stdout string) sections {
	out := sections{}
	var cur string
	inSection := false
	for line := range strings.Lines(stdout) {
		line = strings.TrimRight(line, "\r\n")
		if name, ok := strings.CutPrefix(line, headerPrefix); ok && strings.HasSuffix(name, headerSuffix) {
			cur = strings.TrimSuffix(name, headerSuffix)
			inSection = true
			if _, seen := out[cur]; !seen {
				out[cur] = nil
			}
			continue
		}
		if inSection {
			out[cur] = append(out[cur], line)
		}
	}
	return out
}

// has reports whether the section was printed at all, even empty.
func (s sections) has(name string) bool {
	_, ok := s[name]
	return ok
}

// first returns the first non-blank line of a section, trimmed.
func (s sections) first(name string) string {
	for _, l := range s[name] {
		if t := strings.TrimSpace(l); t != "" {
			return t
		}
	}
	return ""
}

// Parse reads the output of Script into Facts. It never touches the node.
// Unfamiliar values are read as well as they can be and leave fields empty
// rather than fail; the error is for output that is clearly not Script's
// (sections missing, as when the script was cut short), and even then the
// Facts hold what could be read.
func Parse(stdout string) (Facts, error) {
	out := splitSections(stdout)
	var f Facts
	for _, ft := range facts {
		ft.parse(out, &f)
	}
	var missing []string
	need := [][]string{{"facts"}}
	for _, ft := range facts {
		need = append(need, ft.sections...)
	}
	need = append(need, []string{"end"})
	for _, alts := range need {
		found := false
		for _, a := range alts {
			found = found || out.has(a)
		}
		if !found {
			missing = append(missing, strings.Join(alts, " or "))
		}
	}
	if len(missing) > 0 {
		return f, fmt.Errorf("facts output is not from converge's facts script: missing section %s (was the script cut short?)",
			strings.Join(missing, ", "))
	}
	if v := out.first("facts"); v != scriptVersion {
		return f, fmt.Errorf("facts output is from script version %q, this converge reads version %s; this is a bug in converge", v, scriptVersion)
	}
	return f, nil
}
