package recipe

// rb_to_s: Ruby's to_s, for what converge migrate translates from a Ruby
// string interpolation ("#{x}") or x.to_s whose type it cannot tell.

import (
	"fmt"
	"strings"

	"github.com/converge-cm/converge/engine/keyorder"
	"github.com/converge-cm/converge/engine/render/rb"
	"go.starlark.net/starlark"
)

// rbToSBuiltin is rb_to_s(x): x as Ruby's to_s writes it, where that
// differs from str(x): None is "", True and False are "true" and "false",
// a dict is Ruby's Hash#inspect ({"a"=>1, "b"=>nil}, in the dict's
// order), a list or tuple Ruby's Array#inspect (["a", true]), a float
// Ruby's Float#to_s (1.0e+20). A string is itself and any other value
// str(x). It is the templates' rb_to_s (engine/render/rb) for recipes.
var rbToSBuiltin = starlark.NewBuiltin("rb_to_s", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &x); err != nil {
		return nil, err
	}
	if s, ok := x.(starlark.String); ok {
		return s, nil
	}
	var w strings.Builder
	rubyToS(&w, x, 0)
	return starlark.String(w.String()), nil
})

// rubyInspectDepth bounds the nesting rb_to_s walks: a list that holds
// itself is written [...] as Ruby does.
const rubyInspectDepth = 64

// rubyToS writes x as Ruby's to_s does.
func rubyToS(w *strings.Builder, x starlark.Value, depth int) {
	switch v := x.(type) {
	case starlark.NoneType:
		return
	case starlark.String:
		w.WriteString(string(v))
		return
	}
	rubyInspect(w, x, depth)
}

// rubyInspect writes x as Ruby's inspect does.
func rubyInspect(w *strings.Builder, x starlark.Value, depth int) {
	if depth > rubyInspectDepth {
		w.WriteString("[...]")
		return
	}
	switch v := x.(type) {
	case starlark.NoneType:
		w.WriteString("nil")
	case starlark.Bool:
		if v {
			w.WriteString("true")
		} else {
			w.WriteString("false")
		}
	case starlark.String:
		w.WriteString(rb.InspectString(string(v)))
	case starlark.Float:
		w.WriteString(rb.FloatString(float64(v)))
	case starlark.IterableMapping: // dict, node attributes
		w.WriteByte('{')
		for i, kv := range v.Items() {
			if i > 0 {
				w.WriteString(", ")
			}
			rubyInspect(w, kv[0], depth+1)
			w.WriteString("=>")
			rubyInspect(w, kv[1], depth+1)
		}
		w.WriteByte('}')
	case *starlark.List, starlark.Tuple:
		seq := v.(starlark.Indexable)
		w.WriteByte('[')
		for i := 0; i < seq.Len(); i++ {
			if i > 0 {
				w.WriteString(", ")
			}
			rubyInspect(w, seq.Index(i), depth+1)
		}
		w.WriteByte(']')
	default: // int, and values Ruby has no literal for
		w.WriteString(x.String())
	}
}

// rbChompBuiltin is rb_chomp(s, sep): Ruby's s.chomp(sep), for what
// converge migrate translates from chomp with a computed separator. A
// separator "\n" drops one trailing "\r\n", "\n" or "\r"; "" drops every
// trailing "\n" and "\r\n"; any other drops sep when s ends with it.
var rbChompBuiltin = starlark.NewBuiltin("rb_chomp", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s, sep starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &s, &sep); err != nil {
		return nil, err
	}
	if isTodo(s) || isTodo(sep) {
		return s, nil // under --allow-todo: the string as it is
	}
	str, ok1 := s.(starlark.String)
	sp, ok2 := sep.(starlark.String)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%s: got %s and %s, want two strings", b.Name(), s.Type(), sep.Type())
	}
	return starlark.String(rbChomp(string(str), string(sp))), nil
})

// rbChomp is Ruby's String#chomp(sep).
func rbChomp(s, sep string) string {
	switch sep {
	case "\n":
		for _, suf := range []string{"\r\n", "\n", "\r"} {
			if strings.HasSuffix(s, suf) {
				return s[:len(s)-len(suf)]
			}
		}
		return s
	case "":
		for strings.HasSuffix(s, "\n") {
			s = strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "\r")
		}
		return s
	}
	return strings.TrimSuffix(s, sep)
}

// rbTrBuiltin is rb_tr(s, from, to): Ruby's s.tr(from, to), for what
// converge migrate translates from tr with character sets: from and to
// may hold ranges (a-z), a leading ^ negates from (every character not
// in it becomes to's last), and to's last character repeats to from's
// length; an empty to deletes from's characters.
var rbTrBuiltin = starlark.NewBuiltin("rb_tr", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s, from, to starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 3, &s, &from, &to); err != nil {
		return nil, err
	}
	if isTodo(s) || isTodo(from) || isTodo(to) {
		return s, nil // under --allow-todo: the string as it is
	}
	str, ok1 := s.(starlark.String)
	f, ok2 := from.(starlark.String)
	t, ok3 := to.(starlark.String)
	if !ok1 || !ok2 || !ok3 {
		return nil, fmt.Errorf("%s: got %s, %s and %s, want three strings", b.Name(), s.Type(), from.Type(), to.Type())
	}
	return starlark.String(rbTr(string(str), string(f), string(t))), nil
})

