package resources

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/shell"
)

// Group manages a local group and its members.
type Group struct {
	engine.Common
	GroupName string   `prop:"group_name,name" doc:"Group name; defaults to the resource name."`
	GID       int      `prop:"gid,account" doc:"Numeric group id (1000 or \"1000\")."`
	Members   []string `prop:"members" doc:"Users in the group."`
	Append    bool     `prop:"append" doc:"Add members to the group instead of making them its exact member list."`
	System    bool     `prop:"system" doc:"Create a system group."`
}

var _ engine.Resource = (*Group)(nil)

func init() {
	engine.Register(engine.Kind{Name: "group", Actions: []string{"create", "remove"},
		New: func() engine.Resource { return &Group{} }, Doc: "A local group and its members."})
}

// Prepare validates the name.
func (g *Group) Prepare(*engine.PrepareContext) error {
	if err := checkAccount(&g.Common, "group name", g.GroupName, false); err != nil {
		return err
	}
	for _, m := range g.Members {
		if err := checkAccount(&g.Common, "member", m, false); err != nil {
			return err
		}
	}
	return checkID(&g.Common, "gid", g.GID)
}

func (g *Group) probe() string { return "getent group " + shell.Quote(g.GroupName) }

// Probes reads the group entry.
func (g *Group) Probes() []engine.Probe {
	return []engine.Probe{engine.ShellProbe(g.probe(), "/etc/group", "/etc/passwd")}
}

// Check compares the group with the properties and plans the groupadd,
// groupmod, gpasswd or groupdel calls.
func (g *Group) Check(action string, p engine.Probed) (engine.Diff, error) {
	r, ok := p.Shell(g.probe())
	if !ok {
		return engine.Diff{}, engine.MissingProbe(engine.ProbeShell, g.probe())
	}
	f := strings.Split(strings.TrimSpace(r.Stdout), ":")
	exists := len(f) >= 3 && r.ExitCode == 0
	var d engine.Diff
	var plan steps
	run := func(args ...string) { plan.run(shell.Join(args...)) }
	if action == "remove" {
		if !exists {
			return d, nil
		}
		d.Changes = []string{"remove group " + g.GroupName}
		run("groupdel", "--", g.GroupName)
		d.Commands, d.Data = plan.commands(), plan
		return d, nil
	}
	var have []string
	if exists && len(f) >= 4 && f[3] != "" {
		have = strings.Split(f[3], ",")
	}
	if !exists {
		d.Changes = append(d.Changes, "create group "+g.GroupName)
		args := []string{"groupadd"}
		if g.System {
			args = append(args, "-r")
		}
		if g.IsSet("gid") {
			args = append(args, "-g", strconv.Itoa(g.GID))
		}
		run(append(args, "--", g.GroupName)...)
	} else if g.IsSet("gid") && strconv.Itoa(g.GID) != f[2] {
		d.Changes = append(d.Changes, fmt.Sprintf("change gid from %s to %d", f[2], g.GID))
		run("groupmod", "-g", strconv.Itoa(g.GID), "--", g.GroupName)
	}
	if g.IsSet("members") {
		want := append([]string{}, g.Members...)
		sort.Strings(want)
		sort.Strings(have)
		if g.Append {
			var add []string
			for _, m := range want {
				if !contains(have, m) && !contains(add, m) {
					add = append(add, m)
					plan.run(shell.Join("gpasswd", "-a", m, "--", g.GroupName) + " >/dev/null")
				}
			}
			if len(add) > 0 {
				d.Changes = append(d.Changes, "add members "+strings.Join(add, ", "))
			}
		} else if strings.Join(want, ",") != strings.Join(have, ",") {
			d.Changes = append(d.Changes, fmt.Sprintf("set members to %s (were %s)", strings.Join(want, ","), strings.Join(have, ",")))
			run("gpasswd", "-M", strings.Join(want, ","), "--", g.GroupName)
		}
	}
	d.Commands, d.Data = plan.commands(), plan
	return d, nil
}

// Apply runs the commands Check planned, in order.
func (g *Group) Apply(ctx context.Context, _ string, d engine.Diff, h *engine.Host) error {
	return applySteps(ctx, d, h)
}
