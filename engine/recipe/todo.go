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

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// A TODO marker is what `converge migrate` leaves where it could not
// translate a construct whose absence changes behaviour: todo("...") in a
// recipe, an attributes file or a library (a condition it could not read
// becomes `if todo("..."):`), and {{/* TODO(migrate): ... */}} in a
// template. Compile refuses a run list whose cookbooks hold one, naming
// each file:line, unless Input.AllowTodo; then todo() is False.

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
	return starlark.False, nil
})

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