// trSet expands a tr character set: ranges a-z, backslash escapes; a
// leading ^ (when more follows) is reported as negate, not a member.
func trSet(spec string, negatable bool) (set []rune, negate bool) {
	r := []rune(spec)
	if negatable && len(r) > 1 && r[0] == '^' {
		negate, r = true, r[1:]
	}
	for i := 0; i < len(r); i++ {
		c := r[i]
		if c == '\\' && i+1 < len(r) {
			i++
			set = append(set, r[i])
			continue
		}
		if i+2 < len(r) && r[i+1] == '-' {
			hi := r[i+2]
			for x := c; x <= hi; x++ {
				set = append(set, x)
			}
			i += 2
			continue
		}
		set = append(set, c)
	}
	return set, negate
}

// rbTr is Ruby's String#tr(from, to).
func rbTr(s, from, to string) string {
	fs, negate := trSet(from, true)
	ts, _ := trSet(to, false)
	var b strings.Builder
	for _, c := range s {
		pos := -1
		for i := len(fs) - 1; i >= 0; i-- {
			// a character listed twice maps as its last listing
			if fs[i] == c {
				pos = i
				break
			}
		}
		switch {
		case negate && pos >= 0, !negate && pos < 0:
			b.WriteRune(c)
		case len(ts) == 0:
			// deleted
		case negate:
			b.WriteRune(ts[len(ts)-1])
		case pos < len(ts):
			b.WriteRune(ts[pos])
		default:
			b.WriteRune(ts[len(ts)-1])
		}
	}
	return b.String()
}

// rbSplitBuiltin is rb_split(s, sep): Ruby's s.split(sep) with a string
// separator, which converge migrate translates split(",") to. Unlike
// Starlark's split, Ruby drops the empty fields at the end ("a,b,,"
// gives ["a", "b"], "" gives []); sep "" splits into characters and " " at
// runs of white space.
var rbSplitBuiltin = starlark.NewBuiltin("rb_split", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s, sep starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &s, &sep); err != nil {
		return nil, err
	}
	if isTodo(s) || isTodo(sep) {
		return s, nil // under --allow-todo: inert, as todo() is
	}
	str, ok1 := s.(starlark.String)
	sp, ok2 := sep.(starlark.String)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%s: got %s and %s, want two strings", b.Name(), s.Type(), sep.Type())
	}
	parts := rbSplit(string(str), string(sp))
	l := make([]starlark.Value, len(parts))
	for i, p := range parts {
		l[i] = starlark.String(p)
	}
	return starlark.NewList(l), nil
})

// rbSplit is Ruby's String#split(sep) for a string separator.
func rbSplit(s, sep string) []string {
	var parts []string
	switch sep {
	case " ":
		return strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(" \t\n\v\f\r\x00", r) })
	case "":
		for _, r := range s {
			parts = append(parts, string(r))
		}
		return parts
	}
	parts = strings.Split(s, sep)
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// rbFormatBuiltin is rb_format(format, *args): Ruby's Kernel#format
// (engine/render/rb), which converge migrate translates a format with
// flags, a width or a precision to ("%-10s", "%05d", "%.2f"): Starlark's
// % takes none of them.
var rbFormatBuiltin = starlark.NewBuiltin("rb_format", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(kwargs) > 0 {
		return nil, fmt.Errorf("%s: unexpected keyword arguments", b.Name())
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("%s: missing the format", b.Name())
	}
	for _, a := range args {
		if isTodo(a) {
			return a, nil // under --allow-todo: inert, as todo() is
		}
	}
	f, ok := args[0].(starlark.String)
	if !ok {
		return nil, fmt.Errorf("%s: the format is a %s, want a string", b.Name(), args[0].Type())
	}
	ord := keyorder.New() // a hash that %s writes keeps its order
	defer keyorder.Use(ord)()
	vals := make([]any, len(args)-1)
	for i, a := range args[1:] {
		v, err := toGo(a, ord)
		if err != nil {
			return nil, fmt.Errorf("%s: argument %d: %v", b.Name(), i+1, err)
		}
		vals[i] = v
	}
	s, err := rb.Format(string(f), vals...)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", b.Name(), err)
	}
	return starlark.String(s), nil
})

// RubyBuiltins returns the rb_ builtins that stand for Ruby methods
// (rb_to_s, rb_chomp, rb_tr, rb_split, rb_format); recipes, attribute files and
// libraries see them all. Tests that run migrate's Starlark.
func RubyBuiltins() starlark.StringDict {
	return starlark.StringDict{"rb_to_s": rbToSBuiltin, "rb_chomp": rbChompBuiltin, "rb_tr": rbTrBuiltin, "rb_split": rbSplitBuiltin, "rb_format": rbFormatBuiltin}
}
