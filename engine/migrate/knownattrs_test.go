package migrate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	cfacts "github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/recipe"
	"github.com/converge-cm/converge/resources"
)

// TestKnownAttrs_Always: only an attributes file's top-level sets, and an
// if/case whose every branch (else included) sets a path, always set it.
func TestKnownAttrs_Always(t *testing.T) {
	src := `default['ntp']['servers'] = %w(a b)
if platform?('solaris2')
  default['ntp']['pkg_source'] = 'x'
end
case node['platform_family']
when 'rhel'
  default['ntp']['service'] = 'ntpd'
  default['ntp']['rhel_only'] = 1
else
  default['ntp']['service'] = 'ntp'
end
case node['platform_family']
when 'debian'
  default['ntp']['noelse'] = 'a'
when 'rhel'
  default['ntp']['noelse'] = 'b'
end
%w(a b).each do |x|
  default['ntp']['loop'] = x
end
default['ntp']['mod'] = 1 if node['x']
default['ntp']['conf'] = {
  'a' => 1,
}
default['ntp']['after'] = 2
`
	k := knownAttrs{}
	k.scanAttrs(src, true)
	for _, tt := range []struct {
		path   string
		always bool
	}{
		{"ntp.servers", true}, {"ntp.pkg_source", false}, {"ntp.service", true},
		{"ntp.rhel_only", false}, {"ntp.noelse", false}, {"ntp.loop", false},
		{"ntp.mod", false}, {"ntp.conf.a", true}, {"ntp.after", true},
		{"ntp.never", false},
	} {
		keys := strings.Split(tt.path, ".")
		if got := k.alwaysDefines(keys); got != tt.always {
			t.Errorf("alwaysDefines(%s) = %v, want %v", tt.path, got, tt.always)
		}
	}
}

// TestTranslateRecipe_OptionalAttributeRead: a read of an attribute the
// cookbook does not always set is .get (None when unset, as Chef's nil),
// through nested levels with .get(..., {}); one always set, or Ohai's,
// stays strict; a namespace neither a cookbook nor Ohai sets is .get from
// its top.
func TestTranslateRecipe_OptionalAttributeRead(t *testing.T) {
	k := knownAttrs{}
	k.scanAttrs("default['ntp']['servers'] = []\nif platform?('solaris2')\n  default['ntp']['pkg_source'] = 'x'\nend\n", true)
	for _, tt := range []struct{ rb, want string }{
		{"package 'ntp' do\n  source node['ntp']['pkg_source']\nend\n", `source=node["ntp"].get("pkg_source")`},
		{"log node['ntp']['ntpdate']['disable'].to_s\n", `node["ntp"].get("ntpdate", {}).get("disable")`},
		{"log node['ntp']['servers'].join(',')\n", `node["ntp"]["servers"]`},
		{"log node['kernel']['machine']\n", `node["kernel"]["machine"]`},
		// Ohai sets ec2 on EC2 machines: strict, an error that names it
		{"log node['ec2']['instance_id']\n", `node["ec2"]["instance_id"]`},
		// neither a cookbook nor Ohai sets source: nil in Chef
		{"log node['source']['root'].to_s\n", `rb_to_s(node.get("source", {}).get("root"))`},
		{"log 'x' if node['source']\n", `if node.get("source"):`},
		// "#{nil}" and nil.to_s are "" in Ruby, not "None"
		{"file \"/etc/x#{node['ntp']['pkg_source']}\"\n", `"/etc/x%s" % rb_to_s(node["ntp"].get("pkg_source"))`},
		{"log node['ntp']['pkg_source'].to_s\n", `log(rb_to_s(node["ntp"].get("pkg_source")))`},
	} {
		lib, _ := readLibraries(nil)
		lib.attrs = k
		tr := translateFileWith("ntp/recipes/default.rb", kindRecipe, "ntp", "default", tt.rb, lib)
		got := tr.star
		if len(tr.todos) > 0 {
			t.Errorf("%q: todos %v", tt.rb, tr.todos)
		}
		if !strings.Contains(got, tt.want) {
			t.Errorf("%q:\ngot\n%s\nwant it to contain %s", tt.rb, got, tt.want)
		}
	}
}

