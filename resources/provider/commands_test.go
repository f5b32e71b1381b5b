package provider

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine/facts"
)

// nodes are the facts the command and selection tables run against, as
// gather would report them.
var nodes = map[string]facts.Facts{
	"debian-12":      {Platform: "debian", PlatformVersion: "12.5", PlatformFamily: "debian", Init: "systemd"},
	"debian-7":       {Platform: "debian", PlatformVersion: "7.11", PlatformFamily: "debian", Init: "sysvinit"},
	"ubuntu-14.04":   {Platform: "ubuntu", PlatformVersion: "14.04", PlatformFamily: "debian", Init: "upstart"},
	"ubuntu-22.04":   {Platform: "ubuntu", PlatformVersion: "22.04", PlatformFamily: "debian", Init: "systemd"},
	"centos-6.7":     {Platform: "centos", PlatformVersion: "6.7", PlatformFamily: "rhel", Init: "sysvinit"},
	"centos-7":       {Platform: "centos", PlatformVersion: "7.1.1503", PlatformFamily: "rhel", Init: "systemd"},
	"rocky-9":        {Platform: "rocky", PlatformVersion: "9.3", PlatformFamily: "rhel", Init: "systemd"},
	"fedora-40":      {Platform: "fedora", PlatformVersion: "40", PlatformFamily: "fedora", Init: "systemd"},
	"fedora-20":      {Platform: "fedora", PlatformVersion: "20", PlatformFamily: "fedora", Init: "systemd"},
	"amazon-2018.03": {Platform: "amazon", PlatformVersion: "2018.03", PlatformFamily: "rhel", Init: "sysvinit"},
	"amazon-2":       {Platform: "amazon", PlatformVersion: "2", PlatformFamily: "rhel", Init: "systemd"},
	"amazon-2023":    {Platform: "amazon", PlatformVersion: "2023", PlatformFamily: "rhel", Init: "systemd"},
	"suse-15":        {Platform: "opensuseleap", PlatformVersion: "15.5", PlatformFamily: "suse", Init: "systemd"},
	"alpine-3.19":    {Platform: "alpine", PlatformVersion: "3.19.1", PlatformFamily: "alpine", Init: "openrc"},
}

const (
	aptPrefix = "DEBIAN_FRONTEND=noninteractive apt-get -q -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold"
	dpkgProbe = `dpkg-query -W -f='dpkg\t${Package}\t${Architecture}\t${Status}\t${Version}\n' -- `
	rpmProbeP = `command -v rpm >/dev/null 2>&1 || printf 'missing\trpm\n'; rpm -q --queryformat 'rpm\t%{NAME}\t%{EPOCH}\t%{VERSION}-%{RELEASE}\t%{ARCH}\n' -- `
)

