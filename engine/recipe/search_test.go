package recipe_test

import (
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/recipe"
	"github.com/converge-cm/converge/resources"
)

// searchRepo is a small repository: three inventory nodes (web1 through
// roles web and base), roles, and a data bag of users.
var searchRepo = map[string]string{
	"cookbooks/lb/metadata.star": `name = "lb"`,
	"nodes/web1.json": `{"name": "web1", "chef_environment": "prod", "run_list": ["role[web]"],
		"converge": {"host": "10.0.0.1"}, "apache": {"listen_ports": [80, 443]}, "tags": ["canary"]}`,
	"nodes/web2.json": `{"chef_environment": "prod", "run_list": ["role[web]"], "normal": {"apache": {"listen_ports": [80]}},
		"automatic": {"ipaddress": "10.0.0.2", "fqdn": "web2.example.com"}}`,
	"nodes/web3.json":            `{"chef_environment": "staging", "run_list": ["role[web]", "recipe[extra::thing]"]}`,
	"nodes/db1.json":             `{"chef_environment": "prod", "run_list": ["role[db]", "recipe[postgresql::server]"]}`,
	"roles/web.json":             `{"run_list": ["role[base]", "recipe[nginx]"], "default_attributes": {"nginx": {"port": 8080}}}`,
	"roles/base.json":            `{"run_list": ["recipe[ntp]"]}`,
	"data_bags/users/alice.json": `{"id": "alice", "groups": ["sysadmin"], "shell": "/bin/zsh"}`,
	"data_bags/users/bob.json":   `{"id": "bob", "groups": ["dev"]}`,
	"data_bags/users/carol.json": `{"id": "carol", "groups": ["sysadmin", "dev"]}`,
}

// searchCompile compiles recipe as lb's default for node lb1 of a run
// with web1 and lb1, and returns what it wrote to /out.
func searchCompile(t *testing.T, src string) (string, error) {
	t.Helper()
	files := map[string]string{"cookbooks/lb/recipes/default.star": src}
	for k, v := range searchRepo {
		files[k] = v
	}
	web1 := centos7()
	web1.Hostname, web1.FQDN, web1.IPAddress = "web1", "web1.example.com", "10.0.0.1"
	lb1 := centos7()
	lb1.Hostname, lb1.FQDN, lb1.IPAddress = "lb1", "lb1.example.com", "10.0.9.1"
	c, err := compileRoot(t, files, recipe.Input{Name: "lb1", Facts: lb1, RunList: []string{"lb"}, Environment: "",
		Cluster: []recipe.ClusterMember{{Name: "web1", Facts: web1}, {Name: "lb1", Facts: lb1}}}, nil)
	if err != nil {
		return "", err
	}
	return find(t, c, "file[/out]").(*resources.File).Content, nil
}

func TestSearch_Results(t *testing.T) {
	cases := []struct {
		name, expr, want string
	}{
		{"every node, sorted, with the run's", `search("node")`, "db1 lb1 web1 web2 web3"},
		{"role and environment", `search("node", "role:web AND chef_environment:prod")`, "web1 web2"},
		{"a role held through a role", `search("node", "role:base")`, "web1 web2 web3"},
		{"recipes expanded through roles", `search("node", "recipe:ntp")`, "web1 web2 web3"},
		{"a recipe of the run list", `search("node", "recipe:postgresql\\:\\:server")`, "db1"},
		{"the compiled node's own run list", `search("node", "recipes:lb")`, "lb1"},
		{"not", `search("node", "chef_environment:prod AND NOT role:web")`, "db1"},
		{"a nested attribute flattened", `search("node", "apache_listen_ports:443")`, "web1"},
		{"a nested attribute dotted", `search("node", "apache.listen_ports:80")`, "web1 web2"},
		{"a role's default attribute", `search("node", "nginx_port:8080")`, "web1 web2 web3"},
		{"facts of the run", `search("node", "ipaddress:10.0.*")`, "lb1 web1 web2"},
		{"platform from facts", `search("node", "platform:centos")`, "lb1 web1"},
		{"tags", `search("node", "tags:canary")`, "web1"},
		{"nothing", `search("node", "role:nope")`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := searchCompile(t, `file("/out", content=" ".join([n["name"] for n in `+tc.expr+`]))`)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("%s: %q, want %q", tc.expr, got, tc.want)
			}
		})
	}
}

