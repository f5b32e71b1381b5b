package recipe

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"sync"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// reModule is the recipes' `re`: regular expressions in Go's RE2 syntax
// (https://github.com/google/re2/wiki/Syntax), with Python's function
// names. It reads and writes nothing, and matching takes time linear in
// the input: RE2 has no backreferences and no lookaround.
//
//	re.search(p, s)      the first match of p in s, or None
//	re.match(p, s)       a match starting at the beginning of s, or None
//	re.fullmatch(p, s)   a match of all of s, or None
//	re.findall(p, s)     every match: the matched strings (no group), the
//	                     group's strings (one group), tuples of them (more)
//	re.finditer(p, s)    every match, as a list of match values
//	re.sub(p, repl, s, count=0)  s with the first count (0: all) matches
//	                     replaced; repl is a template where \1, \g<1> and
//	                     \g<name> are groups, \g<0> the match and \\ a
//	                     backslash, or a function of the match
//	re.split(p, s, maxsplit=0)   s split at the matches, with the groups'
//	                     strings between the pieces
//	re.escape(s)         s with every character RE2 treats specially escaped
//	re.compile(p)        a pattern value with the methods above (s first)
//
// p is a string or a compiled pattern; flags are written inline: (?i)
// ignores case, (?m) makes ^ and $ match at line breaks, (?s) lets .
// match a newline. A match value has .group(g=0, ...), .groups(default=None),
// .groupdict(default=None), .start(g=0), .end(g=0), .span(g=0), .string,
// and m[g] for .group(g); a group that did not take part is None (its
// start and end -1). Offsets are byte offsets, as Starlark indexes strings.
var reModule = &starlarkstruct.Module{
	Name: "re",
	Members: starlark.StringDict{
		"compile":   starlark.NewBuiltin("re.compile", reCompile),
		"search":    reFunc("re.search", reSearch),
		"match":     reFunc("re.match", reMatchFn),
		"fullmatch": reFunc("re.fullmatch", reFullmatch),
		"findall":   reFunc("re.findall", reFindall),
		"finditer":  reFunc("re.finditer", reFinditer),
		"sub":       reFunc("re.sub", reSub),
		"split":     reFunc("re.split", reSplit),
		"escape": starlark.NewBuiltin("re.escape", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if len(args) == 1 && isTodo(args[0]) {
				return args[0], nil // untranslated in, untranslated out
			}
			var s string
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &s); err != nil {
				return nil, err
			}
			return starlark.String(regexp.QuoteMeta(s)), nil
		}),
	},
}

// rePattern is a compiled pattern: the expression as written, and the
// anchored forms match and fullmatch use, compiled when first needed.
type rePattern struct {
	src        string
	re         *regexp.Regexp
	once       sync.Once
	start, all *regexp.Regexp
}

// reCacheSize bounds the patterns kept compiled: a loop that matches each
// line against one pattern compiles it once.
const reCacheSize = 256

var (
	reMu    sync.Mutex
	reCache = map[string]*rePattern{}
)

// compilePattern compiles p (for the builtin fn, which errors name).
func compilePattern(fn, p string) (*rePattern, error) {
	reMu.Lock()
	if c, ok := reCache[p]; ok {
		reMu.Unlock()
		return c, nil
	}
	reMu.Unlock()
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, patternError(fn, p, err)
	}
	c := &rePattern{src: p, re: re}
	reMu.Lock()
	defer reMu.Unlock()
	if len(reCache) >= reCacheSize {
		clear(reCache)
	}
	reCache[p] = c
	return c, nil
}

// patternError says which pattern does not compile and why, with a hint
// for the Perl constructs RE2 leaves out.
func patternError(fn, p string, err error) error {
	why := err.Error()
	var se *syntax.Error
	if errors.As(err, &se) {
		why = string(se.Code)
		if se.Expr != "" && se.Expr != p {
			why += " at " + strconv.Quote(se.Expr)
		}
		switch {
		case se.Code == syntax.ErrInvalidPerlOp && (strings.HasPrefix(se.Expr, "(?=") || strings.HasPrefix(se.Expr, "(?!")),
			se.Code == syntax.ErrInvalidNamedCapture && (strings.HasPrefix(se.Expr, "(?<=") || strings.HasPrefix(se.Expr, "(?<!")):
			why += " (RE2 has no lookahead or lookbehind)"
		case se.Code == syntax.ErrInvalidEscape && len(se.Expr) == 2 && se.Expr[1] >= '1' && se.Expr[1] <= '9':
			why += " (RE2 has no backreferences)"
		}
	}
	return fmt.Errorf("%s: bad pattern %s: %s", fn, strconv.Quote(p), why)
}

