package recipe

import (
	stdjson "encoding/json"
	"fmt"
	"math"

	"github.com/converge-cm/converge/engine/keyorder"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// toGo converts a Starlark value to plain Go: int64, float64, string,
// bool, nil, []any, map[string]any. Attribute views and trees convert to
// their contents. The key order of every map made (a dict's, an
// attribute level's, a view's) is recorded in ord (nil: not recorded).
func toGo(v starlark.Value, ord *keyorder.Table) (any, error) {
	c := &goConv{onPath: map[starlark.Value]bool{}, ord: ord}
	return c.toGo(v)
}

// maxGoElems bounds the elements a conversion makes: a list may hold
// itself, or share one list many times over ([l, l] nested 40 deep), and
// either must be an error, not a stack overflow or gigabytes of copies.
const maxGoElems = 1 << 20

type goConv struct {
	onPath map[starlark.Value]bool // lists and dicts being converted
	elems  int
	ord    *keyorder.Table // where the maps' key order is recorded
}

func (c *goConv) enter(v starlark.Value) error {
	if c.onPath[v] {
		return fmt.Errorf("the value contains itself (a list or dict that is its own element); data must be a tree")
	}
	c.onPath[v] = true
	return nil
}

func (c *goConv) count(n int) error {
	if c.elems += n; c.elems > maxGoElems {
		return fmt.Errorf("the value has more than %d elements; data for attributes, templates and properties must be smaller", maxGoElems)
	}
	return nil
}

func (c *goConv) toGo(v starlark.Value) (any, error) {
	toGo := c.toGo
	switch x := v.(type) {
	case *starlark.List, starlark.Tuple, *starlark.Dict:
		if err := c.count(starlark.Len(x)); err != nil {
			return nil, err
		}
		if l, ok := x.(*starlark.List); ok {
			if err := c.enter(l); err != nil {
				return nil, err
			}
			defer delete(c.onPath, l)
		}
		if d, ok := x.(*starlark.Dict); ok {
			if err := c.enter(d); err != nil {
				return nil, err
			}
			defer delete(c.onPath, d)
		}
	}
	switch x := v.(type) {
	case starlark.NoneType:
		return nil, nil
	case starlark.Bool:
		return bool(x), nil
	case starlark.Int:
		i, ok := x.Int64()
		if !ok {
			return nil, fmt.Errorf("integer %s is too large", x)
		}
		return i, nil
	case starlark.Float:
		return float64(x), nil
	case starlark.String:
		return string(x), nil
	case *starlark.List:
		out := make([]any, x.Len())
		for i := 0; i < x.Len(); i++ {
			g, err := toGo(x.Index(i))
			if err != nil {
				return nil, err
			}
			out[i] = g
		}
		return out, nil
	case starlark.Tuple:
		out := make([]any, len(x))
		for i, e := range x {
			g, err := toGo(e)
			if err != nil {
				return nil, err
			}
			out[i] = g
		}
		return out, nil
	case *starlark.Dict:
		out := make(map[string]any, x.Len())
		keys := make([]string, 0, x.Len())
		for _, it := range x.Items() { // in the dict's order
			k, ok := it[0].(starlark.String)
			if !ok {
				return nil, fmt.Errorf("dict key %s is a %s; keys must be strings", it[0], it[0].Type())
			}
			g, err := toGo(it[1])
			if err != nil {
				return nil, err
			}
			out[string(k)] = g
			keys = append(keys, string(k))
		}
		c.ord.Set(out, keys)
		return out, nil
	case *AttrView:
		return deepCopy(x.m, x.ord, c.ord), nil
	case *AttrTree:
		if err := c.enter(x); err != nil {
			return nil, err
		}
		defer delete(c.onPath, x)
		return x.toGoWith(c)
	case *Handle:
		return x.address, nil
	case TodoValue:
		return nil, nil
	case *resValue:
		return c.toGo(x.asStruct())
	case *starlarkstruct.Struct:
		// the r of a custom resource (Chef's variables(config: new_resource)):
		// the dict of its properties
		names := x.AttrNames()
		if err := c.count(len(names)); err != nil {
			return nil, err
		}
		out := map[string]any{}
		for _, n := range names {
			f, err := x.Attr(n)
			if err != nil {
				return nil, err
			}
			g, err := toGo(f)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", n, err)
			}
			out[n] = g
		}
		c.ord.Set(out, names)
		return out, nil
	default:
		return nil, fmt.Errorf("a %s cannot be used as data", v.Type())
	}
}

