package resources

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"strings"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/shell"
	"github.com/converge-cm/converge/engine/transport"
)

// Ownership is owner, group and mode, shared by every file-like resource.
type Ownership struct {
	Owner string `prop:"owner,account" doc:"User name or uid (0, 1000) that owns the path; unset leaves it as it is."`
	Group string `prop:"group,account" doc:"Group name or gid of the path; unset leaves it as it is."`
	Mode  string `prop:"mode,mode" doc:"Permissions as an octal string (\"0644\") or 0o644; unset keeps the current mode (new files get 0644, directories 0755)."`
}

// drift lists how the path's owner, group and mode differ from o.
func (o Ownership) drift(st engine.FileState) []string {
	var out []string
	if o.Owner != "" && o.Owner != st.Owner && o.Owner != st.UID {
		out = append(out, fmt.Sprintf("change owner from %s to %s", st.Owner, o.Owner))
	}
	if o.Group != "" && o.Group != st.Group && o.Group != st.GID {
		out = append(out, fmt.Sprintf("change group from %s to %s", st.Group, o.Group))
	}
	if o.Mode != "" && o.Mode != st.Mode {
		out = append(out, fmt.Sprintf("change mode from %s to %s", st.Mode, o.Mode))
	}
	return out
}

// fixCmd returns the command that sets o on the existing file or directory
// p without ever following a link someone else planted (SPEC §6): it opens
// p, then checks that what it opened is the file p names now (same device
// and inode as lstat of p, and p itself no link) through links owned by
// root or by us only, and changes owner, group and mode through the open
// descriptor (/proc/self/fd/3), so a swap after the check changes nothing
// but the file that was checked. chown comes before chmod, which would
// otherwise lose setuid/setgid bits.
func (o Ownership) fixCmd(p string) string {
	var ch []string
	switch {
	case o.Owner != "" && o.Group != "":
		ch = append(ch, "chown -- "+shell.Quote(o.Owner+":"+o.Group)+" /proc/self/fd/3")
	case o.Owner != "":
		ch = append(ch, "chown -- "+shell.Quote(o.Owner)+" /proc/self/fd/3")
	case o.Group != "":
		ch = append(ch, "chgrp -- "+shell.Quote(o.Group)+" /proc/self/fd/3")
	}
	if o.Mode != "" {
		ch = append(ch, "chmod -- "+shell.Quote(o.Mode)+" /proc/self/fd/3")
	}
	if len(ch) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "( p=%s; exec 3< \"$p\" || exit 96; me=$(id -u) || exit 96; ", shell.Quote(p))
	b.WriteString("i=$(stat -L -c %d:%i /proc/self/fd/3) || exit 96; s=$(stat -c '%u %d:%i %F' --")
	for _, q := range pathPrefixes(p) {
		b.WriteString(" " + shell.Quote(q))
	}
	b.WriteString(` "$p") || exit 96; while read -r u di f; do ` +
		`if [ "$f" = "symbolic link" ]; then case $u in 0|"$me") ;; *) echo "converge: refusing to change $p: a symbolic link on its path is owned by uid $u" >&2; exit 98 ;; esac; fi; ` +
		`l=$u/$di/$f; done <<CONVERGE_EOF` + "\n$s\nCONVERGE_EOF\n")
	b.WriteString(`case $l in */"symbolic link") echo "converge: refusing to change $p: it is a symbolic link" >&2; exit 98 ;; */"$i"/*) ;; *) echo "converge: refusing to change $p: it was replaced while it was being changed" >&2; exit 98 ;; esac; `)
	b.WriteString(strings.Join(ch, " && ") + " )")
	return b.String()
}

