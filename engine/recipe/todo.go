package recipe

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/converge-cm/converge/engine"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// A TODO marker is what `converge migrate` leaves where it could not
// translate a construct whose absence changes behaviour: todo("...") in a
// recipe, an attributes file or a library (a condition it could not read
// becomes `if todo("..."):`), and {{/* TODO(migrate): ... */}} in a
// template. Compile refuses a run list whose cookbooks hold one, naming
// each file:line, unless Input.AllowTodo; then todo() is a TodoValue.

// Todo is one TODO marker.
type Todo struct {
	File string
	Line int
	What string
}

func (t Todo) String() string { return fmt.Sprintf("%s:%d: %s", t.File, t.Line, t.What) }

// TodoError is Compile's refusal of cookbooks with TODO markers.
type TodoError struct{ Todos []Todo }

func (e *TodoError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d TODO(migrate) marker(s) left by converge migrate: translate each by hand (see MIGRATION.md), or pass --allow-todo to run without them:", len(e.Todos))
	for _, t := range e.Todos {
		b.WriteString("\n  " + t.String())
	}
	return b.String()
}

var todoBuiltin = starlark.NewBuiltin("todo", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var what string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &what); err != nil {
		return nil, err
	}
	return TodoValue{What: what}, nil
})

// TodoValue is what todo("...") returns under Input.AllowTodo: the value
// of a construct converge migrate could not translate, made inert so the
// code around it still runs. Migrated code uses it where the construct's
// value would be: `if todo(...):` skips the branch, and
// `current = todo(...)` followed by `for l in current:`,
// `current.split("\n")`, `len(current)` or `"%s" % current` must not
// stop the compile. So it is false, an empty sequence (len 0, iterating
// yields nothing, `x in it` is False), "" in str() and formatting, itself
// for any attribute, index, slice, call and arithmetic, and equal to
// nothing, itself included. Setting a key or field on it does nothing.
//
// A resource property given a TodoValue is left unset, as with None: the
// property's default applies and a required one is reported missing.
// Where it is converted to data (an attribute, a template variable, a
// property of a custom resource's state) it is None.
type TodoValue struct {
	// What is the marker's text: file.rb:line: construct.
	What string
}

var (
	_ starlark.HasAttrs    = TodoValue{}
	_ starlark.HasSetField = TodoValue{}
	_ starlark.HasSetKey   = TodoValue{}
	_ starlark.Sliceable   = TodoValue{}
	_ starlark.Sequence    = TodoValue{}
	_ starlark.Container   = TodoValue{}
	_ starlark.Callable    = TodoValue{}
	_ starlark.Comparable  = TodoValue{}
	_ starlark.HasBinary   = TodoValue{}
	_ starlark.HasUnary    = TodoValue{}
)

// String is "", so that str(), "%s" and "{}".format() of it add nothing.
func (TodoValue) String() string        { return "" }
func (TodoValue) Type() string          { return "todo" }
func (TodoValue) Freeze()               {}
func (TodoValue) Truth() starlark.Bool  { return false }
func (TodoValue) Hash() (uint32, error) { return 0, nil }

// Attr is the value itself: current.split(",") calls it, which is it again.
func (t TodoValue) Attr(string) (starlark.Value, error)              { return t, nil }
func (TodoValue) AttrNames() []string                                { return nil }
func (TodoValue) SetField(string, starlark.Value) error              { return nil }
func (t TodoValue) Get(starlark.Value) (starlark.Value, bool, error) { return t, true, nil }
func (TodoValue) SetKey(_, _ starlark.Value) error                   { return nil }
func (t TodoValue) Index(int) starlark.Value                         { return t }
func (t TodoValue) Slice(_, _, _ int) starlark.Value                 { return t }
func (TodoValue) Len() int                                           { return 0 }
func (TodoValue) Iterate() starlark.Iterator                         { return emptyIter{} }
func (TodoValue) Has(starlark.Value) (bool, error)                   { return false, nil }
func (TodoValue) Name() string                                       { return "todo" }

