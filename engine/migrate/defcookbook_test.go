package migrate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
)

// Chef expands a definition into the calling recipe (and runs a custom
// resource's actions with the caller's cookbook_name), so the templates
// and cookbook files of its body come from the caller's cookbook unless
// they name one. The migrated body says cookbook=r.cookbook_name where
// the kind's own cookbook lacks the source (where it has it, converge's
// default, the kind's cookbook, keeps a kind that ships its template
// working); an explicit cookbook is kept. Each case migrates
// cookbook kit and its test cookbook kit_test, which calls the
// definition, and compiles the result.
func TestMigrate_DefinitionSourcesFromTheCaller(t *testing.T) {
	const caller = "test/fixtures/cookbooks/kit_test/"
	cases := []struct {
		name   string
		files  map[string]string
		recipe string
		want   []string          // in resources/site.star
		absent []string          // not in it
		got    map[string]string // path -> content the compiled run writes
	}{
		{
			name: "the template only the caller has",
			files: map[string]string{
				"definitions/site.rb":                      "define :kit_site do\n  template \"/etc/#{params[:name]}.conf\" do\n    source 'site.conf.erb'\n  end\nend\n",
				caller + "templates/default/site.conf.erb": "caller's <%= 1 + 1 %>\n",
			},
			recipe: "kit_site 'blog'\n",
			want:   []string{`cookbook=r.cookbook_name`},
			got:    map[string]string{"/etc/blog.conf": "caller's 2\n"},
		},
		{
			name: "the definition ships the template",
			files: map[string]string{
				"definitions/site.rb":             "define :kit_site do\n  template \"/etc/#{params[:name]}.conf\" do\n    source 'site.conf.erb'\n  end\nend\n",
				"templates/default/site.conf.erb": "kit's\n",
				"templates/default/a.erb":         "kit's a\n",
			},
			// and the caller's recipe takes one of kit's templates itself
			recipe: "kit_site 'blog'\ntemplate '/etc/a' do\n  source 'a.erb'\n  cookbook 'kit'\nend\n",
			absent: []string{`cookbook=`},
			got:    map[string]string{"/etc/blog.conf": "kit's\n", "/etc/a": "kit's a\n"},
		},
		{
			name: "a cookbook_file with Chef's default source, only the caller has it",
			files: map[string]string{
				"definitions/site.rb":           "define :kit_site do\n  cookbook_file '/etc/motd'\n  cookbook_file '/etc/issue'\nend\n",
				"files/default/issue":           "kit's issue\n",
				caller + "files/ubuntu/motd":    "caller's motd\n",
				caller + "files/default/issue2": "unused\n",
			},
			recipe: "kit_site 'x'\n",
			want:   []string{`cookbook_file("/etc/motd", cookbook=r.cookbook_name)`, `cookbook_file("/etc/issue")`},
			got:    map[string]string{"/etc/motd": "caller's motd\n", "/etc/issue": "kit's issue\n"},
		},
		{
			name: "the definition's own cookbook named: kept",
			files: map[string]string{
				"definitions/site.rb":             "define :kit_site do\n  template '/etc/site.conf' do\n    source 'site.conf.erb'\n    cookbook 'kit'\n  end\nend\n",
				"templates/default/site.conf.erb": "kit's\n",
			},
			recipe: "kit_site 'x'\n",
			want:   []string{`cookbook="kit"`},
			got:    map[string]string{"/etc/site.conf": "kit's\n"},
		},
		{
			name: "a cookbook parameter, if given, else the caller's",
			files: map[string]string{
				"definitions/site.rb":                      "define :kit_site, cookbook: nil do\n  template '/etc/site.conf' do\n    source 'site.conf.erb'\n    cookbook params[:cookbook] if params[:cookbook]\n  end\nend\n",
				caller + "templates/default/site.conf.erb": "caller's\n",
			},
			recipe: "kit_site 'x'\n",
			want:   []string{`cookbook=r.cookbook if r.cookbook else r.cookbook_name`},
			got:    map[string]string{"/etc/site.conf": "caller's\n"},
		},
		{
			name: "a custom resource's template only the caller has; one it ships",
			files: map[string]string{
				"resources/site.rb":                        "property :path, String, name_property: true\naction :create do\n  template new_resource.path do\n    source 'site.conf.erb'\n  end\n  template \"#{new_resource.path}.own\" do\n    source 'own.erb'\n  end\nend\n",
				"templates/default/own.erb":                "kit's own\n",
				caller + "templates/default/site.conf.erb": "caller's\n",
			},
			recipe: "kit_site '/etc/site.conf'\n",
			want:   []string{`template(r.path, source="site.conf.tmpl", cookbook=r.cookbook_name)`, `template("%s.own" % r.path, source="own.tmpl")`},
			got:    map[string]string{"/etc/site.conf": "caller's\n", "/etc/site.conf.own": "kit's own\n"},
		},
		{
			name: "a computed source, the template a property names in the cookbook a property names",
			files: map[string]string{
				"resources/site.rb": "property :path, String, name_property: true\nproperty :template_name, String, default: 'site.conf.erb'\nproperty :cookbook, String, default: 'kit'\n" +
					"action :create do\n  template new_resource.path do\n    cookbook new_resource.cookbook\n    source new_resource.template_name\n    variables(port: 80)\n  end\nend\n",
				"templates/default/site.conf.erb":       "kit's site <%= @port %>\n",
				"templates/default/plain.erb":           "kit's plain\n",
				caller + "templates/default/mine.erb":   "caller's <%= @port %>\n",
				caller + "templates/default/mine.other": "unused\n",
			},
			recipe: "kit_site '/etc/a.conf'\nkit_site '/etc/b.conf' do\n  template_name 'plain.erb'\nend\nkit_site '/etc/c.conf' do\n  template_name 'mine.erb'\n  cookbook 'kit_test'\nend\n",
			want:   []string{`source=r.template_name.removesuffix(".erb") + ".tmpl"`, `cookbook=r.cookbook or r.cookbook_name`},
			got:    map[string]string{"/etc/a.conf": "kit's site 80\n", "/etc/b.conf": "kit's plain\n", "/etc/c.conf": "caller's 80\n"},
		},
		{
			name: "a computed source of a helper method, the kit's cookbook named",
			files: map[string]string{
				"resources/site.rb": "property :path, String, name_property: true\nproperty :internal, [true, false], default: false\n" +
					"action :create do\n  template new_resource.path do\n    source pick\n    cookbook 'kit'\n  end\nend\n" +
					"action_class do\n  def pick\n    new_resource.internal ? 'inner.erb' : 'outer.erb'\n  end\nend\n",
				"templates/default/inner.erb": "inner\n",
				"templates/default/outer.erb": "outer\n",
			},
			recipe: "kit_site '/etc/o'\nkit_site '/etc/i' do\n  internal true\nend\n",
			want:   []string{`cookbook="kit"`, `.removesuffix(".erb") + ".tmpl"`},
			got:    map[string]string{"/etc/o": "outer\n", "/etc/i": "inner\n"},
		},
		{
			name: "a computed source, no cookbook: the caller's, as in Chef",
			files: map[string]string{
				"resources/site.rb":                "property :path, String, name_property: true\nproperty :tpl, String\naction :create do\n  template new_resource.path do\n    source \"#{new_resource.tpl}\"\n  end\nend\n",
				caller + "templates/default/mine":  "caller's plain name\n",
				caller + "templates/default/y.erb": "caller's y\n",
				"templates/default/y.erb":          "kit's y\n",
			},
			recipe: "kit_site '/etc/m' do\n  tpl 'mine'\nend\nkit_site '/etc/y' do\n  tpl 'y.erb'\nend\n",
			want:   []string{`cookbook=r.cookbook_name`},
			got:    map[string]string{"/etc/m": "caller's plain name\n", "/etc/y": "caller's y\n"},
		},
		{
			name: "a cookbook parameter that may be nil",
			files: map[string]string{
				"definitions/site.rb":                      "define :kit_site, cookbook: nil do\n  template '/etc/site.conf' do\n    source 'site.conf.erb'\n    cookbook params[:cookbook]\n  end\nend\n",
				caller + "templates/default/site.conf.erb": "caller's\n",
			},
			recipe: "kit_site 'x'\n",
			want:   []string{`cookbook=r.cookbook or r.cookbook_name`},
			got:    map[string]string{"/etc/site.conf": "caller's\n"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, r := crCookbook(t, tc.files, tc.recipe)
			star, err := os.ReadFile(filepath.Join(out, "cookbooks", "kit", "resources", "site.star"))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(star), w) {
					t.Errorf("resources/site.star lacks %q:\n%s", w, star)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(string(star), a) {
					t.Errorf("resources/site.star has %q:\n%s", a, star)
				}
			}
			if len(r.Todos) > 0 {
				t.Errorf("TODOs: %v", r.Todos)
			}
			coll, err := compileTestRun(t, out, false)
			if err != nil {
				t.Fatalf("the migrated cookbooks do not compile: %v\n%s", err, star)
			}
			written := map[string]string{}
			var walk func(rs []engine.Resource)
			walk = func(rs []engine.Resource) {
				for _, res := range rs {
					if cu, ok := res.(*engine.Custom); ok {
						for _, in := range cu.InnerRes {
							walk(in)
						}
						continue
					}
					p := res.Base().Name
					if _, want := tc.got[p]; !want {
						continue
					}
					pr := engine.NewProbed()
					pr.SetStat(p, engine.FileState{})
					d, err := res.Check("create", pr)
					if err != nil || d.Content == nil {
						t.Fatalf("%s: Check: %v %+v", res.Base().Address(), err, d)
					}
					written[p] = string(d.Content.New)
				}
			}
			walk(coll.Resources)
			for p, w := range tc.got {
				if written[p] != w {
					t.Errorf("%s: writes %q, want %q", p, written[p], w)
				}
			}
		})
	}
}
