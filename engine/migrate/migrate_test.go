package migrate

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.starlark.net/syntax"

	"github.com/converge-cm/converge/engine/render"
)

const corpus = "../../testdata/migrate"

// starOptions is the converge recipe dialect (SPEC §4).
var starOptions = &syntax.FileOptions{TopLevelControl: true, GlobalReassign: true}

// goldenCompare compares every file of got with want; UPDATE_GOLDEN=1
// rewrites want from got (review the diff before committing it).
func goldenCompare(t *testing.T, got, want string) {
	t.Helper()
	if os.Getenv("UPDATE_GOLDEN") == "1" {
		if err := os.RemoveAll(want); err != nil {
			t.Fatal(err)
		}
		if err := copyTree(got, want); err != nil {
			t.Fatal(err)
		}
		return
	}
	gotFiles, wantFiles := listFiles(t, got), listFiles(t, want)
	if strings.Join(gotFiles, "\n") != strings.Join(wantFiles, "\n") {
		t.Errorf("files differ from %s\ngot:\n  %s\nwant:\n  %s", want, strings.Join(gotFiles, "\n  "), strings.Join(wantFiles, "\n  "))
	}
	for _, f := range gotFiles {
		g, _ := os.ReadFile(filepath.Join(got, f))
		w, err := os.ReadFile(filepath.Join(want, f))
		if err != nil {
			continue
		}
		if !bytes.Equal(g, w) {
			t.Errorf("%s differs from %s\n--- got\n%s\n--- want\n%s", f, want, g, w)
		}
	}
}

func listFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// checkOutput parses every generated recipe with go.starlark.net and
// every template with engine/render.
func checkOutput(t *testing.T, out string) {
	t.Helper()
	for _, f := range listFiles(t, out) {
		p := filepath.Join(out, f)
		switch {
		case strings.HasSuffix(f, ".star"):
			src, _ := os.ReadFile(p)
			if _, err := starOptions.Parse(f, src, syntax.RetainComments); err != nil {
				t.Errorf("generated Starlark does not parse: %v\n%s", err, src)
			}
		case strings.HasSuffix(f, ".tmpl"):
			src, _ := os.ReadFile(p)
			if _, err := render.Parse(f, string(src)); err != nil {
				t.Errorf("generated template does not parse: %v", err)
			}
		}
	}
}

func TestMigrate_Corpus(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(corpus, "chef", "*"))
	if len(dirs) < 10 {
		t.Fatalf("want at least 10 cookbooks in the corpus, found %d", len(dirs))
	}
	for _, dir := range dirs {
		dir := dir
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			out := t.TempDir()
			r, err := Migrate([]string{dir}, out)
			if err != nil {
				t.Fatal(err)
			}
			checkOutput(t, out)
			md, _ := os.ReadFile(filepath.Join(out, "MIGRATION.md"))
			if r.Complete() != strings.Contains(string(md), "everything translated") {
				t.Errorf("MIGRATION.md disagrees with the report (complete=%v):\n%s", r.Complete(), md)
			}
			for _, td := range r.Todos {
				if !strings.Contains(string(md), td.File) {
					t.Errorf("MIGRATION.md misses %v", td)
				}
			}
			goldenCompare(t, out, filepath.Join(corpus, "want", name))
		})
	}
}

func TestMigrate_ChefRepoCarriesNodesAndRoles(t *testing.T) {
	out := t.TempDir()
	r, err := Migrate([]string{filepath.Join(corpus, "chefrepo")}, out)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Nodes) != 2 || len(r.Roles) != 1 || len(r.Cookbooks) != 1 {
		t.Errorf("report = %+v", r)
	}
	checkOutput(t, out)
	goldenCompare(t, out, filepath.Join(corpus, "want", "_chefrepo"))
}

func TestMigrate_UntranslatableIsReportedNotDropped(t *testing.T) {
	out := t.TempDir()
	r, err := Migrate([]string{filepath.Join(corpus, "chef", "legacy_tools")}, out)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ruby_block", "::File.read", "`command`", "method helper", "umask", "provider", "default_unless"}
	var got []string
	for _, td := range r.Todos {
		got = append(got, td.Construct)
		if td.File == "" || (td.Line == 0 && !strings.Contains(td.File, "libraries")) {
			t.Errorf("todo without a place: %+v", td)
		}
	}
	joined := strings.Join(got, "|")
	for _, w := range want {
		if !strings.Contains(joined, w) {
			t.Errorf("no TODO for %s; got %s", w, joined)
		}
	}
	recipe, _ := os.ReadFile(filepath.Join(out, "cookbooks", "legacy_tools", "recipes", "default.star"))
	if !strings.Contains(string(recipe), `peers = search("node", `) {
		t.Errorf("search is not translated:\n%s", recipe)
	}
	if n := strings.Count(string(recipe), "# TODO(migrate)"); n < 6 {
		t.Errorf("recipe has %d TODO markers:\n%s", n, recipe)
	}
}

func TestMigrate_ErrorsOnWhatIsNotChef(t *testing.T) {
	if _, err := Migrate([]string{t.TempDir()}, t.TempDir()); err == nil || !strings.Contains(err.Error(), "neither a Chef cookbook") {
		t.Errorf("err = %v", err)
	}
	if _, err := Migrate(nil, t.TempDir()); err == nil {
		t.Error("no error without sources")
	}
}

