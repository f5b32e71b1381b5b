package migrate

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	starjson "go.starlark.net/lib/json"
	"go.starlark.net/starlark"

	"github.com/converge-cm/converge/engine/migrate/ruby"
	"github.com/converge-cm/converge/engine/recipe"
)

// TestRubyRegex: Ruby's syntax is written in RE2's, and what RE2 lacks
// is refused with the reason.
func TestRubyRegex(t *testing.T) {
	cases := []struct{ lit, want, err string }{
		{`/abc/`, `abc`, ""},
		{`/^a$/`, `(?m)^a$`, ""},
		{`/[$^]x/`, `[$^]x`, ""},
		{`/a.b/m`, `(?s)a.b`, ""},
		{`/^A/i`, `(?im)^A`, ""},
		{`/\Aa\z/`, `\Aa\z`, ""},
		{`/a\Z/`, `a(?:\n?\z)`, ""},
		{`/\h+/`, `[0-9a-fA-F]+`, ""},
		{`/[\h:]+/`, `[0-9a-fA-F:]+`, ""},
		{`/(?<key>\w+)=(?'val'\w+)/`, `(?P<key>\w+)=(?P<val>\w+)`, ""},
		{`/(?<k>\w+)=(\w+)/`, `(?P<k>\w+)=(?:\w+)`, ""},
		{`/(?i:ab)(?m-x:.)/`, `(?i:ab)(?s:.)`, ""},
		{`/a b # spaces and a comment
  c/x`, `abc`, ""},
		{`/a\ b/x`, `a\ b`, ""},
		{`%r{/etc/(\w+)\.conf}`, `/etc/(\w+)\.conf`, ""},
		{`/\/usr\/bin/`, `\/usr\/bin`, ""},
		{`/a{,3}b{2}c{1,}/`, `a{0,3}b{2}c{1,}`, ""},
		{`/x{/`, `x\{`, ""},
		{`/\e\u00e9\u{1F600}/`, `\x1b\x{00e9}\x{1F600}`, ""},
		{`/[[:alpha:]]+/`, `[[:alpha:]]+`, ""},
		{`/a*?b+?/`, `a*?b+?`, ""},
		{`/(a)\1/`, ``, `a backreference (\1)`},
		{`/(?<n>a)\k<n>/`, ``, `a backreference (\k)`},
		{`/foo(?=bar)/`, ``, `a lookahead or lookbehind`},
		{`/(?<!x)y/`, ``, `a lookahead or lookbehind`},
		{`/(?>a+)b/`, ``, `an atomic group`},
		{`/a++/`, ``, `a possessive quantifier`},
		{`/[a-z&&[^aeiou]]/`, ``, `a character class intersection`},
		{`/[a[bc]]/`, ``, `a nested character class`},
		{`/\Gx/`, ``, `the escape \G`},
	}
	for _, tc := range cases {
		t.Run(tc.lit, func(t *testing.T) {
			toks, _ := ruby.Lex(tc.lit, 1)
			if toks[0].Kind != ruby.REGEX {
				t.Fatalf("%s lexes as %v", tc.lit, toks[0])
			}
			var parts []ruby.StrElem
			for _, p := range toks[0].Parts {
				parts = append(parts, ruby.StrElem{Lit: p.Lit})
			}
			out, _, err := rubyRegex(parts, toks[0].Text)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := plain(&ruby.StrLit{Parts: out}); got != tc.want {
				t.Errorf("%s is %s, want %s", tc.lit, got, tc.want)
			}
		})
	}
}

