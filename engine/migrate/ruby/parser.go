package ruby

import (
	"fmt"
	"slices"
	"strings"
)

// Expr is a node of the tree: one of the *...Lit, *...Ref and *...Expr
// types below.
type Expr interface {
	// ExprLine is the line the expression starts on.
	ExprLine() int
}

type (
	StrLit struct {
		Line  int
		Parts []StrElem
	}
	StrElem struct {
		Lit    string
		X      Expr // interpolated expression, when isCode
		IsCode bool
	}
	SymLit struct {
		Line int
		Name string
	}
	IntLit struct {
		Line int
		Val  int64
		Text string
	}
	FloatLit struct {
		Line int
		Text string
	}
	NilLit  struct{ Line int }
	BoolLit struct {
		Line int
		Val  bool
	}
	SelfLit  struct{ Line int }
	ArrayLit struct {
		Line  int
		Elems []Expr
		Words bool // from %w: every element is a plain string
	}
	HashLit struct {
		Line   int
		Keys   []Expr
		Vals   []Expr
		Braces bool
	}
	IdentRef struct { // a local variable or block parameter
		Line int
		Name string
	}
	IVarRef struct {
		Line int
		Name string
	}
	ConstRef struct { // File, ::File, Chef::Log
		Line int
		Path string
	}
	CallExpr struct { // recv.name(args) { block }; recv nil for a call on self
		Line   int
		Recv   Expr
		Name   string
		Args   []Expr
		Block  *BlockExpr
		Parens bool
		Safe   bool // &.
	}
	BlockExpr struct {
		Line, EndLine int
		Params        []string
		// Groups are the parameters written as a destructuring group,
		// by index: |(k, v), i| has Params ["k_v", "i"] and Groups
		// {0: ["k", "v"]}. Body then starts with one assignment per
		// group (k, v = k_v), so that a reader knowing nothing of
		// groups still gets Ruby's meaning; Unpacked is the body
		// without them.
		Groups map[int][]string
		Body   []*Stmt
		Brace  bool
	}
	IndexExpr struct {
		Line int
		Recv Expr
		Args []Expr
	}
	BinaryExpr struct {
		Line int
		Op   string
		L, R Expr
	}
	UnaryExpr struct {
		Line int
		Op   string
		X    Expr
	}
	TernaryExpr struct {
		Line          int
		Cond, Yes, No Expr
	}
	RangeExpr struct {
		Line   int
		Lo, Hi Expr
		Excl   bool
	}
	XStrExpr struct {
		Line  int
		Parts []StrElem
	}
	// RegexExpr is /re/flags or %r{re}flags: Parts hold the body as
	// written (escapes kept), with its interpolations.
	RegexExpr struct {
		Line  int
		Parts []StrElem
		Flags string
	}
	IfExpr struct {
		Line     int
		Conds    []Expr
		Bodies   [][]*Stmt
		Else     []*Stmt
		HasElse  bool
		Unless   bool
		Modifier bool
	}
	CaseExpr struct {
		Line    int
		Subject Expr // nil for "case" without a subject
		Whens   [][]Expr
		Bodies  [][]*Stmt
		Else    []*Stmt
		HasElse bool
	}
	ForExpr struct {
		Line int
		Vars []string
		Iter Expr
		Body []*Stmt
	}
	AssignExpr struct {
		Line   int
		Target Expr
		Op     string // "=", "+=", "||=", ...
		Value  Expr
	}
	JumpExpr struct { // return, next, break
		Line int
		Kind string
		Val  Expr
	}
	// opaqueExpr is a construct the reader recognises only to skip it:
	// def, class, begin/rescue, while, lambda literals, yield ...
	OpaqueExpr struct {
		Line int
		What string
		// Def is the method a "def" defines (What is "a method
		// definition"); nil for the other constructs.
		Def *DefExpr
		// Begin is the body and clauses of a begin ... end (What is
		// "begin/rescue"); nil for the other constructs.
		Begin *BeginBody
	}
	// BeginBody is what begin ... end holds: its statements and its
	// rescue, else and ensure clauses, in order.
	BeginBody struct {
		Body    []*Stmt
		Clauses []RescueClause
	}
	// RescueClause is one rescue, else or ensure clause of a begin or
	// def body.
	RescueClause struct {
		Line int
		Kind string // "rescue", "else" or "ensure"
		// Classes is what a rescue names, as written
		// ("Errno::ENOENT, IOError => e"); "" for a bare rescue
		Classes string
		Body    []*Stmt
	}
	// DefExpr is a method definition: its name, parameter names and
	// body (without what rescue/ensure clauses hold, see Rescue).
	DefExpr struct {
		Name   string
		Params []string
		// Keywords are its keyword parameters (name:), after Params;
		// KwDefault is set when one of them has a default, which the
		// reader does not keep
		Keywords  []string
		KwDefault bool
		Body      []*Stmt
		Rescue    bool // the body has rescue, ensure or else clauses
		Clauses   []RescueClause
		EndLine   int
	}
	// badExpr stands for a statement the reader could not parse.
	BadExpr struct {
		Line int
		Why  string
	}
)

// blockPass is &:name in an argument list, before attachBlock turns it
// into the call's block.
type blockPass struct {
	Line int
	Name string
}

// splatElem is *x, an element of an array literal, until the literal is
// read (arrayLit).
type splatElem struct {
	Line int
	X    Expr
}

func (s *splatElem) ExprLine() int { return s.Line }

// arrayLit is the array literal of elems: with a splat (*x), the same
// as Array(x) (nil is [], a hash its pairs, a list itself, anything else
// [x]) joined with the other elements by +.
func arrayLit(line int, elems []Expr) Expr {
	var out Expr
	var run []Expr
	add := func(x Expr) {
		if out == nil {
			out = x
		} else {
			out = &BinaryExpr{Line: line, Op: "+", L: out, R: x}
		}
	}
	splat := false
	for _, el := range elems {
		if s, ok := el.(*splatElem); ok {
			splat = true
			if len(run) > 0 {
				add(&ArrayLit{Line: line, Elems: run})
				run = nil
			}
			add(&CallExpr{Line: s.Line, Name: "Array", Args: []Expr{s.X}, Parens: true})
			continue
		}
		run = append(run, el)
	}
	if !splat {
		return &ArrayLit{Line: line, Elems: elems}
	}
	if len(run) > 0 {
		add(&ArrayLit{Line: line, Elems: run})
	}
	return out
}

func (e *blockPass) ExprLine() int { return e.Line }

