package migrate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cfacts "github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/recipe"
	"github.com/converge-cm/converge/resources"
)

// TestKnownAttrs_LiteralKinds: an attribute assignment records the kind
// of its value when that is a string, integer or string-list literal, and
// anything else as other.
func TestKnownAttrs_LiteralKinds(t *testing.T) {
	for _, c := range []struct {
		line string
		want litKind
	}{
		{"default['w']['user'] = 'www'", litStr},
		{`default['w']['path'] = "/srv/#{node['w']['user']}"`, litStr},
		{"default['w']['svc'] = :apache2", litStr},
		{"default['w']['name'] ||= 'site' # the site", litStr},
		{"default['w']['port'] = 8080", litInt},
		{"default['w']['mode'] = 0644", litInt},
		{"default['w']['port'] = 443 if node['w']['tls']", litInt},
		{"default['w']['mods'] = %w(ssl rewrite)", litStrList},
		{"default['w']['mods'] = ['ssl', \"rewrite\"]", litStrList},
		{"default['w']['workers'] = node['cpu']['total'] > 4 ? 8 : 2", litInt},
		{"default['w']['flavour'] = platform?('ubuntu') ? 'deb' : 'rpm'", litStr},
		{"default['w']['tls'] = true", litOther},
		{"default['w']['key'] = nil", litOther},
		{"default['w']['ratio'] = 1.5", litOther},
		{"default['w']['opts'] = { 'a' => 1 }", litOther},
		{"default['w']['dir'] = node['w']['root'] + '/htdocs'", litOther},
		{"default['w']['list'] = [1, 'a']", litOther},
		{"default['w']['mods'] << 'ssl'", litOther},
	} {
		k := knownAttrs{}
		k.scanAttrs(c.line+"\n", true)
		var got litKind
		for _, a := range k {
			got |= a.lits
		}
		if got != c.want {
			t.Errorf("%s: kind %b, want %b", c.line, got, c.want)
		}
	}
}