// deleteFileCmd returns the command that deletes the file p, keeping it
// as a backup beside itself when backups > 0, in its parent directory
// pinned as the writer pins it (transport.PinnedCommand): a user who owns
// a directory on the way cannot make it delete, or back up, a file
// elsewhere by swapping that directory for a link. The backup is the file
// itself, renamed (rename(2) neither follows a link at either name nor
// copies a file someone else put there); a link at p is removed, never
// followed.
func deleteFileCmd(p string, backups int) string {
	p = path.Clean(p)
	n := shell.Quote("./" + path.Base(p))
	body := "rm -f -- " + n
	if backups > 0 {
		body = fmt.Sprintf("if [ -f %[1]s ] && [ ! -L %[1]s ]; then mv -fT -- %[1]s %[1]s.converge-bak.$(date +%%Y%%m%%d%%H%%M%%S%%N); else rm -f -- %[1]s; fi", n)
	}
	return transport.PinnedCommand("delete "+p, transport.PinnedStep{Dir: path.Dir(p), Body: body})
}

// touchCmd returns the command that updates the times of the file p, in
// its parent directory pinned as deleteFileCmd's: touch -h changes a link
// at p itself, never the file it points to, and -c creates nothing (the
// write before it made the file; one alice removed meanwhile stays
// removed).
func touchCmd(p string) string {
	p = path.Clean(p)
	return transport.PinnedCommand("touch "+p, transport.PinnedStep{Dir: path.Dir(p), Body: "touch -c -h -- " + shell.Quote("./"+path.Base(p))})
}

// linkOwnCmd sets the owner and group of the link p itself (chown -h
// changes the link, never what it points to), in p's pinned parent
// directory (see pinnedAt); a link has no mode of its own.
func (o Ownership) linkOwnCmd(p string) string {
	var cmd string
	switch {
	case o.Owner != "" && o.Group != "":
		cmd = "chown -h -- " + shell.Quote(o.Owner+":"+o.Group)
	case o.Owner != "":
		cmd = "chown -h -- " + shell.Quote(o.Owner)
	case o.Group != "":
		cmd = "chgrp -h -- " + shell.Quote(o.Group)
	default:
		return ""
	}
	return pinnedAt("change the owner of link", p, func(n string) string { return cmd + " " + n })
}

// pinnedAt returns the command that runs body(NAME) in the parent
// directory of p, pinned as the writer pins a destination
// (transport.PinnedCommand), NAME being p's base name as ./NAME, quoted;
// what ("delete") and p name it in a refusal.
func pinnedAt(what, p string, body func(name string) string) string {
	p = path.Clean(p)
	return transport.PinnedCommand(what+" "+p, transport.PinnedStep{Dir: path.Dir(p), Body: body(shell.Quote("./" + path.Base(p)))})
}

// pathPrefixes are the directories from the root down to p's parent:
// /home, /home/alice for /home/alice/f.
func pathPrefixes(p string) []string {
	var out []string
	for d := path.Dir(path.Clean(p)); d != "/" && d != "."; d = path.Dir(d) {
		out = append([]string{d}, out...)
	}
	return out
}

