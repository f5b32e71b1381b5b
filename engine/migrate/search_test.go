package migrate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	enginefacts "github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/recipe"
	"github.com/converge-cm/converge/resources"
)

// Chef's search becomes converge's search builtin; its results are dicts.
func TestTranslateRecipe_Search(t *testing.T) {
	cases := []struct{ name, ruby, want string }{
		{"symbol index, double quotes", `nodes = search(:node, "role:db")`, `nodes = search("node", "role:db")`},
		{"single quotes", `nodes = search(:node, 'role:db')`, `nodes = search("node", "role:db")`},
		{"string index, a variable query", "q = 'role:db'\nnodes = search('node', q)", `nodes = search("node", q)`},
		{"a data bag", `users = search(:users, "*:*")`, `users = search("users", "*:*")`},
		{"no query", `users = search(:users)`, `users = search("users")`},
		{"interpolated query", `nodes = search(:node, "role:#{node['app']['role']} AND chef_environment:#{node.chef_environment}")`,
			`nodes = search("node", "role:%s AND chef_environment:%s" % (rb_to_s(node["app"]["role"]), node.chef_environment))`},
		{"map of an attribute", `ips = search(:node, "role:web").map { |n| n['ipaddress'] }`,
			`ips = [n["ipaddress"] for n in search("node", "role:web")]`},
		{"map(&:name)", `names = search(:node, "role:web").map(&:name)`, `names = [it["name"] for it in search("node", "role:web")]`},
		{"methods of a result held in a variable", "nodes = search(:node, 'role:web')\nhosts = nodes.map { |n| \"#{n.fqdn}:#{n['app']['port']}\" }",
			`hosts = ["%s:%s" % (n["fqdn"], rb_to_s(n["app"]["port"])) for n in nodes]`},
		{"sort_by then map", `names = search(:node, 'role:web').sort_by { |n| n.name }.map { |n| n.hostname }`,
			`[n["hostname"] for n in sorted(search("node", "role:web"), key = lambda n: n["name"])]`},
		{"first result", "db = search(:node, 'role:db').first\nhost = db.ipaddress", `host = db["ipaddress"]`},
		{"method-style attributes of a result", `ports = search(:node, 'role:web').map { |n| n.apache.listen_ports }`,
			`[n["apache"]["listen_ports"] for n in search("node", "role:web")]`},
		{"role? of a result", `dbs = search(:node, '*:*').select { |n| n.role?('db') }`, `[n for n in search("node", "*:*") if "db" in n["roles"]]`},
		{"block form", "search(:node, 'role:web') do |n|\n  file \"/etc/backends/#{n.name}\" do\n    content n['ipaddress']\n  end\nend",
			"for n in search(\"node\", \"role:web\"):\n    file(\"/etc/backends/%s\" % n[\"name\"], content=n[\"ipaddress\"])"},
		{"filter_result", `dbs = search(:node, 'role:db', filter_result: { 'ip' => ['ipaddress'], 'port' => ['pg', 'port'] })`,
			`dbs = [{"ip": _r.get("ipaddress"), "port": _r.get("pg", {}).get("port")} for _r in search("node", "role:db")]`},
		{"each", "search(:users, '*:*').each do |u|\n  user u['id'] do\n    shell u['shell']\n  end\nend",
			"for u in search(\"users\", \"*:*\"):\n    user(u[\"id\"], shell=u[\"shell\"])"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, todos := translateRuby("r.rb", kindRecipe, "cb", "default", c.ruby)
			if !strings.Contains(got, c.want) {
				t.Errorf("ruby:\n%s\ngot:\n%s\nwant it to contain:\n%s", c.ruby, got, c.want)
			}
			if len(todos) != 0 {
				t.Errorf("todos: %v\n%s", todos, got)
			}
			if strings.Contains(got, "node.name") && !strings.Contains(c.ruby, "node.name") {
				t.Errorf("a result is read through node:\n%s", got)
			}
		})
	}
}

