package resources

import (
	"context"
	"errors"
	"path"

	"github.com/converge-cm/converge/engine"
)

// CookbookFile installs a file shipped in the cookbook's files/ folder.
type CookbookFile struct {
	engine.Common
	Path     string `prop:"path,name" doc:"Absolute path on the node; defaults to the resource name."`
	Source   string `prop:"source" doc:"File in the cookbook's files/ folder, found by file specificity; defaults to the path's base name."`
	Cookbook string `prop:"cookbook" doc:"Cookbook to take the file from, one of the run's (Chef's cookbook); defaults to the declaring cookbook."`
	Ownership
	Backup any    `prop:"backup" doc:"How many replaced versions to keep beside the file (default 5); False keeps none."`
	Verify string `prop:"verify" doc:"Command run on the new file before it replaces the old one; %{path} is the temporary file."`

	c content
}

var _ engine.Resource = (*CookbookFile)(nil)

func init() {
	engine.Register(engine.Kind{Name: "cookbook_file", Actions: []string{"create", "create_if_missing", "delete"},
		New: func() engine.Resource { return &CookbookFile{} }, Doc: "A file copied from the cookbook."})
}

// Prepare finds and reads the file.
func (f *CookbookFile) Prepare(pc *engine.PrepareContext) error {
	if err := checkAbs(&f.Common, f.Path); err != nil {
		return err
	}
	if err := checkOwnership(&f.Common, f.Ownership); err != nil {
		return err
	}
	n, err := backupCount(&f.Common, f.Backup)
	if err != nil {
		return engine.Errorf(&f.Common, "", "%v", err)
	}
	f.c = content{path: f.Path, own: f.Ownership, managed: true, backups: n, verify: f.Verify}
	if contains(f.Actions, "delete") && len(f.Actions) == 1 {
		return nil
	}
	src := f.Source
	if src == "" {
		src = path.Base(f.Path)
	}
	cb := f.Cookbook
	if cb == "" {
		cb = f.Common.Cookbook
	}
	file, err := pc.FindFile(cb, "files", src)
	if err != nil {
		return engine.Errorf(&f.Common, findHint(err, "add the file under files/default/, or set source="), "%v", err)
	}
	if f.c.data, err = pc.ReadFile(file); err != nil {
		return engine.Errorf(&f.Common, "", "read %s: %v", file, err)
	}
	return nil
}

// findHint is what to do about FindFile's err: the cookbook error's own
// fix, else hint.
func findHint(err error, hint string) string {
	var ce *engine.CookbookError
	if errors.As(err, &ce) {
		return ce.Fix
	}
	return hint
}

// Touches is the file's path.
func (f *CookbookFile) Touches() []string { return []string{f.Path} }

// Probes stats the path.
func (f *CookbookFile) Probes() []engine.Probe { return f.c.probes() }

// Check compares content, owner, group and mode.
func (f *CookbookFile) Check(action string, p engine.Probed) (engine.Diff, error) {
	return f.c.check(&f.Common, action, p)
}

// Apply writes the file atomically.
func (f *CookbookFile) Apply(ctx context.Context, action string, d engine.Diff, h *engine.Host) error {
	return f.c.apply(ctx, d, h)
}
