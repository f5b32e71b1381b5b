package recipe_test

import (
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/recipe"
)

// TestCookbookProperty_SourceFromAnotherCookbook: Chef's cookbook
// property takes a template's or cookbook_file's source from another
// cookbook of the run, with the same file specificity; a cookbook the
// repository lacks, or the run does not bring, is an error naming it.
func TestCookbookProperty_SourceFromAnotherCookbook(t *testing.T) {
	base := map[string]string{
		"cookbooks/app/metadata.star":                     "name = \"app\"\ndepends = {\"base\": \">= 0\"}",
		"cookbooks/app/templates/default/motd.tmpl":       "app's\n",
		"cookbooks/base/metadata.star":                    `name = "base"`,
		"cookbooks/base/templates/default/motd.tmpl":      "base's default\n",
		"cookbooks/base/templates/centos/motd.tmpl":       "base's centos\n",
		"cookbooks/base/files/default/issue":              "base's issue\n",
		"cookbooks/base/files/host-db1.example.com/issue": "db1's issue\n",
		"cookbooks/lone/metadata.star":                    `name = "lone"`,
		"cookbooks/lone/templates/default/motd.tmpl":      "lone's\n",
	}
	cases := []struct {
		name, recipe string
		want         string // rendered /etc/x; "" when an error is wanted
		err          []string
	}{
		{name: "template of a dependency, by specificity", recipe: `template("/etc/x", source="motd.tmpl", cookbook="base")`, want: "base's centos\n"},
		{name: "cookbook_file of a dependency, by specificity", recipe: `cookbook_file("/etc/x", source="issue", cookbook="base")`, want: "db1's issue\n"},
		{name: "the recipe's own cookbook named", recipe: `template("/etc/x", source="motd.tmpl", cookbook="app")`, want: "app's\n"},
		{name: "computed, None is the declaring cookbook", recipe: `template("/etc/x", source="motd.tmpl", cookbook=node.get("no_such_attr"))`, want: "app's\n"},
		{name: "not in the repository", recipe: `template("/etc/x", source="motd.tmpl", cookbook="nope")`,
			err: []string{`default.star:1:`, `template[/etc/x]: cookbook "nope" is not in the cookbook path`, "correct cookbook="}},
		{name: "in the repository, not in the run", recipe: `cookbook_file("/etc/x", source="motd.tmpl", cookbook="lone")`,
			err: []string{`cookbook_file[/etc/x]: cookbook lone is not one of this run's cookbooks (base, app)`, `depends = {"lone": ">= 0"}`}},
		{name: "the file missing in that cookbook names it", recipe: `template("/etc/x", source="gone.tmpl", cookbook="base")`,
			err: []string{`template "gone.tmpl" not found in cookbook base`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"cookbooks/app/recipes/default.star": tc.recipe}
			for k, v := range base {
				files[k] = v
			}
			c, err := compileTree(t, files, recipe.Input{Name: "db1", RunList: []string{"app"}})
			if tc.err != nil {
				if err == nil {
					t.Fatalf("compiled; want an error with %q", tc.err)
				}
				for _, w := range tc.err {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error:\n%v\nwant it to contain %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := rendered(t, c.Resources[0], "/etc/x"); got != tc.want {
				t.Errorf("rendered %q, want %q", got, tc.want)
			}
		})
	}
}

// TestCustomKind_CookbookName: r.cookbook_name is the cookbook that
// declared the resource (Chef's new_resource.cookbook_name), so a kind's
// action can render the caller's template, as a Chef definition does,
// also through a kind that declares it; a property of that name wins.
func TestCustomKind_CookbookName(t *testing.T) {
	files := map[string]string{
		"cookbooks/lib/metadata.star": `name = "lib"`,
		"cookbooks/lib/resources/conf.star": `property("path", "path", name_property=True)
def action_create(r):
    template(r.path, source="conf.tmpl", cookbook=r.cookbook_name)
    template(r.path + ".lib", source="conf.tmpl")
`,
		"cookbooks/lib/resources/named.star": `property("cookbook_name", str, default="mine")
def action_create(r):
    log(r.name + " " + r.cookbook_name)
`,
		"cookbooks/lib/resources/outer.star": `property("path", "path", name_property=True)
def action_create(r):
    lib_conf(r.path)
`,
		"cookbooks/lib/templates/default/conf.tmpl": "lib's\n",
		"cookbooks/app/metadata.star":               "name = \"app\"\ndepends = {\"lib\": \">= 0\"}",
		"cookbooks/app/templates/default/conf.tmpl": "app's\n",
		"cookbooks/app/recipes/default.star":        "lib_conf(\"/etc/app.conf\")\nlib_named(\"n\")\nlib_outer(\"/etc/nested.conf\")\n",
	}
	c, err := compileTree(t, files, recipe.Input{RunList: []string{"app"}})
	if err != nil {
		t.Fatal(err)
	}
	inner := find(t, c, "lib_conf[/etc/app.conf]").(*engine.Custom).InnerRes["create"]
	if len(inner) != 2 {
		t.Fatalf("inner resources %d, want 2", len(inner))
	}
	if got := rendered(t, inner[0], "/etc/app.conf"); got != "app's\n" {
		t.Errorf("cookbook=r.cookbook_name rendered %q, want the caller's template", got)
	}
	if got := rendered(t, inner[1], "/etc/app.conf.lib"); got != "lib's\n" {
		t.Errorf("no cookbook= rendered %q, want the kind's own template", got)
	}
	// through a kind of lib that declares lib_conf, still the recipe's
	outer := find(t, c, "lib_outer[/etc/nested.conf]").(*engine.Custom).InnerRes["create"]
	if len(outer) != 1 {
		t.Fatalf("lib_outer inner resources %d, want 1", len(outer))
	}
	nested := outer[0].(*engine.Custom).InnerRes["create"]
	if got := rendered(t, nested[0], "/etc/nested.conf"); got != "app's\n" {
		t.Errorf("nested: cookbook=r.cookbook_name rendered %q, want the recipe's cookbook's template", got)
	}
	named := find(t, c, "lib_named[n]").(*engine.Custom).InnerRes["create"]
	if len(named) != 1 || named[0].Base().Name != "n mine" {
		t.Errorf("a property cookbook_name: inner %v, want log[n mine]", named)
	}
}
