package resources_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/transport"
	"github.com/converge-cm/converge/resources"
)

func sha256hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestCron_Table(t *testing.T) {
	noCrontab := engine.ShellResult{ExitCode: 1}
	tab := func(lines ...string) engine.ShellResult {
		return engine.ShellResult{Stdout: strings.Join(lines, "\n")}
	}
	install := []string{"crontab -u root -"}
	runKindCases(t, []kindCase{
		{name: "new entry in an empty crontab", src: `cron("backup", minute="0", hour="2", command="/usr/local/bin/backup")`,
			shell: []engine.ShellResult{noCrontab}, changes: []string{"add crontab entry backup of user root"}, commands: install,
			content: "# converge: backup\n0 2 * * * /usr/local/bin/backup\n"},
		{name: "entry as declared is up to date", src: `cron("backup", minute="0", hour="2", command="/usr/local/bin/backup")`,
			shell: []engine.ShellResult{tab("MAILTO=ops", "# converge: backup", "0 2 * * * /usr/local/bin/backup", "5 * * * * other")}},
		{name: "changed schedule replaces only the entry", src: `cron("backup", minute=30, hour="2", weekday="mon-fri", command="/usr/local/bin/backup")`,
			shell:   []engine.ShellResult{tab("MAILTO=ops", "# converge: backup", "0 2 * * * /usr/local/bin/backup", "5 * * * * other")},
			changes: []string{"update crontab entry backup of user root"}, commands: install,
			content: "MAILTO=ops\n# converge: backup\n30 2 * * mon-fri /usr/local/bin/backup\n5 * * * * other\n"},
		{name: "environment lines belong to the entry", src: `cron("e", time="daily", command="run", mailto="", path="/bin", environment={"B": "2", "A": "1 2"})`,
			shell:   []engine.ShellResult{tab("# converge: e", "PATH=/usr/bin", "@daily run", "# converge: f", "@hourly f")},
			changes: []string{"update crontab entry e of user root"}, commands: install,
			content: "# converge: e\nMAILTO=\nPATH=/bin\nA=1 2\nB=2\n@daily run\n# converge: f\n@hourly f\n"},
		{name: "entry of another user", src: `cron("x", user="www-data", time="@reboot", command="/srv/start")`,
			shell: []engine.ShellResult{noCrontab}, changes: []string{"add crontab entry x of user www-data"}, commands: []string{"crontab -u www-data -"},
			content: "# converge: x\n@reboot /srv/start\n"},
		{name: "hostile name stays in the marker comment", src: `cron("$(touch /tmp/x) 'q\"", command="true")`,
			shell: []engine.ShellResult{noCrontab}, changes: []string{"add crontab entry $(touch /tmp/x) 'q\" of user root"}, commands: install,
			content: "# converge: $(touch /tmp/x) 'q\"\n* * * * * true\n"},
		{name: "delete removes the entry and its environment", src: `cron("e", command="run", action="delete")`,
			shell:   []engine.ShellResult{tab("# converge: e", "PATH=/usr/bin", "@daily run", "@hourly f")},
			changes: []string{"delete crontab entry e of user root"}, commands: install, content: "@hourly f\n"},
		{name: "delete of a missing entry", src: `cron("e", command="run", action="delete")`, shell: []engine.ShellResult{tab("@hourly f")}},
		{name: "delete for a user the node lacks", src: `cron("e", user="nobody2", command="run", action="delete")`, shell: []engine.ShellResult{{ExitCode: 3}}},
	})
}

func TestCron_ProbeFailures(t *testing.T) {
	for _, c := range []struct {
		rc   int
		want string
	}{{3, `no user "root"`}, {2, "exited 2"}} {
		r := compileOne(t, `cron("x", command="true")`, debian12())
		p := engine.NewProbed()
		p.SetShell(r.Probes()[0].Arg, engine.ShellResult{ExitCode: c.rc})
		if _, err := r.Check("create", p); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("rc %d: err = %v, want %q", c.rc, err, c.want)
		}
	}
}

// A node without crontab plans the entry (a package resource before it
// may install cron: the plan of the kinds e2e failed here), and Apply
// names the missing command when it is still missing.
func TestCron_NoCrontabYet(t *testing.T) {
	r := compileOne(t, `cron("x", command="true")`, debian12())
	p := engine.NewProbed()
	p.SetShell(r.Probes()[0].Arg, engine.ShellResult{ExitCode: 127})
	d, err := r.Check("create", p)
	if err != nil || len(d.Changes) != 1 || d.Changes[0] != "add crontab entry x of user root" {
		t.Fatalf("Check = %q, %v", d.Changes, err)
	}
	if err := r.Apply(t.Context(), "create", d, &engine.Host{T: &exits{rc: 127}}); err == nil || !strings.Contains(err.Error(), "the node has no crontab command; install it first") {
		t.Fatalf("Apply: %v", err)
	}
}

// exits is a transport whose commands all exit rc.
type exits struct {
	recorder
	rc int
}

func (e *exits) Run(context.Context, string, io.Reader) (transport.Result, error) {
	return transport.Result{ExitCode: e.rc}, nil
}

