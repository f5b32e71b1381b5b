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

// TestTranslateRecipe_ConditionalProperties: several conditional
// properties and branches inside a resource block fill a dict of
// properties above the resource, which the call passes as **dict; a
// single conditional property keeps its one-line form.
func TestTranslateRecipe_ConditionalProperties(t *testing.T) {
	cases := []struct {
		name, ruby string
		want       []string // all in the output
		todos      int
	}{
		{"one conditional keeps the one-line form", "directory '/srv' do\n  owner 'web' unless node['shared']\nend",
			[]string{`directory("/srv", **({"owner": "web"} if not node.get("shared") else {}))`}, 0},
		{"an unless and an if", "directory '/srv' do\n  mode '0700' if node['locked']\n  owner 'web' unless node['shared']\nend",
			[]string{"directory_props = {}\nif node.get(\"locked\"):\n    directory_props[\"mode\"] = \"0700\"\nif not node.get(\"shared\"):\n    directory_props[\"owner\"] = \"web\"\ndirectory(\"/srv\", **directory_props)"}, 0},
		{"if elsif else setting different properties", "directory '/srv' do\n  if node['tier'] == 'db'\n    owner 'pg'\n  elsif node['tier'] == 'web'\n    group 'www'\n  else\n    mode '0750'\n  end\nend",
			[]string{"if node[\"tier\"] == \"db\":\n    directory_props[\"owner\"] = \"pg\"\nelif node[\"tier\"] == \"web\":\n    directory_props[\"group\"] = \"www\"\nelse:\n    directory_props[\"mode\"] = \"0750\""}, 0},
		{"case with a nested if", "directory '/srv' do\n  case node['tier']\n  when 'db', 'cache'\n    owner 'pg'\n    mode '0700' if node['locked']\n  else\n    owner 'web'\n  end\nend",
			[]string{"if node[\"tier\"] in (\"db\", \"cache\"):\n    directory_props[\"owner\"] = \"pg\"\n    if node.get(\"locked\"):\n        directory_props[\"mode\"] = \"0700\"\nelse:\n    directory_props[\"owner\"] = \"web\"\ndirectory(\"/srv\", **directory_props)"}, 0},
		{"a property before the branch is the dict's first value", "directory '/srv' do\n  owner 'root'\n  group 'adm'\n  if node['a']\n    owner 'a'\n    mode '0700'\n  end\nend",
			[]string{"directory_props = {}\ndirectory_props[\"owner\"] = \"root\"\nif node.get(\"a\"):\n    directory_props[\"owner\"] = \"a\"\n    directory_props[\"mode\"] = \"0700\"\ndirectory(\"/srv\", group=\"adm\", **directory_props)"}, 0},
		{"a property after the branch wins", "directory '/srv' do\n  if node['a']\n    owner 'a'\n    mode '0700'\n  end\n  owner 'last'\nend",
			[]string{"    directory_props[\"mode\"] = \"0700\"\ndirectory_props[\"owner\"] = \"last\"\ndirectory(\"/srv\", **directory_props)"}, 0},
		{"an earlier one-line conditional joins the dict", "directory '/srv' do\n  mode '0700' if node['locked']\n  if node['a']\n    owner 'a'\n    group 'a'\n  end\nend",
			[]string{"directory_props = {}\nif node.get(\"locked\"):\n    directory_props[\"mode\"] = \"0700\"\nif node.get(\"a\"):\n    directory_props[\"owner\"] = \"a\""}, 0},
		{"action in a branch", "service 'app' do\n  if node['app']['on']\n    action [:enable, :start]\n    supports :restart => true\n  else\n    action :stop\n  end\nend",
			[]string{"if node[\"app\"].get(\"on\"):\n    service_props[\"action\"] = [\"enable\", \"start\"]\n    service_props[\"supports\"] = {\"restart\": True}\nelse:\n    service_props[\"action\"] = \"stop\"\nservice(\"app\", **service_props)"}, 0},
		{"two resources get their own dicts", "directory '/a' do\n  if node['x']\n    owner 'x'\n    mode '0700'\n  end\nend\ndirectory '/b' do\n  if node['y']\n    owner 'y'\n    mode '0700'\n  end\nend",
			[]string{"directory(\"/a\", **directory_props)", "directory_props2 = {}", "directory(\"/b\", **directory_props2)"}, 0},
		{"package_name in a case names the resource by a variable", "package 'libfoo-dev' do\n  case node['platform_family']\n  when 'rhel', 'fedora'\n    package_name 'libfoo-devel'\n  when 'suse'\n    package_name 'libfoo-old' if node['old']\n  end\nend",
			[]string{"package_resource_name = \"libfoo-dev\"\nif node.platform_family in (\"rhel\", \"fedora\"):\n    package_resource_name = \"libfoo-devel\"\nelif node.platform_family == \"suse\":\n    if node.get(\"old\"):\n        package_resource_name = \"libfoo-old\"\npackage(package_resource_name)"}, 0},
		{"a conditional property after a branch joins the dict", "package 'x' do\n  if node['a']\n    package_name 'y'\n  end\n  version '1.2' if node['pin']\nend",
			[]string{"package_props = {}\npackage_resource_name = \"x\"\nif node.get(\"a\"):\n    package_resource_name = \"y\"\nif node.get(\"pin\"):\n    package_props[\"version\"] = \"1.2\"\npackage(package_resource_name, **package_props)"}, 0},
		{"a local set in a branch", "service 'app' do\n  cmd = 'sv'\n  if node['user']\n    cmd = \"chpst -u #{node['user']} #{cmd}\"\n  end\n  start_command \"#{cmd} start\"\nend",
			[]string{"cmd = \"sv\"\nif node.get(\"user\"):\n    cmd = \"chpst -u %s %s\" % (", "service(\"app\", start_command=\"%s start\" % cmd)"}, 0},
		{"notifies in a branch adds to a list the resource takes", "directory '/srv' do\n  if node['a']\n    owner 'a'\n    notifies :restart, 'service[x]'\n  end\n  notifies :reload, 'service[y]', :immediately\nend",
			[]string{"directory_props = {}\ndirectory_props_notifies = []\nif node.get(\"a\"):\n    directory_props[\"owner\"] = \"a\"\n    directory_props_notifies.append((\"restart\", \"service[x]\"))\n",
				`notifies=[("reload", "service[y]", "immediately")] + directory_props_notifies,`}, 0},
		{"subscribes in a case, next to a one-line conditional one", "service 'x' do\n  subscribes :restart, 'directory[/srv]' if node['b']\n  case node['c']\n  when 'z'\n    subscribes :reload, 'directory[/srv]'\n  end\nend",
			[]string{"service_props_subscribes = []\nif node[\"c\"] == \"z\":\n    service_props_subscribes.append((\"reload\", \"directory[/srv]\"))\n",
				`subscribes=([("restart", "directory[/srv]")] if node.get("b") else []) + service_props_subscribes,`}, 0},
		{"a guard in a branch is a TODO", "directory '/srv' do\n  if node['a']\n    owner 'a'\n    only_if 'test -d /x'\n  end\nend",
			[]string{"# TODO(migrate): conditional property", `directory("/srv")`}, 1},
		{"a non-property call in a branch is a TODO", "directory '/srv' do\n  if node['a']\n    Chef::Log.info('x')\n  end\nend",
			[]string{"# TODO(migrate): conditional property"}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkRecipe(t, c.ruby, c.want, c.todos) })
	}
}

