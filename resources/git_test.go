package resources_test

import (
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
)

func TestGit_Table(t *testing.T) {
	const (
		c1 = "1111111111111111111111111111111111111111"
		c2 = "2222222222222222222222222222222222222222"
		tg = "3333333333333333333333333333333333333333"
	)
	g := "git -c safe.directory=/srv/app -C /srv/app"
	lsMain := "ls\n" + c2 + "\trefs/heads/main\n"
	src := `git("/srv/app", repository="git://10.0.0.1/app.git", revision="main")`
	checkout := func(sha string) string { return g + " checkout -q -B deploy " + sha }
	runKindCases(t, []kindCase{
		{name: "missing: clone and check out", src: src, shell: []engine.ShellResult{{Stdout: lsMain}},
			changes:  []string{"clone git://10.0.0.1/app.git at main into /srv/app"},
			commands: []string{"git clone -q --branch main --origin origin git://10.0.0.1/app.git /srv/app", checkout(c2)}},
		{name: "at the branch's commit: up to date", src: src, shell: []engine.ShellResult{{Stdout: "head " + c2 + "\nurl git://10.0.0.1/app.git\n" + c2 + "\trefs/heads/main\n"}}},
		{name: "the branch moved: fetch and check out", src: src, shell: []engine.ShellResult{{Stdout: "head " + c1 + "\nurl git://10.0.0.1/app.git\n" + c2 + "\trefs/heads/main\n"}},
			changes:  []string{"update /srv/app from 111111111111 to main (222222222222)"},
			commands: []string{g + " fetch -q --tags origin", checkout(c2)}},
		{name: "annotated tag: the peeled commit", src: `git("/srv/app", repository="git://10.0.0.1/app.git", revision="v1", depth=1, user="www-data", group="www-data")`,
			shell:    []engine.ShellResult{{Stdout: "head " + c1 + "\nurl git://10.0.0.1/app.git\n" + "9999999999999999999999999999999999999999\trefs/tags/v1\n" + tg + "\trefs/tags/v1^{}\n"}},
			changes:  []string{"update /srv/app from 111111111111 to v1 (333333333333)"},
			commands: []string{g + " fetch -q --depth 1 origin v1", checkout(tg), "chown -R -- www-data:www-data /srv/app"}},
		{name: "commit id: no ls-remote, URL changed, submodules", src: `git("/srv/app", repository="https://git.example.com/app.git", revision="` + c1 + `", enable_submodules=True)`,
			shell:    []engine.ShellResult{{Stdout: "head " + c2 + "\nurl git://old/app.git\n"}},
			changes:  []string{`set origin's URL from "git://old/app.git" to https://git.example.com/app.git`, "update /srv/app from 222222222222 to " + c1 + " (111111111111)"},
			commands: []string{g + " remote set-url origin https://git.example.com/app.git", g + " fetch -q --tags origin", checkout(c1), g + " submodule -q update --init --recursive"}},
		{name: "checkout leaves an existing checkout alone", src: src, action: "checkout", shell: []engine.ShellResult{{Stdout: "head " + c1 + "\nurl git://10.0.0.1/app.git\n" + c2 + "\trefs/heads/main\n"}}},
		{name: "hostile destination and revision are quoted", src: `git("/srv/it's $(x)", repository="file:///srv/r$(id).git", revision="feat/x")`,
			shell:   []engine.ShellResult{{Stdout: c2 + "\trefs/heads/feat/x\n"}},
			changes: []string{"clone file:///srv/r$(id).git at feat/x into /srv/it's $(x)"},
			commands: []string{"git clone -q --branch feat/x --origin origin 'file:///srv/r$(id).git' '/srv/it'\\''s $(x)'",
				"git -c safe.directory='/srv/it'\\''s $(x)' -C '/srv/it'\\''s $(x)' checkout -q -B deploy " + c2}},
	})
}

func TestGit_Probe(t *testing.T) {
	r := compileOne(t, `git("/srv/app", repository="git://10.0.0.1/app.git", revision="v1")`, debian12())
	ps := r.Probes()
	if len(ps) != 1 || !strings.HasSuffix(ps[0].Arg, "; git ls-remote git://10.0.0.1/app.git v1 'v1^{}'") {
		t.Errorf("probe = %+v", ps)
	}
	for _, c := range []struct {
		res  engine.ShellResult
		want string
	}{
		{engine.ShellResult{ExitCode: 128}, "git ls-remote git://10.0.0.1/app.git exited 128"},
		{engine.ShellResult{Stdout: "notrepo\n"}, "/srv/app exists and is not a git checkout"},
		{engine.ShellResult{Stdout: "\n"}, `has no branch or tag "v1"`},
	} {
		p := engine.NewProbed()
		p.SetShell(ps[0].Arg, c.res)
		if _, err := r.Check("sync", p); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err = %v, want %q", c.res, err, c.want)
		}
	}
}

// A node without git (a package declared earlier installs it) plans the
// clone; git's own error reports a git that never came.
func TestGit_NoGitYet(t *testing.T) {
	runKindCases(t, []kindCase{{name: "no git", src: `git("/srv/app", repository="git://h/app.git", revision="v1")`, shell: []engine.ShellResult{{ExitCode: 127}},
		changes:  []string{"clone git://h/app.git at v1 into /srv/app"},
		commands: []string{"git clone -q --branch v1 --origin origin git://h/app.git /srv/app", "git -c safe.directory=/srv/app -C /srv/app checkout -q -B deploy v1"}}})
}

func TestGit_BadInput(t *testing.T) {
	runBadInputs(t, []badInput{
		{"URL with spaces", "\ngit(\"/srv/app\", repository=\"https://git.example.com/my app.git\")\n", 2, `repository URL "https://git.example.com/my app.git" contains a space`},
		{"not a URL", "git(\"/srv/app\", repository=\"-oProxyCommand=x\")\n", 1, `repository URL "-oProxyCommand=x" is not a URL`},
		{"no repository", "git(\"/srv/app\")\n", 1, `git /srv/app has no repository`},
		{"option as revision", "git(\"/srv/app\", repository=\"git://h/r\", revision=\"--upload-pack=x\")\n", 1, `revision "--upload-pack=x" is not a branch, tag or commit`},
		{"short commit", "git(\"/srv/app\", repository=\"git://h/r\", revision=\"a..b\")\n", 1, `revision "a..b" is not a branch`},
		{"relative destination", "git(\"app\", repository=\"git://h/r\")\n", 1, `path "app" is not absolute`},
		{"hostile user", "git(\"/srv/app\", repository=\"git://h/r\", user=\"$(id)\")\n", 1, `"\$\(id\)" is not a valid user or group name`},
	})
}
