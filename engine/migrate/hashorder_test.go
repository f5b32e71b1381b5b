package migrate

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestERB_HashWalksAreNotNoted: walks of hashes of variables and
// attributes (each, each_pair, one-parameter each, keys, values, to_a,
// map) translate to rb_ functions walking Chef's insertion order, so they
// have no note. (They had one each while converge walked sorted keys.)
func TestERB_HashWalksAreNotNoted(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(corpus, "erb", "php_pool.conf.erb"))
	if err != nil {
		t.Fatal(err)
	}
	_, notes, err := translateERB(string(src), nil, nil)
	if err != nil {
		t.Fatalf("translate: %v", err)
	}
	if len(notes) != 0 {
		t.Errorf("notes = %v, want none", notes)
	}
}

// TestERB_FactWalksAreNoted: a walk of a fact's hash (Ohai's automatic
// attributes, which converge walks in sorted key order and Chef in Ohai's)
// is a note with its line, once per line and expression.
func TestERB_FactWalksAreNoted(t *testing.T) {
	tests := []struct {
		name, src string
		want      []ERBNote
	}{
		{"each of node['network']", "<% node['network']['interfaces'].each do |name, i| -%>\n<%= name %>\n<% end -%>\n",
			[]ERBNote{{1, "node['network']['interfaces']"}}},
		{"keys of a symbol key", "<%= node[:cpu].keys.join(',') %>\n", []ERBNote{{1, "node[:cpu]"}}},
		{"a method for the key", "<% node.network['interfaces'].each_pair do |n, i| -%>\n<%= n %>\n<% end -%>\n",
			[]ERBNote{{1, "node.network['interfaces']"}}},
		{"map, twice on a line", "<%= node['memory'].map { |k, v| k }.join(' ') %> <%= node['memory'].map { |k, v| k }.join(',') %>\n<%= node['lsb'].values.join %>\n",
			[]ERBNote{{1, "node['memory']"}, {2, "node['lsb']"}}},
		{"not an attribute of the cookbook", "<% node['php']['pools'].each do |k, v| -%>\n<%= k %>\n<% end -%>\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, notes, err := translateERB(tt.src, nil, nil)
			if err != nil {
				t.Fatalf("translate: %v", err)
			}
			if !reflect.DeepEqual(notes, tt.want) {
				t.Errorf("notes = %v\nwant    %v", notes, tt.want)
			}
		})
	}
}

// TestERB_ListWalksAreNotNoted: a walk of what is known to be a list, or
// of a hash sorted first, has no note, a fact's neither.
func TestERB_ListWalksAreNotNoted(t *testing.T) {
	tests := []struct{ name, src string }{
		{"a %w list", "<% %w(a b).each do |x| -%>\n<%= x %>\n<% end -%>\n"},
		{"a literal list", "<% ['a', 'b'].each do |x| -%>\n<%= x %>\n<% end -%>\n"},
		{"split", "<% @s.split(',').each do |x| -%>\n<%= x %>\n<% end -%>\n"},
		{"Array()", "<% Array(@hosts).each do |h| -%>\n<%= h %>\n<% end -%>\n"},
		{"keys.sort", "<% @h.keys.sort.each do |k| -%>\n<%= k %>\n<% end -%>\n"},
		{"sort with two parameters", "<% @h.sort.each do |k, v| -%>\n<%= k %>=<%= v %>\n<% end -%>\n"},
		{"sort_by", "<% @h.sort_by { |k, v| k }.each do |k, v| -%>\n<%= k %>\n<% end -%>\n"},
		{"a sorted list mapped", "<%= @l.sort.map { |x| x.upcase }.join(',') %>\n"},
		{"keys counted", "<%= @h.keys.length %> <%= @h.values.include?('x') %>\n"},
		{"each_with_index of a list", "<% @l.sort.each_with_index do |x, i| -%>\n<%= i %> <%= x %>\n<% end -%>\n"},
		{"times", "<% 3.times do |i| -%>\n<%= i %>\n<% end -%>\n"},
		{"a fact sorted", "<% node['network']['interfaces'].sort.each do |n, i| -%>\n<%= n %>\n<% end -%>\n"},
		{"a fact's keys sorted", "<%= node['cpu'].keys.sort.join(',') %>\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, notes, err := translateERB(tt.src, nil, nil)
			if err != nil {
				t.Fatalf("translate: %v", err)
			}
			if len(notes) != 0 {
				t.Errorf("notes = %v, want none", notes)
			}
		})
	}
}

// TestMigrate_HashOrderNoteInReport: a template walking a fact's hash
// has a MIGRATION.md note with its file and line; it is not a TODO, and
// the translated template has no TODO(migrate) marker. Walks of the
// variables' hashes have none.
func TestMigrate_HashOrderNoteInReport(t *testing.T) {
	src := t.TempDir()
	tmpl, err := os.ReadFile(filepath.Join(corpus, "erb", "php_pool.conf.erb"))
	if err != nil {
		t.Fatal(err)
	}
	for rel, text := range map[string]string{
		"php_lite/metadata.rb":                     "name 'php_lite'\nversion '1.0.0'\n",
		"php_lite/recipes/default.rb":              "template '/etc/php/fpm/pool.d/www.conf' do\n  source 'pool.conf.erb'\nend\ntemplate '/etc/php/ifaces' do\n  source 'ifaces.erb'\nend\n",
		"php_lite/templates/default/pool.conf.erb": string(tmpl),
		"php_lite/templates/default/ifaces.erb":    "# interfaces\n<% node['network']['interfaces'].each do |name, i| -%>\n<%= name %>\n<% end -%>\n",
	} {
		p := filepath.Join(src, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	r, err := Migrate([]string{filepath.Join(src, "php_lite")}, out)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Todos) != 0 {
		t.Errorf("todos = %v, want none", r.Todos)
	}
	md, err := os.ReadFile(filepath.Join(out, "MIGRATION.md"))
	if err != nil {
		t.Fatal(err)
	}
	want := "hash order: php_lite/templates/default/ifaces.erb:2 iterates node['network']['interfaces'], a fact, in sorted key order; Chef iterates it in the order Ohai wrote it — check the output"
	if !strings.Contains(string(md), want) {
		t.Errorf("MIGRATION.md has no %q:\n%s", want, md)
	}
	if n := strings.Count(string(md), "hash order: "); n != 1 {
		t.Errorf("%d hash order notes, want 1 (pool.conf.erb walks variables only):\n%s", n, md)
	}
	got, err := os.ReadFile(filepath.Join(out, "cookbooks", "php_lite", "templates", "default", "pool.conf.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(got), "TODO(migrate)") {
		t.Errorf("the template has a TODO(migrate) marker:\n%s", got)
	}
}

// TestERB_UntranslatedWalkHasNoNote: a walk left as a TODO is an issue
// only, not also a note.
func TestERB_UntranslatedWalkHasNoNote(t *testing.T) {
	_, notes, err := translateERB("<% node['cpu'].each do |a, b, c| -%>\n<%= a %>\n<% end -%>\n<%= node['cpu'].map { |k, v| k.frobnicate }.join %>\n", nil, nil)
	if err == nil {
		t.Fatal("no issue for three block parameters and an unknown method")
	}
	if len(notes) != 0 {
		t.Errorf("notes = %v, want none", notes)
	}
}
