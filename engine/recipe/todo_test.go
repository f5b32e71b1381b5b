package recipe_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/recipe"
	"github.com/converge-cm/converge/resources"
)

// TestCompile_TodoMarkers: todo() in recipes and attribute files and
// {{/* TODO(migrate) */}} in templates make Compile refuse the cookbook,
// naming each file:line, even in a branch the node would not take;
// AllowTodo compiles with todo() False.
func TestCompile_TodoMarkers(t *testing.T) {
	files := map[string]string{
		"cookbooks/app/metadata.star":           `name = "app"`,
		"cookbooks/app/attributes/default.star": "default[\"x\"] = todo(\"app/attributes/default.rb:4: default_unless\")\n",
		"cookbooks/app/recipes/default.star": "file(\"/b\")\n" +
			"if node.platform == \"nowhere\":\n    todo(\"app/recipes/default.rb:9: ruby_block\")\n" +
			"if todo(\"app/recipes/default.rb:12: condition not translated: =~\"):\n    file(\"/a\")\n",
		"cookbooks/app/templates/default/x.tmpl": "a /* TODO(migrate) in text is not a marker */\n{{/* TODO(migrate): <% @l.map { |x| x } %>: not translated */}}\n",
	}
	_, err := compileTree(t, files, recipe.Input{RunList: []string{"app"}})
	var te *recipe.TodoError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want a *TodoError", err)
	}
	want := []string{
		"attributes/default.star:1: app/attributes/default.rb:4: default_unless",
		"recipes/default.star:3: app/recipes/default.rb:9: ruby_block",
		"recipes/default.star:4: app/recipes/default.rb:12: condition not translated: =~",
		"templates/default/x.tmpl:2: <% @l.map { |x| x } %>: not translated",
	}
	if len(te.Todos) != len(want) {
		t.Fatalf("todos = %v, want %d", te.Todos, len(want))
	}
	for i, w := range want {
		if !strings.HasSuffix(te.Todos[i].String(), w) {
			t.Errorf("todo %d = %s, want it to end in %s", i, te.Todos[i], w)
		}
	}
	if !strings.Contains(err.Error(), "--allow-todo") {
		t.Errorf("error does not say how to go on: %v", err)
	}
	c, err := compileTree(t, files, recipe.Input{RunList: []string{"app"}, AllowTodo: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Resources) != 1 || c.Resources[0].Base().Address() != "file[/b]" {
		t.Errorf("resources with --allow-todo: %v", c.Resources)
	}
}

// TestCompile_TodoValueIsInert: under AllowTodo, todo() stands for a value
// converge migrate could not translate, and the code migrated around it
// must still run. Guards a past bug: todo() was False, and
// `current = todo(...)` then `for l in current:` failed with "bool value
// is not iterable".
func TestCompile_TodoValueIsInert(t *testing.T) {
	cases := []struct{ expr, want string }{
		{`[l for l in t]`, `list=[]`},
		{`len(t)`, `int=0`},
		{`bool(t)`, `bool=False`},
		{`1 if t else 2`, `int=2`},
		{`not t`, `bool=True`},
		{`str(t)`, `string=""`},
		{`"a%sb" % t`, `string="ab"`},
		{`"a{}b".format(t)`, `string="ab"`},
		{`",".join(t)`, `string=""`},
		{`sorted(t)`, `list=[]`},
		{`list(t) + [1]`, `list=[1]`},
		{`t.split(",")`, `todo=`},
		{`t.a.b().c`, `todo=`},
		{`t["k"]["j"]`, `todo=`},
		{`t[0]`, `todo=`},
		{`t[1:]`, `todo=`},
		{`t(1, x=2)`, `todo=`},
		{`"a" + t`, `todo=`},
		{`t + 1`, `todo=`},
		{`-t`, `todo=`},
		{`t == t`, `bool=False`},
		{`t != t`, `bool=True`},
		{`t == ""`, `bool=False`},
		{`t == None`, `bool=False`},
		{`t != False`, `bool=True`},
		{`"x" in t`, `bool=False`},
		{`t in [t]`, `bool=False`},
		{`type(t)`, `string="todo"`},
	}
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			src := "t = todo(\"app/recipes/default.rb:3: x\")\ngot = " + tc.expr + "\n" +
				"file(\"/got\", content=type(got) + \"=\" + repr(got))\n"
			c, err := compileTree(t, map[string]string{
				"cookbooks/app/metadata.star":        `name = "app"`,
				"cookbooks/app/recipes/default.star": src,
			}, recipe.Input{RunList: []string{"app"}, AllowTodo: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Resources[0].(*resources.File).Content; got != tc.want {
				t.Errorf("%s = %s, want %s", tc.expr, got, tc.want)
			}
		})
	}
}

