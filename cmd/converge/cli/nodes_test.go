package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// inventoryRepo writes a repository of four nodes, three roles (frontend
// holds web, web holds base) and two cookbooks, and chdirs into it.
func inventoryRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeTestFiles(t, dir, map[string]string{
		"nodes/web1.json": `{"name": "web1", "chef_environment": "prod", "run_list": ["role[frontend]"],
			"tags": ["canary"], "converge": {"host": "10.0.0.11", "user": "admin", "port": 2222}}`,
		"nodes/web2.json":                     `{"chef_environment": "prod", "run_list": ["role[web]"], "normal": {"tags": ["frontend"]}}`,
		"nodes/db1.json":                      `{"chef_environment": "prod", "run_list": ["recipe[db]", "role[base]"], "tags": ["db", "primary"], "converge": {"host": "fd00::5", "port": 22}}`,
		"nodes/lab1.json":                     `{"run_list": ["base"]}`,
		"environments/prod.json":              `{"name": "prod", "default_attributes": {}, "override_attributes": {}}`,
		"roles/frontend.json":                 `{"run_list": ["role[web]"]}`,
		"roles/web.json":                      `{"run_list": ["role[base]", "recipe[web]"]}`,
		"roles/base.json":                     `{"run_list": ["base"]}`,
		"cookbooks/base/metadata.star":        "name = \"base\"\nversion = \"1.0.0\"\n",
		"cookbooks/base/recipes/default.star": "file(node[\"root\"] + \"/base\", content = \"base on %s\\n\" % node.name)\n",
		"cookbooks/web/metadata.star":         "name = \"web\"\nversion = \"1.0.0\"\n",
		"cookbooks/web/recipes/default.star":  "file(node[\"root\"] + \"/web\", content = \"web\\n\")\n",
		"cookbooks/db/metadata.star":          "name = \"db\"\nversion = \"1.0.0\"\n",
		"cookbooks/db/recipes/default.star":   "file(node[\"root\"] + \"/db\", content = \"db\\n\")\n",
	})
	t.Chdir(dir)
	t.Setenv("CONVERGE_COOKBOOK_PATH", "")
	return dir
}

// TestNodes_ListsWhatAnExpressionSelects: converge nodes EXPR prints the
// selected nodes with address, environment, roles (expanded through
// roles/) and tags; a selection of nothing is exit 2 naming it.
func TestNodes_ListsWhatAnExpressionSelects(t *testing.T) {
	inventoryRepo(t)
	tests := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{args: []string{"nodes"}, stdout: "" +
			"NAME  ADDRESS               ENVIRONMENT  ROLES              TAGS\n" +
			"db1   [fd00::5]:22          prod         base               db,primary\n" +
			"lab1  lab1                  _default     -                  -\n" +
			"web1  admin@10.0.0.11:2222  prod         frontend,web,base  canary\n" +
			"web2  web2                  prod         web,base           frontend\n"},
		{args: []string{"nodes", "role:web"}, stdout: "web1  admin@10.0.0.11:2222  prod  frontend,web,base  canary\nweb2  web2  prod  web,base  frontend\n"},
		{args: []string{"nodes", "role:web,!tag:canary"}, stdout: "web2  web2  prod  web,base  frontend\n"},
		{args: []string{"nodes", "role:base,env:prod|lab*"}, stdout: "db1 [fd00::5]:22 prod base db,primary\nlab1 lab1 _default - -\nweb1 admin@10.0.0.11:2222 prod frontend,web,base canary\nweb2 web2 prod web,base frontend\n"},
		{args: []string{"nodes", "env:_default"}, stdout: "lab1 lab1 _default - -\n"},
		{args: []string{"nodes", "tag:db"}, stdout: "db1 [fd00::5]:22 prod base db,primary\n"},
		{args: []string{"nodes", "role:mail"}, code: 2, stderr: `converge: selection "role:mail" matches none of the 4 nodes: no node has role:mail (roles: base, frontend, web)` + "\n"},
		{args: []string{"nodes", "role:web,tag:db"}, code: 2, stderr: `converge: selection "role:web,tag:db" matches none of the 4 nodes` + "\n"},
		{args: []string{"nodes", "role:web tag:db"}, code: 2, stderr: `converge: --nodes: selection "role:web tag:db": "role:web tag:db" holds a blank; join terms with "," (and) or "|" (or)` + "\n"},
		{args: []string{"nodes", "--format", "yaml"}, code: 2, stderr: `converge: --format "yaml": want text or json` + "\n"},
	}
	fields := func(s string) string {
		var out []string
		for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
			out = append(out, strings.Join(strings.Fields(l), " "))
		}
		return strings.Join(out, "\n")
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := converge(t, tt.args...)
			if r.code != tt.code || r.stderr != tt.stderr {
				t.Fatalf("exit %d, stderr %q; want %d, %q", r.code, r.stderr, tt.code, tt.stderr)
			}
			if tt.code != 0 {
				if r.stdout != "" {
					t.Errorf("stdout %q, want none", r.stdout)
				}
				return
			}
			if len(tt.args) == 1 {
				// The full listing: exact, columns aligned.
				if r.stdout != tt.stdout {
					t.Errorf("stdout\n%s\nwant\n%s", r.stdout, tt.stdout)
				}
				return
			}
			if !strings.HasPrefix(r.stdout, "NAME ") {
				t.Errorf("no header:\n%s", r.stdout)
			}
			body := r.stdout[strings.IndexByte(r.stdout, '\n')+1:]
			if fields(body) != fields(tt.stdout) {
				t.Errorf("stdout\n%s\nwant\n%s", body, tt.stdout)
			}
		})
	}
}

