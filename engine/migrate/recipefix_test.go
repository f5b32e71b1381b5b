package migrate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/resources"
)

// recipeCase is a Chef recipe fragment, text its translation contains and
// the number of TODOs it leaves.
// rpm_package and dpkg_package (and the other Chef package kinds) are
// converge's package, with source the package file on the node; a
// notification naming the Chef kind names the package resource.
func TestTranslateRecipe_PackageKinds(t *testing.T) {
	runRecipeCases(t, []recipeCase{
		{"rpm_package with source", "rpm_package 'tool' do\n  source '/var/cache/tool.rpm'\n  action :nothing\nend",
			`package("tool", source="/var/cache/tool.rpm", action="nothing")`, 0},
		{"dpkg_package with source", "dpkg_package 'tool' do\n  source '/var/cache/tool.deb'\nend",
			`package("tool", source="/var/cache/tool.deb")`, 0},
		{"yum_package", "yum_package 'tool'", `package("tool")`, 0},
		{"notifying an rpm_package", "remote_file '/tmp/t.rpm' do\n  source 'http://h/t.rpm'\n  notifies :install, 'rpm_package[tool]', :immediately\nend",
			`notifies=[("install", "package[tool]", "immediately")]`, 0},
		{"an interpolated target", "n = 'tool'\nexecute 'x' do\n  notifies :install, \"dpkg_package[#{n}]\"\nend",
			`notifies=[("install", "package[%s]" % n)]`, 0},
		{"a resources() target", "execute 'x' do\n  notifies :install, resources(:apt_package => 'tool')\nend",
			`notifies=[("install", "package[tool]")]`, 0},
		{"subscribing to a yum_package", "service 'a' do\n  subscribes :restart, 'yum_package[tool]'\nend",
			`subscribes=[("restart", "package[tool]")]`, 0},
		{"a renamed rpm_package", "rpm_package 'tool' do\n  package_name 'tool-ng'\nend\nexecute 'x' do\n  notifies :install, 'rpm_package[tool]'\nend",
			`"package[%s]" % "tool-ng"`, 0},
		{"other kinds keep their name", "execute 'x' do\n  notifies :run, 'execute[y]'\nend", `("run", "execute[y]")`, 0},
	})
}

// A value of a template's variables hash that is not translated is a todo()
// marker in that value only: the other keys are kept.
func TestTranslateRecipe_VariablesValueTodo(t *testing.T) {
	runRecipeCases(t, []recipeCase{
		{"one value is a TODO", "template '/x' do\n  source 'x.erb'\n  variables(\n    a: node['a'],\n    b: ::File.exist?('/r') ? '/r' : '/s',\n    c: 'c'\n  )\nend",
			"variables={\n        \"a\": node[\"a\"],\n        \"b\": todo(\"r.rb:5: ::File.exist?\"),\n        \"c\": \"c\",\n    },", 1},
		{"the note is above the resource", "template '/x' do\n  source 'x.erb'\n  variables(a: ENV['HOME'])\nend",
			"# TODO(migrate): ENV: Ruby constants and classes have no converge equivalent (r.rb:3)\n#   variables(a: ENV['HOME'])\ntemplate(\"/x\", source=\"x.tmpl\", variables={\"a\": todo(\"r.rb:3: ENV\")})", 1},
		{"two values, two TODOs", "template '/x' do\n  source 'x.erb'\n  variables(a: ENV['A'], b: ENV['B'], c: 1)\nend",
			`variables={"a": todo("r.rb:3: ENV"), "b": todo("r.rb:3: ENV"), "c": 1}`, 2},
		{"all translated is unchanged", "template '/x' do\n  source 'x.erb'\n  variables(:a => 1, 'b' => node['b'])\nend",
			`template("/x", source="x.tmpl", variables={"a": 1, "b": node["b"]})`, 0},
	})
}

