package resources

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/shell"
)

// Sysctl sets a kernel parameter now and at boot: a file in /etc/sysctl.d
// and the live value under /proc/sys.
type Sysctl struct {
	engine.Common
	Key     string `prop:"key,name" doc:"The parameter, dotted as sysctl names it (net.ipv4.ip_forward); defaults to the resource name."`
	Value   any    `prop:"value" doc:"The value: a string, a number, or a list of them for multi-field parameters."`
	Comment any    `prop:"comment" doc:"A comment line, or a list of them, written above the setting."`
	ConfDir string `prop:"conf_dir" doc:"Directory of the file (default /etc/sysctl.d); the file is 99-converge-KEY.conf."`

	value string
	path  string
	data  []byte
}

var _ engine.Resource = (*Sysctl)(nil)

func init() {
	engine.Register(engine.Kind{Name: "sysctl", Actions: []string{"apply", "remove"},
		New: func() engine.Resource { return &Sysctl{} }, Doc: "A kernel parameter set now with sysctl -w and at boot from /etc/sysctl.d.",
		ChefNames: []string{"sysctl_param"}})
}

var sysctlKeyRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*[A-Za-z0-9_]$`)

// Prepare validates the key and value and renders the file.
func (s *Sysctl) Prepare(*engine.PrepareContext) error {
	key := strings.ReplaceAll(s.Key, "/", ".")
	if !sysctlKeyRe.MatchString(key) || strings.Contains(key, "..") {
		return engine.Errorf(&s.Common, "write it as sysctl -a lists it, such as net.ipv4.ip_forward", "sysctl key %q is not a parameter name", s.Key)
	}
	s.Key = key
	var err error
	if s.value, err = sysctlValue(s.Value); err != nil {
		return engine.Errorf(&s.Common, "set value= to a string, a number or a list of them", "%v", err)
	}
	if s.value == "" && s.Actions[0] != "remove" {
		return engine.Errorf(&s.Common, "set value=", "sysctl %s has no value", s.Key)
	}
	if s.ConfDir == "" {
		s.ConfDir = "/etc/sysctl.d"
	}
	if err := checkAbs(&s.Common, s.ConfDir); err != nil {
		return err
	}
	s.path = strings.TrimSuffix(s.ConfDir, "/") + "/99-converge-" + s.Key + ".conf"
	var b strings.Builder
	comments, err := stringsOf(s.Comment)
	if err != nil {
		return engine.Errorf(&s.Common, "", "comment: %v", err)
	}
	for _, c := range comments {
		for _, l := range strings.Split(c, "\n") {
			b.WriteString("# " + l + "\n")
		}
	}
	b.WriteString(s.Key + " = " + s.value + "\n")
	s.data = []byte(b.String())
	return nil
}

// sysctlValue is the value as sysctl writes it: fields joined by a space.
func sysctlValue(v any) (string, error) {
	var fields []string
	switch x := v.(type) {
	case nil:
		return "", nil
	case []any:
		for _, e := range x {
			f, err := sysctlValue(e)
			if err != nil {
				return "", err
			}
			fields = append(fields, f)
		}
	case string:
		fields = strings.Fields(x)
		if strings.ContainsAny(x, "\n\r\x00") {
			return "", fmt.Errorf("value %q contains a newline", x)
		}
	case int64:
		fields = []string{strconv.FormatInt(x, 10)}
	case float64:
		fields = []string{strconv.FormatFloat(x, 'f', -1, 64)}
	case bool:
		fields = []string{map[bool]string{true: "1", false: "0"}[x]}
	default:
		return "", fmt.Errorf("value %v is not a string, a number or a list", v)
	}
	return strings.Join(fields, " "), nil
}

func stringsOf(v any) ([]string, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return []string{x}, nil
	case []any:
		var out []string
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("want a string or a list of strings, got %v", e)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("want a string or a list of strings, got %v", v)
}

func (s *Sysctl) procPath() string { return "/proc/sys/" + strings.ReplaceAll(s.Key, ".", "/") }

func (s *Sysctl) probe() string { return "cat -- " + shell.Quote(s.procPath()) }

// Probes reads the live value and stats the file.
func (s *Sysctl) Probes() []engine.Probe {
	return []engine.Probe{engine.ShellProbe(s.probe(), s.procPath()), engine.StatProbe(s.path)}
}

// Touches is the file and the parameter.
func (s *Sysctl) Touches() []string { return []string{s.path, s.procPath()} }

// Check compares the file and the live value.
func (s *Sysctl) Check(action string, p engine.Probed) (engine.Diff, error) {
	live, err := shellOf(p, s.probe())
	if err != nil {
		return engine.Diff{}, err
	}
	st, err := statOf(p, s.path)
	if err != nil {
		return engine.Diff{}, err
	}
	var d engine.Diff
	var plan steps
	if action == "remove" {
		removeStep(&d, &plan, st, s.path)
	} else {
		if live.ExitCode != 0 && !p.Assumed() {
			return engine.Diff{}, fmt.Errorf("the kernel has no parameter %s (%s is missing); load its module first or correct the key", s.Key, s.procPath())
		}
		if fileStep(&d, &plan, st, s.path, s.data, "0644") {
			d.Content = &engine.ContentChange{Path: s.path, OldSHA: st.SHA256, New: s.data, NeedsOld: st.Exists}
		}
		if now := strings.Join(strings.Fields(live.Stdout), " "); now != s.value || p.Assumed() {
			d.Changes = append(d.Changes, fmt.Sprintf("set %s from %q to %q", s.Key, now, s.value))
			plan.run("sysctl -w " + shell.Quote(s.Key+"="+s.value))
		}
	}
	if d.Empty() {
		return engine.Diff{}, nil
	}
	d.Commands, d.Data = plan.commands(), plan
	return d, nil
}

// Apply writes the file and sets the live value.
func (s *Sysctl) Apply(ctx context.Context, _ string, d engine.Diff, h *engine.Host) error {
	return applySteps(ctx, d, h)
}
