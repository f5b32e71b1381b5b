package recipe_test

import (
	"reflect"
	"regexp"
	"slices"
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/recipe"
)

// kindFile is a custom kind with one property of every type.
const kindFile = `
doc = "Every property type."
property("name", str, name_property=True, doc="the name")
property("count", int, default=3, doc="a count")
property("on", bool, default=False, doc="a switch")
property("items", list, default=[], doc="a list")
property("opts", dict, default={}, doc="a dict")
property("mode", "mode", default="644", doc="a mode")
property("where", "path", default="/srv", doc="a path")
property("value", str, required=True, doc="a value")
property("secret", str, sensitive=True, desired_state=False, doc="a secret")
property("flavour", str, one_of=["a", "b"], validate=lambda v: v != "b" or True, default="a", doc="a flavour")

def probes(r):
    return {"cur": "cat %s/%s" % (r.where, shell.quote(r.name))}

def load_current(r, out):
    if out["cur"].exit != 0:
        return None
    return json.decode(out["cur"].stdout)

def action_create(r):
    """Creates it."""
    execute("create " + r.name, command="echo " + shell.quote(json.encode({"v": r.value, "n": r.count})))

def action_remove(r):
    execute("remove " + r.name)
`

func customOf(t *testing.T, c *engine.Collection, i int) *engine.Custom {
	t.Helper()
	cr, ok := c.Resources[i].(*engine.Custom)
	if !ok {
		t.Fatalf("resource %d is %T, want *engine.Custom", i, c.Resources[i])
	}
	return cr
}

func TestCompile_CustomPropertiesTypesDefaultsAndName(t *testing.T) {
	c := mustCompile(t, `
t_every("x", value="v", items=("a", "b"), mode=0o750, opts={"k": 1}, count=5)
t_every("y", value="w", action=["create", "remove"])
`, map[string]string{"resources/every.star": kindFile})
	x := customOf(t, c, 0)
	got := map[string]any{}
	set := map[string]bool{}
	for _, p := range x.Props {
		got[p.Name], set[p.Name] = p.Value, p.Set
	}
	want := map[string]any{"name": "x", "count": int64(5), "on": false, "items": []any{"a", "b"}, "opts": map[string]any{"k": int64(1)},
		"mode": "0750", "where": "/srv", "value": "v", "secret": nil, "flavour": "a"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("properties\n got %#v\nwant %#v", got, want)
	}
	if set["on"] || !set["count"] || set["name"] {
		t.Errorf("set = %v; only the given properties are set", set)
	}
	if x.Actions[0] != "create" || len(x.Inner("create")) != 1 || x.Inner("remove") != nil {
		t.Errorf("actions %q, inner create %d, remove %v", x.Actions, len(x.Inner("create")), x.Inner("remove"))
	}
	if got := x.Inner("create")[0].Base().Address(); got != "execute[create x]" {
		t.Errorf("inner resource %s", got)
	}
	if p := x.Probes(); len(p) != 1 || p[0].Arg != "cat /srv/x" {
		t.Errorf("probes %v", p)
	}
	y := customOf(t, c, 1)
	if acts := y.InnerActions(); !slices.Equal(acts, []string{"create", "remove"}) {
		t.Errorf("y compiled %q", acts)
	}
	// load_current goes through json.decode and is compared per property.
	cur, exists, err := x.LoadCurrent(map[string]engine.ShellResult{"cur": {Stdout: `{"value": "old", "count": "5"}`}})
	if err != nil || !exists || cur["value"] != "old" || cur["count"] != int64(5) {
		t.Errorf("load_current = %v, %v, %v", cur, exists, err)
	}
	p := engine.NewProbed()
	p.SetShell("cat /srv/x", engine.ShellResult{Stdout: `{"value": "old", "count": 5, "on": true}`})
	d, err := x.Check("create", p)
	if err != nil || !slices.Equal(d.Changes, []string{`set value from "old" to "v"`}) {
		t.Errorf("Check = %q, %v; want only the set property value compared", d.Changes, err)
	}
	p.SetShell("cat /srv/x", engine.ShellResult{Stdout: `{"value": "v", "count": 5}`})
	if d, _ := x.Check("create", p); !d.Empty() {
		t.Errorf("equal state: %q", d.Changes)
	}
	p.SetShell("cat /srv/x", engine.ShellResult{ExitCode: 1})
	if d, _ := x.Check("create", p); len(d.Changes) == 0 || d.Changes[0] != "create t_every[x]" {
		t.Errorf("missing: %q", d.Changes)
	}
	if d, _ := x.Check("remove", p); !d.Empty() {
		t.Errorf("remove of a missing resource: %q; want up to date", d.Changes)
	}
}

