package migrate

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	enginefacts "github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/recipe"
	"github.com/converge-cm/converge/resources"
)

// TestMigrate_ChefRepoDataBagsAndEnvironments: the chef-repo's plain data
// bag items and its environments (JSON, and the Ruby DSL) are carried
// over and read by converge as Chef did; the encrypted item is left out,
// its ciphertext nowhere in the output, and listed with the steps to
// re-encrypt it; a node's chef_environment is kept.
func TestMigrate_ChefRepoDataBagsAndEnvironments(t *testing.T) {
	out := t.TempDir()
	r, err := Migrate([]string{filepath.Join(corpus, "chefrepo")}, out)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"config (1)", "users (1)"}; !reflect.DeepEqual(r.DataBags, want) {
		t.Errorf("data bags %v, want %v", r.DataBags, want)
	}
	if want := []string{"production", "staging"}; !reflect.DeepEqual(r.Environments, want) {
		t.Errorf("environments %v, want %v", r.Environments, want)
	}
	if want := []EncryptedItem{{Bag: "users", Item: "deploy", File: "chefrepo/data_bags/users/deploy.json"}}; !reflect.DeepEqual(r.Encrypted, want) {
		t.Errorf("encrypted %v, want %v", r.Encrypted, want)
	}
	for _, f := range listFiles(t, out) {
		b, _ := os.ReadFile(filepath.Join(out, f))
		if strings.Contains(string(b), "bXlYZnlhQ1hWd2Ns") || strings.Contains(f, "deploy") {
			t.Errorf("%s carries the encrypted item", f)
		}
	}
	md, _ := os.ReadFile(filepath.Join(out, "MIGRATION.md"))
	for _, want := range []string{
		"## Encrypted data bag items",
		"- chefrepo/data_bags/users/deploy.json: write data_bags/users/deploy.age",
		"`converge secrets import BAG --chef-secret FILE`",
		"`converge secrets edit data_bags/BAG/ITEM.age`",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("MIGRATION.md lacks %q:\n%s", want, md)
		}
	}

	// converge reads what was written: the environment's attributes at
	// their levels, its cookbook_versions, the items.
	writeFile(filepath.Join(out, "cookbooks", "probe", "metadata.star"), []byte("name = \"probe\"\n"))
	writeFile(filepath.Join(out, "cookbooks", "probe", "recipes", "default.star"), []byte(`
file("/probe", content = "%s|%s|%s|%s|%d|%s" % (node.chef_environment, node["motd"]["message"], node["motd"]["footer"],
    ",".join(data_bag("users")), data_bag_item("users", "alice")["uid"], data_bag_item("config", "app")["motd_footer"]))
`))
	repo, err := recipe.LoadRepo([]string{filepath.Join(out, "cookbooks")})
	if err != nil {
		t.Fatal(err)
	}
	repo.Root, repo.RolesDir = out, filepath.Join(out, "roles")
	f, _ := enginefacts.ForPlatform("debian-12")
	for env, want := range map[string]string{
		"production": "production|production node|change control: CAB-42|alice|2001|managed by converge",
		"staging":    "staging|staging node|None|alice|2001|managed by converge",
	} {
		c, err := repo.Compile(recipe.Input{Name: "n1", Facts: f, RunList: []string{"motd", "probe"}, Environment: env,
			Normal: map[string]any{"motd": map[string]any{"admins": []any{}, "footer": "node"}}})
		if err != nil {
			t.Fatalf("%s: %v", env, err)
		}
		res, ok := c.Find("file[/probe]")
		if !ok {
			t.Fatalf("%s: no file[/probe]", env)
		}
		if got := res.(*resources.File).Content; got != want {
			t.Errorf("%s: %s, want %s", env, got, want)
		}
	}
}

