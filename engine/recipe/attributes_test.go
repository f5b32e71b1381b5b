package recipe_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine/recipe"
	"github.com/converge-cm/converge/resources"
)

// TestCompile_AttributePrecedence sets one key at several levels and
// checks which value node[key] reads. Chef's order, lowest first:
// attributes-file default < role default < normal (node JSON, -j, -a) <
// attributes-file override < role override < automatic (facts).
func TestCompile_AttributePrecedence(t *testing.T) {
	tests := []struct {
		key  string
		set  []string // levels that set key to their own name
		want string
	}{
		{"k", []string{"default"}, "default"},
		{"k", []string{"role_default"}, "role_default"},
		{"k", []string{"normal"}, "normal"},
		{"k", []string{"override"}, "override"},
		// Guards a past bug: the attribute files merged over the role levels,
		// so a cookbook default beat a role default (and override likewise).
		{"k", []string{"default", "role_default"}, "role_default"},
		{"k", []string{"default", "normal"}, "normal"},
		{"k", []string{"role_default", "normal"}, "normal"},
		{"k", []string{"normal", "override"}, "override"},
		{"k", []string{"default", "override"}, "override"},
		{"k", []string{"override", "role_override"}, "role_override"},
		{"k", []string{"default", "role_default", "normal", "override"}, "override"},
		{"k", []string{"default", "role_default", "normal", "override", "role_override"}, "role_override"},
		// hostname is a fact: automatic beats every level.
		{"hostname", []string{"default", "role_default", "normal", "override", "role_override"}, "db1"},
		{"hostname", []string{"override"}, "db1"},
	}
	for _, tt := range tests {
		t.Run(tt.key+"/"+strings.Join(tt.set, "+"), func(t *testing.T) {
			var attrs strings.Builder
			role := map[string]any{"run_list": []string{"p"}, "default_attributes": map[string]any{}, "override_attributes": map[string]any{}}
			normal := map[string]any{}
			for _, l := range tt.set {
				switch l {
				case "default", "override":
					fmt.Fprintf(&attrs, "%s[%q] = %q\n", l, tt.key, l)
				case "role_default":
					role["default_attributes"].(map[string]any)[tt.key] = l
				case "role_override":
					role["override_attributes"].(map[string]any)[tt.key] = l
				case "normal":
					normal[tt.key] = l
				default:
					t.Fatalf("unknown level %s", l)
				}
			}
			roleJSON, _ := json.Marshal(role)
			c, err := compileTree(t, map[string]string{
				"cookbooks/p/attributes/default.star": attrs.String(),
				"cookbooks/p/recipes/default.star":    fmt.Sprintf("file(\"/k\", content=str(node[%q]))", tt.key),
				"roles/r.json":                        string(roleJSON),
			}, recipe.Input{RunList: []string{"role[r]"}, Normal: normal})
			if err != nil {
				t.Fatal(err)
			}
			if got := find(t, c, "file[/k]").(*resources.File).Content; got != tt.want {
				t.Errorf("node[%q] = %q, want %q", tt.key, got, tt.want)
			}
		})
	}
}

// attrRecipe is a recipe that writes the attributes it is asked about
// into file contents, as JSON for maps.
func attrValues(t *testing.T, files map[string]string, in recipe.Input, exprs ...string) []string {
	t.Helper()
	var src strings.Builder
	for i, e := range exprs {
		fmt.Fprintf(&src, "file(\"/v%d\", content=str(%s))\n", i, e)
	}
	files["cookbooks/app/recipes/default.star"] = src.String()
	if _, ok := files["cookbooks/app/metadata.star"]; !ok {
		files["cookbooks/app/metadata.star"] = `name = "app"`
	}
	if in.RunList == nil {
		in.RunList = []string{"app"}
	}
	c, err := compileTree(t, files, in)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := range exprs {
		out = append(out, find(t, c, fmt.Sprintf("file[/v%d]", i)).(*resources.File).Content)
	}
	return out
}

func checkValues(t *testing.T, exprs, got, want []string) {
	t.Helper()
	for i := range exprs {
		if got[i] != want[i] {
			t.Errorf("%s = %s, want %s", exprs[i], got[i], want[i])
		}
	}
}

