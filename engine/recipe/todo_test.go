package recipe_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine/recipe"
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
