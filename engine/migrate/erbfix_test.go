package migrate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine/render"
)

// erbOracleCase is a template, the data it is rendered with (a
// {"vars": ..., "node": ...} JSON document) and the instance variables
// the cookbook's template resources pass (nil: unknown).
type erbOracleCase struct {
	name, tmpl, data string
	passed           map[string]bool
}

// runERBOracle translates each template and checks converge renders it
// byte for byte as Erubis does; no template may leave a TODO.
func runERBOracle(t *testing.T, cases []erbOracleCase) {
	t.Helper()
	ruby := needErubis(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			tmplPath, dataPath := filepath.Join(dir, "t.erb"), filepath.Join(dir, "t.json")
			if err := os.WriteFile(tmplPath, []byte(c.tmpl), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dataPath, []byte(c.data), 0o644); err != nil {
				t.Fatal(err)
			}
			tmpl, _, err := translateERB(c.tmpl, nil, c.passed)
			if err != nil {
				t.Fatalf("translate: %v\n%s", err, tmpl)
			}
			got, err := renderData(t, tmplPath, tmpl, dataPath)
			if err != nil {
				t.Fatalf("render: %v\ntranslated:\n%s", err, tmpl)
			}
			if want := renderWithRuby(t, ruby, tmplPath, dataPath); string(got) != want {
				t.Errorf("converge and Erubis differ\n--- erubis\n%s\n--- converge\n%s\n--- translated\n%s", want, got, tmpl)
			}
		})
	}
}

// A block closed by <% end if c %> or <% end unless c %> is conditional as
// a whole: with the condition false it renders nothing, and its opening
// expression is not evaluated (each on nil).
func TestERB_EndWithAModifier(t *testing.T) {
	loop := "head\n<% @table.each do |k, v| %>\n<%= k %> = <%= v %>\n<% end unless @table.nil? %>\ntail\n"
	trimmed := "head\n<% @table.each do |k, v| -%>\n<%= k %> = <%= v %>\n<% end unless @table.nil? -%>\ntail\n"
	ifBlock := "<% if @on %>\non\n<% else %>\noff\n<% end if @show %>\nx\n"
	attr := "<% node['svc']['opts'].each do |o| -%>\nopt <%= o %>\n<% end if node['svc']['opts'] -%>\nend\n"
	nested := "<% @groups.each do |g| -%>\n[<%= g %>]\n<% @items.each do |i| -%>\n  <%= g %>.<%= i %>\n<% end unless @items.empty? -%>\n<% end -%>\n"
	withLocal := "<% n = 2 -%>\n<% @l.each do |x| -%>\n<% n = x -%>\n<%= x %>\n<% end if n > 1 -%>\nn=<%= n %>\n"
	inLine := "a <% [1, 2].each do |x| %><%= x %> <% end if @show %>b\n"
	cases := []erbOracleCase{
		{"each, end unless nil, set", loop, `{"vars": {"table": {"a": 1, "b": "two"}}}`, nil},
		{"each, end unless nil, nil", loop, `{"vars": {"table": null}}`, nil},
		{"trimmed, set", trimmed, `{"vars": {"table": {"a": 1}}}`, nil},
		{"trimmed, nil", trimmed, `{"vars": {"table": null}}`, nil},
		{"an if with else, end if true", ifBlock, `{"vars": {"on": false, "show": true}}`, nil},
		{"an if with else, end if false", ifBlock, `{"vars": {"on": true, "show": false}}`, nil},
		{"on an attribute, set", attr, `{"node": {"svc": {"opts": ["a", "b"]}}}`, nil},
		{"on an attribute, nil", attr, `{"node": {"svc": {"opts": null}}}`, nil},
		{"nested in a loop", nested, `{"vars": {"groups": ["g1", "g2"], "items": ["i"]}}`, nil},
		{"nested in a loop, empty", nested, `{"vars": {"groups": ["g1"], "items": []}}`, nil},
		{"a local assigned before and inside", withLocal, `{"vars": {"l": [5, 7]}}`, nil},
		{"inside a line, shown", inLine, `{"vars": {"show": true}}`, nil},
		{"inside a line, hidden", inLine, `{"vars": {"show": false}}`, nil},
	}
	runERBOracle(t, cases)
}

// A modifier condition that is not translated is a TODO and leaves the
// block out, as an if's condition.
func TestERB_EndWithAModifierTodo(t *testing.T) {
	out, _, err := translateERB("<% [1].each do |x| %><%= x %><% end if helper_thing? %>\n", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "helper_thing?") {
		t.Fatalf("err = %v, want an issue naming the helper", err)
	}
	if !strings.Contains(out, "{{if false}}{{range") {
		t.Errorf("the block is not left out:\n%s", out)
	}
	if _, err := render.Parse("t", out); err != nil {
		t.Errorf("does not parse: %v\n%s", err, out)
	}
}

// The map block an if's condition hoists is part of the block a modifier
// end makes conditional.
func TestERB_EndWithAModifierHoists(t *testing.T) {
	tmpl := "<% if @l.map { |x| x * 2 }.include?(4) -%>\nfour\n<% end unless @l.nil? -%>\nend\n"
	out, _, err := translateERB(tmpl, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "{{if not (rb_is_nil") {
		t.Errorf("the hoisted loop is outside the conditional block:\n%s", out)
	}
	runERBOracle(t, []erbOracleCase{
		{"set", tmpl, `{"vars": {"l": [1, 2]}}`, nil},
		{"nil", tmpl, `{"vars": {"l": null}}`, nil},
	})
}

// A map block with a destructuring parameter, |(k, v)|, is |k, v|.
func TestERB_MapWithADestructuringParameter(t *testing.T) {
	tmpl := "<%= @h.map { |(k, v)| \"#{k}=#{v}\" }.join(',') %>\n<%= @pairs.map { |(a, b)| a + b }.join(' ') %>\n"
	runERBOracle(t, []erbOracleCase{
		{"hash and list of pairs", tmpl, `{"vars": {"h": {"a": 1, "b": "x"}, "pairs": [[1, 2], [3, 4]]}}`, nil},
	})
}