// TestCompile_AttributeLevelsMergeKeyByKey checks nested maps merge across
// levels key by key, while lists and scalars replace.
func TestCompile_AttributeLevelsMergeKeyByKey(t *testing.T) {
	exprs := []string{`node["db"]`, `node["db"]["port"]`, `node["db"]["tls"]["ca"]`, `node["peers"]`}
	got := attrValues(t, map[string]string{
		"cookbooks/app/attributes/default.star": `
default["db"]["host"] = "localhost"
default["db"]["port"] = 5432
default["db"]["tls"]["ca"] = "/etc/ca.pem"
default["db"]["tls"]["verify"] = True
default["peers"] = ["a", "b", "c"]
override["db"]["tls"]["ca"] = "/etc/override-ca.pem"
`,
	}, recipe.Input{Normal: map[string]any{"db": map[string]any{"port": 6432.0}, "peers": []any{"z"}}}, exprs...)
	checkValues(t, exprs, got, []string{
		`{"host":"localhost","port":6432,"tls":{"ca":"/etc/override-ca.pem","verify":true}}`,
		`6432`, `/etc/override-ca.pem`, `["z"]`,
	})
}

// TestCompile_AttributeFileOrder checks attributes/default.star loads
// before the cookbook's other attribute files (then lexical order), and a
// dependency's attributes before its dependent's, whatever the run list
// order; each file reads what earlier files set.
func TestCompile_AttributeFileOrder(t *testing.T) {
	files := map[string]string{
		"cookbooks/base/metadata.star":           `name = "base"`,
		"cookbooks/base/attributes/default.star": `default["port"] = 1` + "\n" + `default["order"] = ["base"]`,
		"cookbooks/base/recipes/default.star":    ``,
		"cookbooks/app/metadata.star":            `name = "app"` + "\n" + `depends = {"base": ">= 0"}`,
		"cookbooks/app/attributes/b.star":        `default["who"] = "b"` + "\n" + `default["order"] = node["order"] + ["b"]`,
		"cookbooks/app/attributes/a.star":        `default["who"] = "a"` + "\n" + `default["order"] = node["order"] + ["a"]` + "\n" + `default["a_saw_port"] = node["port"]`,
		"cookbooks/app/attributes/default.star":  `default["who"] = "default"` + "\n" + `default["order"] = node["order"] + ["app-default"]` + "\n" + `default["url"] = "http://db:%d" % node["port"]`,
	}
	exprs := []string{`node["who"]`, `node["order"]`, `node["url"]`, `node["a_saw_port"]`}
	for _, rl := range [][]string{{"app"}, {"app", "base"}, {"base", "app"}} {
		t.Run(strings.Join(rl, ","), func(t *testing.T) {
			got := attrValues(t, copyMap(files), recipe.Input{RunList: rl}, exprs...)
			checkValues(t, exprs, got, []string{`b`, `["base", "app-default", "a", "b"]`, `http://db:1`, `1`})
		})
	}
}

