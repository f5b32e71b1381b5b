// Package behave_test checks what migrated cookbooks do: each case is a
// Chef cookbook, migrated with engine/migrate and compiled with
// engine/recipe, and the resources it yields. It is apart from package
// migrate so that the fuzz targets there do not carry the recipe compiler.
package behave_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
	cfacts "github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/migrate"
	"github.com/converge-cm/converge/engine/recipe"
)

type Report = migrate.Report

var Migrate = migrate.Migrate

func listFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

var debian12 = cfacts.Facts{Platform: "debian", PlatformFamily: "debian", PlatformVersion: "12", Init: "systemd", Hostname: "web1"}
var centos7 = cfacts.Facts{Platform: "centos", PlatformFamily: "rhel", PlatformVersion: "7.9", Init: "systemd", Hostname: "web1"}

// migrateCompile writes a Chef cookbook "cb" (files relative to it; a
// metadata.rb naming it is added unless given), migrates it and compiles
// the result for a node with facts f. It returns the resources as
// "address {fields}" strings.
func migrateCompile(t *testing.T, files map[string]string, f cfacts.Facts, runList ...string) ([]string, Report, error) {
	t.Helper()
	c, rep, err := migrateCollection(t, files, f, runList...)
	if err != nil {
		return nil, rep, err
	}
	return resourceStrings(c), rep, nil
}