// TestTranslateRecipe_Regex: the Ruby constructs that take a regular
// expression, translated to the re module.
func TestTranslateRecipe_Regex(t *testing.T) {
	runRecipeCases(t, []recipeCase{
		{"=~ in a condition", "package 'a' if node['kernel']['release'] =~ /^4\\./",
			"if re.search(\"(?m)^4\\\\.\", node[\"kernel\"][\"release\"]) != None:", 0},
		{"regexp on the left", "package 'a' if /el[67]/ =~ node['platform_version']",
			`if re.search("el[67]", node.platform_version) != None:`, 0},
		{"!~", "package 'a' if node['x'] !~ /\\d/", `if re.search("\\d", node["x"]) == None:`, 0},
		{"unless =~ and !(=~)", "package 'a' unless node['x'] =~ /y/\npackage 'b' if !(node['x'] =~ /z/)",
			"if re.search(\"y\", node[\"x\"]) == None:\n    package(\"a\")\nif re.search(\"z\", node[\"x\"]) == None:", 0},
		{"=~ or ==", "l = node['l']\nok = false\nok = true if l =~ /x/ || l == 'y'", `if re.search("x", l) != None or l == "y":`, 0},
		{"case when regexp", "case node['platform_version']\nwhen /^7/\n  package 'a'\nwhen '8', /^9/\n  package 'b'\nend",
			"if re.search(\"(?m)^7\", node.platform_version) != None:\n    package(\"a\")\nelif node.platform_version == \"8\" or re.search(\"(?m)^9\", node.platform_version) != None:", 0},
		{"match? and match", "x = node['m'].match?(/a+/)\ny = node['m'].match(/(b)(c)/)\npackage y[1]",
			"x = re.search(\"a+\", node[\"m\"]) != None\ny = re.search(\"(b)(c)\", node[\"m\"])\npackage(y[1])", 0},
		{"captures.first", "x = node['map'].match(/(?:\\.)(.*)/).captures.first\npackage x",
			`x = list(re.search("(?:\\.)(.*)", node["map"]).groups())[0]`, 0},
		{"gsub with group references", "x = node['a'].gsub(/(\\w+)@(\\w+)/, '\\2 at \\1')\npackage x",
			`x = re.sub("(\\w+)@(\\w+)", "\\g<2> at \\g<1>", node["a"])`, 0},
		{"sub with the whole match", "x = node['a'].sub(/[0-9]+/, '<\\0>')\npackage x",
			`x = re.sub("[0-9]+", "<\\g<0>>", node["a"], count = 1)`, 0},
		{"gsub of a string stays replace", "x = node['a'].gsub('-', '_')\npackage x", `x = node["a"].replace("-", "_")`, 0},
		{"scan", "x = node['a'].scan(/\\d+/)\ny = node['a'].scan(/(\\w)=(\\d)/)\npackage x + y",
			"x = re.findall(\"\\\\d+\", node[\"a\"])\ny = [list(_m.groups()) for _m in re.finditer(\"(\\\\w)=(\\\\d)\", node[\"a\"])]", 0},
		{"split on a regexp", "x = node['a'].split(/\\s+/)\npackage x",
			`x = (lambda _p: _p[:max([0] + [_i + 1 for _i, _x in enumerate(_p) if _x])])(re.split("\\s+", node["a"]))`, 0},
		{"Regexp.escape and Regexp.new", "p = Regexp.new(Regexp.escape(node['a']))\npackage 'x' if node['b'] =~ p",
			"p = re.escape(node[\"a\"])\nif re.search(p, node[\"b\"]) != None:", 0},
		{"Regexp.new of a literal", "p = Regexp.new('^a.b$', Regexp::IGNORECASE)\npackage 'x' if node['b'] =~ p",
			`p = "(?im)^a.b$"`, 0},
		{"Regexp.new of a value has line anchors", "p = Regexp.new(node['re'])\npackage 'x' if node['b'] =~ p",
			`p = "(?m)" + node["re"]`, 0},
		{"a regexp in a variable", "re = /^#{node['a']}\\s/\npackage 'x' if node['b'] =~ re",
			"re_ = \"(?m)^%s\\\\s\" % rb_to_s(node[\"a\"])\nif re.search(re_, node[\"b\"]) != None:", 0},
		{"s[/re/]", "x = node['a'][/\\d+/]\npackage x", `x = (lambda _m: _m.group(0) if _m else None)(re.search("\\d+", node["a"]))`, 0},
		{"$1 after =~", "if node['v'] =~ /^(\\d+)\\.(\\d+)/\n  package \"v#{$1}-#{Regexp.last_match(2)}\"\nend",
			"_m = re.search(\"(?m)^(\\\\d+)\\\\.(\\\\d+)\", node[\"v\"])\nif _m != None:\n    package(\"v%s-%s\" % (rb_to_s(_m.group(1)), rb_to_s(_m.group(2))))", 0},
		{"$1 without a match is a TODO", "package $1", "the last match is translated only", 1},
		{"lookahead is a TODO with the reason", "package 'a' if node['x'] =~ /a(?=b)/", "a lookahead or lookbehind", 1},
		{"a backreference in gsub's pattern is a TODO", "x = node['a'].gsub(/(a)\\1/, '')\npackage x", "a backreference", 1},
		{"\\Z in gsub is a TODO", "x = node['a'].gsub(/\\s*\\Z/, '')\npackage x", `\Z in a replacement`, 1},
		{"pre-match in the replacement is a TODO", "x = node['a'].sub(/b/, \"\\\\`\")\npackage x", "the text before or after the match", 1},
	})
}