// content is a file whose bytes converge manages: file, template and
// cookbook_file share its check and apply.
type content struct {
	path    string
	own     Ownership
	data    []byte
	managed bool // false: file without content only ensures existence
	backups int
	verify  string
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// contentPlan is what Check planned: write the bytes (a streamed atomic
// write that sets owner, group and mode itself), then run cmds.
type contentPlan struct {
	write bool
	w     transport.FileWrite // the write, when write
	cmds  []string
}

func (c *content) probes() []engine.Probe { return []engine.Probe{engine.StatProbe(c.path)} }

// planned fills d's Commands and Data from plan.
func planned(d engine.Diff, plan contentPlan) engine.Diff {
	for _, c := range plan.cmds {
		d.Commands = append(d.Commands, transport.ShowPinned(c))
	}
	d.Data = plan
	return d
}

func (c *content) check(r *engine.Common, action string, p engine.Probed) (engine.Diff, error) {
	st, ok := p.Stat(c.path)
	if !ok {
		return engine.Diff{}, engine.MissingProbe(engine.ProbeStat, c.path)
	}
	if st.Exists && st.Type != "file" {
		if action == "delete" && st.Type == "link" {
			return planned(engine.Diff{Changes: []string{"delete link " + c.path}}, contentPlan{cmds: []string{deleteFileCmd(c.path, 0)}}), nil
		}
		return engine.Diff{}, fmt.Errorf("%s is a %s, not a regular file; remove it or manage it with the %s resource", c.path, st.Type, map[string]string{"directory": "directory", "link": "link"}[st.Type]+"")
	}
	switch action {
	case "delete":
		if !st.Exists {
			return engine.Diff{}, nil
		}
		return planned(engine.Diff{Changes: []string{"delete file " + c.path}}, contentPlan{cmds: []string{deleteFileCmd(c.path, c.backups)}}), nil
	case "touch":
		d, err := c.check(r, "create", p)
		if err != nil {
			return d, err
		}
		plan, _ := d.Data.(contentPlan)
		plan.cmds = append(plan.cmds, touchCmd(c.path))
		d.Changes = append(d.Changes, "update utime on file "+c.path)
		return planned(d, plan), nil
	case "create_if_missing":
		if st.Exists {
			return engine.Diff{}, nil
		}
		return c.check(r, "create", p)
	}
	var d engine.Diff
	if !st.Exists {
		d.Changes = append(d.Changes, "create new file "+c.path)
		if c.managed {
			d.Content = &engine.ContentChange{Path: c.path, New: c.data}
		}
		return planned(d, contentPlan{write: true, w: c.write()}), nil
	}
	if c.managed && sha(c.data) != st.SHA256 {
		d.Changes = append(d.Changes, fmt.Sprintf("update content of file %s from %.8s to %.8s", c.path, st.SHA256, sha(c.data)))
		d.Content = &engine.ContentChange{Path: c.path, OldSHA: st.SHA256, New: c.data, NeedsOld: true}
		d.Changes = append(d.Changes, c.own.drift(st)...)
		return planned(d, contentPlan{write: true, w: c.write()}), nil
	}
	var plan contentPlan
	if drift := c.own.drift(st); len(drift) > 0 {
		d.Changes = append(d.Changes, drift...)
		plan.cmds = []string{c.own.fixCmd(c.path)}
	}
	return planned(d, plan), nil
}

// PlanOps lets an apply plan make the write and run the commands.
func (p contentPlan) PlanOps(*engine.Host) ([]engine.Op, bool) {
	var ops []engine.Op
	if p.write {
		w := p.w
		ops = append(ops, engine.Op{Write: &w})
	}
	for _, c := range p.cmds {
		ops = append(ops, engine.Op{Cmd: c})
	}
	return ops, true
}

// apply does what check planned.
func (c *content) apply(ctx context.Context, d engine.Diff, h *engine.Host) error {
	plan, ok := d.Data.(contentPlan)
	if !ok {
		return fmt.Errorf("apply without a plan from Check; this is a bug in converge")
	}
	if plan.write {
		w := c.write()
		if err := h.T.Put(ctx, w.Path, w.Data, w.Opts); err != nil {
			return err
		}
	}
	for _, cmd := range plan.cmds {
		if _, err := h.Run(ctx, cmd, ""); err != nil {
			return err
		}
	}
	return nil
}

// write is the file's atomic write.
func (c *content) write() transport.FileWrite {
	data := c.data
	if !c.managed {
		data = nil
	}
	return transport.FileWrite{Path: c.path, Data: data, Opts: transport.PutOptions{
		Mode: c.own.Mode, Owner: c.own.Owner, Group: c.own.Group, Verify: c.verify, Backups: c.backups,
	}}
}

// backupCount reads Chef's backup property: False or 0 keeps none, an int
// keeps that many, unset keeps 5.
func backupCount(r *engine.Common, v any) (int, error) {
	if !r.IsSet("backup") {
		return 5, nil
	}
	switch b := v.(type) {
	case bool:
		if b {
			return 5, nil
		}
		return 0, nil
	case int64:
		if b < 0 {
			return 0, fmt.Errorf("backup must be False or a number of copies >= 0")
		}
		return int(b), nil
	}
	return 0, fmt.Errorf("backup must be False or a number of copies, got %v", v)
}

func checkAbs(r *engine.Common, p string) error {
	if !path.IsAbs(p) {
		return engine.Errorf(r, "use an absolute path such as /etc/"+path.Base(p), "path %q is not absolute", p)
	}
	return nil
}
