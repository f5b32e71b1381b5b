package recipe_test

import (
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/recipe"
)

// TestRe runs Starlark expressions over the re module: matching, groups,
// substitution with group references, splitting and escaping.
func TestRe(t *testing.T) {
	cases := []struct{ expr, want string }{
		// search finds the first match anywhere, match only at the start
		{`re.search("[0-9]+", "eth12.300").group()`, `"12"`},
		{`re.search("x", "abc")`, `None`},
		{`re.search("x", "abc") == None`, `True`},
		{`re.match("[0-9]+", "eth12")`, `None`},
		{`re.match("eth", "eth12").end()`, `3`},
		{`re.fullmatch("eth[0-9]+", "eth12")  != None`, `True`},
		{`re.fullmatch("eth[0-9]+", "eth12.3")`, `None`},
		{`re.fullmatch("a|ab", "ab").group()`, `"ab"`},
		// groups by number and by name; m[g] is m.group(g)
		{`re.search("(\\w+)=(\\w+)", "k=v").groups()`, `("k", "v")`},
		{`re.search("(\\w+)=(\\w+)", "k=v").group(2, 1)`, `("v", "k")`},
		{`re.search("(\\w+)=(\\w+)", "k=v")[1]`, `"k"`},
		{`re.search("(?P<key>\\w+)=(?P<val>\\w+)", "k=v")["val"]`, `"v"`},
		{`re.search("(?P<key>\\w+)=(?P<val>\\w+)", "k=v").groupdict()`, `{"key": "k", "val": "v"}`},
		{`re.search("(a)|(b)", "b").groups()`, `(None, "b")`},
		{`re.search("(a)|(b)", "b").groups("-")`, `("-", "b")`},
		{`re.search("(a)|(b)", "b").start(1)`, `-1`},
		{`re.search("(b)", "abc").span(1)`, `(1, 2)`},
		{`re.search("b", "abc").string`, `"abc"`},
		{`str(re.search("b+", "abbc"))`, `"<re.match span=(1, 3) match=\"bb\">"`},
		// inline flags
		{`re.search("(?i)CENTOS", "centos") != None`, `True`},
		{`re.findall("(?m)^\\w+", "a b\nc d")`, `["a", "c"]`},
		{`re.search("a.b", "a\nb")`, `None`},
		{`re.search("(?s)a.b", "a\nb") != None`, `True`},
		// findall: strings, one group's strings, tuples of groups
		{`re.findall("[0-9]+", "1 22 333")`, `["1", "22", "333"]`},
		{`re.findall("(\\w)=[0-9]", "a=1 b=2")`, `["a", "b"]`},
		{`re.findall("(\\w)=([0-9])?", "a=1 b=")`, `[("a", "1"), ("b", "")]`},
		{`[m.start() for m in re.finditer("o", "foo")]`, `[1, 2]`},
		// sub: all matches, count, group references, a function
		{`re.sub("[aeiou]", "_", "recipe")`, `"r_c_p_"`},
		{`re.sub("[aeiou]", "_", "recipe", count=1)`, `"r_cipe"`},
		{`re.sub("(\\w+)@(\\w+)", "\\2 at \\1", "me@host")`, `"host at me"`},
		{`re.sub("(?P<user>\\w+)@", "\\g<user>:", "me@host")`, `"me:host"`},
		{`re.sub("o+", "[\\g<0>]", "foo")`, `"f[oo]"`},
		{`re.sub("x", "\\\\", "axb")`, `"a\\b"`},
		{`re.sub("(a)|b", "<\\1>", "ab")`, `"<a><>"`},
		{`re.sub("[0-9]+", lambda m: str(int(m.group()) * 2), "a1 b21")`, `"a2 b42"`},
		{`re.sub("$", "!", "x")`, `"x!"`},
		// split: groups between the pieces, maxsplit
		{`re.split("\\s+", "a  b\tc")`, `["a", "b", "c"]`},
		{`re.split("\\s+", " a b ")`, `["", "a", "b", ""]`},
		{`re.split("(,)", "a,b")`, `["a", ",", "b"]`},
		{`re.split(",", "a,b,c", maxsplit=1)`, `["a", "b,c"]`},
		{`re.split("/|-|,", "1-5,7/2")`, `["1", "5", "7", "2"]`},
		// escape, and a compiled pattern with the same methods
		{`re.escape("a.b*c")`, `"a\\.b\\*c"`},
		{`re.search("^" + re.escape("1.2") + "$", "1x2")`, `None`},
		{`re.compile("(\\d+)").findall("a1b22")`, `["1", "22"]`},
		{`re.compile("o").sub("0", "foo")`, `"f00"`},
		{`re.compile("^eth").match("eth0") != None`, `True`},
		{`re.compile("x").pattern`, `"x"`},
		{`re.search(re.compile("b"), "abc").start()`, `1`},
		{`type(re.compile("x"))`, `"re.pattern"`},
		{`type(re.search("x", "x"))`, `"re.match"`},
	}
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			v, err := starlark.EvalOptions(&syntax.FileOptions{}, &starlark.Thread{}, "expr", tc.expr, recipe.Predeclared())
			if err != nil {
				t.Fatal(err)
			}
			if v.String() != tc.want {
				t.Errorf("%s = %s, want %s", tc.expr, v, tc.want)
			}
		})
	}
}

