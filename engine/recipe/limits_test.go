package recipe_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/converge-cm/converge/engine/recipe"
)

// TestLimits_EveryKindOfFile checks that the step limit and the cycle
// check hold in the files that are not recipes: metadata.star (read by
// LoadRepo), attribute files, libraries, and guard functions run at
// converge time. The recipe cases are in testdata/recipes/errors (limit_*).
func TestLimits_EveryKindOfFile(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		guard bool // the error comes from the resource's guard, at converge time
		want  string
	}{
		{name: "metadata endless loop",
			files: map[string]string{"cookbooks/t/metadata.star": "while True:\n    pass\n"},
			want:  `metadata.star:1:\d+: the metadata file ran more than \d+ steps; is there an endless loop\?`},
		{name: "metadata huge repeat",
			files: map[string]string{"cookbooks/t/metadata.star": "name = \"t\" * 200000000\n"},
			want:  `metadata.star:1:\d+: string \* int would make a value of`},
		{name: "attributes endless loop",
			files: map[string]string{"cookbooks/t/attributes/default.star": "for i in range(1000000):\n    for j in range(1000000):\n        pass\n"},
			want:  `attributes/default.star:\d:\d+: the attributes file ran more than \d+ steps`},
		{name: "attribute contains itself after assignment",
			files: map[string]string{"cookbooks/t/attributes/default.star": "x = []\ndefault[\"a\"] = x\nx.append(x)\n"},
			want:  `attributes/default.star:2:\d+: default\["a"\]: the value contains itself`},
		{name: "attribute assigned a self-containing list",
			files: map[string]string{"cookbooks/t/attributes/default.star": "x = []\nx.append(x)\ndefault[\"a\"] = x\n"},
			want:  `attributes/default.star:3:\d+: default\["a"\]: the value contains itself`},
		{name: "attribute level holds itself",
			files: map[string]string{"cookbooks/t/attributes/default.star": "default[\"a\"][\"b\"] = 1\ndefault[\"a\"][\"c\"] = default\n"},
			want:  `the value contains itself`},
		{name: "library endless loop",
			files: map[string]string{
				"cookbooks/t/libraries/l.star":     "def f():\n    while True:\n        pass\n",
				"cookbooks/t/recipes/default.star": "load(\"//libraries/l.star\", \"f\")\nf()\n"},
			want: `libraries/l.star:2:\d+: the recipe ran more than \d+ steps`},
		{name: "guard endless loop", guard: true,
			files: map[string]string{"cookbooks/t/recipes/default.star": "def forever():\n    while True:\n        pass\n    return True\nexecute(\"true\", not_if=forever)\n"},
			want:  `recipes/default.star:2:\d+: the guard ran more than \d+ steps`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"cookbooks/t/metadata.star": `name = "t"`, "cookbooks/t/recipes/default.star": `file("/tmp/x", content="x")`}
			for k, v := range tc.files {
				files[k] = v
			}
			dir := t.TempDir()
			writeTree(t, dir, files)
			done := make(chan error, 1)
			go func() {
				repo, err := recipe.LoadRepo([]string{filepath.Join(dir, "cookbooks")})
				if err != nil {
					done <- err
					return
				}
				coll, err := repo.Compile(recipe.Input{Name: "db1", Facts: centos7(), RunList: []string{"t"}})
				if err == nil && tc.guard {
					_, err = coll.Resources[0].Base().NotIf[0].Fn()
				}
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil {
					t.Fatal("no error")
				}
				if !regexp.MustCompile(tc.want).MatchString(err.Error()) {
					t.Errorf("error:\n%v\nwant it to match %s", err, tc.want)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("still running after 20 s: the limit did not stop it")
			}
		})
	}
}

// TestLimits_OperatorsKeepTheirMeaning checks that the checked operators
// keep Starlark's own semantics on the cases a rewrite could change (list += is in place, x[i] += y, string %, keyword
// arguments, defaults).
func TestLimits_OperatorsKeepTheirMeaning(t *testing.T) {
	src := `
a = [1]
b = a
a += [2]
d = {"k": [1]}
d["k"] += [3]
d["k"] *= 2
s = "%s-%d" % ("x", 3)
s += "!"
def f(x, y=2 * 3):
    return x + y
n = f(1) * 2 % 5
m = "a,b".split(",")
j = "-".join(m + ["c"])
r = "aXb".replace("X", "y")
fm = "{}{}".format(1, 2)
l = [0]
l.extend([1, 2])
g = getattr("a b", "split")()
file("/tmp/out", content="%s %s %s %s %s %s %s %s %s %s %d" % (b, d, s, n, j, r, fm, l, g, [x * 2 for x in range(3)], (lambda v: v * 3)(2)))
`
	c := mustCompile(t, src, nil)
	got := rendered(t, find(t, c, "file[/tmp/out]"), "/tmp/out")
	want := `[1, 2] {"k": [1, 3, 1, 3]} x-3! 4 a-b-c ayb 12 [0, 1, 2] ["a", "b"] [0, 2, 4] 6`
	if strings.TrimSpace(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestLimits_ErrorNamesWhereItStopped: the step-limit error names the
// line the loop was on, in the file it was in.
func TestLimits_ErrorNamesWhereItStopped(t *testing.T) {
	defer recipe.SetMaxSteps(10000)()
	_, err := compileRecipe(t, "x = 1\n\ndef spin():\n    n = 0\n    while n >= 0:\n        n += 1\n\nspin()\n", nil)
	if err == nil || !regexp.MustCompile(`recipes/default.star:[56]:\d+: the recipe ran more than 10000 steps`).MatchString(err.Error()) {
		t.Fatalf("error %v; want it at the loop, lines 5-6", err)
	}
}