// packageCommands is the table of (node facts, properties, action) →
// command, in the manner of pyinfra's tests/operations. provider, when set,
// is the `provider=` override; otherwise the facts choose.
var packageCommands = []struct {
	node, provider string
	action         string // probe, probe-candidates, install, upgrade, remove, purge
	pkgs           []Pkg
	options        []string
	want           string
}{
	// apt
	{node: "debian-12", action: "probe", pkgs: []Pkg{{Name: "bash"}, {Name: "nginx"}},
		want: dpkgProbe + `bash nginx 2>/dev/null; printf 'exit\t%s\t%s\n' dpkg-query "$?"`},
	{node: "debian-12", action: "probe-candidates", pkgs: []Pkg{{Name: "bash"}, {Name: "libc6:amd64"}},
		want: dpkgProbe + `bash libc6:amd64 2>/dev/null; printf 'exit\t%s\t%s\n' dpkg-query "$?"; LC_ALL=C apt-cache policy -- bash libc6:amd64 2>/dev/null; printf 'exit\t%s\t%s\n' apt-cache "$?"`},
	{node: "debian-12", action: "probe", pkgs: []Pkg{{Name: "x; rm -rf /"}, {Name: "$(id)"}},
		want: dpkgProbe + `'x; rm -rf /' '$(id)' 2>/dev/null; printf 'exit\t%s\t%s\n' dpkg-query "$?"`},
	{node: "debian-12", action: "install", pkgs: []Pkg{{Name: "nginx"}},
		want: aptPrefix + " install -- nginx"},
	{node: "ubuntu-14.04", action: "install", pkgs: []Pkg{{Name: "nginx"}, {Name: "curl", Version: "7.88.1-10+deb12u5"}}, options: []string{"--no-install-recommends"},
		want: aptPrefix + " install --no-install-recommends -- nginx 'curl=7.88.1-10+deb12u5'"},
	{node: "debian-12", action: "install", pkgs: []Pkg{{Name: "x; rm -rf /"}, {Name: "ok", Version: "$(id)"}}, options: []string{"-o", "APT::Foo=a b"},
		want: aptPrefix + ` install -o 'APT::Foo=a b' -- 'x; rm -rf /' 'ok=$(id)'`},
	{node: "debian-12", action: "upgrade", pkgs: []Pkg{{Name: "openssl"}, {Name: "bash", Version: "5.2.15-2+b7"}},
		want: aptPrefix + " install --only-upgrade -- openssl 'bash=5.2.15-2+b7'"},
	{node: "debian-12", action: "remove", pkgs: []Pkg{{Name: "telnet"}, {Name: "$(id)"}},
		want: aptPrefix + " remove -- telnet '$(id)'"},
	{node: "debian-12", action: "purge", pkgs: []Pkg{{Name: "x; rm -rf /"}}, options: []string{"--auto-remove"},
		want: aptPrefix + " purge --auto-remove -- 'x; rm -rf /'"},
	{node: "centos-7", provider: "apt", action: "remove", pkgs: []Pkg{{Name: "telnet"}},
		want: aptPrefix + " remove -- telnet"},

	// yum
	{node: "centos-7", action: "probe", pkgs: []Pkg{{Name: "bash"}, {Name: "x; rm -rf /"}},
		want: rpmProbeP + `bash 'x; rm -rf /'; printf 'exit\t%s\t%s\n' rpm "$?"`},
	{node: "centos-6.7", action: "probe-candidates", pkgs: []Pkg{{Name: "bash"}, {Name: "glibc.i686"}},
		want: rpmProbeP + `bash glibc.i686; printf 'exit\t%s\t%s\n' rpm "$?"; if command -v repoquery >/dev/null 2>&1; then repoquery -q --qf 'cand %{name} %{epoch} %{version}-%{release} %{arch}' -- bash glibc.i686; printf 'exit\t%s\t%s\n' repoquery "$?"; fi`},
	{node: "centos-7", action: "install", pkgs: []Pkg{{Name: "httpd"}, {Name: "bash", Version: "4.2.46-34.el7"}},
		want: "yum -d0 -e0 -y install -- httpd bash-4.2.46-34.el7"},
	{node: "centos-6.7", action: "install", pkgs: []Pkg{{Name: "openssl", Version: "1:1.0.1e-57.el6"}}, options: []string{"--enablerepo=epel"},
		want: "yum -d0 -e0 -y install '--enablerepo=epel' -- openssl-1:1.0.1e-57.el6"},
	{node: "centos-7", action: "install", pkgs: []Pkg{{Name: "$(id)"}, {Name: "x; rm -rf /"}},
		want: "yum -d0 -e0 -y install -- '$(id)' 'x; rm -rf /'"},
	{node: "centos-7", action: "upgrade", pkgs: []Pkg{{Name: "openssl"}},
		want: "yum -d0 -e0 -y update -- openssl"},
	{node: "centos-7", action: "remove", pkgs: []Pkg{{Name: "telnet"}},
		want: "yum -d0 -e0 -y remove -- telnet"},
	{node: "centos-7", action: "purge", pkgs: []Pkg{{Name: "telnet"}, {Name: "$(id)"}},
		want: "yum -d0 -e0 -y remove -- telnet '$(id)'"},
	{node: "amazon-2", action: "install", pkgs: []Pkg{{Name: "git"}},
		want: "yum -d0 -e0 -y install -- git"},

	// dnf
	{node: "rocky-9", action: "probe", pkgs: []Pkg{{Name: "bash"}},
		want: rpmProbeP + `bash; printf 'exit\t%s\t%s\n' rpm "$?"`},
	{node: "fedora-40", action: "probe-candidates", pkgs: []Pkg{{Name: "bash"}, {Name: "$(id)"}},
		want: rpmProbeP + `bash '$(id)'; printf 'exit\t%s\t%s\n' rpm "$?"; dnf -q repoquery --latest-limit=1 --qf 'cand %{name} %{epoch} %{version}-%{release} %{arch}\n' -- bash '$(id)'; printf 'exit\t%s\t%s\n' dnf "$?"`},
	{node: "rocky-9", action: "install", pkgs: []Pkg{{Name: "nginx"}, {Name: "bash", Version: "5.1.8-9.el9"}}, options: []string{"--setopt=install_weak_deps=False"},
		want: "dnf -q -y install '--setopt=install_weak_deps=False' -- nginx bash-5.1.8-9.el9"},
	{node: "rocky-9", action: "install", pkgs: []Pkg{{Name: "x; rm -rf /"}},
		want: "dnf -q -y install -- 'x; rm -rf /'"},
	{node: "fedora-40", action: "upgrade", pkgs: []Pkg{{Name: "openssl"}, {Name: "curl"}},
		want: "dnf -q -y upgrade -- openssl curl"},
	{node: "rocky-9", action: "remove", pkgs: []Pkg{{Name: "$(id)"}},
		want: "dnf -q -y remove -- '$(id)'"},
	{node: "rocky-9", action: "purge", pkgs: []Pkg{{Name: "telnet"}},
		want: "dnf -q -y remove -- telnet"},
	{node: "centos-7", provider: "dnf", action: "install", pkgs: []Pkg{{Name: "git"}},
		want: "dnf -q -y install -- git"},
}

