package resources

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/shell"
)

// CronEntry is the schedule, command and environment of one cron job,
// shared by cron (a user's crontab) and cron_d (a file in /etc/cron.d).
type CronEntry struct {
	Minute      any               `prop:"minute" doc:"Minute field: 0-59, a range, a list or a step such as \"*/5\" (default \"*\")."`
	Hour        any               `prop:"hour" doc:"Hour field: 0-23, a range, a list or a step (default \"*\")."`
	Day         any               `prop:"day" doc:"Day of the month field: 1-31, a range, a list or a step (default \"*\")."`
	Month       any               `prop:"month" doc:"Month field: 1-12 or jan-dec, a range, a list or a step (default \"*\")."`
	Weekday     any               `prop:"weekday" doc:"Day of the week field: 0-7 (0 and 7 are Sunday) or sun-sat, a range, a list or a step (default \"*\")."`
	Time        string            `prop:"time" doc:"A special schedule instead of the five fields: reboot, yearly, annually, monthly, weekly, daily, midnight or hourly."`
	Command     string            `prop:"command" doc:"The command cron runs, on one line (cron reads an unescaped % as a newline)."`
	User        string            `prop:"user" doc:"User the command runs as (default root)."`
	Mailto      string            `prop:"mailto" doc:"Where cron mails the command's output (MAILTO); \"\" mails nobody when set."`
	Path        string            `prop:"path" doc:"PATH the command runs with."`
	Shell       string            `prop:"shell" doc:"SHELL the command runs with."`
	Home        string            `prop:"home" doc:"HOME the command runs with."`
	Environment map[string]string `prop:"environment" doc:"Other environment variables for the command."`
}

// Cron manages one entry of a user's crontab, marked by a
// "# converge: NAME" comment above it (Chef marks its own with
// "# Chef Name: NAME").
type Cron struct {
	engine.Common
	CronEntry

	block []string // the entry's lines, marker first
}

// CronD manages a cron job in its own file, /etc/cron.d/NAME.
type CronD struct {
	engine.Common
	CronName string `prop:"cron_name,name" doc:"Name of the file in /etc/cron.d; dots become dashes as Chef does; defaults to the resource name."`
	CronEntry
	Mode string `prop:"mode,mode" doc:"Mode of the file (default \"0600\")."`

	c content
}

var (
	_ engine.Resource = (*Cron)(nil)
	_ engine.Resource = (*CronD)(nil)
)

func init() {
	engine.Register(engine.Kind{Name: "cron", Actions: []string{"create", "delete"},
		New: func() engine.Resource { return &Cron{} }, Doc: "An entry in a user's crontab, marked with its resource name."})
	engine.Register(engine.Kind{Name: "cron_d", Actions: []string{"create", "create_if_missing", "delete"},
		New: func() engine.Resource { return &CronD{} }, Doc: "A cron job in its own file in /etc/cron.d."})
}

