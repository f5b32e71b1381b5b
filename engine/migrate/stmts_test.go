package migrate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.starlark.net/starlark"

	"github.com/converge-cm/converge/resources"
)

// TestTranslateRecipe_Mutations: Ruby's in-place hash and array methods
// and the compound assignments to an element become the Starlark that
// changes the value the same way.
func TestTranslateRecipe_Mutations(t *testing.T) {
	runRecipeCases(t, []recipeCase{
		{"merge! a hash", "opts = {'a' => 1}\nopts.merge!('b' => 2)\n", `opts.update({"b": 2})`, 0},
		{"merge! under a modifier", "opts = {}\nextra = {'x' => 1}\nopts.merge!(extra) unless extra.empty?\n", "    opts.update(extra)", 0},
		{"update on a hash", "opts = {}\nopts.update(node['cfg'])\n", `opts.update(node["cfg"])`, 0},
		{"update on something else stays a TODO", "mgr.update(1)\n", "TODO(migrate)", 1},
		{"insert on a local", "dirs = ['a', 'c']\ndirs.insert(1, 'b')\n", `dirs = (lambda _s, _i, _x:`, 0},
		{"insert on an element", "h = {'l' => []}\nh['l'].insert(0, 'b')\n", `h["l"].insert(0, "b")`, 0},
		{"unshift", "dirs = ['b']\ndirs.unshift('a')\n", `dirs.insert(0, "a")`, 0},
		{"push of two", "dirs = []\ndirs.push('a', 'b')\n", `dirs.extend(["a", "b"])`, 0},
		{"concat", "hosts = ['h1']\nhosts.concat(node['more'])\n", `hosts.extend(node["more"])`, 0},
		{"delete on a hash", "opts = {'a' => 1}\nopts.delete('a')\n", `opts.pop("a", None)`, 0},
		{"delete on a list", "pkgs = ['a', 'b']\npkgs.delete('a')\n", "for _ in [_x for _x in pkgs if _x == \"a\"]:\n    pkgs.remove(\"a\")", 0},
		{"delete on a value of unknown type", "cfg = node['cfg'].to_hash\ncfg.delete(:debug)\n", "if type(cfg) == \"list\":", 0},
		{"+= on an element", "lines = ['a', 'b']\nlines[-1] += \"\\n\"\n", `lines[-1] += "\n"`, 0},
		{"-= on an element", "counts = {'a' => 3}\ncounts['a'] -= 1\n", `counts["a"] -= 1`, 0},
		{"||= on a hash element", "h = {}\nh[node['name']] ||= {}\n", "if h.get(node[\"name\"]) in (None, False):\n    h[node[\"name\"]] = {}", 0},
		{"||= on a symbol key", "h = {}\nh[:a] ||= 'x'\n", "if h.get(\"a\") in (None, False):\n    h[\"a\"] = \"x\"", 0},
		{"||= on a list element", "l = [nil]\nl[0] ||= 'x'\n", "if l[0] in (None, False):\n    l[0] = \"x\"", 0},
		{"||= on a nested element", "h = {'a' => {}}\n%w(x y).each do |k|\n  h['a'][k] ||= k\nend\n", "    if h[\"a\"].get(k) in (None, False):\n        h[\"a\"][k] = k", 0},
		{"node.save is dropped", "node.save unless Chef::Config[:solo]\n", "if not True:\n    # node.save: converge keeps no node object on a server; nothing to save\n    pass", 0},
		{"*= on an element stays a TODO", "h = {'a' => 2}\nh['a'] *= 2\n", "TODO(migrate)", 1},
	})
}