func TestCompile_CustomSensitivePropertyHidesInnerResources(t *testing.T) {
	c := mustCompile(t, `t_every("x", value="v", secret="pw")`, map[string]string{"resources/every.star": kindFile})
	x := customOf(t, c, 0)
	if in := x.Inner("create")[0].Base(); !in.Sensitive {
		t.Errorf("inner %s is not sensitive though a sensitive property is set", in.Address())
	}
	p := engine.NewProbed()
	p.SetShell("cat /srv/x", engine.ShellResult{ExitCode: 1})
	d, _ := x.Check("create", p)
	if slices.ContainsFunc(d.Changes, func(s string) bool { return regexp.MustCompile(`pw`).MatchString(s) }) {
		t.Errorf("the secret reached the diff: %q", d.Changes)
	}
}

// TestCompile_CustomSensitivePropertyHidesEveryDepth: inner resources
// are hidden when a sensitive property holds a value (not when it is left
// at an empty default), and so are the inner resources of inner custom
// resources, which may receive the value in a plain property.
func TestCompile_CustomSensitivePropertyHidesEveryDepth(t *testing.T) {
	kinds := map[string]string{
		"resources/k.star": "property(\"name\", str, name_property=True)\nproperty(\"token\", str, sensitive=True, desired_state=False, default=\"\")\n" +
			"property(\"value\", str, default=\"\")\n" +
			"def action_x(r):\n    execute(\"use \" + r.name, command=\"echo \" + r.token + r.value)\n",
		"resources/outer.star": "property(\"name\", str, name_property=True)\nproperty(\"token\", str, sensitive=True, desired_state=False, default=\"\")\n" +
			"def action_x(r):\n    t_k(r.name + \"-in\", value=r.token)\n",
	}
	for _, tc := range []struct {
		recipe string
		hidden bool
	}{
		{`t_k("default")`, false},
		{`t_k("empty", token="")`, false},
		{`t_k("set", token="pw")`, true},
		{`t_k("whole", sensitive=True)`, true},
		{`t_outer("plain")`, false},
		{`t_outer("nested", token="pw")`, true},
		{`t_outer("whole", sensitive=True)`, true},
	} {
		c := mustCompile(t, tc.recipe, kinds)
		var inner []engine.Resource
		for r := engine.Resource(customOf(t, c, 0)); r != nil; {
			cu, ok := r.(*engine.Custom)
			if !ok {
				break
			}
			in := cu.Inner("x")
			inner = append(inner, in[0])
			r = in[0]
		}
		for _, in := range inner {
			if b := in.Base(); b.Sensitive != tc.hidden {
				t.Errorf("%s: inner %s sensitive %v, want %v", tc.recipe, b.Address(), b.Sensitive, tc.hidden)
			}
		}
	}
}

// TestCompile_CustomKindErrors: mistakes in a kind's file are errors at
// that file's line.
func TestCompile_CustomKindErrors(t *testing.T) {
	cases := []struct{ name, kind, recipe, want string }{
		{"bad type", `property("a", tuple, doc="x")` + "\ndef action_x(r): pass", `t_k("n")`, `k.star:1:\d+: .*type .* is not one of`},
		{"default of wrong type", `property("a", int, default="1")` + "\ndef action_x(r): pass", `t_k("n")`, `k.star:1:\d+: property "a": default: want an int`},
		{"declared twice", "property(\"a\", str)\nproperty(\"a\", str)\ndef action_x(r): pass", `t_k("n")`, `k.star:2:\d+: property "a" of t_k is declared twice`},
		{"common name", `property("notifies", str)` + "\ndef action_x(r): pass", `t_k("n")`, `property "notifies" of t_k is a property every resource has`},
		{"no action", `property("a", str)`, `t_k("n")`, `kind t_k has no action`},
		{"probes without load_current", "def probes(r): return {}\ndef action_x(r): pass", `t_k("n")`, `defines only one of probes and load_current`},
		{"inner error at the kind's line", "def action_x(r):\n    execute(\"e\", comand=\"x\")", `t_k("n")`,
			`k.star:2:\d+: execute\[e\]: execute has no property "comand"\n    did you mean "command"\?.*\n    \(in action x of t_k\[n\], declared at .*default.star:1`},
		{"load_current bad key", "def probes(r): return {\"a\": \"true\"}\ndef load_current(r, out): return {\"zz\": 1}\ndef action_x(r): pass", `t_k("n")`, ``},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := compileRecipe(t, tc.recipe, map[string]string{"resources/k.star": tc.kind})
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				_, _, err := customOf(t, c, 0).LoadCurrent(map[string]engine.ShellResult{"a": {}})
				if err == nil || !regexp.MustCompile(`load_current of t_k returned "zz", which is not one of its properties`).MatchString(err.Error()) {
					t.Errorf("load_current error %v", err)
				}
				return
			}
			if err == nil || !regexp.MustCompile(tc.want).MatchString(err.Error()) {
				t.Errorf("error %v\nwant %s", err, tc.want)
			}
		})
	}
}