// migrateCollection is migrateCompile's resource collection.
func migrateCollection(t *testing.T, files map[string]string, f cfacts.Facts, runList ...string) (*engine.Collection, Report, error) {
	t.Helper()
	src, out := t.TempDir(), t.TempDir()
	cb := filepath.Join(src, "cb")
	if _, ok := files["metadata.rb"]; !ok {
		files["metadata.rb"] = "name 'cb'\nversion '1.0.0'\n"
	}
	for p, body := range files {
		full := filepath.Join(cb, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := Migrate([]string{cb}, out)
	if err != nil {
		t.Fatal(err)
	}
	repo, err := recipe.LoadRepo([]string{filepath.Join(out, "cookbooks")})
	if err != nil {
		return nil, rep, err
	}
	if len(runList) == 0 {
		runList = []string{"cb"}
	}
	c, err := repo.Compile(recipe.Input{Name: "web1", Facts: f, RunList: runList})
	if err != nil {
		return nil, rep, fmt.Errorf("%w\n%s", err, dumpTree(t, out))
	}
	return c, rep, nil
}

// writtenFiles are the contents the file resources of c (those of
// custom resources' actions too) write to paths a node lacks.
func writtenFiles(t *testing.T, c *engine.Collection) map[string]string {
	t.Helper()
	out := map[string]string{}
	var walk func(rs []engine.Resource)
	walk = func(rs []engine.Resource) {
		for _, res := range rs {
			if cu, ok := res.(*engine.Custom); ok {
				for _, in := range cu.InnerRes {
					walk(in)
				}
				continue
			}
			p := res.Base().Name
			pr := engine.NewProbed()
			pr.SetStat(p, engine.FileState{})
			if d, err := res.Check("create", pr); err == nil && d.Content != nil {
				out[p] = string(d.Content.New)
			}
		}
	}
	walk(c.Resources)
	return out
}

func resourceStrings(c *engine.Collection) []string {
	var got []string
	for _, r := range c.Resources {
		got = append(got, fmt.Sprintf("%s %+v", r.Base().Address(), r))
	}
	return got
}

func dumpTree(t *testing.T, root string) string {
	var b strings.Builder
	for _, f := range listFiles(t, root) {
		if strings.HasSuffix(f, ".star") {
			src, _ := os.ReadFile(filepath.Join(root, f))
			fmt.Fprintf(&b, "--- %s\n%s", f, src)
		}
	}
	return b.String()
}

// wantResources checks every want is a substring of one resource string,
// in order: "file[/etc/x.conf]" or "file[/x] ...Content:abc".
func wantResources(t *testing.T, got, want []string) {
	t.Helper()
	i := 0
	for _, w := range want {
		end := strings.Index(w, "]") + 1
		addr, detail := w[:end], strings.TrimPrefix(w[end:], " ")
		found := false
		for ; i < len(got); i++ {
			if strings.HasPrefix(got[i], addr+" ") && strings.Contains(got[i], detail) {
				found = true
				i++
				break
			}
		}
		if !found {
			t.Errorf("no resource %q (in order) among:\n  %s", w, strings.Join(got, "\n  "))
			return
		}
	}
}

// TestMigrate_AttributesBehaveAsChef: the migrated cookbook compiles and
// reads the attribute values Chef would.
func TestMigrate_AttributesBehaveAsChef(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		f     cfacts.Facts
		want  []string
	}{
		{"an attributes file reads what it set", map[string]string{
			"attributes/default.rb": "default['myapp']['dir'] = '/opt/myapp'\ndefault['myapp']['conf'] = \"#{node['myapp']['dir']}/conf\"\n",
			"recipes/default.rb":    "directory node['myapp']['conf']\n",
		}, debian12, []string{"directory[/opt/myapp/conf]"}},
		{"a later attributes file reads an earlier one", map[string]string{
			"attributes/default.rb": "default['myapp']['dir'] = '/srv/app'\n",
			"attributes/logs.rb":    "default['myapp']['log_dir'] = ::File.join(node['myapp']['dir'], 'log')\n",
			"recipes/default.rb":    "directory node['myapp']['log_dir']\n",
		}, debian12, []string{"directory[/srv/app/log]"}},
		{"override beats a later default read", map[string]string{
			"attributes/default.rb": "default['myapp']['port'] = 80\noverride['myapp']['port'] = 8080\ndefault['myapp']['url'] = \"http://localhost:#{node['myapp']['port']}\"\n",
			"recipes/default.rb":    "file '/etc/myapp.url' do\n  content node['myapp']['url']\nend\n",
		}, debian12, []string{"file[/etc/myapp.url] Content:http://localhost:8080"}},
		{"force_default beats default", map[string]string{
			"attributes/default.rb": "force_default['myapp']['user'] = 'svc'\ndefault['myapp']['user'] = 'nobody'\n",
			"recipes/default.rb":    "user node['myapp']['user']\n",
		}, debian12, []string{"user[svc]"}},
		{"a recipe sets an attribute under a platform branch", map[string]string{
			"attributes/default.rb": "default['web']['pkg'] = 'nginx'\n",
			"recipes/default.rb":    "case node['platform_family']\nwhen 'rhel'\n  node.default['web']['pkg'] = 'nginx-rhel'\nend\npackage node['web']['pkg']\n",
		}, centos7, []string{"package[nginx-rhel]"}},
		{"the same recipe on debian keeps the attributes file's value", map[string]string{
			"attributes/default.rb": "default['web']['pkg'] = 'nginx'\n",
			"recipes/default.rb":    "case node['platform_family']\nwhen 'rhel'\n  node.default['web']['pkg'] = 'nginx-rhel'\nend\npackage node['web']['pkg']\n",
		}, debian12, []string{"package[nginx]"}},
		{"a recipe's set beats every attributes file", map[string]string{
			"attributes/default.rb": "default['web']['pkg'] = 'nginx'\n",
			"attributes/server.rb":  "default['web']['pkg'] = 'nginx-light'\n",
			"recipes/default.rb":    "node.default['web']['pkg'] = 'nginx-full'\npackage node['web']['pkg']\n",
		}, debian12, []string{"package[nginx-full]"}},
		{"node.set is normal and beats default", map[string]string{
			"attributes/default.rb": "default['web']['root'] = '/var/www'\n",
			"recipes/default.rb":    "node.set['web']['root'] = '/srv/www'\ndirectory node['web']['root']\n",
		}, debian12, []string{"directory[/srv/www]"}},
		{"a tap block on an attribute level sets the keys under it", map[string]string{
			"attributes/default.rb": "default.web.tap do |w|\n  w.user = 'www'\n  w.tls.port = 8443\n  w['root'] = '/srv/www'\nend\n" +
				"default['web'].logs.tap do |l|\n  l.dir = \"#{node.web.root}/logs\"\nend\noverride.web.tap do |o|\n  o.user = 'web'\nend\n",
			"recipes/default.rb": "user node['web']['user']\ndirectory node['web']['logs']['dir']\nfile '/etc/web.port' do\n  content node['web']['tls']['port'].to_s\nend\n",
		}, debian12, []string{"user[web]", "directory[/srv/www/logs]", "file[/etc/web.port] Content:8443"}},
		{"a local bound to an attribute level sets and reads its keys", map[string]string{
			"attributes/default.rb": "w = default['web']\nw.user = 'www'\nw.tls.port = 8443\nn = node.default['web']['tls']\nn.cert = \"/etc/tls/#{w.user}.pem\"\n",
			"recipes/default.rb":    "user node['web']['user']\nfile node['web']['tls']['cert'] do\n  content node['web']['tls']['port'].to_s\nend\n",
		}, debian12, []string{"user[www]", "file[/etc/tls/www.pem] Content:8443"}},
		{"a key a tap block leaves unset is nil", map[string]string{
			"attributes/default.rb": "default.web.tap do |w|\n  w.user = 'www'\nend\n",
			"recipes/default.rb":    "user node['web']['user']\nfile '/etc/web.extra' if node['web']['extra']\nfile '/etc/web.done' do\n  content \"#{node['web']['extra']}x\"\nend\n",
		}, debian12, []string{"user[www]", "file[/etc/web.done] Content:x"}},
		{"run_state carries a value to a later recipe", map[string]string{
			"recipes/default.rb": "include_recipe 'cb::secret'\nfile '/etc/token' do\n  content node.run_state['token']\nend\n",
			"recipes/secret.rb":  "node.run_state['token'] = \"tok-#{node['hostname']}\"\n",
		}, debian12, []string{"file[/etc/token] Content:tok-web1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, rep, err := migrateCompile(t, c.files, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Todos) != 0 {
				t.Errorf("todos: %v", rep.Todos)
			}
			wantResources(t, got, c.want)
		})
	}
}

