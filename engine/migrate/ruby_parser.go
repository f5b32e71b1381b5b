package migrate

import (
	"fmt"
	"strings"
)

// The Ruby reader: a small parser for the subset of Ruby that Chef recipes,
// attribute files, metadata.rb and ERB tags use. It is not a Ruby parser: it
// knows enough to find where every statement starts and ends, to read the
// constructs converge can translate, and to hand everything else back as an
// opaque statement that becomes a TODO. It never panics on bad input: a
// statement it cannot read is skipped to its end and reported.

type expr interface{ exprLine() int }

type (
	strLit struct {
		line  int
		parts []strElem
	}
	strElem struct {
		lit    string
		x      expr // interpolated expression, when isCode
		isCode bool
	}
	symLit struct {
		line int
		name string
	}
	intLit struct {
		line int
		val  int64
		text string
	}
	floatLit struct {
		line int
		text string
	}
	nilLit  struct{ line int }
	boolLit struct {
		line int
		val  bool
	}
	selfLit  struct{ line int }
	arrayLit struct {
		line  int
		elems []expr
		words bool // from %w: every element is a plain string
	}
	hashLit struct {
		line   int
		keys   []expr
		vals   []expr
		braces bool
	}
	identRef struct { // a local variable or block parameter
		line int
		name string
	}
	ivarRef struct {
		line int
		name string
	}
	constRef struct { // File, ::File, Chef::Log
		line int
		path string
	}
	callExpr struct { // recv.name(args) { block }; recv nil for a call on self
		line   int
		recv   expr
		name   string
		args   []expr
		block  *blockExpr
		parens bool
		safe   bool // &.
	}
	blockExpr struct {
		line, endLine int
		params        []string
		body          []*stmt
		brace         bool
	}
	indexExpr struct {
		line int
		recv expr
		args []expr
	}
	binaryExpr struct {
		line int
		op   string
		l, r expr
	}
	unaryExpr struct {
		line int
		op   string
		x    expr
	}
	ternaryExpr struct {
		line          int
		cond, yes, no expr
	}
	rangeExpr struct {
		line   int
		lo, hi expr
		excl   bool
	}
	xstrExpr struct {
		line  int
		parts []strElem
	}
	regexExpr struct{ line int }
	ifExpr    struct {
		line     int
		conds    []expr
		bodies   [][]*stmt
		els      []*stmt
		hasElse  bool
		unless   bool
		modifier bool
	}
	caseExpr struct {
		line    int
		subject expr // nil for "case" without a subject
		whens   [][]expr
		bodies  [][]*stmt
		els     []*stmt
		hasElse bool
	}
	forExpr struct {
		line int
		vars []string
		iter expr
		body []*stmt
	}
	assignExpr struct {
		line   int
		target expr
		op     string // "=", "+=", "||=", ...
		value  expr
	}
	jumpExpr struct { // return, next, break
		line int
		kind string
		val  expr
	}
	// opaqueExpr is a construct the reader recognises only to skip it:
	// def, class, begin/rescue, while, lambda literals, yield ...
	opaqueExpr struct {
		line int
		what string
	}
	// badExpr stands for a statement the reader could not parse.
	badExpr struct {
		line int
		why  string
	}
)

func (e *strLit) exprLine() int      { return e.line }
func (e *symLit) exprLine() int      { return e.line }
func (e *intLit) exprLine() int      { return e.line }
func (e *floatLit) exprLine() int    { return e.line }
func (e *nilLit) exprLine() int      { return e.line }
func (e *boolLit) exprLine() int     { return e.line }
func (e *selfLit) exprLine() int     { return e.line }
func (e *arrayLit) exprLine() int    { return e.line }
func (e *hashLit) exprLine() int     { return e.line }
func (e *identRef) exprLine() int    { return e.line }
func (e *ivarRef) exprLine() int     { return e.line }
func (e *constRef) exprLine() int    { return e.line }
func (e *callExpr) exprLine() int    { return e.line }
func (e *blockExpr) exprLine() int   { return e.line }
func (e *indexExpr) exprLine() int   { return e.line }
func (e *binaryExpr) exprLine() int  { return e.line }
func (e *unaryExpr) exprLine() int   { return e.line }
func (e *ternaryExpr) exprLine() int { return e.line }
func (e *rangeExpr) exprLine() int   { return e.line }
func (e *xstrExpr) exprLine() int    { return e.line }
func (e *regexExpr) exprLine() int   { return e.line }
func (e *ifExpr) exprLine() int      { return e.line }
func (e *caseExpr) exprLine() int    { return e.line }
func (e *forExpr) exprLine() int     { return e.line }
func (e *assignExpr) exprLine() int  { return e.line }
func (e *jumpExpr) exprLine() int    { return e.line }
func (e *opaqueExpr) exprLine() int  { return e.line }
func (e *badExpr) exprLine() int     { return e.line }