// TestTranslateRecipe_RubyToS: "#{x}" and x.to_s stay "%s" % x and str(x)
// where x is known to be a string or an integer, and are rb_to_s(x)
// (Ruby's to_s: true, "" for nil, {"a"=>1}) where it is a boolean, a
// hash, or what the migration cannot tell.
func TestTranslateRecipe_RubyToS(t *testing.T) {
	attrs := `default['web']['user'] = 'www'
default['web']['port'] = 8080
default['web']['tls'] = true
default['web']['ratio'] = 0.5
default['web']['mods'] = %w(ssl rewrite)
default['web']['opts'] = { 'keepalive' => 'on' }
default['web']['conf'] = { 'level' => 'warn' }
default['web']['docroot'] = node['web']['base'] + '/htdocs'
default['web']['workers'] = node['cpu']['total'] > 4 ? 8 : 2
default['web']['mixed'] = 'auto'
if platform?('centos')
  default['web']['mixed'] = false
end
`
	for _, c := range []struct{ name, rb, want string }{
		{"a string attribute", `execute "chown #{node['web']['user']} /srv"`, `execute("chown %s /srv" % node["web"]["user"])`},
		{"an integer attribute", `execute "serve --port=#{node['web']['port']}"`, `execute("serve --port=%s" % node["web"]["port"])`},
		{"a boolean attribute", "file '/etc/web.conf' do\n  content \"tls = #{node['web']['tls']}\\n\"\nend",
			`content="tls = %s\n" % rb_to_s(node["web"]["tls"])`},
		{"a float attribute", `log "ratio #{node['web']['ratio']}"`, `log("ratio %s" % rb_to_s(node["web"]["ratio"]))`},
		{"a hash attribute", `log "opts #{node['web']['opts']}"`, `log("opts %s" % rb_to_s(node["web"]["opts"]))`},
		{"a key of a hash set whole", `log "level #{node['web']['conf']['level']}"`, `rb_to_s(node["web"]["conf"]["level"])`},
		{"an attribute set to an expression", `directory "#{node['web']['docroot']}/cgi"`, `directory("%s/cgi" % rb_to_s(node["web"]["docroot"]))`},
		{"an attribute of both branches' integers", `log "workers #{node['web']['workers']}"`, `log("workers %s" % node["web"]["workers"])`},
		{"an attribute set to a string or a boolean", `log "mode #{node['web']['mixed']}"`, `rb_to_s(node["web"]["mixed"])`},
		{"an attribute nothing sets", `log "extra #{node['web']['extra']}"`, `log("extra %s" % rb_to_s(node["web"].get("extra")))`},
		{"a list of strings attribute", `log "mods #{node['web']['mods']}"`, `log("mods %s" % node["web"]["mods"])`},
		{"an element of a list of strings", "node['web']['mods'].each do |m|\n  execute \"a2enmod #{m}\"\nend", `execute("a2enmod %s" % m)`},
		{"an element of a sorted local list", "mods = node['web']['mods'].sort\nmods.each do |m|\n  execute \"a2enmod #{m}\"\nend", `execute("a2enmod %s" % m)`},
		{"a literal list's element", "%w(a b).each do |d|\n  directory \"/srv/#{d}\"\nend", `directory("/srv/%s" % d)`},
		{"a local holding the namespace", "web = node['web']\nexecute \"chown #{web['user']} /srv #{web['tls']}\"", `execute("chown %s /srv %s" % (web["user"], rb_to_s(web["tls"])))`},
		{"a local holding a string attribute", "u = node['web']['user']\nexecute \"id #{u}\"", `execute("id %s" % u)`},
		{"an integer local", "n = 3\nlog \"n=#{n}\"", `log("n=%s" % n)`},
		{"a boolean local", "on = true\nlog \"on=#{on}\"", `log("on=%s" % rb_to_s(on))`},
		{"a local of unknown type", "x = node['web']['opts']['keepalive']\nlog \"x=#{x}\"", `log("x=%s" % rb_to_s(x))`},
		{"literals", `log "#{nil}|#{true}|#{false}|#{:sym}|#{7}"`, `log("|true|false|sym|%s" % 7)`},
		{"string methods", `log "#{node['web']['opts'].keys.join(',')} #{node['web']['opts'].length}"`, `% (",".join(`},
		{"Ohai's strings and integers", `log "#{node['kernel']['machine']} #{node['cpu']['total']} #{node['lsb']['codename']}"`,
			`"%s %s %s" % (node["kernel"]["machine"], node["cpu"]["total"], node["lsb"]["codename"])`},
		{"to_s of a boolean", `log node['web']['tls'].to_s`, `log(rb_to_s(node["web"]["tls"]))`},
		{"to_s of an integer", `log node['web']['port'].to_s`, `log(str(node["web"]["port"]))`},
		{"to_s of a string", `log node['web']['user'].to_s`, `log(str(node["web"]["user"]))`},
		{"a method of the recipe ending with strings", "def flavour\n  platform?('ubuntu') ? 'deb' : 'rpm'\nend\nlog \"pkg.#{flavour}\"", `log("pkg.%s" % flavour())`},
		{"a method of the recipe ending with a boolean", "def tls\n  node['web']['tls']\nend\nlog \"tls #{tls}\"", `log("tls %s" % rb_to_s(tls()))`},
		{"locals of value_for_platform_family's lists", "svc, dir = value_for_platform_family('debian' => ['apache2', '/etc/apache2'], 'rhel' => ['httpd', node['web']['tls']])\nlog \"#{svc} #{dir}\"",
			`log("%s %s" % (svc, rb_to_s(dir)))`},
		{"locals of a list", "a, b = 'x', true\nlog \"#{a} #{b}\"", `log("%s %s" % (a, rb_to_s(b)))`},
		{"the whole string", "file '/etc/tls' do\n  content \"#{node['web']['tls']}\"\nend", `content=rb_to_s(node["web"]["tls"])`},
	} {
		t.Run(c.name, func(t *testing.T) {
			k := knownAttrs{}
			k.scanAttrs(attrs, true)
			lib, _ := readLibraries(nil)
			lib.attrs = k
			tr := translateFileWith("web/recipes/default.rb", kindRecipe, "web", "default", c.rb+"\n", lib)
			if len(tr.todos) > 0 {
				t.Errorf("todos %v", tr.todos)
			}
			if !strings.Contains(tr.star, c.want) {
				t.Errorf("ruby:\n%s\ngot:\n%s\nwant it to contain:\n%s", c.rb, tr.star, c.want)
			}
		})
	}
}

