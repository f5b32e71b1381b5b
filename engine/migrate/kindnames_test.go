package migrate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	cfacts "github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/recipe"
)

// TestMigrate_KindNamedLikeABuiltIn: a cookbook kind whose converge name
// would be a built-in kind's (cron's resources/d.rb is cron_d) is renamed
// cookbook_NAME, and the cookbooks that see it in Chef (itself, its test
// cookbook, its dependents) call the new name, in calls and
// notifications; a cookbook that does not depend on it keeps converge's
// built-in. Guards a past bug: check refused the migrated cron cookbook
// ("defines the kind cron_d, which is a built-in kind").
func TestMigrate_KindNamedLikeABuiltIn(t *testing.T) {
	src := t.TempDir()
	kind := "property :command, String, required: true\nproperty :note, String, default: 'x'\n" +
		"action :create do\n  file \"/etc/cron.d/#{new_resource.name}\" do\n    content new_resource.command\n  end\nend\n"
	writeTree(t, src, map[string]string{
		"cron/metadata.rb":        "name 'cron'\nversion '1.0.0'\n",
		"cron/resources/d.rb":     kind,
		"cron/recipes/default.rb": "cron_d 'self' do\n  command 'true'\nend\n",
		// a default kind named like a built-in
		"hostname/metadata.rb":                        "name 'hostname'\nversion '1.0.0'\n",
		"hostname/resources/default.rb":               "property :to, String\naction :set do\n  file '/etc/hostname' do\n    content new_resource.to\n  end\nend\n",
		"hostname/recipes/default.rb":                 "hostname 'h' do\n  to 'h1'\nend\n",
		"cron/test/cookbooks/test/metadata.rb":        "name 'test'\nversion '0.1.0'\ndepends 'cron'\n",
		"cron/test/cookbooks/test/recipes/default.rb": "cron_d 'job' do\n  command 'run-job'\n  note 'only the cookbook kind has this'\nend\n",
		"app/metadata.rb":                             "name 'app'\nversion '1.0.0'\ndepends 'cron'\n",
		"app/recipes/default.rb": "cron_d 'app' do\n  command 'app-job'\nend\n" +
			"execute 'after' do\n  command 'true'\n  action :nothing\n  subscribes :run, 'cron_d[app]'\nend\n",
		"other/metadata.rb":        "name 'other'\nversion '1.0.0'\n",
		"other/recipes/default.rb": "cron_d 'plain' do\n  command 'other-job'\n  minute '5'\nend\n",
	})
	out := t.TempDir()
	r, err := Migrate([]string{filepath.Join(src, "cron"), filepath.Join(src, "hostname"), filepath.Join(src, "app"), filepath.Join(src, "other")}, out)
	if err != nil {
		t.Fatal(err)
	}
	checkOutput(t, out)
	if len(r.Todos) > 0 {
		t.Errorf("todos: %v", r.Todos)
	}
	for _, tc := range []struct {
		file       string
		want, not  []string
		runList    string
		kindOfMain string // the kind of the recipe's first resource
	}{
		{"cron/recipes/default.star", []string{`cron_cron_d("self"`}, nil, "cron::default", "cron_cron_d"},
		{"test/recipes/default.star", []string{`cron_cron_d("job"`, `note="only`}, nil, "test::default", "cron_cron_d"},
		{"app/recipes/default.star", []string{`cron_cron_d("app"`, `"cron_cron_d[app]"`}, nil, "app::default", "cron_cron_d"},
		{"other/recipes/default.star", []string{`cron_d("plain"`}, []string{"cron_cron_d"}, "other::default", "cron_d"},
		{"hostname/recipes/default.star", []string{`hostname_hostname("h"`}, nil, "hostname::default", "hostname_hostname"},
	} {
		b, err := os.ReadFile(filepath.Join(out, "cookbooks", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s lacks %s:\n%s", tc.file, w, b)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(string(b), n) {
				t.Errorf("%s has %s:\n%s", tc.file, n, b)
			}
		}
		repo, err := recipe.LoadRepo([]string{filepath.Join(out, "cookbooks")})
		if err != nil {
			t.Fatal(err)
		}
		f, _ := cfacts.ForPlatform("debian-12")
		c, err := repo.Compile(recipe.Input{Name: "n", Facts: f, Normal: map[string]any{}, RunList: []string{tc.runList}})
		if err != nil {
			t.Errorf("%s: %v", tc.runList, err)
			continue
		}
		if k := c.Resources[0].Base().Kind; k != tc.kindOfMain {
			t.Errorf("%s declares a %s first, want %s", tc.runList, k, tc.kindOfMain)
		}
	}
	for _, f := range []string{"cron/resources/cron_d.star", "hostname/resources/hostname.star"} {
		if _, err := os.Stat(filepath.Join(out, "cookbooks", f)); err != nil {
			t.Error(err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(out, "MIGRATION.md"))
	if !strings.Contains(string(md), "named like converge's built-in kind cron_d, and is the converge kind cron_cron_d") {
		t.Errorf("MIGRATION.md does not explain the rename:\n%s", md)
	}
}
