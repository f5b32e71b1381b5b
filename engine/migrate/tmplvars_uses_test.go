package migrate

import (
	"reflect"
	"testing"
)

// readTemplateUses/passed: a template's instance variable is passed (read
// strictly) only when every template resource rendering it passes it.
func TestTemplateUses_Passed(t *testing.T) {
	files := map[string]string{
		"recipes/default.rb": "template '/etc/maps' do\n  source 'maps.erb'\n  variables(map: node['m'], 'extra' => 1)\nend\n" +
			"template '/etc/access' do\n  source 'maps.erb'\n  variables(map: node['a'])\nend\n" +
			"template '/etc/plain' do\n  source 'plain.erb'\nend\n" +
			"template '/etc/app.conf' do\n  variables(port: 80)\nend\n" +
			"template '/etc/both' do\n  source 'both.erb'\n  variables(a: 1, b: 2)\nend\n",
		"recipes/other.rb": "template '/etc/both2' do\n  source 'both.erb'\n  variables(node['x'])\nend\n" +
			"template '/etc/cond' do\n  source 'cond.erb'\n  variables(a: 1) if node['y']\nend\n" +
			"template '/etc/foreign' do\n  source 'foreign.erb'\n  cookbook 'other'\n  variables(z: 1)\nend\n",
		"definitions/site.rb": "define :site do\n  template \"/etc/#{params[:name]}\" do\n    source \"#{params[:name]}.site.erb\"\n    variables(site: params[:name], x: 1)\n  end\nend\n",
	}
	dir := t.TempDir()
	writeTree(t, dir, files)
	u := readTemplateUses(dir, "cb")
	for _, c := range []struct {
		rel  string
		want map[string]bool
	}{
		{"default/maps.erb", map[string]bool{"map": true}},                     // extra: one resource does not pass it
		{"default/plain.erb", map[string]bool{}},                               // its resource passes nothing
		{"app.conf.erb", map[string]bool{"port": true}},                        // Chef's default source
		{"default/both.erb", map[string]bool{"a": true, "b": true}},            // a computed hash may pass anything
		{"default/cond.erb", map[string]bool{}},                                // a variables call under a condition may not be made
		{"default/unnamed.site.erb", map[string]bool{"site": true, "x": true}}, // no resource names it: the computed source's
		{"default/unnamed.erb", nil},                                           // nor may the computed source: the cookbook's (a computed hash)
	} {
		if got := u.passed(c.rel); !reflect.DeepEqual(got, c.want) {
			t.Errorf("passed(%s) = %v, want %v", c.rel, got, c.want)
		}
	}
	// another cookbook's template is left out; with no computed source,
	// a template no resource names gets the cookbook's names
	dir2 := t.TempDir()
	writeTree(t, dir2, map[string]string{"recipes/default.rb": files["recipes/other.rb"] + "template '/etc/q' do\n  source 'q.erb'\n  variables(q: 1)\nend\n"})
	u2 := readTemplateUses(dir2, "cb")
	if got := u2.passed("default/foreign.erb"); got != nil {
		t.Errorf("passed(foreign.erb) = %v, want nil (the cookbook-wide names: a computed hash)", got)
	}
	if got := u2.passed("default/q.erb"); !reflect.DeepEqual(got, map[string]bool{"q": true}) {
		t.Errorf("passed(q.erb) = %v", got)
	}
	// a computed source may render any template: what it does not pass
	// is read leniently in every template, named by others or not; a
	// computed cookbook with a literal source renders that source only
	dir3 := t.TempDir()
	writeTree(t, dir3, map[string]string{
		"recipes/default.rb": "template '/etc/m' do\n  source 'm.erb'\n  variables(map: 1, name: 2)\nend\n" +
			"template '/etc/k' do\n  source 'k.erb'\n  cookbook node['cb']\n  variables(k: 1)\nend\n",
		"resources/conf.rb": "action :create do\n  template new_resource.path do\n    source new_resource.template_name\n    cookbook 'cb'\n    variables(name: 3, k: 4)\n  end\nend\n",
	})
	u3 := readTemplateUses(dir3, "cb")
	for _, c := range []struct {
		rel  string
		want map[string]bool
	}{
		{"default/m.erb", map[string]bool{"name": true}},
		{"default/k.erb", map[string]bool{"k": true}},
		{"default/other.erb", map[string]bool{"name": true, "k": true}},
	} {
		if got := u3.passed(c.rel); !reflect.DeepEqual(got, c.want) {
			t.Errorf("computed source: passed(%s) = %v, want %v", c.rel, got, c.want)
		}
	}
}

// A template two resources render, one passing @map and one not, reads
// @map with index: rendered with and without it, converge renders as
// Erubis does, where a strict .map fails on the missing key.
func TestERB_TemplateOfTwoResources(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"recipes/default.rb": "template '/etc/a' do\n  source 't.erb'\n  variables(map: { 'k' => 'v' }, name: 'a')\nend\n" +
			"template '/etc/b' do\n  source 't.erb'\n  variables(name: 'b')\nend\n",
	})
	passed := readTemplateUses(dir, "cb").passed("default/t.erb")
	tmpl := "# <%= @name %>\n<% @map.each do |k, v| -%>\n<%= k %> <%= v %>\n<% end unless @map.nil? -%>\nlog <%= @map.nil? ? 'none' : 'some' %>\n"
	runERBOracle(t, []erbOracleCase{
		{"passed", tmpl, `{"vars": {"map": {"k": "v"}, "name": "a"}}`, passed},
		{"not passed", tmpl, `{"vars": {"name": "b"}}`, passed},
	})
}