// TestMigrate_RubyIdioms: Ruby idioms of community cookbooks, each once
// left untranslated and then referenced as an undefined name, migrate
// without a TODO into Starlark that compiles to the resources Chef makes.
func TestMigrate_RubyIdioms(t *testing.T) {
	cases := []struct {
		name, recipe string
		f            cfacts.Facts
		want         []string
	}{
		{"local assignment inside a resource block",
			"template '/etc/app.conf' do\n  port = node['app']['port']\n  source 'app.conf.erb'\n  variables(port: port)\nend\n",
			debian12, []string{"template[/etc/app.conf] Variables:map[port:8080]"}},
		{"x = case ... end", "svc = case node['platform_family']\n      when 'rhel' then 'httpd'\n      when 'debian' then 'apache2'\n      end\nservice svc\n",
			centos7, []string{"service[httpd]"}},
		{"x = case without a match is nil", "pkg = case node['platform']\n      when 'arch' then 'x'\n      end\nfile '/etc/pkg' do\n  content pkg.nil? ? 'none' : pkg\nend\n",
			debian12, []string{"file[/etc/pkg] Content:none"}},
		{"x = if ... else ... end", "dir = if platform_family?('debian')\n  '/etc/apache2'\nelse\n  '/etc/httpd'\nend\ndirectory dir\n",
			debian12, []string{"directory[/etc/apache2]"}},
		{"multiple assignment", "user_name, group_name = 'app', 'staff'\ngroup group_name\nuser user_name do\n  gid group_name\nend\n",
			debian12, []string{"group[staff]", "user[app]"}},
		{"symbol-key hash and Hash.new", "opts = { owner: 'root', mode: '0600' }\nextra = Hash.new\nextra['k'] = 'v'\nfile '/etc/secret' do\n  owner opts[:owner]\n  mode opts[:mode]\n  content extra['k']\nend\n",
			debian12, []string{"file[/etc/secret] Content:v"}},
		{"map, select, reject, sort, uniq, join", "names = %w(b a c a).uniq.sort.reject { |n| n == 'c' }.select { |n| n != 'z' }\nfile '/etc/names' do\n  content names.map { |n| n.upcase }.join(',')\nend\n",
			debian12, []string{"file[/etc/names] Content:A,B"}},
		{"each_with_index and each_pair", "%w(web db).each_with_index do |r, i|\n  file \"/etc/role#{i}\" do\n    content r\n  end\nend\nnode['app']['env'].each_pair do |k, v|\n  file \"/etc/env.#{k}\" do\n    content v\n  end\nend\n",
			debian12, []string{"file[/etc/role0] Content:web", "file[/etc/role1] Content:db", "file[/etc/env.LANG] Content:C"}},
		{"kind_of?, is_a?, respond_to?", "servers = node['app']['servers']\nservers = [servers] unless servers.is_a?(Array)\nlist = servers.respond_to?(:each) ? servers : []\nfile '/etc/servers' do\n  content list.join(' ') if list.kind_of?(Array)\nend\n",
			debian12, []string{"file[/etc/servers] Content:ntp1"}},
		{"defined? on a local and on node", "x = 1\nfile '/etc/d' do\n  content 'yes' if defined?(x) && defined?(node['app'])\nend\n",
			debian12, []string{"file[/etc/d] Content:yes"}},
		{"ternary and unless ... else", "mode = node['app']['secure'] ? '0600' : '0644'\nunless node['app']['secure']\n  file '/etc/a' do\n    mode mode\n  end\nelse\n  file '/etc/b' do\n    mode mode\n  end\nend\n",
			debian12, []string{"file[/etc/b]"}},
		{"heredoc", "file '/etc/motd' do\n  content <<-EOH\nWelcome to #{node['hostname']}\nEOH\nend\n",
			debian12, []string{"file[/etc/motd] Content:Welcome to web1\n"}},
		{"format and %", "file '/etc/listen' do\n  content format('%s:%d', '0.0.0.0', node['app']['port'])\nend\nfile '/etc/pair' do\n  content '%s-%s' % [node['hostname'], 'x']\nend\n",
			debian12, []string{"file[/etc/listen] Content:0.0.0.0:8080", "file[/etc/pair] Content:web1-x"}},
		{"lazy evaluated at compile time", "file '/etc/lazy' do\n  content lazy { \"port=#{node['app']['port']}\" }\nend\n",
			debian12, []string{"file[/etc/lazy] Content:port=8080"}},
		{"Chef::Log becomes a log resource", "Chef::Log.warn(\"configuring #{node['hostname']}\")\n",
			debian12, []string{"log[configuring web1] Level:warn"}},
		{"platform? and platform_family?", "package 'apt-transport-https' if platform?('ubuntu', 'debian')\npackage 'yum-utils' if platform_family?('rhel')\n",
			centos7, []string{"package[yum-utils]"}},
		{"value_for_platform", "pkg = value_for_platform(\n  %w(centos redhat) => { '7.9' => 'ntp7', 'default' => 'ntp' },\n  'debian' => { 'default' => 'ntpsec' },\n  'default' => 'chrony'\n)\npackage pkg\n",
			centos7, []string{"package[ntp7]"}},
		{"value_for_platform with version constraints", "pkg = value_for_platform(\n  %w(centos redhat) => { '~> 6.0' => 'ntp6', '>= 7.0' => 'chrony7', 'default' => 'ntp' },\n  'default' => 'chrony'\n)\npackage pkg\n",
			centos7, []string{"package[chrony7]"}},
		{"value_for_platform falls back to default", "pkg = value_for_platform('centos' => { 'default' => 'ntp' }, 'default' => 'chrony')\npackage pkg\n",
			debian12, []string{"package[chrony]"}},
		{"value_for_platform_family", "pkg = value_for_platform_family(%w(rhel fedora) => 'httpd', 'debian' => 'apache2', 'default' => 'www')\npackage pkg\n",
			debian12, []string{"package[apache2]"}},
		{"include_recipe of the same cookbook", "include_recipe '::other'\n", debian12, []string{"file[/etc/other]"}},
		{"case as a property's value", "execute 'sync' do\n  command case node['platform_family']\n          when 'freebsd' then 'ntpd -q'\n          when 'rhel', 'debian'\n            \"ntpd -u #{node['app']['port']}\"\n          end\nend\nfile '/etc/none' do\n  content(case node['platform'] when 'arch' then 'a' end.nil? ? 'nil' : 'x')\nend\n",
			debian12, []string{"execute[sync] Command:ntpd -u 8080", "file[/etc/none] Content:nil"}},
		{"Array() of nil, a string and a list", "(Array(node['app']['servers']) + Array(nil) + Array(%w(b c))).each do |s|\n  file \"/etc/s.#{s}\"\nend\n",
			debian12, []string{"file[/etc/s.ntp1]", "file[/etc/s.b]", "file[/etc/s.c]"}},
		{"eql?", "package 'deb-only' if node['platform_family'].eql?('debian')\npackage 'rh-only' if node['platform_family'].eql?('rhel')\n",
			debian12, []string{"package[deb-only]"}},
		{"supports as a list of actions and as a list holding a hash", "service 'a' do\n  supports [:restart, :status]\nend\nservice 'b' do\n  supports [ :reload => true ]\nend\n",
			debian12, []string{"service[a] Supports:map[restart:true status:true]", "service[b] Supports:map[reload:true]"}},
		{"a local assigned in one branch only is nil after it", "extra = node['app']['port'] if node['app']['secure'] == false\nextra ||= 'none'\nfile '/etc/extra' do\n  content extra.to_s\nend\n",
			debian12, []string{"file[/etc/extra] Content:none"}},
		{"a template's default source is its path's basename, computed", "conf = node['app']['servers'] == 'ntp1' ? '/etc/app.conf' : '/etc/other.conf'\ntemplate conf do\n  variables(port: 1)\nend\n",
			debian12, []string{"template[/etc/app.conf] Source:app.conf.tmpl"}},
		{"path and package_name rename the resource and its notifications", "template 'app config' do\n  path '/etc/app.conf'\n  source 'app.conf.erb'\n  variables(port: 2)\nend\npackage 'Remove old' do\n  package_name 'oldpkg'\n  action :remove\nend\nexecute 'reload' do\n  command 'true'\n  notifies :create, 'template[app config]', :immediately\nend\n",
			debian12, []string{"template[/etc/app.conf]", "package[oldpkg]", "execute[reload] Command:true"}},
		{"return at the end of a top-level if leaves the recipe", "if platform_family?('rhel')\n  Chef::Log.warn('not on rhel')\n  return\nend\n\n# the rest\npackage 'on-debian'\nif node['app']['secure']\n  file '/etc/secure'\nend\n",
			debian12, []string{"package[on-debian]", "file[/etc/secure]"}},
		{"return at the end of a top-level if, the branch taken", "if platform_family?('rhel')\n  Chef::Log.warn('not on rhel')\n  return\nend\npackage 'on-debian'\n",
			centos7, []string{"log[not on rhel] Level:warn"}},
		{"a condition on an attribute the cookbook never sets is nil", "file '/etc/unmanaged' do\n  content 'x'\nend unless node['app']['managed_by_os']\nif !node['app']['other_flag'] && node['app']['port']\n  file '/etc/port'\nend\nfile '/etc/extra' if node['app']['extra']\n",
			debian12, []string{"file[/etc/unmanaged]", "file[/etc/port]"}},
		{"%s of true and nil writes Ruby's to_s", "file '/etc/fmt' do\n  content format('secure=%s port=%05d', node['app']['secure'], node['app']['port']) + ('|%s|%-3s|' % [node['app']['missing'], 'ab'])\nend\n",
			debian12, []string{"file[/etc/fmt] Content:secure=true port=08080||ab |"}},
		{"split drops empty fields at the end: an empty list declares nothing", "''.split(',').each { |p| package p }\n'ntp1,,'.split(',').each { |p| package p }\n",
			debian12, []string{"package[ntp1]"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{
				"attributes/default.rb":          "default['app']['port'] = 8080\ndefault['app']['servers'] = 'ntp1'\ndefault['app']['secure'] = true\ndefault['app']['env'] = { 'LANG' => 'C' }\n",
				"recipes/default.rb":             c.recipe,
				"recipes/other.rb":               "file '/etc/other'\n",
				"templates/default/app.conf.erb": "port=<%= @port %>\n",
			}
			got, rep, err := migrateCompile(t, files, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Todos) != 0 {
				t.Errorf("todos: %v", rep.Todos)
			}
			wantResources(t, got, c.want)
		})
	}
}

