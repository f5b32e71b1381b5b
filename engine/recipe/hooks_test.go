package recipe_test

import (
	"strings"
	"testing"
	"time"
)

func TestRollingHooks_SetOnTheCollection(t *testing.T) {
	c := mustCompile(t, `execute("x", command = "true")
rolling_hooks(before = "crm node standby", after = "crm node online", timeout = 90)
`, nil)
	h := c.Hooks
	if h.Before != "crm node standby" || h.After != "crm node online" || h.Timeout != 90*time.Second {
		t.Errorf("hooks %+v", h)
	}
	if !strings.HasSuffix(h.Pos.File, "recipes/default.star") || h.Pos.Line != 2 {
		t.Errorf("hooks declared at %s, want recipes/default.star:2", h.Pos)
	}
	if c := mustCompile(t, `execute("x", command = "true")`, nil); c.Hooks.Declared() {
		t.Errorf("a run without rolling_hooks() has hooks %+v", c.Hooks)
	}
}

func TestRollingHooks_Errors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"twice", "rolling_hooks(before = \"a\")\n\nrolling_hooks(after = \"b\")\n",
			[]string{"default.star:3", "called a second time", "first at", "default.star:1"}},
		{"no command", "rolling_hooks(timeout = 3)\n", []string{"default.star:1", "without a command"}},
		{"bad timeout", "rolling_hooks(before = \"a\", timeout = \"soon\")\n", []string{"default.star:1", "want a number of seconds"}},
		{"negative timeout", "rolling_hooks(before = \"a\", timeout = -1)\n", []string{"default.star:1", "between 0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := compileRecipe(t, tc.src, nil)
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
