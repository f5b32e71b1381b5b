package resources

import (
	"context"
	"fmt"

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

// Probes stats the path.
func (d *Directory) Probes() []engine.Probe { return []engine.Probe{engine.StatProbe(d.Path)} }

// Check compares existence, owner, group and mode.
func (d *Directory) Check(action string, p engine.Probed) (engine.Diff, error) {
	st, ok := p.Stat(d.Path)
	if !ok {
		return engine.Diff{}, engine.MissingProbe(engine.ProbeStat, d.Path)
	}
	if st.Exists && st.Type != "directory" {
		return engine.Diff{}, fmt.Errorf("%s is a %s, not a directory; remove it first", d.Path, st.Type)
	}
	if action == "delete" {
		if !st.Exists {
			return engine.Diff{}, nil
		}
		return engine.Diff{Changes: []string{"delete directory " + d.Path}}, nil
	}
	if !st.Exists {
		return engine.Diff{Changes: []string{"create new directory " + d.Path}}, nil
	}
	return engine.Diff{Changes: d.drift(st)}, nil
}

// Apply creates or deletes the directory and sets its metadata.
func (d *Directory) Apply(ctx context.Context, action string, _ engine.Diff, h *engine.Host) error {
	q := shell.Quote(d.Path)
	var cmd string
	switch action {
	case "delete":
		if d.Recursive {
			cmd = "rm -rf -- " + q
		} else {
			cmd = "rmdir -- " + q
		}
	default:
		flag := ""
		if d.Recursive {
			flag = "-p "
		}
		cmd = "{ [ -d " + q + " ] || mkdir " + flag + "-- " + q + "; }"
		own := d.Ownership
		if own.Mode == "" {
			own.Mode = "" // mkdir's default (umask) as Chef leaves it
		}
		if fix := own.fixCmd(d.Path); fix != "" {
			cmd += " && " + fix
		}
	}
	_, err := h.Run(ctx, cmd, "")
	return err
}
