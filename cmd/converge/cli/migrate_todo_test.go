package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeChefCookbook writes a small Chef cookbook, in the style of the
// community's, into dir/name.
func writeChefCookbook(t *testing.T, dir, name string, files map[string]string) string {
	t.Helper()
	cb := filepath.Join(dir, name)
	for p, body := range files {
		full := filepath.Join(cb, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return cb
}

// todoLine finds the line of the todo( marker in a migrated file.
func todoLine(t *testing.T, file, needle string) int {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, "todo(") && strings.Contains(l, needle) {
			return i + 1
		}
	}
	t.Fatalf("no todo( marker for %q in %s:\n%s", needle, file, b)
	return 0
}

// TestMigrate_TodoMarkersRefused: a migrated cookbook with an untranslated
// condition is refused by check, plan and run (exit 2) naming the marker's
// file:line and the Ruby source line, and --allow-todo lets them through
// with the condition false.
func TestMigrate_TodoMarkersRefused(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	cb := writeChefCookbook(t, src, "legacy_app", map[string]string{
		"metadata.rb":           "name 'legacy_app'\nversion '0.3.1'\nsupports 'debian'\n",
		"attributes/default.rb": "default['legacy_app']['dir'] = '/opt/legacy_app'\n",
		"recipes/default.rb": "directory node['legacy_app']['dir']\n\n" +
			"if ENV['LEGACY_TOOLS'] == '1'\n  package 'linux-tools'\nend\n\n" +
			"file \"#{node['legacy_app']['dir']}/ok\" do\n  content 'ok'\nend\n",
	})
	if r := converge(t, "migrate", cb, "-o", out); r.code != ExitMigrate {
		t.Fatalf("migrate: exit %d, want %d\n%s%s", r.code, ExitMigrate, r.stdout, r.stderr)
	}
	cbs := filepath.Join(out, "cookbooks")
	star := filepath.Join(cbs, "legacy_app", "recipes", "default.star")
	want := fmt.Sprintf("%s:%d: legacy_app/recipes/default.rb:3: condition not translated: ENV", star, todoLine(t, star, "ENV"))

	root := filepath.Join(t.TempDir(), "root")
	for _, args := range [][]string{
		{"check", "-r", "legacy_app", "--cookbook-path", cbs},
		{"plan", "--local", "-r", "legacy_app", "--cookbook-path", cbs, "-a", "legacy_app.dir=" + root},
		{"--local", "-r", "legacy_app", "--cookbook-path", cbs, "-a", "legacy_app.dir=" + root},
	} {
		r := converge(t, args...)
		if r.code != ExitUsage {
			t.Errorf("%v: exit %d, want %d\n%s%s", args, r.code, ExitUsage, r.stdout, r.stderr)
		}
		for _, w := range []string{"1 TODO(migrate) marker(s)", want, "--allow-todo"} {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%v: stderr lacks %q:\n%s", args, w, r.stderr)
			}
		}
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("a refused run touched the node: %v", err)
	}
	for _, args := range [][]string{
		{"check", "--allow-todo", "-r", "legacy_app", "--cookbook-path", cbs},
		{"plan", "--allow-todo", "--local", "-r", "legacy_app", "--cookbook-path", cbs, "-a", "legacy_app.dir=" + root},
	} {
		r := converge(t, args...)
		if r.code != ExitOK {
			t.Errorf("%v: exit %d, want 0\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		if args[0] == "plan" && (strings.Contains(r.stdout, "linux-tools") || !strings.Contains(r.stdout, "/ok")) {
			t.Errorf("plan --allow-todo: want file[.../ok] and no linux-tools:\n%s", r.stdout)
		}
	}
}

// TestMigrate_LibraryTodoRefused: a library method that is not translated
// leaves a marker in libraries/*.star that check names by file:line; the
// helper that is translated is loaded and called by the recipe.
func TestMigrate_LibraryTodoRefused(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	cb := writeChefCookbook(t, src, "lib_app", map[string]string{
		"metadata.rb": "name 'lib_app'\nversion '1.0.0'\n",
		"libraries/helpers.rb": "module LibApp\n  module Helpers\n    def app_dir\n      '/opt/lib_app'\n    end\n\n" +
			"    def running?\n      shell_out('pgrep app').exitstatus == 0\n    end\n  end\nend\n\n" +
			"Chef::DSL::Recipe.send(:include, LibApp::Helpers)\n",
		"recipes/default.rb": "directory app_dir\n",
	})
	if r := converge(t, "migrate", cb, "-o", out); r.code != ExitMigrate {
		t.Fatalf("migrate: exit %d, want %d\n%s%s", r.code, ExitMigrate, r.stdout, r.stderr)
	}
	cbs := filepath.Join(out, "cookbooks")
	lib := filepath.Join(cbs, "lib_app", "libraries", "helpers.star")
	want := fmt.Sprintf("%s:%d: lib_app/libraries/helpers.rb:7: method running?", lib, todoLine(t, lib, "running?"))
	r := converge(t, "check", "-r", "lib_app", "--cookbook-path", cbs)
	if r.code != ExitUsage || !strings.Contains(r.stderr, want) {
		t.Errorf("check: exit %d, want %d naming %q\n%s", r.code, ExitUsage, want, r.stderr)
	}
	r = converge(t, "plan", "--allow-todo", "--local", "-r", "lib_app", "--cookbook-path", cbs)
	if r.code != ExitOK || !strings.Contains(r.stdout, "directory[/opt/lib_app]") {
		t.Errorf("plan --allow-todo: exit %d, want 0 with directory[/opt/lib_app]\n%s%s", r.code, r.stdout, r.stderr)
	}
}