// TestKnownAttrs_RepoJSONKinds: a node, role or environment JSON file
// that sets an attribute to another kind than the cookbook's literal
// makes it unknown.
func TestKnownAttrs_RepoJSONKinds(t *testing.T) {
	k := knownAttrs{}
	k.scanAttrs("default['web']['user'] = 'www'\ndefault['web']['port'] = 80\ndefault['web']['name'] = 'x'\n", true)
	k.markJSON(nil, map[string]any{"web": map[string]any{"user": true, "port": json.Number("8080"), "name": map[string]any{"a": "b"}, "env": "prod", "tls": true}})
	k.scanAttrs("default['web']['root'] = '/srv'\ndefault['web']['gzip'] = 'on'\ndefault['web']['workers'] = 2\n", true)
	repo := t.TempDir()
	writeTree(t, repo, map[string]string{
		"environments/prod.json": `{"name": "prod", "default_attributes": {"web": {"gzip": false, "root": "/data", "new": true, "workers": 4.0}}}`,
	})
	k.scanEnvironmentKinds(repo)
	for _, c := range []struct {
		path string
		want litKind
	}{
		{"web.user", 0}, {"web.port", litInt}, {"web.name", 0}, {"web.env", litStr}, {"web.tls", 0},
		{"web.root", litStr}, {"web.gzip", 0}, {"web.new", 0}, {"web.workers", 0},
	} {
		if got := k.kindOf(strings.Split(c.path, ".")); got != c.want {
			t.Errorf("%s: kind %b, want %b", c.path, got, c.want)
		}
	}
}

// TestMigrate_RubyToSCompiles: a migrated recipe writes a boolean
// attribute into a file as Chef does ("true", not "True"), nil as "" and a
// hash as Ruby's inspect, while a string and an integer attribute keep
// "%s" % x.
func TestMigrate_RubyToSCompiles(t *testing.T) {
	repo := t.TempDir()
	writeTree(t, repo, map[string]string{
		"cookbooks/app/metadata.rb": "name 'app'\nversion '1.0.0'\n",
		"cookbooks/app/attributes/default.rb": `default['app']['enabled'] = true
default['app']['debug'] = false
default['app']['name'] = 'shop'
default['app']['port'] = 8080
default['app']['limits'] = { 'cpu' => 2, 'swap' => nil }
if platform?('solaris2')
  default['app']['extra'] = '--zones'
end
`,
		"cookbooks/app/recipes/default.rb": `file '/etc/app.conf' do
  content "enabled = #{node['app']['enabled']}\ndebug = #{node['app']['debug'].to_s}\nname = #{node['app']['name']}\nport = #{node['app']['port']}\nlimits = #{node['app']['limits']}\n"
end
execute "app-ctl --extra=#{node['app']['extra']} --on=#{node['app']['enabled']}"
app_flag 'a' do
  on true
end
`,
		"cookbooks/app/resources/flag.rb": `property :on, [true, false], default: false
property :label, String, default: 'x'
property :count, Integer, default: 1
action :write do
  file "/etc/flag-#{new_resource.name}" do
    content "on=#{new_resource.on} label=#{new_resource.label} count=#{new_resource.count}\n"
  end
end
`,
	})
	out := t.TempDir()
	if _, err := Migrate([]string{repo}, out); err != nil {
		t.Fatal(err)
	}
	checkOutput(t, out)
	rec, _ := os.ReadFile(filepath.Join(out, "cookbooks", "app", "recipes", "default.star"))
	for _, want := range []string{`rb_to_s(node["app"]["enabled"])`, `node["app"]["name"], node["app"]["port"]`} {
		if !strings.Contains(string(rec), want) {
			t.Errorf("the recipe lacks %s:\n%s", want, rec)
		}
	}
	kind, _ := os.ReadFile(filepath.Join(out, "cookbooks", "app", "resources", "flag.star"))
	if want := `"on=%s label=%s count=%s\n" % (rb_to_s(r.on), r.label, r.count)`; !strings.Contains(string(kind), want) {
		t.Errorf("the kind lacks %s:\n%s", want, kind)
	}
	crepo, err := recipe.LoadRepo([]string{filepath.Join(out, "cookbooks")})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := cfacts.ForPlatform("ubuntu-22.04")
	c, err := crepo.Compile(recipe.Input{Name: f.Hostname, Facts: f, Normal: map[string]any{}, RunList: []string{"app"},
		Cluster: []recipe.ClusterMember{{Name: f.Hostname, Facts: f}}})
	if err != nil {
		t.Fatalf("%v\n%s", err, rec)
	}
	file, ok := c.Find("file[/etc/app.conf]")
	if !ok {
		t.Fatalf("no file[/etc/app.conf]:\n%s", rec)
	}
	// what Chef writes, by Ruby 3.1
	want := "enabled = true\ndebug = false\nname = shop\nport = 8080\nlimits = {\"cpu\"=>2, \"swap\"=>nil}\n"
	if got := file.(*resources.File).Content; got != want {
		t.Errorf("content %q, want %q\n%s", got, want, rec)
	}
	if _, ok := c.Find("execute[app-ctl --extra= --on=true]"); !ok {
		t.Errorf("no execute[app-ctl --extra= --on=true]:\n%s", rec)
	}
}

