package migrate

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	cfacts "github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/recipe"
)

// TestMigrate_TestCookbooksOfTheSameName: several cookbooks migrated
// together each ship a test cookbook "test". Guards a past bug: migrate
// stopped with "cookbook test found twice". The main cookbook (the one
// no other given depends on; else the first given) keeps "test", the
// others' are renamed after their cookbook, with their kinds and
// self-includes, and every one compiles. A test cookbook given by itself
// as well as found beside its cookbook is migrated once.
func TestMigrate_TestCookbooksOfTheSameName(t *testing.T) {
	// two cookbooks; app builds on base, and each ships a "test"
	src := t.TempDir()
	writeTree(t, src, map[string]string{
		"base/metadata.rb":        "name 'base'\nversion '1.0.0'\n",
		"base/recipes/default.rb": "file '/etc/base'\n",
		"base/resources/thing.rb": "property :at, String, name_property: true\naction :create do\n  file new_resource.at\nend\n",
		// a test cookbook without metadata, with a kind and an include of
		// itself, using its cookbook's kind: it depends on base
		"base/test/fixtures/cookbooks/test/recipes/default.rb": "include_recipe 'test::more'\ntest_marker '/tmp/base'\nbase_thing '/tmp/thing'\n",
		"base/test/fixtures/cookbooks/test/recipes/more.rb":    "file '/tmp/base-more'\n",
		"base/test/fixtures/cookbooks/test/resources/marker.rb": "property :at, String, name_property: true\n" +
			"action :create do\n  file new_resource.at\nend\n",
		"app/metadata.rb":                             "name 'app'\nversion '1.0.0'\ndepends 'base'\n",
		"app/recipes/default.rb":                      "include_recipe 'base'\nfile '/etc/app'\n",
		"app/test/cookbooks/test/metadata.rb":         "name 'test'\nversion '0.1.0'\ndepends 'app'\n",
		"app/test/cookbooks/test/recipes/default.rb":  "include_recipe 'app'\nfile '/tmp/app'\n",
		"solo/metadata.rb":                            "name 'solo'\nversion '1.0.0'\n",
		"solo/test/cookbooks/test/metadata.rb":        "name 'test'\nversion '0.1.0'\ndepends 'solo'\n",
		"solo/test/cookbooks/test/recipes/default.rb": "file '/tmp/solo'\n",
	})
	for _, tc := range []struct {
		name string
		args []string
		// run list -> a file it must declare
		want map[string]string
	}{
		{"main given last", []string{"base", "app"}, map[string]string{"test::default": "file[/tmp/app]", "base_test::default": "file[/tmp/base-more]"}},
		{"main given first", []string{"app", "base"}, map[string]string{"test::default": "file[/tmp/app]", "base_test::default": "file[/tmp/base-more]"}},
		{"none depended on: the first keeps it", []string{"solo", "base"}, map[string]string{"test::default": "file[/tmp/solo]", "base_test::default": "base_thing[/tmp/thing]"}},
		{"the test cookbook given as well", []string{"app", "app/test/cookbooks/test", "base"}, map[string]string{"test::default": "file[/tmp/app]", "base_test::default": "base_thing[/tmp/thing]"}},
		{"the test cookbook given first", []string{"app/test/cookbooks/test", "base", "app"}, map[string]string{"test::default": "file[/tmp/app]", "base_test::default": "base_thing[/tmp/thing]"}},
		{"three", []string{"base", "solo", "app"}, map[string]string{"test::default": "file[/tmp/solo]", "app_test::default": "file[/tmp/app]", "base_test::default": "base_test_marker[/tmp/base]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var dirs []string
			for _, a := range tc.args {
				dirs = append(dirs, filepath.Join(src, a))
			}
			out := t.TempDir()
			r, err := Migrate(dirs, out)
			if err != nil {
				t.Fatal(err)
			}
			checkOutput(t, out)
			if len(r.Todos) > 0 {
				t.Errorf("todos: %v", r.Todos)
			}
			md, _ := os.ReadFile(filepath.Join(out, "MIGRATION.md"))
			repo, err := recipe.LoadRepo([]string{filepath.Join(out, "cookbooks")})
			if err != nil {
				t.Fatal(err)
			}
			f, _ := cfacts.ForPlatform("debian-12")
			for rl, addr := range tc.want {
				if cb := strings.Split(rl, "::")[0]; cb != "test" && !regexp.MustCompile(`test cookbook test of \w+ is migrated as `+cb+`\b.*-r `+cb+`::RECIPE`).Match(md) {
					t.Errorf("MIGRATION.md does not say test was migrated as %s:\n%s", cb, md)
				}
				c, err := repo.Compile(recipe.Input{Name: "n", Facts: f, Normal: map[string]any{}, RunList: []string{rl}})
				if err != nil {
					t.Errorf("%s: %v", rl, err)
					continue
				}
				var got []string
				for _, res := range c.Resources {
					got = append(got, res.Base().Address())
				}
				if !strings.Contains(strings.Join(got, " "), addr) {
					t.Errorf("%s declares %v, want %s", rl, got, addr)
				}
			}
		})
	}
}
