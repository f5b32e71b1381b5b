package recipe_test

import (
	"regexp"
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/recipe"
)

// setKind reports in its inner resources' names what property_is_set
// says, and sets properties of r in its action.
const setKind = `
property("name", str, name_property=True)
property("eol", str, default="\n")
property("label", (str, None))
property("backup", (bool, int), default=False)

def default_eol(r):
    if not property_is_set(r, "eol"):
        r.eol = "\r\n"
    return r.eol

def action_edit(r):
    execute("eol %s %s" % (property_is_set(r, "eol"), repr(default_eol(r))))
    execute("label %s" % property_is_set(r, "label"))
    if r.backup == True:
        r.backup = 5
    execute("backup %s" % r.backup)
    if not property_is_set(r, "sensitive"):
        r.sensitive = True
    execute("after")

def action_look(r):
    execute("look %s" % repr(r.eol))
`

// TestCompile_CustomPropertyIsSetAndSetField: property_is_set(r, "x")
// tells a property the caller gave from one at its default (None given to
// a property that takes None counts); an action's r.x = v is what the
// rest of the action and its helpers read, not what another action sees;
// r.sensitive = True hides the action's resources.
func TestCompile_CustomPropertyIsSetAndSetField(t *testing.T) {
	for _, tc := range []struct {
		name, recipe string
		want         []string // inner resources of edit, then look
		hidden       bool
	}{
		{"defaults", `t_k("a", action=["edit", "look"])`,
			[]string{`execute[eol False "\r\n"]`, "execute[label False]", "execute[backup False]", "execute[after]", `execute[look "\n"]`}, true},
		{"given", `t_k("a", eol="|", label=None, backup=True, sensitive=False, action=["edit", "look"])`,
			[]string{`execute[eol True "|"]`, "execute[label True]", "execute[backup 5]", "execute[after]", `execute[look "|"]`}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mustCompile(t, tc.recipe, map[string]string{"resources/k.star": setKind})
			x := customOf(t, c, 0)
			var got []string
			var inner []engine.Resource
			inner = append(inner, x.Inner("edit")...)
			inner = append(inner, x.Inner("look")...)
			for _, in := range inner {
				got = append(got, in.Base().Kind+"["+in.Base().Name+"]") // Address hides a sensitive command
			}
			if len(got) != len(tc.want) {
				t.Fatalf("inner %q, want %q", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("inner %d = %s, want %s", i, got[i], tc.want[i])
				}
			}
			if h := x.Inner("edit")[0].Base().Sensitive; h != tc.hidden {
				t.Errorf("edit's resources sensitive = %v, want %v", h, tc.hidden)
			}
			for _, p := range x.Props {
				if p.Name == "eol" && tc.name == "defaults" && p.Value != "\n" {
					t.Errorf("the desired eol is %q; an action's r.eol = ... does not change it", p.Value)
				}
			}
		})
	}
}

func TestCompile_CustomSetFieldErrors(t *testing.T) {
	for _, tc := range []struct{ name, kind, want string }{
		{"wrong type", "property(\"n\", int, default=1)\ndef action_x(r):\n    r.n = \"two\"\n", `k.star:3:\d+: t_k.n: .*int`},
		{"unknown property", "def action_x(r):\n    r.zz = 1\n", `t_k has no property zz`},
		{"the name", "def action_x(r):\n    r.name = \"b\"\n", `t_k.name cannot be set`},
		{"outside an action", "property(\"n\", int, default=1)\ndef probes(r):\n    r.n = 2\n    return {}\ndef load_current(r, out): return None\ndef action_x(r): pass\n", `r can be set only inside an action`},
		{"not a resource", "def action_x(r):\n    property_is_set({}, \"n\")\n", `property_is_set: got dict, want the r of a custom resource`},
		{"no such property", "def action_x(r):\n    property_is_set(r, \"zz\")\n", `property_is_set: t_k has no property zz`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := compileRecipe(t, `t_k("a")`, map[string]string{"resources/k.star": tc.kind})
			if err == nil || !regexp.MustCompile(tc.want).MatchString(err.Error()) {
				t.Errorf("error %v\nwant %s", err, tc.want)
			}
		})
	}
}

// TestCompile_CustomSetFieldTodo: under AllowTodo, r.x = todo(...) leaves
// the property as it was, as a property given todo() is unset.
func TestCompile_CustomSetFieldTodo(t *testing.T) {
	c, err := compileTree(t, map[string]string{
		"cookbooks/app/metadata.star":        `name = "app"`,
		"cookbooks/app/resources/k.star":     "property(\"eol\", str, default=\"|\")\ndef action_x(r):\n    r.eol = todo(\"app/resources/k.rb:2: x\")\n    execute(\"eol \" + r.eol)\n",
		"cookbooks/app/recipes/default.star": `app_k("a")`,
	}, recipe.Input{RunList: []string{"app"}, AllowTodo: true})
	if err != nil {
		t.Fatal(err)
	}
	if in := customOf(t, c, 0).Inner("x"); len(in) != 1 || in[0].Base().Name != "eol |" {
		t.Errorf("inner %v", in)
	}
}
