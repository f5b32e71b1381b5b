package recipe

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/keyorder"
	"go.starlark.net/starlark"
)

// AttrView is a read-only view of merged attributes: node["drbd"]["port"].
// Reading a key that is not there is an error naming the full key and
// where it could be set; `"k" in v` and v.get("k", default) test for it.
//
// A view walks its keys (for k in v, keys, items, values) in the order ord
// records: Chef's insertion order (see engine/keyorder).
type AttrView struct {
	m    map[string]any
	path []string
	ord  *keyorder.Table
}

var (
	_ starlark.Mapping         = (*AttrView)(nil)
	_ starlark.IterableMapping = (*AttrView)(nil)
	_ starlark.HasAttrs        = (*AttrView)(nil)
	_ starlark.HasSetKey       = (*AttrView)(nil)
)

func (v *AttrView) String() string {
	d, _ := toJSON(v.m)
	return d
}
func (v *AttrView) Type() string          { return "attributes" }
func (v *AttrView) Freeze()               {}
func (v *AttrView) Truth() starlark.Bool  { return len(v.m) > 0 }
func (v *AttrView) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable: attributes") }
func (v *AttrView) Len() int              { return len(v.m) }

// Get implements node[key].
func (v *AttrView) Get(k starlark.Value) (starlark.Value, bool, error) {
	ks, ok := k.(starlark.String)
	if !ok {
		return nil, false, fmt.Errorf("attribute keys are strings, not %s (%s)", k.Type(), k)
	}
	key := string(ks)
	x, ok := v.m[key]
	if !ok {
		return nil, false, missingAttr(append(append([]string{}, v.path...), key))
	}
	return fromGo(x, append(append([]string{}, v.path...), key), v.ord), true, nil
}

// SetKey refuses node[...][k] = x: attributes are set in attributes files.
func (v *AttrView) SetKey(k, _ starlark.Value) error {
	path := append(append([]string{}, v.path...), fmt.Sprint(k))
	if ks, ok := k.(starlark.String); ok {
		path[len(path)-1] = string(ks)
	}
	return fmt.Errorf("%s is read-only: set attributes in an attributes file (cookbooks/NAME/attributes/*.star) with %s = ...", attrRef("node", path), attrRef("default", path))
}

func missingAttr(path []string) error {
	ref := attrRef("node", path)
	return fmt.Errorf("%s: no such attribute; set it in an attributes file (%s = ...), in nodes/NAME.json or a role, or with -a %s=VALUE; use %s.get(%q, default) to make it optional",
		ref, attrRef("default", path), strings.Join(path, "."), attrRef("node", path[:len(path)-1]), path[len(path)-1])
}

func attrRef(root string, path []string) string {
	var b strings.Builder
	b.WriteString(root)
	for _, p := range path {
		b.WriteString("[" + strconv.Quote(p) + "]")
	}
	return b.String()
}

func (v *AttrView) Items() []starlark.Tuple {
	out := make([]starlark.Tuple, 0, len(v.m))
	for _, k := range v.ord.Keys(v.m) {
		out = append(out, starlark.Tuple{starlark.String(k), fromGo(v.m[k], append(append([]string{}, v.path...), k), v.ord)})
	}
	return out
}

func (v *AttrView) Iterate() starlark.Iterator {
	keys := v.ord.Keys(v.m)
	l := make([]starlark.Value, len(keys))
	for i, k := range keys {
		l[i] = starlark.String(k)
	}
	return starlark.NewList(l).Iterate()
}

func (v *AttrView) AttrNames() []string { return []string{"get", "items", "keys", "values"} }

func (v *AttrView) Attr(name string) (starlark.Value, error) {
	switch name {
	case "get":
		return starlark.NewBuiltin("get", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var k string
			var def starlark.Value = starlark.None
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &k, &def); err != nil {
				return nil, err
			}
			if x, ok := v.m[k]; ok {
				return fromGo(x, append(append([]string{}, v.path...), k), v.ord), nil
			}
			return def, nil
		}), nil
	case "keys":
		return starlark.NewBuiltin("keys", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			var l []starlark.Value
			for _, k := range v.ord.Keys(v.m) {
				l = append(l, starlark.String(k))
			}
			return starlark.NewList(l), nil
		}), nil
	case "items":
		return starlark.NewBuiltin("items", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			var l []starlark.Value
			for _, t := range v.Items() {
				l = append(l, t)
			}
			return starlark.NewList(l), nil
		}), nil
	case "values":
		return starlark.NewBuiltin("values", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			var l []starlark.Value
			for _, t := range v.Items() {
				l = append(l, t[1])
			}
			return starlark.NewList(l), nil
		}), nil
	}
	return nil, nil
}

// AttrTree is a mutable attribute level in an attributes file:
// default["drbd"]["port"] = 7789 creates the nested keys on assignment.
type AttrTree struct {
	name   string // "default", "override", "normal"
	path   []string
	keys   []string
	vals   map[string]starlark.Value
	frozen bool
	// thread runs the attributes file; pos records where each key was
	// last assigned, for errors found when the file has finished.
	thread *starlark.Thread
	pos    map[string]engine.Pos
}

var (
	_ starlark.HasSetKey = (*AttrTree)(nil)
)

