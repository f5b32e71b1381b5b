package resources

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/shell"
)

// SystemdUnit manages a systemd unit file in /etc/systemd/system and the
// unit's state, as Chef's systemd_unit does: create and delete the file
// (with a daemon-reload only when the file changed), enable, disable,
// start, stop, restart, reload, mask and unmask the unit.
type SystemdUnit struct {
	engine.Common
	UnitName       string `prop:"unit_name,name" doc:"The unit's name with its type suffix (\"web.service\"); defaults to the resource name."`
	Content        any    `prop:"content" doc:"The unit file: a string, or a dict of sections ({\"Unit\": {\"Description\": \"...\"}}) rendered as INI, a list value giving the key once per item."`
	TriggersReload bool   `prop:"triggers_reload" doc:"Run systemctl daemon-reload after the unit file changes (default True)."`

	path string
	data []byte
}

var _ engine.Resource = (*SystemdUnit)(nil)

func init() {
	engine.Register(engine.Kind{Name: "systemd_unit",
		Actions: []string{"nothing", "create", "delete", "enable", "disable", "start", "stop", "restart", "reload",
			"mask", "unmask", "try_restart", "reload_or_restart"},
		New: func() engine.Resource { return &SystemdUnit{} }, Doc: "A systemd unit file in /etc/systemd/system and the unit's enabled, running and masked state."})
}

var (
	unitNameRe = regexp.MustCompile(`^[A-Za-z0-9:_.\\@-]+\.(service|socket|device|mount|automount|swap|target|path|timer|slice|scope)$`)
	iniKeyRe   = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
)

// Prepare validates the name and renders the unit file.
func (u *SystemdUnit) Prepare(*engine.PrepareContext) error {
	if !unitNameRe.MatchString(u.UnitName) || strings.HasPrefix(u.UnitName, "-") {
		return engine.Errorf(&u.Common, "a unit name is letters, digits and :_.\\@- with a type suffix, such as web.service or backup@daily.timer", "systemd unit name %q is not valid", u.UnitName)
	}
	if !u.IsSet("triggers_reload") {
		u.TriggersReload = true
	}
	u.path = "/etc/systemd/system/" + u.UnitName
	s, err := unitContent(u.Content)
	if err != nil {
		return engine.Errorf(&u.Common, "give content as a string or a dict of sections of keys", "content: %v", err)
	}
	if s == "" && u.wants("create") {
		return engine.Errorf(&u.Common, "set content=", "systemd_unit %s has no content to create", u.UnitName)
	}
	u.data = []byte(s)
	return nil
}

func (u *SystemdUnit) wants(action string) bool {
	for _, a := range u.Actions {
		if a == action {
			return true
		}
	}
	return false
}

// unitContent renders content: a string as given (ending in a newline),
// a dict as INI with [Unit] first, [Install] last and keys sorted (a
// Starlark dict reaches Go unordered).
func unitContent(v any) (string, error) {
	switch c := v.(type) {
	case nil:
		return "", nil
	case string:
		if c != "" && !strings.HasSuffix(c, "\n") {
			c += "\n"
		}
		return c, nil
	case map[string]any:
		secs := make([]string, 0, len(c))
		for s := range c {
			secs = append(secs, s)
		}
		rank := func(s string) int {
			switch s {
			case "Unit":
				return 0
			case "Install":
				return 2
			}
			return 1
		}
		sort.Slice(secs, func(i, j int) bool {
			if ri, rj := rank(secs[i]), rank(secs[j]); ri != rj {
				return ri < rj
			}
			return secs[i] < secs[j]
		})
		var b strings.Builder
		for i, s := range secs {
			if !iniKeyRe.MatchString(s) {
				return "", fmt.Errorf("section name %q is not valid", s)
			}
			keys, ok := c[s].(map[string]any)
			if !ok {
				return "", fmt.Errorf("section %s must be a dict of keys, got %v", s, c[s])
			}
			if i > 0 {
				b.WriteString("\n")
			}
			b.WriteString("[" + s + "]\n")
			names := make([]string, 0, len(keys))
			for k := range keys {
				names = append(names, k)
			}
			sort.Strings(names)
			for _, k := range names {
				if !iniKeyRe.MatchString(k) {
					return "", fmt.Errorf("key %q of section %s is not valid", k, s)
				}
				vals, isList := keys[k].([]any)
				if !isList {
					vals = []any{keys[k]}
				}
				for _, x := range vals {
					val, err := iniValue(x)
					if err != nil {
						return "", fmt.Errorf("%s.%s: %v", s, k, err)
					}
					b.WriteString(k + "=" + val + "\n")
				}
			}
		}
		return b.String(), nil
	}
	return "", fmt.Errorf("want a string or a dict, got %v", v)
}

