package provider

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/converge-cm/converge/engine/facts"
)

// PackageNames and ServiceNames are the values `provider=` accepts.
var (
	PackageNames = []string{"apt", "dnf", "yum"}
	ServiceNames = []string{"systemd", "sysvinit", "upstart"}
)

// PackageFor chooses the package provider from the node's facts: apt on
// the debian family; yum on rhel (and its rebuilds) up to 7, fedora before
// 22 and amazon linux 1 and 2; dnf after them.
func PackageFor(f facts.Facts) (Package, error) {
	family := f.PlatformFamily
	if family == "" && f.Platform == "fedora" {
		family = "fedora"
	}
	switch family {
	case "debian":
		return Apt{}, nil
	case "rhel", "fedora", "amazon":
		// The first release that ships dnf as its package manager. Amazon
		// Linux (family rhel in converge's facts) numbers releases 1 by
		// year (2018.03), then 2, then 2023.
		firstDnf := 8
		switch {
		case f.Platform == "fedora" || family == "fedora":
			firstDnf = 22
		case f.Platform == "amazon" || family == "amazon":
			firstDnf = 2022
		}
		major, err := majorVersion(f.PlatformVersion)
		if err != nil {
			return nil, fmt.Errorf("cannot choose between yum and dnf for %s: %v; set provider= to \"yum\" or \"dnf\"", platform(f), err)
		}
		if major < firstDnf {
			return Yum{}, nil
		}
		return Dnf{}, nil
	}
	return nil, fmt.Errorf("no package provider for %s; set provider= to one of %s", platform(f), strings.Join(PackageNames, ", "))
}

// ServiceFor chooses the service provider from the node's init system.
// A rhel-family node running upstart (rhel 6) gets SysV with chkconfig:
// its upstart (0.6) reads no override files and its services are init
// scripts.
func ServiceFor(f facts.Facts) (Service, error) {
	switch f.Init {
	case "systemd":
		return Systemd{}, nil
	case "upstart":
		if sysv, ok := sysvFor(f); ok && sysv.Flavor == RHEL {
			return sysv, nil
		}
		return Upstart{SysV: SysV{Flavor: Debian}}, nil
	case "sysvinit":
		if sysv, ok := sysvFor(f); ok {
			return sysv, nil
		}
		return nil, fmt.Errorf("no sysvinit flavour for %s (only debian's update-rc.d and rhel's chkconfig are known); set provider= to one of %s", platform(f), strings.Join(ServiceNames, ", "))
	}
	return nil, fmt.Errorf("no service provider for init system %q on %s; set provider= to one of %s", f.Init, platform(f), strings.Join(ServiceNames, ", "))
}

// PackageByName returns the package provider `provider=` names.
func PackageByName(name string) (Package, error) {
	switch name {
	case "apt":
		return Apt{}, nil
	case "yum":
		return Yum{}, nil
	case "dnf":
		return Dnf{}, nil
	}
	return nil, fmt.Errorf("unknown package provider %q; valid providers are %s", name, strings.Join(PackageNames, ", "))
}

// ServiceByName returns the service provider `provider=` names. The facts
// choose the SysV flavour for "sysvinit" (update-rc.d on the debian family,
// chkconfig on the rhel family, an error elsewhere) and for the SysV
// fallback of "upstart" (update-rc.d outside the rhel family).
func ServiceByName(name string, f facts.Facts) (Service, error) {
	sysv, ok := sysvFor(f)
	switch name {
	case "systemd":
		return Systemd{}, nil
	case "sysvinit":
		if !ok {
			return nil, fmt.Errorf("provider \"sysvinit\" knows debian's update-rc.d and rhel's chkconfig, not %s", platform(f))
		}
		return sysv, nil
	case "upstart":
		if !ok {
			sysv = SysV{Flavor: Debian} // upstart is an ubuntu affair
		}
		return Upstart{SysV: sysv}, nil
	}
	return nil, fmt.Errorf("unknown service provider %q; valid providers are %s", name, strings.Join(ServiceNames, ", "))
}

// sysvFor returns the SysV flavour of the node's platform family.
func sysvFor(f facts.Facts) (SysV, bool) {
	switch f.PlatformFamily {
	case "debian":
		return SysV{Flavor: Debian}, true
	case "rhel", "fedora", "amazon":
		return SysV{Flavor: RHEL}, true
	}
	return SysV{}, false
}

// majorVersion reads the major number of "7.1.1503", "9" or "2023".
func majorVersion(v string) (int, error) {
	head, _, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(head)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("platform version %q has no major number", v)
	}
	return n, nil
}

// platform names the node's platform in an error.
func platform(f facts.Facts) string {
	s := "platform " + strconv.Quote(f.Platform)
	if f.PlatformVersion != "" {
		s += " " + f.PlatformVersion
	}
	if f.PlatformFamily != "" && f.PlatformFamily != f.Platform {
		s += " (family " + strconv.Quote(f.PlatformFamily) + ")"
	}
	return s
}