// TestRe_Errors: a pattern RE2 cannot compile is an error naming the
// pattern and, for the Perl constructs RE2 lacks, saying so; so are bad
// replacements and groups.
// TestRe_TodoIn: under --allow-todo, a pattern or subject that migrate
// could not translate (todo()) gives the inert value back, not an error.
func TestRe_TodoIn(t *testing.T) {
	pre := recipe.Predeclared()
	pre["t"] = recipe.TodoValue{What: "a.rb:1: ENV"}
	for _, tc := range []struct{ expr, want string }{
		{`bool(re.search("x", t))`, `False`},
		{`str(re.sub("a", "b", t))`, `""`},
		{`[x for x in re.findall(t, "abc")]`, `[]`},
		{`str(re.escape(t))`, `""`},
		{`re.search("b", "abc").group()`, `"b"`},
	} {
		v, err := starlark.EvalOptions(&syntax.FileOptions{}, &starlark.Thread{}, "expr", tc.expr, pre)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if got := v.String(); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.expr, got, tc.want)
		}
	}
}

func TestRe_Errors(t *testing.T) {
	cases := []struct{ src, want string }{
		{`re.search("a(", "x")`, `re.search: bad pattern "a(": missing closing )`},
		{`re.compile("[z-a]")`, `re.compile: bad pattern "[z-a]": invalid character class range at "z-a"`},
		{`re.search("foo(?=bar)", "x")`, `re.search: bad pattern "foo(?=bar)": invalid or unsupported Perl syntax at "(?=" (RE2 has no lookahead or lookbehind)`},
		{`re.sub("(a)\\1", "", "x")`, `re.sub: bad pattern "(a)\\1": invalid escape sequence at "\\1" (RE2 has no backreferences)`},
		{`re.search("(?<!a)b", "x")`, `(RE2 has no lookahead or lookbehind)`},
		{`re.search("a++", "a")`, `re.search: bad pattern "a++": invalid nested repetition operator at "++"`},
		{`re.search(1, "x")`, `re.search: the pattern is a int, want a string or re.compile(...)`},
		{`re.search("x")`, `re.search: got 0 arguments, want 1`},
		{`re.sub("(a)", "\\2", "a")`, `re.sub: the replacement refers to \2, but the pattern has 1 group(s)`},
		{`re.sub("(a)", "\\g<nope>", "a")`, `re.sub: the replacement refers to the group "nope", which the pattern does not name`},
		{`re.sub("a", "\\q", "a")`, `re.sub: bad escape \q in the replacement`},
		{`re.sub("a", "\\", "a")`, `re.sub: the replacement ends in a lone backslash`},
		{`re.sub("a", lambda m: 1, "a")`, `re.sub: the replacement function returned a int, want a string`},
		{`re.search("(a)", "a").group(2)`, `re.match.group: no group 2 (the pattern "(a)" has 1)`},
		{`re.search("(a)", "a")["x"]`, `no group named "x" in the pattern "(a)"`},
		{`{re.search("a", "a"): 1}`, `unhashable`},
	}
	for _, tc := range cases {
		t.Run(tc.src, func(t *testing.T) {
			_, err := starlark.ExecFileOptions(&syntax.FileOptions{}, &starlark.Thread{}, "x.star", tc.src, recipe.Predeclared())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// TestRe_Predeclared: recipes, attribute files, libraries and custom
// resource bodies all see re.
func TestRe_Predeclared(t *testing.T) {
	files := map[string]string{
		"cookbooks/t/metadata.star":           `name = "t"`,
		"cookbooks/t/attributes/default.star": `default["t"]["major"] = re.search("^(\\d+)", "12.3").group(1)`,
		"cookbooks/t/libraries/v.star":        "def minor(v):\n    return re.split(\"[.]\", v)[1]\n",
		"cookbooks/t/resources/line.star": `property("path", str, name_property=True, doc="the file")
def action_create(r):
    file(re.sub("^/", "/srv/", r.path), content = "x")
`,
		"cookbooks/t/recipes/default.star": `load("//libraries/v.star", "minor")
file("/tmp/" + node["t"]["major"] + "-" + minor("12.3"), content = "x")
t_line("/a")
`,
	}
	c, err := compileTree(t, files, recipe.Input{RunList: []string{"t"}})
	if err != nil {
		t.Fatal(err)
	}
	find(t, c, "file[/tmp/12-3]")
	line, ok := find(t, c, "t_line[/a]").(*engine.Custom)
	if !ok || len(line.Inner("create")) != 1 || line.Inner("create")[0].Base().Address() != "file[/srv/a]" {
		t.Errorf("t_line[/a] declares %v, want file[/srv/a]", line.Inner("create"))
	}
}
