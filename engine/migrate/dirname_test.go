package migrate

import (
	"testing"

	"go.starlark.net/starlark"
)

// TestFileDirname runs the Starlark ::File.dirname becomes against what
// Ruby's File.dirname answers.
func TestFileDirname(t *testing.T) {
	cases := map[string]string{
		"/a/b": "/a", "/a": "/", "a": ".", "/a/b/": "/a", "/": "/", "a/b": "a", "/a//b": "/a", "//a": "/", "": ".",
	}
	const expr = `(lambda _p: _p.rstrip("/").rpartition("/")[0].rstrip("/") or ("/" if _p.startswith("/") else "."))(p)`
	for in, want := range cases {
		v, err := starlark.Eval(&starlark.Thread{}, "t", expr, starlark.StringDict{"p": starlark.String(in)})
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if s, _ := starlark.AsString(v); s != want {
			t.Errorf("dirname(%q) = %q, want %q", in, s, want)
		}
	}
}

// TestVersionConstraintList runs the comparison
// Chef::VersionConstraint.new(...).include?(v) becomes.
func TestVersionConstraintList(t *testing.T) {
	cases := []struct {
		v, cmp string
		want   bool
	}{
		{"22.04", ">= [12, 4, 0]", true},
		{"12.04", ">= [12, 4, 0]", true},
		{"10.04", ">= [12, 4, 0]", false},
		{"7.1.1503", "< [7, 2, 0]", true},
		{"7", "== [7, 0, 0]", true},
		{"12.10", "> [12, 4, 0]", true},
	}
	for _, c := range cases {
		expr := `(lambda _v: [int(_x) for _x in (str(_v).split(".") + ["0", "0"])[:3]])(v) ` + c.cmp
		got, err := starlark.Eval(&starlark.Thread{}, "t", expr, starlark.StringDict{"v": starlark.String(c.v)})
		if err != nil {
			t.Fatalf("%s %s: %v", c.v, c.cmp, err)
		}
		if got != starlark.Bool(c.want) {
			t.Errorf("%s %s = %v, want %v", c.v, c.cmp, got, c.want)
		}
	}
}

// TestCompact runs the Starlark .compact becomes: nil elements of a list,
// nil values of a hash, dropped (Ruby's Array#compact and Hash#compact).
func TestCompact(t *testing.T) {
	const expr = `(lambda _c: {_k: _v for _k, _v in _c.items() if _v != None} if type(_c) in ("dict", "attributes") else [_x for _x in _c if _x != None])(c)`
	for in, want := range map[string]string{
		`["a", None, "b", None]`: `["a", "b"]`,
		`[None]`:                 `[]`,
		`{"a": 1, "b": None}`:    `{"a": 1}`,
		`[False, 0, ""]`:         `[False, 0, ""]`,
	} {
		c, err := starlark.Eval(&starlark.Thread{}, "t", in, nil)
		if err != nil {
			t.Fatal(err)
		}
		v, err := starlark.Eval(&starlark.Thread{}, "t", expr, starlark.StringDict{"c": c})
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if v.String() != want {
			t.Errorf("compact(%s) = %s, want %s", in, v, want)
		}
	}
}
