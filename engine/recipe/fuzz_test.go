package recipe_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/converge-cm/converge/engine/recipe"
)

// FuzzCompile compiles hostile Starlark as a cookbook's default recipe
// (and as its attributes file) under a low step limit: Compile must
// return an error or a collection, never panic, and finish in seconds.
// `go test` runs the seeds in testdata/fuzz/FuzzCompile; `go test -fuzz
// FuzzCompile` looks for more.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		`file("/etc/motd", content="hello")`,
		"while True:\n    pass\n",
		"for i in range(1 << 62):\n    pass\n",
		"x = []\nx.append(x)\nfile(\"/a\", content=str(x))\n",
		`x = [0] * 200000000`,
		`s = "x" * (1 << 30)`,
		`l = list(range(1 << 40))`,
		"l = [1]\nfor i in range(40):\n    l = [l, l]\ntemplate(\"/a\", source=\"t.tmpl\", variables={\"l\": l})\n",
		"d = {}\nd[\"k\"] = d\nexecute(\"true\", environment=d)\n",
		"s = \"a\"\nfor i in range(30):\n    s += s\n",
		`x = ("{0}" * 100000).format("y" * 100000)`,
		`execute("echo s3cret", sensitive=True, notifies=("run", "execute[b]"))` + "\nexecute(\"b\", action=\"nothing\")\n",
		`template("/a", source="../../../../etc/passwd")`,
		`cookbook_file("/a", source="/etc/passwd")`,
		`file("/a", owner="--reference=/etc/shadow")`,
		`user("u", uid=-1)`,
		`execute("x", environment={"A": None, "B C": "1"})`,
		`include_recipe("t::default")`,
		"def f(x=[1] * 10):\n    return x * 3\nf()\n",
		`load("//libraries/nope.star", "x")`,
		"a = 1\na.b += 2\n",
		"x = [1, 2]\nx[0] *= 3\nx[len([y for y in x])-1] += 1\n",
		"m = re.search(\"(?P<a>x+)(y)?\", \"axxz\")\nfile(\"/\" + m[\"a\"] + str(m.span(2)) + re.sub(\"\", \"-\" * 1000, \"a\" * 20000))\n",
		"file(\"/a\", content=str(re.split(\"(,)|;\", \"a,b;c\", maxsplit=1)) + str(re.findall(\"()\", \"x\" * 1000)))\n",
	} {
		f.Add(s)
	}
	restore := recipe.SetMaxSteps(200_000)
	defer restore()
	f.Fuzz(func(t *testing.T, src string) {
		dir := t.TempDir()
		writeTree(t, dir, map[string]string{
			"cookbooks/t/metadata.star":        `name = "t"`,
			"cookbooks/t/templates/t.tmpl":     "{{ .l }}",
			"cookbooks/t/recipes/default.star": src,
			// as an attributes file too: a different set of builtins
			"cookbooks/t/attributes/default.star": src,
		})
		done := make(chan struct{})
		go func() {
			defer close(done)
			repo, err := recipe.LoadRepo([]string{filepath.Join(dir, "cookbooks")})
			if err != nil {
				return
			}
			coll, err := repo.Compile(recipe.Input{Name: "db1", Facts: centos7(), RunList: []string{"t"}})
			if err == nil && coll == nil {
				t.Errorf("Compile returned neither a collection nor an error")
			}
			if err != nil && coll != nil {
				t.Errorf("Compile returned a collection and an error")
			}
			if coll == nil {
				return
			}
			for _, r := range coll.Resources {
				for _, g := range append(r.Base().NotIf, r.Base().OnlyIf...) {
					if g.Fn != nil {
						_, _ = g.Fn()
					}
				}
			}
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("Compile ran for more than 10 s on:\n%s", src)
		}
	})
}
