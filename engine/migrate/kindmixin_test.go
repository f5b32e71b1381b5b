package migrate

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
	cfacts "github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/recipe"
)

// TestMigrate_KindIncludesLibraryModule: a kind that includes a library
// module (in action_class, at its top, or through a library's
// Chef::Resource mixin) calls its methods: a plain function is loaded
// from libraries/, a method reading new_resource is written into the
// kind's file as a function of r, and only those the actions reach.
// Guards a past bug: each call was a TODO, "unknown method".
func TestMigrate_KindIncludesLibraryModule(t *testing.T) {
	const lib = "module Kit\n  module Helper\n" +
		"    def conf_path(name)\n      \"/etc/kit/#{name}.conf\"\n    end\n\n" +
		"    def default_mode\n      new_resource.mode || '0640'\n    end\n\n" +
		"    def loud?\n      new_resource.mode == '0777'\n    end\n\n" +
		"    def shout\n      log_it(\"loud #{new_resource.name}\") if loud?\n    end\n\n" +
		"    def log_it(msg)\n      log msg\n    end\n\n" +
		"    def never_called\n      new_resource.nothing_here\n    end\n" +
		"  end\nend\n"
	const actions = "property :mode, String\n\naction :create do\n  file conf_path(new_resource.name) do\n    mode default_mode\n  end\n  shout\nend\n"
	for _, tc := range []struct {
		name  string
		files map[string]string
	}{
		{"action_class include", map[string]string{"libraries/helper.rb": lib, "resources/conf.rb": actions + "\naction_class do\n  include Kit::Helper\nend\n"}},
		{"top-level include", map[string]string{"libraries/helper.rb": lib, "resources/conf.rb": "include ::Kit::Helper\n" + actions}},
		{"library mixin", map[string]string{"libraries/helper.rb": lib + "::Chef::Resource.send(:include, Kit::Helper)\n", "resources/conf.rb": actions}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, r := crCookbook(t, tc.files, "kit_conf 'a' do\n  mode '0777'\nend\nkit_conf 'b'\n")
			for _, td := range r.Todos {
				t.Errorf("todo: %s", td)
			}
			kind, _ := os.ReadFile(filepath.Join(out, "cookbooks", "kit", "resources", "conf.star"))
			for _, w := range []string{`load("//libraries/helper.star", "conf_path")`, "def default_mode(r):", "def loud(r):", "def shout(r):", "def log_it(r, msg):",
				`file(conf_path(r.name), mode=default_mode(r))`, "shout(r)"} {
				if !strings.Contains(string(kind), w) {
					t.Errorf("resources/conf.star lacks %s:\n%s", w, kind)
				}
			}
			if strings.Contains(string(kind), "never_called") {
				t.Errorf("resources/conf.star has a method no action reaches:\n%s", kind)
			}
			libStar, _ := os.ReadFile(filepath.Join(out, "cookbooks", "kit", "libraries", "helper.star"))
			if !strings.Contains(string(libStar), "def conf_path(name):") || strings.Contains(string(libStar), "todo(") {
				t.Errorf("libraries/helper.star:\n%s", libStar)
			}
			repo, err := recipe.LoadRepo([]string{filepath.Join(out, "cookbooks")})
			if err != nil {
				t.Fatal(err)
			}
			f, _ := cfacts.ForPlatform("debian-12")
			c, err := repo.Compile(recipe.Input{Name: "n", Facts: f, Normal: map[string]any{}, RunList: []string{"kit_test::default"}})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, res := range c.Resources {
				for _, in := range res.(*engine.Custom).Inner("create") {
					got = append(got, in.Base().Address())
				}
			}
			want := "file[/etc/kit/a.conf] log[loud a] file[/etc/kit/b.conf]"
			if strings.Join(got, " ") != want {
				t.Errorf("inner resources %v, want %s", got, want)
			}
		})
	}
}