// TestERB_PrintsRubyValuesAsErubis: <%= %> of true, false, nil, a hash, a
// list, a float and a symbol, alone, interpolated or through to_s,
// inspect and join, renders what Erubis renders.
func TestERB_PrintsRubyValuesAsErubis(t *testing.T) {
	rb := needErubis(t)
	data := `{"vars": {"on": true, "off": false, "none": null, "h": {"a": 1, "b": null, "c": [true]}, "l": [1, "a", null, true, 2.5],
  "f": 1.5, "big": 1e20, "whole": 3.0, "s": "x"},
 "node": {"app": {"enabled": true, "conf": {"k": "v", "n": false}, "unset": null}}}`
	for _, c := range []struct{ name, tmpl string }{
		{"booleans and nil", "on=<%= @on %> off=<%= @off %> none=<%= @none %>.\n"},
		{"a hash and a list", "h=<%= @h %>\nl=<%= @l %>\n"},
		{"floats", "f=<%= @f %> big=<%= @big %> whole=<%= @whole %>\n"},
		{"interpolated", "<%= \"#{@on}|#{@off}|#{@none}|#{@h}|#{@l}|#{@big}\" %>\n"},
		{"to_s and inspect", "<%= @off.to_s %> <%= @none.to_s %> <%= @h.to_s %> <%= @none.inspect %> <%= @l.inspect %> <%= @s.inspect %>\n"},
		{"join", "<%= @l.join(',') %>\n"},
		{"node attributes", "<%= node['app']['enabled'] %> <%= node['app']['conf'] %> <%= node['app']['unset'] %>.\n"},
		{"literals", "<%= true %> <%= false %> <%= nil %>. <%= :sym %> <%= 1.0 %>\n"},
		{"conditional output", "<%= @on ? @off : 1 %> <%= @none || @off %>\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			tmplPath, dataPath := filepath.Join(dir, "t.erb"), filepath.Join(dir, "t.json")
			if err := os.WriteFile(tmplPath, []byte(c.tmpl), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dataPath, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
			tmpl, _, err := translateERB(c.tmpl, nil, nil)
			if err != nil {
				t.Fatalf("translate: %v", err)
			}
			got, err := renderData(t, tmplPath, tmpl, dataPath)
			if err != nil {
				t.Fatalf("render: %v\ntranslated:\n%s", err, tmpl)
			}
			if want := renderWithRuby(t, rb, tmplPath, dataPath); string(got) != want {
				t.Errorf("converge and Erubis differ\n--- erubis\n%s\n--- converge\n%s\n--- translated\n%s", want, got, tmpl)
			}
		})
	}
}