func (t TodoValue) CallInternal(*starlark.Thread, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return t, nil
}

// CompareSameType: one todo equals no other, nor itself, and orders
// before nothing.
func (TodoValue) CompareSameType(op syntax.Token, _ starlark.Value, _ int) (bool, error) {
	return op == syntax.NEQ, nil
}

func (t TodoValue) Binary(syntax.Token, starlark.Value, starlark.Side) (starlark.Value, error) {
	return t, nil
}

func (t TodoValue) Unary(syntax.Token) (starlark.Value, error) { return t, nil }

type emptyIter struct{}

func (emptyIter) Next(*starlark.Value) bool { return false }
func (emptyIter) Done()                     {}

// todoName is the error for a resource whose name is todo()'s value:
// --allow-todo runs without an untranslated value, not without the name
// that says which resource it is.
func todoName(kind string, t TodoValue, pos engine.Pos) error {
	return &engine.Diagnostic{Pos: pos, Summary: fmt.Sprintf("%s() name is todo(%q), which converge migrate could not translate", kind, t.What),
		Detail: "--allow-todo leaves an untranslated property unset, but a resource needs its name: write it by hand (see MIGRATION.md)"}
}

// isTodo reports whether v is todo()'s value.
func isTodo(v starlark.Value) bool {
	_, ok := v.(TodoValue)
	return ok
}

// templateTodo marks a template placeholder left by converge migrate:
// {{/* TODO(migrate): ... */}}, with or without a trim marker.
var templateTodo = regexp.MustCompile(`\{\{-? ?/\* TODO\(migrate\)`)

// Todos lists the TODO markers in the cookbooks named, in file order.
func (r *Repo) Todos(cookbooks []string) ([]Todo, error) {
	var out []Todo
	for _, name := range cookbooks {
		cb, ok := r.Cookbooks[name]
		if !ok {
			continue
		}
		err := filepath.WalkDir(cb.Dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p != cb.Dir && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			switch {
			case strings.HasSuffix(p, ".star"):
				ts, err := starTodos(p)
				out = append(out, ts...)
				return err
			case strings.HasSuffix(p, ".tmpl"):
				ts, err := templateTodos(p)
				out = append(out, ts...)
				return err
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Line < out[j].Line
	})
	return out, nil
}

func starTodos(p string) ([]Todo, error) {
	src, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	if !strings.Contains(string(src), "todo(") {
		return nil, nil
	}
	f, err := fileOptions.Parse(p, src, 0)
	if err != nil {
		return nil, nil // the compile reports it
	}
	var out []Todo
	syntax.Walk(f, func(n syntax.Node) bool {
		c, ok := n.(*syntax.CallExpr)
		if !ok {
			return true
		}
		if id, ok := c.Fn.(*syntax.Ident); ok && id.Name == "todo" {
			what := "todo()"
			if len(c.Args) > 0 {
				if lit, ok := c.Args[0].(*syntax.Literal); ok {
					if s, ok := lit.Value.(string); ok {
						what = s
					}
				}
			}
			start, _ := c.Span()
			out = append(out, Todo{File: p, Line: int(start.Line), What: what})
		}
		return true
	})
	return out, nil
}

func templateTodos(p string) ([]Todo, error) {
	fh, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var out []Todo
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	for ln := 1; sc.Scan(); ln++ {
		line := sc.Text()
		for {
			loc := templateTodo.FindStringIndex(line)
			if loc == nil {
				break
			}
			rest := line[loc[1]:]
			what := strings.TrimSpace(strings.TrimPrefix(rest, ":"))
			if j := strings.Index(what, "*/"); j >= 0 {
				what = strings.TrimSpace(what[:j])
			}
			out = append(out, Todo{File: p, Line: ln, What: what})
			line = rest
		}
	}
	return out, sc.Err()
}
