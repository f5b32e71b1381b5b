package facts

import (
	"regexp"
	"strings"
)

// platformFact reads the files that name the distribution. os-release is
// on every supported platform but CentOS/RHEL 6, which has only
// /etc/redhat-release; the other two files also carry the point release
// that Chef reports and os-release leaves out.
var platformFact = fact{
	script: `s os-release; if [ -r /etc/os-release ]; then c /etc/os-release; else c /usr/lib/os-release; fi
s redhat-release; c /etc/redhat-release
s debian_version; c /etc/debian_version
`,
	sections: [][]string{{"os-release"}, {"redhat-release"}, {"debian_version"}},
	parse:    parsePlatform,
}

// platformIDs maps os-release IDs to Chef's platform names; an ID not
// listed is its own name.
var platformIDs = map[string]string{
	"rhel":          "redhat",
	"amzn":          "amazon",
	"ol":            "oracle",
	"sles":          "suse",
	"sles_sap":      "suse",
	"opensuse-leap": "opensuseleap",
	"archarm":       "arch",
	"xenenterprise": "xenserver",
}

// platformFamilies maps platform names to their family. Unlike Chef 15 and
// later, which gives Amazon Linux a family of its own, amazon is rhel here.
var platformFamilies = map[string]string{
	"debian": "debian", "ubuntu": "debian", "linuxmint": "debian", "raspbian": "debian",
	"centos": "rhel", "redhat": "rhel", "rocky": "rhel", "almalinux": "rhel", "oracle": "rhel",
	"amazon": "rhel", "scientific": "rhel", "cloudlinux": "rhel", "xenserver": "rhel",
	"fedora": "fedora", "suse": "suse", "opensuseleap": "suse", "opensuse": "suse", "opensuse-tumbleweed": "suse",
	"arch": "arch", "alpine": "alpine", "gentoo": "gentoo",
}

func platformName(id string) string {
	id = strings.ToLower(strings.TrimSpace(id))
	if p, ok := platformIDs[id]; ok {
		return p
	}
	return id
}

// familyOf returns the family of a platform. For a platform it does not
// know it tries the os-release ID_LIKE words in order ("rhel centos
// fedora"), then falls back to the platform itself, as Chef does for
// gentoo or arch.
func familyOf(platform string, idLike []string) string {
	if fam, ok := platformFamilies[platform]; ok {
		return fam
	}
	for _, like := range idLike {
		if fam, ok := platformFamilies[platformName(like)]; ok {
			return fam
		}
	}
	return platform
}

// redhatRelease matches the version in /etc/redhat-release text such as
// "CentOS Linux release 7.1.1503 (Core)".
var redhatRelease = regexp.MustCompile(`(?i)\brelease\s+(\d+(?:\.\d+)*)`)

// redhatPlatforms names the platform in /etc/redhat-release text, first
// match wins, for nodes without os-release (CentOS and RHEL 6).
var redhatPlatforms = []struct{ text, platform string }{
	{"centos", "centos"},
	{"red hat enterprise", "redhat"},
	{"scientific", "scientific"},
	{"oracle", "oracle"},
	{"rocky", "rocky"},
	{"almalinux", "almalinux"},
	{"cloudlinux", "cloudlinux"},
	{"fedora", "fedora"},
}

var numericVersion = regexp.MustCompile(`^\d+(\.\d+)*$`)

// parsePlatform fills Platform, PlatformVersion and PlatformFamily the way
// Chef does: the name from os-release ID (or the redhat-release text), the
// version from os-release VERSION_ID except where a release file is more
// precise: Debian's /etc/debian_version ("12.5") and the rhel and fedora
// families' /etc/redhat-release ("7.1.1503"), taken only when its major
// version agrees with VERSION_ID.
func parsePlatform(out sections, f *Facts) {
	osr := parseOSRelease(out["os-release"])
	rhText := out.first("redhat-release")
	var rhVersion string
	if m := redhatRelease.FindStringSubmatch(rhText); m != nil {
		rhVersion = m[1]
	}
	debVersion := out.first("debian_version")
	if !numericVersion.MatchString(debVersion) {
		debVersion = ""
	}

	f.Platform = platformName(osr["ID"])
	f.PlatformVersion = osr["VERSION_ID"]
	if f.Platform == "" && rhText != "" {
		lower := strings.ToLower(rhText)
		for _, p := range redhatPlatforms {
			if strings.Contains(lower, p.text) {
				f.Platform = p.platform
				break
			}
		}
	}
	if f.Platform == "" && debVersion != "" && rhText == "" {
		f.Platform = "debian" // Debian 6 and older: no os-release
	}
	f.PlatformFamily = familyOf(f.Platform, strings.Fields(osr["ID_LIKE"]))

	switch {
	case f.Platform == "debian" && debVersion != "":
		f.PlatformVersion = debVersion
	case (f.PlatformFamily == "rhel" || f.PlatformFamily == "fedora") && rhVersion != "":
		if f.PlatformVersion == "" || major(f.PlatformVersion) == major(rhVersion) {
			f.PlatformVersion = rhVersion
		}
	}
}

func major(v string) string {
	m, _, _ := strings.Cut(v, ".")
	return m
}

// parseOSRelease reads os-release(5) assignments: KEY=value, with the
// value optionally in single or double quotes, where in double quotes a
// backslash escapes the next character. Other lines are skipped.
func parseOSRelease(lines []string) map[string]string {
	m := map[string]string{}
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" || l[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			continue
		}
		m[k] = unquoteOSRelease(v)
	}
	return m
}

func unquoteOSRelease(v string) string {
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		return v[1 : len(v)-1]
	}
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
		var b strings.Builder
		for i := 0; i < len(v); i++ {
			if v[i] == '\\' && i+1 < len(v) {
				i++
			}
			b.WriteByte(v[i])
		}
		return b.String()
	}
	return v
}