// wholeNumbers copies v with every whole float64 as an int64, the rule
// fromGo applies for recipes. JSON numbers of roles and -j arrive as
// float64 (nodes/*.json and -a give int64, engine/inventory.ExactNumbers),
// and Chef reads 8080 in JSON as an Integer: a template must print 8080,
// not 8080.0.
// The copies keep the key order ord records, and ord records theirs.
func wholeNumbers(v any, ord *keyorder.Table) any {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x)
		}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = wholeNumbers(e, ord)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = wholeNumbers(e, ord)
		}
		ord.Set(out, ord.Keys(x))
		return out
	}
	return v
}

// fromGo converts plain Go data to Starlark; maps become read-only views
// that walk their keys in the order ord records.
func fromGo(v any, path []string, ord *keyorder.Table) starlark.Value {
	switch x := v.(type) {
	case nil:
		return starlark.None
	case bool:
		return starlark.Bool(x)
	case int:
		return starlark.MakeInt(x)
	case int64:
		return starlark.MakeInt64(x)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			// JSON numbers arrive as float64; whole ones read as ints.
			return starlark.MakeInt64(int64(x))
		}
		return starlark.Float(x)
	case string:
		return starlark.String(x)
	case []any:
		l := make([]starlark.Value, len(x))
		for i, e := range x {
			l[i] = fromGo(e, append(append([]string{}, path...), fmt.Sprint(i)), ord)
		}
		list := starlark.NewList(l)
		list.Freeze()
		return list
	case []string:
		l := make([]starlark.Value, len(x))
		for i, e := range x {
			l[i] = starlark.String(e)
		}
		list := starlark.NewList(l)
		list.Freeze()
		return list
	case map[string]any:
		return &AttrView{m: x, path: path, ord: ord}
	case map[string][]string:
		m := make(map[string]any, len(x))
		for k, v := range x {
			l := make([]any, len(v))
			for i, s := range v {
				l[i] = s
			}
			m[k] = l
		}
		return &AttrView{m: m, path: path, ord: ord}
	default:
		return starlark.String(fmt.Sprint(x))
	}
}

// deepCopy copies v; each map copied keeps the key order from records,
// and to records the copy's.
func deepCopy(v any, from, to *keyorder.Table) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e, from, to)
		}
		to.Set(m, from.Keys(x))
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e, from, to)
		}
		return l
	default:
		return v
	}
}

// deepMerge merges src over dst (maps merge key by key; anything else
// replaces), as Chef merges attribute levels, and returns dst. The order
// is Ruby's Hash#merge: dst's keys keep their places and src's new keys
// follow, in src's order; ord has the order of both and records dst's.
func deepMerge(ord *keyorder.Table, dst, src map[string]any) map[string]any {
	if dst == nil {
		dst = map[string]any{}
	}
	keys := ord.Keys(dst)
	for _, k := range ord.Keys(src) {
		sv := src[k]
		if _, had := dst[k]; !had {
			keys = append(keys, k)
		}
		if sm, ok := sv.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				dst[k] = deepMerge(ord, dm, sm)
				continue
			}
			dst[k] = deepMerge(ord, map[string]any{}, sm)
			continue
		}
		dst[k] = deepCopy(sv, ord, ord)
	}
	ord.Set(dst, keys)
	return dst
}

func toJSON(v any) (string, error) {
	b, err := stdjson.Marshal(v)
	return string(b), err
}
