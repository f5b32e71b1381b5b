package migrate

// Regular expressions: Ruby's (Onigmo) syntax translated to the RE2
// syntax of the recipes' re module, and the Ruby methods that take one.
//
// A Ruby Regexp becomes a string holding its RE2 source (the re module's
// functions take a pattern string), so a property typed [String, Regexp]
// is a str and a regexp held in a variable is passed on as it is.

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/converge-cm/converge/engine/migrate/ruby"
)

// rxSx is a translated pattern: its Starlark expression, its number of
// groups (-1 when an interpolation makes it unknown), and whether it reads
// \Z, which RE2 has no zero-width form of (it consumes the final newline).
type rxSx struct {
	sx
	groups int
	endNL  bool
}

// rubyRegex translates the literal pieces of a Ruby regular expression
// (code pieces, the interpolated values, stay as they are: Ruby inserts a
// string's text into the expression unchanged) with its flags into RE2.
// It fails with the reason for the constructs RE2 has no equivalent of.
func rubyRegex(parts []ruby.StrElem, flags string) (out []ruby.StrElem, endNL bool, err error) {
	t := &rxTranslator{ext: strings.Contains(flags, "x")}
	for _, p := range parts {
		if !p.IsCode && namedGroupRe.MatchString(p.Lit) {
			// with a named group, Ruby's plain (...) groups capture nothing
			t.named = true
		}
	}
	defer func() {
		if r := recover(); r != nil {
			u, ok := r.(rxError)
			if !ok {
				panic(r)
			}
			out, err = nil, u
		}
	}()
	code := false
	for _, p := range parts {
		if p.IsCode {
			code = true
			out = append(out, p)
			t.quant = false
			continue
		}
		out = append(out, ruby.StrElem{Lit: t.lit(p.Lit)})
	}
	if t.class > 0 {
		t.fail("an unterminated character class")
	}
	var f string
	if strings.Contains(flags, "i") {
		f += "i"
	}
	if t.anchors || code {
		// ^ and $ are line anchors in Ruby, text anchors in RE2 without m
		f += "m"
	}
	if strings.Contains(flags, "m") {
		f += "s" // Ruby's m lets . match a newline: RE2's s
	}
	if f != "" {
		out = append([]ruby.StrElem{{Lit: "(?" + f + ")"}}, out...)
	}
	return out, t.endNL, nil
}

// repeatRe is a {n}, {n,}, {n,m} or {,m} repetition.
var repeatRe = regexp.MustCompile(`^\{(\d+(,\d*)?|,\d+)\}$`)

type rxError string

func (e rxError) Error() string { return string(e) }

// rxTranslator holds the state of a translation across the literal
// pieces: inside a character class, after a quantifiable atom.
type rxTranslator struct {
	ext     bool // the x flag: whitespace and # comments are ignored
	class   int  // depth of [ ... ]
	classAt int  // position of the current class's first member
	anchors bool // ^ or $ outside a class
	endNL   bool // \Z
	quant   bool // the previous token was a quantifier
	named   bool // the expression has a named group
}

// namedGroupRe finds a named group, (?<name>...) or (?'name'...).
var namedGroupRe = regexp.MustCompile(`\(\?(<[A-Za-z_]|')`)

func (t *rxTranslator) fail(why string) { panic(rxError(why)) }