// TestTranslateRecipe_MutationsRun runs the translated statements and
// checks the value Ruby gives (worked out by hand).
func TestTranslateRecipe_MutationsRun(t *testing.T) {
	cases := []struct{ ruby, want string }{
		{"x = {'a' => 1}\nx.merge!('b' => 2)", `{"a": 1, "b": 2}`},
		{"x = ['a', 'c']\nx.insert(1, 'b')\nx.unshift('z')", `["z", "a", "b", "c"]`},
		{"x = ['a']\nx.push('b', 'c')\nx.concat(['d'])", `["a", "b", "c", "d"]`},
		{"x = ['a', 'b', 'a']\nx.delete('a')", `["b"]`},
		{"s = 'abef'\nx = s.insert(2, 'cd')", `"abcdef"`},
		{"x = 'abc'\nx.insert(-1, 'd')\nx.insert(0, '_')", `"_abcd"`},
		{"x = 'abc'\nx.insert(-2, 'X')", `"abXc"`},
		{"x = [1, 2]\nx.insert(-1, 3)\nx.insert(-3, 0)", `[1, 0, 2, 3]`},
		{"x = {'a' => 1, 'b' => 2}\nx.delete('a')\nx.delete('zz')", `{"b": 2}`},
		{"x = {'a' => 1, 'b' => 2}.to_hash\nx.delete('a')", `{"b": 2}`},
		{"x = ['a', 'b']\nx[-1] += '!'", `["a", "b!"]`},
		{"x = {'n' => 3}\nx['n'] -= 1", `{"n": 2}`},
		{"x = {'a' => '', 'b' => false, 'c' => 0}\nx['a'] ||= 1\nx['b'] ||= 1\nx['c'] ||= 1\nx['d'] ||= 1", `{"a": "", "b": 1, "c": 0, "d": 1}`},
	}
	for _, c := range cases {
		star, todos := translateRuby("r.rb", kindRecipe, "cb", "default", c.ruby+"\n")
		if len(todos) > 0 {
			t.Errorf("%s: TODOs %v\n%s", c.ruby, todos, star)
			continue
		}
		g, err := starlark.ExecFileOptions(starOptions, &starlark.Thread{}, "r.star", star, nil)
		if err != nil {
			t.Errorf("%s: %v\n%s", c.ruby, err, star)
			continue
		}
		if got := g["x"].String(); got != c.want {
			t.Errorf("%s:\ngot  %s\nwant %s\n%s", c.ruby, got, c.want, star)
		}
	}
}