func (c *rePattern) anchored() (start, all *regexp.Regexp) {
	c.once.Do(func() {
		// the wrapping group has no number: the groups keep theirs
		c.start = regexp.MustCompile(`\A(?:` + c.src + `)`)
		c.all = regexp.MustCompile(`\A(?:` + c.src + `)\z`)
	})
	return c.start, c.all
}

// reImpl is one of the module's functions, given the compiled pattern
// and the arguments after it.
type reImpl func(thread *starlark.Thread, fn string, p *rePattern, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)

// reFunc makes the module function fn: its first argument is the pattern.
func reFunc(fn string, impl reImpl) *starlark.Builtin {
	return starlark.NewBuiltin(fn, func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(args) == 0 {
			return nil, fmt.Errorf("%s: missing the pattern argument", fn)
		}
		for _, a := range args {
			if isTodo(a) {
				// under --allow-todo, what is computed from an
				// untranslated value is untranslated too
				return a, nil
			}
		}
		var p *rePattern
		switch v := args[0].(type) {
		case starlark.String:
			var err error
			if p, err = compilePattern(fn, string(v)); err != nil {
				return nil, err
			}
		case *rePattern:
			p = v
		default:
			return nil, fmt.Errorf("%s: the pattern is a %s, want a string or re.compile(...)", fn, args[0].Type())
		}
		return impl(thread, fn, p, args[1:], kwargs)
	})
}

func reCompile(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var p starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &p); err != nil {
		return nil, err
	}
	switch v := p.(type) {
	case *rePattern:
		return v, nil
	case starlark.String:
		return compilePattern(b.Name(), string(v))
	}
	return nil, fmt.Errorf("%s: the pattern is a %s, want a string", b.Name(), p.Type())
}

func oneString(fn string, args starlark.Tuple, kwargs []starlark.Tuple) (string, error) {
	var s string
	err := starlark.UnpackPositionalArgs(fn, args, kwargs, 1, &s)
	return s, err
}

func reSearch(_ *starlark.Thread, fn string, p *rePattern, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s, err := oneString(fn, args, kwargs)
	if err != nil {
		return nil, err
	}
	return newMatch(p, s, p.re.FindStringSubmatchIndex(s)), nil
}

func reMatchFn(_ *starlark.Thread, fn string, p *rePattern, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s, err := oneString(fn, args, kwargs)
	if err != nil {
		return nil, err
	}
	start, _ := p.anchored()
	return newMatch(p, s, start.FindStringSubmatchIndex(s)), nil
}

func reFullmatch(_ *starlark.Thread, fn string, p *rePattern, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s, err := oneString(fn, args, kwargs)
	if err != nil {
		return nil, err
	}
	_, all := p.anchored()
	return newMatch(p, s, all.FindStringSubmatchIndex(s)), nil
}

func reFinditer(thread *starlark.Thread, fn string, p *rePattern, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s, err := oneString(fn, args, kwargs)
	if err != nil {
		return nil, err
	}
	all := p.re.FindAllStringSubmatchIndex(s, -1)
	if err := charge(thread, fn, int64(len(all))*elemBytes); err != nil {
		return nil, err
	}
	out := make([]starlark.Value, len(all))
	for i, idx := range all {
		out[i] = newMatch(p, s, idx)
	}
	return starlark.NewList(out), nil
}