func (t *rxTranslator) lit(s string) string {
	var b strings.Builder
	if t.class > 0 {
		t.classAt = -1 // a class opened before an interpolation: ] closes it
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		wasQuant := t.quant
		t.quant = false
		if t.class > 0 {
			i = t.classChar(&b, s, i)
			continue
		}
		switch c {
		case '\\':
			if i+1 == len(s) {
				b.WriteString(`\\`)
				continue
			}
			i++
			i = t.escape(&b, s, i, false)
		case '[':
			t.class++
			b.WriteByte('[')
			if i+1 < len(s) && s[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			t.classAt = b.Len()
		case '(':
			i = t.group(&b, s, i)
		case '^', '$':
			t.anchors = true
			b.WriteByte(c)
		case '*', '+', '?':
			if wasQuant && c == '+' {
				t.fail("a possessive quantifier (" + string(s[i-1]) + "+), which RE2 does not have")
			}
			t.quant = c != '?' || !wasQuant
			b.WriteByte(c)
		case '{':
			end := strings.IndexByte(s[i:], '}')
			if end > 0 && repeatRe.MatchString(s[i:i+end+1]) {
				q := s[i : i+end+1]
				if strings.HasPrefix(q, "{,") {
					q = "{0" + q[1:] // Ruby's {,n} is {0,n}
				}
				b.WriteString(q)
				i += end
				t.quant = true
				continue
			}
			b.WriteString(`\{`) // not a repetition: a literal brace in Ruby
		case ' ', '\t', '\n', '\r', '\f', '\v':
			if !t.ext {
				b.WriteByte(c)
			}
		case '#':
			if t.ext {
				if end := strings.IndexByte(s[i:], '\n'); end >= 0 {
					i += end
				} else {
					i = len(s)
				}
				continue
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// classChar writes the class member at s[i] and returns the index of its
// last byte.
func (t *rxTranslator) classChar(b *strings.Builder, s string, i int) int {
	c := s[i]
	switch {
	case c == '\\':
		if i+1 == len(s) {
			b.WriteString(`\\`)
			return i
		}
		return t.escape(b, s, i+1, true)
	case c == ']' && b.Len() > t.classAt:
		t.class--
		b.WriteByte(']')
	case c == '[' && strings.HasPrefix(s[i:], "[:"):
		end := strings.Index(s[i:], ":]")
		if end < 0 {
			t.fail("an unterminated POSIX class")
		}
		b.WriteString(s[i : i+end+2])
		return i + end + 1
	case c == '[':
		t.fail("a nested character class, which RE2 does not have")
	case c == '&' && strings.HasPrefix(s[i:], "&&"):
		t.fail("a character class intersection (&&), which RE2 does not have")
	default:
		b.WriteByte(c)
	}
	return i
}

// escape writes the escape whose letter is s[i] (after the backslash)
// and returns the index of its last byte.
func (t *rxTranslator) escape(b *strings.Builder, s string, i int, inClass bool) int {
	n := s[i]
	switch n {
	case 'd', 'D', 'w', 'W', 's', 'S', 'n', 't', 'r', 'f', 'v', 'a':
		b.WriteByte('\\')
		b.WriteByte(n)
	case 'A', 'z', 'b', 'B':
		if inClass {
			if n == 'b' {
				b.WriteString(`\x08`) // a backspace in a class
				return i
			}
			t.fail(`\` + string(n) + " in a character class")
		}
		b.WriteByte('\\')
		b.WriteByte(n)
	case 'Z':
		if inClass {
			t.fail(`\Z in a character class`)
		}
		// the end, or before a final newline: RE2 has no zero-width form
		b.WriteString(`(?:\n?\z)`)
		t.endNL = true
	case 'h':
		if inClass {
			b.WriteString(`0-9a-fA-F`)
		} else {
			b.WriteString(`[0-9a-fA-F]`)
		}
	case 'H':
		if inClass {
			t.fail(`\H in a character class`)
		}
		b.WriteString(`[^0-9a-fA-F]`)
	case 'e':
		b.WriteString(`\x1b`)
	case 'x':
		b.WriteString(`\x`)
	case 'u':
		switch {
		case i+1 < len(s) && s[i+1] == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				t.fail(`an unterminated \u{...}`)
			}
			b.WriteString(`\x` + s[i+1:i+end+1])
			return i + end
		case i+4 < len(s):
			b.WriteString(`\x{` + s[i+1:i+5] + `}`)
			return i + 4
		}
		t.fail(`a short \u escape`)
	case 'p', 'P':
		b.WriteByte('\\')
		b.WriteByte(n)
	case 'k', 'g', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if n == 'g' {
			t.fail(`a subexpression call (\g), which RE2 does not have`)
		}
		t.fail(`a backreference (\` + string(n) + `), which RE2 does not have`)
	case 'G', 'K', 'R', 'X', 'c', 'C', 'M', '0', 'y', 'Y', 'N', 'O':
		t.fail(`the escape \` + string(n) + `, which RE2 does not have`)
	default:
		if n >= 'a' && n <= 'z' || n >= 'A' && n <= 'Z' {
			// Ruby reads an unknown letter escape as the letter
			b.WriteByte(n)
			return i
		}
		if n >= 0x80 || n < 0x20 && n != '\n' {
			b.WriteByte(n)
			return i
		}
		if n == '\n' {
			return i // a line continuation
		}
		b.WriteByte('\\')
		b.WriteByte(n)
	}
	return i
}

// group writes the group opening at s[i] and returns the index of its
// last byte.
func (t *rxTranslator) group(b *strings.Builder, s string, i int) int {
	rest := s[i:]
	switch {
	case !strings.HasPrefix(rest, "(?"):
		if t.named {
			b.WriteString("(?:")
		} else {
			b.WriteByte('(')
		}
		return i
	case strings.HasPrefix(rest, "(?:"):
		b.WriteString("(?:")
		return i + 2
	case strings.HasPrefix(rest, "(?="), strings.HasPrefix(rest, "(?!"), strings.HasPrefix(rest, "(?<="), strings.HasPrefix(rest, "(?<!"):
		t.fail("a lookahead or lookbehind (" + rest[:min(len(rest), 4)] + "), which RE2 does not have")
	case strings.HasPrefix(rest, "(?>"):
		t.fail("an atomic group ((?>), which RE2 does not have")
	case strings.HasPrefix(rest, "(?~"):
		t.fail("an absent operator ((?~), which RE2 does not have")
	case strings.HasPrefix(rest, "(?#"):
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			t.fail("an unterminated (?# comment")
		}
		return i + end
	case strings.HasPrefix(rest, "(?<"), strings.HasPrefix(rest, "(?'"):
		closer := byte('>')
		if rest[2] == '\'' {
			closer = '\''
		}
		end := strings.IndexByte(rest[3:], closer)
		if end < 0 {
			t.fail("an unterminated group name")
		}
		b.WriteString("(?P<" + rest[3:3+end] + ">")
		return i + 3 + end
	}
	// (?imx-imx) or (?imx-imx:...): Ruby's m is RE2's s
	m := regexp.MustCompile(`^\(\?([imx]*)(?:-([imx]*))?([:)])`).FindStringSubmatch(rest)
	if m == nil {
		t.fail("the group " + rest[:min(len(rest), 4)] + ", which RE2 does not have")
	}
	if strings.Contains(m[1], "x") {
		t.fail("an inline x flag")
	}
	tr := strings.NewReplacer("m", "s", "x", "")
	on, off := tr.Replace(m[1]), tr.Replace(m[2])
	f := on
	if off != "" {
		f += "-" + off
	}
	if f == "" && m[3] == ")" {
		return i + len(m[0]) - 1
	}
	b.WriteString("(?" + f + m[3])
	return i + len(m[0]) - 1
}

// regexLit translates a regular expression literal to its pattern string.
func (e *emitter) regexLit(v *ruby.RegexExpr) rxSx {
	parts, endNL, err := rubyRegex(v.Parts, v.Flags)
	if err != nil {
		no("/regexp/", "the regular expression has "+err.Error())
	}
	if strings.Contains(v.Flags, "x") && hasInterp(v.Parts) {
		no("/regexp/x", "an interpolation in an extended (x) regular expression is not translated")
	}
	code := e.str(&ruby.StrLit{Line: v.Line, Parts: parts})
	code.str = true
	groups := -1
	if !hasInterp(parts) {
		re, err := regexp.Compile(plain(&ruby.StrLit{Parts: parts}))
		if err != nil {
			no("/regexp/", "RE2 does not read the regular expression: "+err.Error())
		}
		groups = re.NumSubexp()
	}
	return rxSx{sx: code, groups: groups, endNL: endNL}
}

func hasInterp(parts []ruby.StrElem) bool {
	for _, p := range parts {
		if p.IsCode {
			return true
		}
	}
	return false
}

// isRegex reports whether x is certainly a regular expression: a literal
// or Regexp.new(...).
func isRegex(x ruby.Expr) bool {
	switch v := x.(type) {
	case *ruby.RegexExpr:
		return true
	case *ruby.CallExpr:
		if cr, ok := v.Recv.(*ruby.ConstRef); ok {
			p := strings.TrimPrefix(cr.Path, "::")
			return p == "Regexp" && (v.Name == "new" || v.Name == "compile" || v.Name == "union")
		}
	}
	return false
}

// pattern translates x where Ruby takes a regular expression: a literal,
// Regexp.new(...), or a value holding one (a pattern string here).
func (e *emitter) pattern(x ruby.Expr) rxSx {
	if v, ok := x.(*ruby.RegexExpr); ok {
		return e.regexLit(v)
	}
	return rxSx{sx: e.expr(x), groups: -1}
}

// regexpNew translates Regexp.new(s[, options]) (and Regexp.compile): a
// literal string is read as a Ruby regular expression; any other value is
// taken as a pattern, with ^ and $ as line anchors as Ruby reads them.
func (e *emitter) regexpNew(c *ruby.CallExpr) sx {
	if len(c.Args) < 1 || len(c.Args) > 2 || c.Block != nil {
		no("Regexp."+c.Name, "want one string and optional flags")
	}
	flags := ""
	if len(c.Args) == 2 {
		switch o := c.Args[1].(type) {
		case *ruby.BoolLit:
			if o.Val {
				flags = "i"
			}
		case *ruby.NilLit:
		case *ruby.ConstRef:
			switch strings.TrimPrefix(o.Path, "::") {
			case "Regexp::IGNORECASE":
				flags = "i"
			case "Regexp::MULTILINE":
				flags = "m"
			default:
				no("Regexp."+c.Name, "the option "+o.Path+" is not translated")
			}
		default:
			no("Regexp."+c.Name, "only the options true, Regexp::IGNORECASE and Regexp::MULTILINE are translated")
		}
	}
	switch a := c.Args[0].(type) {
	case *ruby.StrLit:
		if isPlain(a) {
			return e.regexLit(&ruby.RegexExpr{Line: a.Line, Parts: a.Parts, Flags: flags}).sx
		}
	case *ruby.RegexExpr:
		return e.regexLit(&ruby.RegexExpr{Line: a.Line, Parts: a.Parts, Flags: a.Flags + flags}).sx
	case *ruby.CallExpr:
		if cr, ok := a.Recv.(*ruby.ConstRef); ok && strings.TrimPrefix(cr.Path, "::") == "Regexp" && (a.Name == "escape" || a.Name == "quote") {
			// an escaped string has no anchors: no flag needed but i's
			v := e.expr(a)
			if flags == "i" {
				return sx{code: `"(?i)" + ` + v.in(pAdd+1), prec: pAdd, str: true}
			}
			return v
		}
	}
	v := e.expr(c.Args[0])
	f := "(?m" + strings.NewReplacer("m", "s").Replace(flags) + ")"
	if flags == "i" {
		f = "(?im)"
	}
	return sx{code: starQuote(f) + " + " + v.in(pAdd+1), prec: pAdd, str: true}
}

// rubyReplacement translates gsub's and sub's replacement string to the
// re module's template: \1 .. \9, \0, \& and \k<name> are groups; any
// other backslash stays a backslash, as Ruby reads it. An interpolated
// value is inserted as it is.
func rubyReplacement(s *ruby.StrLit) []ruby.StrElem {
	out := make([]ruby.StrElem, 0, len(s.Parts))
	for _, p := range s.Parts {
		if p.IsCode {
			out = append(out, p)
			continue
		}
		var b strings.Builder
		l := p.Lit
		for i := 0; i < len(l); i++ {
			c := l[i]
			if c != '\\' {
				b.WriteByte(c)
				continue
			}
			if i+1 == len(l) {
				b.WriteString(`\\`)
				continue
			}
			i++
			switch n := l[i]; {
			case n >= '1' && n <= '9':
				b.WriteString(`\g<` + string(n) + `>`)
			case n == '0' || n == '&':
				b.WriteString(`\g<0>`)
			case n == 'k' && i+1 < len(l) && l[i+1] == '<' && strings.IndexByte(l[i:], '>') > 0:
				end := strings.IndexByte(l[i:], '>')
				b.WriteString(`\g<` + l[i+2:i+end] + `>`)
				i += end
			case n == '`' || n == '\'':
				no(".gsub", `the replacement reads \`+string(n)+` (the text before or after the match), which is not translated`)
			case n == '\\':
				b.WriteString(`\\`)
			default:
				b.WriteString(`\\`)
				b.WriteByte(n)
			}
		}
		out = append(out, ruby.StrElem{Lit: b.String()})
	}
	return out
}

// regexCall translates the String and MatchData methods that take or
// make a regular expression match; ok is false for the others.
func (e *emitter) regexCall(c *ruby.CallExpr) (sx, bool) {
	if c.Block != nil || c.Recv == nil {
		return sx{}, false
	}
	switch c.Name {
	case "match", "match?":
		if len(c.Args) != 1 {
			return sx{}, false
		}
		// String#match converts a string argument to a Regexp
		p := e.pattern(c.Args[0])
		call := "re.search(" + p.code + ", " + e.expr(c.Recv).code + ")"
		if c.Name == "match?" {
			return sx{code: call + " != None", prec: pCmp}, true
		}
		return atom(call), true
	case "gsub", "sub", "gsub!", "sub!":
		if len(c.Args) != 2 || !isRegex(c.Args[0]) {
			return sx{}, false
		}
		if strings.HasSuffix(c.Name, "!") {
			no("."+c.Name, "changing a string in place is not translated; assign the result of ."+strings.TrimSuffix(c.Name, "!"))
		}
		p := e.pattern(c.Args[0])
		if p.endNL {
			no("."+c.Name+`(/\Z/)`, `\Z in a replacement: RE2 has no zero-width form of it`)
		}
		var repl sx
		switch r := c.Args[1].(type) {
		case *ruby.StrLit:
			repl = e.str(&ruby.StrLit{Line: r.Line, Parts: rubyReplacement(r)})
		case *ruby.HashLit:
			no("."+c.Name+"(/re/, hash)", "a replacement hash is not translated")
		default:
			repl = e.expr(r)
		}
		code := "re.sub(" + p.code + ", " + repl.code + ", " + e.expr(c.Recv).code
		if c.Name == "sub" {
			code += ", count = 1"
		}
		return sx{code: code + ")", prec: pPostfix, str: true}, true
	case "scan":
		if len(c.Args) != 1 {
			return sx{}, false
		}
		s := e.expr(c.Recv).code
		if !isRegex(c.Args[0]) {
			if _, ok := c.Args[0].(*ruby.StrLit); ok {
				// a string is matched as it is written
				return atom("re.findall(re.escape(" + e.expr(c.Args[0]).code + "), " + s + ")"), true
			}
		}
		p := e.pattern(c.Args[0])
		if p.endNL {
			no(`.scan(/\Z/)`, `\Z in a scan: RE2 has no zero-width form of it`)
		}
		switch {
		case p.groups == 0:
			return atom("re.findall(" + p.code + ", " + s + ")"), true
		case p.groups > 0:
			// each match's groups, as a list (Ruby's scan)
			return atom("[list(_m.groups()) for _m in re.finditer(" + p.code + ", " + s + ")]"), true
		}
		return atom("[list(_m.groups()) if _m.groups() else _m.group() for _m in re.finditer(" + p.code + ", " + s + ")]"), true
	case "split":
		if len(c.Args) != 1 || !isRegex(c.Args[0]) {
			return sx{}, false
		}
		p := e.pattern(c.Args[0])
		if p.endNL {
			no(`.split(/\Z/)`, `\Z in a split: RE2 has no zero-width form of it`)
		}
		// Ruby drops the empty strings at the end
		return atom(`(lambda _p: _p[:max([0] + [_i + 1 for _i, _x in enumerate(_p) if _x])])(re.split(` + p.code + ", " + e.expr(c.Recv).code + "))"), true
	case "captures", "named_captures", "pre_match", "post_match":
		if len(c.Args) != 0 {
			return sx{}, false
		}
		m := e.expr(c.Recv)
		switch c.Name {
		case "captures":
			return atom("list(" + m.in(pPostfix) + ".groups())"), true
		case "named_captures":
			return atom(m.in(pPostfix) + ".groupdict()"), true
		case "pre_match":
			return sx{code: "(lambda _m: _m.string[:_m.start()])(" + m.code + ")", prec: pPostfix, str: true}, true
		}
		return sx{code: "(lambda _m: _m.string[_m.end():])(" + m.code + ")", prec: pPostfix, str: true}, true
	}
	return sx{}, false
}

// matchOp translates x =~ re and x !~ re (either side may be the regexp):
// =~ is the match (None when there is none; Ruby gives its offset or
// nil, true and false alike in a condition), !~ whether there is none.
func (e *emitter) matchOp(v *ruby.BinaryExpr, inCond bool) sx {
	pat, subj := v.R, v.L
	if isRegex(v.L) && !isRegex(v.R) {
		pat, subj = v.L, v.R
	}
	p := e.pattern(pat)
	call := "re.search(" + p.code + ", " + e.expr(subj).code + ")"
	switch {
	case v.Op == "!~":
		return sx{code: call + " == None", prec: pCmp}
	case inCond:
		return sx{code: call + " != None", prec: pCmp}
	}
	return atom(call)
}

// regexIndex translates s[/re/] (the first match's text, or nil) and
// s[/re/, g] (that group's).
func (e *emitter) regexIndex(v *ruby.IndexExpr) sx {
	p := e.pattern(v.Args[0])
	g := "0"
	if len(v.Args) == 2 {
		g = e.expr(v.Args[1]).code
	}
	return atom("(lambda _m: _m.group(" + g + ") if _m else None)(re.search(" + p.code + ", " + e.expr(v.Recv).code + "))")
}

// pattern is the Go template string literal of an ERB template's regexp
// literal in RE2 syntax; an interpolated one is not translated.
func (t *erbTr) pattern(x ruby.Expr) string {
	v, ok := x.(*ruby.RegexExpr)
	if !ok {
		bail("only a regular expression literal is translated here")
	}
	if hasInterp(v.Parts) {
		bail("an interpolated regular expression is not translated in a template")
	}
	parts, endNL, err := rubyRegex(v.Parts, v.Flags)
	if err != nil {
		bail("the regular expression has %s", err.Error())
	}
	t.endNL = endNL
	p := plain(&ruby.StrLit{Parts: parts})
	if _, err := regexp.Compile(p); err != nil {
		bail("RE2 does not read the regular expression: %v", err)
	}
	if !strings.ContainsAny(p, "`\r") {
		return "`" + p + "`"
	}
	return strconv.Quote(p)
}

// matchOp translates =~ (the offset or nil, as Ruby gives it) and !~.
func (t *erbTr) matchOp(v *ruby.BinaryExpr) gx {
	pat, subj := v.R, v.L
	if _, ok := v.L.(*ruby.RegexExpr); ok {
		pat, subj = v.L, v.R
	}
	g := gx{code: "rb_match " + t.gx(subj).arg() + " " + t.pattern(pat)}
	if v.Op == "!~" {
		return gx{code: "rb_not (" + g.code + ")", typ: "bool"}
	}
	return g
}

// regexCall translates gsub, sub, split, scan, match? and =~'s method
// forms with a regexp literal.
func (t *erbTr) regexCall(c *ruby.CallExpr) (gx, bool) {
	if c.Recv == nil || c.Block != nil || len(c.Args) == 0 {
		return gx{}, false
	}
	if _, ok := c.Args[0].(*ruby.RegexExpr); !ok {
		return gx{}, false
	}
	fn := map[string]string{"gsub": "rb_re_gsub", "sub": "rb_re_sub", "split": "rb_re_split", "scan": "rb_scan", "match?": "rb_match"}[c.Name]
	want := map[string]int{"gsub": 2, "sub": 2}[c.Name]
	if want == 0 {
		want = 1
	}
	if fn == "" || len(c.Args) != want {
		return gx{}, false
	}
	recv := t.gx(c.Recv)
	t.endNL = false
	p := t.pattern(c.Args[0])
	if t.endNL && fn != "rb_match" {
		bail(`\Z in .%s: RE2 has no zero-width form of it`, c.Name)
	}
	code := fn + " " + recv.arg() + " " + p
	switch c.Name {
	case "gsub", "sub":
		if _, ok := c.Args[1].(*ruby.HashLit); ok {
			bail("a replacement hash is not translated")
		}
		return gx{code: code + " " + t.gx(c.Args[1]).arg(), typ: "str"}, true
	case "match?":
		return gx{code: "rb_truthy (" + code + ")", typ: "bool"}, true
	}
	return gx{code: code, typ: "list"}, true
}

// lastMatchCall is the re.search call of a condition x =~ re (or
// x.match(re)), for a branch that reads the match through $~ or $1.
func (e *emitter) lastMatchCall(c ruby.Expr) (string, bool) {
	switch v := c.(type) {
	case *ruby.BinaryExpr:
		if v.Op == "=~" {
			return e.matchOp(v, false).code, true
		}
	case *ruby.CallExpr:
		if v.Name == "match" && len(v.Args) == 1 && v.Block == nil && v.Recv != nil {
			return e.expr(v).code, true
		}
	}
	return "", false
}

// lastMatchGroup is $~ (n < 0) or $n, read after a match kept in
// e.lastMatch.
func (e *emitter) lastMatchGroup(name string) sx {
	if e.lastMatch == "" {
		no(name, "the last match is translated only in the branch of `if x =~ /re/` (or x.match(re)) that reads it")
	}
	if name == "$~" {
		return atom(e.lastMatch)
	}
	return atom(e.lastMatch + ".group(" + strings.TrimPrefix(name, "$") + ")")
}

// readsLastMatch reports whether body reads $~, $1 .. $9 or
// Regexp.last_match.
func readsLastMatch(body []*ruby.Stmt) bool {
	found := false
	ruby.InspectStmts(body, func(x ruby.Expr) bool {
		switch v := x.(type) {
		case *ruby.OpaqueExpr:
			if _, ok := lastMatchVar(v); ok {
				found = true
			}
		case *ruby.CallExpr:
			if cr, ok := v.Recv.(*ruby.ConstRef); ok && strings.TrimPrefix(cr.Path, "::") == "Regexp" && v.Name == "last_match" {
				found = true
			}
		}
		return !found
	})
	return found
}

// lastMatchVar is the name of $~ or $1 .. $9 an opaque expression reads.
func lastMatchVar(v *ruby.OpaqueExpr) (string, bool) {
	name, ok := strings.CutPrefix(v.What, "the global variable ")
	if !ok {
		return "", false
	}
	if name == "$~" || len(name) == 2 && name[1] >= '1' && name[1] <= '9' {
		return name, true
	}
	return "", false
}

// regexBlockCall translates gsub and sub with a regexp and a block of one
// expression: the block's value (its to_s) replaces each match; its
// parameter is the match's text, and $~ and $1 read the match.
func (e *emitter) regexBlockCall(c *ruby.CallExpr) (sx, bool) {
	b := c.Block
	if b == nil || c.Recv == nil || (c.Name != "gsub" && c.Name != "sub") || len(c.Args) != 1 || !isRegex(c.Args[0]) {
		return sx{}, false
	}
	if len(b.Body) != 1 || len(b.Params) > 1 {
		no("."+c.Name+" { }", "only a block of one expression and at most one parameter is translated")
	}
	p := e.pattern(c.Args[0])
	if p.endNL {
		no("."+c.Name+`(/\Z/)`, `\Z in a replacement: RE2 has no zero-width form of it`)
	}
	recv := e.expr(c.Recv)
	saved, savedMatch := copyVars(e.vars), e.lastMatch
	defer func() { e.vars, e.lastMatch = saved, savedMatch }()
	e.lastMatch = "_m"
	param := ""
	if len(b.Params) == 1 {
		param = e.bind(b.Params[0], "str")
	}
	body := e.expr(b.Body[0].X)
	val := body.code
	if !body.str {
		val = "str(" + val + ")"
	}
	fn := "lambda _m: " + val
	if param != "" {
		fn = "lambda _m: (lambda " + param + ": " + val + ")(_m.group())"
	}
	code := "re.sub(" + p.code + ", " + fn + ", " + recv.code
	if c.Name == "sub" {
		code += ", count = 1"
	}
	return sx{code: code + ")", prec: pPostfix, str: true}, true
}

// regexpUnion translates Regexp.union(a, b, ...) (or of one array): the
// alternation of the strings, escaped, and of the regexps.
func (e *emitter) regexpUnion(c *ruby.CallExpr) sx {
	args := c.Args
	if len(args) == 1 {
		if a, ok := args[0].(*ruby.ArrayLit); ok {
			args = a.Elems
		} else if !isRegex(args[0]) {
			if _, ok := args[0].(*ruby.StrLit); !ok {
				// a list of strings
				return sx{code: `"|".join([re.escape(_x) for _x in ` + e.expr(args[0]).code + "])", prec: pPostfix, str: true}
			}
		}
	}
	if len(args) == 0 {
		return sx{code: `"[^\\x00-\\x{10FFFF}]"`, prec: pPostfix, str: true} // matches nothing
	}
	var parts []string
	for _, a := range args {
		switch v := a.(type) {
		case *ruby.StrLit:
			parts = append(parts, "re.escape("+e.expr(v).code+")")
		case *ruby.RegexExpr:
			parts = append(parts, `"(?:" + `+e.regexLit(v).in(pAdd+1)+` + ")"`)
		default:
			no("Regexp.union", "only strings and regexp literals are translated")
		}
	}
	if len(parts) == 1 {
		return sx{code: parts[0], prec: pPostfix, str: true}
	}
	return sx{code: `"|".join([` + strings.Join(parts, ", ") + "])", prec: pPostfix, str: true}
}