// stmt is one statement with the source lines it spans.
type stmt struct {
	x                expr
	line, endLine    int
	startOff, endOff int
}

// parseError aborts the statement being parsed; parseStmts recovers it.
type parseError struct {
	line int
	msg  string
}

func (e *parseError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

type parser struct {
	toks   []token
	p      int
	scopes []map[string]bool
	noDo   int // >0 while reading command arguments or a loop condition: "do" belongs to the outer call
	depth  int // nesting, to bound recursion on hostile input
}

const maxDepth = 200

// parseRuby parses a whole file into statements.
func parseRuby(src string) ([]*stmt, []comment) {
	toks, comments := lexRuby(src, 1)
	p := &parser{toks: toks, scopes: []map[string]bool{{}}}
	stmts := p.parseStmts(nil)
	// whatever is left (a stray "end" or "}") is reported, not dropped
	for p.tok().kind != tEOF {
		start := p.p
		p.skipStatement(true)
		if p.p == start {
			p.p++
		}
		stmts = append(stmts, p.badStmt(start, "unexpected "+describe(p.toks[start])))
	}
	return stmts, comments
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of file"
	case tNL:
		return "end of line"
	case tError:
		return t.text
	case tString:
		return "string"
	}
	return fmt.Sprintf("%q", t.text)
}

func (p *parser) tok() token { return p.toks[p.p] }
func (p *parser) peek(n int) token {
	if p.p+n < len(p.toks) {
		return p.toks[p.p+n]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) next() token {
	t := p.toks[p.p]
	if p.p < len(p.toks)-1 {
		p.p++
	}
	return t
}

func (p *parser) fail(format string, args ...any) {
	panic(&parseError{line: p.tok().line, msg: fmt.Sprintf(format, args...)})
}

func (p *parser) isOp(s string) bool {
	t := p.tok()
	return t.kind == tOp && t.text == s
}
func (p *parser) isKw(s string) bool {
	t := p.tok()
	return t.kind == tIdent && t.text == s
}
func (p *parser) expectOp(s string) token {
	if !p.isOp(s) {
		p.fail("expected %q, found %s", s, describe(p.tok()))
	}
	return p.next()
}
func (p *parser) expectKw(s string) token {
	if !p.isKw(s) {
		p.fail("expected %q, found %s", s, describe(p.tok()))
	}
	return p.next()
}
func (p *parser) skipNL() {
	for p.tok().kind == tNL {
		p.next()
	}
}

func (p *parser) pushScope(names ...string) {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	p.scopes = append(p.scopes, m)
}
func (p *parser) popScope() { p.scopes = p.scopes[:len(p.scopes)-1] }
func (p *parser) isLocal(name string) bool {
	for i := len(p.scopes) - 1; i >= 0; i-- {
		if p.scopes[i][name] {
			return true
		}
	}
	return false
}
func (p *parser) declare(name string) { p.scopes[len(p.scopes)-1][name] = true }

func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		p.fail("nesting too deep")
	}
}
func (p *parser) leave() { p.depth-- }

// isTerminator reports whether the current token ends a statement list.
func (p *parser) isTerminator(terms []string) bool {
	t := p.tok()
	if t.kind == tEOF {
		return true
	}
	for _, s := range terms {
		if (t.kind == tIdent || t.kind == tOp) && t.text == s {
			return true
		}
	}
	return false
}

// parseStmts reads statements until one of terms (keywords or "}").
func (p *parser) parseStmts(terms []string) []*stmt {
	var out []*stmt
	for {
		p.skipNL()
		if p.isTerminator(terms) {
			return out
		}
		if t := p.tok(); (t.kind == tIdent && (t.text == "end" || t.text == "else" || t.text == "elsif" || t.text == "when" || t.text == "rescue" || t.text == "ensure")) || (t.kind == tOp && t.text == "}") {
			// a terminator of an outer construct that is not ours: stop, the
			// caller reports it
			return out
		}
		out = append(out, p.parseStmtRecover(terms))
	}
}

func (p *parser) parseStmtRecover(terms []string) (s *stmt) {
	start := p.p
	scopes := len(p.scopes)
	depth, noDo := p.depth, p.noDo
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(*parseError)
			if !ok {
				panic(r)
			}
			p.scopes = p.scopes[:scopes]
			p.depth, p.noDo = depth, noDo
			p.p = start
			p.skipStatement(false)
			if p.p == start {
				p.next()
			}
			s = p.badStmt(start, pe.msg)
		}
	}()
	x := p.parseStatement()
	return p.mkStmt(start, x)
}

func (p *parser) mkStmt(start int, x expr) *stmt {
	last := p.p - 1
	if last < start {
		last = start
	}
	for last > start && p.toks[last].kind == tNL {
		last--
	}
	end := p.toks[last].endLn
	if end < p.toks[start].line {
		end = p.toks[start].line
	}
	return &stmt{x: x, line: p.toks[start].line, endLine: end, startOff: p.toks[start].start, endOff: p.toks[last].end}
}

