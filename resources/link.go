package resources

import (
	"context"
	"fmt"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/shell"
)

// Link manages a symbolic or hard link.
type Link struct {
	engine.Common
	Path     string `prop:"path,name" doc:"Absolute path of the link; defaults to the resource name."`
	To       string `prop:"to" doc:"What the link points to."`
	LinkType string `prop:"link_type" doc:"Kind of link: \"symbolic\" (default) or \"hard\"."`
	Ownership
}

var _ engine.Resource = (*Link)(nil)

func init() {
	engine.Register(engine.Kind{Name: "link", Actions: []string{"create", "delete"},
		New: func() engine.Resource { return &Link{} }, Doc: "A symbolic or hard link."})
}

// Prepare validates the properties.
func (l *Link) Prepare(*engine.PrepareContext) error {
	if err := checkAbs(&l.Common, l.Path); err != nil {
		return err
	}
	if err := checkOwnership(&l.Common, l.Ownership); err != nil {
		return err
	}
	switch l.LinkType {
	case "":
		l.LinkType = "symbolic"
	case "symbolic", "hard":
	default:
		return engine.Errorf(&l.Common, "use \"symbolic\" or \"hard\"", "link_type %q is unknown", l.LinkType)
	}
	if l.To == "" && !(len(l.Actions) == 1 && l.Actions[0] != "create") {
		return engine.Errorf(&l.Common, "set to= to the link's target", "a link needs a target")
	}
	return nil
}

// Touches is the link's path.
func (l *Link) Touches() []string { return []string{l.Path} }

func (l *Link) hardProbe() string {
	return "[ " + shell.Quote(l.Path) + " -ef " + shell.Quote(l.To) + " ]"
}

// Probes stats the link (and compares inodes for hard links).
func (l *Link) Probes() []engine.Probe {
	ps := []engine.Probe{engine.StatProbe(l.Path)}
	if l.LinkType == "hard" {
		ps = append(ps, engine.ShellProbe(l.hardProbe(), l.Path, l.To))
	}
	return ps
}

// Check compares the link's target, owner and group, and plans the ln,
// rm or chown -h.
func (l *Link) Check(action string, p engine.Probed) (engine.Diff, error) {
	st, ok := p.Stat(l.Path)
	if !ok {
		return engine.Diff{}, engine.MissingProbe(engine.ProbeStat, l.Path)
	}
	var d engine.Diff
	var plan steps
	to := shell.Quote(l.To)
	switch {
	case action == "delete":
		if !st.Exists || (st.Type != "link" && l.LinkType != "hard") {
			return d, nil
		}
		d.Changes = []string{"delete link " + l.Path}
		plan.run(deleteFileCmd(l.Path, 0))
	case st.Type == "directory":
		return d, fmt.Errorf("%s is a directory; a link cannot replace it", l.Path)
	case l.LinkType == "hard":
		if r, _ := p.Shell(l.hardProbe()); r.ExitCode == 0 {
			return d, nil
		}
		d.Changes = []string{fmt.Sprintf("create hard link from %s to %s", l.Path, l.To)}
		plan.run(pinnedAt("create link", l.Path, func(n string) string { return "ln -f -- " + to + " " + n }))
	case st.Type == "link" && st.LinkTarget == l.To:
		if d.Changes = l.driftLink(st); len(d.Changes) > 0 {
			plan.run(l.Ownership.linkOwnCmd(l.Path))
		}
	default:
		d.Changes = []string{fmt.Sprintf("create symlink from %s to %s", l.Path, l.To)}
		plan.run(pinnedAt("create link", l.Path, func(n string) string { return "ln -sfn -- " + to + " " + n }))
		if own := l.Ownership.linkOwnCmd(l.Path); own != "" {
			plan.run(own)
		}
	}
	d.Commands, d.Data = plan.commands(), plan
	return d, nil
}

func (l *Link) driftLink(st engine.FileState) []string {
	o := l.Ownership
	o.Mode = "" // a symlink's mode means nothing on Linux
	return o.drift(st)
}

// Apply runs the commands Check planned.
func (l *Link) Apply(ctx context.Context, _ string, d engine.Diff, h *engine.Host) error {
	return applySteps(ctx, d, h)
}
