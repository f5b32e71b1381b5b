package facts

import (
	"regexp"
	"strings"
)

// platformFact reads the files that name the distribution. os-release is
// on every supported platform but CentOS/RHEL 6, which has only
// /etc/redhat-release; the other two files also carry the point release
// that Chef reports and os-release leaves out. /etc/lsb-release (Ubuntu)
// is what lsb_release reads first, for Ohai's lsb.
var platformFact = fact{
	script: `s os-release; if [ -r /etc/os-release ]; then c /etc/os-release; else c /usr/lib/os-release; fi
s redhat-release; c /etc/redhat-release
s debian_version; c /etc/debian_version
s lsb-release; c /etc/lsb-release
`,
	sections: [][]string{{"os-release"}, {"redhat-release"}, {"debian_version"}, {"lsb-release"}},
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
	f.LSB = lsbOf(out["lsb-release"], osr, rhText, f)
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

// redhatCodename matches the codename in /etc/redhat-release text:
// "Core" of "CentOS Linux release 7.1.1503 (Core)".
var redhatCodename = regexp.MustCompile(`\(([^)]*)\)`)

// versionCodename matches the codename in an os-release VERSION such as
// "8 (jessie)" (Debian 8 has no VERSION_CODENAME).
var versionCodename = regexp.MustCompile(`\(([a-z]+)\)`)

// lsbOf gives what `lsb_release -a` would say, without running it (it is
// a Python script on Debian): /etc/lsb-release where it exists (Ubuntu),
// else on the rhel and fedora families /etc/redhat-release read as
// redhat-lsb does (the words before "release" without "Linux" and
// spaces: "CentOS", "RedHatEnterpriseServer"; the version; the codename
// in parentheses without spaces), else os-release: the first word of
// NAME ("Debian", "Alpine"), VERSION_ID and VERSION_CODENAME.
func lsbOf(lsbRelease []string, osr map[string]string, rhText string, f *Facts) LSB {
	var l LSB
	if m := parseOSRelease(lsbRelease); m["DISTRIB_ID"] != "" {
		return LSB{ID: m["DISTRIB_ID"], Description: m["DISTRIB_DESCRIPTION"], Release: m["DISTRIB_RELEASE"], Codename: m["DISTRIB_CODENAME"]}
	}
	if rh, _, ok := strings.Cut(rhText, " release "); ok && (f.PlatformFamily == "rhel" || f.PlatformFamily == "fedora") {
		l.ID = strings.ReplaceAll(strings.ReplaceAll(rh, "Linux", ""), " ", "")
		l.Description = strings.TrimSpace(rhText)
		if m := redhatRelease.FindStringSubmatch(rhText); m != nil {
			l.Release = m[1]
		}
		if m := redhatCodename.FindStringSubmatch(rhText); m != nil {
			l.Codename = strings.ReplaceAll(m[1], " ", "")
		}
		return l
	}
	if name := strings.Fields(osr["NAME"]); len(name) > 0 {
		l.ID = name[0]
	}
	l.Description = osr["PRETTY_NAME"]
	l.Release = osr["VERSION_ID"]
	l.Codename = osr["VERSION_CODENAME"]
	if l.Codename == "" {
		l.Codename = osr["UBUNTU_CODENAME"]
	}
	if m := versionCodename.FindStringSubmatch(osr["VERSION"]); l.Codename == "" && m != nil {
		l.Codename = m[1]
	}
	if l.ID == "" && f.Platform == "debian" {
		l.ID, l.Release = "Debian", f.PlatformVersion // Debian 6 and older: no os-release
	}
	return l
}
