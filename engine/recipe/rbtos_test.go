package recipe_test

import (
	"strconv"
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/resources"
)

// TestCompile_RbToSWritesLikeRuby: rb_to_s(x) is what Ruby's "#{x}" and
// x.to_s write, in recipes, attribute files, libraries and custom
// resource bodies. Each want is what Ruby 3.1 prints for the Ruby value
// the Starlark one was migrated from.
func TestCompile_RbToSWritesLikeRuby(t *testing.T) {
	for _, c := range []struct{ expr, want string }{
		{`None`, ``},
		{`True`, `true`},
		{`False`, `false`},
		{`"plain"`, `plain`},
		{`'say "hi"'`, `say "hi"`},
		{`42`, `42`},
		{`-7`, `-7`},
		{`1.5`, `1.5`},
		{`100.0`, `100.0`},
		{`1e20`, `1.0e+20`},
		{`[]`, `[]`},
		{`[1, "a", None, True, 2.5]`, `[1, "a", nil, true, 2.5]`},
		{`("x", 1)`, `["x", 1]`},
		{`{}`, `{}`},
		// Hash#inspect, in the dict's order
		{`{"port": 80, "on": False, "name": "web", "opt": None}`, `{"port"=>80, "on"=>false, "name"=>"web", "opt"=>nil}`},
		{`{"outer": {"inner": [1, {"k": "v"}]}}`, `{"outer"=>{"inner"=>[1, {"k"=>"v"}]}}`},
		// strings inside are written with String#inspect's escapes
		{`["tab\there", "quote\"", "back\\slash", "#{not code}"]`, `["tab\there", "quote\"", "back\\slash", "\#{not code}"]`},
		{`node["app"]["on"]`, `true`},
		{`node["app"]["conf"]`, `{"level"=>3, "tags"=>["a", "b"]}`},
	} {
		t.Run(c.expr, func(t *testing.T) {
			src := "file(\"/etc/x\", content = rb_to_s(" + c.expr + "))\n"
			col := mustCompile(t, src, map[string]string{
				"attributes/default.star": `default["app"]["on"] = True
default["app"]["conf"] = {"level": 3, "tags": ["a", "b"]}
`,
			})
			if got := find(t, col, "file[/etc/x]").(*resources.File).Content; got != c.want {
				t.Errorf("rb_to_s(%s) = %q, want %q", c.expr, got, c.want)
			}
		})
	}
}

// TestCompile_RbToSEverywhere: attribute files, the libraries they and
// the recipes load, and custom resource bodies see rb_to_s too.
func TestCompile_RbToSEverywhere(t *testing.T) {
	col := mustCompile(t, `load("//libraries/h.star", "flag")
file("/etc/a", content = node["app"]["line"])
file("/etc/b", content = flag(False))
t_conf("c")
`, map[string]string{
		"attributes/default.star": `load("//libraries/h.star", "flag")
default["app"]["line"] = "enabled = %s, %s" % (rb_to_s(True), flag(None))
`,
		"libraries/h.star": "def flag(v):\n    return \"flag=\" + rb_to_s(v)\n",
		"resources/conf.star": `property("name", str, name_property=True, doc="the name")
property("line", str, default="on = " + rb_to_s(True), doc="a line")

def action_create(r):
    execute("write " + r.name + " " + rb_to_s(None))
`,
	})
	for addr, want := range map[string]string{"file[/etc/a]": "enabled = true, flag=", "file[/etc/b]": "flag=false"} {
		if got := find(t, col, addr).(*resources.File).Content; got != want {
			t.Errorf("%s content %q, want %q", addr, got, want)
		}
	}
	for _, p := range find(t, col, "t_conf[c]").(*engine.Custom).Props {
		if p.Name == "line" && p.Value != "on = true" {
			t.Errorf("t_conf[c] line %q, want %q", p.Value, "on = true")
		}
	}
}

// TestCompile_RbChompLikeRuby: rb_chomp(s, sep) is Ruby's s.chomp(sep).
// Each want is what Ruby 3.1 returns.
func TestCompile_RbChompLikeRuby(t *testing.T) {
	for _, c := range []struct{ s, sep, want string }{
		{`a\r\n`, `\n`, `a`},
		{`a\n`, `\n`, `a`},
		{`a\r`, `\n`, `a`},
		{`a\n\n`, `\n`, `a\n`},
		{`a\r\n\n\r\n`, ``, `a`},
		{`a\n\r`, ``, `a\n\r`},
		{`a\r\n`, `\r\n`, `a`},
		{`a\n`, `\r\n`, `a\n`},
		{`name.conf`, `.conf`, `name`},
		{`name`, `.conf`, `name`},
	} {
		t.Run(c.s+"/"+c.sep, func(t *testing.T) {
			src := "file(\"/etc/x\", content = repr(rb_chomp(\"" + c.s + "\", \"" + c.sep + "\")))\n"
			col := mustCompile(t, src, nil)
			if got, want := find(t, col, "file[/etc/x]").(*resources.File).Content, `"`+c.want+`"`; got != want {
				t.Errorf("rb_chomp(%q, %q) = %s, want %s", c.s, c.sep, got, want)
			}
		})
	}
}