const (
	debianEnabled = `ls -d /etc/rc[2345].d/S[0-9][0-9]`
	nullStatus    = ` >/dev/null 2>&1; printf 'running\t%s\n' "$?"`
)

// serviceCommands is the service half of the table.
var serviceCommands = []struct {
	node, provider   string
	action           string // probe, start, stop, restart, reload, enable, disable
	service, pattern string
	want             string
}{
	// systemd
	{node: "debian-12", action: "probe", service: "nginx",
		want: `printf 'load\t%s\n' "$(systemctl show -p LoadState -- nginx 2>/dev/null | tail -n 1)"; printf 'enabled\t%s\n' "$(systemctl is-enabled -- nginx 2>/dev/null | tail -n 1)"; printf 'active\t%s\n' "$(systemctl is-active -- nginx 2>/dev/null | tail -n 1)"`},
	{node: "rocky-9", action: "probe", service: "x; rm -rf /", pattern: "ignored",
		want: `printf 'load\t%s\n' "$(systemctl show -p LoadState -- 'x; rm -rf /' 2>/dev/null | tail -n 1)"; printf 'enabled\t%s\n' "$(systemctl is-enabled -- 'x; rm -rf /' 2>/dev/null | tail -n 1)"; printf 'active\t%s\n' "$(systemctl is-active -- 'x; rm -rf /' 2>/dev/null | tail -n 1)"`},
	{node: "debian-12", action: "start", service: "nginx", want: "systemctl start -- nginx"},
	{node: "centos-7", action: "stop", service: "$(id)", want: "systemctl stop -- '$(id)'"},
	{node: "ubuntu-22.04", action: "restart", service: "getty@tty1", want: "systemctl restart -- getty@tty1"},
	{node: "fedora-40", action: "reload", service: "httpd.service", want: "systemctl reload -- httpd.service"},
	{node: "debian-12", action: "enable", service: "x; rm -rf /", want: "systemctl enable -- 'x; rm -rf /'"},
	{node: "amazon-2023", action: "disable", service: "nginx", want: "systemctl disable -- nginx"},

	// sysvinit, debian flavour
	{node: "debian-7", action: "probe", service: "ntp",
		want: `test -e /etc/init.d/ntp; printf 'script\t%s\n' "$?"; ` + debianEnabled + `ntp >/dev/null 2>&1; printf 'enabled\t%s\n' "$?"; service ntp status` + nullStatus},
	{node: "debian-7", action: "probe", service: "x; rm -rf /",
		want: `test -e '/etc/init.d/x; rm -rf /'; printf 'script\t%s\n' "$?"; ` + debianEnabled + `'x; rm -rf /' >/dev/null 2>&1; printf 'enabled\t%s\n' "$?"; service 'x; rm -rf /' status` + nullStatus},
	{node: "debian-7", action: "probe", service: "ntp", pattern: "ntpd -g",
		want: `test -e /etc/init.d/ntp; printf 'script\t%s\n' "$?"; ` + debianEnabled + `ntp >/dev/null 2>&1; printf 'enabled\t%s\n' "$?"; p=$(printf '\156\164\160\144\040\055\147'); pgrep -f -- "$p"` + nullStatus},
	{node: "debian-7", action: "start", service: "$(id)", want: "service '$(id)' start"},
	{node: "debian-7", action: "stop", service: "ntp", want: "service ntp stop"},
	{node: "debian-7", action: "restart", service: "ntp", want: "service ntp restart"},
	{node: "debian-7", action: "reload", service: "ntp", want: "service ntp reload"},
	{node: "debian-7", action: "enable", service: "ntp", want: "update-rc.d ntp defaults && update-rc.d ntp enable"},
	{node: "debian-7", action: "enable", service: "x; rm -rf /", want: "update-rc.d 'x; rm -rf /' defaults && update-rc.d 'x; rm -rf /' enable"},
	{node: "debian-7", action: "disable", service: "ntp", want: "update-rc.d ntp disable"},
	{node: "debian-12", provider: "sysvinit", action: "disable", service: "ntp", want: "update-rc.d ntp disable"},

	// sysvinit, rhel flavour
	{node: "centos-6.7", action: "probe", service: "sshd",
		want: `test -e /etc/init.d/sshd; printf 'script\t%s\n' "$?"; printf 'chkconfig\t%s\n' "$(chkconfig --list sshd 2>/dev/null | head -n 1)"; service sshd status` + nullStatus},
	{node: "centos-6.7", action: "probe", service: "$(id)", pattern: "^/usr/sbin/httpd",
		want: `test -e '/etc/init.d/$(id)'; printf 'script\t%s\n' "$?"; printf 'chkconfig\t%s\n' "$(chkconfig --list '$(id)' 2>/dev/null | head -n 1)"; p=$(printf '\136\057\165\163\162\057\163\142\151\156\057\150\164\164\160\144'); pgrep -f -- "$p"` + nullStatus},
	{node: "centos-6.7", action: "start", service: "sshd", want: "service sshd start"},
	{node: "amazon-2018.03", action: "reload", service: "x; rm -rf /", want: "service 'x; rm -rf /' reload"},
	{node: "centos-6.7", action: "enable", service: "sshd", want: "chkconfig --add sshd && chkconfig sshd on"},
	{node: "centos-6.7", action: "enable", service: "$(id)", want: "chkconfig --add '$(id)' && chkconfig '$(id)' on"},
	{node: "centos-6.7", action: "disable", service: "sshd", want: "chkconfig sshd off"},
	{node: "centos-7", provider: "sysvinit", action: "disable", service: "network", want: "chkconfig network off"},

	// upstart, with the debian SysV fallback
	{node: "ubuntu-14.04", action: "probe", service: "ssh",
		want: `test -e /etc/init/ssh.conf; printf 'job\t%s\n' "$?"; grep -q '^[[:space:]]*manual[[:space:]]*\(#.*\)\{0,1\}$' /etc/init/ssh.override 2>/dev/null; printf 'manual\t%s\n' "$?"; printf 'initctl\t%s\n' "$(initctl status ssh 2>/dev/null | head -n 1)"; ` +
			`test -e /etc/init.d/ssh; printf 'script\t%s\n' "$?"; ` + debianEnabled + `ssh >/dev/null 2>&1; printf 'enabled\t%s\n' "$?"; service ssh status` + nullStatus},
	{node: "ubuntu-14.04", action: "probe", service: "x; rm -rf /", pattern: "apache2",
		want: `test -e '/etc/init/x; rm -rf /.conf'; printf 'job\t%s\n' "$?"; grep -q '^[[:space:]]*manual[[:space:]]*\(#.*\)\{0,1\}$' '/etc/init/x; rm -rf /.override' 2>/dev/null; printf 'manual\t%s\n' "$?"; printf 'initctl\t%s\n' "$(initctl status 'x; rm -rf /' 2>/dev/null | head -n 1)"; ` +
			`test -e '/etc/init.d/x; rm -rf /'; printf 'script\t%s\n' "$?"; ` + debianEnabled + `'x; rm -rf /' >/dev/null 2>&1; printf 'enabled\t%s\n' "$?"; p=$(printf '\141\160\141\143\150\145\062'); pgrep -f -- "$p"` + nullStatus},
	{node: "ubuntu-14.04", action: "start", service: "$(id)",
		want: `if test -e '/etc/init/$(id).conf'; then initctl start '$(id)'; else service '$(id)' start; fi`},
	{node: "ubuntu-14.04", action: "stop", service: "ssh",
		want: "if test -e /etc/init/ssh.conf; then initctl stop ssh; else service ssh stop; fi"},
	{node: "ubuntu-14.04", action: "restart", service: "ssh",
		want: "if test -e /etc/init/ssh.conf; then initctl stop ssh >/dev/null 2>&1; initctl start ssh; else service ssh restart; fi"},
	{node: "ubuntu-14.04", action: "reload", service: "ssh",
		want: "if test -e /etc/init/ssh.conf; then initctl reload ssh; else service ssh reload; fi"},
	{node: "ubuntu-14.04", action: "enable", service: "ssh",
		want: `if test -e /etc/init/ssh.conf; then if test -e /etc/init/ssh.override; then sed -i '/^[[:space:]]*manual[[:space:]]*\(#.*\)\{0,1\}$/d' /etc/init/ssh.override; fi; else update-rc.d ssh defaults && update-rc.d ssh enable; fi`},
	{node: "ubuntu-14.04", action: "disable", service: "ssh",
		want: "if test -e /etc/init/ssh.conf; then echo manual >> /etc/init/ssh.override; else update-rc.d ssh disable; fi"},
	{node: "ubuntu-14.04", action: "disable", service: "x; rm -rf /",
		want: `if test -e '/etc/init/x; rm -rf /.conf'; then echo manual >> '/etc/init/x; rm -rf /.override'; else update-rc.d 'x; rm -rf /' disable; fi`},
	{node: "centos-6.7", provider: "upstart", action: "disable", service: "sshd",
		want: "if test -e /etc/init/sshd.conf; then echo manual >> /etc/init/sshd.override; else chkconfig sshd off; fi"},
}

