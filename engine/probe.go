package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/converge-cm/converge/engine/shell"
	"github.com/converge-cm/converge/engine/transport"
)

// ProbeKind says how a probe is taken.
type ProbeKind int

const (
	// ProbeShell runs a read-only shell command; its stdout and exit status
	// are the result.
	ProbeShell ProbeKind = iota
	// ProbeStat reports a path's type, mode, owner, group, size, sha256 (for
	// regular files) and link target. All stat probes of a node are taken
	// with one stat and one sha256sum process.
	ProbeStat
)

// Probe is one read-only fact a resource needs.
type Probe struct {
	Kind ProbeKind
	// Arg is the command (ProbeShell) or the path (ProbeStat).
	Arg string
	// Paths, for shell probes, are the paths whose change makes the result
	// stale. Nil means any change on the node does (the safe default).
	Paths []string
}

// ShellProbe returns a shell probe; with no paths it is re-taken after any
// change on the node.
func ShellProbe(cmd string, paths ...string) Probe {
	return Probe{Kind: ProbeShell, Arg: cmd, Paths: paths}
}

// StatProbe returns a stat probe of path.
func StatProbe(p string) Probe { return Probe{Kind: ProbeStat, Arg: p} }

func (p Probe) key() string { return strconv.Itoa(int(p.Kind)) + "\x00" + p.Arg }

// ShellResult is what a shell probe printed.
type ShellResult struct {
	Stdout   string
	ExitCode int
	// TimedOut is set when the node's `timeout` ended the probe after the
	// probe timeout; ExitCode is then 124.
	TimedOut bool
}

// FileState is a path as the node has it.
type FileState struct {
	Exists     bool
	Type       string // "file", "directory", "link", "other"
	Mode       string // four octal digits, "0644"
	Owner      string // user name (or uid when the name is unknown)
	Group      string
	UID, GID   string
	Size       int64
	SHA256     string // regular files only
	LinkTarget string // links only
}

// Probed holds the results of probes.
type Probed struct {
	shell map[string]ShellResult
	stat  map[string]FileState
	// assumed is set when the results describe an assumed fresh node (an
	// offline plan), not one that was probed.
	assumed bool
}

// Assumed reports whether the results describe an assumed fresh node
// (`converge plan --facts`): no files, no packages, services installed by
// their packages but not enabled or running, every guard command false.
// Checks then plan for the fresh node instead of parsing probe output.
func (p Probed) Assumed() bool { return p.assumed }

// assumeFresh answers probes for an assumed fresh node.
func assumeFresh(probes []Probe, into *Probed) {
	into.assumed = true
	for _, pr := range probes {
		if pr.Kind == ProbeStat {
			into.stat[pr.Arg] = FileState{}
		} else {
			into.shell[pr.Arg] = ShellResult{ExitCode: 1}
		}
	}
}

// NewProbed returns an empty result set; tests of Check fill it with Set*.
func NewProbed() Probed {
	return Probed{shell: map[string]ShellResult{}, stat: map[string]FileState{}}
}

// Shell returns the result of a shell probe.
func (p Probed) Shell(cmd string) (ShellResult, bool) {
	r, ok := p.shell[cmd]
	return r, ok
}

// Stat returns the result of a stat probe.
func (p Probed) Stat(path string) (FileState, bool) {
	r, ok := p.stat[path]
	return r, ok
}

// SetShell records a shell probe result.
func (p Probed) SetShell(cmd string, r ShellResult) { p.shell[cmd] = r }

// SetStat records a stat probe result.
func (p Probed) SetStat(path string, s FileState) { p.stat[path] = s }

func (p Probed) has(pr Probe) bool {
	if pr.Kind == ProbeStat {
		_, ok := p.stat[pr.Arg]
		return ok
	}
	_, ok := p.shell[pr.Arg]
	return ok
}

// MissingProbe is the error Check returns when a probe it needs was not taken.
func MissingProbe(kind ProbeKind, arg string) error {
	return fmt.Errorf("probe %q was not taken before Check; this is a bug in converge", arg)
}

