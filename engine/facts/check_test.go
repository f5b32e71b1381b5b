package facts

import (
	"reflect"
	"strings"
	"testing"
)

func TestForPlatform(t *testing.T) {
	for _, tc := range []struct {
		spec                      string
		platform, version, family string
		init, kernel              string
	}{
		{"ubuntu-22.04", "ubuntu", "22.04", "debian", "systemd", "5.15.0-105-generic"},
		{"ubuntu-14.04", "ubuntu", "14.04", "debian", "upstart", "3.13.0-170-generic"},
		{"ubuntu-24.04", "ubuntu", "24.04", "debian", "systemd", "6.8.0-31-generic"},
		{"centos-7.1.1503", "centos", "7.1.1503", "rhel", "systemd", "3.10.0-1160.el7.x86_64"},
		{"centos-6.7", "centos", "6.7", "rhel", "sysvinit", "2.6.32-754.el6.x86_64"},
		{"rhel-6.5", "redhat", "6.5", "rhel", "sysvinit", "2.6.32-754.el6.x86_64"},
		{"debian-12", "debian", "12", "debian", "systemd", "6.1.0-18-amd64"},
		{"debian-7", "debian", "7", "debian", "sysvinit", ""},
		{"rocky-9", "rocky", "9", "rhel", "systemd", "5.14.0-362.8.1.el9_3.x86_64"},
		{"amazon-2018.03", "amazon", "2018.03", "rhel", "sysvinit", ""},
		{"amzn-2023", "amazon", "2023", "rhel", "systemd", ""},
		{" fedora-40 ", "fedora", "40", "fedora", "systemd", ""},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			f, err := ForPlatform(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			want := Facts{
				Hostname: "check-" + tc.platform, FQDN: "check-" + tc.platform, IPAddress: "192.0.2.10",
				Platform: tc.platform, PlatformVersion: tc.version, PlatformFamily: tc.family,
				Init: tc.init, Kernel: tc.kernel, Machine: "x86_64", CPUCount: 2, MemoryMB: 2048,
				Interfaces: map[string][]string{"eth0": {"192.0.2.10/24"}},
			}
			if !reflect.DeepEqual(f, want) {
				t.Errorf("ForPlatform(%q) =\n%+v\nwant\n%+v", tc.spec, f, want)
			}
		})
	}
}

func TestForPlatform_Errors(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"ubuntu", "not of the form <platform>-<version>, such as ubuntu-22.04"},
		{"ubuntu-", "not of the form"},
		{"-22.04", "not of the form"},
		{"ubuntu-jammy", "not of the form"},
		{"ubuntu 22.04", "not of the form"},
		{"ubunt-22.04", `platform "ubunt" in "ubunt-22.04" is not one converge knows; use one of`},
	} {
		_, err := ForPlatform(tc.spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ForPlatform(%q) error = %v, want one containing %q", tc.spec, err, tc.want)
		}
	}
}