var (
	cronUserRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$`)
	cronEnvRe  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	cronFileRe = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	// cronEnvLine is an environment line of a crontab: NAME=value.
	cronEnvLine = regexp.MustCompile(`^\s*[A-Za-z_][A-Za-z0-9_]*\s*=`)
)

var cronSpecial = map[string]string{"reboot": "@reboot", "yearly": "@yearly", "annually": "@annually",
	"monthly": "@monthly", "weekly": "@weekly", "daily": "@daily", "midnight": "@midnight", "hourly": "@hourly"}

// cronField is one of the five schedule fields.
type cronField struct {
	prop   string
	lo, hi int
	names  []string // names for lo, lo+1, ... (month, weekday)
}

var cronFields = []cronField{
	{"minute", 0, 59, nil},
	{"hour", 0, 23, nil},
	{"day", 1, 31, nil},
	{"month", 1, 12, []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
	{"weekday", 0, 7, []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"}},
}

// value checks one field's value (a string or an int) and returns it as
// cron writes it.
func (f cronField) value(v any) (string, error) {
	var s string
	switch x := v.(type) {
	case nil:
		return "*", nil
	case int64:
		s = strconv.FormatInt(x, 10)
	case string:
		s = strings.ToLower(strings.TrimSpace(x))
	default:
		return "", fmt.Errorf("%s must be a string or an int, got %v", f.prop, v)
	}
	if s == "" {
		return "", fmt.Errorf("%s is empty; use \"*\" for every %s", f.prop, f.prop)
	}
	for _, item := range strings.Split(s, ",") {
		if err := f.item(item); err != nil {
			return "", fmt.Errorf("%s %q: %v", f.prop, s, err)
		}
	}
	return s, nil
}

func (f cronField) item(item string) error {
	base, step, hasStep := strings.Cut(item, "/")
	if hasStep {
		n, err := strconv.Atoi(step)
		if err != nil || n < 1 || n > f.hi {
			return fmt.Errorf("step %q must be a number from 1 to %d", step, f.hi)
		}
	}
	if base == "*" {
		return nil
	}
	lo, hi, isRange := strings.Cut(base, "-")
	a, err := f.number(lo)
	if err != nil {
		return err
	}
	if !isRange {
		if hasStep {
			return fmt.Errorf("a step needs a range or *, as in %s-%d/%s", lo, f.hi, step)
		}
		return nil
	}
	b, err := f.number(hi)
	if err != nil {
		return err
	}
	if b < a {
		return fmt.Errorf("range %s runs backwards", base)
	}
	return nil
}

func (f cronField) number(s string) (int, error) {
	for i, n := range f.names {
		if s == n {
			return f.lo + i, nil
		}
	}
	if f.prop == "weekday" {
		for i, n := range []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"} {
			if s == n {
				return i, nil
			}
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < f.lo || n > f.hi {
		hint := fmt.Sprintf("a number from %d to %d", f.lo, f.hi)
		if f.names != nil {
			hint += " or a name such as " + f.names[1]
		}
		return 0, fmt.Errorf("%q is not %s", s, hint)
	}
	return n, nil
}

// schedule validates the entry and returns its schedule (five fields or
// an @special) and its environment lines.
func (e *CronEntry) schedule(r *engine.Common) (string, []string, error) {
	bad := func(detail, format string, a ...any) (string, []string, error) {
		return "", nil, engine.Errorf(r, detail, format, a...)
	}
	if e.Command == "" {
		return bad("set command=\"...\"", "cron job has no command")
	}
	if strings.ContainsAny(e.Command, "\n\r\x00") {
		return bad("a crontab line holds one command; put several in a script and run that", "command contains a newline")
	}
	if e.User == "" {
		e.User = "root"
	}
	if !cronUserRe.MatchString(e.User) {
		return bad("use a user name such as \"root\" or \"www-data\"", "user %q is not a valid user name", e.User)
	}
	var sched string
	if e.Time != "" {
		for _, f := range cronFields {
			if r.IsSet(f.prop) {
				return bad("remove "+f.prop+"= or time=", "time=%q and %s= are both set", e.Time, f.prop)
			}
		}
		s, ok := cronSpecial[strings.TrimPrefix(e.Time, "@")]
		if !ok {
			return bad("use one of reboot, yearly, annually, monthly, weekly, daily, midnight, hourly", "time %q is not a cron special schedule", e.Time)
		}
		sched = s
	} else {
		vals := []any{e.Minute, e.Hour, e.Day, e.Month, e.Weekday}
		var parts []string
		for i, f := range cronFields {
			s, err := f.value(vals[i])
			if err != nil {
				return bad("cron fields are numbers, ranges (1-5), lists (1,15) and steps (*/10)", "unknown cron field: %v", err)
			}
			parts = append(parts, s)
		}
		sched = strings.Join(parts, " ")
	}
	var env []string
	add := func(k, v string) error {
		if strings.ContainsAny(v, "\n\r\x00") {
			return engine.Errorf(r, "", "%s value contains a newline, which a crontab line cannot hold", k)
		}
		env = append(env, k+"="+v)
		return nil
	}
	for _, kv := range [][2]string{{"MAILTO", e.Mailto}, {"PATH", e.Path}, {"SHELL", e.Shell}, {"HOME", e.Home}} {
		if kv[1] == "" && !(kv[0] == "MAILTO" && r.IsSet("mailto")) {
			continue
		}
		if err := add(kv[0], kv[1]); err != nil {
			return "", nil, err
		}
	}
	keys := make([]string, 0, len(e.Environment))
	for k := range e.Environment {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !cronEnvRe.MatchString(k) {
			return bad("names are letters, digits and _, not starting with a digit", "environment variable name %q is not valid", k)
		}
		if err := add(k, e.Environment[k]); err != nil {
			return "", nil, err
		}
	}
	return sched, env, nil
}

// Prepare validates the schedule and builds the crontab lines.
func (c *Cron) Prepare(*engine.PrepareContext) error {
	if strings.ContainsAny(c.Name, "\n\r\x00") {
		return engine.Errorf(&c.Common, "", "cron name contains a newline; it becomes a comment line of the crontab")
	}
	sched, env, err := c.schedule(&c.Common)
	if err != nil {
		return err
	}
	c.block = append(append([]string{"# converge: " + c.Name}, env...), sched+" "+c.Command)
	return nil
}

// probe prints the user's crontab: exit 127 without crontab, 3 for an
// unknown user, 1 for a user without a crontab.
func (c *Cron) probe() string {
	u := shell.Quote(c.User)
	return "command -v crontab >/dev/null || exit 127; id -u -- " + u + " >/dev/null || exit 3; crontab -l -u " + u
}

// Probes reads the user's crontab.
func (c *Cron) Probes() []engine.Probe {
	return []engine.Probe{engine.ShellProbe(c.probe(), "/var/spool/cron")}
}

// Touches is where crontabs live (crontabs/USER on Debian, USER on Red Hat).
func (c *Cron) Touches() []string { return []string{"/var/spool/cron"} }

func (c *Cron) install() string { return "crontab -u " + shell.Quote(c.User) + " -" }

// cronPlan is the crontab Apply installs.
type cronPlan struct{ crontab string }

// Check finds the marked entry in the crontab and plans the new crontab.
func (c *Cron) Check(action string, p engine.Probed) (engine.Diff, error) {
	r, ok := p.Shell(c.probe())
	if !ok {
		return engine.Diff{}, engine.MissingProbe(engine.ProbeShell, c.probe())
	}
	old := ""
	switch {
	// No crontab command (127) plans as an empty crontab: a package
	// resource earlier in the run may install it (the plan cannot know);
	// Apply says so when it is still missing.
	case p.Assumed(), r.ExitCode == 1, r.ExitCode == 127:
	case r.ExitCode == 0:
		old = r.Stdout
	case r.ExitCode == 3:
		if action == "delete" {
			return engine.Diff{}, nil
		}
		return engine.Diff{}, fmt.Errorf("the node has no user %q; declare user(%q) before this cron", c.User, c.User)
	default:
		return engine.Diff{}, fmt.Errorf("crontab -l -u %s exited %d", c.User, r.ExitCode)
	}
	lines := splitCrontab(old)
	start, end := findCronBlock(lines, c.block[0])
	var next []string
	var change string
	switch action {
	case "delete":
		if start < 0 {
			return engine.Diff{}, nil
		}
		next = append(append([]string{}, lines[:start]...), lines[end:]...)
		change = fmt.Sprintf("delete crontab entry %s of user %s", c.Name, c.User)
	default:
		if start >= 0 && equalLines(lines[start:end], c.block) {
			return engine.Diff{}, nil
		}
		if start < 0 {
			next = append(append([]string{}, lines...), c.block...)
			change = fmt.Sprintf("add crontab entry %s of user %s", c.Name, c.User)
		} else {
			next = append(append(append([]string{}, lines[:start]...), c.block...), lines[end:]...)
			change = fmt.Sprintf("update crontab entry %s of user %s", c.Name, c.User)
		}
	}
	crontab := ""
	if len(next) > 0 {
		crontab = strings.Join(next, "\n") + "\n"
	}
	oldText := ""
	if len(lines) > 0 {
		oldText = strings.Join(lines, "\n") + "\n"
	}
	return engine.Diff{
		Changes:  []string{change},
		Content:  &engine.ContentChange{Path: "crontab of " + c.User, Old: []byte(oldText), New: []byte(crontab)},
		Commands: []string{c.install()},
		Data:     cronPlan{crontab: crontab},
	}, nil
}

// Apply installs the crontab Check planned, on the command's stdin.
func (c *Cron) Apply(ctx context.Context, _ string, d engine.Diff, h *engine.Host) error {
	plan, ok := d.Data.(cronPlan)
	if !ok {
		return fmt.Errorf("cron Apply without a plan from Check; this is a bug in converge")
	}
	cmd := c.install()
	res, err := h.T.Run(ctx, cmd, strings.NewReader(plan.crontab))
	if err != nil {
		return err
	}
	if res.ExitCode == 127 {
		return errNoCrontab
	}
	if res.ExitCode != 0 {
		return &engine.CommandError{Cmd: cmd, ExitCode: res.ExitCode, Stderr: string(res.Stderr), Stdout: string(res.Stdout)}
	}
	return nil
}

var errNoCrontab = errors.New("the node has no crontab command; install it first (package(\"cron\") on Debian, package(\"cronie\") on Red Hat)")

func splitCrontab(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// findCronBlock returns the lines [start, end) of the entry that marker
// starts: the marker, its environment lines and the job line; -1 when the
// crontab has no such entry.
func findCronBlock(lines []string, marker string) (int, int) {
	for i, l := range lines {
		if l != marker {
			continue
		}
		j := i + 1
		for j < len(lines) && cronEnvLine.MatchString(lines[j]) {
			j++
		}
		if j < len(lines) && !strings.HasPrefix(lines[j], "# converge: ") {
			j++
		}
		return i, j
	}
	return -1, -1
}

func equalLines(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Prepare validates the name and schedule and renders the file.
func (c *CronD) Prepare(*engine.PrepareContext) error {
	name := strings.ReplaceAll(c.CronName, ".", "-")
	if !cronFileRe.MatchString(name) {
		return engine.Errorf(&c.Common, "cron reads only files in /etc/cron.d named with letters, digits, _ and -", "cron_d name %q is not a valid file name", c.CronName)
	}
	sched, env, err := c.schedule(&c.Common)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Generated by converge (cron_d[%s]); local changes are overwritten.\n", name)
	for _, l := range env {
		b.WriteString(l + "\n")
	}
	line := sched + " " + c.User + " " + c.Command
	b.WriteString(line + "\n")
	mode := c.Mode
	if mode == "" {
		mode = "0600"
	}
	c.c = content{path: "/etc/cron.d/" + name, own: Ownership{Owner: "root", Group: "root", Mode: mode},
		data: []byte(b.String()), managed: true}
	return nil
}

// Probes stats the file.
func (c *CronD) Probes() []engine.Probe { return c.c.probes() }

// Touches is the file.
func (c *CronD) Touches() []string { return []string{c.c.path} }

// Check compares the file with the job.
func (c *CronD) Check(action string, p engine.Probed) (engine.Diff, error) {
	return c.c.check(&c.Common, action, p)
}

// Apply writes or removes the file.
func (c *CronD) Apply(ctx context.Context, action string, d engine.Diff, h *engine.Host) error {
	return c.c.apply(ctx, d, h)
}