// TestCompile_CustomNotificationsToAndFromInner: notifications from an
// outer resource to a custom one and from inner resources to outer ones
// are connected; an action reached only by a notification is compiled.
func TestCompile_CustomNotificationsToAndFromInner(t *testing.T) {
	c := mustCompile(t, `
t_k("a", action="nothing")
execute("poke", notifies=("go", "t_k[a]", "immediately"))
execute("outer", action="nothing")
`, map[string]string{"resources/k.star": `
def action_go(r):
    execute("inner " + r.name, notifies=("run", "execute[outer]"))
`})
	a := customOf(t, c, 0)
	inner := a.Inner("go")
	if len(inner) != 1 {
		t.Fatalf("action go compiled %d inner resources", len(inner))
	}
	if e := c.Edges(c.Resources[1]); len(e) != 1 || e[0].Target != a || e[0].Action != "go" {
		t.Errorf("execute[poke] edges %v", e)
	}
	if e := c.Edges(inner[0]); len(e) != 1 || e[0].Target != c.Resources[2] {
		t.Errorf("inner edges %v", e)
	}
}

// TestCompile_CustomKindNeedsDepends: a cookbook of the run that does not
// depend on the kind's cookbook cannot use it.
func TestCompile_CustomKindNeedsDepends(t *testing.T) {
	_, err := compileTree(t, map[string]string{
		"cookbooks/a/metadata.star":        `name = "a"`,
		"cookbooks/a/resources/k.star":     "def action_x(r): pass",
		"cookbooks/a/recipes/default.star": ``,
		"cookbooks/b/metadata.star":        `name = "b"`,
		"cookbooks/b/recipes/default.star": `a_k("n")`,
	}, recipe.Input{RunList: []string{"a", "b"}})
	if err == nil || !regexp.MustCompile(`b/recipes/default.star:1:\d+: a_k is a kind of cookbook a, which cookbook b does not depend on`).MatchString(err.Error()) {
		t.Errorf("error %v", err)
	}
}

// TestCompile_CustomNamePropertyIsValidated: a name property taken from
// the resource name goes through one_of and validate like a given one.
func TestCompile_CustomNamePropertyIsValidated(t *testing.T) {
	kind := "property(\"id\", str, name_property=True, validate=lambda v: v[0].isalpha())\ndef action_x(r): pass"
	for _, tc := range []struct{ recipe, want string }{
		{`t_k("1a")`, `default.star:1:\d+: t_k\[1a\]: property id: "1a" fails the kind's validate function`},
		{`t_k("x", id="2b")`, `property id: "2b" fails the kind's validate function`},
		{`t_k("ok")`, ``},
	} {
		_, err := compileRecipe(t, tc.recipe, map[string]string{"resources/k.star": kind})
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.recipe, err)
			}
			continue
		}
		if err == nil || !regexp.MustCompile(tc.want).MatchString(err.Error()) {
			t.Errorf("%s: error %v\nwant %s", tc.recipe, err, tc.want)
		}
	}
}

// TestCompile_CustomKindTakesAnEmptyName: Chef declares a custom resource
// named "" (logrotate_package ”), for a kind whose actions need no name;
// its address is t_pkg[].
func TestCompile_CustomKindTakesAnEmptyName(t *testing.T) {
	c := mustCompile(t, `t_pkg("")`+"\n", map[string]string{"resources/pkg.star": `
property("package", str, default="logrotate")

def action_install(r):
    package(r.package)
`})
	cr := customOf(t, c, 0)
	if got := cr.Base().Address(); got != "t_pkg[]" {
		t.Errorf("address %q, want t_pkg[]", got)
	}
	inner := cr.Inner("install")
	if len(inner) != 1 || inner[0].Base().Address() != "package[logrotate]" {
		t.Errorf("inner resources %v, want package[logrotate]", inner)
	}
}
