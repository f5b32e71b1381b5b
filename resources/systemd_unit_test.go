package resources_test

import (
	"fmt"
	"testing"

	"github.com/converge-cm/converge/engine"
)

func TestSystemdUnit_Table(t *testing.T) {
	unit := "[Unit]\nDescription=web app\n\n[Service]\nEnvironment=A=1\nEnvironment=B=2\nExecStart=/srv/web --port 80\nRestart=yes\n\n[Install]\nWantedBy=multi-user.target\n"
	src := `systemd_unit("web.service", content={"Install": {"WantedBy": "multi-user.target"}, "Service": {"ExecStart": "/srv/web --port 80", "Restart": True, "Environment": ["A=1", "B=2"]}, "Unit": {"Description": "web app"}}, action=["create", "enable", "start"])`
	file := engine.FileState{Exists: true, Type: "file", Mode: "0644", Owner: "root", Group: "root", SHA256: sha256hex(unit)}
	running := engine.ShellResult{Stdout: "LoadState=loaded\nActiveState=active\nUnitFileState=enabled\nNeedDaemonReload=no\n"}
	stopped := engine.ShellResult{Stdout: "LoadState=loaded\nActiveState=inactive\nUnitFileState=disabled\n"}
	missing := engine.ShellResult{Stdout: "LoadState=not-found\nActiveState=inactive\nUnitFileState=\n"}
	masked := engine.ShellResult{Stdout: "LoadState=masked\nActiveState=inactive\nUnitFileState=masked\n"}
	hostile := `systemd_unit("a\\x20b@c.service", content="[Service]\nExecStart=/bin/true", action=%q)`
	runKindCases(t, []kindCase{
		{name: "new unit from a dict: write and daemon-reload", src: src, action: "create", shell: []engine.ShellResult{missing}, stat: []engine.FileState{{}},
			changes: []string{"create new file /etc/systemd/system/web.service"}, commands: []string{"systemctl daemon-reload"}, content: unit},
		{name: "same unit: no daemon-reload", src: src, action: "create", shell: []engine.ShellResult{running}, stat: []engine.FileState{file}},
		{name: "changed unit: write and daemon-reload", src: src, action: "create", shell: []engine.ShellResult{running},
			stat:     []engine.FileState{{Exists: true, Type: "file", Mode: "0644", SHA256: sha256hex("old")}},
			changes:  []string{"update content of file /etc/systemd/system/web.service from " + sha256hex("old")[:8] + " to " + sha256hex(unit)[:8]},
			commands: []string{"systemctl daemon-reload"}, content: unit},
		{name: "mode drift only: rewrite without daemon-reload", src: src, action: "create", shell: []engine.ShellResult{running},
			stat: []engine.FileState{{Exists: true, Type: "file", Mode: "0600", SHA256: sha256hex(unit)}}, changes: []string{"change mode from 0600 to 0644"}},
		{name: "no daemon-reload when triggers_reload is off", src: `systemd_unit("x.service", content="[Unit]\n", triggers_reload=False, action="create")`,
			shell: []engine.ShellResult{missing}, stat: []engine.FileState{{}}, changes: []string{"create new file /etc/systemd/system/x.service"}},
		{name: "enable", src: src, action: "enable", shell: []engine.ShellResult{stopped}, stat: []engine.FileState{file},
			changes: []string{"enable unit web.service"}, commands: []string{"systemctl enable -- web.service"}},
		{name: "enabled already", src: src, action: "enable", shell: []engine.ShellResult{running}, stat: []engine.FileState{file}},
		{name: "start", src: src, action: "start", shell: []engine.ShellResult{stopped}, stat: []engine.FileState{file},
			changes: []string{"start unit web.service"}, commands: []string{"systemctl start -- web.service"}},
		{name: "running already", src: src, action: "start", shell: []engine.ShellResult{running}, stat: []engine.FileState{file}},
		{name: "stop", src: src, action: "stop", shell: []engine.ShellResult{running}, stat: []engine.FileState{file},
			changes: []string{"stop unit web.service"}, commands: []string{"systemctl stop -- web.service"}},
		{name: "disable", src: src, action: "disable", shell: []engine.ShellResult{running}, stat: []engine.FileState{file},
			changes: []string{"disable unit web.service"}, commands: []string{"systemctl disable -- web.service"}},
		{name: "restart always", src: src, action: "restart", shell: []engine.ShellResult{stopped}, stat: []engine.FileState{file},
			changes: []string{"restart unit web.service"}, commands: []string{"systemctl restart -- web.service"}},
		{name: "reload when running", src: src, action: "reload", shell: []engine.ShellResult{running}, stat: []engine.FileState{file},
			changes: []string{"reload unit web.service"}, commands: []string{"systemctl reload -- web.service"}},
		{name: "reload when stopped does nothing", src: src, action: "reload", shell: []engine.ShellResult{stopped}, stat: []engine.FileState{file}},
		{name: "try_restart when running", src: src, action: "try_restart", shell: []engine.ShellResult{running}, stat: []engine.FileState{file},
			changes: []string{"restart unit web.service"}, commands: []string{"systemctl try-restart -- web.service"}},
		{name: "try_restart when stopped", src: src, action: "try_restart", shell: []engine.ShellResult{stopped}, stat: []engine.FileState{file}},
		{name: "reload_or_restart", src: src, action: "reload_or_restart", shell: []engine.ShellResult{stopped}, stat: []engine.FileState{file},
			changes: []string{"reload or restart unit web.service"}, commands: []string{"systemctl reload-or-restart -- web.service"}},
		{name: "mask", src: `systemd_unit("apt-daily.timer", action="mask")`, shell: []engine.ShellResult{stopped}, stat: []engine.FileState{{}},
			changes: []string{"mask unit apt-daily.timer"}, commands: []string{"systemctl mask -- apt-daily.timer"}},
		{name: "masked already", src: `systemd_unit("apt-daily.timer", action="mask")`, shell: []engine.ShellResult{masked}, stat: []engine.FileState{{}}},
		{name: "unmask", src: `systemd_unit("apt-daily.timer", action="unmask")`, shell: []engine.ShellResult{masked}, stat: []engine.FileState{{}},
			changes: []string{"unmask unit apt-daily.timer"}, commands: []string{"systemctl unmask -- apt-daily.timer"}},
		{name: "delete", src: src, action: "delete", shell: []engine.ShellResult{running}, stat: []engine.FileState{file},
			changes: []string{"delete unit file /etc/systemd/system/web.service"}, commands: []string{"rm -f -- /etc/systemd/system/web.service", "systemctl daemon-reload"}},
		{name: "delete of a missing unit", src: src, action: "delete", shell: []engine.ShellResult{missing}, stat: []engine.FileState{{}}},
		{name: "hostile name is quoted", src: sprintf(hostile, "start"), shell: []engine.ShellResult{stopped}, stat: []engine.FileState{{}},
			changes: []string{`start unit a\x20b@c.service`}, commands: []string{`systemctl start -- 'a\x20b@c.service'`}},
		{name: "nothing by default", src: `systemd_unit("x.service", content="[Unit]")`, action: "nothing", shell: []engine.ShellResult{missing}, stat: []engine.FileState{{}}},
	})
}