// TestMigrate_KindFileCachePath: a custom resource action that reads
// Chef::Config[:file_cache_path] uses converge's cache directory and
// declares it, as a recipe does; a recipe declaring it too is the same
// resource.
func TestMigrate_KindFileCachePath(t *testing.T) {
	files := map[string]string{
		"resources/src.rb": `property :version, String, name_property: true

action :install do
  remote_file "#{Chef::Config[:file_cache_path]}/tool-#{new_resource.version}.tgz" do
    source "http://example.invalid/tool-#{new_resource.version}.tgz"
  end
  execute 'unpack' do
    command "tar xzf tool-#{new_resource.version}.tgz"
    cwd Chef::Config[:file_cache_path]
    creates "/opt/tool-#{new_resource.version}"
  end
end
`,
	}
	recipe := "remote_file \"#{Chef::Config[:file_cache_path]}/other.tgz\" do\n  source 'http://example.invalid/other.tgz'\nend\nkit_src '1.2'\n"
	out, r := crCookbook(t, files, recipe)
	star, err := os.ReadFile(filepath.Join(out, "cookbooks", "kit", "resources", "src.star"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{
		"def action_install(r):\n    # Chef::Config[:file_cache_path] is /var/cache/converge, declared here by converge migrate\n    directory(\"/var/cache/converge\", mode=\"0755\")",
		`"/var/cache/converge/tool-%s.tgz" % r.version`, `cwd="/var/cache/converge"`,
	} {
		if !strings.Contains(string(star), w) {
			t.Errorf("resources/src.star lacks %q:\n%s", w, star)
		}
	}
	if len(r.Todos) > 0 {
		t.Errorf("TODOs: %v\n%s", r.Todos, star)
	}
	col, err := compileTestRun(t, out, false)
	if err != nil {
		t.Fatalf("compile: %v\n%s", err, star)
	}
	// the action's resources run inside kit_src[1.2]
	for _, a := range []string{"directory[/var/cache/converge]", "remote_file[/var/cache/converge/other.tgz]", "kit_src[1.2]"} {
		if _, ok := col.Find(a); !ok {
			var have []string
			for _, res := range col.Resources {
				have = append(have, res.Base().Key())
			}
			t.Errorf("no %s in %v", a, have)
		}
	}
}

// TestTranslateRecipe_ChefOnlyResources: apt_update is converge's, on
// the debian family, named when Chef's is nameless; build_essential, which
// converge has no kind for, is the packages Chef's installs.
func TestTranslateRecipe_ChefOnlyResources(t *testing.T) {
	cases := []struct {
		name, ruby string
		want       []string
		todos      int
	}{
		{"nameless apt_update", "apt_update\n", []string{"if node.platform_family == \"debian\":\n    apt_update(\"apt-get update\")"}, 0},
		{"named apt_update under a debian condition is not wrapped again", "apt_update 'refresh' if platform_family?('debian')\n", []string{
			"if node.platform_family == \"debian\":\n    apt_update(\"refresh\")",
		}, 0},
		{"apt_update with a frequency", "apt_update 'weekly' do\n  frequency 604800\nend\n", []string{
			"if node.platform_family == \"debian\":\n    apt_update(\"weekly\", frequency=604800)",
		}, 0},
		{"nameless apt_update with a block", "apt_update do\n  action :update\nend\n", []string{"    apt_update(\"apt-get update\", action=\"update\")"}, 0},
		{"build_essential", "build_essential 'tools'\n", []string{
			"if node.platform_family == \"debian\":\n    package(\n        [\"autoconf\", \"binutils-doc\", \"bison\", \"build-essential\", \"flex\", \"gettext\", \"libncurses-dev\"],",
			"elif node.platform_family in (\"rhel\", \"fedora\", \"amazon\"):",
			`"patch"`,
			"elif node.platform_family == \"suse\":",
			"else:\n    log(\"build_essential: the platform family \" + node.platform_family + \" is not supported\", level=\"warn\")",
		}, 0},
		{"nameless build_essential that fails where unsupported", "build_essential do\n  raise_if_unsupported true\nend\n", []string{
			"else:\n    fail(\"build_essential: the platform family \" + node.platform_family + \" is not supported\")",
		}, 0},
		{"build_essential :upgrade is macOS only", "build_essential 'x' do\n  action :upgrade\nend\n", []string{"# build_essential action :upgrade"}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkRecipe(t, c.ruby, c.want, c.todos) })
	}
}

// TestMigrate_ChefOnlyResourcesCompile: a custom resource action and a
// recipe using apt_update and build_essential compile on ubuntu, with the
// execute and the debian packages in the run, and MIGRATION.md notes both.
func TestMigrate_ChefOnlyResourcesCompile(t *testing.T) {
	files := map[string]string{
		"resources/src.rb": "property :version, String, name_property: true\n\naction :install do\n  build_essential 'src'\nend\n",
	}
	out, r := crCookbook(t, files, "apt_update\nbuild_essential\nkit_src '1.0'\n")
	if len(r.Todos) > 0 {
		t.Errorf("TODOs: %v", r.Todos)
	}
	col, err := compileTestRun(t, out, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"apt_update[apt-get update]", "package[autoconf, binutils-doc, bison, build-essential, flex, gettext, libncurses-dev]", "kit_src[1.0]"} {
		if _, ok := col.Find(a); !ok {
			var have []string
			for _, res := range col.Resources {
				have = append(have, res.Base().Key())
			}
			t.Errorf("no %s in %v", a, have)
		}
	}
	md, err := os.ReadFile(filepath.Join(out, "MIGRATION.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"apt_update is declared on the debian family only", "build_essential is a package resource per platform family"} {
		if !strings.Contains(string(md), w) {
			t.Errorf("MIGRATION.md lacks %q:\n%s", w, md)
		}
	}
}

// TestMigrate_RecipeAttributesFromSearchAndLoops: a recipe's attribute
// sets under a condition on a search's result, and a loop pushing onto an
// attribute's list, move to the attributes file with the search, and the
// recipe's resources read the values Chef would give them.
func TestMigrate_RecipeAttributesFromSearchAndLoops(t *testing.T) {
	rb := `node.default['kit']['allow'] = []
peers = search(:node, 'role:kitpeer') || []
if peers.empty?
  node.default['kit']['mode'] = 'alone'
else
  node.default['kit']['mode'] = 'peers'
  peers.each do |p|
    node.default['kit']['servers'][p['ipaddress']] = 'iburst'
  end
end
node.default['kit']['allow'] << 'first'
node.default['kit']['allow'].push('second') unless peers.empty?
%w(a b).each do |h|
  node.default['kit']['allow'].push "allow #{h}"
  node.default['kit']['allow'] << "deny #{h}x"
end
file '/etc/kit' do
  content "#{node['kit']['mode']} #{node['kit']['allow'].join(',')}"
end
`
	out, r := crCookbook(t, map[string]string{}, rb)
	attrs, _ := os.ReadFile(filepath.Join(out, "cookbooks", "kit_test", "attributes", "zz_recipe_default.star"))
	if len(r.Todos) > 0 {
		t.Fatalf("TODOs: %v\n%s", r.Todos, attrs)
	}
	for _, w := range []string{`peers = search("node", "role:kitpeer") or []`, `default["kit"]["allow"].append("allow %s" % h)`,
		"default[\"kit\"][\"allow\"].append(\"first\")\n", "if not len(peers) == 0:\n    default[\"kit\"][\"allow\"].append(\"second\")"} {
		if !strings.Contains(string(attrs), w) {
			t.Errorf("attributes file lacks %q:\n%s", w, attrs)
		}
	}
	col, err := compileTestRun(t, out, false)
	if err != nil {
		t.Fatalf("%v\n%s", err, attrs)
	}
	res, ok := col.Find("file[/etc/kit]")
	if !ok {
		t.Fatal("no file[/etc/kit]")
	}
	if got, want := res.(*resources.File).Content, "alone first,allow a,deny ax,allow b,deny bx"; got != want {
		t.Errorf("content %q, want %q\n%s", got, want, attrs)
	}
}

// TestMigrate_KindHelperTrailingIf: an action_class method ending in an
// if/elsif returns each branch's value, and an element's list takes <<.
func TestMigrate_KindHelperTrailingIf(t *testing.T) {
	files := map[string]string{
		"resources/nic.rb": `property :device, String, name_property: true
property :mode, String, default: 'auto'

action :save do
  node.run_state['kit_order'] ||= []
  node.run_state['kit_order'] << new_resource.device
  file "/etc/kit-#{new_resource.device}" do
    content kind_of_nic
  end
end

action_class do
  def kind_of_nic
    if new_resource.mode == 'dhcp'
      'dhcp'
    elsif new_resource.mode == 'off'
      'manual'
    else
      'static'
    end
  end
end
`,
	}
	out, r := crCookbook(t, files, "kit_nic 'eth0'\n")
	star, _ := os.ReadFile(filepath.Join(out, "cookbooks", "kit", "resources", "nic.star"))
	if len(r.Todos) > 0 {
		t.Fatalf("TODOs: %v\n%s", r.Todos, star)
	}
	for _, w := range []string{
		"def kind_of_nic(r):\n    if r.mode == \"dhcp\":\n        return \"dhcp\"\n    elif r.mode == \"off\":\n        return \"manual\"\n    else:\n        return \"static\"",
		`run_state["kit_order"].append(r.device)`,
	} {
		if !strings.Contains(string(star), w) {
			t.Errorf("resources/nic.star lacks %q:\n%s", w, star)
		}
	}
	if err := compileTest(t, out, false); err != nil {
		t.Errorf("compile: %v\n%s", err, star)
	}
}

// TestMigrate_KindHelperTrailingIfStatements: a helper's trailing if
// whose branches end in raise or build_essential keeps them statements.
func TestMigrate_KindHelperTrailingIfStatements(t *testing.T) {
	files := map[string]string{
		"resources/tool.rb": `property :flavor, String, default: 'src'

action :install do
  install_deps
end

action_class do
  def install_deps
    if new_resource.flavor == 'src'
      build_essential 'tool'
    elsif new_resource.flavor == 'none'
      raise 'no flavor'
    else
      package 'tool'
    end
  end
end
`,
	}
	out, r := crCookbook(t, files, "kit_tool 'x'\n")
	star, _ := os.ReadFile(filepath.Join(out, "cookbooks", "kit", "resources", "tool.star"))
	if len(r.Todos) > 0 {
		t.Fatalf("TODOs: %v\n%s", r.Todos, star)
	}
	for _, w := range []string{"        package(\n", `fail("no flavor")`, `package("tool")`} {
		if !strings.Contains(string(star), w) {
			t.Errorf("resources/tool.star lacks %q:\n%s", w, star)
		}
	}
	if err := compileTest(t, out, false); err != nil {
		t.Errorf("compile: %v\n%s", err, star)
	}
}
