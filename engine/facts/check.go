package facts

import (
	"fmt"
	"slices"
	"strings"
)

// Addresses and sizes of the node ForPlatform invents: 192.0.2.0/24 is
// TEST-NET-1 (RFC 5737), which no real node uses.
const (
	checkIPAddress = "192.0.2.10"
	checkCIDR      = checkIPAddress + "/24"
	checkCPUCount  = 2
	checkMemoryMB  = 2048
)

// checkKernels is the kernel a platform shipped with, by "platform-major"
// (or "ubuntu-YY.MM"), so that a recipe reading node.kernel in check mode
// sees a plausible value. A platform not listed gets "".
var checkKernels = map[string]string{
	"ubuntu-14.04": "3.13.0-170-generic",
	"ubuntu-16.04": "4.4.0-210-generic",
	"ubuntu-18.04": "4.15.0-213-generic",
	"ubuntu-20.04": "5.4.0-182-generic",
	"ubuntu-22.04": "5.15.0-105-generic",
	"ubuntu-24.04": "6.8.0-31-generic",
	"debian-8":     "3.16.0-11-amd64",
	"debian-9":     "4.9.0-19-amd64",
	"debian-10":    "4.19.0-26-amd64",
	"debian-11":    "5.10.0-28-amd64",
	"debian-12":    "6.1.0-18-amd64",
	"el-6":         "2.6.32-754.el6.x86_64",
	"el-7":         "3.10.0-1160.el7.x86_64",
	"el-8":         "4.18.0-513.5.1.el8_9.x86_64",
	"el-9":         "5.14.0-362.8.1.el9_3.x86_64",
}

// ForPlatform returns plausible facts for a node of the given platform,
// for `converge check --platform`. spec is "<platform>-<version>", such as
// "ubuntu-22.04", "centos-7.1.1503" or "rhel-8" (os-release IDs are
// accepted for Chef's names). The init system is the one the platform
// version shipped with: sysvinit on the rhel family before 7 (and Amazon
// Linux 1), upstart on Ubuntu before 15.04, sysvinit on Debian before 8
// and Fedora before 15, systemd otherwise.
func ForPlatform(spec string) (Facts, error) {
	spec = strings.TrimSpace(spec)
	i := strings.LastIndex(spec, "-")
	if i <= 0 || !numericVersion.MatchString(spec[i+1:]) {
		return Facts{}, fmt.Errorf("platform %q is not of the form <platform>-<version>, such as ubuntu-22.04 or centos-7.1.1503", spec)
	}
	platform, version := platformName(spec[:i]), spec[i+1:]
	family, ok := platformFamilies[platform]
	if !ok {
		known := make([]string, 0, len(platformFamilies))
		for p := range platformFamilies {
			known = append(known, p)
		}
		slices.Sort(known)
		return Facts{}, fmt.Errorf("platform %q in %q is not one converge knows; use one of %s", spec[:i], spec, strings.Join(known, ", "))
	}
	host := "check-" + platform
	return Facts{
		Hostname:        host,
		FQDN:            host,
		IPAddress:       checkIPAddress,
		Platform:        platform,
		PlatformVersion: version,
		PlatformFamily:  family,
		Init:            initFor(platform, family, version),
		Kernel:          kernelFor(platform, family, version),
		Machine:         "x86_64",
		CPUCount:        checkCPUCount,
		MemoryMB:        checkMemoryMB,
		Interfaces:      map[string][]string{"eth0": {checkCIDR}},
	}, nil
}

func initFor(platform, family, version string) string {
	older := func(v string) bool { return CompareVersions(version, v) < 0 }
	switch {
	case platform == "amazon":
		// Amazon Linux 1 is numbered by year (2018.03), 2 and 2023 boot systemd.
		if !older("2000") && older("2023") {
			return "sysvinit"
		}
	case family == "rhel" && older("7"),
		platform == "debian" && older("8"),
		platform == "fedora" && older("15"):
		return "sysvinit"
	case platform == "ubuntu" && older("15.04"):
		return "upstart"
	}
	return "systemd"
}

func kernelFor(platform, family, version string) string {
	if k, ok := checkKernels[platform+"-"+version]; ok {
		return k
	}
	key := platform + "-" + major(version)
	if family == "rhel" && platform != "amazon" {
		key = "el-" + major(version)
	}
	return checkKernels[key]
}