// probeScript builds the one script that takes every probe, and returns it
// with the boundary its output is framed by. With a limit, each shell
// probe runs under the node's `timeout` when the node has one (GNU's
// exits 124 when it strikes, BusyBox's leaves the command's 143), and its
// status is then reported as "timeout"; without `timeout` the probes run
// unbounded and only the control side's deadline ends the round trip.
// The probe's text reaches the shell that runs it through the environment,
// not its argument list: a guard that holds a secret never shows in the
// node's process list (the script itself travels on stdin).
func probeScript(probes []Probe, limit time.Duration) (script, boundary string) {
	var nonce [12]byte
	_, _ = rand.Read(nonce[:])
	boundary = "==converge-" + hex.EncodeToString(nonce[:]) + "=="
	var b strings.Builder
	b.WriteString("exec 2>/dev/null </dev/null\n")
	// What a killed run left in the node's temporary directory (a sudo
	// password, a command's stdin) goes at the next run; through --sudo
	// this removes root's leftovers too. Builtins only, unless there is
	// something to remove.
	b.WriteString(transport.CleanupScript + "\n")
	var stats []string
	for _, p := range probes {
		if p.Kind == ProbeStat {
			stats = append(stats, p.Arg)
		}
	}
	if len(stats) > 0 {
		// One stat for every path (missing ones print nothing), one
		// sha256sum for the regular files, readlink for links only.
		b.WriteString("set --")
		for _, s := range stats {
			b.WriteString(" " + shell.Quote(s))
		}
		b.WriteString("\n")
		fmt.Fprintf(&b, "printf '%%s stat\\n' %s\n", boundary)
		b.WriteString(`stat --printf='%F\t%a\t%U\t%G\t%s\t%u\t%g\t%n\0' -- "$@"` + "\n")
		fmt.Fprintf(&b, "printf '\\n%%s sha\\n' %s\n", boundary)
		b.WriteString(`f=; for p in "$@"; do if [ -f "$p" ] && [ ! -L "$p" ]; then f=1; break; fi; done` + "\n")
		b.WriteString(`if [ -n "$f" ]; then for p in "$@"; do if [ -f "$p" ] && [ ! -L "$p" ]; then printf '%s\0' "$p"; fi; done | xargs -0 sha256sum --; fi` + "\n")
		fmt.Fprintf(&b, "printf '%%s link\\n' %s\n", boundary)
		b.WriteString(`for p in "$@"; do if [ -L "$p" ]; then printf '%s\0%s\0' "$p" "$(readlink -- "$p")"; fi; done` + "\n")
	}
	i := 0
	for _, p := range probes {
		if p.Kind != ProbeShell {
			continue
		}
		if i == 0 && limit > 0 {
			// t is the status the node's timeout exits with when it strikes.
			b.WriteString(`t=; if command -v timeout >/dev/null 2>&1; then t=124; case $(timeout --help 2>&1) in *BusyBox*) t=143;; esac; fi` + "\n")
			fmt.Fprintf(&b, `p() { if [ -n "$t" ]; then CONVERGE_P=$1 timeout %d sh -c 'c=$CONVERGE_P; unset CONVERGE_P; eval "$c"'; else ( eval "$1" ); fi; r=$?; if [ "$r" = "$t" ]; then r=timeout; fi; }`+"\n", Seconds(limit))
		}
		fmt.Fprintf(&b, "printf '\\n%%s sh %d\\n' %s\n", i, boundary)
		if limit > 0 {
			fmt.Fprintf(&b, "p %s\n", shell.Quote(p.Arg))
			fmt.Fprintf(&b, "printf '\\n%%s rc %d %%s\\n' %s \"$r\"\n", i, boundary)
		} else {
			fmt.Fprintf(&b, "( eval %s )\n", shell.Quote(p.Arg))
			fmt.Fprintf(&b, "printf '\\n%%s rc %d %%d\\n' %s $?\n", i, boundary)
		}
		i++
	}
	fmt.Fprintf(&b, "printf '\\n%%s end\\n' %s\n", boundary)
	return b.String(), boundary
}

// takeProbes runs every probe in one round trip and adds the results to
// into; limit bounds each shell probe on the node (0: none).
func takeProbes(ctx context.Context, t transport.Transport, probes []Probe, into Probed, limit time.Duration) error {
	if len(probes) == 0 {
		return nil
	}
	script, boundary := probeScript(probes, limit)
	res, err := transport.RunScript(ctx, t, script)
	if err != nil {
		return fmt.Errorf("probe node state: %w", err)
	}
	return parseProbeOutput(string(res.Stdout), boundary, probes, into)
}

