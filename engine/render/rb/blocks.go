package rb

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/converge-cm/converge/engine/keyorder"
)

// rbFlatten is Array#flatten (all levels) and Hash#flatten (the
// [key, value] pairs, one level: {"a"=>[1]}.flatten is ["a", [1]]).
func rbFlatten(v any) ([]any, error) {
	switch x := norm(v).(type) {
	case []any:
		return flatten(x), nil
	case map[string]any:
		out := []any{}
		for _, k := range keyorder.Keys(x) {
			out = append(out, k, x[k])
		}
		return out, nil
	}
	return nil, fmt.Errorf("undefined method 'flatten' for %s", typeName(v))
}

// rbSortBy is Enumerable#sort_by with a block whose value is a path from
// the element: each step is "i:N" ([N]), "k:NAME" (["NAME"]) or "m:NAME"
// (a method without arguments: to_s, to_i, to_f, downcase, upcase,
// length, size, first, last, strip). A hash is walked as [key, value]
// pairs, so |k, v| v is the step "i:1". Ties keep their order.
func rbSortBy(v any, steps ...string) ([]any, error) {
	l, err := rbEach(v)
	if err != nil {
		return nil, fmt.Errorf("undefined method 'sort_by' for %s", typeName(v))
	}
	keys := make([]any, len(l))
	for i, el := range l {
		if keys[i], err = walkSteps(el, steps); err != nil {
			return nil, fmt.Errorf("sort_by: %v", err)
		}
	}
	idx := make([]int, len(l))
	for i := range idx {
		idx[i] = i
	}
	var cmpErr error
	sort.SliceStable(idx, func(a, b int) bool {
		c, err := rbCmp(keys[idx[a]], keys[idx[b]])
		if err != nil && cmpErr == nil {
			cmpErr = err
		}
		return c < 0
	})
	out := make([]any, len(l))
	for i, j := range idx {
		out[i] = l[j]
	}
	return out, cmpErr
}

// rbSortByKeys is Enumerable#sort_by with a block computing any key: the
// translation maps the block over the elements first (keys[i] is the key
// of element i, in rb_each's order) and sorts the elements by those keys
// with Ruby's <=>. Ties keep their order.
func rbSortByKeys(v any, keys []any) ([]any, error) {
	l, err := rbEach(v)
	if err != nil {
		return nil, fmt.Errorf("undefined method 'sort_by' for %s", typeName(v))
	}
	if len(keys) != len(l) {
		return nil, fmt.Errorf("sort_by: %d keys for %d elements", len(keys), len(l))
	}
	idx := make([]int, len(l))
	for i := range idx {
		idx[i] = i
	}
	var cmpErr error
	sort.SliceStable(idx, func(a, b int) bool {
		c, err := rbCmp(keys[idx[a]], keys[idx[b]])
		if err != nil && cmpErr == nil {
			cmpErr = err
		}
		return c < 0
	})
	out := make([]any, len(l))
	for i, j := range idx {
		out[i] = l[j]
	}
	return out, cmpErr
}

var stepMethods = map[string]func(any) (any, error){
	"to_s":     func(v any) (any, error) { return rbToS(v), nil },
	"to_i":     func(v any) (any, error) { return rbToI(v) },
	"to_f":     func(v any) (any, error) { return rbToF(v) },
	"downcase": func(v any) (any, error) { return strFunc("downcase", strings.ToLower)(v) },
	"upcase":   func(v any) (any, error) { return strFunc("upcase", strings.ToUpper)(v) },
	"strip": func(v any) (any, error) {
		return strFunc("strip", func(s string) string { return strings.Trim(s, rubySpace) })(v)
	},
	"length": func(v any) (any, error) { return rbLength(v) },
	"size":   func(v any) (any, error) { return rbLength(v) },
	"first":  func(v any) (any, error) { return rbIndex(v, int64(0)) },
	"last":   func(v any) (any, error) { return rbIndex(v, int64(-1)) },
}

// StepMethods reports whether name is a method rb_sort_by can call in a
// step ("m:NAME").
func StepMethods(name string) bool { return stepMethods[name] != nil }

