package resources

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/shell"
	"github.com/converge-cm/converge/engine/transport"
)

// Script runs code with an interpreter, as Chef's script, bash, sh,
// python and perl do. The code reaches the interpreter on its stdin (a
// here-document of a script that itself travels on stdin), never on a
// command line. Guard it (creates, not_if, only_if) so that a second run
// changes nothing.
type Script struct {
	engine.Common
	Code        string            `prop:"code" doc:"The code the interpreter runs."`
	Interpreter string            `prop:"interpreter" doc:"The interpreter (bash, python3, ...); script needs it, bash, sh, python and perl have theirs."`
	Flags       string            `prop:"flags" doc:"Flags for the interpreter, such as \"-e\"; split on spaces."`
	Cwd         string            `prop:"cwd" doc:"Directory to run the code (and its guards) in."`
	Environment map[string]string `prop:"environment" doc:"Environment variables for the code and its guards."`
	User        string            `prop:"user,account" doc:"Run the code as this user, by name or uid (through su)."`
	Returns     []int             `prop:"returns" doc:"Exit statuses that mean success (default 0)."`
	Creates     string            `prop:"creates" doc:"Skip the code when this path exists."`
	Timeout     int               `prop:"timeout" doc:"Seconds before the code is killed (default 3600); 0 for no limit."`

	script string
}

var _ engine.Resource = (*Script)(nil)

func init() {
	for _, k := range []struct{ name, interp, doc string }{
		{"script", "", "Code run by the interpreter given, unless its guards say it is done."},
		{"bash", "bash", "Bash code, run unless its guards say it is done."},
		{"sh", "sh", "Shell code run by /bin/sh, unless its guards say it is done."},
		{"python", "python3", "Python code run by python3, unless its guards say it is done."},
		{"perl", "perl", "Perl code, run unless its guards say it is done."},
	} {
		interp := k.interp
		engine.Register(engine.Kind{Name: k.name, Actions: []string{"run"}, Doc: k.doc,
			New: func() engine.Resource { return &Script{Interpreter: interp} }})
	}
}

var (
	scriptInterpRe = regexp.MustCompile(`^[A-Za-z0-9_./+-]+$`)
	scriptUserRe   = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$`)
	scriptEnvRe    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// Prepare validates the properties, builds the script and runs the
// guards in the code's cwd and environment.
func (s *Script) Prepare(*engine.PrepareContext) error {
	if s.Code == "" {
		return engine.Errorf(&s.Common, "set code=\"\"\"...\"\"\"", "%s has no code", s.Kind)
	}
	if s.Interpreter == "" {
		return engine.Errorf(&s.Common, "set interpreter= (\"bash\", \"python3\", ...) or use bash(), sh(), python() or perl()", "script has no interpreter")
	}
	if !scriptInterpRe.MatchString(s.Interpreter) {
		return engine.Errorf(&s.Common, "name a program such as bash or /usr/bin/python3", "interpreter %q is not a program name", s.Interpreter)
	}
	if s.User != "" && !scriptUserRe.MatchString(s.User) {
		return engine.Errorf(&s.Common, "use a user name such as \"postgres\"", "user %q is not a valid user name", s.User)
	}
	for k := range s.Environment {
		if !scriptEnvRe.MatchString(k) {
			return engine.Errorf(&s.Common, "names are letters, digits and _, not starting with a digit", "environment variable name %q is not valid", k)
		}
	}
	if !s.IsSet("timeout") {
		s.Timeout = 3600
	}
	if s.Timeout < 0 {
		return engine.Errorf(&s.Common, "", "timeout must be >= 0")
	}
	if len(s.Returns) == 0 {
		s.Returns = []int{0}
	}
	pre := s.prelude()
	for i := range s.NotIf {
		if s.NotIf[i].Fn == nil {
			s.NotIf[i].Cmd = pre + s.NotIf[i].Cmd
		}
	}
	for i := range s.OnlyIf {
		if s.OnlyIf[i].Fn == nil {
			s.OnlyIf[i].Cmd = pre + s.OnlyIf[i].Cmd
		}
	}
	s.script = s.build()
	return nil
}

// prelude changes directory and exports the environment.
func (s *Script) prelude() string {
	var b strings.Builder
	if s.Cwd != "" {
		b.WriteString("cd " + shell.Quote(s.Cwd) + " || exit 1; ")
	}
	keys := make([]string, 0, len(s.Environment))
	for k := range s.Environment {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString("export " + k + "=" + shell.Quote(s.Environment[k]) + "; ")
	}
	return b.String()
}

// build is the script Apply runs: the prelude, then the interpreter with
// the code as a here-document on its stdin.
func (s *Script) build() string {
	argv := []string{shell.Quote(s.Interpreter)}
	for _, f := range strings.Fields(s.Flags) {
		argv = append(argv, shell.Quote(f))
	}
	run := strings.Join(argv, " ")
	pre := ""
	if s.User != "" {
		var u string
		pre, u = accountWord("passwd", s.User)
		run = "su -s /bin/sh -c " + shell.Quote("exec "+run) + " " + u
	}
	if s.Timeout > 0 {
		run = fmt.Sprintf("timeout %d %s", s.Timeout, run)
	}
	run = pre + run
	code := s.Code
	if !strings.HasSuffix(code, "\n") {
		code += "\n"
	}
	eof := "CONVERGE_EOF"
	for strings.Contains("\n"+code, "\n"+eof+"\n") {
		eof += "_"
	}
	return s.prelude() + "\n" + run + " <<'" + eof + "'\n" + code + eof + "\n"
}

// Probes checks the creates path.
func (s *Script) Probes() []engine.Probe {
	if s.Creates == "" {
		return nil
	}
	return []engine.Probe{engine.StatProbe(s.createsPath())}
}

func (s *Script) createsPath() string {
	p := s.Creates
	if !strings.HasPrefix(p, "/") && s.Cwd != "" {
		p = strings.TrimSuffix(s.Cwd, "/") + "/" + p
	}
	return p
}

// Check says the code would run unless creates exists.
func (s *Script) Check(_ string, p engine.Probed) (engine.Diff, error) {
	if s.Creates != "" {
		st, err := statOf(p, s.createsPath())
		if err != nil {
			return engine.Diff{}, err
		}
		if st.Exists {
			return engine.Diff{}, nil
		}
	}
	n := strings.Count(strings.TrimSuffix(s.Code, "\n"), "\n") + 1
	d := engine.Diff{Changes: []string{fmt.Sprintf("run %d line(s) of %s code with %s", n, s.Kind, s.Interpreter)}}
	if s.Sensitive {
		d.Changes = []string{"run " + s.Kind + " code (sensitive)"}
	} else {
		d.Commands = []string{s.script}
	}
	return d, nil
}

// Apply runs the script.
func (s *Script) Apply(ctx context.Context, _ string, _ engine.Diff, h *engine.Host) error {
	res, err := transport.RunScript(ctx, h.T, s.script)
	if err != nil {
		return err
	}
	for _, ok := range s.Returns {
		if res.ExitCode == ok {
			return nil
		}
	}
	what := s.Kind + "[" + s.Name + "]"
	if s.Timeout > 0 && res.ExitCode == 124 {
		return fmt.Errorf("%s timed out after %d s", what, s.Timeout)
	}
	return &engine.CommandError{Cmd: what + " code", ExitCode: res.ExitCode, Stderr: string(res.Stderr), Stdout: string(res.Stdout)}
}
