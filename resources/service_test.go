package resources_test

import (
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
)

// systemd answers the systemd probe.
func systemd(load, enabled, active string) []engine.ShellResult {
	return []engine.ShellResult{{Stdout: "load\t" + load + "\nenabled\t" + enabled + "\nactive\t" + active}}
}

func TestService_Table(t *testing.T) {
	off, on := systemd("loaded", "disabled", "inactive"), systemd("loaded", "enabled", "active")
	runKindCases(t, []kindCase{
		{name: "enable", src: `service("nginx", action="enable")`, shell: off, changes: []string{"enable service nginx"}, commands: []string{"systemctl enable -- nginx"}},
		{name: "enabled", src: `service("nginx", action="enable")`, shell: on},
		{name: "start", src: `service("nginx", action="start")`, shell: off, changes: []string{"start service nginx"}, commands: []string{"systemctl start -- nginx"}},
		{name: "stop", src: `service("nginx", action="stop")`, shell: on, changes: []string{"stop service nginx"}, commands: []string{"systemctl stop -- nginx"}},
		{name: "disable", src: `service("nginx", action="disable")`, shell: on, changes: []string{"disable service nginx"}, commands: []string{"systemctl disable -- nginx"}},
		{name: "restart a running service", src: `service("nginx", action="restart")`, shell: on, changes: []string{"restart service nginx"}, commands: []string{"systemctl restart -- nginx"}},
		{name: "restart a stopped one starts it", src: `service("nginx", action="restart")`, shell: off, changes: []string{"start service nginx"}, commands: []string{"systemctl start -- nginx"}},
		{name: "restart without restart support", src: `service("nginx", action="restart", supports={"restart": False})`, shell: on,
			changes: []string{"restart service nginx"}, commands: []string{"systemctl stop -- nginx ; systemctl start -- nginx"}},
		{name: "reload without reload support restarts", src: `service("nginx", action="reload", supports={"reload": False})`, shell: on,
			changes: []string{"reload service nginx"}, commands: []string{"systemctl restart -- nginx"}},
		{name: "reload of a stopped service does nothing", src: `service("nginx", action="reload")`, shell: off},
		{name: "hostile name is quoted", src: `service("a b$(id)", service_name="-x 'y'", action="start")`, shell: off,
			changes: []string{"start service -x 'y'"}, commands: []string{"systemctl start -- '-x '\\''y'\\'''"}},
		{name: "a timeout kills the init system's command", src: `service("nginx", action="start", timeout=120)`, shell: off,
			changes: []string{"start service nginx"}, commands: []string{"systemctl start -- nginx"},
			applied: []string{`set --; if command -v timeout >/dev/null 2>&1; then set -- timeout 120; fi; "$@" sh -c 'systemctl start -- nginx'`}},
		{name: "stop an absent service", src: `service("nope", action="stop")`, shell: systemd("not-found", "", "inactive")},
	})
}

func TestService_AbsentServiceFails(t *testing.T) {
	r := compileOne(t, `service("nope", action="start")`, debian12())
	p := engine.NewProbed()
	p.SetShell(r.Probes()[0].Arg, systemd("not-found", "", "inactive")[0])
	if _, err := r.Check("start", p); err == nil {
		t.Fatal("Check planned to start a service the node does not have")
	}
}

func TestService_BadInput(t *testing.T) {
	runBadInputs(t, []badInput{
		{"negative timeout", "\nservice(\"nginx\", timeout=-1)\n", 2, `timeout -1 is negative`},
	})
}

