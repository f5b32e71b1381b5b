package cli

import (
	"bytes"
	"path/filepath"
	"regexp"
	"testing"
)

// TestDoc_BuiltinAndCustomKinds: `converge doc KIND` prints a kind's
// properties with types, defaults and sentences, and its actions; custom
// kinds come from the cookbook path, their actions' sentences from the
// docstrings.
func TestDoc_BuiltinAndCustomKinds(t *testing.T) {
	cookbooks := filepath.Join("..", "..", "..", "testdata", "recipes", "custom", "cookbooks")
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"doc", "execute"}, []string{`(?m)^execute — .* \(built-in\)$`, `(?m)^  command +str +Shell command to run`, `(?m)^  creates +str `, `(?m)^  run$`, `(?m)^  nothing +Does nothing`}},
		{[]string{"doc", "settings_value", "--cookbook-path", cookbooks}, []string{
			`(?m)^settings_value — A value kept in a file under a root directory\. \(cookbook settings\)$`,
			`(?m)^  key +str +the file's name under root \(name property\)$`,
			`(?m)^  value +str +the file's content \(required\)$`,
			`(?m)^  root +path `,
			`(?m)^  token +str +a secret that reaches the command \(default "", sensitive, not compared\)$`,
			`(?m)^  set +Writes the value\.$`, `(?m)^  delete +Removes the file\.$`}},
		{[]string{"doc", "settings_pair", "--format", "md", "--cookbook-path", cookbooks}, []string{
			`(?m)^## settings_pair$`, "(?m)^\\| `a` \\| str \\| required \\| the first value \\|$", "(?m)^- `set`: Sets both values\\.$"}},
	}
	for _, tc := range cases {
		var out, errb bytes.Buffer
		if code := Main(tc.args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, errb.String())
		}
		for _, w := range tc.want {
			if !regexp.MustCompile(w).MatchString(out.String()) {
				t.Errorf("%v: output lacks %s:\n%s", tc.args, w, out.String())
			}
		}
	}
	var out, errb bytes.Buffer
	if code := Main([]string{"doc", "no_such_kind"}, &out, &errb); code != ExitUsage || !regexp.MustCompile(`no resource kind "no_such_kind"`).MatchString(errb.String()) {
		t.Errorf("unknown kind: exit %d, %s", code, errb.String())
	}
}