func TestNodes_JSON(t *testing.T) {
	inventoryRepo(t)
	r := converge(t, "nodes", "role:web|tag:db", "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got []nodeListing
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	want := []nodeListing{
		{Name: "db1", Address: "fd00::5", Port: 22, Environment: "prod", Roles: []string{"base"}, Tags: []string{"db", "primary"}, RunList: []string{"recipe[db]", "role[base]"}, File: "nodes/db1.json"},
		{Name: "web1", Address: "10.0.0.11", User: "admin", Port: 2222, Environment: "prod", Roles: []string{"frontend", "web", "base"}, Tags: []string{"canary"}, RunList: []string{"role[frontend]"}, File: "nodes/web1.json"},
		{Name: "web2", Address: "web2", Environment: "prod", Roles: []string{"web", "base"}, Tags: []string{"frontend"}, RunList: []string{"role[web]"}, File: "nodes/web2.json"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if !strings.Contains(r.stdout, `"tags": [`) || strings.Contains(r.stdout, "null") {
		t.Errorf("empty lists must be [], not null:\n%s", r.stdout)
	}
}

// TestConverge_SelectionUsageErrors: the ways to name nodes exclude each
// other, -r alone names none, and nodes without a run list are refused
// before any is connected to.
func TestConverge_SelectionUsageErrors(t *testing.T) {
	dir := inventoryRepo(t)
	tests := []struct {
		name  string
		setup func()
		args  []string
		err   string
	}{
		{name: "NODE and --nodes", args: []string{"--nodes", "role:web", "web1"}, err: `give NODE names or --nodes "role:web", not both`},
		{name: "--local and --nodes", args: []string{"--local", "--nodes", "*"}, err: "--local converges this machine; do not name nodes or give --nodes with it"},
		{name: "-r without nodes", args: []string{"-r", "base"}, err: "name at least one node, select some with --nodes EXPR ('*' for all), or use --local"},
		{name: "facts without nodes", args: []string{"facts"}, err: "name at least one node"},
		{name: "selection of nothing", args: []string{"--nodes", "env:qa"}, err: `selection "env:qa" matches none of the 4 nodes: no node has env:qa (environments: _default, prod)`},
		{name: "bad selector", args: []string{"plan", "--nodes", "group:web"}, err: `unknown selector group:`},
		{name: "nodes without run lists", args: nil, setup: func() {
			writeTestFiles(t, dir, map[string]string{"nodes/bare.json": `{"converge": {"host": "127.0.0.1", "port": 1}}`, "nodes/bare2.json": `{}`})
		}, err: `2 of 6 nodes have no run list: nodes/bare.json, nodes/bare2.json; add "run_list": [...] to each, or give one for every node with -r RUN_LIST`},
		{name: "selected node without a run list", args: []string{"-n", "--nodes", "bare*,!lab1"}, err: `2 of 2 nodes have no run list: nodes/bare.json, nodes/bare2.json`},
		{name: "no inventory", setup: func() {
			if err := os.RemoveAll(filepath.Join(dir, "nodes")); err != nil {
				t.Fatal(err)
			}
		}, err: "name at least one node, select some with --nodes EXPR, or use --local (nodes/ of "},
		{name: "selection with no inventory", args: []string{"--nodes", "*"}, err: `selection "*": nodes/ of `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			r := converge(t, tt.args...)
			if r.code != ExitUsage || !strings.Contains(r.stderr, tt.err) {
				t.Fatalf("exit %d, stderr %q; want exit 2 with %q", r.code, r.stderr, tt.err)
			}
			if strings.Contains(r.stdout, "unreachable") {
				t.Errorf("a node was connected to:\n%s", r.stdout)
			}
		})
	}
}

// TestPlan_FactsWithSelectionUsesEachNodesRunList: plan --facts --nodes
// plans the selected inventory nodes offline, each with its own run list
// (roles expanded), or with -r's.
func TestPlan_FactsWithSelectionUsesEachNodesRunList(t *testing.T) {
	dir := inventoryRepo(t)
	b, err := os.ReadFile(repoPath(t, "testdata/plans/centos-7.1.1503.json"))
	if err != nil {
		t.Fatal(err)
	}
	var recorded map[string]any
	if err := json.Unmarshal(b, &recorded); err != nil {
		t.Fatal(err)
	}
	f := recorded["c7a"]
	facts, _ := json.Marshal(map[string]any{"web1": f, "web2": f, "db1": f, "lab1": f})
	writeTestFiles(t, dir, map[string]string{"facts.json": string(facts)})
	recipes := func(out string) map[string][]string {
		m := map[string][]string{}
		node := ""
		for _, l := range strings.Split(out, "\n") {
			if rest, ok := strings.CutPrefix(l, "Planning (dry run) "); ok {
				node = strings.Fields(rest)[0]
			}
			if rest, ok := strings.CutPrefix(l, "Recipe: "); ok {
				m[node] = append(m[node], rest)
			}
		}
		return m
	}
	tests := []struct {
		args []string
		want map[string][]string
	}{
		{[]string{"--nodes", "role:web"}, map[string][]string{"web1": {"base::default", "web::default"}, "web2": {"base::default", "web::default"}}},
		{[]string{"--nodes", "!role:web"}, map[string][]string{"db1": {"db::default", "base::default"}, "lab1": {"base::default"}}},
		{[]string{"--nodes", "tag:db|lab1", "-r", "web"}, map[string][]string{"db1": {"web::default"}, "lab1": {"web::default"}}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := converge(t, append([]string{"plan", "--facts", "facts.json", "-a", "root=/srv/x"}, tt.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if got := recipes(r.stdout); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("recipes %v, want %v\n%s", got, tt.want, r.stdout)
			}
		})
	}
}

// TestPlan_NodeFileIntegersStayIntegers: a whole number of nodes/NAME.json
// reaches recipes, templates and search() as an exact integer (8080, never
// 8080.0). The command line decoded node files as float64, and an id past
// 2^53 reached recipes rounded, as 9.007199254740992e+15; search() read
// the same file with a parser of its own.
func TestPlan_NodeFileIntegersStayIntegers(t *testing.T) {
	dir := t.TempDir()
	writeTestFiles(t, dir, map[string]string{
		"nodes/app1.json":                       `{"run_list": ["app"], "app": {"port": 8080, "ratio": 0.5, "workers": [2, 4], "id": 9007199254740993}}`,
		"cookbooks/app/metadata.star":           "name = \"app\"\nversion = \"1.0.0\"\n",
		"cookbooks/app/templates/app.conf.tmpl": "port {{.node.app.port}} ratio {{.node.app.ratio}} workers {{.node.app.workers}} id {{.node.app.id}}\n",
		"cookbooks/app/recipes/default.star": `peers = [n["name"] for n in search("node", "app_port:8080 AND app_workers:4")]
file("/srv/app.txt", content = "%s %s %s %s %s\n" % (node["app"]["port"], node["app"]["ratio"], node["app"]["workers"], node["app"]["id"], peers))
template("/srv/app.conf", source = "app.conf.tmpl")
`,
	})
	t.Chdir(dir)
	t.Setenv("CONVERGE_COOKBOOK_PATH", "")
	b, err := os.ReadFile(repoPath(t, "testdata/plans/centos-7.1.1503.json"))
	if err != nil {
		t.Fatal(err)
	}
	var recorded map[string]any
	if err := json.Unmarshal(b, &recorded); err != nil {
		t.Fatal(err)
	}
	facts, _ := json.Marshal(map[string]any{"app1": recorded["c7a"]})
	writeTestFiles(t, dir, map[string]string{"facts.json": string(facts)})
	r := converge(t, "plan", "--facts", "facts.json", "--nodes", "app1")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"+8080 0.5 [2, 4] 9007199254740993 [\"app1\"]\n", "+port 8080 ratio 0.5 workers [2 4] id 9007199254740993\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the plan does not show %q:\n%s", want, r.stdout)
		}
	}
}

