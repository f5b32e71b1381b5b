package migrate

import (
	"regexp"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
)

// Migrate's kinds and properties are the registry's: every registered kind
// and every Chef name a kind declares translates to that kind, and every
// registered property is kept rather than left as a TODO.
func TestChefResources_FromRegistry(t *testing.T) {
	for _, k := range engine.Kinds() {
		for _, n := range append([]string{k.Name}, k.ChefNames...) {
			if got, ok := chefResource(n); !ok || got != k.Name {
				t.Errorf("chefResource(%q) = %q, %v; want %q", n, got, ok, k.Name)
			}
		}
		for _, p := range k.Properties() {
			if !hasProp(k.Name, p.Name) {
				t.Errorf("hasProp(%q, %q) = false for a registered property", k.Name, p.Name)
			}
		}
	}
	if _, ok := chefResource("no_such_resource"); ok {
		t.Error("an unknown Chef resource translated")
	}
	if hasProp("file", "no_such_property") {
		t.Error("hasProp accepts an unknown property")
	}
}

// A registered property that the old hand-written table missed (file's
// verify, package's Chef alias apt_package) now translates.
func TestTranslateRecipe_RegistryProperties(t *testing.T) {
	cases := []struct{ ruby, want string }{
		{"file '/x' do\n  verify 'test -s %{path}'\nend", `file("/x", verify="test -s %{path}")`},
		{"apt_package 'ntp' do\n  action :upgrade\nend", `package("ntp", action="upgrade")`},
	}
	for _, c := range cases {
		got, todos := translateRuby("r.rb", kindRecipe, "cb", "default", c.ruby)
		if !strings.Contains(got, c.want) || len(todos) != 0 {
			t.Errorf("ruby:\n%s\ngot (%d todos):\n%s\nwant:\n%s", c.ruby, len(todos), got, c.want)
		}
	}
}

// Chef's cron, cron_d, sysctl (and sysctl_param), kernel_module, hostname
// and log translate to the converge kinds of those names, with Chef's
// property names and symbols as strings.
func TestTranslateRecipe_Issue13Kinds(t *testing.T) {
	ruby := "cron 'nightly' do\n  minute '0'\n  hour '2'\n  user 'backup'\n  command '/usr/local/bin/backup'\nend\n" +
		"cron_d 'rotate' do\n  time :daily\n  command '/srv/rotate'\nend\n" +
		"sysctl 'vm.swappiness' do\n  value 10\nend\n" +
		"sysctl_param 'net.ipv4.ip_forward' do\n  value 1\nend\n" +
		"kernel_module 'drbd' do\n  options ['minor_count=4']\nend\n" +
		"kernel_module 'pcspkr' do\n  action :blacklist\nend\n" +
		"hostname 'web1.example.com'\n" +
		"log 'disk low' do\n  level :warn\nend\n"
	want := []string{
		`cron("nightly", minute="0", hour="2", user="backup", command="/usr/local/bin/backup")`,
		`cron_d("rotate", time="daily", command="/srv/rotate")`,
		`sysctl("vm.swappiness", value=10)`,
		`sysctl("net.ipv4.ip_forward", value=1)`,
		`kernel_module("drbd", options=["minor_count=4"])`,
		`kernel_module("pcspkr", action="blacklist")`,
		`hostname("web1.example.com")`,
		`log("disk low", level="warn")`,
	}
	got, todos := translateRuby("r.rb", kindRecipe, "cb", "default", ruby)
	if len(todos) != 0 {
		t.Errorf("todos: %v\n%s", todos, got)
	}
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("output lacks %s:\n%s", w, got)
		}
	}
}

// Chef's remote_file, systemd_unit, apt_repository, apt_update,
// yum_repository, git, mount and the script resources translate to the
// converge kinds of those names; mount's pass (a Starlark keyword) becomes
// pass_.
func TestTranslateRecipe_Issue13MoreKinds(t *testing.T) {
	ruby := "remote_file '/opt/app.tgz' do\n  source 'https://example.com/app.tgz'\n  checksum 'abc'\n  mode '0644'\nend\n" +
		"systemd_unit 'app.service' do\n  content({ 'Unit' => { 'Description' => 'app' } })\n  action [:create, :enable, :start]\nend\n" +
		"apt_repository 'nginx' do\n  uri 'http://nginx.org/packages/debian'\n  components ['nginx']\n  deb_src true\nend\n" +
		"apt_update 'lists' do\n  frequency 3600\n  action :periodic\nend\n" +
		"yum_repository 'epel' do\n  baseurl 'http://mirror/epel/7/'\n  gpgcheck false\nend\n" +
		"git '/srv/app' do\n  repository 'https://git.example.com/app.git'\n  revision 'v1'\n  depth 1\nend\n" +
		"mount '/srv/data' do\n  device '/dev/sdb1'\n  fstype 'ext4'\n  pass 0\n  action [:mount, :enable]\nend\n" +
		"python 'hello' do\n  code 'print(1)'\nend\n" +
		"perl 'hello' do\n  code 'print 1'\n  cwd '/tmp'\nend\n" +
		"sh 'x' do\n  code 'true'\n  creates '/x'\nend\n"
	want := []string{
		`remote_file("/opt/app.tgz", source="https://example.com/app.tgz", checksum="abc", mode="0644")`,
		`systemd_unit("app.service", content={"Unit": {"Description": "app"}}, action=["create", "enable", "start"])`,
		`apt_repository("nginx", uri="http://nginx.org/packages/debian", components=["nginx"], deb_src=True)`,
		`apt_update("lists", frequency=3600, action="periodic")`,
		`yum_repository("epel", baseurl="http://mirror/epel/7/", gpgcheck=False)`,
		`git("/srv/app", repository="https://git.example.com/app.git", revision="v1", depth=1)`,
		`mount("/srv/data", device="/dev/sdb1", fstype="ext4", pass_=0, action=["mount", "enable"])`,
		`python("hello", code="print(1)")`,
		`perl("hello", code="print 1", cwd="/tmp")`,
		`sh("x", code="true", creates="/x")`,
	}
	got, todos := translateRuby("r.rb", kindRecipe, "cb", "default", ruby)
	if len(todos) != 0 {
		t.Errorf("todos: %v\n%s", todos, got)
	}
	// One call per line, as a short call is laid out.
	flat := regexp.MustCompile(`\(\n\s+`).ReplaceAllString(got, "(")
	flat = regexp.MustCompile(`,\n\)`).ReplaceAllString(flat, ")")
	flat = regexp.MustCompile(`,\n\s+`).ReplaceAllString(flat, ", ")
	for _, w := range want {
		if !strings.Contains(flat, w) {
			t.Errorf("output lacks %s:\n%s", w, got)
		}
	}
}