// TestMigrate_KindHelperWithRescue: a helper with a rescue clause is its
// body, the handler left out with a comment and a note (converge has no
// exceptions: where Chef ran it the run stops), and compiles without
// --allow-todo. One with ensure or else is a TODO whose function still
// exists, so the actions calling it compile under --allow-todo, and are
// refused without it.
func TestMigrate_KindHelperWithRescue(t *testing.T) {
	for _, clause := range []string{"rescue ArgumentError", "ensure"} {
		lib := "module Kit\n  module Helper\n    def safe_mode\n      new_resource.mode\n    " + clause + "\n      '0600'\n    end\n  end\nend\n"
		for _, place := range []string{"library", "action_class"} {
			name := clause + " in " + place
			files := map[string]string{"resources/conf.rb": "property :mode, String\naction :create do\n  file '/etc/kit.conf' do\n    mode safe_mode\n  end\nend\naction_class do\n  include Kit::Helper\nend\n"}
			if place == "library" {
				files["libraries/helper.rb"] = lib
			} else {
				files["resources/conf.rb"] = "property :mode, String\naction :create do\n  file '/etc/kit.conf' do\n    mode safe_mode\n  end\nend\naction_class do\n  def safe_mode\n    new_resource.mode\n  " + clause + "\n    '0600'\n  end\nend\n"
			}
			out, r := crCookbook(t, files, "kit_conf 'a'\n")
			kind, _ := os.ReadFile(filepath.Join(out, "cookbooks", "kit", "resources", "conf.star"))
			if clause == "ensure" {
				if len(r.Todos) != 1 || !strings.Contains(string(kind), "def safe_mode(r, *args, **kwargs):\n    return todo(") {
					t.Errorf("%s: todos %v, kind:\n%s", name, r.Todos, kind)
				}
				var te *recipe.TodoError
				if err := compileTest(t, out, false); !errors.As(err, &te) {
					t.Errorf("%s: without --allow-todo: %v, want a TodoError", name, err)
				}
				if err := compileTest(t, out, true); err != nil {
					t.Errorf("%s: with --allow-todo: %v", name, err)
				}
				continue
			}
			want := "def safe_mode(r):\n    # rescue ArgumentError (line "
			if len(r.Todos) != 0 || !strings.Contains(string(kind), want) || !strings.Contains(string(kind), "    return r.mode\n") {
				t.Errorf("%s: todos %v, kind:\n%s", name, r.Todos, kind)
			}
			if n := strings.Join(append(r.Notes, r.Warnings...), "\n"); !strings.Contains(n, "the rescue of ArgumentError (line ") || !strings.Contains(n, "the run stops with the error") {
				t.Errorf("%s: notes %q", name, r.Notes)
			}
			if err := compileTest(t, out, false); err != nil {
				t.Errorf("%s: without --allow-todo: %v", name, err)
			}
		}
	}
}

// TestMigrate_KindHelperValueNotTranslated: a helper whose value does
// not translate returns its marker, so that under --allow-todo the action
// using the value goes on (todo() is an empty, inert value). Guards a
// past bug: the helper returned None, and `lines.join(...)` stopped the
// compile.
func TestMigrate_KindHelperValueNotTranslated(t *testing.T) {
	for _, body := range []string{
		"::File.readlines(new_resource.path)",            // a value
		"@lines ||= ::File.readlines(new_resource.path)", // an assignment, Ruby's value too
	} {
		lib := "module Kit\n  module Helper\n    def current_lines\n      " + body + "\n    end\n  end\nend\n"
		out, _ := crCookbook(t, map[string]string{"libraries/helper.rb": lib,
			"resources/conf.rb": "property :path, String\naction :create do\n  file new_resource.path do\n    content current_lines.join(\"\\n\")\n  end\nend\naction_class do\n  include Kit::Helper\nend\n"},
			"kit_conf 'a' do\n  path '/etc/a'\nend\n")
		kind, _ := os.ReadFile(filepath.Join(out, "cookbooks", "kit", "resources", "conf.star"))
		if !strings.Contains(string(kind), "def current_lines(r):\n") || !strings.Contains(string(kind), "    return todo(") {
			t.Errorf("%s: the helper does not return its marker:\n%s", body, kind)
		}
		if err := compileTest(t, out, true); err != nil {
			t.Errorf("%s: with --allow-todo: %v", body, err)
		}
	}
}

// TestMigrate_KindHelperRescuesDataBag: a helper whose rescue catches a
// missing data bag returns the handler's value when the bag is missing,
// and an early return in a helper leaves the function.
func TestMigrate_KindHelperRescuesDataBag(t *testing.T) {
	files := map[string]string{"resources/zone.rb": "property :bag, String\naction :create do\n  file '/etc/zone' do\n    content records.to_s\n  end\nend\naction_class do\n  def records\n    return unless new_resource.bag\n    data_bag_item(new_resource.bag, 'hosts')\n  rescue\n    nil\n  end\nend\n"}
	out, r := crCookbook(t, files, "kit_zone 'a' do\n  bag 'zones'\nend\n")
	kind, _ := os.ReadFile(filepath.Join(out, "cookbooks", "kit", "resources", "zone.star"))
	want := "def records(r):\n    # Chef's rescue (line 11) runs when the data bag is missing\n    if not data_bag_exists(r.bag):\n        return None\n    if not r.bag:\n        return None\n"
	if len(r.Todos) != 0 || !strings.Contains(string(kind), want) {
		t.Errorf("todos %v, kind:\n%s\nwant:\n%s", r.Todos, kind, want)
	}
	if err := compileTest(t, out, false); err != nil {
		t.Errorf("compile without the bag: %v", err)
	}
}