// TestMigrate_TeamDataNeedsAHand: what converge would read differently
// from Chef, or not at all, is a TODO and is not written.
func TestMigrate_TeamDataNeedsAHand(t *testing.T) {
	cases := []struct {
		name    string
		file    string // path in the chef-repo
		body    string
		written string // output file that must exist; "" none
		todo    string // Todo.String() must contain it; "" none
	}{
		{name: "item not JSON", file: "data_bags/b/x.json", body: `{"id": "x",}`, todo: "repo/data_bags/b/x.json: data bag item: not valid JSON"},
		{name: "item not an object", file: "data_bags/b/x.json", body: `["x"]`, todo: "data bag item: not a JSON object"},
		{name: "item id differs", file: "data_bags/b/x.json", body: `{"id": "y"}`, todo: `its "id" is "y", not "x"`},
		{name: "item kept as written", file: "data_bags/b/x.json", body: `{"id": "x", "n": 12345678901234567890}`, written: "data_bags/b/x.json"},
		{name: "encrypted v3", file: "data_bags/b/k.json", body: `{"id": "k", "pw": {"encrypted_data": "e", "iv": "i", "auth_tag": "a", "version": 3, "cipher": "aes-256-gcm"}}`,
			todo: "encrypted data bag item: not copied: re-encrypt it as data_bags/b/k.age"},
		{name: "half encrypted is plain", file: "data_bags/b/k.json", body: `{"id": "k", "pw": {"encrypted_data": "e", "cipher": "c"}, "user": "u"}`, written: "data_bags/b/k.json"},
		{name: "env JSON name differs", file: "environments/prod.json", body: `{"name": "production"}`, todo: `environment: its name is "production", not "prod"`},
		{name: "env JSON bad constraint", file: "environments/prod.json", body: `{"cookbook_versions": {"x": "about 1"}}`, todo: `cookbook_versions x: constraint "about 1"`},
		{name: "env JSON unknown key", file: "environments/prod.json", body: `{"env_run_lists": {}}`, todo: `unknown key "env_run_lists"`},
		{name: "env JSON", file: "environments/prod.json", body: `{"name": "prod"}`, written: "environments/prod.json"},
		{name: "env rb bad constraint", file: "environments/prod.rb", body: "cookbook \"x\", \"about 1\"\n", todo: "repo/environments/prod.rb:1: cookbook x: cookbook_versions x: constraint"},
		{name: "env rb other statement", file: "environments/prod.rb", body: "name \"prod\"\nx = 1\n", todo: "repo/environments/prod.rb:2: statement in an environment"},
		{name: "env rb unknown call", file: "environments/prod.rb", body: "env_run_lists \"x\" => []\n", todo: "prod.rb:1: env_run_lists: not part of the environment DSL"},
		{name: "env rb computed", file: "environments/prod.rb", body: "default_attributes \"a\" => node[\"b\"]\n", todo: "prod.rb:1: default_attributes: the value is computed"},
		{name: "env rb name differs", file: "environments/prod.rb", body: "name \"production\"\n", todo: `the environment is named "production"`},
		{name: "env rb", file: "environments/prod.rb", body: "name 'prod'\ndefault_attributes('a' => {'b' => [1, 'c', :d]})\ndefault_attributes('a' => {'e' => 2})\n", written: "environments/prod.json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := filepath.Join(t.TempDir(), "repo")
			writeFile(filepath.Join(src, "roles", "r.json"), []byte(`{"name": "r", "run_list": []}`))
			writeFile(filepath.Join(src, filepath.FromSlash(tc.file)), []byte(tc.body))
			out := t.TempDir()
			r, err := Migrate([]string{src}, out)
			if err != nil {
				t.Fatal(err)
			}
			var todos []string
			for _, td := range r.Todos {
				todos = append(todos, td.String())
			}
			joined := strings.Join(todos, "\n")
			if tc.todo == "" && len(todos) > 0 || tc.todo != "" && !strings.Contains(joined, tc.todo) {
				t.Errorf("todos:\n%s\nwant one with %q", joined, tc.todo)
			}
			files := listFiles(t, out)
			for _, f := range files {
				if (strings.HasPrefix(f, "data_bags/") || strings.HasPrefix(f, "environments/")) && f != tc.written {
					t.Errorf("wrote %s", f)
				}
			}
			if tc.written == "" {
				return
			}
			b, err := os.ReadFile(filepath.Join(out, tc.written))
			if err != nil {
				t.Fatalf("%s not written: %v", tc.written, err)
			}
			if strings.HasPrefix(tc.written, "data_bags/") && string(b) != tc.body {
				t.Errorf("%s = %s, want it as written: %s", tc.written, b, tc.body)
			}
			if strings.HasPrefix(tc.written, "environments/") {
				env, err := (&recipe.Repo{Root: out}).LoadEnvironment("prod")
				if err != nil {
					t.Fatalf("converge does not read the environment written: %v\n%s", err, b)
				}
				if tc.file == "environments/prod.rb" {
					if got, want := env.Default, map[string]any{"a": map[string]any{"b": []any{1.0, "c", "d"}, "e": 2.0}}; !reflect.DeepEqual(got, want) {
						t.Errorf("default_attributes %v, want %v\n%s", got, want, b)
					}
				}
			}
		})
	}
}