func reFindall(thread *starlark.Thread, fn string, p *rePattern, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s, err := oneString(fn, args, kwargs)
	if err != nil {
		return nil, err
	}
	all := p.re.FindAllStringSubmatchIndex(s, -1)
	n := p.re.NumSubexp()
	size := int64(len(all)) * elemBytes * int64(max(n, 1))
	for _, idx := range all {
		size += int64(idx[1] - idx[0])
	}
	if err := charge(thread, fn, size); err != nil {
		return nil, err
	}
	group := func(idx []int, g int) starlark.Value {
		if idx[2*g] < 0 {
			return starlark.String("")
		}
		return starlark.String(s[idx[2*g]:idx[2*g+1]])
	}
	out := make([]starlark.Value, len(all))
	for i, idx := range all {
		switch n {
		case 0:
			out[i] = group(idx, 0)
		case 1:
			out[i] = group(idx, 1)
		default:
			t := make(starlark.Tuple, n)
			for g := 1; g <= n; g++ {
				t[g-1] = group(idx, g)
			}
			out[i] = t
		}
	}
	return starlark.NewList(out), nil
}

func reSplit(thread *starlark.Thread, fn string, p *rePattern, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s string
	maxsplit := 0
	if err := starlark.UnpackArgs(fn, args, kwargs, "string", &s, "maxsplit?", &maxsplit); err != nil {
		return nil, err
	}
	limit := -1
	if maxsplit > 0 {
		limit = maxsplit
	}
	all := p.re.FindAllStringSubmatchIndex(s, limit)
	if err := charge(thread, fn, int64(len(all)+1)*int64(p.re.NumSubexp()+1)*elemBytes+int64(len(s))); err != nil {
		return nil, err
	}
	var out []starlark.Value
	last := 0
	for _, idx := range all {
		out = append(out, starlark.String(s[last:idx[0]]))
		for g := 1; 2*g < len(idx); g++ {
			if idx[2*g] < 0 {
				out = append(out, starlark.None)
			} else {
				out = append(out, starlark.String(s[idx[2*g]:idx[2*g+1]]))
			}
		}
		last = idx[1]
	}
	out = append(out, starlark.String(s[last:]))
	return starlark.NewList(out), nil
}

func reSub(thread *starlark.Thread, fn string, p *rePattern, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var repl starlark.Value
	var s string
	count := 0
	if err := starlark.UnpackArgs(fn, args, kwargs, "repl", &repl, "string", &s, "count?", &count); err != nil {
		return nil, err
	}
	var tmpl []replPiece
	callable, isFunc := repl.(starlark.Callable)
	if !isFunc {
		r, ok := repl.(starlark.String)
		if !ok {
			return nil, fmt.Errorf("%s: repl is a %s, want a string or a function of the match", fn, repl.Type())
		}
		var err error
		if tmpl, err = parseRepl(string(r), p.re); err != nil {
			return nil, fmt.Errorf("%s: %v", fn, err)
		}
	}
	limit := -1
	if count > 0 {
		limit = count
	}
	var b strings.Builder
	last := 0
	for _, idx := range p.re.FindAllStringSubmatchIndex(s, limit) {
		b.WriteString(s[last:idx[0]])
		if isFunc {
			v, err := starlark.Call(thread, callable, starlark.Tuple{newMatch(p, s, idx)}, nil)
			if err != nil {
				return nil, err
			}
			r, ok := v.(starlark.String)
			if !ok {
				return nil, fmt.Errorf("%s: the replacement function returned a %s, want a string", fn, v.Type())
			}
			b.WriteString(string(r))
		} else {
			for _, pc := range tmpl {
				if pc.group < 0 {
					b.WriteString(pc.lit)
				} else if idx[2*pc.group] >= 0 {
					b.WriteString(s[idx[2*pc.group]:idx[2*pc.group+1]])
				}
			}
		}
		last = idx[1]
		if b.Len() > maxValueBytes {
			break // charge below reports it
		}
	}
	b.WriteString(s[last:])
	if err := charge(thread, fn, int64(b.Len())); err != nil {
		return nil, err
	}
	return starlark.String(b.String()), nil
}

// replPiece is a piece of a replacement template: literal text, or the
// string of a group (group >= 0).
type replPiece struct {
	lit   string
	group int
}