func iniValue(v any) (string, error) {
	switch x := v.(type) {
	case string:
		if strings.ContainsAny(x, "\n\r\x00") {
			return "", fmt.Errorf("value %q contains a newline", x)
		}
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case bool:
		return map[bool]string{true: "yes", false: "no"}[x], nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	}
	return "", fmt.Errorf("value %v is not a string, number or bool", v)
}

// probe prints the unit's state; exit 127 without systemctl.
func (u *SystemdUnit) probe() string {
	return "command -v systemctl >/dev/null || exit 127; systemctl show -p LoadState,ActiveState,UnitFileState,NeedDaemonReload -- " + shell.Quote(u.UnitName)
}

// Probes stats the unit file and asks systemd for the unit's state.
func (u *SystemdUnit) Probes() []engine.Probe {
	return []engine.Probe{engine.ShellProbe(u.probe()), engine.StatProbe(u.path)}
}

// Touches is the unit file; the state probe is taken again after any change.
func (u *SystemdUnit) Touches() []string { return []string{u.path} }

// unitState is what systemctl show printed.
type unitState map[string]string

func parseUnitState(out string) unitState {
	st := unitState{}
	for _, l := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(l), "="); ok {
			st[k] = v
		}
	}
	return st
}

func (s unitState) active() bool {
	switch s["ActiveState"] {
	case "active", "activating", "reloading":
		return true
	}
	return false
}

// Check compares the unit file and the unit's state with the action.
func (u *SystemdUnit) Check(action string, p engine.Probed) (engine.Diff, error) {
	r, err := shellOf(p, u.probe())
	if err != nil {
		return engine.Diff{}, err
	}
	fst, err := statOf(p, u.path)
	if err != nil {
		return engine.Diff{}, err
	}
	st := unitState{}
	switch {
	case p.Assumed():
	case r.ExitCode == 127:
		return engine.Diff{}, fmt.Errorf("the node has no systemctl; systemd_unit needs a node that runs systemd")
	case r.ExitCode != 0:
		return engine.Diff{}, fmt.Errorf("systemctl show %s exited %d", u.UnitName, r.ExitCode)
	default:
		st = parseUnitState(r.Stdout)
	}
	if fst.Exists && fst.Type != "file" && (action == "create" || action == "delete") {
		if !(action == "delete" && fst.Type == "link") {
			return engine.Diff{}, fmt.Errorf("%s is a %s, not a unit file; remove it first", u.path, fst.Type)
		}
	}
	var d engine.Diff
	var plan steps
	name := shell.Quote(u.UnitName)
	systemctl := func(change, verb string) {
		d.Changes = append(d.Changes, change)
		plan.run("systemctl " + verb + " -- " + name)
	}
	reload := func() {
		if u.TriggersReload {
			plan.run("systemctl daemon-reload")
		}
	}
	switch action {
	case "create":
		if fileStep(&d, &plan, fst, u.path, u.data, "0644") && (!fst.Exists || fst.SHA256 != sha(u.data)) {
			d.Content = &engine.ContentChange{Path: u.path, OldSHA: fst.SHA256, New: u.data, NeedsOld: fst.Exists}
			reload()
		}
	case "delete":
		if fst.Exists {
			d.Changes = append(d.Changes, "delete unit file "+u.path)
			plan.remove(u.path)
			reload()
		}
	case "enable":
		if st["UnitFileState"] != "enabled" {
			systemctl("enable unit "+u.UnitName, "enable")
		}
	case "disable":
		if st["UnitFileState"] == "enabled" {
			systemctl("disable unit "+u.UnitName, "disable")
		}
	case "start":
		if !st.active() {
			systemctl("start unit "+u.UnitName, "start")
		}
	case "stop":
		if st.active() {
			systemctl("stop unit "+u.UnitName, "stop")
		}
	case "restart":
		systemctl("restart unit "+u.UnitName, "restart")
	case "reload":
		if st.active() {
			systemctl("reload unit "+u.UnitName, "reload")
		}
	case "try_restart":
		if st.active() {
			systemctl("restart unit "+u.UnitName, "try-restart")
		}
	case "reload_or_restart":
		systemctl("reload or restart unit "+u.UnitName, "reload-or-restart")
	case "mask":
		if st["UnitFileState"] != "masked" {
			systemctl("mask unit "+u.UnitName, "mask")
		}
	case "unmask":
		if st["UnitFileState"] == "masked" {
			systemctl("unmask unit "+u.UnitName, "unmask")
		}
	}
	if d.Empty() {
		return engine.Diff{}, nil
	}
	d.Commands, d.Data = plan.commands(), plan
	return d, nil
}

// Apply does what Check planned: the file write, daemon-reload and the
// systemctl command.
func (u *SystemdUnit) Apply(ctx context.Context, _ string, d engine.Diff, h *engine.Host) error {
	return applySteps(ctx, d, h)
}
