package migrate

import (
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
)

// Migrate's kinds and properties are the registry's: every registered kind
// and every Chef name a kind declares translates to that kind, and every
// registered property is kept rather than left as a TODO.
func TestChefResources_FromRegistry(t *testing.T) {
	for _, k := range engine.Kinds() {
		for _, n := range append([]string{k.Name}, k.ChefNames...) {
			if shellResources[n] {
				continue
			}
			if got, ok := chefResource(n); !ok || got != k.Name {
				t.Errorf("chefResource(%q) = %q, %v; want %q", n, got, ok, k.Name)
			}
		}
		for _, p := range k.Properties() {
			if !hasProp(k.Name, p.Name) {
				t.Errorf("hasProp(%q, %q) = false for a registered property", k.Name, p.Name)
			}
		}
	}
	if _, ok := chefResource("no_such_resource"); ok {
		t.Error("an unknown Chef resource translated")
	}
	if hasProp("file", "no_such_property") {
		t.Error("hasProp accepts an unknown property")
	}
}

// A registered property that the old hand-written table missed (file's
// verify, package's Chef alias apt_package) now translates.
func TestTranslateRecipe_RegistryProperties(t *testing.T) {
	cases := []struct{ ruby, want string }{
		{"file '/x' do\n  verify 'test -s %{path}'\nend", `file("/x", verify="test -s %{path}")`},
		{"apt_package 'ntp' do\n  action :upgrade\nend", `package("ntp", action="upgrade")`},
	}
	for _, c := range cases {
		got, todos := translateRuby("r.rb", kindRecipe, "cb", "default", c.ruby)
		if !strings.Contains(got, c.want) || len(todos) != 0 {
			t.Errorf("ruby:\n%s\ngot (%d todos):\n%s\nwant:\n%s", c.ruby, len(todos), got, c.want)
		}
	}
}