func (p *parser) badStmt(start int, why string) *stmt {
	return p.mkStmt(start, &badExpr{line: p.toks[start].line, why: why})
}

// skipStatement moves past the current statement, balancing brackets and
// keyword blocks; with all it also consumes closers of outer constructs.
func (p *parser) skipStatement(all bool) {
	depth := 0
	stmtStart := true
	for {
		t := p.tok()
		if t.kind == tEOF {
			return
		}
		if t.kind == tNL && depth == 0 {
			return
		}
		if depth == 0 && !all && p.p > 0 {
			if (t.kind == tIdent && (t.text == "end" || t.text == "else" || t.text == "elsif" || t.text == "when" || t.text == "rescue" || t.text == "ensure")) || (t.kind == tOp && t.text == "}") {
				return
			}
		}
		switch {
		case t.kind == tOp && (t.text == "(" || t.text == "[" || t.text == "{"):
			depth++
		case t.kind == tOp && (t.text == ")" || t.text == "]" || t.text == "}"):
			if depth > 0 {
				depth--
			}
		case t.kind == tIdent && (t.text == "do" || t.text == "case" || t.text == "def" || t.text == "begin" || t.text == "class" || t.text == "module" || t.text == "for"):
			depth++
		case t.kind == tIdent && (t.text == "if" || t.text == "unless" || t.text == "while" || t.text == "until") && stmtStart:
			depth++
		case t.kind == tIdent && t.text == "end":
			if depth > 0 {
				depth--
			}
		}
		stmtStart = t.kind == tNL || (t.kind == tOp && (t.text == "=" || t.text == "(" || t.text == "[" || t.text == "," || t.text == "||=" || t.text == "{")) || (t.kind == tIdent && (t.text == "then" || t.text == "else" || t.text == "do" || t.text == "return"))
		p.next()
		all = false
	}
}

// parseStatement: expr [modifier if/unless/while/until/rescue]*
func (p *parser) parseStatement() expr {
	x := p.parseExprStmt()
	for {
		t := p.tok()
		if t.kind != tIdent {
			break
		}
		switch t.text {
		case "if", "unless":
			p.next()
			cond := p.parseExprStmt()
			x = &ifExpr{line: t.line, conds: []expr{cond}, bodies: [][]*stmt{{{x: x, line: x.exprLine(), endLine: x.exprLine()}}}, unless: t.text == "unless", modifier: true}
			continue
		case "while", "until":
			p.next()
			p.parseExprStmt()
			x = &opaqueExpr{line: t.line, what: "a " + t.text + " loop"}
			continue
		case "rescue":
			p.next()
			p.parseExprStmt()
			x = &opaqueExpr{line: t.line, what: "a rescue modifier"}
			continue
		}
		break
	}
	if t := p.tok(); t.kind != tNL && t.kind != tEOF && !(t.kind == tOp && t.text == "}") && !(t.kind == tIdent && (t.text == "end" || t.text == "else" || t.text == "elsif" || t.text == "when" || t.text == "then" || t.text == "rescue" || t.text == "ensure")) {
		p.fail("unexpected %s", describe(t))
	}
	return x
}

// parseExprStmt: not / and / or level.
func (p *parser) parseExprStmt() expr {
	p.enter()
	defer p.leave()
	l := p.parseNot()
	for p.isKw("and") || p.isKw("or") {
		t := p.next()
		p.skipNL()
		r := p.parseNot()
		op := "&&"
		if t.text == "or" {
			op = "||"
		}
		l = &binaryExpr{line: t.line, op: op, l: l, r: r}
	}
	return l
}

func (p *parser) parseNot() expr {
	if p.isKw("not") {
		t := p.next()
		return &unaryExpr{line: t.line, op: "!", x: p.parseNot()}
	}
	return p.parseAssign()
}

func isAssignOp(s string) bool {
	switch s {
	case "=", "+=", "-=", "*=", "/=", "%=", "||=", "&&=", "<<=", ">>=", "|=", "&=", "**=", "^=":
		return true
	}
	return false
}

func (p *parser) parseAssign() expr {
	p.enter()
	defer p.leave()
	// multiple assignment "a, b = ..." is not supported
	lhs := p.parseTernary()
	t := p.tok()
	if t.kind == tOp && isAssignOp(t.text) {
		switch target := lhs.(type) {
		case *identRef, *indexExpr, *ivarRef, *constRef:
		case *callExpr:
			if len(target.args) > 0 || target.block != nil || target.parens {
				p.fail("cannot assign to a method call")
			}
			if target.recv == nil {
				lhs = &identRef{line: target.line, name: target.name}
			}
		default:
			p.fail("cannot assign to this expression")
		}
		p.next()
		p.skipNL()
		if id, ok := lhs.(*identRef); ok {
			defer p.declare(id.name) // declared after the right-hand side, as in Ruby
		}
		rhs := p.parseAssign()
		if p.isOp(",") {
			p.fail("multiple values on the right of an assignment")
		}
		return &assignExpr{line: t.line, target: lhs, op: t.text, value: rhs}
	}
	if t.kind == tOp && t.text == "," && p.noDo == 0 {
		if _, ok := lhs.(*identRef); ok {
			p.fail("multiple assignment")
		}
	}
	return lhs
}

func (p *parser) parseTernary() expr {
	p.enter()
	defer p.leave()
	c := p.parseRange()
	if p.isOp("?") {
		t := p.next()
		p.skipNL()
		var yes expr
		if lt := p.tok(); lt.kind == tLabel {
			// "a ? b :c" lexed "b:" as a label
			p.next()
			yes = p.identOrCall(token{kind: tIdent, text: lt.text, line: lt.line})
		} else {
			yes = p.parseTernary()
			p.skipNL()
			p.expectOp(":")
		}
		p.skipNL()
		no := p.parseTernary()
		return &ternaryExpr{line: t.line, cond: c, yes: yes, no: no}
	}
	return c
}

func (p *parser) parseRange() expr {
	l := p.parseBinary(0)
	if p.isOp("..") || p.isOp("...") {
		t := p.next()
		r := p.parseBinary(0)
		return &rangeExpr{line: t.line, lo: l, hi: r, excl: t.text == "..."}
	}
	return l
}

var binPrec = map[string]int{
	"||":  1,
	"&&":  2,
	"<=>": 3, "==": 3, "===": 3, "!=": 3, "=~": 3, "!~": 3,
	"<": 4, "<=": 4, ">": 4, ">=": 4,
	"|": 5, "^": 5,
	"&":  6,
	"<<": 7, ">>": 7,
	"+": 8, "-": 8,
	"*": 9, "/": 9, "%": 9,
	"**": 11,
}

func (p *parser) parseBinary(min int) expr {
	p.enter()
	defer p.leave()
	l := p.parseUnary()
	for {
		t := p.tok()
		if t.kind != tOp {
			return l
		}
		prec, ok := binPrec[t.text]
		if !ok || prec <= min {
			return l
		}
		p.next()
		p.skipNL()
		next := prec
		if t.text == "**" {
			next = prec - 1 // right associative
		}
		r := p.parseBinary(next)
		l = &binaryExpr{line: t.line, op: t.text, l: l, r: r}
	}
}

func (p *parser) parseUnary() expr {
	p.enter()
	defer p.leave()
	t := p.tok()
	if t.kind == tOp {
		switch t.text {
		case "!":
			p.next()
			return &unaryExpr{line: t.line, op: "!", x: p.parseUnary()}
		case "-":
			p.next()
			x := p.parseUnary()
			switch n := x.(type) {
			case *intLit:
				return &intLit{line: n.line, val: -n.val, text: "-" + n.text}
			case *floatLit:
				return &floatLit{line: n.line, text: "-" + n.text}
			}
			return &unaryExpr{line: t.line, op: "-", x: x}
		case "+", "~":
			p.next()
			return &unaryExpr{line: t.line, op: t.text, x: p.parseUnary()}
		case "&", "*", "**":
			p.fail("splat or block argument %q", t.text)
		}
	}
	if t.kind == tIdent && t.text == "defined?" {
		p.next()
		p.parsePostfix(p.parsePrimary())
		return &opaqueExpr{line: t.line, what: "defined?"}
	}
	return p.parsePostfix(p.parsePrimary())
}

// canStartArg reports whether t, after a method name, starts a command
// argument ("owner 'root'", "mode 0644", "action [:a, :b]").
func canStartArg(t token) bool {
	if !t.space {
		return false
	}
	switch t.kind {
	case tInt, tFloat, tString, tXString, tSymbol, tDSymbol, tLabel, tRegex, tWords, tIVar, tGVar, tConst:
		return true
	case tIdent:
		switch t.text {
		case "do", "end", "if", "unless", "while", "until", "and", "or", "then", "rescue", "else", "elsif", "when", "in", "ensure":
			return false
		}
		return true
	case tOp:
		switch t.text {
		case "[", "(", "->", "::":
			return true
		case "-", "*", "&", "!", ":", "**":
			return !t.spAft
		}
	}
	return false
}

func (p *parser) parsePrimary() expr {
	p.enter()
	defer p.leave()
	t := p.tok()
	switch t.kind {
	case tError:
		p.fail("%s", t.text)
	case tInt:
		p.next()
		v, ok := parseRubyInt(t.text)
		if !ok {
			p.fail("bad integer %s", t.text)
		}
		return &intLit{line: t.line, val: v, text: t.text}
	case tFloat:
		p.next()
		return &floatLit{line: t.line, text: strings.ReplaceAll(t.text, "_", "")}
	case tString:
		p.next()
		s := &strLit{line: t.line, parts: p.convertParts(t.parts)}
		// adjacent literals concatenate: "a" "b"
		for p.tok().kind == tString {
			n := p.next()
			s.parts = append(s.parts, p.convertParts(n.parts)...)
		}
		return s
	case tXString:
		p.next()
		return &xstrExpr{line: t.line, parts: p.convertParts(t.parts)}
	case tRegex:
		p.next()
		return &regexExpr{line: t.line}
	case tSymbol:
		p.next()
		return &symLit{line: t.line, name: t.text}
	case tDSymbol:
		p.next()
		parts := p.convertParts(t.parts)
		if len(parts) == 1 && !parts[0].isCode {
			return &symLit{line: t.line, name: parts[0].lit}
		}
		return &strLit{line: t.line, parts: parts}
	case tWords:
		p.next()
		a := &arrayLit{line: t.line, words: !t.sym}
		for _, w := range t.words {
			if t.sym {
				a.elems = append(a.elems, &symLit{line: t.line, name: w})
			} else {
				a.elems = append(a.elems, &strLit{line: t.line, parts: []strElem{{lit: w}}})
			}
		}
		return a
	case tIVar:
		p.next()
		return &ivarRef{line: t.line, name: t.text}
	case tGVar:
		p.next()
		return &opaqueExpr{line: t.line, what: "the global variable " + t.text}
	case tLabel:
		p.fail("unexpected label %s:", t.text)
	case tConst:
		p.next()
		return p.constOrCall(t, t.text)
	case tOp:
		switch t.text {
		case "(":
			p.next()
			p.skipNL()
			if p.isOp(")") {
				p.next()
				return &nilLit{line: t.line}
			}
			saved := p.noDo
			p.noDo = 0
			x := p.parseStatementInParens()
			p.noDo = saved
			p.skipNL()
			p.expectOp(")")
			return x
		case "[":
			p.next()
			elems, _ := p.parseList("]")
			return &arrayLit{line: t.line, elems: elems}
		case "{":
			p.next()
			return p.parseHash(t.line)
		case "::":
			p.next()
			c := p.tok()
			if c.kind != tConst {
				p.fail("expected a constant after ::")
			}
			p.next()
			return p.constOrCall(c, "::"+c.text)
		case "->":
			p.next()
			if p.isOp("(") {
				p.next()
				p.parseParamNames(")")
			}
			b := p.parseBlock()
			if b == nil {
				p.fail("expected a lambda body")
			}
			return &callExpr{line: t.line, name: "lambda", block: b}
		}
	case tIdent:
		return p.parseKeywordOrIdent()
	}
	p.fail("unexpected %s", describe(t))
	return nil
}

// parseStatementInParens reads "(a; b)" — only a single statement is kept.
func (p *parser) parseStatementInParens() expr {
	x := p.parseExprStmt()
	for p.tok().kind == tNL && p.tok().text == ";" {
		p.fail("several statements in parentheses")
	}
	return x
}

func (p *parser) constOrCall(t token, path string) expr {
	for p.isOp("::") && p.peek(1).kind == tConst && !p.peek(1).space {
		p.next()
		path += "::" + p.next().text
	}
	if p.isOp("(") && !p.tok().space {
		// Integer("3"), Array(x)
		p.next()
		args := p.parseCallArgs(")")
		return &callExpr{line: t.line, name: path, args: args, parens: true}
	}
	return &constRef{line: t.line, path: path}
}

func (p *parser) convertParts(parts []strPart) []strElem {
	out := make([]strElem, 0, len(parts))
	for _, sp := range parts {
		if !sp.isCode {
			out = append(out, strElem{lit: sp.lit})
			continue
		}
		toks, _ := lexRuby(sp.code, sp.line)
		sub := &parser{toks: toks, scopes: p.scopes, depth: p.depth}
		sub.skipNL()
		var x expr = &nilLit{line: sp.line}
		if sub.tok().kind != tEOF {
			x = sub.parseExprStmt()
			sub.skipNL()
			if sub.tok().kind != tEOF {
				p.fail("unsupported code in string interpolation")
			}
		}
		out = append(out, strElem{x: x, isCode: true})
	}
	return out
}

// parseList reads comma separated expressions up to closer; pairs "k => v"
// or "k: v" are gathered into a trailing hash.
func (p *parser) parseList(closer string) ([]expr, bool) {
	var out []expr
	var h *hashLit
	saved := p.noDo
	p.noDo = 0
	defer func() { p.noDo = saved }()
	for {
		p.skipNL()
		if p.isOp(closer) {
			p.next()
			return out, h != nil
		}
		if lt := p.tok(); lt.kind == tLabel {
			p.next()
			p.skipNL()
			if h == nil {
				h = &hashLit{line: lt.line}
				out = append(out, h)
			}
			h.keys = append(h.keys, &symLit{line: lt.line, name: lt.text})
			h.vals = append(h.vals, p.parseArg())
		} else {
			x := p.parseArg()
			if p.isOp("=>") {
				p.next()
				p.skipNL()
				if h == nil {
					h = &hashLit{line: x.exprLine()}
					out = append(out, h)
				}
				h.keys = append(h.keys, x)
				h.vals = append(h.vals, p.parseArg())
			} else {
				if h != nil {
					p.fail("positional argument after a hash argument")
				}
				out = append(out, x)
			}
		}
		p.skipNL()
		if p.isOp(",") {
			p.next()
			continue
		}
		p.skipNL()
		if !p.isOp(closer) {
			p.fail("expected %q or \",\", found %s", closer, describe(p.tok()))
		}
	}
}

func (p *parser) parseArg() expr {
	p.enter()
	defer p.leave()
	if t := p.tok(); t.kind == tOp && (t.text == "*" || t.text == "**" || t.text == "&") {
		p.fail("splat or block argument %q", t.text)
	}
	if p.isKw("not") {
		return p.parseNot()
	}
	return p.parseAssign()
}

func (p *parser) parseHash(line int) expr {
	h := &hashLit{line: line, braces: true}
	saved := p.noDo
	p.noDo = 0
	defer func() { p.noDo = saved }()
	for {
		p.skipNL()
		if p.isOp("}") {
			p.next()
			return h
		}
		if lt := p.tok(); lt.kind == tLabel {
			p.next()
			h.keys = append(h.keys, &symLit{line: lt.line, name: lt.text})
		} else if lt.kind == tString && p.peek(1).kind == tOp && p.peek(1).text == ":" && !p.peek(1).space {
			// "key": value
			p.next()
			p.next()
			h.keys = append(h.keys, &strLit{line: lt.line, parts: p.convertParts(lt.parts)})
		} else {
			h.keys = append(h.keys, p.parseArg())
			p.skipNL()
			p.expectOp("=>")
		}
		p.skipNL()
		h.vals = append(h.vals, p.parseArg())
		p.skipNL()
		if p.isOp(",") {
			p.next()
			continue
		}
		p.skipNL()
		if !p.isOp("}") {
			p.fail("expected \"}\" or \",\" in hash, found %s", describe(p.tok()))
		}
	}
}

// parseCallArgs reads "(a, b, k => v)" after the opening parenthesis.
func (p *parser) parseCallArgs(closer string) []expr {
	args, _ := p.parseList(closer)
	return args
}

// parseCommandArgs reads arguments without parentheses, up to the end of
// the line, a "do", or a modifier keyword.
func (p *parser) parseCommandArgs() []expr {
	var out []expr
	var h *hashLit
	p.noDo++
	defer func() { p.noDo-- }()
	for {
		if lt := p.tok(); lt.kind == tLabel {
			p.next()
			p.skipNL()
			if h == nil {
				h = &hashLit{line: lt.line}
				out = append(out, h)
			}
			h.keys = append(h.keys, &symLit{line: lt.line, name: lt.text})
			h.vals = append(h.vals, p.parseArg())
		} else {
			x := p.parseArg()
			if p.isOp("=>") {
				p.next()
				p.skipNL()
				if h == nil {
					h = &hashLit{line: x.exprLine()}
					out = append(out, h)
				}
				h.keys = append(h.keys, x)
				h.vals = append(h.vals, p.parseArg())
			} else {
				if h != nil {
					p.fail("positional argument after a hash argument")
				}
				out = append(out, x)
			}
		}
		if p.isOp(",") {
			p.next()
			p.skipNL()
			continue
		}
		return out
	}
}

func (p *parser) parseKeywordOrIdent() expr {
	t := p.tok()
	switch t.text {
	case "nil":
		p.next()
		return &nilLit{line: t.line}
	case "true", "false":
		p.next()
		return &boolLit{line: t.line, val: t.text == "true"}
	case "self":
		p.next()
		return &selfLit{line: t.line}
	case "if", "unless":
		return p.parseIf()
	case "case":
		return p.parseCase()
	case "for":
		return p.parseFor()
	case "while", "until":
		p.next()
		p.noDo++
		p.parseExprStmt()
		p.noDo--
		if p.isKw("do") {
			p.next()
		}
		p.parseStmts([]string{"end"})
		p.expectKw("end")
		return &opaqueExpr{line: t.line, what: "a " + t.text + " loop"}
	case "def":
		p.next()
		for p.tok().kind != tNL && p.tok().kind != tEOF {
			if p.isOp("=") { // endless def
				p.skipStatement(false)
				return &opaqueExpr{line: t.line, what: "a method definition"}
			}
			if p.isOp("(") {
				p.next()
				depth := 1
				for depth > 0 && p.tok().kind != tEOF {
					if p.isOp("(") {
						depth++
					} else if p.isOp(")") {
						depth--
					}
					p.next()
				}
				continue
			}
			p.next()
		}
		p.pushScope()
		p.parseBodyWithRescue()
		p.popScope()
		p.expectKw("end")
		return &opaqueExpr{line: t.line, what: "a method definition"}
	case "class", "module":
		p.next()
		for p.tok().kind != tNL && p.tok().kind != tEOF {
			p.next()
		}
		p.pushScope()
		p.parseStmts([]string{"end"})
		p.popScope()
		p.expectKw("end")
		return &opaqueExpr{line: t.line, what: "a " + t.text + " definition"}
	case "begin":
		p.next()
		p.parseBodyWithRescue()
		p.expectKw("end")
		return &opaqueExpr{line: t.line, what: "begin/rescue"}
	case "return", "next", "break":
		p.next()
		j := &jumpExpr{line: t.line, kind: t.text}
		if nt := p.tok(); nt.kind != tNL && nt.kind != tEOF && !(nt.kind == tIdent && (nt.text == "if" || nt.text == "unless" || nt.text == "end")) && !(nt.kind == tOp && nt.text == "}") {
			j.val = p.parseExprStmt()
		}
		return j
	case "yield", "super", "redo", "retry", "alias", "undef", "__FILE__", "__LINE__", "__dir__", "BEGIN", "END":
		p.next()
		if p.isOp("(") && !p.tok().space {
			p.next()
			p.parseCallArgs(")")
		} else if canStartArg(p.tok()) {
			p.parseCommandArgs()
		}
		return &opaqueExpr{line: t.line, what: t.text}
	case "then", "do", "end", "else", "elsif", "when", "in", "ensure", "rescue", "and", "or", "not":
		p.fail("unexpected keyword %q", t.text)
	}
	p.next()
	return p.identOrCall(t)
}

func (p *parser) parseBodyWithRescue() {
	p.parseStmts([]string{"end", "rescue", "ensure", "else"})
	for p.isKw("rescue") || p.isKw("ensure") || p.isKw("else") {
		p.next()
		for p.tok().kind != tNL && p.tok().kind != tEOF && !p.isKw("then") {
			p.next()
		}
		if p.isKw("then") {
			p.next()
		}
		p.parseStmts([]string{"end", "rescue", "ensure", "else"})
	}
}

// identOrCall reads what follows a name: a local variable, or a method call
// with parenthesised or command arguments and an optional block.
func (p *parser) identOrCall(t token) expr {
	name := t.text
	if p.isLocal(name) && !(p.isOp("(") && !p.tok().space) && !localCommand(p.tok()) {
		return &identRef{line: t.line, name: name}
	}
	c := &callExpr{line: t.line, name: name}
	switch {
	case p.isOp("(") && !p.tok().space:
		p.next()
		c.args = p.parseCallArgs(")")
		c.parens = true
	case canStartArg(p.tok()) && !(p.tok().kind == tOp && p.tok().text == "[" && !p.tok().space):
		c.args = p.parseCommandArgs()
	}
	p.attachBlock(c)
	return c
}

// localCommand reports whether a local variable's name followed by t is
// still a method call, as Ruby reads "uid uid" or "owner 'root'".
func localCommand(t token) bool {
	if !canStartArg(t) {
		return false
	}
	switch t.kind {
	case tIdent, tString, tInt, tFloat, tSymbol, tDSymbol, tIVar, tConst, tWords, tXString:
		return true
	}
	return false
}

func (p *parser) attachBlock(c *callExpr) {
	if p.isOp("{") {
		c.block = p.parseBlock()
	} else if p.isKw("do") && p.noDo == 0 {
		c.block = p.parseBlock()
	}
}

// parseBlock reads "do |a, b| ... end" or "{ |a| ... }".
func (p *parser) parseBlock() *blockExpr {
	t := p.tok()
	b := &blockExpr{line: t.line}
	var closer string
	switch {
	case t.kind == tOp && t.text == "{":
		b.brace = true
		closer = "}"
	case t.kind == tIdent && t.text == "do":
		closer = "end"
	default:
		return nil
	}
	p.next()
	saved := p.noDo
	p.noDo = 0
	defer func() { p.noDo = saved }()
	p.skipNL()
	if p.isOp("||") {
		p.next()
	} else if p.isOp("|") {
		p.next()
		b.params = p.parseParamNames("|")
	}
	p.pushScope(b.params...)
	b.body = p.parseStmts([]string{closer})
	p.popScope()
	end := p.tok()
	if closer == "}" {
		p.expectOp("}")
	} else {
		p.expectKw("end")
	}
	b.endLine = end.line
	return b
}

func (p *parser) parseParamNames(closer string) []string {
	var names []string
	for {
		t := p.tok()
		switch {
		case t.kind == tIdent && !isKeyword(t.text):
			p.next()
			names = append(names, t.text)
		case t.kind == tOp && t.text == closer:
			p.next()
			return names
		case t.kind == tOp && t.text == "(":
			p.fail("destructuring block parameters")
		default:
			p.fail("unsupported block parameter %s", describe(t))
		}
		if p.isOp("=") {
			p.fail("default values for block parameters")
		}
		if p.isOp(",") {
			p.next()
		}
	}
}

func (p *parser) parsePostfix(x expr) expr {
	for {
		t := p.tok()
		// a line starting with ".meth" continues the previous expression
		if t.kind == tNL && t.text == "\n" {
			n := 1
			for p.peek(n).kind == tNL && p.peek(n).text == "\n" {
				n++
			}
			if nt := p.peek(n); nt.kind == tOp && (nt.text == "." || nt.text == "&.") {
				for i := 0; i < n; i++ {
					p.next()
				}
				continue
			}
			return x
		}
		switch {
		case t.kind == tOp && (t.text == "." || t.text == "&."):
			p.next()
			p.skipNL()
			m := p.tok()
			if m.kind != tIdent && m.kind != tConst && m.kind != tLabel {
				if m.kind == tOp && m.text == "(" { // x.() == x.call()
					m = token{kind: tIdent, text: "call", line: m.line}
				} else {
					p.fail("expected a method name after %q", t.text)
				}
			} else {
				p.next()
			}
			name := m.text
			if m.kind == tLabel { // "a ? b.c :d" — rare; treat "c:" as "c :"
				p.fail("unsupported label after %q", t.text)
			}
			c := &callExpr{line: m.line, recv: x, name: name, safe: t.text == "&."}
			switch {
			case p.isOp("(") && !p.tok().space:
				p.next()
				c.args = p.parseCallArgs(")")
				c.parens = true
			case canStartArg(p.tok()) && !(p.tok().kind == tOp && p.tok().text == "[") && !(p.tok().kind == tOp && p.tok().text == "::"):
				c.args = p.parseCommandArgs()
			}
			p.attachBlock(c)
			x = c
		case t.kind == tOp && t.text == "::":
			p.next()
			m := p.next()
			if m.kind == tConst {
				if cr, ok := x.(*constRef); ok && !(p.isOp("(") && !p.tok().space) {
					x = &constRef{line: cr.line, path: cr.path + "::" + m.text}
					continue
				}
			}
			if m.kind != tIdent && m.kind != tConst {
				p.fail("expected a name after ::")
			}
			c := &callExpr{line: m.line, recv: x, name: m.text}
			if p.isOp("(") && !p.tok().space {
				p.next()
				c.args = p.parseCallArgs(")")
				c.parens = true
			}
			p.attachBlock(c)
			x = c
		case t.kind == tOp && t.text == "[" && !t.space:
			p.next()
			args := p.parseCallArgs("]")
			x = &indexExpr{line: t.line, recv: x, args: args}
		default:
			return x
		}
	}
}

func (p *parser) parseIf() expr {
	t := p.next()
	e := &ifExpr{line: t.line, unless: t.text == "unless"}
	for {
		p.noDo++
		cond := p.parseExprStmt()
		p.noDo--
		if p.isKw("then") {
			p.next()
		}
		body := p.parseStmts([]string{"elsif", "else", "end"})
		e.conds = append(e.conds, cond)
		e.bodies = append(e.bodies, body)
		if p.isKw("elsif") && !e.unless {
			p.next()
			continue
		}
		break
	}
	if p.isKw("else") {
		p.next()
		e.hasElse = true
		e.els = p.parseStmts([]string{"end"})
	}
	p.expectKw("end")
	return e
}

func (p *parser) parseCase() expr {
	t := p.next()
	e := &caseExpr{line: t.line}
	if p.tok().kind != tNL {
		e.subject = p.parseExprStmt()
	}
	p.skipNL()
	if p.isKw("in") {
		p.fail("pattern matching (case/in)")
	}
	for p.isKw("when") {
		p.next()
		var vals []expr
		for {
			vals = append(vals, p.parseArg())
			if p.isOp(",") {
				p.next()
				p.skipNL()
				continue
			}
			break
		}
		if p.isKw("then") {
			p.next()
		}
		e.whens = append(e.whens, vals)
		e.bodies = append(e.bodies, p.parseStmts([]string{"when", "else", "end"}))
	}
	if p.isKw("else") {
		p.next()
		e.hasElse = true
		e.els = p.parseStmts([]string{"end"})
	}
	p.expectKw("end")
	return e
}

func (p *parser) parseFor() expr {
	t := p.next()
	var vars []string
	for {
		v := p.tok()
		if v.kind != tIdent || isKeyword(v.text) {
			p.fail("expected a loop variable")
		}
		p.next()
		vars = append(vars, v.text)
		p.declare(v.text)
		if p.isOp(",") {
			p.next()
			continue
		}
		break
	}
	p.expectKw("in")
	p.noDo++
	iter := p.parseExprStmt()
	p.noDo--
	if p.isKw("do") {
		p.next()
	}
	body := p.parseStmts([]string{"end"})
	p.expectKw("end")
	return &forExpr{line: t.line, vars: vars, iter: iter, body: body}
}
