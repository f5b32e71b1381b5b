package resources

import (
	"context"
	"fmt"
	"strings"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/shell"
)

// Directory manages a directory.
type Directory struct {
	engine.Common
	Path string `prop:"path,name" doc:"Absolute path of the directory; defaults to the resource name."`
	Ownership
	Recursive bool `prop:"recursive" doc:"Create missing parents (create) or delete the whole tree (delete)."`
}

var _ engine.Resource = (*Directory)(nil)

func init() {
	engine.Register(engine.Kind{Name: "directory", Actions: []string{"create", "delete"},
		New: func() engine.Resource { return &Directory{} }, Doc: "A directory, its owner, group and mode."})
}

// Prepare validates the path.
func (d *Directory) Prepare(*engine.PrepareContext) error {
	if err := checkAbs(&d.Common, d.Path); err != nil {
		return err
	}
	return checkOwnership(&d.Common, d.Ownership)
}

// Touches is the directory (and so everything under it).
func (d *Directory) Touches() []string { return []string{d.Path} }

// CreatesEmpty: creating a directory that was missing makes an empty one.
func (d *Directory) CreatesEmpty(action string, diff engine.Diff) (string, bool) {
	if action != "create" || len(diff.Changes) == 0 || diff.Changes[0] != "create new directory "+d.Path {
		return "", false
	}
	return d.Path, true
}

// Probes stats the path.
func (d *Directory) Probes() []engine.Probe { return []engine.Probe{engine.StatProbe(d.Path)} }

// Check compares existence, owner, group and mode, and plans the mkdir,
// rmdir or rm and the owner and mode fix.
func (d *Directory) Check(action string, p engine.Probed) (engine.Diff, error) {
	st, ok := p.Stat(d.Path)
	if !ok {
		return engine.Diff{}, engine.MissingProbe(engine.ProbeStat, d.Path)
	}
	if st.Exists && st.Type != "directory" {
		return engine.Diff{}, fmt.Errorf("%s is a %s, not a directory; remove it first", d.Path, st.Type)
	}
	var diff engine.Diff
	var plan steps
	q := shell.Quote(d.Path)
	switch {
	case action == "delete":
		if !st.Exists {
			return diff, nil
		}
		diff.Changes = []string{"delete directory " + d.Path}
		if d.Recursive {
			plan.run("rm -rf -- " + q)
		} else {
			plan.run("rmdir -- " + q)
		}
	case !st.Exists:
		diff.Changes = []string{"create new directory " + d.Path}
		mkdir := "mkdir -- "
		if d.Recursive {
			mkdir = "mkdir -p -- "
		}
		// A mode alone is given at creation: one process, and nothing to
		// fix on a path someone could swap meanwhile. Unset mode: mkdir's
		// default (umask), as Chef leaves it.
		own := d.Ownership
		if own.Mode != "" && own.Owner == "" && own.Group == "" {
			mkdir = strings.Replace(mkdir, "-- ", "-m "+shell.Quote(own.Mode)+" -- ", 1)
			own.Mode = ""
		}
		plan.run(mkdir + q)
		if fix := own.fixCmd(d.Path); fix != "" {
			plan.run(fix)
		}
	default:
		if diff.Changes = d.drift(st); len(diff.Changes) > 0 {
			plan.run(d.Ownership.fixCmd(d.Path))
		}
	}
	diff.Commands, diff.Data = plan.commands(), plan
	return diff, nil
}

// Apply runs the commands Check planned.
func (d *Directory) Apply(ctx context.Context, _ string, diff engine.Diff, h *engine.Host) error {
	return applySteps(ctx, diff, h)
}