func (e *StrLit) ExprLine() int      { return e.Line }
func (e *SymLit) ExprLine() int      { return e.Line }
func (e *IntLit) ExprLine() int      { return e.Line }
func (e *FloatLit) ExprLine() int    { return e.Line }
func (e *NilLit) ExprLine() int      { return e.Line }
func (e *BoolLit) ExprLine() int     { return e.Line }
func (e *SelfLit) ExprLine() int     { return e.Line }
func (e *ArrayLit) ExprLine() int    { return e.Line }
func (e *HashLit) ExprLine() int     { return e.Line }
func (e *IdentRef) ExprLine() int    { return e.Line }
func (e *IVarRef) ExprLine() int     { return e.Line }
func (e *ConstRef) ExprLine() int    { return e.Line }
func (e *CallExpr) ExprLine() int    { return e.Line }
func (e *BlockExpr) ExprLine() int   { return e.Line }
func (e *IndexExpr) ExprLine() int   { return e.Line }
func (e *BinaryExpr) ExprLine() int  { return e.Line }
func (e *UnaryExpr) ExprLine() int   { return e.Line }
func (e *TernaryExpr) ExprLine() int { return e.Line }
func (e *RangeExpr) ExprLine() int   { return e.Line }
func (e *XStrExpr) ExprLine() int    { return e.Line }
func (e *RegexExpr) ExprLine() int   { return e.Line }
func (e *IfExpr) ExprLine() int      { return e.Line }
func (e *CaseExpr) ExprLine() int    { return e.Line }
func (e *ForExpr) ExprLine() int     { return e.Line }
func (e *AssignExpr) ExprLine() int  { return e.Line }
func (e *JumpExpr) ExprLine() int    { return e.Line }
func (e *OpaqueExpr) ExprLine() int  { return e.Line }
func (e *BadExpr) ExprLine() int     { return e.Line }

// Stmt is one statement with the lines and byte offsets it spans.
type Stmt struct {
	X                Expr
	Line, EndLine    int
	StartOff, EndOff int
}

// SyntaxError aborts the statement being parsed; Parse recovers it and
// returns a BadExpr. Parser methods used on a fragment panic with it.
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Parser reads statements and expressions from a token slice.
type Parser struct {
	// args > 0 while reading an argument or element: "a, b" there is two
	// of them, not the left side of a multiple assignment
	args   int
	toks   []Token
	p      int
	scopes []map[string]bool
	NoDo   int // >0 while reading command arguments or a loop condition: "do" belongs to the outer call
	depth  int // nesting, to bound recursion on hostile input
	// splatAt is the args depth of the elements of the array literal
	// being read, where *x is an element (0 outside one)
	splatAt int
}

const maxDepth = 200

// NewParser returns a parser over toks (from Lex) that treats the names in
// locals as local variables, for reading a fragment of Ruby (an ERB tag) a
// piece at a time. Its Parse* methods panic with *SyntaxError on input they
// cannot read; a caller recovers it and reports the fragment.
func NewParser(toks []Token, locals map[string]bool) *Parser {
	return &Parser{toks: toks, scopes: []map[string]bool{locals}}
}

// Parse reads a whole file into statements, with its comments.
func Parse(src string) ([]*Stmt, []Comment) {
	toks, comments := Lex(src, 1)
	p := &Parser{toks: toks, scopes: []map[string]bool{{}}}
	stmts := p.parseStmts(nil)
	// whatever is left (a stray "end" or "}") is reported, not dropped
	for p.Tok().Kind != EOF {
		start := p.p
		p.skipStatement(true)
		if p.p == start {
			p.p++
		}
		stmts = append(stmts, p.badStmt(start, "unexpected "+describe(p.toks[start])))
	}
	return stmts, comments
}

func describe(t Token) string {
	switch t.Kind {
	case EOF:
		return "end of file"
	case NL:
		return "end of line"
	case ERROR:
		return t.Text
	case STRING:
		return "string"
	}
	return fmt.Sprintf("%q", t.Text)
}

// Tok is the current token.
func (p *Parser) Tok() Token { return p.toks[p.p] }
func (p *Parser) peek(n int) Token {
	if p.p+n < len(p.toks) {
		return p.toks[p.p+n]
	}
	return p.toks[len(p.toks)-1]
}

// Next returns the current token and moves past it.
func (p *Parser) Next() Token {
	t := p.toks[p.p]
	if p.p < len(p.toks)-1 {
		p.p++
	}
	return t
}

func (p *Parser) fail(format string, args ...any) {
	panic(&SyntaxError{Line: p.Tok().Line, Msg: fmt.Sprintf(format, args...)})
}

// IsOp reports whether the current token is the operator s.
func (p *Parser) IsOp(s string) bool {
	t := p.Tok()
	return t.Kind == OP && t.Text == s
}

// IsKw reports whether the current token is the keyword (or name) s.
func (p *Parser) IsKw(s string) bool {
	t := p.Tok()
	return t.Kind == IDENT && t.Text == s
}
func (p *Parser) expectOp(s string) Token {
	if !p.IsOp(s) {
		p.fail("expected %q, found %s", s, describe(p.Tok()))
	}
	return p.Next()
}
func (p *Parser) expectKw(s string) Token {
	if !p.IsKw(s) {
		p.fail("expected %q, found %s", s, describe(p.Tok()))
	}
	return p.Next()
}

// SkipNL moves past line ends and semicolons.
func (p *Parser) SkipNL() {
	for p.Tok().Kind == NL {
		p.Next()
	}
}

func (p *Parser) pushScope(names ...string) {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	p.scopes = append(p.scopes, m)
}
func (p *Parser) popScope() { p.scopes = p.scopes[:len(p.scopes)-1] }
func (p *Parser) isLocal(name string) bool {
	for i := len(p.scopes) - 1; i >= 0; i-- {
		if p.scopes[i][name] {
			return true
		}
	}
	return false
}
func (p *Parser) declare(name string) { p.scopes[len(p.scopes)-1][name] = true }

func (p *Parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		p.fail("nesting too deep")
	}
}
func (p *Parser) leave() { p.depth-- }

// isTerminator reports whether the current token ends a statement list.
func (p *Parser) isTerminator(terms []string) bool {
	t := p.Tok()
	if t.Kind == EOF {
		return true
	}
	for _, s := range terms {
		if (t.Kind == IDENT || t.Kind == OP) && t.Text == s {
			return true
		}
	}
	return false
}

// parseStmts reads statements until one of terms (keywords or "}").
func (p *Parser) parseStmts(terms []string) []*Stmt {
	var out []*Stmt
	for {
		p.SkipNL()
		if p.isTerminator(terms) {
			return out
		}
		if t := p.Tok(); (t.Kind == IDENT && (t.Text == "end" || t.Text == "else" || t.Text == "elsif" || t.Text == "when" || t.Text == "rescue" || t.Text == "ensure")) || (t.Kind == OP && t.Text == "}") {
			// a terminator of an outer construct that is not ours: stop, the
			// caller reports it
			return out
		}
		out = append(out, p.parseStmtRecover(terms))
	}
}