// A return at the top of a recipe, with or without a (thrown away) literal
// value, guards the rest of the recipe: it is nested under the negated
// condition, also after an earlier return did the same.
func TestTranslateRecipe_EarlyReturn(t *testing.T) {
	runRecipeCases(t, []recipeCase{
		{"return msg unless", "return 'only on Windows' unless platform_family?('windows')\npackage 'a'",
			"if node.platform_family == \"windows\":\n    package(\"a\")", 0},
		{"return msg if", "return 'not on Windows' if platform_family?('windows')\npackage 'a'",
			"if not node.platform_family == \"windows\":\n    package(\"a\")", 0},
		{"return if an attribute", "return if node['x']['disabled']\npackage 'a'\nservice 'b'",
			"if not node[\"x\"][\"disabled\"]:\n    package(\"a\")\n    service(\"b\")", 0},
		{"a second return nests", "return 'w' unless platform_family?('windows')\npackage 'a'\nreturn \"off on #{node['platform']}\" if node['off']\npackage 'b'",
			"if node.platform_family == \"windows\":\n    package(\"a\")\n    if not node[\"off\"]:\n        package(\"b\")", 0},
		{"an if ending in return msg", "if node['y']\n  log 'bye'\n  return :done\nend\npackage 'c'",
			"if node[\"y\"]:\n    log(\"bye\")\nelse:\n    package(\"c\")", 0},
		{"return msg at the end", "package 'c'\nreturn 'done'", "# (return: end of recipe)", 0},
		{"a computed return value is a TODO", "return helper_value if node['x']\npackage 'a'", "# TODO(migrate): return", 1},
		{"a return in a loop is a TODO", "node['l'].each do |x|\n  return if x\n  package x\nend", "# TODO(migrate): return", 1},
	})
}

// x.respond_to?(:m) is a test of x's type: the types whose Ruby class has m.
func TestTranslateRecipe_RespondTo(t *testing.T) {
	runRecipeCases(t, []recipeCase{
		{":has_key? is a dict", "x = node['o'].respond_to?(:has_key?)\npackage 'a' if x",
			`x = type(node["o"]) in ("dict", "attributes")`, 0},
		{":key? is a dict", "x = node['o'].respond_to?(:key?)\npackage 'a' if x", `x = type(node["o"]) in ("dict", "attributes")`, 0},
		{":keys is a dict", "x = node['o'].respond_to?(:keys)\npackage 'a' if x", `x = type(node["o"]) in ("dict", "attributes")`, 0},
		{":each_pair is a dict", "x = node['o'].respond_to?(:each_pair)\npackage 'a' if x", `x = type(node["o"]) in ("dict", "attributes")`, 0},
		{":to_hash is a dict", "x = node['o'].respond_to?(:to_hash)\npackage 'a' if x", `x = type(node["o"]) in ("dict", "attributes")`, 0},
		{":each is a list or a dict", "x = node['o'].respond_to?(:each)\npackage 'a' if x", `x = type(node["o"]) in ("list", "dict", "attributes")`, 0},
		{":to_str is a string", "x = node['o'].respond_to?(:to_str)\npackage 'a' if x", `x = type(node["o"]) == "string"`, 0},
		{":upcase is a string", "x = node['o'].respond_to?(:upcase)\npackage 'a' if x", `x = type(node["o"]) == "string"`, 0},
		{"in a condition", "if node['o'].respond_to?(:has_key?)\n  package 'a'\nend", `if type(node["o"]) in ("dict", "attributes"):`, 0},
		{"another method is a TODO naming those translated", "x = node['o'].respond_to?(:frobnicate)\npackage 'a' if x",
			"only :<<, :each, :each_pair, :has_key?, :key?, :keys, :to_hash, :to_str, :upcase are translated", 1},
	})
}

// Destructuring block parameters: |(k, v), i| and each_with_object's
// |(k, v), memo| walk a hash's pairs (a list's elements, unpacked); an
// each_with_object is its memo filled by a loop.
func TestTranslateRecipe_DestructuringBlocks(t *testing.T) {
	runRecipeCases(t, []recipeCase{
		{"each_with_object over a hash", "h = node['g'].each_with_object({}) do |(key, value), acc|\n  acc[key] = value unless value.nil?\nend\npackage h.keys",
			"acc = {}\nfor key, value in node[\"g\"].items():\n    if not value == None:\n        acc[key] = value\nh = acc\n", 0},
		{"each_with_object with a plain item", "l = node['l'].each_with_object([]) { |x, acc| acc << x }\npackage l",
			"acc = []\nfor x in node[\"l\"]:\n    acc.append(x)\nl = acc\n", 0},
		{"each_with_object over a list of pairs", "h = [['a', 1]].each_with_object({}) { |(k, v), m| m[k] = v }\npackage h.keys",
			"m = {}\nfor k, v in [[\"a\", 1]]:\n    m[k] = v\nh = m\n", 0},
		{"each_with_index with a group", "node['m'].each_with_index { |(k, v), i| log \"#{i} #{k}=#{v}\" }",
			"for i, (k, v) in enumerate(node[\"m\"].items()):\n    log(\"%s %s=%s\" % (i, rb_to_s(k), rb_to_s(v)))", 0},
		{"each_with_index on a list of pairs", "[['a', 1]].each_with_index do |(k, v), i|\n  log k\nend",
			"for i, (k, v) in enumerate([[\"a\", 1]]):\n    log(k)", 0},
		{"each with one group is |k, v|", "node['m'].each do |(k, v)|\n  log k\nend", "for k, v in node[\"m\"].items():\n    log(k)", 0},
		{"map with a group", "x = node['m'].map { |(k, v)| \"#{k}=#{v}\" }\npackage x",
			`x = ["%s=%s" % (k, rb_to_s(v)) for k, v in node["m"].items()]`, 0},
		{"map with a group on a list", "x = [[1, 2]].map { |(a, b)| a + b }\npackage x", `x = [a + b for a, b in [[1, 2]]]`, 0},
		{"a one-name group is a TODO", "%w(a).each_with_index { |(x), i| log x }", "# TODO(migrate): |(x)|", 1},
		{"the memo naming a local is a TODO", "acc = 1\nh = node['g'].each_with_object({}) { |(k, v), acc| acc[k] = v }\npackage h",
			"# TODO(migrate): .each_with_object", 1},
	})
}