func TestSystemdUnit_Probe(t *testing.T) {
	r := compileOne(t, `systemd_unit("web.service", action="start")`, debian12())
	ps := r.Probes()
	want := "command -v systemctl >/dev/null || exit 127; systemctl show -p LoadState,ActiveState,UnitFileState,NeedDaemonReload -- web.service"
	if len(ps) != 2 || ps[0].Arg != want || ps[1].Kind != engine.ProbeStat || ps[1].Arg != "/etc/systemd/system/web.service" {
		t.Errorf("probes = %+v", ps)
	}
	p := engine.NewProbed()
	p.SetShell(want, engine.ShellResult{ExitCode: 127})
	p.SetStat(ps[1].Arg, engine.FileState{})
	if _, err := r.Check("start", p); err == nil || err.Error() != "the node has no systemctl; systemd_unit needs a node that runs systemd" {
		t.Errorf("err = %v", err)
	}
}

func TestSystemdUnit_BadInput(t *testing.T) {
	runBadInputs(t, []badInput{
		{"hostile name", "\nsystemd_unit(\"$(touch /tmp/x)\", content=\"\")\n", 2, `systemd unit name "\$\(touch /tmp/x\)" is not valid`},
		{"no suffix", "systemd_unit(\"web\", content=\"[Unit]\")\n", 1, `systemd unit name "web" is not valid`},
		{"slash", "systemd_unit(\"../x.service\", content=\"[Unit]\")\n", 1, `is not valid`},
		{"create without content", "systemd_unit(\"web.service\", action=\"create\")\n", 1, `systemd_unit web.service has no content to create`},
		{"newline in a value", "systemd_unit(\"web.service\", content={\"Service\": {\"ExecStart\": \"a\\n[Install]\"}})\n", 1, `Service.ExecStart: value .* contains a newline`},
		{"bad key", "systemd_unit(\"web.service\", content={\"Service\": {\"Exec Start\": \"a\"}})\n", 1, `key "Exec Start" of section Service is not valid`},
		{"section not a dict", "systemd_unit(\"web.service\", content={\"Service\": \"a\"})\n", 1, `section Service must be a dict`},
		{"content a list", "systemd_unit(\"web.service\", content=[\"a\"])\n", 1, `content: want a string or a dict`},
	})
}

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }
