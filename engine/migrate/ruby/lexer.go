package ruby

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// TokKind is the kind of a Ruby token.
type TokKind int

const (
	EOF     TokKind = iota
	NL              // end of a line (or ';' — see tok.text)
	IDENT           // local variable, method name or keyword (text holds the name)
	CONST           // capitalised name
	IVAR            // @name (text without '@')
	GVAR            // $name, @@name: never translated
	INT             // integer literal (text is the source spelling)
	FLOAT           // float literal
	STRING          // string with parts; also heredocs and %q/%Q
	XSTRING         // backticks and %x: shell commands run at compile time
	SYMBOL          // :name (text holds the name)
	DSYMBOL         // :"name #{x}" (parts)
	LABEL           // name: in a hash or argument list (text holds the name)
	REGEX           // /re/ and %r{re}
	WORDS           // %w{} (words) and %i{} (symbols when sym)
	OP              // operator or punctuation (text)
	ERROR           // something the lexer cannot read (text is the reason)
)

// StrPart is a piece of a Ruby string: literal text or interpolated code.
type StrPart struct {
	Lit    string
	Code   string // source of #{...}
	Line   int    // line of the code
	IsCode bool
}

// Token is one token of Ruby source.
type Token struct {
	Kind       TokKind
	Text       string
	Parts      []StrPart
	Words      []string
	WordParts  [][]StrPart // tWords: %W with #{...}, each word's parts
	Sym        bool        // tWords: %i
	Line       int
	Start      int  // byte offset of the token in the source
	End        int  // byte offset just after the token
	Space      bool // whitespace (or a line start) precedes the token
	SpaceAfter bool // whitespace follows the token
	EndLine    int  // last line of the token (heredoc bodies, multi-line strings)
	Quoted     bool // tString: came from a single-quoted literal (no interpolation)
}

// Comment is a Ruby comment kept to be carried into the output.
type Comment struct {
	Line int
	Text string // without the leading '#'
	Own  bool   // the comment is alone on its line
}

type lexer struct {
	src      string
	pos      int
	line     int
	toks     []Token
	comments []Comment
	heredocs []pendingHeredoc
	parens   int
	inRegex  bool // stringBody reads a regular expression's body
}

type pendingHeredoc struct {
	tok    int // index in toks
	id     string
	squish bool // <<~
	indent bool // <<- or <<~: terminator may be indented
	raw    bool // 'ID': no interpolation
}

// Lex splits src (whose first line is firstLine) into tokens. It never fails: what it cannot read becomes
// a tError token, and the parser turns it into a TODO.
func Lex(src string, firstLine int) ([]Token, []Comment) {
	// Recipes run about one token per four or five bytes; sizing the
	// slice up front saves the regrowth that dominated lexing (and the
	// fuzzers' time per input).
	l := &lexer{src: src, line: firstLine, toks: make([]Token, 0, len(src)/4+8)}
	l.run()
	return l.toks, l.comments
}

func (l *lexer) emit(t Token) {
	if t.EndLine == 0 {
		t.EndLine = l.line
	}
	l.toks = append(l.toks, t)
}

func (l *lexer) last() *Token {
	if len(l.toks) == 0 {
		return nil
	}
	return &l.toks[len(l.toks)-1]
}

// valueEnded reports whether the previous token ends a value, so that what
// follows is a binary operator rather than the start of a new operand.
func (l *lexer) valueEnded() bool {
	t := l.last()
	if t == nil {
		return false
	}
	switch t.Kind {
	case INT, FLOAT, STRING, XSTRING, SYMBOL, DSYMBOL, REGEX, WORDS, IVAR, GVAR, CONST:
		return true
	case IDENT:
		return !IsKeyword(t.Text) || t.Text == "end" || t.Text == "self" || t.Text == "nil" || t.Text == "true" || t.Text == "false"
	case OP:
		return t.Text == ")" || t.Text == "]" || t.Text == "}"
	}
	return false
}

// argStart reports whether, at an ambiguous character after an identifier,
// Ruby would read the start of a command argument ("puts -1", "foo /re/").
func (l *lexer) argStart(space bool) bool {
	t := l.last()
	if !l.valueEnded() {
		return true
	}
	if t.Kind == IDENT && !IsKeyword(t.Text) && space {
		next := l.pos + 1
		return next < len(l.src) && l.src[next] != ' ' && l.src[next] != '\t' && l.src[next] != '='
	}
	return false
}

func (l *lexer) errorf(start int, format string, args ...any) {
	l.emit(Token{Kind: ERROR, Text: fmt.Sprintf(format, args...), Line: l.line, Start: start, End: len(l.src)})
	l.pos = len(l.src)
}

func (l *lexer) run() {
	space := true
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		start := l.pos
		lineStart := start == 0 || l.src[start-1] == '\n'
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			l.pos++
			space = true
			continue
		case c == '\\' && l.pos+1 < len(l.src) && (l.src[l.pos+1] == '\n' || strings.HasPrefix(l.src[l.pos+1:], "\r\n")):
			l.pos += 2
			if l.src[l.pos-1] == '\r' {
				l.pos++
			}
			l.line++
			space = true
			continue
		case c == '\n':
			l.pos++
			if t := l.last(); t == nil || !(t.Kind == NL) {
				l.emit(Token{Kind: NL, Text: "\n", Line: l.line, Start: start, End: l.pos, Space: space})
			}
			l.line++
			if len(l.heredocs) > 0 {
				l.readHeredocs()
			}
			space = true
			continue
		case c == '#':
			end := strings.IndexByte(l.src[l.pos:], '\n')
			if end < 0 {
				end = len(l.src) - l.pos
			}
			own := true
			for i := start - 1; i >= 0 && l.src[i] != '\n'; i-- {
				if l.src[i] != ' ' && l.src[i] != '\t' {
					own = false
					break
				}
			}
			l.comments = append(l.comments, Comment{Line: l.line, Text: strings.TrimRight(l.src[l.pos+1:l.pos+end], "\r"), Own: own})
			l.pos += end
			continue
		case lineStart && strings.HasPrefix(l.src[l.pos:], "=begin") && (len(l.src) == l.pos+6 || isSpace(l.src[l.pos+6])):
			l.blockComment()
			continue
		case lineStart && strings.HasPrefix(l.src[l.pos:], "__END__") && (len(l.src) == l.pos+7 || l.src[l.pos+7] == '\n' || l.src[l.pos+7] == '\r'):
			l.pos = len(l.src)
			continue
		}
		n := len(l.toks)
		l.lexToken(space)
		if len(l.toks) > n {
			t := &l.toks[len(l.toks)-1]
			t.Space = space
			if t.End == 0 {
				if t.Start == 0 {
					t.Start = start
				}
				t.End = l.pos
			}
			if t.Line == 0 {
				t.Line = l.line
			}
			if l.pos < len(l.src) {
				t.SpaceAfter = isSpace(l.src[l.pos])
			} else {
				t.SpaceAfter = true
			}
		}
		space = false
	}
	l.emit(Token{Kind: NL, Text: "\n", Line: l.line, Start: len(l.src), End: len(l.src)})
	l.emit(Token{Kind: EOF, Line: l.line, Start: len(l.src), End: len(l.src)})
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (l *lexer) blockComment() {
	for l.pos < len(l.src) {
		end := strings.IndexByte(l.src[l.pos:], '\n')
		var ln string
		if end < 0 {
			ln = l.src[l.pos:]
			l.pos = len(l.src)
		} else {
			ln = l.src[l.pos : l.pos+end]
			l.pos += end + 1
		}
		l.comments = append(l.comments, Comment{Line: l.line, Text: strings.TrimRight(ln, "\r"), Own: true})
		l.line++
		if strings.HasPrefix(ln, "=end") {
			return
		}
	}
}

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) || r >= 0x80 }
func isIdentChar(r rune) bool  { return isIdentStart(r) || unicode.IsDigit(r) }

func (l *lexer) ident() string {
	start := l.pos
	for l.pos < len(l.src) {
		r, n := utf8.DecodeRuneInString(l.src[l.pos:])
		if !isIdentChar(r) {
			break
		}
		l.pos += n
	}
	return l.src[start:l.pos]
}

var ops3 = []string{"**=", "<=>", "===", "...", "<<=", ">>=", "&&=", "||="}
var ops2 = []string{"**", "==", "!=", ">=", "<=", "&&", "||", "<<", ">>", "=~", "!~", "..", "::", "=>", "->", "+=", "-=", "*=", "/=", "%=", "|=", "&=", "^=", "&."}

func (l *lexer) lexToken(space bool) {
	start := l.pos
	c := l.src[l.pos]
	r, _ := utf8.DecodeRuneInString(l.src[l.pos:])
	switch {
	case c >= '0' && c <= '9':
		l.number()
		return
	case isIdentStart(r):
		name := l.ident()
		kind := IDENT
		if unicode.IsUpper([]rune(name)[0]) {
			kind = CONST
		}
		// Method names may end in ? or ! ("exist?", "include?"), but not
		// when that is "!=" or a ternary "a ?b".
		if l.pos < len(l.src) && (l.src[l.pos] == '?' || l.src[l.pos] == '!') {
			if l.pos+1 >= len(l.src) || l.src[l.pos+1] != '=' || (l.pos+2 < len(l.src) && l.src[l.pos+2] == '=') {
				l.pos++
				name += l.src[l.pos-1 : l.pos]
			}
		}
		// label "key:" (but not "A::B", nor the ternary "a ? b :c")
		if l.pos < len(l.src) && l.src[l.pos] == ':' && (l.pos+1 >= len(l.src) || l.src[l.pos+1] != ':') {
			if lt := l.last(); lt == nil || !(lt.Kind == OP && lt.Text == "?") {
				l.pos++
				l.emit(Token{Kind: LABEL, Text: name, Start: start})
				return
			}
		}
		l.emit(Token{Kind: kind, Text: name, Start: start})
		return
	case c == '@':
		if strings.HasPrefix(l.src[l.pos:], "@@") {
			l.pos += 2
			l.emit(Token{Kind: GVAR, Text: "@@" + l.ident(), Start: start})
			return
		}
		l.pos++
		name := l.ident()
		if name == "" {
			l.errorf(start, "a lone @")
			return
		}
		l.emit(Token{Kind: IVAR, Text: name, Start: start})
		return
	case c == '$':
		l.pos++
		name := l.ident()
		if name == "" && l.pos < len(l.src) {
			l.pos++
			name = l.src[l.pos-1 : l.pos]
		}
		l.emit(Token{Kind: GVAR, Text: "$" + name, Start: start})
		return
	case c == '"' || c == '`':
		l.pos++
		parts, ok := l.stringBody(c, c, true)
		if !ok {
			l.errorf(start, "unterminated string")
			return
		}
		kind := STRING
		if c == '`' {
			kind = XSTRING
		}
		l.emit(Token{Kind: kind, Parts: parts, Start: start, Line: l.lineAt(start)})
		return
	case c == '\'':
		l.pos++
		parts, ok := l.stringBody('\'', '\'', false)
		if !ok {
			l.errorf(start, "unterminated string")
			return
		}
		l.emit(Token{Kind: STRING, Parts: parts, Start: start, Quoted: true, Line: l.lineAt(start)})
		return
	case c == ':' && l.pos+1 < len(l.src) && l.src[l.pos+1] == '"':
		l.pos += 2
		parts, ok := l.stringBody('"', '"', true)
		if !ok {
			l.errorf(start, "unterminated symbol")
			return
		}
		l.emit(Token{Kind: DSYMBOL, Parts: parts, Start: start})
		return
	case c == ':' && l.pos+1 < len(l.src) && l.src[l.pos+1] != ':' && (!l.valueEnded() || space):
		r2, _ := utf8.DecodeRuneInString(l.src[l.pos+1:])
		if isIdentStart(r2) {
			l.pos++
			name := l.ident()
			if l.pos < len(l.src) && (l.src[l.pos] == '?' || l.src[l.pos] == '!' || l.src[l.pos] == '=') {
				if l.pos+1 >= len(l.src) || (l.src[l.pos+1] != '=' && l.src[l.pos+1] != '>' && l.src[l.pos+1] != '~') {
					l.pos++
					name += l.src[l.pos-1 : l.pos]
				}
			}
			l.emit(Token{Kind: SYMBOL, Text: name, Start: start})
			return
		}
		if r2 == '\'' {
			l.pos += 2
			parts, ok := l.stringBody('\'', '\'', false)
			if !ok {
				l.errorf(start, "unterminated symbol")
				return
			}
			l.emit(Token{Kind: DSYMBOL, Parts: parts, Start: start})
			return
		}
		for _, op := range []string{"[]=", "[]", "<=>", "==", "<<", "+", "-", "*", "/", "<", ">", "!"} {
			if strings.HasPrefix(l.src[l.pos+1:], op) && (!l.valueEnded() || l.pos+1+len(op) >= len(l.src) || isSpace(l.src[l.pos+1+len(op)]) || l.src[l.pos+1+len(op)] == ')' || l.src[l.pos+1+len(op)] == ',') {
				l.pos += 1 + len(op)
				l.emit(Token{Kind: SYMBOL, Text: op, Start: start})
				return
			}
		}
	case c == '%' && l.percentLiteralStart(space):
		l.percentLiteral()
		return
	case c == '/' && l.argStart(space):
		l.pos++
		l.regexBody(start, '/', '/')
		return
	case c == '<' && strings.HasPrefix(l.src[l.pos:], "<<") && l.heredocStart(space):
		l.heredoc()
		return
	case c == '?' && l.pos+1 < len(l.src) && !l.valueEnded() && l.pos+2 <= len(l.src) && (l.pos+2 == len(l.src) || !isIdentChar(rune(l.src[l.pos+2]))) && !isSpace(l.src[l.pos+1]):
		// character literal ?a
		l.pos += 2
		l.emit(Token{Kind: STRING, Parts: []StrPart{{Lit: l.src[l.pos-1 : l.pos]}}, Start: start, Quoted: true})
		return
	}
	for _, op := range ops3 {
		if strings.HasPrefix(l.src[l.pos:], op) {
			l.pos += 3
			l.emit(Token{Kind: OP, Text: op, Start: start})
			return
		}
	}
	for _, op := range ops2 {
		if strings.HasPrefix(l.src[l.pos:], op) {
			l.pos += 2
			l.emit(Token{Kind: OP, Text: op, Start: start})
			return
		}
	}
	if strings.IndexByte("+-*/%=<>!&|^~?:,.;()[]{}", c) >= 0 {
		l.pos++
		if c == ';' {
			l.emit(Token{Kind: NL, Text: ";", Start: start})
			return
		}
		l.emit(Token{Kind: OP, Text: string(c), Start: start})
		return
	}
	l.pos += utf8.RuneLen(r)
	if r == utf8.RuneError {
		l.pos = start + 1
	}
	l.emit(Token{Kind: ERROR, Text: fmt.Sprintf("unexpected character %q", r), Start: start})
}

func (l *lexer) lineAt(off int) int {
	// the token's first line: l.line counts newlines consumed so far
	return l.line - strings.Count(l.src[off:l.pos], "\n")
}

func (l *lexer) number() {
	start := l.pos
	isFloat := false
	if strings.HasPrefix(l.src[l.pos:], "0x") || strings.HasPrefix(l.src[l.pos:], "0X") ||
		strings.HasPrefix(l.src[l.pos:], "0b") || strings.HasPrefix(l.src[l.pos:], "0B") ||
		strings.HasPrefix(l.src[l.pos:], "0o") || strings.HasPrefix(l.src[l.pos:], "0O") {
		l.pos += 2
		for l.pos < len(l.src) && (isHex(l.src[l.pos]) || l.src[l.pos] == '_') {
			l.pos++
		}
	} else {
		for l.pos < len(l.src) && (l.src[l.pos] >= '0' && l.src[l.pos] <= '9' || l.src[l.pos] == '_') {
			l.pos++
		}
		if l.pos+1 < len(l.src) && l.src[l.pos] == '.' && l.src[l.pos+1] >= '0' && l.src[l.pos+1] <= '9' {
			isFloat = true
			l.pos++
			for l.pos < len(l.src) && (l.src[l.pos] >= '0' && l.src[l.pos] <= '9' || l.src[l.pos] == '_') {
				l.pos++
			}
		}
		if l.pos < len(l.src) && (l.src[l.pos] == 'e' || l.src[l.pos] == 'E') {
			p := l.pos + 1
			if p < len(l.src) && (l.src[p] == '+' || l.src[p] == '-') {
				p++
			}
			if p < len(l.src) && l.src[p] >= '0' && l.src[p] <= '9' {
				isFloat = true
				l.pos = p
				for l.pos < len(l.src) && l.src[l.pos] >= '0' && l.src[l.pos] <= '9' {
					l.pos++
				}
			}
		}
	}
	kind := INT
	if isFloat {
		kind = FLOAT
	}
	l.emit(Token{Kind: kind, Text: l.src[start:l.pos], Start: start})
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// parseInt reads a Ruby integer literal (0644 is octal, 0x1f hex, 1_000).
func parseInt(text string) (int64, bool) {
	t := strings.ReplaceAll(text, "_", "")
	base := 10
	switch {
	case strings.HasPrefix(t, "0x") || strings.HasPrefix(t, "0X"):
		base, t = 16, t[2:]
	case strings.HasPrefix(t, "0b") || strings.HasPrefix(t, "0B"):
		base, t = 2, t[2:]
	case strings.HasPrefix(t, "0o") || strings.HasPrefix(t, "0O"):
		base, t = 8, t[2:]
	case len(t) > 1 && t[0] == '0':
		base, t = 8, t[1:]
	}
	v, err := strconv.ParseInt(t, base, 64)
	return v, err == nil
}

func closerOf(open byte) byte {
	switch open {
	case '(':
		return ')'
	case '[':
		return ']'
	case '{':
		return '}'
	case '<':
		return '>'
	}
	return open
}

// stringBody reads up to the closing delimiter; interp enables #{} and
// double-quote escapes. Nested bracket delimiters are balanced as in Ruby.
func (l *lexer) stringBody(open, close byte, interp bool) ([]StrPart, bool) {
	var parts []StrPart
	var b strings.Builder
	depth := 0
	regex := open == '/' || close == '/' || l.inRegex
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == '\\' && l.pos+1 < len(l.src):
			n := l.src[l.pos+1]
			if !interp {
				if n == close || n == '\\' || (n == open && open != close) {
					b.WriteByte(n)
				} else {
					b.WriteByte('\\')
					b.WriteByte(n)
				}
				l.pos += 2
				if n == '\n' {
					l.line++
				}
				continue
			}
			if regex {
				b.WriteByte('\\')
				b.WriteByte(n)
				l.pos += 2
				continue
			}
			l.pos += 2
			l.escape(n, &b)
			continue
		case interp && c == '#' && l.pos+1 < len(l.src) && l.src[l.pos+1] == '{':
			if b.Len() > 0 {
				parts = append(parts, StrPart{Lit: b.String()})
				b.Reset()
			}
			codeLine := l.line
			l.pos += 2
			cs := l.pos
			d := 1
			for l.pos < len(l.src) && d > 0 {
				switch l.src[l.pos] {
				case '{':
					d++
				case '}':
					d--
				case '\n':
					l.line++
				case '"', '\'':
					q := l.src[l.pos]
					l.pos++
					for l.pos < len(l.src) && l.src[l.pos] != q {
						if l.src[l.pos] == '\\' {
							l.pos++
						}
						l.pos++
					}
				}
				l.pos++
			}
			if d > 0 {
				return nil, false
			}
			parts = append(parts, StrPart{Code: l.src[cs : l.pos-1], Line: codeLine, IsCode: true})
			continue
		case interp && c == '#' && l.pos+1 < len(l.src) && l.src[l.pos+1] == '@' && !regex:
			if b.Len() > 0 {
				parts = append(parts, StrPart{Lit: b.String()})
				b.Reset()
			}
			l.pos++
			cs := l.pos
			l.pos++
			if l.pos < len(l.src) && l.src[l.pos] == '@' {
				l.pos++
			}
			l.ident()
			parts = append(parts, StrPart{Code: l.src[cs:l.pos], Line: l.line, IsCode: true})
			continue
		case c == close && depth == 0:
			l.pos++
			if b.Len() > 0 || len(parts) == 0 {
				parts = append(parts, StrPart{Lit: b.String()})
			}
			return parts, true
		case c == close:
			depth--
		case c == open && open != close:
			depth++
		case c == '\n':
			l.line++
		}
		b.WriteByte(c)
		l.pos++
	}
	return nil, false
}

// regexBody reads a regular expression literal after its opening
// delimiter: the body keeps its escapes as written (they are the
// expression's), and the token's text is its flags (i, m, x, ...).
func (l *lexer) regexBody(start int, open, close byte) {
	l.inRegex = true
	parts, ok := l.stringBody(open, close, true)
	l.inRegex = false
	if !ok {
		l.errorf(start, "unterminated regular expression")
		return
	}
	fs := l.pos
	for l.pos < len(l.src) && strings.IndexByte("imxounse", l.src[l.pos]) >= 0 {
		l.pos++
	}
	l.emit(Token{Kind: REGEX, Parts: parts, Text: l.src[fs:l.pos], Start: start})
}

// escape decodes a double-quoted escape whose letter n follows a backslash.
func (l *lexer) escape(n byte, b *strings.Builder) {
	switch n {
	case 'n':
		b.WriteByte('\n')
	case 't':
		b.WriteByte('\t')
	case 's':
		b.WriteByte(' ')
	case 'r':
		b.WriteByte('\r')
	case '0':
		b.WriteByte(0)
	case 'e':
		b.WriteByte(0x1b)
	case 'a':
		b.WriteByte(7)
	case 'b':
		b.WriteByte(8)
	case 'f':
		b.WriteByte(12)
	case 'v':
		b.WriteByte(11)
	case '\n':
		l.line++ // line continuation inside a string
	case 'x':
		v, k := 0, 0
		for k < 2 && l.pos < len(l.src) && isHex(l.src[l.pos]) {
			d, _ := strconv.ParseInt(l.src[l.pos:l.pos+1], 16, 8)
			v = v*16 + int(d)
			l.pos++
			k++
		}
		b.WriteByte(byte(v))
	case 'u':
		if l.pos < len(l.src) && l.src[l.pos] == '{' {
			end := strings.IndexByte(l.src[l.pos:], '}')
			if end > 0 {
				for _, h := range strings.Fields(l.src[l.pos+1 : l.pos+end]) {
					if v, err := strconv.ParseInt(h, 16, 32); err == nil {
						b.WriteRune(rune(v))
					}
				}
				l.pos += end + 1
			}
			return
		}
		if l.pos+4 <= len(l.src) {
			if v, err := strconv.ParseInt(l.src[l.pos:l.pos+4], 16, 32); err == nil {
				b.WriteRune(rune(v))
				l.pos += 4
				return
			}
		}
		b.WriteByte('u')
	default:
		if n >= '1' && n <= '7' {
			v := int(n - '0')
			for k := 0; k < 2 && l.pos < len(l.src) && l.src[l.pos] >= '0' && l.src[l.pos] <= '7'; k++ {
				v = v*8 + int(l.src[l.pos]-'0')
				l.pos++
			}
			b.WriteByte(byte(v))
			return
		}
		b.WriteByte(n)
	}
}

func (l *lexer) percentLiteralStart(space bool) bool {
	if l.pos+1 >= len(l.src) {
		return false
	}
	n := l.src[l.pos+1]
	if !l.argStart(space) {
		return false
	}
	if strings.IndexByte("wWiIqQrx", n) >= 0 && l.pos+2 < len(l.src) && strings.IndexByte("{([<|!/^", l.src[l.pos+2]) >= 0 {
		return true
	}
	return strings.IndexByte("{([<|!^", n) >= 0
}

func (l *lexer) percentLiteral() {
	start := l.pos
	l.pos++
	kind := byte('Q')
	if c := l.src[l.pos]; c >= 'A' && c <= 'z' && c != '[' && c != '^' && c != '|' {
		kind = c
		l.pos++
	}
	open := l.src[l.pos]
	l.pos++
	close := closerOf(open)
	switch kind {
	case 'W':
		// words of a double-quoted string: #{...} interpolates
		parts, ok := l.stringBody(open, close, true)
		if !ok {
			l.errorf(start, "unterminated %%%c literal", kind)
			return
		}
		words := splitWords(parts)
		tok := Token{Kind: WORDS, Start: start, Line: l.lineAt(start)}
		for _, w := range words {
			if len(w) == 1 && !w[0].IsCode {
				tok.Words = append(tok.Words, w[0].Lit)
			} else {
				tok.WordParts = words
			}
		}
		if tok.WordParts != nil {
			tok.Words = nil
		}
		l.emit(tok)
	case 'w', 'i', 'I':
		parts, ok := l.stringBody(open, close, false)
		if !ok {
			l.errorf(start, "unterminated %%%c literal", kind)
			return
		}
		var sb strings.Builder
		for _, p := range parts {
			sb.WriteString(p.Lit)
		}
		words := strings.Fields(sb.String())
		l.emit(Token{Kind: WORDS, Words: words, Sym: kind == 'i' || kind == 'I', Start: start, Line: l.lineAt(start)})
	case 'q':
		parts, ok := l.stringBody(open, close, false)
		if !ok {
			l.errorf(start, "unterminated string")
			return
		}
		l.emit(Token{Kind: STRING, Parts: parts, Start: start, Quoted: true, Line: l.lineAt(start)})
	case 'r':
		l.regexBody(start, open, close)
	case 'x':
		parts, ok := l.stringBody(open, close, true)
		if !ok {
			l.errorf(start, "unterminated command")
			return
		}
		l.emit(Token{Kind: XSTRING, Parts: parts, Start: start})
	default: // Q, or %{...}
		parts, ok := l.stringBody(open, close, true)
		if !ok {
			l.errorf(start, "unterminated string")
			return
		}
		l.emit(Token{Kind: STRING, Parts: parts, Start: start, Line: l.lineAt(start)})
	}
}

// splitWords splits a %W literal's parts at whitespace in its text into
// words, each the parts it is made of (text and #{...}).
func splitWords(parts []StrPart) [][]StrPart {
	var words [][]StrPart
	var cur []StrPart
	var lit strings.Builder
	inWord := false
	flushLit := func() {
		if lit.Len() > 0 {
			cur = append(cur, StrPart{Lit: lit.String()})
			lit.Reset()
		}
	}
	for _, p := range parts {
		if p.IsCode {
			flushLit()
			cur = append(cur, p)
			inWord = true
			continue
		}
		for _, r := range p.Lit {
			if unicode.IsSpace(r) {
				if inWord {
					flushLit()
					words = append(words, cur)
					cur, inWord = nil, false
				}
				continue
			}
			lit.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		flushLit()
		words = append(words, cur)
	}
	return words
}

func (l *lexer) heredocStart(space bool) bool {
	rest := l.src[l.pos+2:]
	if rest == "" {
		return false
	}
	if rest[0] == '~' || rest[0] == '-' {
		rest = rest[1:]
	}
	if rest == "" {
		return false
	}
	r, _ := utf8.DecodeRuneInString(rest)
	if !(r == '\'' || r == '"' || r == '_' || unicode.IsUpper(r) || (unicode.IsLetter(r) && !l.valueEnded())) {
		return false
	}
	return !l.valueEnded() || l.argStart(space)
}

func (l *lexer) heredoc() {
	start := l.pos
	l.pos += 2
	h := pendingHeredoc{tok: len(l.toks)}
	switch l.src[l.pos] {
	case '~':
		h.squish, h.indent = true, true
		l.pos++
	case '-':
		h.indent = true
		l.pos++
	}
	if q := l.src[l.pos]; q == '\'' || q == '"' {
		end := strings.IndexByte(l.src[l.pos+1:], q)
		if end < 0 {
			l.errorf(start, "unterminated heredoc name")
			return
		}
		h.id = l.src[l.pos+1 : l.pos+1+end]
		h.raw = q == '\''
		l.pos += end + 2
	} else {
		h.id = l.ident()
	}
	l.heredocs = append(l.heredocs, h)
	l.emit(Token{Kind: STRING, Start: start, Quoted: h.raw})
}

// readHeredocs reads the bodies of the heredocs opened on the line just
// ended, in order.
func (l *lexer) readHeredocs() {
	hs := l.heredocs
	l.heredocs = nil
	for _, h := range hs {
		var lines []string
		found := false
		for l.pos < len(l.src) {
			end := strings.IndexByte(l.src[l.pos:], '\n')
			var ln string
			next := len(l.src)
			if end >= 0 {
				ln = l.src[l.pos : l.pos+end]
				next = l.pos + end + 1
			} else {
				ln = l.src[l.pos:]
			}
			l.pos = next
			l.line++
			t := strings.TrimRight(ln, "\r")
			if t == h.id || (h.indent && strings.TrimLeft(t, " \t") == h.id) {
				found = true
				break
			}
			lines = append(lines, ln+"\n")
		}
		tok := &l.toks[h.tok]
		tok.EndLine = l.line - 1
		if !found {
			tok.Kind = ERROR
			tok.Text = "unterminated heredoc " + h.id
			continue
		}
		if h.squish {
			lines = dedent(lines)
		}
		body := strings.Join(lines, "")
		if h.raw {
			tok.Parts = []StrPart{{Lit: body}}
			continue
		}
		sub := &lexer{src: body + "\x00", line: tok.Line + 1}
		parts, _ := sub.stringBody(0, 0, true)
		tok.Parts = parts
		if len(tok.Parts) == 0 {
			tok.Parts = []StrPart{{Lit: ""}}
		}
	}
}

func dedent(lines []string) []string {
	min := -1
	for _, ln := range lines {
		if strings.TrimSpace(ln) == "" {
			continue
		}
		n := len(ln) - len(strings.TrimLeft(ln, " \t"))
		if min < 0 || n < min {
			min = n
		}
	}
	if min <= 0 {
		return lines
	}
	out := make([]string, len(lines))
	for i, ln := range lines {
		if len(ln) >= min && strings.TrimLeft(ln[:min], " \t") == "" {
			out[i] = ln[min:]
		} else {
			out[i] = strings.TrimLeft(ln, " \t")
		}
	}
	return out
}

var rubyKeywords = map[string]bool{
	"alias": true, "and": true, "begin": true, "break": true, "case": true, "class": true, "def": true,
	"defined?": true, "do": true, "else": true, "elsif": true, "end": true, "ensure": true, "false": true,
	"for": true, "if": true, "in": true, "module": true, "next": true, "nil": true, "not": true, "or": true,
	"redo": true, "rescue": true, "retry": true, "return": true, "self": true, "super": true, "then": true,
	"true": true, "undef": true, "unless": true, "until": true, "when": true, "while": true, "yield": true,
	"__FILE__": true, "__LINE__": true, "__dir__": true,
}

// IsKeyword reports whether s is a Ruby reserved word.
func IsKeyword(s string) bool { return rubyKeywords[s] }
