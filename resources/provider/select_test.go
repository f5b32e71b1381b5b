package provider

import (
	"strings"
	"testing"
)

func TestPackageFor(t *testing.T) {
	cases := map[string]string{
		"debian-12":      "apt",
		"debian-7":       "apt",
		"ubuntu-14.04":   "apt",
		"ubuntu-22.04":   "apt",
		"centos-6.7":     "yum",
		"centos-7":       "yum",
		"rocky-9":        "dnf",
		"fedora-40":      "dnf",
		"fedora-20":      "yum",
		"amazon-2018.03": "yum",
		"amazon-2":       "yum",
		"amazon-2023":    "dnf",
	}
	for node, want := range cases {
		p, err := PackageFor(nodes[node])
		if err != nil {
			t.Errorf("%s: %v", node, err)
			continue
		}
		if p.Name() != want {
			t.Errorf("%s: got %s, want %s", node, p.Name(), want)
		}
	}
}

func TestServiceFor(t *testing.T) {
	cases := map[string]string{
		"debian-12":      "systemd",
		"debian-7":       "sysvinit/debian",
		"ubuntu-14.04":   "upstart/debian",
		"ubuntu-22.04":   "systemd",
		"centos-6.7":     "sysvinit/rhel",
		"centos-7":       "systemd",
		"rocky-9":        "systemd",
		"fedora-40":      "systemd",
		"amazon-2018.03": "sysvinit/rhel",
		"amazon-2023":    "systemd",
	}
	for node, want := range cases {
		s, err := ServiceFor(nodes[node])
		if err != nil {
			t.Errorf("%s: %v", node, err)
			continue
		}
		if got := describe(s); got != want {
			t.Errorf("%s: got %s, want %s", node, got, want)
		}
	}
}

// describe names a service provider and its SysV flavour.
func describe(s Service) string {
	flavor := func(v SysV) string {
		if v.Flavor == RHEL {
			return "rhel"
		}
		return "debian"
	}
	switch s := s.(type) {
	case SysV:
		return "sysvinit/" + flavor(s)
	case Upstart:
		return "upstart/" + flavor(s.SysV)
	}
	return s.Name()
}

// Gather reports upstart on centos 6 only if engine/facts changes its mind;
// the SysV scripts and chkconfig are what manage its services either way.
func TestServiceFor_RHELOnUpstartUsesChkconfig(t *testing.T) {
	f := nodes["centos-6.7"]
	f.Init = "upstart"
	s, err := ServiceFor(f)
	if err != nil {
		t.Fatal(err)
	}
	if got := describe(s); got != "sysvinit/rhel" {
		t.Errorf("centos-6.7 on upstart: got %s, want sysvinit/rhel", got)
	}
}

func TestSelection_ErrorsSayHowToFix(t *testing.T) {
	noVersion := nodes["rocky-9"]
	noVersion.PlatformVersion = ""
	suseSysv := nodes["suse-15"]
	suseSysv.Init = "sysvinit"
	cases := []struct {
		name string
		err  error
		want []string
	}{
		{"package on suse", second(PackageFor(nodes["suse-15"])), []string{`"opensuseleap"`, "provider=", "apt, dnf, yum"}},
		{"package on alpine", second(PackageFor(nodes["alpine-3.19"])), []string{`"alpine"`, "provider="}},
		{"rhel without a version", second(PackageFor(noVersion)), []string{`"rocky"`, `provider= to "yum" or "dnf"`}},
		{"service on openrc", second(ServiceFor(nodes["alpine-3.19"])), []string{`"openrc"`, `"alpine"`, "provider=", "systemd, sysvinit, upstart"}},
		{"sysvinit on suse", second(ServiceFor(suseSysv)), []string{"sysvinit", `"opensuseleap"`, "provider="}},
		{"unknown package provider", second(PackageByName("pacman")), []string{`"pacman"`, "apt, dnf, yum"}},
		{"unknown service provider", second(ServiceByName("runit", nodes["debian-12"])), []string{`"runit"`, "systemd, sysvinit, upstart"}},
		{"sysvinit by name on alpine", second(ServiceByName("sysvinit", nodes["alpine-3.19"])), []string{"sysvinit", `"alpine"`}},
	}
	for _, tc := range cases {
		if tc.err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(tc.err.Error(), w) {
				t.Errorf("%s: error %q does not mention %s", tc.name, tc.err, w)
			}
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestByName(t *testing.T) {
	for _, name := range PackageNames {
		p, err := PackageByName(name)
		if err != nil || p.Name() != name {
			t.Errorf("PackageByName(%q) = %v, %v", name, p, err)
		}
	}
	for _, name := range ServiceNames {
		s, err := ServiceByName(name, nodes["centos-6.7"])
		if err != nil || s.Name() != name {
			t.Errorf("ServiceByName(%q) = %v, %v", name, s, err)
		}
	}
	want := map[string]string{
		"sysvinit/debian": "debian-12",
		"sysvinit/rhel":   "centos-7",
		"upstart/debian":  "ubuntu-22.04",
		"upstart/rhel":    "centos-6.7",
	}
	for d, node := range want {
		name, _, _ := strings.Cut(d, "/")
		s, err := ServiceByName(name, nodes[node])
		if err != nil {
			t.Errorf("ServiceByName(%q) on %s: %v", name, node, err)
			continue
		}
		if got := describe(s); got != d {
			t.Errorf("ServiceByName(%q) on %s: got %s, want %s", name, node, got, d)
		}
	}
}