// TestMigrate_ConditionalPropertiesCompile: a migrated recipe whose
// resource sets properties in branches compiles, and the file gets the
// properties of the branch its attribute picks, with the last
// assignment winning, for both values of the attribute.
func TestMigrate_ConditionalPropertiesCompile(t *testing.T) {
	repo := t.TempDir()
	writeTree(t, repo, map[string]string{
		"cookbooks/site/metadata.rb":           "name 'site'\nversion '0.1.0'\n",
		"cookbooks/site/attributes/default.rb": "default['site']['tier'] = 'web'\ndefault['site']['locked'] = false\n",
		"cookbooks/site/recipes/default.rb": `file '/etc/site.conf' do
  owner 'root'
  content 'x'
  case node['site']['tier']
  when 'db'
    owner 'postgres'
    group 'postgres'
    notifies :restart, 'service[postgresql]'
  else
    group 'www-data'
    mode '0644' unless node['site']['locked']
  end
  mode '0600' if node['site']['locked']
end
service 'postgresql'
`,
	})
	out := t.TempDir()
	if _, err := Migrate([]string{repo}, out); err != nil {
		t.Fatal(err)
	}
	checkOutput(t, out)
	rec, _ := os.ReadFile(filepath.Join(out, "cookbooks", "site", "recipes", "default.star"))
	if strings.Contains(string(rec), "TODO") {
		t.Fatalf("TODO in the recipe:\n%s", rec)
	}
	crepo, err := recipe.LoadRepo([]string{filepath.Join(out, "cookbooks")})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := cfacts.ForPlatform("ubuntu-22.04")
	for _, c := range []struct {
		name               string
		normal             map[string]any
		owner, group, mode string
		notifies           string // the file's notifications, "action target timing"
	}{
		{"defaults", map[string]any{}, "root", "www-data", "0644", ""},
		{"db, locked", map[string]any{"site": map[string]any{"tier": "db", "locked": true}}, "postgres", "postgres", "0600", "restart service[postgresql] delayed"},
		{"web, locked", map[string]any{"site": map[string]any{"locked": true}}, "root", "www-data", "0600", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			col, err := crepo.Compile(recipe.Input{Name: f.Hostname, Facts: f, Normal: c.normal, RunList: []string{"site"},
				Cluster: []recipe.ClusterMember{{Name: f.Hostname, Facts: f}}})
			if err != nil {
				t.Fatalf("%v\n%s", err, rec)
			}
			r, ok := col.Find("file[/etc/site.conf]")
			if !ok {
				t.Fatalf("no file[/etc/site.conf]:\n%s", rec)
			}
			file := r.(*resources.File)
			if file.Owner != c.owner || file.Group != c.group || file.Mode != c.mode || file.Content != "x" {
				t.Errorf("owner %q group %q mode %q content %q, want %q %q %q \"x\"\n%s", file.Owner, file.Group, file.Mode, file.Content, c.owner, c.group, c.mode, rec)
			}
			var notes []string
			for _, e := range col.Edges(r) {
				notes = append(notes, e.Action+" "+e.Target.Base().Address()+" "+e.Timing)
			}
			if got := strings.Join(notes, ", "); got != c.notifies {
				t.Errorf("notifies %q, want %q\n%s", got, c.notifies, rec)
			}
		})
	}
}