func parseProbeOutput(out, boundary string, probes []Probe, into Probed) error {
	if !strings.Contains(out, boundary+" end\n") {
		return fmt.Errorf("probe node state: the probe script was cut short (output ends %q)", tail(out, 200))
	}
	sections := map[string]string{}
	var shells []Probe
	var stats []string
	for _, p := range probes {
		if p.Kind == ProbeShell {
			shells = append(shells, p)
		} else {
			stats = append(stats, p.Arg)
		}
	}
	// Split on boundary lines. Each section starts with "BOUNDARY name\n".
	parts := strings.Split(out, boundary+" ")
	for _, part := range parts[1:] {
		nl := strings.IndexByte(part, '\n')
		if nl < 0 {
			continue
		}
		sections[part[:nl]] = part[nl+1:]
	}
	if len(stats) > 0 {
		for _, s := range stats {
			into.stat[s] = FileState{}
		}
		statOut := strings.TrimSuffix(sections["stat"], "\n")
		for _, rec := range strings.Split(statOut, "\x00") {
			f := strings.SplitN(rec, "\t", 8)
			if len(f) != 8 {
				continue
			}
			fs := FileState{Exists: true, Owner: f[2], Group: f[3], UID: f[5], GID: f[6]}
			switch f[0] {
			case "regular file", "regular empty file":
				fs.Type = "file"
			case "directory":
				fs.Type = "directory"
			case "symbolic link":
				fs.Type = "link"
			default:
				fs.Type = "other"
			}
			fs.Mode = normMode(f[1])
			fs.Size, _ = strconv.ParseInt(f[4], 10, 64)
			into.stat[f[7]] = fs
		}
		for _, line := range strings.Split(sections["sha"], "\n") {
			sum, name, ok := parseShaLine(line)
			if !ok {
				continue
			}
			if fs, ok := into.stat[name]; ok {
				fs.SHA256 = sum
				into.stat[name] = fs
			}
		}
		l := strings.Split(strings.TrimSuffix(sections["link"], "\n"), "\x00")
		for i := 0; i+1 < len(l); i += 2 {
			if fs, ok := into.stat[l[i]]; ok {
				fs.LinkTarget = l[i+1]
				into.stat[l[i]] = fs
			}
		}
	}
	rcs := map[string]int{}
	timedOut := map[string]bool{}
	for k := range sections {
		if f := strings.Fields(k); len(f) == 3 && f[0] == "rc" {
			if f[2] == "timeout" {
				rcs[f[1]], timedOut[f[1]] = 124, true
				continue
			}
			rc, err := strconv.Atoi(f[2])
			if err == nil {
				rcs[f[1]] = rc
			}
		}
	}
	for i, p := range shells {
		idx := strconv.Itoa(i)
		body, ok := sections["sh "+idx]
		rc, rcOK := rcs[idx]
		if !ok || !rcOK {
			return fmt.Errorf("probe node state: no result for probe %d (%q); this is a bug in converge", i, p.Arg)
		}
		into.shell[p.Arg] = ShellResult{Stdout: strings.TrimSuffix(body, "\n"), ExitCode: rc, TimedOut: timedOut[idx]}
	}
	return nil
}

// roundTripLimit bounds a probe round trip: limit for each shell probe,
// plus once for the stat pass; 0 when limit is.
func roundTripLimit(probes []Probe, limit time.Duration) time.Duration {
	if limit <= 0 {
		return 0
	}
	n := 1
	for _, p := range probes {
		if p.Kind == ProbeShell {
			n++
		}
	}
	return time.Duration(n) * limit
}

// parseShaLine reads one line of sha256sum output, including its escaped
// form for names with a backslash or newline.
func parseShaLine(line string) (sum, name string, ok bool) {
	escaped := strings.HasPrefix(line, "\\")
	if escaped {
		line = line[1:]
	}
	if len(line) < 66 || line[64] != ' ' {
		return "", "", false
	}
	sum, name = line[:64], line[66:]
	if escaped {
		name = strings.NewReplacer(`\\`, `\`, `\n`, "\n").Replace(name)
	}
	return sum, name, true
}

func normMode(m string) string {
	n, err := strconv.ParseUint(m, 8, 32)
	if err != nil {
		return m
	}
	return fmt.Sprintf("%04o", n)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// staleAfter reports whether probe p may have changed after a resource
// touched the given paths (nil: anything).
func staleAfter(p Probe, touched []string, touchedAll bool) bool {
	if touchedAll {
		return true
	}
	var paths []string
	if p.Kind == ProbeStat {
		paths = []string{p.Arg}
	} else {
		if p.Paths == nil {
			return true
		}
		paths = p.Paths
	}
	for _, a := range paths {
		for _, b := range touched {
			if related(a, b) {
				return true
			}
		}
	}
	return false
}

// related reports whether a change at one path can affect the other: the
// same path, or one is an ancestor of the other.
func related(a, b string) bool {
	a, b = path.Clean(a), path.Clean(b)
	if a == b {
		return true
	}
	return strings.HasPrefix(a, strings.TrimSuffix(b, "/")+"/") || strings.HasPrefix(b, strings.TrimSuffix(a, "/")+"/")
}