// rubyRegexOracle evaluates each case's Ruby (pre; then expr, with s set)
// and prints the values as one JSON list.
const rubyRegexOracle = `require 'json'
# the nil_or_empty? helper cookbooks define, and Chef's core extension form
# (nil_or_empty?(x) as a function, x.nil_or_empty? as a method)
class Object
  def nil_or_empty?(*vs)
    vs = [self] if vs.empty?
    vs.any? { |v| v.nil? || (v.respond_to?(:empty?) && v.empty?) }
  end
end
cases = JSON.parse(File.read(ARGV[0]))
out = cases.map do |c|
  s = c['s']
  b = binding
  b.local_variable_set(:s, s)
  b.eval(c['pre']) unless c['pre'].empty?
  b.eval(c['expr'])
end
$stdout.write JSON.generate(out)
`

// TestRegex_AgainstRuby translates Ruby expressions over a string s and
// checks that the Starlark, run with the re module, gives what Ruby gives.
func TestRegex_AgainstRuby(t *testing.T) {
	rb, err := exec.LookPath("ruby")
	if err != nil {
		if os.Getenv("CONVERGE_E2E") == "1" {
			t.Fatal("ruby is needed and CONVERGE_E2E=1")
		}
		t.Skip("ruby is not installed; the regexp oracle test needs it")
	}
	var cases []rubyCase
	add := func(pre, expr string, samples ...string) {
		for _, s := range samples {
			cases = append(cases, rubyCase{pre, expr, s})
		}
	}
	add("", `s =~ /^ab+c$/ ? "y" : "n"`, "abbc", "ac", "x\nabc\ny", "abc\n")
	add("", `(s =~ /b/) != nil`, "abc", "xyz")
	add("", `s !~ /\d/`, "a1", "ab")
	add("", `s =~ /\Aab\z/ ? 1 : 0`, "ab", "ab\n", "x\nab")
	add("", `s =~ /ab\Z/ ? 1 : 0`, "ab", "ab\n", "ab\n\n")
	add("", `s =~ /a.b/m ? 1 : 0`, "a\nb", "axb")
	add("", `s =~ /a.b/ ? 1 : 0`, "a\nb", "axb")
	add("", `s =~ /^B/i ? 1 : 0`, "a\nb", "c")
	add("", `s =~ /\h{4}/ ? 1 : 0`, "beef", "bxef")
	add("", `s =~ %r{^/etc/.*\.conf$} ? 1 : 0`, "/etc/a.conf", "/etc/a_conf", "x\n/etc/b.conf")
	add("", `s =~ / a \s b # two letters
  /x ? 1 : 0`, "a b", "ab")
	add("p = 'b+'", `s =~ /a#{p}c/ ? 1 : 0`, "abbc", "ac")
	add("d = ',;'", `s.split(/[#{d}]/)`, "a,b;c")
	add("re = /b+/", `s =~ re ? [1].map { |re| re + 1 } : 0`, "abb", "a")
	add("", `s.gsub(/\d+/) { |n| n.to_i * 2 }`, "a1 b21")
	add("", `s.sub(/(\w)(\w*)/) { $1.upcase + $2 }`, "hello world")
	add("", `s =~ Regexp.union("a.b", /^c+$/) ? 1 : 0`, "xa.by", "axb", "z\nccc")
	add("l = ['x.y', 'z']", `s =~ Regexp.union(l) ? 1 : 0`, "x.y", "xzy", "xay")
	add("", `s =~ Regexp.union() ? 1 : 0`, "", "a")
	add("", `s.match?(/(?<k>\w+)=(?<v>\w+)/)`, "k=v", "k=")
	add("", `s.match(/(\w+)=(\w*)/) ? s.match(/(\w+)=(\w*)/).captures : []`, "key=", "a=b c=d", "nothing")
	add("", `s.match(/(?:\.)(.*)/).captures.first`, "auto.master", "a.b.c")
	add("", `s.gsub(/(\w+)@(\w+)/, '\2 at \1')`, "me@host, you@there")
	add("", `s.gsub(/o/, "0")`, "foo boo")
	add("", `s.sub(/[aeiou]/, '<\0>')`, "recipe")
	add("", `s.gsub(/\s+/, ' ')`, "a  b\t\nc")
	add("", `s.gsub(/x/, 'a\\b')`, "x1x")
	add("", `s.gsub(/(?<n>\d)/, '[\k<n>]')`, "a1b2")
	add("", `s.scan(/\d+/)`, "1 22 333", "none")
	add("", `s.scan(/(\w)=(\d)?/)`, "a=1 b= c=3")
	add("", `s.split(/\s*,\s*/)`, "a , b,c", "a,b,,", ",a", "")
	add("", `s.split(/(-)/)`, "1-2-3")
	add("", `s[/\d+/]`, "abc123def45", "none")
	add("", `s[/(\w+)@(\w+)/, 2]`, "me@host")
	add("", `s =~ Regexp.new(Regexp.escape("a.b *")) ? 1 : 0`, "xa.b *y", "aXb *")
	add("", `s =~ Regexp.new('^a.c$') ? 1 : 0`, "abc", "z\nabc")
	add("y = nil\ny = $2 + $1 if s =~ /(\\w+)@(\\w+)/", `y`, "me@host", "none")
	add("y = 'none'\nif s.match(/(?<k>\\w+)=(?<v>\\w+)/)\n  y = $~[:k] + Regexp.last_match(1) + $~[:v]\nend", `y`, "key=v", "x")
	add("", `s.match(/(?<k>\w+)=(\w+)/).captures`, "key=v")
	add("", `case s when /^cent/ then "rh" when /deb|ubu/i then "deb" else "x" end`, "centos", "Ubuntu", "arch")
	checkAgainstRuby(t, rb, cases)
}

