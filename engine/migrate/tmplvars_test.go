package migrate

import (
	"reflect"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine/render"
)

// TestPassedVars: the names variables(...) passes across a cookbook's
// recipes, resources, providers and definitions; nil once a call passes a
// computed hash.
func TestPassedVars(t *testing.T) {
	for _, c := range []struct {
		files map[string]string
		want  map[string]bool
	}{
		{map[string]string{
			"recipes/default.rb":    "template '/etc/a' do\n  variables(port: 80, 'name' => 'x')\nend\n",
			"definitions/site.rb":   "define :site do\n  template '/etc/b' do\n    variables :root => params[:root]\n  end\nend\n",
			"resources/conf.rb":     "action :create do\n  template '/etc/c' do\n    variables({ mode: 'x' })\n  end\nend\n",
			"recipes/nothing.rb":    "package 'x'\n",
			"attributes/default.rb": "default['x'] = 1\n",
		}, map[string]bool{"port": true, "name": true, "root": true, "mode": true}},
		{map[string]string{"recipes/default.rb": "template '/etc/a' do\n  variables node['app']['vars']\nend\n"}, nil},
		{map[string]string{"recipes/default.rb": "package 'x'\n"}, map[string]bool{}},
	} {
		dir := t.TempDir()
		writeTree(t, dir, c.files)
		if got := passedVars(dir); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v: passedVars = %v, want %v", c.files, got, c.want)
		}
	}
}

// TestERB_UnpassedInstanceVariableIsNil: an instance variable no template
// resource passes is nil in Chef: `<%= @x %>` prints nothing and `@x ||
// "d"` is "d"; converge renders what Erubis renders for the variables
// passed, where a plain .x would fail on the missing key.
func TestERB_UnpassedInstanceVariableIsNil(t *testing.T) {
	ruby := needErubis(t)
	src := "port <%= @port %>\nextra [<%= @extra %>]\n<%= @mode || 'default' %>\n<% if @extra -%>\nhas extra\n<% end -%>\n"
	vars := map[string]any{"port": 8080}
	tmpl, _, err := translateERB(src, nil, map[string]bool{"port": true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tmpl, ".port") || strings.Contains(tmpl, ".extra") {
		t.Errorf("a passed variable should read as .port, an unpassed one with index:\n%s", tmpl)
	}
	got, err := render.Render("t.erb", tmpl, vars)
	if err != nil {
		t.Fatalf("render: %v\n%s", err, tmpl)
	}
	want := renderBatchWithErubis(t, ruby, vars, []string{src})[0]
	if string(got) != want {
		t.Errorf("converge and Erubis differ\n--- erubis\n%s\n--- converge\n%s\n--- translated\n%s", want, got, tmpl)
	}
}
