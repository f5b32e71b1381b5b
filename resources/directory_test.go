package resources_test

import (
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/resources"
)

func TestDirectory_Table(t *testing.T) {
	dir := func(owner, group, mode string) engine.FileState {
		return engine.FileState{Exists: true, Type: "directory", Owner: owner, Group: group, Mode: mode, UID: "0", GID: "0"}
	}
	const hostile = "/srv/a b/$(id)/'q'/-x\ny"
	runKindCases(t, []kindCase{
		{name: "create with owner and mode", src: `directory("/srv/app", owner="app", group="app", mode="0750")`, stat: []engine.FileState{{}},
			changes:  []string{"create new directory /srv/app"},
			commands: []string{resources.MkdirCmd("/srv/app", false, ""), resources.FixCmd("app", "app", "0750", "/srv/app")}},
		{name: "create recursive, mode left to umask", src: `directory("/srv/a/b", recursive=True)`, stat: []engine.FileState{{}},
			changes: []string{"create new directory /srv/a/b"}, commands: []string{resources.MkdirCmd("/srv/a/b", true, "")}},
		{name: "up to date", src: `directory("/srv/app", owner="app", group="0", mode=0o750)`, stat: []engine.FileState{dir("app", "root", "0750")}},
		{name: "drift: one fix through the open descriptor", src: `directory("/srv/app", owner="app", mode="0750")`, stat: []engine.FileState{dir("root", "root", "0755")},
			changes:  []string{"change owner from root to app", "change mode from 0755 to 0750"},
			commands: []string{resources.FixCmd("app", "", "0750", "/srv/app")}},
		{name: "hostile path", src: `directory(` + starQuote(hostile) + `, mode="0700")`, stat: []engine.FileState{{}},
			changes:  []string{"create new directory " + hostile},
			commands: []string{resources.MkdirCmd(hostile, false, "0700")}},
		{name: "delete", src: `directory("/srv/app", action="delete")`, stat: []engine.FileState{dir("root", "root", "0755")},
			changes: []string{"delete directory /srv/app"}, commands: []string{resources.RmdirCmd("/srv/app", false)}},
		{name: "delete recursive", src: `directory("/srv/app", action="delete", recursive=True)`, stat: []engine.FileState{dir("root", "root", "0755")},
			changes: []string{"delete directory /srv/app"}, commands: []string{resources.RmdirCmd("/srv/app", true)}},
		{name: "delete when gone", src: `directory("/srv/app", action="delete")`, stat: []engine.FileState{{}}},
	})
}

func TestDirectory_NotADirectory(t *testing.T) {
	r := compileOne(t, `directory("/srv/app")`, debian12())
	p := engine.NewProbed()
	p.SetStat("/srv/app", engine.FileState{Exists: true, Type: "file"})
	if _, err := r.Check("create", p); err == nil {
		t.Fatal("Check accepted a file where the directory goes")
	}
}

func TestDirectory_BadInput(t *testing.T) {
	runBadInputs(t, []badInput{
		{"relative", "\ndirectory(\"srv/app\")\n", 2, `path "srv/app" is not absolute`},
		{"leading dash", "directory(\"-rf\")\n", 1, `path "-rf" is not absolute`},
		{"hostile owner", "directory(\"/x\", owner=\"--reference=/etc\")\n", 1, `owner "--reference=/etc" is not a user or group name or a decimal id`},
		{"owner with a space", "directory(\"/x\", owner=\"a b\")\n", 1, `owner "a b" is not`},
		{"group with a quote", "directory(\"/x\", group=\"a'b\")\n", 1, `group "a'b" is not`},
	})
}
