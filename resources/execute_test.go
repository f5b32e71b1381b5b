package resources_test

import (
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
)

// limited is the command Apply runs for cmd under the run's time limit
// of an hour (the transport of the tables has no --command-timeout).
func limited(cmd string) string {
	return `set --; if command -v timeout >/dev/null 2>&1; then set -- timeout 3600; fi; "$@" sh -c ` + shq(cmd)
}

func shq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func TestExecute_Table(t *testing.T) {
	runKindCases(t, []kindCase{
		{name: "the name is the command", src: `execute("make install")`,
			changes: []string{"execute make install"}, commands: []string{"make install"}, applied: []string{limited("make install")}},
		{name: "no time limit: Apply runs exactly the plan", src: `execute("x", command="echo $(id) 'q'", timeout=0)`,
			changes: []string{"execute echo $(id) 'q'"}, commands: []string{"echo $(id) 'q'"}},
		{name: "cwd and environment, quoted", src: `execute("x", command="./run", cwd="/srv/a b", environment={"B": "2 $(x)", "A": "'1'"}, timeout=0)`,
			changes:  []string{"execute ./run"},
			commands: []string{"cd '/srv/a b' || exit 1; export A=''\\''1'\\'''; export B='2 $(x)'; ./run"}},
		{name: "as a user with a group", src: `execute("x", command="id", user="app", group="web", timeout=0)`,
			changes: []string{"execute id"}, commands: []string{"su -s /bin/sh -c 'sg web -c id' -- app"}},
		{name: "its own timeout", src: `execute("x", command="sleep 1", timeout=5)`,
			changes: []string{"execute sleep 1"}, commands: []string{"sleep 1"},
			applied: []string{`set --; if command -v timeout >/dev/null 2>&1; then set -- timeout 5; fi; "$@" sh -c 'sleep 1'`}},
		{name: "creates exists", src: `execute("x", command="make", creates="out", cwd="/src")`, stat: []engine.FileState{{Exists: true, Type: "file"}}},
		{name: "creates missing", src: `execute("x", command="make", creates="/done", timeout=0)`, stat: []engine.FileState{{}},
			changes: []string{"execute make"}, commands: []string{"make"}},
		{name: "sensitive shows no command", src: `execute("set password", command="echo TOPSECRET | chpasswd", sensitive=True, timeout=0)`,
			changes: []string{"execute (sensitive command)"}},
	})
}

// Apply runs the command Check planned, carried in Diff.Data, not one it
// builds again: a plan with another command runs that one.
func TestExecute_ApplyRunsThePlan(t *testing.T) {
	r := compileOne(t, `execute("x", command="true", timeout=0)`, debian12())
	d, err := r.Check("run", engine.NewProbed())
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	if err := r.Apply(t.Context(), "run", d, &engine.Host{T: rec}); err != nil {
		t.Fatal(err)
	}
	if len(rec.cmds) != 1 || rec.cmds[0] != "true" {
		t.Errorf("ran %q", rec.cmds)
	}
	if err := r.Apply(t.Context(), "run", engine.Diff{Changes: d.Changes}, &engine.Host{T: rec}); err == nil {
		t.Error("Apply ran without a plan from Check")
	}
}

func TestExecute_BadInput(t *testing.T) {
	runBadInputs(t, []badInput{
		{"negative timeout", "\nexecute(\"x\", timeout=-1)\n", 2, `timeout -1 is negative`},
		{"environment name", "execute(\"x\", environment={\"A B\": \"1\"})\n", 1, `environment variable name "A B" is not valid`},
		{"environment name with a dollar", "execute(\"x\", environment={\"$(id)\": \"1\"})\n", 1, `environment variable name "\$\(id\)" is not valid`},
		{"hostile user", "execute(\"x\", user=\"-c evil\")\n", 1, `user "-c evil" is not a user or group name or a decimal id`},
		{"hostile group", "execute(\"x\", group=\"a;b\")\n", 1, `group "a;b" is not`},
	})
}
