package migrate

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestERB_HashWalksAreNoted: each walk of a value not known to be a list
// (each, each_pair, one-parameter each, keys, values, to_a, map) is a note
// with its line, once per line and expression; a walk of a list, of a
// sorted hash, or keys whose order does not matter (.keys.sort,
// .keys.length) is not. None is an issue: the template translates whole.
func TestERB_HashWalksAreNoted(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(corpus, "erb", "php_pool.conf.erb"))
	if err != nil {
		t.Fatal(err)
	}
	_, notes, err := translateERB(string(src), nil, nil)
	if err != nil {
		t.Fatalf("translate: %v", err)
	}
	want := []ERBNote{
		{3, "@settings"},
		{6, "@php_admin_values"},
		{9, "@env"},
		{12, "@limits"}, // walked twice on the line, noted once
		{13, "@limits"},
		{14, "@flags"},
		{15, "node['php']['slowlog']"},
	}
	if !reflect.DeepEqual(notes, want) {
		t.Errorf("notes = %v\nwant    %v", notes, want)
	}
}

// TestERB_ListWalksAreNotNoted: a walk of what is known to be a list, or
// of a hash sorted first, has no note.
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

// TestMigrate_HashOrderNoteInReport: a template walking a hash has a
// MIGRATION.md note with its file and line; it is not a TODO, and the
// translated template has no TODO(migrate) marker.
func TestMigrate_HashOrderNoteInReport(t *testing.T) {
	src := t.TempDir()
	tmpl, err := os.ReadFile(filepath.Join(corpus, "erb", "php_pool.conf.erb"))
	if err != nil {
		t.Fatal(err)
	}
	for rel, text := range map[string]string{
		"php_lite/metadata.rb":                     "name 'php_lite'\nversion '1.0.0'\n",
		"php_lite/recipes/default.rb":              "template '/etc/php/fpm/pool.d/www.conf' do\n  source 'pool.conf.erb'\nend\n",
		"php_lite/templates/default/pool.conf.erb": string(tmpl),
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
	for _, want := range []string{
		"hash order: php_lite/templates/default/pool.conf.erb:3 iterates @settings in sorted key order; Chef iterates in insertion order — sort the hash in the attributes or check the output",
		"hash order: php_lite/templates/default/pool.conf.erb:12 iterates @limits in sorted key order",
		"hash order: php_lite/templates/default/pool.conf.erb:15 iterates node['php']['slowlog'] in sorted key order",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("MIGRATION.md has no %q:\n%s", want, md)
		}
	}
	if n := strings.Count(string(md), "pool.conf.erb:12 "); n != 1 {
		t.Errorf("line 12 noted %d times, want once", n)
	}
	if n := strings.Count(string(md), "hash order: "); n != 7 {
		t.Errorf("%d hash order notes, want 7:\n%s", n, md)
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
	_, notes, err := translateERB("<% @h.each do |a, b, c| -%>\n<%= a %>\n<% end -%>\n<%= @h.map { |k, v| k.frobnicate }.join %>\n", nil, nil)
	if err == nil {
		t.Fatal("no issue for three block parameters and an unknown method")
	}
	if len(notes) != 0 {
		t.Errorf("notes = %v, want none", notes)
	}
}