// TestMigrate_DataBagCallsInRecipes: Chef's data bag calls and
// node.chef_environment translate to converge's; an encrypted item is read
// with data_bag_item (the secret argument goes: the keyring decrypts).
func TestMigrate_DataBagCallsInRecipes(t *testing.T) {
	cases := []struct {
		name, kind, ruby, want string
		todos                  int
	}{
		{"data_bag", "recipe", "data_bag('users').each do |u|\n  user u\nend", `for u in data_bag("users"):` + "\n    user(u)", 0},
		{"data_bag_item", "recipe", "u = data_bag_item('users', 'alice')\nuser u['id'] do\n  uid u['uid']\nend",
			"u = data_bag_item(\"users\", \"alice\")\nuser(u[\"id\"], uid=u[\"uid\"])", 0},
		{"encrypted with a secret", "recipe", "pw = data_bag_item('creds', 'db', Chef::EncryptedDataBagItem.load_secret('/etc/chef/secret'))['password']\nfile '/etc/db.pw' do\n  content pw\nend",
			"pw = data_bag_item(\"creds\", \"db\")[\"password\"]", 0},
		{"encrypted_data_bag_item", "recipe", "file '/x' do\n  content encrypted_data_bag_item('creds', 'db')['password']\nend",
			`file("/x", content=data_bag_item("creds", "db")["password"])`, 0},
		{"EncryptedDataBagItem.load", "recipe", "file '/x' do\n  content Chef::EncryptedDataBagItem.load('creds', 'db', secret)['password']\nend",
			`file("/x", content=data_bag_item("creds", "db")["password"])`, 0},
		{"chef_environment", "recipe", "file '/env' do\n  content node.chef_environment\nend", `file("/env", content=node.chef_environment)`, 0},
		{"in an attribute file", "attributes", "default['app']['admins'] = data_bag('admins')\n", `default["app"]["admins"] = data_bag("admins")`, 0},
		{"as a statement", "recipe", "data_bag_item('users', 'alice')\n", "TODO(migrate)", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kind := kindRecipe
			if c.kind == "attributes" {
				kind = kindAttributes
			}
			tr := translateFile("r.rb", kind, "cb", "default", c.ruby)
			if !strings.Contains(tr.star, c.want) {
				t.Errorf("got:\n%s\nwant it to contain:\n%s", tr.star, c.want)
			}
			if len(tr.todos) != c.todos {
				t.Errorf("todos = %v, want %d", tr.todos, c.todos)
			}
			if _, err := starOptions.Parse("r.star", tr.star, 0); err != nil {
				t.Errorf("output does not parse: %v\n%s", err, tr.star)
			}
		})
	}
}
