package resources

import (
	"context"
	"fmt"
	"strings"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/resources/provider"
)

// Package installs, upgrades or removes packages. A list of names is
// handled in one package-manager call.
type Package struct {
	engine.Common
	PackageName []string `prop:"package_name,name" doc:"Package name or list of names; defaults to the resource name."`
	Version     string   `prop:"version" doc:"Exact version to install (one package only)."`
	Options     string   `prop:"options" doc:"Extra arguments for the package manager, split on spaces."`
	Provider    string   `prop:"provider" doc:"Package manager to use (apt, yum, dnf); chosen from the node's platform when unset."`
	Source      string   `prop:"source" doc:"Absolute path on the node of the package file (.deb, .rpm) to install the package from, with the dependencies it names (one package, action install)."`

	p provider.Package
}

var _ engine.Resource = (*Package)(nil)

func init() {
	engine.Register(engine.Kind{Name: "package", Actions: []string{"install", "upgrade", "remove", "purge"},
		New: func() engine.Resource { return &Package{} }, Doc: "Packages installed by the platform's package manager.",
		ChefNames: []string{"apt_package", "yum_package", "dnf_package", "dpkg_package", "rpm_package"}})
}

// Prepare chooses the provider.
func (p *Package) Prepare(pc *engine.PrepareContext) error {
	var err error
	if p.Provider != "" {
		p.p, err = provider.PackageByName(p.Provider)
	} else {
		p.p, err = provider.PackageFor(pc.Node.Facts)
	}
	if err != nil {
		return engine.Errorf(&p.Common, "set provider= to one of apt, yum, dnf", "%v", err)
	}
	if p.Version != "" && len(p.PackageName) != 1 {
		return engine.Errorf(&p.Common, "declare one package resource per pinned version", "version can only be set for a single package, not %d", len(p.PackageName))
	}
	if p.Source != "" {
		switch {
		case !strings.HasPrefix(p.Source, "/"):
			return engine.Errorf(&p.Common, "give the package file's absolute path on the node (fetch it with remote_file first)", "source %q is not an absolute path", p.Source)
		case len(p.PackageName) != 1:
			return engine.Errorf(&p.Common, "declare one package resource per package file", "source can only be set for a single package, not %d", len(p.PackageName))
		case p.Version != "":
			return engine.Errorf(&p.Common, "remove version=: the file's version is installed", "version and source are both set")
		}
		for _, a := range p.Actions {
			if a == "upgrade" {
				return engine.Errorf(&p.Common, "use action install with source", "action upgrade with a source file is not supported")
			}
		}
	}
	for _, n := range p.PackageName {
		if n == "" || strings.HasPrefix(n, "-") {
			return engine.Errorf(&p.Common, "", "package name %q is not valid", n)
		}
	}
	return nil
}

// Touches: a package can change any path on the node.
func (p *Package) probe() string {
	return p.p.Probe(p.PackageName, contains(p.Actions, "upgrade"))
}

// Probes asks the package manager for installed (and candidate) versions.
func (p *Package) Probes() []engine.Probe {
	return []engine.Probe{engine.ShellProbe(p.probe(), "/var/lib/dpkg", "/var/lib/rpm")}
}

// Check lists the packages the action would change.
func (p *Package) Check(action string, pr engine.Probed) (engine.Diff, error) {
	r, ok := pr.Shell(p.probe())
	if !ok {
		return engine.Diff{}, engine.MissingProbe(engine.ProbeShell, p.probe())
	}
	states := map[string]provider.PackageState{} // a fresh node has none
	if !pr.Assumed() {
		var err error
		if states, err = p.p.ParseProbe(r.Stdout, p.PackageName); err != nil {
			return engine.Diff{}, err
		}
	}
	var todo, missing []string
	var d engine.Diff
	for _, n := range p.PackageName {
		s := states[n]
		switch action {
		case "install":
			if s.Installed == "" {
				v := p.Version
				if v == "" {
					v = s.Candidate
				}
				if p.Source != "" {
					d.Changes = append(d.Changes, "install package "+n+" from "+p.Source)
				} else if v != "" {
					d.Changes = append(d.Changes, fmt.Sprintf("install version %s of package %s", v, n))
				} else {
					d.Changes = append(d.Changes, "install package "+n)
				}
				todo = append(todo, n)
			} else if p.Version != "" && s.Installed != p.Version {
				d.Changes = append(d.Changes, fmt.Sprintf("install version %s of package %s (installed: %s)", p.Version, n, s.Installed))
				todo = append(todo, n)
			}
		case "upgrade":
			if s.Installed == "" || (s.Candidate != "" && s.Candidate != s.Installed) {
				d.Changes = append(d.Changes, fmt.Sprintf("upgrade package %s from %s to %s", n, orNone(s.Installed), orNone(s.Candidate)))
				if s.Installed == "" {
					missing = append(missing, n)
				} else {
					todo = append(todo, n)
				}
			}
		case "remove", "purge":
			if s.Installed != "" {
				d.Changes = append(d.Changes, fmt.Sprintf("%s package %s %s", action, n, s.Installed))
				todo = append(todo, n)
			}
		}
	}
	plan := pkgPlan{names: todo, missing: missing}
	d.Data = plan
	if cmd := p.command(action, plan); cmd != "" {
		d.Commands = []string{cmd}
	}
	return d, nil
}

// pkgPlan is what Apply does: the packages the action applies to, and for
// upgrade the ones not installed yet (installed, as Chef's upgrade does).
type pkgPlan struct {
	names, missing []string
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// command is the package-manager call for the packages of plan.
func (p *Package) command(action string, plan pkgPlan) string {
	opts := strings.Fields(p.Options)
	pkgsOf := func(names []string) []provider.Pkg {
		var pkgs []provider.Pkg
		for _, n := range names {
			if p.Source != "" {
				// apt-get, yum and dnf install a package file given by
				// its path where a name goes
				n = p.Source
			}
			pkgs = append(pkgs, provider.Pkg{Name: n, Version: p.Version})
		}
		return pkgs
	}
	switch {
	case action == "upgrade":
		var cmds []string
		if len(plan.missing) > 0 {
			cmds = append(cmds, p.p.Install(pkgsOf(plan.missing), opts))
		}
		if len(plan.names) > 0 {
			cmds = append(cmds, p.p.Upgrade(pkgsOf(plan.names), opts))
		}
		return strings.Join(cmds, " && ")
	case len(plan.names) == 0:
		return ""
	case action == "install":
		return p.p.Install(pkgsOf(plan.names), opts)
	case action == "remove":
		return p.p.Remove(plan.names, opts)
	case action == "purge":
		return p.p.Purge(plan.names, opts)
	}
	return ""
}

// Apply runs one package-manager call for the packages that differ.
func (p *Package) Apply(ctx context.Context, action string, d engine.Diff, h *engine.Host) error {
	plan, _ := d.Data.(pkgPlan)
	switch action {
	case "install", "upgrade", "remove", "purge":
	default:
		return fmt.Errorf("package has no action %q; this is a bug in converge", action)
	}
	cmd := p.command(action, plan)
	if cmd == "" {
		return nil
	}
	_, err := h.Run(ctx, cmd, "")
	return err
}