// TestCompile_TodoValueLeavesUnset: a property or attribute given todo()
// under AllowTodo is unset, as if the untranslated construct were absent:
// a default applies, a required property is reported missing, setting a
// key or field on it does nothing; only a resource named by todo() is an
// error, since the run cannot say which resource it is.
func TestCompile_TodoValueLeavesUnset(t *testing.T) {
	kind := "property(\"name\", str, name_property=True)\n" +
		"property(\"value\", str, default=\"dflt\")\n" +
		"property(\"need\", str, required=True)\n" +
		"def action_create(r):\n    file(\"/k/\" + r.name, content=r.value + r.need)\n"
	cases := []struct {
		name, recipe string
		attrs        string
		want         string // content of the first file, or the error's regexp with err
		err          bool
	}{
		{name: "builtin property", recipe: `file("/a", content=todo("a.rb:1: x"), owner=todo("a.rb:2: y"))`, want: ""},
		{name: "common property", recipe: `file("/a", content="c", action=todo("a.rb:1: x"), only_if=todo("a.rb:2: y"))`, want: "c"},
		{name: "custom default applies", recipe: `t_k("n", value=todo("a.rb:1: x"), need="!")`, want: "dflt!"},
		{name: "custom required", recipe: `t_k("n", need=todo("a.rb:1: x"))`, want: `missing required property need`, err: true},
		{name: "custom name", recipe: `t_k(todo("a.rb:1: x"), need="!")`, want: `t_k\(\) name is todo\("a.rb:1: x"\).*\n.*write it by hand`, err: true},
		{name: "builtin name", recipe: `file(todo("a.rb:1: x"))`, want: `file\(\) name is todo\("a.rb:1: x"\)`, err: true},
		{name: "set on it", recipe: "x = todo(\"a.rb:1: x\")\nx[\"k\"] = 1\nx.f = 2\nfile(\"/a\", content=str(x))", want: ""},
		{name: "attribute stays", attrs: "default[\"v\"] = \"a\"\ndefault[\"v\"] = todo(\"a.rb:1: x\")\ndefault[\"w\"] = todo(\"a.rb:2: y\")\n",
			recipe: `file("/a", content=node["v"] + str(node.get("w")))`, want: "aNone"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{
				"cookbooks/t/metadata.star":        `name = "t"`,
				"cookbooks/t/recipes/default.star": tc.recipe,
				"cookbooks/t/resources/k.star":     kind,
			}
			if tc.attrs != "" {
				files["cookbooks/t/attributes/default.star"] = tc.attrs
			}
			c, err := compileTree(t, files, recipe.Input{RunList: []string{"t"}, AllowTodo: true})
			if tc.err {
				if err == nil || !regexp.MustCompile(tc.want).MatchString(err.Error()) {
					t.Errorf("error %v\nwant %s", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var f *resources.File
			for _, r := range c.Resources {
				if cu, ok := r.(*engine.Custom); ok {
					r = cu.Inner("create")[0]
				}
				f = r.(*resources.File)
				break
			}
			if f.Content != tc.want {
				t.Errorf("content %q, want %q", f.Content, tc.want)
			}
			if b := f.Base(); tc.name == "common property" && (len(b.Actions) != 1 || b.Actions[0] != "create" || len(b.OnlyIf) != 0) {
				t.Errorf("actions %v only_if %v, want the defaults", b.Actions, b.OnlyIf)
			}
		})
	}
}