// TestMigrate_DependencyAttributes: a cookbook reads what the cookbooks it
// depends on set, at any depth, as they set it (an always-set one
// strictly, even in a namespace the cookbook adds to itself); what a
// cookbook of the run it does not depend on sets may be unset (a node's
// run list may leave that cookbook out); only a name no cookbook of the
// run sets is noted.
func TestMigrate_DependencyAttributes(t *testing.T) {
	repo := t.TempDir()
	writeTree(t, repo, map[string]string{
		"cookbooks/core/metadata.rb":            "name 'core'\nversion '1.0.0'\n",
		"cookbooks/core/attributes/default.rb":  "default['core']['dir'] = '/opt/core'\n",
		"cookbooks/base/metadata.rb":            "name 'base'\nversion '1.0.0'\ndepends 'core'\n",
		"cookbooks/base/attributes/default.rb":  "default['base']['motd'] = 'welcome'\nif platform?('centos')\n  default['base']['proxy'] = 'http://proxy'\nend\n",
		"cookbooks/tools/metadata.rb":           "name 'tools'\nversion '1.0.0'\n",
		"cookbooks/tools/attributes/default.rb": "default['tools']['bin'] = '/usr/local/bin'\n",
		"cookbooks/tools/recipes/default.rb":    "log 'tools'\n",
		"cookbooks/app/metadata.rb":             "name 'app'\nversion '1.0.0'\ndepends 'base'\n",
		// the cookbook sets one attribute of base's namespace itself
		"cookbooks/app/attributes/default.rb": "default['base']['color'] = 'blue'\n",
		"cookbooks/app/recipes/default.rb": `file '/etc/motd' do
  content node['base']['motd']
end
file '/etc/core' do
  content node['core']['dir']
end
file '/etc/proxy' do
  content node['base']['proxy'].to_s
end
log "tools in #{node['tools']['bin']}"
log 'typo' if node['base']['mtod']
log 'motd' if node['base']['motd']
`,
	})
	out := t.TempDir()
	r, err := Migrate([]string{repo}, out)
	if err != nil {
		t.Fatal(err)
	}
	checkOutput(t, out)
	rec, _ := os.ReadFile(filepath.Join(out, "cookbooks", "app", "recipes", "default.star"))
	for _, want := range []string{
		`content=node["base"]["motd"]`,                      // base always sets it
		`content=node["core"]["dir"]`,                       // core, a dependency of base
		`node["base"].get("proxy")`,                         // base sets it on centos only
		`"tools in %s" % rb_to_s(node["tools"].get("bin"))`, // tools may be left out of the run
		`if node["base"].get("mtod"):`,                      // nothing sets it
		`if node["base"]["motd"]:`,
	} {
		if !strings.Contains(string(rec), want) {
			t.Errorf("app's recipe lacks %s:\n%s", want, rec)
		}
	}
	notes := strings.Join(r.Notes, "\n")
	if !strings.Contains(notes, "node['base']['mtod']") {
		t.Errorf("no note of the misspelt node['base']['mtod']: %q", r.Notes)
	}
	for _, p := range []string{"motd", "proxy", "color"} {
		if strings.Contains(notes, "node['base']['"+p+"']") {
			t.Errorf("a note of node['base']['%s'], which a cookbook of the run sets: %q", p, r.Notes)
		}
	}
	// the strict reads hold: Chef, and converge, load the attributes of
	// the dependencies before the cookbook's recipes
	crepo, err := recipe.LoadRepo([]string{filepath.Join(out, "cookbooks")})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := cfacts.ForPlatform("ubuntu-22.04")
	c, err := crepo.Compile(recipe.Input{Name: f.Hostname, Facts: f, Normal: map[string]any{}, RunList: []string{"app", "tools"},
		Cluster: []recipe.ClusterMember{{Name: f.Hostname, Facts: f}}})
	if err != nil {
		t.Fatalf("%v\n%s", err, rec)
	}
	for addr, want := range map[string]string{"file[/etc/motd]": "welcome", "file[/etc/core]": "/opt/core", "file[/etc/proxy]": ""} {
		res, ok := c.Find(addr)
		if !ok {
			t.Errorf("no %s", addr)
			continue
		}
		if got := res.(*resources.File).Content; got != want {
			t.Errorf("%s content %q, want %q", addr, got, want)
		}
	}
}

// TestKnownAttrs_Levels: the method-style sets, those of a tap block on
// a level and those of a local bound to one set the paths below it; a
// tap block at the top level always sets them.
func TestKnownAttrs_Levels(t *testing.T) {
	src := `default.svc.tap do |d|
  d.user = 'svc'
  d.tls['port'] = 443
end
default['svc'].paths.tap do |p|
  p.root = '/srv'
  if node['x']
    p.extra = 1
  end
end
node.default.svc.mode = 'fast'
override['svc'].flag = true
l = node.default['svc']['logs']
l.dir = '/var/log/svc'
l = 'other'
l.ignored = 1
q = default['svc']
%w(a b).each do |x|
  q.looped = x
end
default.svc.keys.size
`
	k := knownAttrs{}
	k.scanAttrs(src, true)
	for _, tt := range []struct {
		path        string
		set, always bool
	}{
		{"svc.user", true, true}, {"svc.tls.port", true, true}, {"svc.paths.root", true, true},
		{"svc.paths.extra", true, false}, {"svc.mode", true, true}, {"svc.flag", true, true},
		{"svc.logs.dir", true, true}, {"ignored", false, false}, {"svc.looped", true, false},
		{"svc.keys", false, false},
	} {
		a, ok := k[strings.ReplaceAll(tt.path, ".", "\x00")]
		if ok != tt.set || a.always != tt.always {
			t.Errorf("%s: set %v always %v, want %v %v (all: %v)", tt.path, ok, a.always, tt.set, tt.always, k)
		}
	}
}