func (p *Parser) parseStmtRecover(terms []string) (s *Stmt) {
	start := p.p
	scopes := len(p.scopes)
	depth, noDo := p.depth, p.NoDo
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(*SyntaxError)
			if !ok {
				panic(r)
			}
			p.scopes = p.scopes[:scopes]
			p.depth, p.NoDo = depth, noDo
			p.p = start
			p.skipStatement(false)
			if p.p == start {
				p.Next()
			}
			s = p.badStmt(start, pe.Msg)
		}
	}()
	x := p.ParseStatement()
	return p.mkStmt(start, x)
}

func (p *Parser) mkStmt(start int, x Expr) *Stmt {
	last := p.p - 1
	if last < start {
		last = start
	}
	for last > start && p.toks[last].Kind == NL {
		last--
	}
	end := p.toks[last].EndLine
	if end < p.toks[start].Line {
		end = p.toks[start].Line
	}
	return &Stmt{X: x, Line: p.toks[start].Line, EndLine: end, StartOff: p.toks[start].Start, EndOff: p.toks[last].End}
}

func (p *Parser) badStmt(start int, why string) *Stmt {
	return p.mkStmt(start, &BadExpr{Line: p.toks[start].Line, Why: why})
}

// skipStatement moves past the current statement, balancing brackets and
// keyword blocks; with all it also consumes closers of outer constructs.
func (p *Parser) skipStatement(all bool) {
	depth := 0
	stmtStart := true
	for {
		t := p.Tok()
		if t.Kind == EOF {
			return
		}
		if t.Kind == NL && depth == 0 {
			return
		}
		if depth == 0 && !all && p.p > 0 {
			if (t.Kind == IDENT && (t.Text == "end" || t.Text == "else" || t.Text == "elsif" || t.Text == "when" || t.Text == "rescue" || t.Text == "ensure")) || (t.Kind == OP && t.Text == "}") {
				return
			}
		}
		switch {
		case t.Kind == OP && (t.Text == "(" || t.Text == "[" || t.Text == "{"):
			depth++
		case t.Kind == OP && (t.Text == ")" || t.Text == "]" || t.Text == "}"):
			if depth > 0 {
				depth--
			}
		case t.Kind == IDENT && (t.Text == "do" || t.Text == "case" || t.Text == "def" || t.Text == "begin" || t.Text == "class" || t.Text == "module" || t.Text == "for"):
			depth++
		case t.Kind == IDENT && (t.Text == "if" || t.Text == "unless" || t.Text == "while" || t.Text == "until") && stmtStart:
			depth++
		case t.Kind == IDENT && t.Text == "end":
			if depth > 0 {
				depth--
			}
		}
		stmtStart = t.Kind == NL || (t.Kind == OP && (t.Text == "=" || t.Text == "(" || t.Text == "[" || t.Text == "," || t.Text == "||=" || t.Text == "{")) || (t.Kind == IDENT && (t.Text == "then" || t.Text == "else" || t.Text == "do" || t.Text == "return"))
		p.Next()
		all = false
	}
}

// ParseStatement reads one statement, modifiers (x if c) included.
func (p *Parser) ParseStatement() Expr {
	x := p.ParseExprStmt()
	for {
		t := p.Tok()
		if t.Kind != IDENT {
			break
		}
		switch t.Text {
		case "if", "unless":
			p.Next()
			cond := p.ParseExprStmt()
			x = &IfExpr{Line: t.Line, Conds: []Expr{cond}, Bodies: [][]*Stmt{{{X: x, Line: x.ExprLine(), EndLine: x.ExprLine()}}}, Unless: t.Text == "unless", Modifier: true}
			continue
		case "while", "until":
			p.Next()
			p.ParseExprStmt()
			x = &OpaqueExpr{Line: t.Line, What: "a " + t.Text + " loop"}
			continue
		case "rescue":
			p.Next()
			p.ParseExprStmt()
			x = &OpaqueExpr{Line: t.Line, What: "a rescue modifier"}
			continue
		}
		break
	}
	if t := p.Tok(); t.Kind != NL && t.Kind != EOF && !(t.Kind == OP && t.Text == "}") && !(t.Kind == IDENT && (t.Text == "end" || t.Text == "else" || t.Text == "elsif" || t.Text == "when" || t.Text == "then" || t.Text == "rescue" || t.Text == "ensure")) {
		p.fail("unexpected %s", describe(t))
	}
	return x
}

// ParseExprStmt reads an expression statement: an assignment, a command
// call or an operator expression, without if/unless modifiers.
func (p *Parser) ParseExprStmt() Expr {
	p.enter()
	defer p.leave()
	l := p.parseNot()
	for p.IsKw("and") || p.IsKw("or") {
		t := p.Next()
		p.SkipNL()
		r := p.parseNot()
		op := "&&"
		if t.Text == "or" {
			op = "||"
		}
		l = &BinaryExpr{Line: t.Line, Op: op, L: l, R: r}
	}
	return l
}