// TestMigrate_CookbookWithoutMetadata: an older knife-solo repository's
// cookbooks have no metadata.rb; each migrates under its directory name,
// with a warning, depending on the cookbooks its recipes include, and the
// result compiles.
func TestMigrate_CookbookWithoutMetadata(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	for p, body := range map[string]string{
		"site-cookbooks/base_pkgs/recipes/default.rb":     "%w(curl vim-nox).each do |p|\n  package p\nend\n",
		"site-cookbooks/nginx_site/attributes/default.rb": "default['nginx_site']['root'] = '/srv/www'\n",
		"site-cookbooks/nginx_site/recipes/default.rb":    "include_recipe 'base_pkgs'\npackage 'nginx'\ndirectory node['nginx_site']['root']\n",
		"nodes/web1.json": `{"run_list": ["recipe[nginx_site]"]}`,
	} {
		full := filepath.Join(src, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := Migrate([]string{src}, out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rep.Cookbooks, ",") != "base_pkgs,nginx_site" {
		t.Errorf("cookbooks = %v", rep.Cookbooks)
	}
	if len(rep.Warnings) != 2 || !strings.Contains(rep.Warnings[1], `migrated as cookbook "nginx_site" (its directory name)`) {
		t.Errorf("warnings = %q", rep.Warnings)
	}
	md, _ := os.ReadFile(filepath.Join(out, "MIGRATION.md"))
	if !strings.Contains(string(md), "## Warnings") || !strings.Contains(string(md), "no metadata.rb") {
		t.Errorf("MIGRATION.md lacks the warnings:\n%s", md)
	}
	meta, _ := os.ReadFile(filepath.Join(out, "cookbooks", "nginx_site", "metadata.star"))
	if !strings.Contains(string(meta), `name = "nginx_site"`) || !strings.Contains(string(meta), `"base_pkgs": ">= 0.0.0"`) {
		t.Errorf("metadata.star:\n%s", meta)
	}
	repo, err := recipe.LoadRepo([]string{filepath.Join(out, "cookbooks")})
	if err != nil {
		t.Fatal(err)
	}
	c, err := repo.Compile(recipe.Input{Name: "web1", Facts: debian12, RunList: []string{"nginx_site"}})
	if err != nil {
		t.Fatalf("%v\n%s", err, dumpTree(t, out))
	}
	wantResources(t, resourceStrings(c), []string{"package[curl]", "package[vim-nox]", "package[nginx]", "directory[/srv/www]"})
}

// TestMigrationMD_PerCookbook: MIGRATION.md says, per cookbook, how many
// resources were translated by kind, how many TODOs are left, and which
// constructs needed a hand, most frequent first.
func TestMigrationMD_PerCookbook(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	cb := filepath.Join(src, "mixed")
	os.MkdirAll(filepath.Join(cb, "recipes"), 0o755)
	os.WriteFile(filepath.Join(cb, "metadata.rb"), []byte("name 'mixed'\nversion '1.0.0'\n"), 0o644)
	os.WriteFile(filepath.Join(cb, "recipes", "default.rb"), []byte(
		"package 'a'\npackage 'b'\nservice 'a' do\n  action :start\nend\n"+
			"ruby_block 'one' do\n  block { 1 }\nend\nruby_block 'two' do\n  block { 2 }\nend\n"+
			"peers = shell_out('hostname')\n"), 0o644)
	rep, err := Migrate([]string{cb}, out)
	if err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(filepath.Join(out, "MIGRATION.md"))
	want := "## Cookbook mixed\n\n- Resources translated: 3 (package 2, service 1)\n- TODOs: 3\n- Constructs that needed a hand, most frequent first:\n  - ruby_block: 2\n  - shell_out: 1\n"
	if !strings.Contains(string(md), want) {
		t.Errorf("MIGRATION.md:\n%s\nwant it to contain:\n%s", md, want)
	}
	if len(rep.Summaries) != 1 || len(rep.Summaries[0].Todos) != 3 {
		t.Errorf("summaries = %+v", rep.Summaries)
	}
}

// TestMigrate_ComputedTemplateSource: a custom resource whose template
// source is a property renders the template the property names (Chef's
// file name, x.erb, is migrated as x.tmpl), with the variables it passes.
func TestMigrate_ComputedTemplateSource(t *testing.T) {
	files := map[string]string{
		"resources/conf.rb": "property :path, String, name_property: true\nproperty :template_name, String, default: 'main.conf.erb'\n" +
			"property :port, Integer, default: 80\n" +
			"action :create do\n  template new_resource.path do\n    source new_resource.template_name\n    cookbook 'cb'\n    variables(port: new_resource.port)\n  end\nend\n",
		"templates/default/main.conf.erb": "main port=<%= @port %>\n",
		"templates/default/alt.conf.erb":  "alt port=<%= @port %> extra=<%= @extra %>\n",
		"recipes/default.rb":              "cb_conf '/etc/main.conf'\ncb_conf '/etc/alt.conf' do\n  template_name 'alt.conf.erb'\n  port 8080\nend\n",
	}
	c, rep, err := migrateCollection(t, files, debian12)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Todos) != 0 {
		t.Errorf("todos: %v", rep.Todos)
	}
	got := writtenFiles(t, c)
	// alt.conf.erb's @extra no resource passes: nil, written as ""
	want := map[string]string{"/etc/main.conf": "main port=80\n", "/etc/alt.conf": "alt port=8080 extra=\n"}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("%s: writes %q, want %q (all: %q)", p, got[p], w, got)
		}
	}
}