func walkSteps(v any, steps []string) (any, error) {
	for _, s := range steps {
		op, arg, _ := strings.Cut(s, ":")
		var err error
		switch op {
		case "i":
			n, perr := strconv.ParseInt(arg, 10, 64)
			if perr != nil {
				return nil, fmt.Errorf("bad step %q; this is a bug in converge", s)
			}
			v, err = rbIndex(v, n)
		case "k":
			v, err = rbIndex(v, arg)
		case "m":
			f := stepMethods[arg]
			if f == nil {
				return nil, fmt.Errorf("bad step %q; this is a bug in converge", s)
			}
			v, err = f(v)
		default:
			return nil, fmt.Errorf("bad step %q; this is a bug in converge", s)
		}
		if err != nil {
			return nil, err
		}
	}
	return v, nil
}

// rbBlockEach is what a block of map, select or reject walks: rbEach,
// with nil as nothing (the translated loop also runs where Ruby would not
// have reached it).
func rbBlockEach(v any) ([]any, error) {
	if norm(v) == nil {
		return nil, nil
	}
	return rbEach(v)
}

// rbPush returns l with v appended, leaving l as it was.
func rbPush(l []any, v any) []any {
	return append(append(make([]any, 0, len(l)+1), l...), v)
}

// rbEscapeXML is what Erubis's <%== %> prints: to_s with &, <, > and "
// escaped (not ').
func rbEscapeXML(v any) string {
	return xmlEscaper.Replace(rbToS(v))
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// rbJustify is String#ljust, #rjust and #center: s padded to width
// characters with pad (" " when nil) repeated, on the right, the left or
// both sides (the right one longer).
func rbJustify(side string) func(v, width, pad any) (string, error) {
	return func(v, width, pad any) (string, error) {
		s, ok := norm(v).(string)
		if !ok {
			return "", fmt.Errorf("undefined method '%s' for %s", side, typeName(v))
		}
		w, ok := norm(width).(int64)
		if !ok {
			return "", fmt.Errorf("no implicit conversion of %s into Integer", typeName(width))
		}
		p := " "
		if pad != nil {
			if p, ok = norm(pad).(string); !ok {
				return "", fmt.Errorf("no implicit conversion of %s into String", typeName(pad))
			}
			if p == "" {
				return "", fmt.Errorf("zero width padding")
			}
		}
		n := int(w) - utf8.RuneCountInString(s)
		if n <= 0 {
			return s, nil
		}
		if n > 1<<20 {
			return "", fmt.Errorf("%s width %d too large", side, w)
		}
		fill := func(k int) string { return string([]rune(strings.Repeat(p, k))[:k]) }
		switch side {
		case "ljust":
			return s + fill(n), nil
		case "rjust":
			return fill(n) + s, nil
		}
		return fill(n/2) + s + fill(n-n/2), nil
	}
}

// rbAny is Enumerable#any? without a block: whether an element is truthy
// (a hash: whether it has a pair).
func rbAny(v any) (bool, error) {
	l, err := rbEach(v)
	if err != nil {
		return false, fmt.Errorf("undefined method 'any?' for %s", typeName(v))
	}
	for _, el := range l {
		if rbTruthy(el) {
			return true, nil
		}
	}
	return false, nil
}

// rbIsA is Object#is_a? for the classes template data can hold.
func rbIsA(v any, class string) (bool, error) {
	t := typeName(v)
	switch class {
	case "Array", "Hash", "String", "Integer", "Float":
		return t == class, nil
	case "Numeric":
		return t == "Integer" || t == "Float", nil
	case "NilClass":
		return t == "nil", nil
	case "TrueClass", "FalseClass":
		b, ok := norm(v).(bool)
		return ok && b == (class == "TrueClass"), nil
	case "Object", "BasicObject":
		return true, nil
	}
	return false, fmt.Errorf("is_a?(%s): converge knows Array, Hash, String, Integer, Float, Numeric, NilClass, TrueClass and FalseClass", class)
}