// A library method and a provider method whose value is an
// each_with_object return its memo.
func TestTranslate_EachWithObjectValue(t *testing.T) {
	src := "module Kit\n  def kit_env(h)\n    h.each_with_object({}) do |(key, value), env|\n      env[key.upcase] = value\n    end\n  end\nend\n"
	lib, _ := readLibraries(map[string]string{"helpers": src})
	star, todos := translateLibrary("kit/libraries/helpers.rb", "kit", "helpers", src, lib)
	want := "def kit_env(h):\n    env = {}\n    for key, value in h.items():\n        env[key.upper()] = value\n    value_of_kit_env = env\n    return value_of_kit_env"
	if !strings.Contains(star, want) || len(todos) != 0 {
		t.Errorf("library (todos %v):\n%s\nwant:\n%s", todos, star, want)
	}
	out, _ := crCookbook(t, map[string]string{
		"resources/conf.rb": "actions :create\ndefault_action :create\nattribute :path, :kind_of => String, :name_attribute => true\nattribute :settings, :kind_of => Hash, :default => {}\n",
		"providers/conf.rb": "def lines\n  new_resource.settings.each_with_object([]) do |(k, v), acc|\n    acc << \"#{k}=#{v}\"\n  end\nend\n\naction :create do\n  file new_resource.path do\n    content lines.join(\"\\n\")\n  end\nend\n",
	}, "kit_conf '/etc/kit.conf' do\n  settings('a' => 1, 'b' => 'x')\nend\n")
	b, err := os.ReadFile(filepath.Join(out, "cookbooks", "kit", "resources", "conf.star"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "for k, v in r.settings.items():") || strings.Contains(string(b), "TODO") {
		t.Errorf("provider:\n%s", b)
	}
	run, err := compileTestRun(t, out, false)
	if err != nil {
		t.Fatalf("compile: %v\n%s", err, b)
	}
	found := false
	for _, r := range run.Resources {
		if c, ok := r.(*engine.Custom); ok {
			for _, in := range c.Inner("create") {
				if f, ok := in.(*resources.File); ok && f.Content == "a=1\nb=x" {
					found = true
				}
			}
		}
	}
	if !found {
		t.Errorf("no file with content a=1\\nb=x:\n%s", b)
	}
}

// In an attributes file, a read of a path not set yet at that point
// (later in the file, in a later file, or nowhere) is .get from the first
// level that may be absent: Ruby reads it as nil. What an earlier
// statement, an earlier file or a dependency always sets is read as it
// is, and so is a namespace no cookbook sets (Ohai's).
func TestMigrate_AttributeReadBeforeItIsSet(t *testing.T) {
	out, _ := crCookbook(t, map[string]string{
		"attributes/default.rb": "default['kit']['prefer'] = node['kit']['use_pkg'] || false\n" +
			"default['kit']['a'] = 1\n" +
			"default['kit']['b'] = node['kit']['a'] + 1\n" +
			"default['kit']['c'] = node['kit']['late'] || 'none'\n" +
			"default['kit']['os'] = node['os']\n" +
			"if node['kit']['flag']\n  default['kit']['d'] = 'on'\nend\n" +
			"default['kit']['flag'] = true\n",
		"attributes/more.rb": "default['kit']['e'] = node['kit']['a'] + node['kit']['b']\n",
		"attributes/zz.rb":   "default['kit']['late'] = 'x'\n",
	}, "file '/tmp/kit' do\n  content \"#{node['kit']['b']} #{node['kit']['c']} #{node['kit']['e']} #{node['kit']['late']}\"\nend\n"+
		"file '/tmp/kit-prefer' if node['kit']['prefer'] == false\n")
	b, err := os.ReadFile(filepath.Join(out, "cookbooks", "kit", "attributes", "default.star"))
	if err != nil {
		t.Fatal(err)
	}
	star := string(b)
	for _, w := range []string{
		`default["kit"]["prefer"] = node.get("kit", {}).get("use_pkg") or False`,
		`default["kit"]["b"] = node["kit"]["a"] + 1`,
		`default["kit"]["c"] = node["kit"].get("late") or "none"`,
		`default["kit"]["os"] = node["os"]`,
		`if node["kit"].get("flag"):`,
	} {
		if !strings.Contains(star, w) {
			t.Errorf("attributes/default.star lacks %s:\n%s", w, star)
		}
	}
	more, _ := os.ReadFile(filepath.Join(out, "cookbooks", "kit", "attributes", "more.star"))
	if !strings.Contains(string(more), `default["kit"]["e"] = node["kit"]["a"] + node["kit"]["b"]`) {
		t.Errorf("attributes/more.star reads what default.rb set with .get:\n%s", more)
	}
	run, err := compileTestRun(t, out, false)
	if err != nil {
		t.Fatalf("compile: %v\n%s", err, star)
	}
	files := 0
	for _, r := range run.Resources {
		if f, ok := r.(*resources.File); ok {
			files++
			if f.Name == "/tmp/kit" && f.Content != "2 none 3 x" {
				t.Errorf("content %q, want %q (as Chef)", f.Content, "2 none 3 x")
			}
		}
	}
	if files != 2 {
		t.Errorf("%d files, want 2 (prefer is false)", files)
	}
}

// After a top-level return, the attributes file's statements are nested
// under its condition and still read what the earlier ones set as it is.
func TestMigrate_AttributeReadAfterAReturn(t *testing.T) {
	out, _ := crCookbook(t, map[string]string{
		"attributes/default.rb": "return unless platform_family?('debian')\n" +
			"default['kit']['a'] = 1\n" +
			"default['kit']['b'] = node['kit']['a'] + 1\n" +
			"default['kit']['c'] = node['kit']['z'] || 0\n",
	}, "file '/tmp/kit' do\n  content \"#{node['kit']['b']}\"\nend\n")
	b, err := os.ReadFile(filepath.Join(out, "cookbooks", "kit", "attributes", "default.star"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"if node.platform_family == \"debian\":\n", `    default["kit"]["b"] = node["kit"]["a"] + 1`, `    default["kit"]["c"] = node["kit"].get("z") or 0`} {
		if !strings.Contains(string(b), w) {
			t.Errorf("attributes/default.star lacks %s:\n%s", w, b)
		}
	}
	if _, err := compileTestRun(t, out, false); err != nil {
		t.Fatalf("compile: %v\n%s", err, b)
	}
}

// A case matching on a class (when Array, when Hash) tests the value's
// Starlark type, as is_a? does; a class without one stays a TODO.
func TestTranslateRecipe_CaseOnClass(t *testing.T) {
	runRecipeCases(t, []recipeCase{
		{"array, hash, string and integer", "v = node['kit']['ports']\ncase v\nwhen Array\n  log 'many'\nwhen Hash\n  log 'named'\nwhen String, Integer\n  log 'one'\nend",
			"if type(v) == \"list\":\n    log(\"many\")\nelif type(v) in (\"dict\", \"attributes\"):\n    log(\"named\")\nelif type(v) == \"string\" or type(v) == \"int\":\n    log(\"one\")", 0},
		{"a class and a literal", "v = node['kit']['mode']\ncase v\nwhen nil, TrueClass\n  log 'on'\nend",
			`if v == None or type(v) == "bool":`, 0},
		{"is_a?", "v = node['kit']['x']\nlog 'l' if v.is_a?(Array)", `if type(v) == "list":`, 0},
		{"a class converge has no type for", "v = node['kit']['x']\ncase v\nwhen Proc\n  log 'p'\nend", `todo(`, 1},
	})
}

// a[i] += v on an element of a local list or hash is Starlark's a[i] += v.
func TestTranslateRecipe_ElementAugmented(t *testing.T) {
	runRecipeCases(t, []recipeCase{
		{"a list's last element", "lines = ['a', 'b']\nlines[-1] += \"\\n\"\nlog lines.join", `lines[-1] += "\n"`, 0},
		{"a hash's value", "n = { 'k' => 1 }\nn['k'] -= 1\nlog 'x'", `n["k"] -= 1`, 0},
		{"another operator", "n = { 'k' => 1 }\nn['k'] *= 2\nlog 'x'", `todo(`, 1},
	})
}