// TestERB_CorpusTemplatesRenderLikeErubis renders every template of the
// corpus with Erubis (as Chef does) and with converge; each needs a data file in
// testdata/migrate/erbdata/<cookbook>/<specificity>/<name>.json.
func TestERB_CorpusTemplatesRenderLikeErubis(t *testing.T) {
	ruby := needErubis(t)
	// every template of every cookbook, at any depth under templates/
	var tmpls []string
	for _, root := range []string{filepath.Join(corpus, "chef"), filepath.Join(corpus, "chefrepo", "cookbooks")} {
		cbs, _ := os.ReadDir(root)
		for _, cb := range cbs {
			dir := filepath.Join(root, cb.Name(), "templates")
			_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					tmpls = append(tmpls, p)
				}
				return nil
			})
		}
	}
	defer func() {
		if len(tmpls) < 30 {
			t.Errorf("only %d templates found", len(tmpls))
		}
	}()
	t.Logf("%d templates of the corpus checked against Erubis", len(tmpls))
	for _, p := range tmpls {
		p := p
		parts := strings.Split(filepath.ToSlash(p), "/")
		i := len(parts) - 1
		for parts[i] != "templates" {
			i--
		}
		cb, spec, file := parts[i-1], parts[i+1], strings.Join(parts[i+2:], "/")
		t.Run(cb+"/"+spec+"/"+file, func(t *testing.T) {
			data := filepath.Join(corpus, "erbdata", cb, spec, strings.TrimSuffix(file, ".erb")+".json")
			if _, err := os.Stat(data); err != nil {
				t.Fatalf("no test data for %s: write %s", p, data)
			}
			checkFidelity(t, ruby, p, data, cb == "legacy_tools")
		})
	}
}

// TestMigrate_DependencyLibraryHelpers: a recipe calling a helper of a
// cookbook it depends on loads it from @dep//libraries/.
func TestMigrate_DependencyLibraryHelpers(t *testing.T) {
	src := t.TempDir()
	write := func(rel, text string) { writeTree(t, src, map[string]string{rel: text}) }
	write("cookbooks/base/metadata.rb", "name 'base'\nversion '1.0.0'\n")
	write("cookbooks/base/libraries/helpers.rb", "module Base\n  module Helpers\n    def base_dir(sub)\n      \"/opt/base/#{sub}\"\n    end\n  end\nend\nChef::Recipe.send(:include, Base::Helpers)\n")
	write("cookbooks/app/metadata.rb", "name 'app'\nversion '1.0.0'\ndepends 'base'\n")
	write("cookbooks/app/recipes/default.rb", "directory base_dir('app')\n")
	write("cookbooks/other/metadata.rb", "name 'other'\nversion '1.0.0'\n")
	write("cookbooks/other/recipes/default.rb", "directory base_dir('other')\n")
	out := t.TempDir()
	r, err := Migrate([]string{src}, out)
	if err != nil {
		t.Fatal(err)
	}
	app, _ := os.ReadFile(filepath.Join(out, "cookbooks", "app", "recipes", "default.star"))
	for _, w := range []string{`load("@base//libraries/helpers.star", "base_dir")`, `directory(base_dir("app"))`} {
		if !strings.Contains(string(app), w) {
			t.Errorf("app recipe misses %q:\n%s", w, app)
		}
	}
	// a cookbook that does not depend on base does not see its helpers
	var todos []string
	for _, td := range r.Todos {
		todos = append(todos, td.File+": "+td.Construct)
	}
	if len(todos) != 1 || !strings.Contains(todos[0], "other/recipes/default.rb") {
		t.Errorf("todos = %v", todos)
	}
}

// TestMigrate_NotifyingADefinitionsResource: Chef expands a definition
// in the calling recipe, which may notify a resource of its body; the
// migrated recipe declares that resource too, with action nothing, and
// a resource built from the definition's parameters is a TODO.
func TestMigrate_NotifyingADefinitionsResource(t *testing.T) {
	src := t.TempDir()
	write := func(rel, text string) { writeTree(t, src, map[string]string{rel: text}) }
	write("metadata.rb", "name 'web'\nversion '1.0.0'\n")
	write("definitions/web_site.rb", "define :web_site, :port => 80 do\n  service 'nginx' do\n    service_name 'nginx-full'\n    action [:enable, :start]\n  end\n  execute 'reload-site' do\n    command \"reload #{params[:name]}\"\n    action :nothing\n  end\nend\n")
	write("recipes/default.rb", "web_site 'shop'\n\nfile '/etc/x.conf' do\n  content 'x'\n  notifies :restart, 'service[nginx]'\n  notifies :run, 'execute[reload-site]'\nend\n")
	out := t.TempDir()
	r, err := Migrate([]string{src}, out)
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := os.ReadFile(filepath.Join(out, "cookbooks", "web", "recipes", "default.star"))
	if !strings.Contains(string(rec), `service("nginx", service_name="nginx-full", action="nothing")`) {
		t.Errorf("recipe does not declare the definition's service:\n%s", rec)
	}
	var todos []string
	for _, td := range r.Todos {
		todos = append(todos, td.Construct)
	}
	if len(todos) != 1 || todos[0] != "notifies execute[reload-site]" {
		t.Errorf("todos = %v\n%s", todos, rec)
	}
}

// writeTree writes files (path relative to dir → content) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for rel, text := range files {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