// TestCompile_RbTrLikeRuby: rb_tr(s, from, to) is Ruby's s.tr(from, to).
// Each want is what Ruby 3.1 returns.
func TestCompile_RbTrLikeRuby(t *testing.T) {
	for _, c := range []struct{ s, from, to, want string }{
		{"hello", "a-y", "b-z", "ifmmp"},
		{"hello", "^l", "*", "**ll*"},
		{"hello", "el", "ip", "hippo"},
		{"hello", "lo", "", "he"},
		{"a-b", "-", "_", "a_b"},
		{"hello", "a-y", "b", "bbbbb"},
		{"aabb", "aa", "xy", "yybb"},
		{"a^b", "^", "v", "avb"},
		{"a-b", "a-", "xy", "xyb"},
		{`a\b`, `\\`, "/", "a/b"},
	} {
		t.Run(c.s+"/"+c.from, func(t *testing.T) {
			q := strconv.Quote
			col := mustCompile(t, "file(\"/etc/x\", content = rb_tr("+q(c.s)+", "+q(c.from)+", "+q(c.to)+"))\n", nil)
			if got := find(t, col, "file[/etc/x]").(*resources.File).Content; got != c.want {
				t.Errorf("rb_tr(%q, %q, %q) = %q, want %q", c.s, c.from, c.to, got, c.want)
			}
		})
	}
}

// TestCompile_RbSplitLikeRuby: rb_split(s, sep) is Ruby's s.split(sep).
// Each want is what Ruby 3.1 prints for s.split(sep).inspect.
func TestCompile_RbSplitLikeRuby(t *testing.T) {
	for _, c := range []struct{ s, sep, want string }{
		{"a,b,c", ",", `["a", "b", "c"]`},
		{"a,b,,", ",", `["a", "b"]`},
		{",a,,b", ",", `["", "a", "", "b"]`},
		{"", ",", `[]`},
		{",,,", ",", `[]`},
		{"  a  b ", " ", `["a", "b"]`},
		{"a\tb\n", " ", `["a", "b"]`},
		{"abc", "", `["a", "b", "c"]`},
		{"a::b::", "::", `["a", "b"]`},
		{"no-sep", ",", `["no-sep"]`},
	} {
		t.Run(c.s+"/"+c.sep, func(t *testing.T) {
			q := strconv.Quote
			col := mustCompile(t, "file(\"/etc/x\", content = rb_to_s(rb_split("+q(c.s)+", "+q(c.sep)+")))\n", nil)
			if got := find(t, col, "file[/etc/x]").(*resources.File).Content; got != c.want {
				t.Errorf("rb_split(%q, %q) = %s, want %s", c.s, c.sep, got, c.want)
			}
		})
	}
}

// TestCompile_RbFormatLikeRuby: rb_format(f, ...) is Ruby's format(f, ...),
// with the flags, widths and conversions Starlark's % lacks. Each want is
// what Ruby 3.1 prints.
func TestCompile_RbFormatLikeRuby(t *testing.T) {
	for _, c := range []struct{ call, want string }{
		{`rb_format("%-6s|", "ab")`, "ab    |"},
		{`rb_format("%05d", 42)`, "00042"},
		{`rb_format("%.2f", 3.14159)`, "3.14"},
		{`rb_format("%x-%o-%b", 255, 8, 5)`, "ff-10-101"},
		{`rb_format("%s %s %s", True, None, [1, "a"])`, `true  [1, "a"]`},
		{`rb_format("%d%%", "12")`, "12%"},
	} {
		t.Run(c.call, func(t *testing.T) {
			col := mustCompile(t, "file(\"/etc/x\", content = "+c.call+")\n", nil)
			if got := find(t, col, "file[/etc/x]").(*resources.File).Content; got != c.want {
				t.Errorf("%s = %q, want %q", c.call, got, c.want)
			}
		})
	}
}

// TestCompile_RbFormatHashKeepsOrder: %s of a dict writes Ruby's inspect
// in the dict's order.
func TestCompile_RbFormatHashKeepsOrder(t *testing.T) {
	col := mustCompile(t, `file("/etc/x", content = rb_format("%s", {"z": 1, "a": True}))`+"\n", nil)
	if got, want := find(t, col, "file[/etc/x]").(*resources.File).Content, `{"z"=>1, "a"=>true}`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
