package recipe_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine/inventory"
	"github.com/converge-cm/converge/engine/recipe"
	"github.com/converge-cm/converge/resources"
)

// rootValues is attrValues for a repository with roles/ and
// environments/ (compileRoot).
func rootValues(t *testing.T, files map[string]string, in recipe.Input, exprs ...string) []string {
	t.Helper()
	var src strings.Builder
	for i, e := range exprs {
		fmt.Fprintf(&src, "file(\"/v%d\", content=str(%s))\n", i, e)
	}
	files["cookbooks/app/recipes/default.star"] = src.String()
	files["cookbooks/app/metadata.star"] = `name = "app"`
	if in.RunList == nil {
		in.RunList = []string{"app"}
	}
	c, err := compileRoot(t, files, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := range exprs {
		out = append(out, find(t, c, fmt.Sprintf("file[/v%d]", i)).(*resources.File).Content)
	}
	return out
}

// TestCompile_AttributesWalkInChefOrder checks a recipe walks merged
// attributes as Chef's merged attributes iterate: a key where it first
// appears, walking the levels lowest precedence first (Ruby's Hash#merge
// keeps the receiver's order and appends new keys), nested hashes the
// same way. Before, views walked sorted keys: a, b, m, z.
func TestCompile_AttributesWalkInChefOrder(t *testing.T) {
	walk := []string{
		`[k for k in node["h"]]`,
		`node["h"].keys()`,
		`[k for k, v in node["h"].items()]`,
		`[str(v) for v in node["h"].values()]`,
		`rb_to_s(node["h"])`,
	}
	tests := []struct {
		name  string
		files map[string]string
		node  string // nodes/db1.json, "" for none
		want  []string
	}{
		{
			name: "one attributes file, an override adding a key",
			files: map[string]string{"cookbooks/app/attributes/default.star": `
default["h"]["z"] = 1
default["h"]["a"] = 2
default["h"]["m"] = 3
override["h"]["b"] = 4
override["h"]["a"] = 20
`},
			want: []string{`["z", "a", "m", "b"]`, `["z", "a", "m", "b"]`, `["z", "a", "m", "b"]`, `["1", "20", "3", "4"]`,
				`{"z"=>1, "a"=>20, "m"=>3, "b"=>4}`},
		},
		{
			name: "a higher level set first in the file still comes after the default's keys",
			files: map[string]string{"cookbooks/app/attributes/default.star": `
override["h"]["n"] = "o"
default["h"]["z"] = "d"
default["h"]["n"] = "d"
`},
			want: []string{`["z", "n"]`, `["z", "n"]`, `["z", "n"]`, `["d", "o"]`, `{"z"=>"d", "n"=>"o"}`},
		},
		{
			name: "nested hashes merge in order across files",
			files: map[string]string{
				"cookbooks/app/attributes/default.star": `
default["h"]["z"]["y"] = 1
default["h"]["z"]["b"] = 2
default["h"]["a"] = 1
`,
				"cookbooks/app/attributes/more.star": `
default["h"]["q"] = 1
normal["h"]["z"]["c"] = 3
normal["h"]["z"]["b"] = 20
`},
			want: []string{`["z", "a", "q"]`, `["z", "a", "q"]`, `["z", "a", "q"]`, `["{\"b\":20,\"c\":3,\"y\":1}", "1", "1"]`,
				`{"z"=>{"y"=>1, "b"=>20, "c"=>3}, "a"=>1, "q"=>1}`},
		},
		{
			name: "roles and environments rank between the files' levels",
			files: map[string]string{
				"cookbooks/app/attributes/default.star": `
default["h"]["z"] = "file"
override["h"]["y"] = "file-override"
`,
				"roles/web.json": `{"name": "web", "run_list": ["app"],
  "default_attributes": {"h": {"r2": "role", "r1": "role"}},
  "override_attributes": {"h": {"ro": "role", "z": "role"}}}`,
				"environments/prod.json": `{"name": "prod", "default_attributes": {"h": {"e": "env"}}}`,
			},
			want: []string{`["z", "e", "r2", "r1", "y", "ro"]`, `["z", "e", "r2", "r1", "y", "ro"]`, `["z", "e", "r2", "r1", "y", "ro"]`,
				`["role", "env", "role", "role", "file-override", "role"]`,
				`{"z"=>"role", "e"=>"env", "r2"=>"role", "r1"=>"role", "y"=>"file-override", "ro"=>"role"}`},
		},
		{
			name: "a node file's keys in the order written, after the defaults",
			files: map[string]string{"cookbooks/app/attributes/default.star": `
default["h"]["k"] = "default"
default["h"]["b"] = "default"
`},
			node: `{"normal": {"h": {"x": "node", "b": "node", "c": {"q": 1, "p": 2}}}, "run_list": ["app"]}`,
			want: []string{`["k", "b", "x", "c"]`, `["k", "b", "x", "c"]`, `["k", "b", "x", "c"]`,
				`["default", "node", "node", "{\"p\":2,\"q\":1}"]`, `{"k"=>"default", "b"=>"node", "x"=>"node", "c"=>{"q"=>1, "p"=>2}}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := recipe.Input{}
			if _, ok := tt.files["roles/web.json"]; ok {
				in.RunList = []string{"role[web]"}
				in.Environment = "prod"
			}
			if tt.node != "" {
				f, err := inventory.ParseFile(filepath.Join("nodes", "db1.json"), []byte(tt.node))
				if err != nil {
					t.Fatal(err)
				}
				in.Normal, in.Order, in.RunList = f.Normal, f.Order, f.RunList
			}
			checkValues(t, walk, rootValues(t, tt.files, in, walk...), tt.want)
		})
	}
}

// TestCompile_DataBagItemKeepsOrder checks a data bag item's objects walk
// in the order the JSON writes them, as Ruby's JSON.parse gives them.
func TestCompile_DataBagItemKeepsOrder(t *testing.T) {
	exprs := []string{`data_bag_item("fw", "rules")["rules"].keys()`, `[k for k in data_bag_item("fw", "rules")["rules"]["ssh"]]`}
	got := rootValues(t, map[string]string{
		"data_bags/fw/rules.json": `{"id": "rules", "rules": {"ssh": {"port": 22, "from": "any"}, "http": {"port": 80}, "deny": {}}}`,
	}, recipe.Input{}, exprs...)
	checkValues(t, exprs, got, []string{`["ssh", "http", "deny"]`, `["port", "from"]`})
}

// TestCompile_TemplateWalksHashesInOrder checks a template walks the
// hashes of its data in insertion order: a Starlark dict passed as
// variables={...} in the dict's order, the node's attributes in Chef's
// merge order, a hash the template writes in the order written; Go's
// range over a map stays sorted. Before, each walked sorted keys.
func TestCompile_TemplateWalksHashesInOrder(t *testing.T) {
	tmpl := `{{range $p := rb_each .params}}{{index $p 0}}={{index $p 1}}
{{end}}{{rb_to_s .params}}
{{rb_join (rb_keys .node.sysctl) ","}} {{rb_join (rb_values .node.sysctl) ","}}
{{rb_inspect .nested}}
{{rb_inspect (rb_hash "z" 1 "a" 2)}}
{{range $k, $v := .params}}{{$k}}{{end}}
`
	want := `zeta=1
alpha=2
mid=3
{"zeta"=>1, "alpha"=>2, "mid"=>3}
vm.swappiness,net.ipv4.ip_forward,kernel.pid_max 10,1,4194304
{"outer"=>{"y"=>[{"k2"=>1, "k1"=>2}], "b"=>nil}}
{"z"=>1, "a"=>2}
alphamidzeta
`
	files := map[string]string{
		"cookbooks/app/metadata.star": `name = "app"`,
		"cookbooks/app/attributes/default.star": `
default["sysctl"]["vm.swappiness"] = 10
default["sysctl"]["net.ipv4.ip_forward"] = 1
default["sysctl"]["kernel.pid_max"] = 4194304
`,
		"cookbooks/app/templates/default/t.tmpl": tmpl,
		"cookbooks/app/recipes/default.star": `
template("/etc/t", source="t.tmpl", variables={
    "params": {"zeta": 1, "alpha": 2, "mid": 3},
    "nested": {"outer": {"y": [{"k2": 1, "k1": 2}], "b": None}},
})
`,
	}
	c, err := compileTree(t, files, recipe.Input{RunList: []string{"app"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := rendered(t, find(t, c, "template[/etc/t]"), "/etc/t"); got != want {
		t.Errorf("rendered:\n%s\nwant:\n%s", got, want)
	}
}