func (p *Parser) parseNot() Expr {
	if p.IsKw("not") {
		t := p.Next()
		return &UnaryExpr{Line: t.Line, Op: "!", X: p.parseNot()}
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

// multiAssign reads "a, b = x, y" (or "a, b = list"): Target is an
// ArrayLit of IdentRefs, Value an ArrayLit when there are several values.
// It returns nil, consuming nothing, when the statement is not one.
func (p *Parser) multiAssign() Expr {
	if p.NoDo > 0 {
		return nil
	}
	i := p.p
	var names []*IdentRef
	for {
		t := p.toks[i]
		if t.Kind != IDENT || IsKeyword(t.Text) || i+1 >= len(p.toks) {
			return nil
		}
		names = append(names, &IdentRef{Line: t.Line, Name: t.Text})
		n := p.toks[i+1]
		if n.Kind == OP && n.Text == "," {
			i += 2
			continue
		}
		if n.Kind == OP && n.Text == "=" && len(names) > 1 {
			p.p = i + 2
			break
		}
		return nil
	}
	line := p.toks[p.p-1].Line
	p.SkipNL()
	var vals []Expr
	for {
		vals = append(vals, p.parseTernary())
		if !p.IsOp(",") {
			break
		}
		p.Next()
		p.SkipNL()
	}
	targets := make([]Expr, len(names))
	for j, n := range names {
		targets[j] = n
		p.declare(n.Name)
	}
	var value Expr = &ArrayLit{Line: line, Elems: vals}
	if len(vals) == 1 {
		value = vals[0]
	}
	return &AssignExpr{Line: line, Target: &ArrayLit{Line: names[0].Line, Elems: targets}, Op: "=", Value: value}
}

func (p *Parser) parseAssign() Expr {
	p.enter()
	defer p.leave()
	if m := p.multiAssign(); m != nil {
		return m
	}
	lhs := p.parseTernary()
	t := p.Tok()
	if t.Kind == OP && isAssignOp(t.Text) {
		switch target := lhs.(type) {
		case *IdentRef, *IndexExpr, *IVarRef, *ConstRef:
		case *CallExpr:
			if len(target.Args) > 0 || target.Block != nil || target.Parens {
				p.fail("cannot assign to a method call")
			}
			if target.Recv == nil {
				lhs = &IdentRef{Line: target.Line, Name: target.Name}
			}
		default:
			p.fail("cannot assign to this expression")
		}
		p.Next()
		p.SkipNL()
		if id, ok := lhs.(*IdentRef); ok {
			defer p.declare(id.Name) // declared after the right-hand side, as in Ruby
		}
		rhs := p.parseAssign()
		if p.IsOp(",") {
			p.fail("multiple values on the right of an assignment")
		}
		return &AssignExpr{Line: t.Line, Target: lhs, Op: t.Text, Value: rhs}
	}
	if t.Kind == OP && t.Text == "," && p.NoDo == 0 && p.args == 0 {
		if _, ok := lhs.(*IdentRef); ok {
			p.fail("multiple assignment")
		}
	}
	return lhs
}

func (p *Parser) parseTernary() Expr {
	p.enter()
	defer p.leave()
	c := p.parseRange()
	if p.IsOp("?") {
		t := p.Next()
		p.SkipNL()
		var yes Expr
		if lt := p.Tok(); lt.Kind == LABEL {
			// "a ? b :c" lexed "b:" as a label
			p.Next()
			yes = p.identOrCall(Token{Kind: IDENT, Text: lt.Text, Line: lt.Line})
		} else {
			yes = p.parseTernary()
			p.SkipNL()
			p.expectOp(":")
		}
		p.SkipNL()
		no := p.parseTernary()
		return &TernaryExpr{Line: t.Line, Cond: c, Yes: yes, No: no}
	}
	return c
}

func (p *Parser) parseRange() Expr {
	l := p.parseBinary(0)
	if p.IsOp("..") || p.IsOp("...") {
		t := p.Next()
		r := p.parseBinary(0)
		return &RangeExpr{Line: t.Line, Lo: l, Hi: r, Excl: t.Text == "..."}
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

func (p *Parser) parseBinary(min int) Expr {
	p.enter()
	defer p.leave()
	l := p.parseUnary()
	for {
		t := p.Tok()
		if t.Kind != OP {
			return l
		}
		prec, ok := binPrec[t.Text]
		if !ok || prec <= min {
			return l
		}
		p.Next()
		p.SkipNL()
		next := prec
		if t.Text == "**" {
			next = prec - 1 // right associative
		}
		r := p.parseBinary(next)
		l = &BinaryExpr{Line: t.Line, Op: t.Text, L: l, R: r}
	}
}

func (p *Parser) parseUnary() Expr {
	p.enter()
	defer p.leave()
	t := p.Tok()
	if t.Kind == OP {
		switch t.Text {
		case "!":
			p.Next()
			return &UnaryExpr{Line: t.Line, Op: "!", X: p.parseUnary()}
		case "-":
			p.Next()
			x := p.parseUnary()
			switch n := x.(type) {
			case *IntLit:
				return &IntLit{Line: n.Line, Val: -n.Val, Text: "-" + n.Text}
			case *FloatLit:
				return &FloatLit{Line: n.Line, Text: "-" + n.Text}
			}
			return &UnaryExpr{Line: t.Line, Op: "-", X: x}
		case "+", "~":
			p.Next()
			return &UnaryExpr{Line: t.Line, Op: t.Text, X: p.parseUnary()}
		case "&", "*", "**":
			p.fail("splat or block argument %q", t.Text)
		}
	}
	if t.Kind == IDENT && t.Text == "defined?" {
		p.Next()
		return &UnaryExpr{Line: t.Line, Op: "defined?", X: p.ParsePostfix(p.ParsePrimary())}
	}
	return p.ParsePostfix(p.ParsePrimary())
}

// canStartArg reports whether t, after a method name, starts a command
// argument ("owner 'root'", "mode 0644", "action [:a, :b]").
func canStartArg(t Token) bool {
	if !t.Space {
		return false
	}
	switch t.Kind {
	case INT, FLOAT, STRING, XSTRING, SYMBOL, DSYMBOL, LABEL, REGEX, WORDS, IVAR, GVAR, CONST:
		return true
	case IDENT:
		switch t.Text {
		case "do", "end", "if", "unless", "while", "until", "and", "or", "then", "rescue", "else", "elsif", "when", "in", "ensure":
			return false
		}
		return true
	case OP:
		switch t.Text {
		case "[", "(", "->", "::":
			return true
		case "-", "*", "&", "!", ":", "**":
			return !t.SpaceAfter
		}
	}
	return false
}

// ParsePrimary reads a literal, a name, a call or a parenthesised expression.
func (p *Parser) ParsePrimary() Expr {
	p.enter()
	defer p.leave()
	t := p.Tok()
	switch t.Kind {
	case ERROR:
		p.fail("%s", t.Text)
	case INT:
		p.Next()
		v, ok := parseInt(t.Text)
		if !ok {
			p.fail("bad integer %s", t.Text)
		}
		return &IntLit{Line: t.Line, Val: v, Text: t.Text}
	case FLOAT:
		p.Next()
		return &FloatLit{Line: t.Line, Text: strings.ReplaceAll(t.Text, "_", "")}
	case STRING:
		p.Next()
		s := &StrLit{Line: t.Line, Parts: p.convertParts(t.Parts)}
		// adjacent literals concatenate: "a" "b"
		for p.Tok().Kind == STRING {
			n := p.Next()
			s.Parts = append(s.Parts, p.convertParts(n.Parts)...)
		}
		return s
	case XSTRING:
		p.Next()
		return &XStrExpr{Line: t.Line, Parts: p.convertParts(t.Parts)}
	case REGEX:
		p.Next()
		return &RegexExpr{Line: t.Line, Parts: p.convertParts(t.Parts), Flags: t.Text}
	case SYMBOL:
		p.Next()
		return &SymLit{Line: t.Line, Name: t.Text}
	case DSYMBOL:
		p.Next()
		parts := p.convertParts(t.Parts)
		if len(parts) == 1 && !parts[0].IsCode {
			return &SymLit{Line: t.Line, Name: parts[0].Lit}
		}
		return &StrLit{Line: t.Line, Parts: parts}
	case WORDS:
		p.Next()
		a := &ArrayLit{Line: t.Line, Words: !t.Sym && t.WordParts == nil}
		for _, w := range t.WordParts {
			a.Elems = append(a.Elems, &StrLit{Line: t.Line, Parts: p.convertParts(w)})
		}
		for _, w := range t.Words {
			if t.Sym {
				a.Elems = append(a.Elems, &SymLit{Line: t.Line, Name: w})
			} else {
				a.Elems = append(a.Elems, &StrLit{Line: t.Line, Parts: []StrElem{{Lit: w}}})
			}
		}
		return a
	case IVAR:
		p.Next()
		return &IVarRef{Line: t.Line, Name: t.Text}
	case GVAR:
		p.Next()
		return &OpaqueExpr{Line: t.Line, What: "the global variable " + t.Text}
	case LABEL:
		p.fail("unexpected label %s:", t.Text)
	case CONST:
		p.Next()
		return p.constOrCall(t, t.Text)
	case OP:
		switch t.Text {
		case "(":
			p.Next()
			p.SkipNL()
			if p.IsOp(")") {
				p.Next()
				return &NilLit{Line: t.Line}
			}
			saved := p.NoDo
			p.NoDo = 0
			x := p.parseStatementInParens()
			p.NoDo = saved
			p.SkipNL()
			p.expectOp(")")
			return x
		case "[":
			p.Next()
			saved := p.splatAt
			p.splatAt = p.args + 1
			elems, _ := p.parseList("]")
			p.splatAt = saved
			return arrayLit(t.Line, elems)
		case "{":
			p.Next()
			return p.parseHash(t.Line)
		case "::":
			p.Next()
			c := p.Tok()
			if c.Kind != CONST {
				p.fail("expected a constant after ::")
			}
			p.Next()
			return p.constOrCall(c, "::"+c.Text)
		case "->":
			p.Next()
			var params []string
			if p.IsOp("(") {
				p.Next()
				params = p.parseParamNames(")")
			}
			b := p.parseBlockWith(params) // ->(v) { ... } is lambda { |v| ... }
			if b == nil {
				p.fail("expected a lambda body")
			}
			return &CallExpr{Line: t.Line, Name: "lambda", Block: b}
		}
	case IDENT:
		return p.parseKeywordOrIdent()
	}
	p.fail("unexpected %s", describe(t))
	return nil
}

// parseStatementInParens reads "(a; b)" — only a single statement is kept.
func (p *Parser) parseStatementInParens() Expr {
	x := p.ParseExprStmt()
	for p.Tok().Kind == NL && p.Tok().Text == ";" {
		p.fail("several statements in parentheses")
	}
	return x
}

func (p *Parser) constOrCall(t Token, path string) Expr {
	for p.IsOp("::") && p.peek(1).Kind == CONST && !p.peek(1).Space {
		p.Next()
		path += "::" + p.Next().Text
	}
	if p.IsOp("(") && !p.Tok().Space {
		// Integer("3"), Array(x)
		p.Next()
		args := p.parseCallArgs(")")
		return &CallExpr{Line: t.Line, Name: path, Args: args, Parens: true}
	}
	return &ConstRef{Line: t.Line, Path: path}
}

func (p *Parser) convertParts(parts []StrPart) []StrElem {
	out := make([]StrElem, 0, len(parts))
	for _, sp := range parts {
		if !sp.IsCode {
			out = append(out, StrElem{Lit: sp.Lit})
			continue
		}
		toks, _ := Lex(sp.Code, sp.Line)
		sub := &Parser{toks: toks, scopes: p.scopes, depth: p.depth}
		sub.SkipNL()
		var x Expr = &NilLit{Line: sp.Line}
		if sub.Tok().Kind != EOF {
			x = sub.ParseExprStmt()
			sub.SkipNL()
			if sub.Tok().Kind != EOF {
				p.fail("unsupported code in string interpolation")
			}
		}
		out = append(out, StrElem{X: x, IsCode: true})
	}
	return out
}

// parseList reads comma separated expressions up to closer; pairs "k => v"
// or "k: v" are gathered into a trailing hash.
func (p *Parser) parseList(closer string) ([]Expr, bool) {
	var out []Expr
	var h *HashLit
	saved := p.NoDo
	p.NoDo = 0
	defer func() { p.NoDo = saved }()
	for {
		p.SkipNL()
		if p.IsOp(closer) {
			p.Next()
			return out, h != nil
		}
		if lt := p.Tok(); lt.Kind == LABEL {
			p.Next()
			p.SkipNL()
			if h == nil {
				h = &HashLit{Line: lt.Line}
				out = append(out, h)
			}
			h.Keys = append(h.Keys, &SymLit{Line: lt.Line, Name: lt.Text})
			h.Vals = append(h.Vals, p.ParseArg())
		} else {
			x := p.ParseArg()
			if p.IsOp("=>") {
				p.Next()
				p.SkipNL()
				if h == nil {
					h = &HashLit{Line: x.ExprLine()}
					out = append(out, h)
				}
				h.Keys = append(h.Keys, x)
				h.Vals = append(h.Vals, p.ParseArg())
			} else {
				if h != nil {
					p.fail("positional argument after a hash argument")
				}
				out = append(out, x)
			}
		}
		p.SkipNL()
		if p.IsOp(",") {
			p.Next()
			continue
		}
		p.SkipNL()
		if !p.IsOp(closer) {
			p.fail("expected %q or \",\", found %s", closer, describe(p.Tok()))
		}
	}
}

// ParseArg reads one argument of a call.
func (p *Parser) ParseArg() Expr {
	p.enter()
	defer p.leave()
	p.args++
	defer func() { p.args-- }()
	if t := p.Tok(); t.Kind == OP && t.Text == "&" && p.peek(1).Kind == SYMBOL {
		// &:name, Symbol#to_proc: attachBlock makes it the block { |x| x.name }
		p.Next()
		s := p.Next()
		return &blockPass{Line: t.Line, Name: s.Text}
	}
	if t := p.Tok(); t.Kind == OP && t.Text == "*" && p.args == p.splatAt {
		// *x, an element of an array literal
		p.Next()
		return &splatElem{Line: t.Line, X: p.parseAssign()}
	}
	if t := p.Tok(); t.Kind == OP && (t.Text == "*" || t.Text == "**" || t.Text == "&") {
		p.fail("splat or block argument %q", t.Text)
	}
	if p.IsKw("not") {
		return p.parseNot()
	}
	return p.parseAssign()
}

func (p *Parser) parseHash(line int) Expr {
	h := &HashLit{Line: line, Braces: true}
	saved := p.NoDo
	p.NoDo = 0
	defer func() { p.NoDo = saved }()
	for {
		p.SkipNL()
		if p.IsOp("}") {
			p.Next()
			return h
		}
		if lt := p.Tok(); lt.Kind == LABEL {
			p.Next()
			h.Keys = append(h.Keys, &SymLit{Line: lt.Line, Name: lt.Text})
		} else if lt.Kind == STRING && p.peek(1).Kind == OP && p.peek(1).Text == ":" && !p.peek(1).Space {
			// "key": value
			p.Next()
			p.Next()
			h.Keys = append(h.Keys, &StrLit{Line: lt.Line, Parts: p.convertParts(lt.Parts)})
		} else {
			h.Keys = append(h.Keys, p.ParseArg())
			p.SkipNL()
			p.expectOp("=>")
		}
		p.SkipNL()
		h.Vals = append(h.Vals, p.ParseArg())
		p.SkipNL()
		if p.IsOp(",") {
			p.Next()
			continue
		}
		p.SkipNL()
		if !p.IsOp("}") {
			p.fail("expected \"}\" or \",\" in hash, found %s", describe(p.Tok()))
		}
	}
}

// parseCallArgs reads "(a, b, k => v)" after the opening parenthesis.
func (p *Parser) parseCallArgs(closer string) []Expr {
	args, _ := p.parseList(closer)
	return args
}

// parseCommandArgs reads arguments without parentheses, up to the end of
// the line, a "do", or a modifier keyword.
func (p *Parser) parseCommandArgs() []Expr {
	var out []Expr
	var h *HashLit
	p.NoDo++
	defer func() { p.NoDo-- }()
	for {
		if lt := p.Tok(); lt.Kind == LABEL {
			p.Next()
			p.SkipNL()
			if h == nil {
				h = &HashLit{Line: lt.Line}
				out = append(out, h)
			}
			h.Keys = append(h.Keys, &SymLit{Line: lt.Line, Name: lt.Text})
			h.Vals = append(h.Vals, p.ParseArg())
		} else {
			x := p.ParseArg()
			if p.IsOp("=>") {
				p.Next()
				p.SkipNL()
				if h == nil {
					h = &HashLit{Line: x.ExprLine()}
					out = append(out, h)
				}
				h.Keys = append(h.Keys, x)
				h.Vals = append(h.Vals, p.ParseArg())
			} else {
				if h != nil {
					p.fail("positional argument after a hash argument")
				}
				out = append(out, x)
			}
		}
		if p.IsOp(",") {
			p.Next()
			p.SkipNL()
			continue
		}
		return out
	}
}

func (p *Parser) parseKeywordOrIdent() Expr {
	t := p.Tok()
	switch t.Text {
	case "nil":
		p.Next()
		return &NilLit{Line: t.Line}
	case "true", "false":
		p.Next()
		return &BoolLit{Line: t.Line, Val: t.Text == "true"}
	case "self":
		p.Next()
		return &SelfLit{Line: t.Line}
	case "if", "unless":
		return p.parseIf()
	case "case":
		return p.parseCase()
	case "for":
		return p.parseFor()
	case "while", "until":
		p.Next()
		p.NoDo++
		p.ParseExprStmt()
		p.NoDo--
		if p.IsKw("do") {
			p.Next()
		}
		p.parseStmts([]string{"end"})
		p.expectKw("end")
		return &OpaqueExpr{Line: t.Line, What: "a " + t.Text + " loop"}
	case "def":
		p.Next()
		def := &DefExpr{}
		if nt := p.Tok(); nt.Kind == IDENT || nt.Kind == CONST {
			def.Name = nt.Text
		}
		first := true
		for p.Tok().Kind != NL && p.Tok().Kind != EOF {
			if p.IsOp("=") && !first { // endless def
				p.skipStatement(false)
				return &OpaqueExpr{Line: t.Line, What: "a method definition"}
			}
			first = false
			if p.IsOp("(") {
				p.Next()
				depth := 1
				expectName := true
				for depth > 0 && p.Tok().Kind != EOF {
					switch {
					case p.IsOp("("):
						depth++
					case p.IsOp(")"):
						depth--
					case p.IsOp(","):
						expectName = depth == 1
					case depth == 1 && expectName && p.Tok().Kind == IDENT:
						def.Params = append(def.Params, p.Tok().Text)
						expectName = false
					case depth == 1 && expectName && p.Tok().Kind == LABEL:
						def.Keywords = append(def.Keywords, p.Tok().Text)
						expectName = false
						if nx := p.peek(1); !(nx.Kind == OP && (nx.Text == "," || nx.Text == ")") || nx.Kind == NL) {
							def.KwDefault = true
						}
					default:
						expectName = false
					}
					p.Next()
				}
				continue
			}
			p.Next()
		}
		p.pushScope(append(append([]string(nil), def.Params...), def.Keywords...)...)
		def.Body, def.Clauses = p.parseBodyWithRescue()
		def.Rescue = len(def.Clauses) > 0
		p.popScope()
		def.EndLine = p.Tok().Line
		p.expectKw("end")
		return &OpaqueExpr{Line: t.Line, What: "a method definition", Def: def}
	case "class", "module":
		p.Next()
		for p.Tok().Kind != NL && p.Tok().Kind != EOF {
			p.Next()
		}
		p.pushScope()
		p.parseStmts([]string{"end"})
		p.popScope()
		p.expectKw("end")
		return &OpaqueExpr{Line: t.Line, What: "a " + t.Text + " definition"}
	case "begin":
		p.Next()
		b := &BeginBody{}
		b.Body, b.Clauses = p.parseBodyWithRescue()
		p.expectKw("end")
		return &OpaqueExpr{Line: t.Line, What: "begin/rescue", Begin: b}
	case "return", "next", "break":
		p.Next()
		j := &JumpExpr{Line: t.Line, Kind: t.Text}
		if nt := p.Tok(); nt.Kind != NL && nt.Kind != EOF && !(nt.Kind == IDENT && (nt.Text == "if" || nt.Text == "unless" || nt.Text == "end")) && !(nt.Kind == OP && nt.Text == "}") {
			j.Val = p.ParseExprStmt()
		}
		return j
	case "yield", "super", "redo", "retry", "alias", "undef", "__FILE__", "__LINE__", "__dir__", "BEGIN", "END":
		p.Next()
		if p.IsOp("(") && !p.Tok().Space {
			p.Next()
			p.parseCallArgs(")")
		} else if canStartArg(p.Tok()) {
			p.parseCommandArgs()
		}
		return &OpaqueExpr{Line: t.Line, What: t.Text}
	case "then", "do", "end", "else", "elsif", "when", "in", "ensure", "rescue", "and", "or", "not":
		p.fail("unexpected keyword %q", t.Text)
	}
	p.Next()
	return p.identOrCall(t)
}

// parseBodyWithRescue reads a body up to its end: the statements before
// any rescue, ensure or else clause, and the clauses.
func (p *Parser) parseBodyWithRescue() (body []*Stmt, clauses []RescueClause) {
	ends := []string{"end", "rescue", "ensure", "else"}
	body = p.parseStmts(ends)
	for p.IsKw("rescue") || p.IsKw("ensure") || p.IsKw("else") {
		c := RescueClause{Line: p.Tok().Line, Kind: p.Tok().Text}
		p.Next()
		var names strings.Builder
		for p.Tok().Kind != NL && p.Tok().Kind != EOF && !p.IsKw("then") {
			if names.Len() > 0 && p.Tok().Space {
				names.WriteByte(' ')
			}
			names.WriteString(p.Tok().Text)
			p.Next()
		}
		c.Classes = names.String()
		if p.IsKw("then") {
			p.Next()
		}
		c.Body = p.parseStmts(ends)
		clauses = append(clauses, c)
	}
	return body, clauses
}

// identOrCall reads what follows a name: a local variable, or a method call
// with parenthesised or command arguments and an optional block.
func (p *Parser) identOrCall(t Token) Expr {
	name := t.Text
	if p.isLocal(name) && !(p.IsOp("(") && !p.Tok().Space) && !localCommand(p.Tok()) {
		return &IdentRef{Line: t.Line, Name: name}
	}
	c := &CallExpr{Line: t.Line, Name: name}
	switch {
	case p.IsOp("(") && !p.Tok().Space:
		p.Next()
		c.Args = p.parseCallArgs(")")
		c.Parens = true
	case canStartArg(p.Tok()) && !(p.Tok().Kind == OP && p.Tok().Text == "[" && !p.Tok().Space):
		c.Args = p.parseCommandArgs()
	}
	p.attachBlock(c)
	return c
}

// localCommand reports whether a local variable's name followed by t is
// still a method call, as Ruby reads "uid uid" or "owner 'root'".
func localCommand(t Token) bool {
	if !canStartArg(t) {
		return false
	}
	switch t.Kind {
	case IDENT, STRING, INT, FLOAT, SYMBOL, DSYMBOL, IVAR, CONST, WORDS, XSTRING:
		return true
	}
	return false
}

func (p *Parser) attachBlock(c *CallExpr) {
	for i, a := range c.Args {
		bp, ok := a.(*blockPass)
		if !ok {
			continue
		}
		if i != len(c.Args)-1 {
			p.fail("a block argument &:%s before other arguments", bp.Name)
		}
		c.Args = c.Args[:i]
		// the parameter is named so as not to shadow a local the block reads
		c.Block = &BlockExpr{Line: bp.Line, EndLine: bp.Line, Params: []string{"it"}, Brace: true,
			Body: []*Stmt{{X: &CallExpr{Line: bp.Line, Recv: &IdentRef{Line: bp.Line, Name: "it"}, Name: bp.Name}, Line: bp.Line, EndLine: bp.Line}}}
		return
	}
	if p.IsOp("{") {
		c.Block = p.parseBlock()
	} else if p.IsKw("do") && p.NoDo == 0 {
		c.Block = p.parseBlock()
	}
}

// parseBlock reads "do |a, b| ... end" or "{ |a| ... }".
func (p *Parser) parseBlock() *BlockExpr { return p.parseBlockWith(nil) }

// parseBlockWith reads a block whose parameters, without |...| in it,
// are params (a lambda's ->(x) { ... }).
func (p *Parser) parseBlockWith(params []string) *BlockExpr {
	t := p.Tok()
	b := &BlockExpr{Line: t.Line}
	var closer string
	switch {
	case t.Kind == OP && t.Text == "{":
		b.Brace = true
		closer = "}"
	case t.Kind == IDENT && t.Text == "do":
		closer = "end"
	default:
		return nil
	}
	p.Next()
	saved, savedArgs := p.NoDo, p.args
	p.NoDo, p.args = 0, 0
	defer func() { p.NoDo, p.args = saved, savedArgs }()
	p.SkipNL()
	if p.IsOp("||") {
		p.Next()
	} else if p.IsOp("|") {
		p.Next()
		b.Params, b.Groups = p.parseBlockParams()
	} else {
		b.Params = params
	}
	p.pushScope(b.Params...)
	var unpack []*Stmt
	for i := range b.Params {
		names := b.Groups[i]
		if names == nil {
			continue
		}
		for _, n := range names {
			p.declare(n)
		}
		tgt := &ArrayLit{Line: t.Line}
		for _, n := range names {
			tgt.Elems = append(tgt.Elems, &IdentRef{Line: t.Line, Name: n})
		}
		unpack = append(unpack, &Stmt{X: &AssignExpr{Line: t.Line, Target: tgt, Op: "=", Value: &IdentRef{Line: t.Line, Name: b.Params[i]}}, Line: t.Line, EndLine: t.Line})
	}
	b.Body = append(unpack, p.parseStmts([]string{closer})...)
	p.popScope()
	end := p.Tok()
	if closer == "}" {
		p.expectOp("}")
	} else {
		p.expectKw("end")
	}
	b.EndLine = end.Line
	return b
}

// parseBlockParams reads a block's parameters up to the closing "|": the
// names, and the groups of those written (a, b) (see BlockExpr.Groups),
// each named by its names joined with "_" (a_b; with a further "_" while
// that is a local or another parameter).
func (p *Parser) parseBlockParams() (names []string, groups map[int][]string) {
	for {
		t := p.Tok()
		switch {
		case t.Kind == IDENT && !IsKeyword(t.Text):
			p.Next()
			names = append(names, t.Text)
		case t.Kind == OP && t.Text == "|":
			p.Next()
			for i, n := range names {
				if groups[i] == nil {
					continue
				}
				for p.isLocal(n) || slices.Contains(names[:i], n) || slices.Contains(names[i+1:], n) || groupsHold(groups, n) {
					n += "_"
				}
				names[i] = n
			}
			return names, groups
		case t.Kind == OP && t.Text == "(":
			p.Next()
			var g []string
			for !p.IsOp(")") {
				n := p.Tok()
				if n.Kind != IDENT || IsKeyword(n.Text) {
					p.fail("unsupported destructuring block parameter %s", describe(n))
				}
				p.Next()
				g = append(g, n.Text)
				if p.IsOp(",") {
					p.Next()
				} else if !p.IsOp(")") {
					p.fail("unsupported destructuring block parameter %s", describe(p.Tok()))
				}
			}
			p.Next()
			if len(g) == 0 {
				p.fail("an empty destructuring block parameter")
			}
			if groups == nil {
				groups = map[int][]string{}
			}
			groups[len(names)] = g
			names = append(names, strings.Join(g, "_"))
		default:
			p.fail("unsupported block parameter %s", describe(t))
		}
		if p.IsOp("=") {
			p.fail("default values for block parameters")
		}
		if p.IsOp(",") {
			p.Next()
		}
	}
}

// groupsHold reports whether a destructuring group names n.
func groupsHold(groups map[int][]string, n string) bool {
	for _, g := range groups {
		if slices.Contains(g, n) {
			return true
		}
	}
	return false
}

// Unpacked is the block's body without the assignments that destructure
// its grouped parameters (BlockExpr.Groups).
func (b *BlockExpr) Unpacked() []*Stmt { return b.Body[len(b.Groups):] }

func (p *Parser) parseParamNames(closer string) []string {
	var names []string
	for {
		t := p.Tok()
		switch {
		case t.Kind == IDENT && !IsKeyword(t.Text):
			p.Next()
			names = append(names, t.Text)
		case t.Kind == OP && t.Text == closer:
			p.Next()
			return names
		case t.Kind == OP && t.Text == "(":
			p.fail("destructuring block parameters")
		default:
			p.fail("unsupported block parameter %s", describe(t))
		}
		if p.IsOp("=") {
			p.fail("default values for block parameters")
		}
		if p.IsOp(",") {
			p.Next()
		}
	}
}

// ParsePostfix reads the method calls, indexing and blocks that follow x.
func (p *Parser) ParsePostfix(x Expr) Expr {
	for {
		t := p.Tok()
		// a line starting with ".meth" continues the previous expression
		if t.Kind == NL && t.Text == "\n" {
			n := 1
			for p.peek(n).Kind == NL && p.peek(n).Text == "\n" {
				n++
			}
			if nt := p.peek(n); nt.Kind == OP && (nt.Text == "." || nt.Text == "&.") {
				for i := 0; i < n; i++ {
					p.Next()
				}
				continue
			}
			return x
		}
		switch {
		case t.Kind == OP && (t.Text == "." || t.Text == "&."):
			p.Next()
			p.SkipNL()
			m := p.Tok()
			if m.Kind != IDENT && m.Kind != CONST && m.Kind != LABEL {
				if m.Kind == OP && m.Text == "(" { // x.() == x.call()
					m = Token{Kind: IDENT, Text: "call", Line: m.Line}
				} else {
					p.fail("expected a method name after %q", t.Text)
				}
			} else {
				p.Next()
			}
			name := m.Text
			if m.Kind == LABEL { // "a ? b.c :d" — rare; treat "c:" as "c :"
				p.fail("unsupported label after %q", t.Text)
			}
			c := &CallExpr{Line: m.Line, Recv: x, Name: name, Safe: t.Text == "&."}
			switch {
			case p.IsOp("(") && !p.Tok().Space:
				p.Next()
				c.Args = p.parseCallArgs(")")
				c.Parens = true
			case canStartArg(p.Tok()) && !(p.Tok().Kind == OP && p.Tok().Text == "::"):
				c.Args = p.parseCommandArgs()
			}
			p.attachBlock(c)
			x = c
		case t.Kind == OP && t.Text == "::":
			p.Next()
			m := p.Next()
			if m.Kind == CONST {
				if cr, ok := x.(*ConstRef); ok && !(p.IsOp("(") && !p.Tok().Space) {
					x = &ConstRef{Line: cr.Line, Path: cr.Path + "::" + m.Text}
					continue
				}
			}
			if m.Kind != IDENT && m.Kind != CONST {
				p.fail("expected a name after ::")
			}
			c := &CallExpr{Line: m.Line, Recv: x, Name: m.Text}
			if p.IsOp("(") && !p.Tok().Space {
				p.Next()
				c.Args = p.parseCallArgs(")")
				c.Parens = true
			}
			p.attachBlock(c)
			x = c
		case t.Kind == OP && t.Text == "[" && !t.Space:
			p.Next()
			args := p.parseCallArgs("]")
			x = &IndexExpr{Line: t.Line, Recv: x, Args: args}
		default:
			return x
		}
	}
}

func (p *Parser) parseIf() Expr {
	t := p.Next()
	e := &IfExpr{Line: t.Line, Unless: t.Text == "unless"}
	for {
		p.NoDo++
		cond := p.ParseExprStmt()
		p.NoDo--
		if p.IsKw("then") {
			p.Next()
		}
		body := p.parseStmts([]string{"elsif", "else", "end"})
		e.Conds = append(e.Conds, cond)
		e.Bodies = append(e.Bodies, body)
		if p.IsKw("elsif") && !e.Unless {
			p.Next()
			continue
		}
		break
	}
	if p.IsKw("else") {
		p.Next()
		e.HasElse = true
		e.Else = p.parseStmts([]string{"end"})
	}
	p.expectKw("end")
	return e
}

func (p *Parser) parseCase() Expr {
	t := p.Next()
	e := &CaseExpr{Line: t.Line}
	if p.Tok().Kind != NL {
		e.Subject = p.ParseExprStmt()
	}
	p.SkipNL()
	if p.IsKw("in") {
		p.fail("pattern matching (case/in)")
	}
	for p.IsKw("when") {
		p.Next()
		var vals []Expr
		for {
			vals = append(vals, p.ParseArg())
			if p.IsOp(",") {
				p.Next()
				p.SkipNL()
				continue
			}
			break
		}
		if p.IsKw("then") {
			p.Next()
		}
		e.Whens = append(e.Whens, vals)
		e.Bodies = append(e.Bodies, p.parseStmts([]string{"when", "else", "end"}))
	}
	if p.IsKw("else") {
		p.Next()
		e.HasElse = true
		e.Else = p.parseStmts([]string{"end"})
	}
	p.expectKw("end")
	return e
}

func (p *Parser) parseFor() Expr {
	t := p.Next()
	var vars []string
	for {
		v := p.Tok()
		if v.Kind != IDENT || IsKeyword(v.Text) {
			p.fail("expected a loop variable")
		}
		p.Next()
		vars = append(vars, v.Text)
		p.declare(v.Text)
		if p.IsOp(",") {
			p.Next()
			continue
		}
		break
	}
	p.expectKw("in")
	p.NoDo++
	iter := p.ParseExprStmt()
	p.NoDo--
	if p.IsKw("do") {
		p.Next()
	}
	body := p.parseStmts([]string{"end"})
	p.expectKw("end")
	return &ForExpr{Line: t.Line, Vars: vars, Iter: iter, Body: body}
}