// parseRepl reads a replacement template as Python's re.sub does: \1 to
// \99 and \g<n> are groups by number, \g<name> by name, \g<0> the match;
// \\, \n, \t and \r are a backslash, newline, tab and carriage return.
func parseRepl(r string, re *regexp.Regexp) ([]replPiece, error) {
	var out []replPiece
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, replPiece{lit: lit.String(), group: -1})
			lit.Reset()
		}
	}
	group := func(g int, spelt string) error {
		if g > re.NumSubexp() {
			return fmt.Errorf("the replacement refers to %s, but the pattern has %d group(s)", spelt, re.NumSubexp())
		}
		flush()
		out = append(out, replPiece{group: g})
		return nil
	}
	for i := 0; i < len(r); i++ {
		c := r[i]
		if c != '\\' {
			lit.WriteByte(c)
			continue
		}
		if i+1 == len(r) {
			return nil, errors.New(`the replacement ends in a lone backslash (write \\ for one)`)
		}
		i++
		switch n := r[i]; {
		case n >= '1' && n <= '9':
			j := i + 1
			if j < len(r) && r[j] >= '0' && r[j] <= '9' {
				j++
			}
			g, _ := strconv.Atoi(r[i:j])
			if err := group(g, `\`+r[i:j]); err != nil {
				return nil, err
			}
			i = j - 1
		case n == 'g':
			end := strings.IndexByte(r[i:], '>')
			if i+1 >= len(r) || r[i+1] != '<' || end < 0 {
				return nil, errors.New(`\g in the replacement wants <number> or <name>`)
			}
			name := r[i+2 : i+end]
			g, err := strconv.Atoi(name)
			if err != nil {
				if g = re.SubexpIndex(name); g < 0 {
					return nil, fmt.Errorf("the replacement refers to the group %q, which the pattern does not name", name)
				}
			}
			if err := group(g, `\g<`+name+`>`); err != nil {
				return nil, err
			}
			i += end
		case n == '\\':
			lit.WriteByte('\\')
		case n == 'n':
			lit.WriteByte('\n')
		case n == 't':
			lit.WriteByte('\t')
		case n == 'r':
			lit.WriteByte('\r')
		default:
			return nil, fmt.Errorf(`bad escape \%c in the replacement (groups are \1 or \g<name>, a backslash \\)`, n)
		}
	}
	flush()
	return out, nil
}

var (
	_ starlark.HasAttrs = (*rePattern)(nil)
	_ starlark.HasAttrs = (*reMatch)(nil)
	_ starlark.Mapping  = (*reMatch)(nil)
)

func (c *rePattern) String() string        { return "re.compile(" + strconv.Quote(c.src) + ")" }
func (c *rePattern) Type() string          { return "re.pattern" }
func (c *rePattern) Freeze()               {}
func (c *rePattern) Truth() starlark.Bool  { return true }
func (c *rePattern) Hash() (uint32, error) { return starlark.String(c.src).Hash() }

func (c *rePattern) AttrNames() []string {
	return []string{"findall", "finditer", "fullmatch", "match", "pattern", "search", "split", "sub"}
}

func (c *rePattern) Attr(name string) (starlark.Value, error) {
	impls := map[string]reImpl{"search": reSearch, "match": reMatchFn, "fullmatch": reFullmatch, "findall": reFindall,
		"finditer": reFinditer, "sub": reSub, "split": reSplit}
	if name == "pattern" {
		return starlark.String(c.src), nil
	}
	impl, ok := impls[name]
	if !ok {
		return nil, nil
	}
	return starlark.NewBuiltin(name, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		return impl(thread, "re.pattern."+name, c, args, kwargs)
	}), nil
}

// reMatch is one match: the string searched and the offsets of the match
// and its groups (-1 for a group that did not take part).
type reMatch struct {
	p   *rePattern
	s   string
	idx []int
}

// newMatch is the match value of idx, or None when there is no match.
func newMatch(p *rePattern, s string, idx []int) starlark.Value {
	if idx == nil {
		return starlark.None
	}
	return &reMatch{p: p, s: s, idx: idx}
}

func (m *reMatch) String() string {
	return fmt.Sprintf("<re.match span=(%d, %d) match=%s>", m.idx[0], m.idx[1], strconv.Quote(m.s[m.idx[0]:m.idx[1]]))
}
func (m *reMatch) Type() string          { return "re.match" }
func (m *reMatch) Freeze()               {}
func (m *reMatch) Truth() starlark.Bool  { return true }
func (m *reMatch) Hash() (uint32, error) { return 0, errors.New("unhashable: re.match") }

func (m *reMatch) AttrNames() []string {
	return []string{"end", "group", "groupdict", "groups", "span", "start", "string"}
}

// groupIndex resolves a group given by number or name.
func (m *reMatch) groupIndex(fn string, g starlark.Value) (int, error) {
	switch v := g.(type) {
	case starlark.Int:
		n, ok := v.Int64()
		if ok && n >= 0 && int(n) <= m.p.re.NumSubexp() {
			return int(n), nil
		}
		return 0, fmt.Errorf("%s: no group %s (the pattern %s has %d)", fn, v, strconv.Quote(m.p.src), m.p.re.NumSubexp())
	case starlark.String:
		if n := m.p.re.SubexpIndex(string(v)); n >= 0 {
			return n, nil
		}
		return 0, fmt.Errorf("%s: no group named %s in the pattern %s", fn, v, strconv.Quote(m.p.src))
	}
	return 0, fmt.Errorf("%s: a group is a number or a name, not a %s", fn, g.Type())
}

func (m *reMatch) group(n int, def starlark.Value) starlark.Value {
	if m.idx[2*n] < 0 {
		return def
	}
	return starlark.String(m.s[m.idx[2*n]:m.idx[2*n+1]])
}

// Get implements m[g].
func (m *reMatch) Get(k starlark.Value) (starlark.Value, bool, error) {
	n, err := m.groupIndex("re.match[]", k)
	if err != nil {
		return nil, false, err
	}
	return m.group(n, starlark.None), true, nil
}

func (m *reMatch) Attr(name string) (starlark.Value, error) {
	fn := "re.match." + name
	switch name {
	case "string":
		return starlark.String(m.s), nil
	case "group":
		return starlark.NewBuiltin(fn, func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if len(kwargs) > 0 {
				return nil, fmt.Errorf("%s: unexpected keyword argument", fn)
			}
			if len(args) == 0 {
				return m.group(0, starlark.None), nil
			}
			out := make(starlark.Tuple, len(args))
			for i, a := range args {
				n, err := m.groupIndex(fn, a)
				if err != nil {
					return nil, err
				}
				out[i] = m.group(n, starlark.None)
			}
			if len(out) == 1 {
				return out[0], nil
			}
			return out, nil
		}), nil
	case "groups", "groupdict":
		return starlark.NewBuiltin(fn, func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var def starlark.Value = starlark.None
			if err := starlark.UnpackArgs(fn, args, kwargs, "default?", &def); err != nil {
				return nil, err
			}
			if name == "groups" {
				out := make(starlark.Tuple, m.p.re.NumSubexp())
				for i := range out {
					out[i] = m.group(i+1, def)
				}
				return out, nil
			}
			d := starlark.NewDict(0)
			for i, n := range m.p.re.SubexpNames() {
				if n != "" {
					_ = d.SetKey(starlark.String(n), m.group(i, def))
				}
			}
			return d, nil
		}), nil
	case "start", "end", "span":
		return starlark.NewBuiltin(fn, func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var g starlark.Value = starlark.MakeInt(0)
			if err := starlark.UnpackPositionalArgs(fn, args, kwargs, 0, &g); err != nil {
				return nil, err
			}
			n, err := m.groupIndex(fn, g)
			if err != nil {
				return nil, err
			}
			lo, hi := starlark.MakeInt(m.idx[2*n]), starlark.MakeInt(m.idx[2*n+1])
			switch name {
			case "start":
				return lo, nil
			case "end":
				return hi, nil
			}
			return starlark.Tuple{lo, hi}, nil
		}), nil
	}
	return nil, nil
}

// ReModule returns the recipes' re module, for code that runs Starlark
// outside a compile (migrate's tests check translations with it).
func ReModule() *starlarkstruct.Module { return reModule }