// Chef's start_command, stop_command, restart_command, reload_command
// and status_command replace the init system's command for their action;
// status_command decides "running" (exit 0) from inside the one probe.
func TestService_OwnCommands(t *testing.T) {
	off, on := systemd("loaded", "disabled", "inactive"), systemd("loaded", "enabled", "active")
	absent := systemd("not-found", "", "inactive")
	// status answers the probe of a service with a status_command that
	// exits rc, the init system saying "active" or not.
	status := func(active string, rc string) []engine.ShellResult {
		return []engine.ShellResult{{Stdout: "load\tloaded\nenabled\tenabled\nactive\t" + active + "\nstatus_command\t" + rc + "\n"}}
	}
	const own = `start_command="/opt/app/bin/app start --pid '/run/a b.pid'", stop_command="/opt/app/bin/app stop; rm -f /run/app.pid", ` +
		`restart_command="/opt/app/bin/app restart", reload_command="kill -HUP $(cat /run/app.pid)"`
	runKindCases(t, []kindCase{
		{name: "start_command", src: `service("app", action="start", ` + own + `)`, shell: off,
			changes: []string{"start service app"}, commands: []string{"/opt/app/bin/app start --pid '/run/a b.pid'"}},
		{name: "stop_command", src: `service("app", action="stop", ` + own + `)`, shell: on,
			changes: []string{"stop service app"}, commands: []string{"/opt/app/bin/app stop; rm -f /run/app.pid"}},
		{name: "restart_command", src: `service("app", action="restart", ` + own + `)`, shell: on,
			changes: []string{"restart service app"}, commands: []string{"/opt/app/bin/app restart"}},
		{name: "restart of a stopped service: start_command", src: `service("app", action="restart", ` + own + `)`, shell: off,
			changes: []string{"start service app"}, commands: []string{"/opt/app/bin/app start --pid '/run/a b.pid'"}},
		{name: "restart of a stopped service, restart_command only: as Chef, restart_command", src: `service("app", action="restart", restart_command="/etc/rc.d/app restart")`, shell: off,
			changes: []string{"restart service app"}, commands: []string{"/etc/rc.d/app restart"}},
		{name: "restart_command wins over supports", src: `service("app", action="restart", supports={"restart": False}, restart_command="app-restart")`, shell: on,
			changes: []string{"restart service app"}, commands: []string{"app-restart"}},
		{name: "no restart support: own stop, init system's start, each its own shell", src: `service("app", action="restart", supports={"restart": False}, stop_command="app stop # and wait")`, shell: on,
			changes: []string{"restart service app"}, commands: []string{"sh -c 'app stop # and wait' ; systemctl start -- app"}},
		{name: "reload_command", src: `service("app", action="reload", ` + own + `)`, shell: on,
			changes: []string{"reload service app"}, commands: []string{"kill -HUP $(cat /run/app.pid)"}},
		{name: "no reload support: restart_command", src: `service("app", action="reload", supports={"reload": False}, restart_command="app-restart")`, shell: on,
			changes: []string{"reload service app"}, commands: []string{"app-restart"}},
		{name: "enable is still the init system's", src: `service("app", action="enable", ` + own + `)`, shell: off,
			changes: []string{"enable service app"}, commands: []string{"systemctl enable -- app"}},
		{name: "status_command exits 0: running, whatever the init system says", src: `service("app", action="start", status_command="pgrep -f 'app --x'")`,
			shell: status("inactive", "0")},
		{name: "status_command exits 3: stopped", src: `service("app", action="start", status_command="pgrep -f 'app --x'")`,
			shell: status("active", "3"), changes: []string{"start service app"}, commands: []string{"systemctl start -- app"}},
		{name: "status_command: stop a running one", src: `service("app", action="stop", status_command="app status", stop_command="app stop")`,
			shell: status("inactive", "0"), changes: []string{"stop service app"}, commands: []string{"app stop"}},
		{name: "a service the init system does not know, with its own start", src: `service("app", action="start", start_command="app start")`, shell: absent,
			changes: []string{"start service app"}, commands: []string{"app start"}},
		{name: "own commands under the timeout", src: `service("app", action="start", start_command="app start", timeout=30)`, shell: off,
			changes: []string{"start service app"}, commands: []string{"app start"},
			applied: []string{`set --; if command -v timeout >/dev/null 2>&1; then set -- timeout 30; fi; "$@" sh -c 'app start'`}},
	})
}

// The status command runs in the service's one probe, its output and
// input discarded, its exit status on a line of its own.
func TestService_StatusCommandInTheProbe(t *testing.T) {
	r := compileOne(t, `service("app", status_command="test -e '/run/a b.pid' # comment")`, debian12())
	ps := r.Probes()
	if len(ps) != 1 {
		t.Fatalf("%d probes, want 1", len(ps))
	}
	want := "; (test -e '/run/a b.pid' # comment\n) >/dev/null 2>&1 </dev/null; printf 'status_command\\t%s\\n' \"$?\""
	if !strings.HasSuffix(ps[0].Arg, want) {
		t.Errorf("probe = %q\nwant it to end with %q", ps[0].Arg, want)
	}
	// a probe answer without the status line is an error, not "stopped"
	p := engine.NewProbed()
	p.SetShell(ps[0].Arg, systemd("loaded", "enabled", "active")[0])
	if _, err := r.Check("start", p); err == nil || !strings.Contains(err.Error(), "no status_command line") {
		t.Errorf("Check = %v, want an error about the missing status_command line", err)
	}
}

func TestService_AbsentServiceNamesTheOwnCommand(t *testing.T) {
	r := compileOne(t, `service("nope", action="restart", stop_command="x")`, debian12())
	p := engine.NewProbed()
	p.SetShell(r.Probes()[0].Arg, engine.ShellResult{Stdout: "load\tnot-found\nenabled\t\nactive\tactive\n"})
	_, err := r.Check("restart", p)
	if err == nil || !strings.Contains(err.Error(), "give the service its own restart_command=") {
		t.Fatalf("Check = %v, want the absent service's error naming restart_command", err)
	}
}
