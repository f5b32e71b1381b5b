package resources_test

import (
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
)

func TestScript_Table(t *testing.T) {
	runKindCases(t, []kindCase{
		{name: "bash: code on stdin", src: `bash("hi", code="echo $(hostname) 'q'")`,
			changes:  []string{"run 1 line(s) of bash code with bash"},
			commands: []string{"\ntimeout 3600 bash <<'CONVERGE_EOF'\necho $(hostname) 'q'\nCONVERGE_EOF\n"}},
		{name: "python with cwd, environment, user, flags, no timeout", src: `python("p", code="print(1)\n", cwd="/srv/a b", environment={"X": "$y"}, user="app", flags="-u -B", timeout=0)`,
			changes:  []string{"run 1 line(s) of python code with python3"},
			commands: []string{"cd '/srv/a b' || exit 1; export X='$y'; \nsu -s /bin/sh -c 'exec python3 -u -B' app <<'CONVERGE_EOF'\nprint(1)\nCONVERGE_EOF\n"}},
		{name: "the delimiter is never a line of the code", src: `sh("s", code="echo a\nCONVERGE_EOF\necho b", timeout=5)`,
			changes:  []string{"run 3 line(s) of sh code with sh"},
			commands: []string{"\ntimeout 5 sh <<'CONVERGE_EOF_'\necho a\nCONVERGE_EOF\necho b\nCONVERGE_EOF_\n"}},
		{name: "script with an interpreter", src: `script("s", interpreter="perl", code="print 1;", timeout=0)`,
			changes: []string{"run 1 line(s) of script code with perl"}, commands: []string{"\nperl <<'CONVERGE_EOF'\nprint 1;\nCONVERGE_EOF\n"}},
		{name: "creates exists", src: `bash("b", code="make", creates="out", cwd="/src")`, stat: []engine.FileState{{Exists: true, Type: "file"}}},
		{name: "creates missing", src: `perl("p", code="1;", creates="/done", timeout=0)`, stat: []engine.FileState{{}},
			changes: []string{"run 1 line(s) of perl code with perl"}, commands: []string{"\nperl <<'CONVERGE_EOF'\n1;\nCONVERGE_EOF\n"}},
		{name: "sensitive shows no code", src: `bash("b", code="echo secret", sensitive=True)`, changes: []string{"run bash code (sensitive)"}},
	})
}

// The code never reaches a command line: Apply sends it through
// transport.RunScript, which carries the script on stdin.
func TestScript_CodeTravelsOnStdin(t *testing.T) {
	r := compileOne(t, `bash("b", code="echo TOPSECRET", sensitive=True)`, debian12())
	d, _ := r.Check("run", engine.NewProbed())
	rec := &recorder{}
	if err := r.Apply(t.Context(), "run", d, &engine.Host{T: rec}); err != nil {
		t.Fatal(err)
	}
	if len(rec.cmds) != 1 || !strings.Contains(rec.cmds[0], "TOPSECRET") {
		t.Fatalf("ran %q", rec.cmds)
	}
	// the recorder unwraps RunScript: the wrapper itself had no code
	if strings.Contains(rec.stdins[0], "TOPSECRET") {
		t.Errorf("code was on the command's stdin twice")
	}
}

// A guard runs in the code's cwd and environment.
func TestScript_GuardsRunInCwd(t *testing.T) {
	r := compileOne(t, `bash("b", code="x", cwd="/srv", environment={"A": "1"}, not_if="test -f y")`, debian12())
	if got := r.Base().NotIf[0].Cmd; got != "cd /srv || exit 1; export A=1; test -f y" {
		t.Errorf("guard = %q", got)
	}
}

func TestScript_BadInput(t *testing.T) {
	runBadInputs(t, []badInput{
		{"no code", "\nbash(\"x\")\n", 2, `bash has no code`},
		{"script without interpreter", "script(\"x\", code=\"1\")\n", 1, `script has no interpreter`},
		{"hostile interpreter", "script(\"x\", code=\"1\", interpreter=\"sh -c 'rm'\")\n", 1, `interpreter "sh -c 'rm'" is not a program name`},
		{"hostile user", "bash(\"x\", code=\"1\", user=\"$(touch /tmp/x)\")\n", 1, `user "\$\(touch /tmp/x\)" is not a valid user name`},
		{"bad environment name", "bash(\"x\", code=\"1\", environment={\"A B\": \"1\"})\n", 1, `environment variable name "A B" is not valid`},
	})
}
