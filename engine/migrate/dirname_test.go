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
