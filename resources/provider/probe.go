package provider

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/converge-cm/converge/engine/shell"
)

// Probe output is a list of tagged lines, "tag<TAB>field<TAB>field…". Lines
// with an unknown tag are noise from the tools (rpm prints "package x is not
// installed" on stdout, for instance) and are skipped.

// exitLine is the shell text that reports the exit status of the command
// before it as "exit<TAB>tool<TAB>status". A probe that records its tools'
// statuses can tell "not installed" from "the tool is missing".
func exitLine(tool string) string {
	return "printf 'exit\\t%s\\t%s\\n' " + shell.Quote(tool) + ` "$?"`
}

// splitTagged splits a probe line into its tag and fields. ok is false for a
// line with no tab.
func splitTagged(line string) (tag string, fields []string, ok bool) {
	line = strings.TrimRight(line, "\r")
	parts := strings.Split(line, "\t")
	if len(parts) < 2 {
		return "", nil, false
	}
	return parts[0], parts[1:], true
}

// exitStatus reads the fields of an "exit" line.
func exitStatus(fields []string) (tool string, status int, err error) {
	if len(fields) != 2 {
		return "", 0, fmt.Errorf("malformed exit line %q", strings.Join(fields, "\t"))
	}
	status, err = strconv.Atoi(fields[1])
	if err != nil {
		return "", 0, fmt.Errorf("malformed exit status %q for %s", fields[1], fields[0])
	}
	return fields[0], status, nil
}

// missingTool reports a status that means the shell could not run the tool
// at all (126: not executable, 127: not found) or that it died of a signal.
func missingTool(tool string, status int) error {
	if status >= 126 {
		return fmt.Errorf("%s could not run on the node (exit status %d): is it installed and on PATH?", tool, status)
	}
	return nil
}

// octal returns s as a printf format made only of octal escapes, so that a
// command carrying it does not contain s itself. See SysV.Probe for why.
func octal(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, `\%03o`, s[i])
	}
	return b.String()
}

// pgrepRunning is the shell text that prints "running<TAB>status", status
// being 0 when a process whose full command line matches pattern (an
// extended regular expression, as pgrep -f reads it) exists.
//
// The pattern reaches pgrep through printf with octal escapes: pgrep -f
// would otherwise match the probe's own `sh -c '… pattern …'` (and any sudo
// or login shell wrapped around it), and report every service as running.
func pgrepRunning(pattern string) string {
	return "p=$(printf " + shell.Quote(octal(pattern)) + "); " +
		`pgrep -f -- "$p" >/dev/null 2>&1; printf 'running\t%s\n' "$?"`
}

// join joins non-empty command parts with sep.
func join(sep string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, sep)
}

// words quotes a list of words; nil gives "".
func words(ws []string) string {
	if len(ws) == 0 {
		return ""
	}
	return shell.Join(ws...)
}
