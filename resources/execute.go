package resources

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/shell"
	"github.com/converge-cm/converge/engine/transport"
)

// Execute runs a command. Guard it (not_if, only_if, creates) so that a
// second run changes nothing.
type Execute struct {
	engine.Common
	Command     string            `prop:"command" doc:"Shell command to run; defaults to the resource name."`
	Cwd         string            `prop:"cwd" doc:"Directory to run the command (and its guards) in."`
	Environment map[string]string `prop:"environment" doc:"Environment variables for the command and its guards."`
	User        string            `prop:"user,account" doc:"Run the command as this user, by name or uid (through su)."`
	Group       string            `prop:"group,account" doc:"Run the command with this group, by name or gid (through sg); needs user or root."`
	Returns     []int             `prop:"returns" doc:"Exit statuses that mean success (default 0)."`
	Creates     string            `prop:"creates" doc:"Skip the command when this path exists."`
	Timeout     int               `prop:"timeout" doc:"Seconds before the command is killed (default 3600); 0 for no limit."`
}

var (
	_ engine.Resource       = (*Execute)(nil)
	_ engine.CommandLimiter = (*Execute)(nil)
)

func init() {
	engine.Register(engine.Kind{Name: "execute", Actions: []string{"run"},
		New: func() engine.Resource { return &Execute{} }, Doc: "A command, run unless its guards say it is done."})
}

// Prepare fills defaults and runs guards in the command's cwd and environment.
func (e *Execute) Prepare(*engine.PrepareContext) error {
	e.HideName = e.NameIsSecret()
	if e.Command == "" {
		e.Command = e.Name
	}
	if e.Timeout < 0 {
		return engine.Errorf(&e.Common, "set timeout to a number of seconds, or 0 for no limit", "timeout %d is negative", e.Timeout)
	}
	if !e.IsSet("timeout") {
		e.Timeout = 3600
	}
	if len(e.Returns) == 0 {
		e.Returns = []int{0}
	}
	for _, k := range sortedKeys(e.Environment) {
		if !validEnvName(k) {
			return engine.Errorf(&e.Common, "names are letters, digits and _, not starting with a digit", "environment variable name %q is not valid", k)
		}
	}
	for _, p := range []struct{ prop, v string }{{"user", e.User}, {"group", e.Group}} {
		if p.v != "" || e.IsSet(p.prop) {
			if err := checkAccount(&e.Common, p.prop, p.v, true); err != nil {
				return err
			}
		}
	}
	if pre := e.prelude(); pre != "" {
		for i := range e.NotIf {
			if e.NotIf[i].Fn == nil {
				e.NotIf[i].Cmd = pre + e.NotIf[i].Cmd
			}
		}
		for i := range e.OnlyIf {
			if e.OnlyIf[i].Fn == nil {
				e.OnlyIf[i].Cmd = pre + e.OnlyIf[i].Cmd
			}
		}
	}
	return nil
}

// prelude changes directory and exports the environment.
func (e *Execute) prelude() string {
	var b strings.Builder
	if e.Cwd != "" {
		b.WriteString("cd " + shell.Quote(e.Cwd) + " || exit 1; ")
	}
	keys := make([]string, 0, len(e.Environment))
	for k := range e.Environment {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !validEnvName(k) {
			continue
		}
		b.WriteString("export " + k + "=" + shell.Quote(e.Environment[k]) + "; ")
	}
	return b.String()
}

