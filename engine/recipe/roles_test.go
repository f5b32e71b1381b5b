package recipe_test

import (
	"reflect"
	"regexp"
	"testing"

	"github.com/converge-cm/converge/engine/recipe"
)

// TestExpand_RoleDiamondIsNotACycle: a role reached by two paths (a → b,
// c; b → d; c → d) is expanded once, and its recipes appear once in the
// run list (Chef semantics); only a role that includes itself is an error,
// named with its path. Today's code called the diamond a cycle.
func TestExpand_RoleDiamondIsNotACycle(t *testing.T) {
	base := map[string]string{
		"cookbooks/t/metadata.star":        `name = "t"`,
		"cookbooks/t/recipes/b.star":       `file("/b", content="b")`,
		"cookbooks/t/recipes/c.star":       `file("/c", content="c")`,
		"cookbooks/t/recipes/d.star":       `file("/d", content="d")`,
		"cookbooks/t/recipes/default.star": `file("/recipes", content=",".join(node["recipes"]))`,
	}
	cases := []struct {
		name    string
		roles   map[string]string
		runList []string
		want    []string // resource addresses
		recipes string   // node["recipes"]
		err     string
	}{
		{name: "diamond",
			roles: map[string]string{
				"a": `{"run_list": ["role[b]", "role[c]", "t::default"]}`,
				"b": `{"run_list": ["t::b", "role[d]"]}`,
				"c": `{"run_list": ["role[d]", "t::c"]}`,
				"d": `{"run_list": ["t::d"]}`,
			},
			runList: []string{"role[a]"},
			want:    []string{"file[/b]", "file[/d]", "file[/c]", "file[/recipes]"},
			recipes: "t::b,t::d,t::c,t::default"},
		{name: "same role twice in the run list",
			roles:   map[string]string{"d": `{"run_list": ["t::d", "t::default"]}`},
			runList: []string{"role[d]", "t::d", "role[d]"},
			want:    []string{"file[/d]", "file[/recipes]"},
			recipes: "t::d,t::default"},
		{name: "real cycle",
			roles: map[string]string{
				"a": `{"run_list": ["role[b]"]}`,
				"b": `{"run_list": ["role[c]"]}`,
				"c": `{"run_list": ["t::c", "role[a]"]}`,
			},
			runList: []string{"role[a]"},
			err:     `role a includes itself: a → b → c → a`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{}
			for k, v := range base {
				files[k] = v
			}
			for n, j := range tc.roles {
				files["roles/"+n+".json"] = j
			}
			c, err := compileTree(t, files, recipe.Input{RunList: tc.runList})
			if tc.err != "" {
				if err == nil || !regexp.MustCompile(tc.err).MatchString(err.Error()) {
					t.Fatalf("error %v, want one matching %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := addresses(c); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("resources %v, want %v", got, tc.want)
			}
			if got := rendered(t, find(t, c, "file[/recipes]"), "/recipes"); got != tc.recipes {
				t.Errorf("node[\"recipes\"] = %s, want %s", got, tc.recipes)
			}
		})
	}
}
