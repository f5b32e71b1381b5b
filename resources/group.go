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
	GID       int      `prop:"gid" doc:"Numeric group id."`
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

type groupPlan struct {
	create  bool
	gid     bool
	members []string // exact list to set, or members to add when appending
}

// Check compares the group with the properties.
func (g *Group) Check(action string, p engine.Probed) (engine.Diff, error) {
	r, ok := p.Shell(g.probe())
	if !ok {
		return engine.Diff{}, engine.MissingProbe(engine.ProbeShell, g.probe())
	}
	f := strings.Split(strings.TrimSpace(r.Stdout), ":")
	exists := len(f) >= 3 && r.ExitCode == 0
	if action == "remove" {
		if exists {
			return engine.Diff{Changes: []string{"remove group " + g.GroupName}}, nil
		}
		return engine.Diff{}, nil
	}
	var have []string
	if exists && len(f) >= 4 && f[3] != "" {
		have = strings.Split(f[3], ",")
	}
	plan := groupPlan{create: !exists}
	var ch []string
	if !exists {
		ch = append(ch, "create group "+g.GroupName)
	} else if g.IsSet("gid") && strconv.Itoa(g.GID) != f[2] {
		ch = append(ch, fmt.Sprintf("change gid from %s to %d", f[2], g.GID))
		plan.gid = true
	}
	if g.IsSet("members") {
		want := append([]string{}, g.Members...)
		sort.Strings(want)
		sort.Strings(have)
		if g.Append {
			for _, m := range want {
				if !contains(have, m) {
					plan.members = append(plan.members, m)
				}
			}
			if len(plan.members) > 0 {
				ch = append(ch, "add members "+strings.Join(plan.members, ", "))
			}
		} else if strings.Join(want, ",") != strings.Join(have, ",") {
			plan.members = want
			ch = append(ch, fmt.Sprintf("set members to %s (were %s)", strings.Join(want, ","), strings.Join(have, ",")))
		}
	}
	return engine.Diff{Changes: ch, Data: plan}, nil
}

// Apply runs groupadd, groupmod, gpasswd or groupdel.
func (g *Group) Apply(ctx context.Context, action string, d engine.Diff, h *engine.Host) error {
	q := shell.Quote(g.GroupName)
	if action == "remove" {
		_, err := h.Run(ctx, "groupdel -- "+q, "")
		return err
	}
	plan, _ := d.Data.(groupPlan)
	var cmds []string
	if plan.create {
		args := []string{"groupadd"}
		if g.System {
			args = append(args, "-r")
		}
		if g.IsSet("gid") {
			args = append(args, "-g", strconv.Itoa(g.GID))
		}
		cmds = append(cmds, shell.Join(append(args, "--", g.GroupName)...))
	} else if plan.gid {
		cmds = append(cmds, shell.Join("groupmod", "-g", strconv.Itoa(g.GID), "--", g.GroupName))
	}
	if g.IsSet("members") {
		if g.Append {
			for _, m := range plan.members {
				cmds = append(cmds, shell.Join("gpasswd", "-a", m, "--", g.GroupName)+" >/dev/null")
			}
		} else if plan.members != nil || plan.create {
			cmds = append(cmds, shell.Join("gpasswd", "-M", strings.Join(plan.members, ","), "--", g.GroupName))
		}
	}
	if len(cmds) == 0 {
		return nil
	}
	_, err := h.Run(ctx, strings.Join(cmds, " && "), "")
	return err
}