func copyMap(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestCompile_OptionalAttributes checks node.get(), `in` and the views'
// dict methods, none of which fail on a missing key; the views walk the
// keys in the order they were set, as Ruby's hashes do.
func TestCompile_OptionalAttributes(t *testing.T) {
	exprs := []string{
		`node.get("missing", 42)`,
		`node.get("missing")`,
		`node.get("db")["port"]`,
		`node["db"].get("user", "postgres")`,
		`"db" in node`,
		`"missing" in node`,
		`"port" in node["db"]`,
		`node["db"].keys()`,
		`[k for k in node["db"]]`,
		`node["db"].items()`,
		`len(node["db"])`,
		`node.attributes["db"]["port"]`,
		`node["hostname"] == node.hostname`,
		`[node.name, node.fqdn, node.platform, node.platform_version, node.platform_major, node.platform_family, node.init, node.ipaddress, node.cpu_count, node.memory_mb]`,
	}
	got := attrValues(t, map[string]string{
		"cookbooks/app/attributes/default.star": `default["db"]["port"] = 5432` + "\n" + `default["db"]["host"] = "h"`,
	}, recipe.Input{Name: "node-1"}, exprs...)
	checkValues(t, exprs, got, []string{
		`42`, `None`, `5432`, `postgres`, `True`, `False`, `True`,
		`["port", "host"]`, `["port", "host"]`, `[("port", 5432), ("host", "h")]`, `2`, `5432`, `True`,
		`["node-1", "db1.example.com", "centos", "7.1.1503", 7, "rhel", "systemd", "10.0.0.11", 2, 2048]`,
	})
}

// TestCompile_AttributeFileErrors checks errors in attribute files carry
// their file:line too.
func TestCompile_AttributeFileErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"reading a missing attribute", "x = 1\ndefault[\"url\"] = node[\"db\"]\n", `default.star:2:\d+: node\["db"\]: no such attribute`},
		{"assigning to node", "node[\"x\"] = 1\n", `default.star:1:\d+: node\["x"\] is read-only: set attributes in an attributes file .* with default\["x"\] = \.\.\.`},
		{"unsupported value", "def f():\n    pass\ndefault[\"f\"] = f\n", `default.star:3:\d+: .*default\["f"\]: a function cannot be used as data`},
		{"non-string key", "default[1] = 2\n", `default.star:1:\d+: attribute keys are strings, not int`},
		{"declaring a resource", "load(\"//libraries/h.star\", \"motd\")\nmotd()\n", `h.star:2:\d+: file\(\) can only be called while a recipe runs, not from an attribute file`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := compileTree(t, map[string]string{
				"cookbooks/app/attributes/default.star": tt.src,
				"cookbooks/app/recipes/default.star":    ``,
				"cookbooks/app/libraries/h.star":        "def motd():\n    file(\"/etc/motd\")\n",
			}, recipe.Input{RunList: []string{"app"}})
			if err == nil {
				t.Fatal("Compile succeeded")
			}
			if !matches(tt.want, err.Error()) {
				t.Errorf("error %q does not match %s", err, tt.want)
			}
		})
	}
}

// TestCompile_AttributeFileReadsItsOwnSets checks an attributes file's
// node[...] sees what the same file set a line earlier, merged in Chef's
// order with the other levels (Chef's node while it loads attribute
// files), and force_default/force_override beat the role levels.
func TestCompile_AttributeFileReadsItsOwnSets(t *testing.T) {
	role := `{"run_list": ["app"], "default_attributes": {"fd": "role", "fo": "role"}, "override_attributes": {"fo": "role", "ro": "role"}}`
	files := map[string]string{
		"cookbooks/app/attributes/default.star": `
default["x"]["dir"] = "/opt/x"
default["x"]["conf"] = node["x"]["dir"] + "/conf"
default["lvl"] = "default"
override["lvl"] = "override"
default["seen_lvl"] = node["lvl"]
default["n"] = "default"
default["seen_n"] = node["n"]
default["fd"] = "default"
force_default["fd"] = "force_default"
force_override["fo"] = "force_override"
override["ro"] = "file"
`,
		"cookbooks/app/attributes/later.star": `default["later"] = node["x"]["conf"] + ".d"`,
		"roles/r.json":                        role,
	}
	exprs := []string{`node["x"]["conf"]`, `node["seen_lvl"]`, `node["seen_n"]`, `node["fd"]`, `node["fo"]`, `node["ro"]`, `node["later"]`}
	got := attrValues(t, files, recipe.Input{RunList: []string{"role[r]"}, Normal: map[string]any{"n": "normal"}}, exprs...)
	checkValues(t, exprs, got, []string{`/opt/x/conf`, `override`, `normal`, `force_default`, `force_override`, `role`, `/opt/x/conf.d`})
}

// TestCompile_RunState checks run_state carries a value from one recipe
// to a later one of the same run (Chef's node.run_state).
func TestCompile_RunState(t *testing.T) {
	files := map[string]string{
		"cookbooks/app/recipes/first.star": `run_state["token"] = "t-" + node.name`,
		"cookbooks/app/metadata.star":      `name = "app"`,
	}
	got := attrValues(t, files, recipe.Input{Name: "n1", RunList: []string{"app::first", "app"}}, `run_state["token"]`, `run_state.get("none", "-")`)
	checkValues(t, []string{"token", "none"}, got, []string{"t-n1", "-"})
}