func validEnvName(k string) bool {
	if k == "" {
		return false
	}
	for i, r := range k {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// Probes checks the creates path.
func (e *Execute) Probes() []engine.Probe {
	if e.Creates == "" {
		return nil
	}
	p := e.Creates
	if !strings.HasPrefix(p, "/") && e.Cwd != "" {
		p = strings.TrimSuffix(e.Cwd, "/") + "/" + p
	}
	return []engine.Probe{engine.StatProbe(p)}
}

// Check says the command would run unless creates exists.
func (e *Execute) Check(action string, p engine.Probed) (engine.Diff, error) {
	if ps := e.Probes(); len(ps) > 0 {
		st, ok := p.Stat(ps[0].Arg)
		if !ok {
			return engine.Diff{}, engine.MissingProbe(engine.ProbeStat, ps[0].Arg)
		}
		if st.Exists {
			return engine.Diff{}, nil
		}
	}
	return e.runDiff(), nil
}

// runDiff is the change of running the command.
func (e *Execute) runDiff() engine.Diff {
	plan := execPlan{cmd: e.prelude() + e.Command, e: e}
	d := engine.Diff{Changes: []string{"execute " + e.display()}, Data: plan}
	if !e.Sensitive {
		d.Commands = []string{e.wrap(plan.cmd, 0)}
	}
	return d
}

// Recheck lets an apply plan test the creates path on the node, right
// before the command, when an earlier step may have created it.
func (e *Execute) Recheck(string) (string, engine.Diff, bool) {
	ps := e.Probes()
	if len(ps) == 0 {
		return "", engine.Diff{}, false
	}
	q := shell.Quote(ps[0].Arg)
	return "[ -e " + q + " ] || [ -L " + q + " ]", e.runDiff(), true
}

// execPlan is what Check planned for Apply: the command after the cwd
// and environment prelude.
type execPlan struct {
	cmd string
	e   *Execute
}

// PlanOps lets an apply plan run the command, under its limit, with the
// statuses it accepts. A sensitive command runs on its own: its
// environment would show in the plan's command line.
func (p execPlan) PlanOps(h *engine.Host) ([]engine.Op, bool) {
	e := p.e
	if e == nil || e.Sensitive {
		return nil, false
	}
	limit := e.CommandLimit(h.CommandLimit())
	return []engine.Op{{
		Cmd: e.wrap(p.cmd, limit), Display: e.display(), OK: e.Returns, Limit: limit,
		Fail: func(rc int, out string) error { return e.failure(rc, limit, out, "") },
	}}, true
}

// failure is the error of the command ending with status rc.
func (e *Execute) failure(rc int, limit time.Duration, stdout, stderr string) error {
	if limit > 0 && rc == 124 {
		return &engine.TimeoutError{What: "command", Subject: e.display(), Limit: limit,
			Hint: "raise the resource's timeout (or --command-timeout), or 0 for no limit"}
	}
	return &engine.CommandError{Cmd: e.display(), ExitCode: rc, Stderr: stderr, Stdout: stdout}
}

// wrap is the command Apply runs for cmd: under the time limit (none when
// 0), with the group and as the user. Check shows it without the limit,
// which is the run's setting (--command-timeout) unless the recipe sets
// timeout.
//
// A sensitive command never shows in an argument list on the node (where
// any user's ps sees it): it travels in the environment of the processes
// that run it (readable by their user and root only), and what the
// wrappers pass on the command line is a constant that evaluates it.
func (e *Execute) wrap(cmd string, limit time.Duration) string {
	prefix := ""
	if e.Sensitive {
		prefix = "CONVERGE_CMD=" + shell.Quote(cmd) + "; export CONVERGE_CMD; "
		cmd = `c=$CONVERGE_CMD; unset CONVERGE_CMD; eval "$c"`
		if limit == 0 && (e.Group != "" || e.User != "") {
			cmd = "sh -c " + shell.Quote(cmd)
		}
	}
	if limit > 0 {
		// The node's timeout where it has one; the engine's deadline ends
		// the wait in any case.
		cmd = timeLimited(cmd, limit)
	}
	if e.Group != "" {
		pre, g := accountWord("group", e.Group)
		prefix += pre
		cmd = "sg " + g + " -c " + shell.Quote(cmd)
	}
	if e.User != "" {
		pre, u := accountWord("passwd", e.User)
		prefix += pre
		cmd = "su -s /bin/sh -c " + shell.Quote(cmd) + " -- " + u
	}
	return prefix + cmd
}

// NameIsSecret: a sensitive execute whose name is (or contains) its
// command must not show that name; a name that is a label of its own
// ("pcs cluster auth" for a command with a password) still shows.
func (e *Execute) NameIsSecret() bool {
	if !e.Sensitive {
		return false
	}
	return e.Command == "" || strings.Contains(e.Name, e.Command)
}

func (e *Execute) display() string {
	if e.Sensitive {
		return "(sensitive command)"
	}
	return e.Command
}

// CommandLimit is the timeout property when the recipe gives one, else the
// run's default (--command-timeout, an hour unless set).
func (e *Execute) CommandLimit(def time.Duration) time.Duration {
	if e.IsSet("timeout") {
		return time.Duration(e.Timeout) * time.Second
	}
	return def
}

// Apply runs the command Check planned.
func (e *Execute) Apply(ctx context.Context, _ string, d engine.Diff, h *engine.Host) error {
	plan, ok := d.Data.(execPlan)
	if !ok {
		return fmt.Errorf("apply without a plan from Check; this is a bug in converge")
	}
	limit := e.CommandLimit(h.CommandLimit())
	cmd := e.wrap(plan.cmd, limit)
	// The command travels on stdin: a sensitive environment never shows in
	// the node's process list, and a long command never hits ARG_MAX.
	res, err := transport.RunScript(ctx, h.T, cmd)
	if err != nil {
		return err
	}
	for _, ok := range e.Returns {
		if res.ExitCode == ok {
			return nil
		}
	}
	return e.failure(res.ExitCode, limit, string(res.Stdout), string(res.Stderr))
}

func sortedKeys(m map[string]string) []string {
	k := make([]string, 0, len(m))
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}

// timeLimited is cmd killed after limit by the node's timeout(1) where it
// has one (status 124); the engine's deadline ends the wait in any case.
func timeLimited(cmd string, limit time.Duration) string {
	return fmt.Sprintf("set --; if command -v timeout >/dev/null 2>&1; then set -- timeout %d; fi; \"$@\" sh -c %s", engine.Seconds(limit), shell.Quote(cmd))
}
