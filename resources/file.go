package resources

import (
	"context"

	"github.com/converge-cm/converge/engine"
)

// File manages a file's content, owner, group and mode.
type File struct {
	engine.Common
	Path    string `prop:"path,name" doc:"Absolute path of the file; defaults to the resource name."`
	Content string `prop:"content" doc:"The file's whole content; unset only makes sure the file exists."`
	Ownership
	Backup any    `prop:"backup" doc:"How many replaced versions to keep beside the file (default 5); False keeps none."`
	Verify string `prop:"verify" doc:"Command run on the new content before it replaces the file; %{path} is the temporary file."`

	c content
}

var _ engine.Resource = (*File)(nil)

func init() {
	engine.Register(engine.Kind{Name: "file", Actions: []string{"create", "create_if_missing", "delete", "touch"},
		New: func() engine.Resource { return &File{} }, Doc: "A file whose content, owner, group and mode converge manages."})
}

// Prepare validates the path and fixes the content.
func (f *File) Prepare(pc *engine.PrepareContext) error {
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
	f.c = content{path: f.Path, own: f.Ownership, data: []byte(f.Content), managed: f.IsSet("content"), backups: n, verify: f.Verify}
	privateIfSecret(pc, &f.Common, &f.Ownership, &f.c, f.c.data)
	return nil
}

// privateIfSecret makes a file whose content holds a secret of the run
// sensitive (its diff is hidden) and, unless the recipe gives a mode,
// readable by its owner only: a template that renders a password from
// secret() writes it 0600 even where the recipe forgot to say so.
func privateIfSecret(pc *engine.PrepareContext, b *engine.Common, own *Ownership, c *content, data []byte) {
	if !pc.Secrets.Contains(string(data)) {
		return
	}
	b.Sensitive = true
	if own.Mode == "" {
		own.Mode = "0600"
		c.own.Mode = own.Mode
	}
}

// Touches is the file's path.
func (f *File) Touches() []string { return []string{f.Path} }

// Probes stats the path.
func (f *File) Probes() []engine.Probe { return f.c.probes() }

// Check compares content, owner, group and mode.
func (f *File) Check(action string, p engine.Probed) (engine.Diff, error) {
	return f.c.check(&f.Common, action, p)
}

// Apply writes the file atomically, or fixes its metadata.
func (f *File) Apply(ctx context.Context, action string, d engine.Diff, h *engine.Host) error {
	return f.c.apply(ctx, d, h)
}
