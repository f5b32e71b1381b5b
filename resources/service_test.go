package resources_test

import (
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