// TestPlan_RoleAndJSONIntegersStayExact: numbers in roles/*.json and in
// a -j file are read as node files' are: an integer past 2^53 stays
// exact, 8080 an integer, 0.5 a float.
func TestPlan_RoleAndJSONIntegersStayExact(t *testing.T) {
	dir := t.TempDir()
	writeTestFiles(t, dir, map[string]string{
		"nodes/app1.json":             `{"run_list": ["role[web]"]}`,
		"roles/web.json":              `{"name": "web", "run_list": ["recipe[app]"], "default_attributes": {"app": {"rid": 9007199254740995, "port": 8080}}}`,
		"extra.json":                  `{"app": {"jid": 9007199254740997, "ratio": 0.5}}`,
		"cookbooks/app/metadata.star": "name = \"app\"\nversion = \"1.0.0\"\n",
		"cookbooks/app/recipes/default.star": `a = node["app"]
file("/srv/ids.txt", content = "%s %s %s %s\n" % (a["rid"], a["jid"], a["port"], a["ratio"]))
`,
	})
	t.Chdir(dir)
	t.Setenv("CONVERGE_COOKBOOK_PATH", "")
	b, err := os.ReadFile(repoPath(t, "testdata/plans/centos-7.1.1503.json"))
	if err != nil {
		t.Fatal(err)
	}
	var recorded map[string]any
	if err := json.Unmarshal(b, &recorded); err != nil {
		t.Fatal(err)
	}
	facts, _ := json.Marshal(map[string]any{"app1": recorded["c7a"]})
	writeTestFiles(t, dir, map[string]string{"facts.json": string(facts)})
	r := converge(t, "plan", "--facts", "facts.json", "--nodes", "app1", "-j", "extra.json")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if want := "+9007199254740995 9007199254740997 8080 0.5\n"; !strings.Contains(r.stdout, want) {
		t.Errorf("the plan does not show %q:\n%s", want, r.stdout)
	}
	writeTestFiles(t, dir, map[string]string{"extra.json": `{"app": {"jid": 123456789012345678901}}`})
	if r := converge(t, "plan", "--facts", "facts.json", "--nodes", "app1", "-j", "extra.json"); r.code != ExitUsage || !strings.Contains(r.stderr, "does not fit in 64 bits") {
		t.Errorf("a -j integer past int64: exit %d, want %d naming it\n%s", r.code, ExitUsage, r.stderr)
	}
}
