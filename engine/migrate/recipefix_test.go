package migrate

import (
	"strings"
	"testing"
)

// recipeCase is a Chef recipe fragment, text its translation contains and
// the number of TODOs it leaves.
type recipeCase struct {
	name, ruby, want string
	todos            int
}

// runRecipeCases translates each case as a recipe and checks the output
// contains want, has the TODO count and parses as Starlark.
func runRecipeCases(t *testing.T, cases []recipeCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, todos := translateRuby("r.rb", kindRecipe, "cb", "default", c.ruby)
			if !strings.Contains(got, c.want) {
				t.Errorf("ruby:\n%s\ngot:\n%s\nwant it to contain:\n%s", c.ruby, got, c.want)
			}
			if len(todos) != c.todos {
				t.Errorf("got %d todos, want %d: %v\n%s", len(todos), c.todos, todos, got)
			}
			if _, err := starOptions.Parse("r.star", got, 0); err != nil {
				t.Errorf("output does not parse: %v\n%s", err, got)
			}
		})
	}
}

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