func newAttrTree(name string) *AttrTree {
	return &AttrTree{name: name, vals: map[string]starlark.Value{}}
}

func (t *AttrTree) String() string        { return attrRef(t.name, t.path) }
func (t *AttrTree) Type() string          { return "attribute_level" }
func (t *AttrTree) Truth() starlark.Bool  { return true }
func (t *AttrTree) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable: %s", t.Type()) }
func (t *AttrTree) Freeze() {
	if t.frozen {
		return
	}
	t.frozen = true
	for _, v := range t.vals {
		v.Freeze()
	}
}

// Get returns the value at key, creating an empty nested level when the
// key is new (Chef's auto-vivification).
func (t *AttrTree) Get(k starlark.Value) (starlark.Value, bool, error) {
	ks, ok := k.(starlark.String)
	if !ok {
		return nil, false, fmt.Errorf("attribute keys are strings, not %s (%s)", k.Type(), k)
	}
	if v, ok := t.vals[string(ks)]; ok {
		return v, true, nil
	}
	if t.frozen {
		return nil, false, missingAttr(append(append([]string{}, t.path...), string(ks)))
	}
	child := newAttrTree(t.name)
	child.thread = t.thread
	child.path = append(append([]string{}, t.path...), string(ks))
	t.keys = append(t.keys, string(ks))
	t.vals[string(ks)] = child
	return child, true, nil
}

// SetKey implements default["k"] = v.
func (t *AttrTree) SetKey(k, v starlark.Value) error {
	if t.frozen {
		return fmt.Errorf("%s: attributes can only be set in attributes files, not in recipes; use node[...] to read them", t)
	}
	ks, ok := k.(starlark.String)
	if !ok {
		return fmt.Errorf("attribute keys are strings, not %s (%s)", k.Type(), k)
	}
	if isTodo(v) {
		// an assignment converge migrate could not translate is left
		// out under --allow-todo: the attribute stays as it was
		return nil
	}
	if _, err := toGo(v, nil); err != nil {
		return fmt.Errorf("%s: %v", attrRef(t.name, append(append([]string{}, t.path...), string(ks))), err)
	}
	if _, ok := t.vals[string(ks)]; !ok {
		t.keys = append(t.keys, string(ks))
	}
	t.vals[string(ks)] = v
	if t.thread != nil && t.thread.CallStackDepth() > 0 {
		f := t.thread.CallFrame(0)
		if t.pos == nil {
			t.pos = map[string]engine.Pos{}
		}
		t.pos[string(ks)] = engine.Pos{File: f.Pos.Filename(), Line: int(f.Pos.Line), Col: int(f.Pos.Col)}
	}
	return nil
}

// toGo converts the level to plain Go; ord records the key order of its
// maps, the order the keys were first assigned.
func (t *AttrTree) toGo(ord *keyorder.Table) (map[string]any, error) {
	c := &goConv{onPath: map[starlark.Value]bool{t: true}, ord: ord}
	return t.toGoWith(c)
}

func (t *AttrTree) toGoWith(c *goConv) (map[string]any, error) {
	out := map[string]any{}
	keys := make([]string, 0, len(t.keys))
	defer func() { c.ord.Set(out, keys) }()
	for _, k := range t.keys {
		v := t.vals[k]
		if sub, ok := v.(*AttrTree); ok {
			if err := c.enter(sub); err != nil {
				return nil, fmt.Errorf("%s: %v", sub, err)
			}
			m, err := sub.toGoWith(c)
			delete(c.onPath, sub)
			if err != nil {
				return nil, err
			}
			if len(m) == 0 {
				// a level only read, never assigned
				continue
			}
			out[k] = m
			keys = append(keys, k)
			continue
		}
		g, err := c.toGo(v)
		if err != nil {
			var d *engine.Diagnostic
			if errors.As(err, &d) {
				return nil, err
			}
			msg := fmt.Sprintf("%s: %v", attrRef(t.name, append(append([]string{}, t.path...), k)), err)
			if p, ok := t.pos[k]; ok {
				return nil, &engine.Diagnostic{Pos: p, Summary: msg, Detail: "the value was changed after this assignment"}
			}
			return nil, errors.New(msg)
		}
		out[k] = g
		keys = append(keys, k)
	}
	return out, nil
}

// recipeLevel is default, override and normal in recipes and their
// libraries: attributes are set in attributes files only, and saying so
// beats "undefined: default".
type recipeLevel string

var _ starlark.HasSetKey = recipeLevel("")

func (l recipeLevel) String() string        { return string(l) }
func (l recipeLevel) Type() string          { return "attribute_level" }
func (l recipeLevel) Freeze()               {}
func (l recipeLevel) Truth() starlark.Bool  { return true }
func (l recipeLevel) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable: %s", l.Type()) }

func (l recipeLevel) Get(k starlark.Value) (starlark.Value, bool, error) {
	return nil, false, setInRecipe(string(l), k)
}

func (l recipeLevel) SetKey(k, _ starlark.Value) error { return setInRecipe(string(l), k) }

func setInRecipe(root string, k starlark.Value) error {
	return fmt.Errorf("%s[%s]: attributes can only be set in attributes files (cookbooks/NAME/attributes/*.star), not in recipes; read them with node[...]", root, k)
}