// rubyCase is one oracle case: Ruby code Pre, then x = Expr, with the
// string s set to S; Ruby's x (as JSON) and the translation's must agree.
type rubyCase struct {
	Pre  string `json:"pre"`
	Expr string `json:"expr"`
	S    string `json:"s"`
}

// checkAgainstRuby runs cases through Ruby (rubyRegexOracle) and through
// the translation to Starlark, and compares the values of x.
func checkAgainstRuby(t *testing.T, rb string, cases []rubyCase) {
	t.Helper()
	var rubyIn bytes.Buffer
	if err := json.NewEncoder(&rubyIn).Encode(cases); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in, script := filepath.Join(dir, "cases.json"), filepath.Join(dir, "oracle.rb")
	os.WriteFile(in, rubyIn.Bytes(), 0o644)
	os.WriteFile(script, []byte(rubyRegexOracle), 0o644)
	var stderr bytes.Buffer
	cmd := exec.Command(rb, script, in)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ruby: %v\n%s", err, stderr.String())
	}
	var want []json.RawMessage
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatalf("ruby printed %s: %v", out, err)
	}
	if len(want) != len(cases) {
		t.Fatalf("ruby gave %d values for %d cases", len(want), len(cases))
	}
	t.Logf("%d cases checked against %s", len(cases), rb)
	for i, c := range cases {
		src := "s = " + rubyQuote(c.S) + "\n" + c.Pre + "\nx = " + c.Expr + "\n"
		star, todos := translateRuby("r.rb", kindRecipe, "cb", "default", src)
		if len(todos) > 0 {
			t.Errorf("%s: TODOs %v\n%s", c.Expr, todos, star)
			continue
		}
		pre := recipe.RubyBuiltins()
		pre["re"] = recipe.ReModule()
		g, err := starlark.ExecFileOptions(starOptions, &starlark.Thread{}, "r.star", star, pre)
		if err != nil {
			t.Errorf("%s on %q: %v\n%s", c.Expr, c.S, err, star)
			continue
		}
		enc, err := starlark.Call(&starlark.Thread{}, starjson.Module.Members["encode"], starlark.Tuple{g["x"]}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var w, gv any
		json.Unmarshal(want[i], &w)
		json.Unmarshal([]byte(enc.(starlark.String)), &gv)
		wj, _ := json.Marshal(w)
		gj, _ := json.Marshal(gv)
		if !bytes.Equal(wj, gj) {
			t.Errorf("%s on %q: Ruby gives %s, the translation %s\n%s", c.Expr, c.S, wj, gj, star)
		}
	}
}

// rubyQuote writes s as a double-quoted Ruby string.
func rubyQuote(s string) string {
	b, _ := json.Marshal(s) // JSON's escapes are Ruby's for these strings
	return string(b)
}
