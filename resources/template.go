package resources

import (
	"context"
	"path"
	"strings"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/render"
)

// Template renders a Go text/template from the cookbook on the control
// machine and installs the result on the node.
type Template struct {
	engine.Common
	Path      string         `prop:"path,name" doc:"Absolute path of the file to write; defaults to the resource name."`
	Source    string         `prop:"source" doc:"Template file in the cookbook's templates/ folder, found by file specificity; defaults to the path's base name plus .tmpl."`
	Cookbook  string         `prop:"cookbook" doc:"Cookbook to take the template from, one of the run's (Chef's cookbook); defaults to the declaring cookbook."`
	Variables map[string]any `prop:"variables" doc:"Values the template sees at its top level ({{.name}}); .node holds the node's attributes."`
	Ownership
	Backup any    `prop:"backup" doc:"How many replaced versions to keep beside the file (default 5); False keeps none."`
	Verify string `prop:"verify" doc:"Command run on the rendered file before it replaces the old one; %{path} is the temporary file."`

	c content
}

var _ engine.Resource = (*Template)(nil)

func init() {
	engine.Register(engine.Kind{Name: "template", Actions: []string{"create", "create_if_missing", "delete"},
		New: func() engine.Resource { return &Template{} }, Doc: "A file rendered from a cookbook template."})
}

// Prepare finds and renders the template.
func (t *Template) Prepare(pc *engine.PrepareContext) error {
	if err := checkAbs(&t.Common, t.Path); err != nil {
		return err
	}
	if err := checkOwnership(&t.Common, t.Ownership); err != nil {
		return err
	}
	n, err := backupCount(&t.Common, t.Backup)
	if err != nil {
		return engine.Errorf(&t.Common, "", "%v", err)
	}
	t.c = content{path: t.Path, own: t.Ownership, managed: true, backups: n, verify: t.Verify}
	if contains(t.Actions, "delete") && len(t.Actions) == 1 {
		return nil
	}
	src := t.Source
	if src == "" {
		src = path.Base(t.Path) + ".tmpl"
	}
	cb := t.Cookbook
	if cb == "" {
		cb = t.Common.Cookbook
	}
	file, err := pc.FindFile(cb, "templates", src)
	if err != nil {
		return engine.Errorf(&t.Common, findHint(err, "add the file, or set source= to an existing template"), "%v", err)
	}
	raw, err := pc.ReadFile(file)
	if err != nil {
		return engine.Errorf(&t.Common, "", "read template: %v", err)
	}
	if _, clash := t.Variables["node"]; clash {
		return engine.Errorf(&t.Common, "rename the variable; templates read the node as .node", "variables must not be named \"node\"")
	}
	out, err := render.RenderOrdered(file, string(raw), pc.TemplateData(t.Variables), pc.KeyOrder)
	if err != nil {
		return engine.Errorf(&t.Common, templateHint(err), "render %s: %v", file, err)
	}
	t.c.data = out
	privateIfSecret(pc, &t.Common, &t.Ownership, &t.c, out)
	return nil
}

func templateHint(err error) string {
	if strings.Contains(err.Error(), "map has no entry for key") {
		return "pass the value in variables={...}, or read node attributes as .node.NAME"
	}
	return ""
}

// Touches is the file's path.
func (t *Template) Touches() []string { return []string{t.Path} }

// Probes stats the path.
func (t *Template) Probes() []engine.Probe { return t.c.probes() }

// Check compares the rendered content, owner, group and mode.
func (t *Template) Check(action string, p engine.Probed) (engine.Diff, error) {
	return t.c.check(&t.Common, action, p)
}

// Apply writes the rendered file atomically.
func (t *Template) Apply(ctx context.Context, action string, d engine.Diff, h *engine.Host) error {
	return t.c.apply(ctx, d, h)
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
