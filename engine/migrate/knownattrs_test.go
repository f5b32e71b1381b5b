package migrate

import (
	"strings"
	"testing"
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
// stays strict.
func TestTranslateRecipe_OptionalAttributeRead(t *testing.T) {
	k := knownAttrs{}
	k.scanAttrs("default['ntp']['servers'] = []\nif platform?('solaris2')\n  default['ntp']['pkg_source'] = 'x'\nend\n", true)
	for _, tt := range []struct{ rb, want string }{
		{"package 'ntp' do\n  source node['ntp']['pkg_source']\nend\n", `source=node["ntp"].get("pkg_source")`},
		{"log node['ntp']['ntpdate']['disable'].to_s\n", `node["ntp"].get("ntpdate", {}).get("disable")`},
		{"log node['ntp']['servers'].join(',')\n", `node["ntp"]["servers"]`},
		{"log node['kernel']['machine']\n", `node["kernel"]["machine"]`},
		// "#{nil}" and nil.to_s are "" in Ruby, not "None"
		{"file \"/etc/x#{node['ntp']['pkg_source']}\"\n", `"/etc/x%s" % ("" if node["ntp"].get("pkg_source") == None else node["ntp"].get("pkg_source"))`},
		{"log node['ntp']['pkg_source'].to_s\n", `("" if node["ntp"].get("pkg_source") == None else str(node["ntp"].get("pkg_source")))`},
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