// TestSearch_MigratedCompiles: a migrated recipe using search compiles
// with engine/recipe against a repository with nodes and a data bag.
func TestSearch_MigratedCompiles(t *testing.T) {
	src := `backends = search(:node, "role:#{node['lb']['role']} AND chef_environment:#{node.chef_environment}")
servers = backends.sort_by { |n| n.name }.map { |n| "#{n.name} #{n['ipaddress']}:#{n['app']['port']}" }
file '/etc/lb.conf' do
  content servers.join("\n")
end
first = search(:node, 'role:web', filter_result: { 'ip' => ['ipaddress'], 'port' => ['app', 'port'] }).first
file '/etc/first' do
  content "#{first['ip']}:#{first['port']}"
end
search(:users, 'groups:sysadmin') do |u|
  file "/home/#{u['id']}" do
    content u['shell']
  end
end
`
	got, todos := translateRuby("lb/recipes/default.rb", kindRecipe, "lb", "default", src)
	if len(todos) != 0 {
		t.Fatalf("todos: %v\n%s", todos, got)
	}
	dir := t.TempDir()
	files := map[string]string{
		"cookbooks/lb/metadata.star":           `name = "lb"`,
		"cookbooks/lb/attributes/default.star": `default["lb"] = {"role": "web"}`,
		"cookbooks/lb/recipes/default.star":    got,
		"nodes/web2.json":                      `{"chef_environment": "prod", "run_list": ["role[web]"], "app": {"port": 8081}, "automatic": {"ipaddress": "10.0.0.2"}}`,
		"nodes/web1.json":                      `{"chef_environment": "prod", "run_list": ["role[web]"], "app": {"port": 8080}, "automatic": {"ipaddress": "10.0.0.1"}}`,
		"nodes/web3.json":                      `{"chef_environment": "staging", "run_list": ["role[web]"], "app": {"port": 8082}}`,
		"roles/web.json":                       `{"run_list": ["recipe[nginx]"]}`,
		"data_bags/users/alice.json":           `{"id": "alice", "groups": ["sysadmin"], "shell": "/bin/zsh"}`,
		"data_bags/users/bob.json":             `{"id": "bob", "groups": ["dev"], "shell": "/bin/sh"}`,
		"environments/prod.json":               `{"name": "prod"}`,
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	repo, err := recipe.LoadRepo([]string{filepath.Join(dir, "cookbooks")})
	if err != nil {
		t.Fatal(err)
	}
	repo.Root, repo.RolesDir = dir, filepath.Join(dir, "roles")
	f, _ := enginefacts.ForPlatform("debian-12")
	c, err := repo.Compile(recipe.Input{Name: "lb1", Facts: f, RunList: []string{"lb"}, Environment: "prod"})
	if err != nil {
		t.Fatalf("%v\n%s", err, got)
	}
	conf, ok := c.Find("file[/etc/lb.conf]")
	if !ok {
		t.Fatalf("no file[/etc/lb.conf]\n%s", got)
	}
	if got, want := conf.(*resources.File).Content, "web1 10.0.0.1:8080\nweb2 10.0.0.2:8081"; got != want {
		t.Errorf("lb.conf %q, want %q", got, want)
	}
	if first, ok := c.Find("file[/etc/first]"); !ok || first.(*resources.File).Content != "10.0.0.1:8080" {
		t.Errorf("filter_result: %v\n%s", first, got)
	}
	home, ok := c.Find("file[/home/alice]")
	if !ok {
		t.Fatalf("no file[/home/alice]\n%s", got)
	}
	if home.(*resources.File).Content != "/bin/zsh" {
		t.Errorf("/home/alice %q", home.(*resources.File).Content)
	}
	if _, ok := c.Find("file[/home/bob]"); ok {
		t.Errorf("bob is not a sysadmin")
	}
}

// TestTranslateRecipe_SearchOddForms: forms search does not translate are
// TODOs, never a panic.
func TestTranslateRecipe_SearchOddForms(t *testing.T) {
	for _, src := range []string{
		"x = search(:node, 'a:b')[]",
		"x = search(:node, 'a:b')[0, 1]",
		"search(:node, 'a:b').each do |a, b|\n  package a\nend",
		"x = search",
		"x = search(:node, 'a:b', 1, 2)",
	} {
		got, todos := translateRuby("r.rb", kindRecipe, "cb", "default", src)
		if len(todos) == 0 {
			t.Errorf("%s: no TODO:\n%s", src, got)
		}
	}
}