func packageFor(t *testing.T, node, provider string) Package {
	t.Helper()
	f, ok := nodes[node]
	if !ok {
		t.Fatalf("no facts for node %q", node)
	}
	var p Package
	var err error
	if provider != "" {
		p, err = PackageByName(provider)
	} else {
		p, err = PackageFor(f)
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func serviceFor(t *testing.T, node, provider string) Service {
	t.Helper()
	f, ok := nodes[node]
	if !ok {
		t.Fatalf("no facts for node %q", node)
	}
	var s Service
	var err error
	if provider != "" {
		s, err = ServiceByName(provider, f)
	} else {
		s, err = ServiceFor(f)
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func packageCommand(t *testing.T, p Package, action string, pkgs []Pkg, options []string) string {
	t.Helper()
	names := make([]string, len(pkgs))
	for i, pk := range pkgs {
		names[i] = pk.Name
	}
	switch action {
	case "probe":
		return p.Probe(names, false)
	case "probe-candidates":
		return p.Probe(names, true)
	case "install":
		return p.Install(pkgs, options)
	case "upgrade":
		return p.Upgrade(pkgs, options)
	case "remove":
		return p.Remove(names, options)
	case "purge":
		return p.Purge(names, options)
	}
	t.Fatalf("unknown package action %q", action)
	return ""
}

func serviceCommand(t *testing.T, s Service, action, service, pattern string) string {
	t.Helper()
	switch action {
	case "probe":
		return s.Probe(service, pattern)
	case "start":
		return s.Start(service)
	case "stop":
		return s.Stop(service)
	case "restart":
		return s.Restart(service)
	case "reload":
		return s.Reload(service)
	case "enable":
		return s.Enable(service)
	case "disable":
		return s.Disable(service)
	}
	t.Fatalf("unknown service action %q", action)
	return ""
}

func TestPackageCommands(t *testing.T) {
	for _, tc := range packageCommands {
		p := packageFor(t, tc.node, tc.provider)
		got := packageCommand(t, p, tc.action, tc.pkgs, tc.options)
		if got != tc.want {
			t.Errorf("%s %s %s %v:\n got: %s\nwant: %s", tc.node, p.Name(), tc.action, tc.pkgs, got, tc.want)
		}
	}
}

func TestServiceCommands(t *testing.T) {
	for _, tc := range serviceCommands {
		s := serviceFor(t, tc.node, tc.provider)
		got := serviceCommand(t, s, tc.action, tc.service, tc.pattern)
		if got != tc.want {
			t.Errorf("%s %s %s %q:\n got: %s\nwant: %s", tc.node, s.Name(), tc.action, tc.service, got, tc.want)
		}
	}
}

// allCommands is every command of both tables.
func allCommands() []string {
	var cmds []string
	for _, tc := range packageCommands {
		cmds = append(cmds, tc.want)
	}
	for _, tc := range serviceCommands {
		cmds = append(cmds, tc.want)
	}
	return cmds
}

func TestCommands_ParseAsShell(t *testing.T) {
	shells := []string{"sh"}
	if _, err := exec.LookPath("bash"); err == nil {
		shells = append(shells, "bash")
	}
	for _, sh := range shells {
		for _, cmd := range allCommands() {
			out, err := exec.Command(sh, "-n", "-c", cmd).CombinedOutput()
			if err != nil {
				t.Errorf("%s -n rejects %s: %v\n%s", sh, cmd, err, out)
			}
		}
	}
}

// stubbedTools are the tools the commands call. Each stub prints its name
// and then every argument it got, bracketed, on one line.
var stubbedTools = []string{
	"apt-get", "dpkg-query", "apt-cache", "rpm", "yum", "repoquery", "dnf",
	"systemctl", "service", "update-rc.d", "chkconfig", "initctl", "pgrep",
}

// TestCommands_HostileNamesReachToolsAsOneArgument runs every command of the
// tables with stub tools first on PATH and checks that each hostile value
// arrived whole, as one argument, and that none of them ran as shell.
func TestCommands_HostileNamesReachToolsAsOneArgument(t *testing.T) {
	dir := t.TempDir()
	stub := "#!/bin/sh\nprintf '%s' \"${0##*/}\"\nfor a in \"$@\"; do printf ' [%s]' \"$a\"; done\necho\n"
	for _, tool := range stubbedTools {
		if err := os.WriteFile(filepath.Join(dir, tool), []byte(stub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// If quoting failed, "$(id)" would run id and "x; rm -rf /" would run rm:
	// both are replaced by stubs that leave a mark.
	mark := filepath.Join(dir, "MARK")
	evil := "#!/bin/sh\necho ran >> " + mark + "\n"
	for _, tool := range []string{"id", "rm"} {
		if err := os.WriteFile(filepath.Join(dir, tool), []byte(evil), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	checked := 0
	for _, cmd := range allCommands() {
		if !strings.Contains(cmd, "$(id)") && !strings.Contains(cmd, "x; rm -rf /") {
			continue
		}
		c := exec.Command("sh", "-c", cmd)
		c.Env = append(os.Environ(), "PATH="+dir+":/usr/bin:/bin:/usr/sbin:/sbin")
		out, _ := c.CombinedOutput()
		if _, err := os.Stat(mark); err == nil {
			t.Fatalf("a hostile name ran as shell in: %s\noutput:\n%s", cmd, out)
		}
		// Every tool line that names a hostile value holds it whole.
		for _, line := range strings.Split(string(out), "\n") {
			for _, tool := range stubbedTools {
				if !strings.HasPrefix(line, tool+" ") {
					continue
				}
				checked++
				if strings.Contains(line, "$(id)") && !strings.Contains(line, "[$(id)]") &&
					!strings.Contains(line, "=$(id)]") {
					t.Errorf("%q split \"$(id)\" in: %s\n%s", tool, cmd, line)
				}
				if strings.Contains(line, "x;") && !strings.Contains(line, "[x; rm -rf /]") {
					t.Errorf("%q split \"x; rm -rf /\" in: %s\n%s", tool, cmd, line)
				}
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d tool calls seen; are the stubs on PATH?", checked)
	}
}