func TestSearch_NodeValues(t *testing.T) {
	got, err := searchCompile(t, `
web = search("node", "name:web1")[0]
w2 = search("node", "name:web2")[0]
file("/out", content = "\n".join([
    web["chef_environment"], web["ipaddress"], web["fqdn"], ",".join(web["roles"]), ",".join(web["recipes"]),
    ",".join(web["run_list"]), str(web["apache"]["listen_ports"]), str(web["nginx"]["port"]), ",".join(web["tags"]),
    w2["ipaddress"], w2["fqdn"], str(w2["apache"]["listen_ports"]),
]))`)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{"prod", "10.0.0.1", "web1.example.com", "web,base", "ntp::default,nginx::default",
		"role[web]", "[80, 443]", "8080", "canary", "10.0.0.2", "web2.example.com", "[80]"}, "\n")
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestSearch_DataBag(t *testing.T) {
	cases := []struct{ expr, want string }{
		{`search("users")`, "alice bob carol"},
		{`search("users", "*:*")`, "alice bob carol"},
		{`search("users", "groups:sysadmin")`, "alice carol"},
		{`search("users", "groups:dev AND NOT id:bob")`, "carol"},
		{`search("users", "shell:*")`, "alice"},
		{`[u for u in search("users", "id:a*") if u["shell"] == "/bin/zsh"]`, "alice"},
	}
	for _, tc := range cases {
		got, err := searchCompile(t, `file("/out", content=" ".join([u["id"] for u in `+tc.expr+`]))`)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s: %q, want %q", tc.expr, got, tc.want)
		}
	}
}

// TestSearch_Errors: a bad query or index is an error at the caller's
// line saying what is wrong.
func TestSearch_Errors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"x = 1\nsearch(\"node\", \"role:web AND\")", `recipes/default.star:2:.*search\("node", "role:web AND"\): the query ends where a term is wanted`},
		{`search("node", "web1")`, `default.star:1:.*"web1" at column 1 has no field; write field:value, for example name:web1`},
		{`search("node", "role:web chef_environment:prod")`, `without AND or OR; join terms with AND or OR`},
		{`search("nobag", "*:*")`, `default.star:1:.*search\("nobag", "\*:\*"\): .*data_bags/nobag does not exist; data bags: users`},
		{`search("../x")`, `is not a data bag bag name`},
		{`search()`, `search: missing argument for index`},
	}
	for _, tc := range cases {
		_, err := searchCompile(t, tc.src)
		if err == nil || !matches(tc.want, err.Error()) {
			t.Errorf("%s: error %v, want one matching %s", tc.src, err, tc.want)
		}
	}
}

// TestSearch_AttributesAndLibraries: search is a builtin of attribute
// files and libraries too.
func TestSearch_AttributesAndLibraries(t *testing.T) {
	files := map[string]string{
		"cookbooks/lb/attributes/default.star": `default["backends"] = [n["name"] for n in search("node", "role:web AND chef_environment:prod")]`,
		"cookbooks/lb/libraries/pool.star":     "def admins():\n    return [u[\"id\"] for u in search(\"users\", \"groups:sysadmin\")]\n",
		"cookbooks/lb/recipes/default.star":    "load(\"//libraries/pool.star\", \"admins\")\nfile(\"/out\", content=\",\".join(node[\"backends\"]) + \" \" + \",\".join(admins()))",
	}
	for k, v := range searchRepo {
		files[k] = v
	}
	c, err := compileRoot(t, files, recipe.Input{Name: "lb1", RunList: []string{"lb"}, Facts: facts.Facts{Platform: "centos"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := find(t, c, "file[/out]").(*resources.File).Content; got != "web1,web2 alice,carol" {
		t.Errorf("got %q", got)
	}
}
