package resources_test

import (
	"testing"

	"github.com/converge-cm/converge/engine"
)

const aptGet = "DEBIAN_FRONTEND=noninteractive apt-get -q -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold"

// dpkg answers the apt probe: tagged dpkg-query lines, its exit status
// and, when given, apt-cache policy blocks.
func dpkg(lines, policy string) []engine.ShellResult {
	out := lines + "exit\tdpkg-query\t1\n"
	if policy != "" {
		out += policy + "exit\tapt-cache\t0\n"
	}
	return []engine.ShellResult{{Stdout: out}}
}

func TestPackage_Table(t *testing.T) {
	nginx := "dpkg\tnginx\tamd64\tinstall ok installed\t1.22.1-9\n"
	runKindCases(t, []kindCase{
		{name: "install the missing ones in one call", src: `package(["nginx", "curl", "jq"])`, shell: dpkg(nginx, ""),
			changes:  []string{"install package curl", "install package jq"},
			commands: []string{aptGet + " install -- curl jq"}},
		{name: "installed", src: `package("nginx")`, shell: dpkg(nginx, "")},
		{name: "config-files is not installed", src: `package("nginx", options="--no-install-recommends")`, shell: dpkg("dpkg\tnginx\tamd64\tdeinstall ok config-files\t1.22.1-9\n", ""),
			changes: []string{"install package nginx"}, commands: []string{aptGet + " install --no-install-recommends -- nginx"}},
		{name: "pinned version", src: `package("nginx", version="1.22.1-10")`, shell: dpkg(nginx, ""),
			changes: []string{"install version 1.22.1-10 of package nginx (installed: 1.22.1-9)"}, commands: []string{aptGet + " install -- 'nginx=1.22.1-10'"}},
		{name: "upgrade: installed ones upgraded, missing ones installed", src: `package(["nginx", "jq"], action="upgrade")`,
			shell:    dpkg(nginx, "nginx:\n  Installed: 1.22.1-9\n  Candidate: 1.22.1-10\njq:\n  Installed: (none)\n  Candidate: 1.6-2\n"),
			changes:  []string{"upgrade package nginx from 1.22.1-9 to 1.22.1-10", "upgrade package jq from (none) to 1.6-2"},
			commands: []string{aptGet + " install -- jq && " + aptGet + " install --only-upgrade -- nginx"}},
		{name: "remove", src: `package(["nginx", "jq"], action="remove")`, shell: dpkg(nginx, ""),
			changes: []string{"remove package nginx 1.22.1-9"}, commands: []string{aptGet + " remove -- nginx"}},
		{name: "purge", src: `package("nginx", action="purge")`, shell: dpkg(nginx, ""),
			changes: []string{"purge package nginx 1.22.1-9"}, commands: []string{aptGet + " purge -- nginx"}},
		{name: "hostile names are quoted", src: `package(["a b", "$(id)", "x'y"])`, shell: dpkg("", ""),
			changes:  []string{"install package a b", "install package $(id)", "install package x'y"},
			commands: []string{aptGet + " install -- 'a b' '$(id)' 'x'\\''y'"}},
		{name: "from a package file", src: `package("tool", source="/var/cache/tool_1.0_amd64.deb")`, shell: dpkg(nginx, ""),
			changes: []string{"install package tool from /var/cache/tool_1.0_amd64.deb"}, commands: []string{aptGet + " install -- /var/cache/tool_1.0_amd64.deb"}},
		{name: "from a package file, installed", src: `package("nginx", source="/var/cache/nginx.deb")`, shell: dpkg(nginx, "")},
		{name: "from a package file with yum", src: `package("tool", source="/tmp/tool.rpm")`, facts: centos7(),
			shell:    []engine.ShellResult{{Stdout: "exit\trpm\t1\n"}},
			changes:  []string{"install package tool from /tmp/tool.rpm"},
			commands: []string{"yum -d0 -e0 -y install -- /tmp/tool.rpm"}},
		{name: "yum on centos", src: `package(["httpd", "mod_ssl"])`, facts: centos7(),
			shell:    []engine.ShellResult{{Stdout: "rpm\thttpd\t(none)\t2.4.6-97.el7\tx86_64\nexit\trpm\t1\n"}},
			changes:  []string{"install package mod_ssl"},
			commands: []string{"yum -d0 -e0 -y install -- mod_ssl"}},
	})
}

func TestPackage_Probe(t *testing.T) {
	r := compileOne(t, `package(["a b", "$(id)"])`, debian12())
	want := `dpkg-query -W -f='dpkg\t${Package}\t${Architecture}\t${Status}\t${Version}\n' -- 'a b' '$(id)' 2>/dev/null; printf 'exit\t%s\t%s\n' dpkg-query "$?"`
	if got := r.Probes()[0].Arg; got != want {
		t.Errorf("probe:\n%s\nwant:\n%s", got, want)
	}
}

func TestPackage_BadInput(t *testing.T) {
	runBadInputs(t, []badInput{
		{"leading dash", "\npackage(\"--allow-unauthenticated\")\n", 2, `package name "--allow-unauthenticated" is not valid`},
		{"empty", "package([\"nginx\", \"\"])\n", 1, `package name "" is not valid`},
		{"version for two", "package([\"a\", \"b\"], version=\"1\")\n", 1, `version can only be set for a single package, not 2`},
		{"provider", "package(\"a\", provider=\"pacman\")\n", 1, `set provider= to one of apt, yum, dnf`},
		{"relative source", "package(\"a\", source=\"a.deb\")\n", 1, `source "a.deb" is not an absolute path`},
		{"source for two", "package([\"a\", \"b\"], source=\"/a.deb\")\n", 1, `source can only be set for a single package, not 2`},
		{"source and version", "package(\"a\", source=\"/a.deb\", version=\"1\")\n", 1, `version and source are both set`},
		{"source and upgrade", "package(\"a\", source=\"/a.deb\", action=\"upgrade\")\n", 1, `action upgrade with a source file is not supported`},
	})
}
