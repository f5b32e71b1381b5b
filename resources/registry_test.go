package resources_test

import (
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/recipe"
	_ "github.com/converge-cm/converge/resources"
)

// Every registered kind documents itself and each of its properties, and
// every property has a type the builtin generator can set, so the
// reference, the builtins and migrate's tables can all come from the
// registry.
func TestRegistry_KindsAreDocumentedAndTyped(t *testing.T) {
	kinds := engine.Kinds()
	if len(kinds) < 10 {
		t.Fatalf("only %d kinds registered", len(kinds))
	}
	chef := map[string]string{}
	for _, k := range kinds {
		chef[k.Name] = k.Name
	}
	for _, k := range kinds {
		if !sentence(k.Doc) {
			t.Errorf("kind %s: Doc %q is not one sentence ending in a period", k.Name, k.Doc)
		}
		if len(k.Actions) == 0 {
			t.Errorf("kind %s has no actions", k.Name)
		}
		if k.New == nil || k.New() == nil {
			t.Errorf("kind %s has no constructor", k.Name)
			continue
		}
		for _, n := range k.ChefNames {
			if other, dup := chef[n]; dup {
				t.Errorf("kind %s: Chef name %s already maps to %s", k.Name, n, other)
			}
			chef[n] = k.Name
		}
		seen := map[string]bool{}
		for _, p := range k.Properties() {
			if seen[p.Name] {
				t.Errorf("%s.%s is declared twice", k.Name, p.Name)
			}
			seen[p.Name] = true
			for _, c := range engine.CommonProps {
				if c == p.Name {
					t.Errorf("%s.%s shadows the common property", k.Name, p.Name)
				}
			}
			if !sentence(p.Doc) {
				t.Errorf("%s.%s: doc %q is not a sentence ending in a period", k.Name, p.Name, p.Doc)
			}
			if !recipe.SupportedType(p.Type) {
				t.Errorf("%s.%s: type %s cannot be set from a recipe", k.Name, p.Name, p.Type)
			}
			if p.Mode && p.Type.Kind().String() != "string" {
				t.Errorf("%s.%s: a mode property must be a string field", k.Name, p.Name)
			}
		}
	}
}

func sentence(s string) bool {
	s = strings.TrimSpace(s)
	return len(s) > 8 && strings.HasSuffix(s, ".") && s[0] >= 'A' && s[0] <= 'Z'
}
