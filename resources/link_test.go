package resources_test

import (
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/resources"
)

func TestLink_Table(t *testing.T) {
	link := func(to, owner string) engine.FileState {
		return engine.FileState{Exists: true, Type: "link", LinkTarget: to, Owner: owner, Group: "root", Mode: "0777"}
	}
	runKindCases(t, []kindCase{
		{name: "create symlink", src: `link("/etc/app.conf", to="/srv/app/app.conf")`, stat: []engine.FileState{{}},
			changes: []string{"create symlink from /etc/app.conf to /srv/app/app.conf"}, commands: []string{resources.PinnedAt("create link", "/etc/app.conf", "ln -sfn -- /srv/app/app.conf ./app.conf")}},
		{name: "create with owner: chown -h, never chmod", src: `link("/etc/app.conf", to="/srv/app.conf", owner="app", group="app", mode="0600")`, stat: []engine.FileState{{}},
			changes: []string{"create symlink from /etc/app.conf to /srv/app.conf"},
			commands: []string{resources.PinnedAt("create link", "/etc/app.conf", "ln -sfn -- /srv/app.conf ./app.conf"),
				resources.PinnedAt("change the owner of link", "/etc/app.conf", "chown -h -- app:app ./app.conf")}},
		{name: "up to date", src: `link("/etc/app.conf", to="/srv/app.conf", owner="root")`, stat: []engine.FileState{link("/srv/app.conf", "root")}},
		{name: "owner drift only", src: `link("/etc/app.conf", to="/srv/app.conf", group="app")`, stat: []engine.FileState{link("/srv/app.conf", "root")},
			changes: []string{"change group from root to app"}, commands: []string{resources.PinnedAt("change the owner of link", "/etc/app.conf", "chgrp -h -- app ./app.conf")}},
		{name: "points elsewhere", src: `link("/etc/app.conf", to="/srv/new.conf")`, stat: []engine.FileState{link("/srv/old.conf", "root")},
			changes: []string{"create symlink from /etc/app.conf to /srv/new.conf"}, commands: []string{resources.PinnedAt("create link", "/etc/app.conf", "ln -sfn -- /srv/new.conf ./app.conf")}},
		{name: "hostile target: quoted, a leading dash is no option", src: `link("/etc/a b", to="-x $(id) 'q'\nz")`, stat: []engine.FileState{{}},
			changes:  []string{"create symlink from /etc/a b to -x $(id) 'q'\nz"},
			commands: []string{resources.PinnedAt("create link", "/etc/a b", "ln -sfn -- '-x $(id) '\\''q'\\''\nz' './a b'")}},
		{name: "hard link", src: `link("/srv/b", to="/srv/a", link_type="hard")`, stat: []engine.FileState{{}}, shell: []engine.ShellResult{{ExitCode: 1}},
			changes: []string{"create hard link from /srv/b to /srv/a"}, commands: []string{resources.PinnedAt("create link", "/srv/b", "ln -f -- /srv/a ./b")}},
		{name: "hard link in place", src: `link("/srv/b", to="/srv/a", link_type="hard")`, stat: []engine.FileState{{Exists: true, Type: "file"}}, shell: []engine.ShellResult{{}}},
		{name: "delete", src: `link("/etc/app.conf", action="delete")`, stat: []engine.FileState{link("/x", "root")},
			changes: []string{"delete link /etc/app.conf"}, commands: []string{resources.DeleteFileCmd("/etc/app.conf", 0)}},
		{name: "delete leaves a regular file alone", src: `link("/etc/app.conf", action="delete")`, stat: []engine.FileState{{Exists: true, Type: "file"}}},
	})
}

func TestLink_HardProbe(t *testing.T) {
	r := compileOne(t, `link("/srv/a b", to="/srv/$(x)", link_type="hard")`, debian12())
	if got, want := r.Probes()[1].Arg, "[ '/srv/a b' -ef '/srv/$(x)' ]"; got != want {
		t.Errorf("probe = %q, want %q", got, want)
	}
}

func TestLink_BadInput(t *testing.T) {
	runBadInputs(t, []badInput{
		{"no target", "\nlink(\"/etc/x\")\n", 2, `a link needs a target`},
		{"relative", "link(\"etc/x\", to=\"/y\")\n", 1, `path "etc/x" is not absolute`},
		{"link type", "link(\"/etc/x\", to=\"/y\", link_type=\"soft\")\n", 1, `link_type "soft" is unknown`},
		{"hostile owner", "link(\"/etc/x\", to=\"/y\", owner=\"-h\")\n", 1, `owner "-h" is not`},
	})
}
