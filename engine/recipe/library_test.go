package recipe_test

import (
	"testing"

	"github.com/converge-cm/converge/engine/recipe"
	"github.com/converge-cm/converge/resources"
)

// TestCompile_LibraryLoadedByAttributesSeesFinalAttributesInRecipes: a
// helper library loaded first by an attribute file and then by a recipe
// reads the node as the recipe sees it (all attribute files applied), and
// may declare resources when called from the recipe.
// Guards a past bug: the library was cached from its attribute-file load,
// without the resource builtins ("undefined: file") and with the node of
// that moment.
func TestCompile_LibraryLoadedByAttributesSeesFinalAttributesInRecipes(t *testing.T) {
	c, err := compileTree(t, map[string]string{
		"cookbooks/app/libraries/h.star": `
def port():
    return node.get("port", 0)

def declare(path):
    file(path, content=str(port()))
`,
		"cookbooks/app/attributes/default.star": `
load("//libraries/h.star", "port")
default["port"] = 1
default["early"] = port()
`,
		"cookbooks/app/attributes/tuning.star": `override["port"] = 2`,
		"cookbooks/app/recipes/default.star": `
load("//libraries/h.star", "port", "declare")
file("/port", content="%d %d" % (port(), node["early"]))
declare("/declared")
`,
	}, recipe.Input{RunList: []string{"app"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := find(t, c, "file[/port]").(*resources.File).Content; got != "2 0" {
		t.Errorf("port() in the recipe and in the attribute file = %q, want \"2 0\"", got)
	}
	if got := find(t, c, "file[/declared]").(*resources.File).Content; got != "2" {
		t.Errorf("declared content %q, want 2", got)
	}
}
