package resources_test

import (
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/resources"
)

// file, template and cookbook_file share one check: a write is a streamed
// atomic write that sets owner, group and mode itself (no commands);
// owner and mode drift alone is one fix through an open descriptor.
func TestFile_Table(t *testing.T) {
	const hostile = "/srv/a b/$(id)/'q'\n-x"
	have := func(content, owner, mode string) engine.FileState {
		return engine.FileState{Exists: true, Type: "file", SHA256: sha256hex(content), Owner: owner, Group: "root", Mode: mode}
	}
	runKindCases(t, []kindCase{
		{name: "create", src: `file("/etc/motd", content="hi\n", owner="root", mode="0644")`, stat: []engine.FileState{{}},
			changes: []string{"create new file /etc/motd"}, content: "hi\n", puts: []string{"/etc/motd"}},
		{name: "up to date", src: `file("/etc/motd", content="hi\n", owner="root", mode="0644")`, stat: []engine.FileState{have("hi\n", "root", "0644")}},
		{name: "new content and mode: one write", src: `file("/etc/motd", content="new\n", mode="0600")`, stat: []engine.FileState{have("hi\n", "root", "0644")},
			changes: []string{"update content of file /etc/motd from " + sha256hex("hi\n")[:8] + " to " + sha256hex("new\n")[:8], "change mode from 0644 to 0600"},
			content: "new\n", puts: []string{"/etc/motd"}},
		{name: "mode and owner drift only", src: `file("/etc/motd", content="hi\n", owner="app", mode="0600")`, stat: []engine.FileState{have("hi\n", "root", "0644")},
			changes:  []string{"change owner from root to app", "change mode from 0644 to 0600"},
			commands: []string{resources.FixCmd("app", "", "0600", "/etc/motd")}},
		{name: "hostile path", src: `file(` + starQuote(hostile) + `, mode="0600")`, stat: []engine.FileState{have("", "root", "0644")},
			changes: []string{"change mode from 0644 to 0600"}, commands: []string{resources.FixCmd("", "", "0600", hostile)}},
		{name: "no content: existence only", src: `file("/etc/flag")`, stat: []engine.FileState{have("anything", "root", "0644")}},
		{name: "create_if_missing leaves content alone", src: `file("/etc/motd", content="hi\n", action="create_if_missing")`, stat: []engine.FileState{have("other", "root", "0644")}},
		{name: "delete keeps a backup", src: `file("/etc/a b", action="delete")`, stat: []engine.FileState{have("x", "root", "0644")},
			changes:  []string{"delete file /etc/a b"},
			commands: []string{resources.DeleteFileCmd("/etc/a b", 5)}},
		{name: "delete without backup", src: `file("/etc/x", action="delete", backup=False)`, stat: []engine.FileState{have("x", "root", "0644")},
			changes: []string{"delete file /etc/x"}, commands: []string{resources.DeleteFileCmd("/etc/x", 0)}},
		{name: "delete a link", src: `file("/etc/x", action="delete")`, stat: []engine.FileState{{Exists: true, Type: "link", LinkTarget: "/y"}},
			changes: []string{"delete link /etc/x"}, commands: []string{resources.DeleteFileCmd("/etc/x", 0)}},
		{name: "touch a missing file: write, then touch", src: `file("/var/run/-x", action="touch")`, stat: []engine.FileState{{}},
			changes: []string{"create new file /var/run/-x", "update utime on file /var/run/-x"}, commands: []string{resources.TouchCmd("/var/run/-x")}, puts: []string{"/var/run/-x"}},
	})
}

func TestTemplate_Table(t *testing.T) {
	files := map[string]string{"templates/default/app.conf.tmpl": "port={{.port}} host={{.node.hostname}} $(id)\n"}
	src := `template("/etc/app.conf", variables={"port": 8080}, mode="0640")`
	want := "port=8080 host=web1 $(id)\n"
	runKindCases(t, []kindCase{
		{name: "render and create", src: src, files: files, stat: []engine.FileState{{}},
			changes: []string{"create new file /etc/app.conf"}, content: want, puts: []string{"/etc/app.conf"}},
		{name: "up to date", src: src, files: files, stat: []engine.FileState{{Exists: true, Type: "file", SHA256: sha256hex(want), Mode: "0640"}}},
		{name: "mode drift", src: src, files: files, stat: []engine.FileState{{Exists: true, Type: "file", SHA256: sha256hex(want), Mode: "0644"}},
			changes: []string{"change mode from 0644 to 0640"}, commands: []string{resources.FixCmd("", "", "0640", "/etc/app.conf")}},
		{name: "delete needs no template", src: `template("/etc/gone.conf", action="delete", backup=0)`, stat: []engine.FileState{{Exists: true, Type: "file"}},
			changes: []string{"delete file /etc/gone.conf"}, commands: []string{resources.DeleteFileCmd("/etc/gone.conf", 0)}},
	})
}

func TestCookbookFile_Table(t *testing.T) {
	files := map[string]string{"files/default/motd": "welcome\n"}
	runKindCases(t, []kindCase{
		{name: "copy", src: `cookbook_file("/etc/motd")`, files: files, stat: []engine.FileState{{}},
			changes: []string{"create new file /etc/motd"}, content: "welcome\n", puts: []string{"/etc/motd"}},
		{name: "owner drift", src: `cookbook_file("/etc/motd", owner="root", group="adm")`, files: files,
			stat:     []engine.FileState{{Exists: true, Type: "file", SHA256: sha256hex("welcome\n"), Owner: "root", Group: "root"}},
			changes:  []string{"change group from root to adm"},
			commands: []string{resources.FixCmd("root", "adm", "", "/etc/motd")}},
	})
}

func TestFile_BadInput(t *testing.T) {
	runBadInputs(t, []badInput{
		{"relative", "\nfile(\"etc/motd\")\n", 2, `path "etc/motd" is not absolute`},
		{"leading dash", "file(\"-rf\")\n", 1, `path "-rf" is not absolute`},
		{"hostile owner", "file(\"/x\", owner=\"$(id)\")\n", 1, `owner "\$\(id\)" is not`},
		{"backup", "file(\"/x\", backup=\"yes\")\n", 1, `backup must be False or a number of copies`},
		{"missing template", "template(\"/etc/x.conf\")\n", 1, `x.conf.tmpl`},
		{"missing cookbook file", "cookbook_file(\"/etc/x\")\n", 1, `add the file under files/default/, or set source=`},
	})
}