// The user reaches the shell quoted, and the probe tells a missing
// crontab command and user apart from an empty crontab.
func TestCron_Probe(t *testing.T) {
	r := compileOne(t, `cron("x", user="www-data", command="true")`, debian12())
	want := "command -v crontab >/dev/null || exit 127; id -u -- www-data >/dev/null || exit 3; crontab -l -u www-data"
	if ps := r.Probes(); len(ps) != 1 || ps[0].Arg != want || ps[0].Paths[0] != "/var/spool/cron" {
		t.Errorf("probes = %+v, want %q", ps, want)
	}
}

func TestCronD_Table(t *testing.T) {
	file := "# Generated by converge (cron_d[web-logs]); local changes are overwritten.\nMAILTO=ops\n*/10 * * * * www-data /srv/rotate\n"
	src := `cron_d("web.logs", minute="*/10", user="www-data", mailto="ops", command="/srv/rotate")`
	same := engine.FileState{Exists: true, Type: "file", Mode: "0600", Owner: "root", Group: "root", SHA256: sha256hex(file)}
	loose := same
	loose.Mode = "0644"
	runKindCases(t, []kindCase{
		{name: "new file, dots become dashes", src: src, stat: []engine.FileState{{}},
			changes: []string{"create new file /etc/cron.d/web-logs"}, content: file},
		{name: "same file is up to date", src: src, stat: []engine.FileState{same}},
		{name: "changed job rewrites the file", src: src, stat: []engine.FileState{{Exists: true, Type: "file", Mode: "0600", Owner: "root", Group: "root", SHA256: sha256hex("old")}},
			changes: []string{"update content of file /etc/cron.d/web-logs from " + sha256hex("old")[:8] + " to " + sha256hex(file)[:8]}, content: file},
		{name: "mode drift is fixed in place", src: src, stat: []engine.FileState{loose},
			changes: []string{"change mode from 0644 to 0600"}, commands: []string{resources.FixCmd("root", "root", "0600", "/etc/cron.d/web-logs")}},
		{name: "delete", src: `cron_d("job", command="true", action="delete")`, stat: []engine.FileState{same},
			changes: []string{"delete file /etc/cron.d/job"}, commands: []string{resources.DeleteFileCmd("/etc/cron.d/job", 0)}},
		{name: "delete of a missing file", src: `cron_d("job", command="true", action="delete")`, stat: []engine.FileState{{}}},
	})
}

func TestCron_BadInput(t *testing.T) {
	runBadInputs(t, []badInput{
		{"unknown field", "# a job\ncron(\"x\", minutes=\"5\", command=\"true\")\n", 2, `cron has no property "minutes"\s+did you mean "minute"\?`},
		{"minute 61", "# a job\ncron(\"x\", minute=\"61\", command=\"true\")\n", 2, `unknown cron field: minute "61": "61" is not a number from 0 to 59`},
		{"step 0", "\ncron_d(\"x\", minute=\"*/0\", command=\"true\")\n", 2, `unknown cron field: minute "\*/0": step "0" must be a number from 1 to 59`},
		{"hour 25 in a list", "cron(\"x\", hour=\"1,25\", command=\"true\")\n", 1, `unknown cron field: hour "1,25"`},
		{"weekday name", "cron(\"x\", weekday=\"funday\", command=\"true\")\n", 1, `"funday" is not a number from 0 to 7 or a name such as mon`},
		{"backwards range", "cron(\"x\", day=\"20-3\", command=\"true\")\n", 1, `range 20-3 runs backwards`},
		{"step without range", "cron(\"x\", minute=\"5/10\", command=\"true\")\n", 1, `a step needs a range or \*, as in 5-59/10`},
		{"time and a field", "cron(\"x\", time=\"daily\", hour=\"1\", command=\"true\")\n", 1, `time="daily" and hour= are both set`},
		{"unknown time", "cron(\"x\", time=\"sometimes\", command=\"true\")\n", 1, `time "sometimes" is not a cron special schedule`},
		{"no command", "cron(\"x\", hour=\"1\")\n", 1, `cron job has no command`},
		{"newline in command", "cron(\"x\", command=\"a\\nb\")\n", 1, `command contains a newline`},
		{"newline in name", "cron(\"x\\n* * * * * evil\", command=\"true\")\n", 1, `cron name contains a newline`},
		{"newline in environment", "cron(\"x\", command=\"true\", environment={\"A\": \"1\\n* * * * * evil\"})\n", 1, `A value contains a newline`},
		{"hostile user", "cron(\"x\", user=\"$(touch /tmp/x)\", command=\"true\")\n", 1, `user "\$\(touch /tmp/x\)" is not a valid user name`},
		{"hostile cron_d name", "cron_d(\"$(touch /tmp/x)\", command=\"true\")\n", 1, `cron_d name "\$\(touch /tmp/x\)" is not a valid file name`},
		{"bad environment name", "cron(\"x\", command=\"true\", environment={\"A-B\": \"1\"})\n", 1, `environment variable name "A-B" is not valid`},
		{"minute as a list", "cron(\"x\", minute=[1], command=\"true\")\n", 1, `minute must be a string or an int`},
	})
}
