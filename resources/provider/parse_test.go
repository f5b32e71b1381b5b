package provider

import (
	"reflect"
	"strings"
	"testing"
)

// captured turns a fixture written with \t escapes into the output it
// stands for, so the tables show where the tabs are.
func captured(s string) string {
	return strings.ReplaceAll(strings.TrimPrefix(s, "\n"), `\t`, "\t")
}

// The fixtures are probe outputs as the commands print them on real nodes
// (tag lines from printf and the tools' own output).

func TestApt_ParseProbe(t *testing.T) {
	cases := []struct {
		name   string
		stdout string
		names  []string
		want   map[string]PackageState
	}{
		{
			name: "installed, config-files, half-installed, triggers and unknown (debian 12)",
			stdout: captured(`
dpkg\tbash\tamd64\tinstall ok installed\t5.2.15-2+b2
dpkg\tnginx\tamd64\tdeinstall ok config-files\t1.22.1-9
dpkg\tfoo\tamd64\tinstall reinstreq half-installed\t1.0-1
dpkg\tbar\tall\tinstall ok unpacked\t2.0-1
dpkg\tman-db\tamd64\tinstall ok triggers-pending\t2.11.2-2
dpkg\tlibfoo1\tamd64\tpurge ok not-installed\t
exit\tdpkg-query\t1
`),
			names: []string{"bash", "nginx", "foo", "bar", "man-db", "libfoo1", "nosuch"},
			want: map[string]PackageState{
				"bash":    {Installed: "5.2.15-2+b2"},
				"nginx":   {},
				"foo":     {},
				"bar":     {},
				"man-db":  {Installed: "2.11.2-2"},
				"libfoo1": {},
				"nosuch":  {},
			},
		},
		{
			name: "with apt-cache policy candidates (captured on debian 12)",
			stdout: captured(`
dpkg\tbash\tamd64\tinstall ok installed\t5.2.15-2+b8
dpkg\tlibc6\tamd64\tinstall ok installed\t2.36-9+deb12u14
exit\tdpkg-query\t1
bash:
  Installed: 5.2.15-2+b8
  Candidate: 5.2.15-2+b13
  Version table:
     5.2.15-2+b13 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
 *** 5.2.15-2+b8 100
        100 /var/lib/dpkg/status
libc6:
  Installed: 2.36-9+deb12u14
  Candidate: 2.36-9+deb12u14
  Version table:
 *** 2.36-9+deb12u14 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
        100 /var/lib/dpkg/status
     2.36-9+deb12u7 500
        500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
libc6:
  Installed: 2.36-9+deb12u14
  Candidate: 2.36-9+deb12u14
  Version table:
 *** 2.36-9+deb12u14 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
        100 /var/lib/dpkg/status
exit\tapt-cache\t0
`),
			names: []string{"bash", "libc6", "libc6:amd64", "nosuch"},
			want: map[string]PackageState{
				"bash":        {Installed: "5.2.15-2+b8", Candidate: "5.2.15-2+b13"},
				"libc6":       {Installed: "2.36-9+deb12u14", Candidate: "2.36-9+deb12u14"},
				"libc6:amd64": {Installed: "2.36-9+deb12u14", Candidate: "2.36-9+deb12u14"},
				"nosuch":      {},
			},
		},
		{
			name: "multi-arch: foreign architecture and a virtual package (ubuntu 14.04)",
			stdout: captured(`
dpkg\tlibc6\tamd64\tinstall ok installed\t2.19-0ubuntu6.15
dpkg\tlibc6\ti386\tdeinstall ok config-files\t2.19-0ubuntu6.14
dpkg\tnginx-full\tamd64\tinstall ok installed\t1.4.6-1ubuntu3.9
exit\tdpkg-query\t1
libc6:
  Installed: 2.19-0ubuntu6.15
  Candidate: 2.19-0ubuntu6.15
  Version table:
 *** 2.19-0ubuntu6.15 0
        500 http://archive.ubuntu.com/ubuntu/ trusty-updates/main amd64 Packages
        100 /var/lib/dpkg/status
libc6:i386:
  Installed: (none)
  Candidate: 2.19-0ubuntu6.15
  Version table:
     2.19-0ubuntu6.15 0
        500 http://archive.ubuntu.com/ubuntu/ trusty-updates/main i386 Packages
httpd:
  Installed: (none)
  Candidate: (none)
  Version table:
exit\tapt-cache\t0
`),
			names: []string{"libc6", "libc6:i386", "httpd"},
			want: map[string]PackageState{
				"libc6":      {Installed: "2.19-0ubuntu6.15", Candidate: "2.19-0ubuntu6.15"},
				"libc6:i386": {Candidate: "2.19-0ubuntu6.15"},
				"httpd":      {},
			},
		},
		{
			name: "stderr noise does not reach stdout, but a stray untagged line is skipped",
			stdout: captured(`
dpkg-query: no packages found matching nosuch
exit\tdpkg-query\t1
`),
			names: []string{"nosuch"},
			want:  map[string]PackageState{"nosuch": {}},
		},
	}
	for _, tc := range cases {
		got, err := Apt{}.ParseProbe(tc.stdout, tc.names)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

func TestApt_ParseProbeRejectsBrokenOutput(t *testing.T) {
	cases := map[string]string{
		"empty (the probe did not run)": "",
		"dpkg-query missing":            captured(`exit\tdpkg-query\t127`),
		"dpkg-query fatal error":        captured(`exit\tdpkg-query\t2`),
		"apt-cache missing":             captured("exit\\tdpkg-query\\t0\nexit\\tapt-cache\\t127"),
		"truncated dpkg line":           captured("dpkg\\tbash\\tamd64\nexit\\tdpkg-query\\t0"),
	}
	for name, stdout := range cases {
		if _, err := (Apt{}).ParseProbe(stdout, []string{"bash"}); err == nil {
			t.Errorf("%s: ParseProbe accepted %q", name, stdout)
		}
	}
}

func TestRPM_ParseProbe(t *testing.T) {
	cases := []struct {
		name     string
		provider Package
		stdout   string
		names    []string
		want     map[string]PackageState
	}{
		{
			name:     "installed and not installed, no candidates (centos 7)",
			provider: Yum{},
			stdout: captured(`
rpm\tbash\t(none)\t4.2.46-34.el7\tx86_64
package nosuch is not installed
package x; rm -rf / is not installed
rpm\topenssl-libs\t1\t1.0.2k-19.el7\tx86_64
exit\trpm\t2
`),
			names: []string{"bash", "nosuch", "x; rm -rf /", "openssl-libs"},
			want: map[string]PackageState{
				"bash":         {Installed: "4.2.46-34.el7"},
				"nosuch":       {},
				"x; rm -rf /":  {},
				"openssl-libs": {Installed: "1:1.0.2k-19.el7"},
			},
		},
		{
			name:     "repoquery candidates, multilib and a local build newer than the repos (centos 7)",
			provider: Yum{},
			stdout: captured(`
rpm\tbash\t(none)\t4.2.46-34.el7\tx86_64
rpm\tglibc\t(none)\t2.17-317.el7\tx86_64
rpm\tglibc\t(none)\t2.17-317.el7\ti686
rpm\tmytool\t(none)\t2.0-1.el7\tx86_64
package nginx is not installed
package nosuch is not installed
exit\trpm\t2
cand bash 0 4.2.46-35.el7_9 x86_64
cand glibc 0 2.17-326.el7_9 i686
cand glibc 0 2.17-326.el7_9 x86_64
cand mytool 0 1.9-3.el7 x86_64
cand nginx 1 1.20.1-10.el7 x86_64
exit\trepoquery\t0
`),
			names: []string{"bash", "glibc", "glibc.i686", "mytool", "nginx", "nosuch"},
			want: map[string]PackageState{
				"bash":       {Installed: "4.2.46-34.el7", Candidate: "4.2.46-35.el7_9"},
				"glibc":      {Installed: "2.17-317.el7", Candidate: "2.17-326.el7_9"},
				"glibc.i686": {Installed: "2.17-317.el7", Candidate: "2.17-326.el7_9"},
				"mytool":     {Installed: "2.0-1.el7", Candidate: "2.0-1.el7"},
				"nginx":      {Candidate: "1:1.20.1-10.el7"},
				"nosuch":     {},
			},
		},
		{
			name:     "dnf 4 repoquery: blank lines from its own newline (rocky 9)",
			provider: Dnf{},
			stdout: captured(`
rpm\tbash\t(none)\t5.1.8-6.el9_1\tx86_64
package htop is not installed
exit\trpm\t1
cand bash 0 5.1.8-9.el9 x86_64

cand htop 0 3.3.0-1.el9 x86_64

exit\tdnf\t0
`),
			names: []string{"bash", "htop"},
			want: map[string]PackageState{
				"bash": {Installed: "5.1.8-6.el9_1", Candidate: "5.1.8-9.el9"},
				"htop": {Candidate: "3.3.0-1.el9"},
			},
		},
		{
			name:     "dnf5 repoquery: progress lines on stdout despite -q, up to date package (fedora 41)",
			provider: Dnf{},
			stdout: captured(`
rpm\tbash\t(none)\t5.2.32-1.fc41\tx86_64
exit\trpm\t0
Updating and loading repositories:
Repositories loaded.
cand bash 0 5.2.32-1.fc41 x86_64
exit\tdnf\t0
`),
			names: []string{"bash"},
			want:  map[string]PackageState{"bash": {Installed: "5.2.32-1.fc41", Candidate: "5.2.32-1.fc41"}},
		},
		{
			name:     "installed but in no repository: the candidate is what is installed",
			provider: Dnf{},
			stdout: captured(`
rpm\tgpg-pubkey\t(none)\tfd431d51-4ae0493b\t(none)
exit\trpm\t0
exit\tdnf\t0
`),
			names: []string{"gpg-pubkey"},
			want:  map[string]PackageState{"gpg-pubkey": {Installed: "fd431d51-4ae0493b", Candidate: "fd431d51-4ae0493b"}},
		},
		{
			name:     "yum without yum-utils: no repoquery, candidates unknown (centos 6)",
			provider: Yum{},
			stdout: captured(`
rpm\tbash\t(none)\t4.1.2-48.el6\tx86_64
exit\trpm\t0
`),
			names: []string{"bash"},
			want:  map[string]PackageState{"bash": {Installed: "4.1.2-48.el6"}},
		},
	}
	for _, tc := range cases {
		got, err := tc.provider.ParseProbe(tc.stdout, tc.names)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

func TestRPM_ParseProbeRejectsBrokenOutput(t *testing.T) {
	cases := []struct {
		name     string
		provider Package
		stdout   string
	}{
		{"empty", Yum{}, ""},
		{"rpm missing", Dnf{}, captured("missing\\trpm\nexit\\trpm\\t127")},
		{"dnf repoquery failed (repository unreachable)", Dnf{}, captured("exit\\trpm\\t1\nexit\\tdnf\\t1")},
		{"repoquery failed", Yum{}, captured("exit\\trpm\\t1\nexit\\trepoquery\\t1")},
		{"malformed candidate", Dnf{}, captured("exit\\trpm\\t1\ncand bash 0\nexit\\tdnf\\t0")},
	}
	for _, tc := range cases {
		if _, err := tc.provider.ParseProbe(tc.stdout, []string{"bash"}); err == nil {
			t.Errorf("%s: ParseProbe accepted %q", tc.name, tc.stdout)
		}
	}
}

func TestRPMVersionOrder(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0", 0},
		{"1.0", "2.0", -1},
		{"2.0.1", "2.0", 1},
		{"2.0.1a", "2.0.1", 1},
		{"5.5p1", "5.5p2", -1},
		{"5.5p10", "5.5p1", 1},
		{"10xyz", "10.1xyz", -1},
		{"xyz10", "xyz10.1", -1},
		{"1.01", "1.1", 0},
		{"1.0a", "1.0.1", -1},
		{"a", "1", -1},
		{"1.0~rc1", "1.0", -1},
		{"1.0~rc1", "1.0~rc2", -1},
		{"1.0^", "1.0", 1},
		{"1.0^git1", "1.0.1", -1},
		{"1.0~rc1^git1", "1.0~rc1", 1},
		{"1.0_1", "1.0.1", 0},
		{"20240101", "9999", 1},
	}
	for _, tc := range cases {
		if got := rpmvercmp(tc.a, tc.b); got != tc.want {
			t.Errorf("rpmvercmp(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := rpmvercmp(tc.b, tc.a); got != -tc.want {
			t.Errorf("rpmvercmp(%q, %q) = %d, want %d", tc.b, tc.a, got, -tc.want)
		}
	}
	evr := []struct {
		a, b string
		want int
	}{
		{"1:1.0-1", "2.0-1", 1},
		{"1.0.2k-19.el7", "1.0.2k-26.el7_9", -1},
		{"4.2.46-35.el7_9", "4.2.46-34.el7", 1},
		{"0:1.0-1", "1.0-1", 0},
	}
	for _, tc := range evr {
		if got := compareEVR(tc.a, tc.b); got != tc.want {
			t.Errorf("compareEVR(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestService_ParseProbe(t *testing.T) {
	cases := []struct {
		name     string
		provider Service
		stdout   string
		want     ServiceState
	}{
		// systemd
		{"systemd: enabled and running", Systemd{}, captured(`
load\tLoadState=loaded
enabled\tenabled
active\tactive
`), ServiceState{Exists: true, Enabled: true, Running: true}},
		{"systemd: no such unit (systemd 252)", Systemd{}, captured(`
load\tLoadState=not-found
enabled\t
active\tinactive
`), ServiceState{}},
		{"systemd: no such unit (systemd 219, centos 7)", Systemd{}, captured(`
load\tLoadState=not-found
enabled\t
active\tunknown
`), ServiceState{}},
		{"systemd: disabled, failed", Systemd{}, captured(`
load\tLoadState=loaded
enabled\tdisabled
active\tfailed
`), ServiceState{Exists: true}},
		{"systemd: masked", Systemd{}, captured(`
load\tLoadState=masked
enabled\tmasked
active\tinactive
`), ServiceState{Exists: true}},
		{"systemd: static unit, reloading", Systemd{}, captured(`
load\tLoadState=loaded
enabled\tstatic
active\treloading
`), ServiceState{Exists: true, Enabled: true, Running: true}},
		{"systemd: starting (activating) is not running yet", Systemd{}, captured(`
load\tLoadState=loaded
enabled\tenabled
active\tactivating
`), ServiceState{Exists: true, Enabled: true}},
		{"systemd: SysV script through systemd-sysv-install (debian)", Systemd{}, captured(`
load\tLoadState=loaded
enabled\tenabled
active\tactive
`), ServiceState{Exists: true, Enabled: true, Running: true}},
		{"systemd: no system bus (container); is-enabled still reads unit files", Systemd{}, captured(`
load\t
enabled\tenabled
active\t
`), ServiceState{Exists: true, Enabled: true}},

		// sysvinit, debian
		{"sysv debian: running, S links", SysV{}, captured(`
script\t0
enabled\t0
running\t0
`), ServiceState{Exists: true, Enabled: true, Running: true}},
		{"sysv debian: stopped (LSB status 3), no S links (ls exits 2)", SysV{}, captured(`
script\t0
enabled\t2
running\t3
`), ServiceState{Exists: true}},
		{"sysv debian: no script; service says unrecognized (1)", SysV{}, captured(`
script\t1
enabled\t2
running\t1
`), ServiceState{}},

		// sysvinit, rhel
		{"sysv rhel: chkconfig 3:on, running", SysV{Flavor: RHEL}, captured(`
script\t0
chkconfig\tsshd           \t0:off\t1:off\t2:on\t3:on\t4:on\t5:on\t6:off
running\t0
`), ServiceState{Exists: true, Enabled: true, Running: true}},
		{"sysv rhel: on in 5 only, stopped", SysV{Flavor: RHEL}, captured(`
script\t0
chkconfig\tcups           \t0:off\t1:off\t2:off\t3:off\t4:off\t5:on\t6:off
running\t3
`), ServiceState{Exists: true}},
		{"sysv rhel: unknown service (chkconfig prints to stderr only)", SysV{Flavor: RHEL}, captured(`
script\t1
chkconfig\t
running\t1
`), ServiceState{}},

		// upstart
		{"upstart: job running, no override file (grep exits 2)", Upstart{}, captured(`
job\t0
manual\t2
initctl\tssh start/running, process 1041
script\t0
enabled\t2
running\t0
`), ServiceState{Exists: true, Enabled: true, Running: true}},
		{"upstart: job stopped by a manual override", Upstart{}, captured(`
job\t0
manual\t0
initctl\tssh stop/waiting
script\t0
enabled\t2
running\t1
`), ServiceState{Exists: true}},
		{"upstart: instance job, override without manual", Upstart{}, captured(`
job\t0
manual\t1
initctl\tnetwork-interface (eth0) start/running
script\t1
enabled\t2
running\t1
`), ServiceState{Exists: true, Enabled: true, Running: true}},
		{"upstart: job starting is not running", Upstart{}, captured(`
job\t0
manual\t2
initctl\tmysql start/pre-start, process 880
script\t1
enabled\t2
running\t1
`), ServiceState{Exists: true, Enabled: true}},
		{"upstart: SysV-only service falls back to the init script (apache2 on 14.04)", Upstart{}, captured(`
job\t1
manual\t2
initctl\t
script\t0
enabled\t0
running\t0
`), ServiceState{Exists: true, Enabled: true, Running: true}},
		{"upstart: neither job nor script", Upstart{}, captured(`
job\t1
manual\t2
initctl\t
script\t1
enabled\t2
running\t1
`), ServiceState{}},
	}
	for _, tc := range cases {
		got, err := tc.provider.ParseProbe(tc.stdout)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestService_ParseProbeRejectsIncompleteOutput(t *testing.T) {
	cases := []struct {
		provider Service
		stdout   string
	}{
		{Systemd{}, ""},
		{Systemd{}, captured("load\\tLoadState=loaded\nenabled\\tenabled")},
		{SysV{}, captured("script\\t0\nrunning\\t0")},
		{SysV{Flavor: RHEL}, captured("script\\t0\nenabled\\t0\nrunning\\t0")},
		{Upstart{}, captured("job\\t1\nmanual\\t2\ninitctl\\t")},
		{Upstart{}, captured("script\\t0\nenabled\\t0\nrunning\\t0")},
	}
	for _, tc := range cases {
		if _, err := tc.provider.ParseProbe(tc.stdout); err == nil {
			t.Errorf("%s: ParseProbe accepted %q", tc.provider.Name(), tc.stdout)
		}
	}
}
