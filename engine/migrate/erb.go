package migrate

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	cfacts "github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/migrate/ruby"
	"github.com/converge-cm/converge/engine/render"
	"github.com/converge-cm/converge/engine/render/rb"
)

// ERBIssue is one place of an ERB template that was not translated.
type ERBIssue struct {
	Line int    // 1-based line of the tag in the ERB source
	Code string // the tag as written
	Why  string
}

// ERBError lists what TranslateERB did not understand. The template
// returned with it is still complete and parses: each issue stands there
// as a {{/* TODO(migrate) */}} comment (a condition as false, a loop as
// empty), so the caller can write it and report the issues.
type ERBError struct {
	Issues []ERBIssue
}

func (e *ERBError) Error() string {
	parts := make([]string, len(e.Issues))
	for i, is := range e.Issues {
		parts[i] = fmt.Sprintf("line %d: %s: %s", is.Line, is.Code, is.Why)
	}
	return "erb: " + strings.Join(parts, "; ")
}

// TranslateERB translates a Chef ERB template (as Chef renders it, with
// Erubis::Eruby and its default trimming; see erb_scan.go) into a Go
// text/template for engine/render. An ERB @var becomes .var,
// node['a']['b'] becomes .node.a.b, and Ruby's semantics (truthiness, to_s,
// methods) come from the rb_ template functions of engine/render/rb.
//
// Ruby hashes iterate in insertion order, and so do the translated walks
// (each, each_pair, keys, values, map ... through the rb_ functions, which
// walk the order engine/keyorder records beside the data). The facts are
// the exception: a walk of one (node['network']['interfaces'].each) is in
// sorted key order where Chef's is Ohai's, and translateERB returns it as
// a note (ERBNote), because the output may differ.
func TranslateERB(src string) (string, error) {
	out, _, err := translateERB(src, nil, nil)
	return out, err
}

// ERBNote is a place of a template that was translated but may render
// differently from Chef: a walk of a fact's hash, which Chef does in
// Ohai's order and converge in sorted key order. It is reported, not a
// TODO.
type ERBNote struct {
	Line int    // 1-based line of the tag in the ERB source
	What string // the Ruby expression walked (@settings, node['app']['env'])
}

// translateERB is TranslateERB for a template of a cookbook setting the
// attributes attrs: a condition on one it never sets tests presence. It
// also returns the hash walks of the template, one per line and
// expression, in source order.
func translateERB(src string, attrs knownAttrs, passed map[string]bool) (string, []ERBNote, error) {
	segs := scanERB(src)
	t := &erbTr{attrs: attrs, passed: passed}
	t.frames = []*erbFrame{{kind: "top", scope: true, vars: map[string]bool{}}}
	for _, s := range segs {
		t.seg = s
		t.noteMark = len(t.notes)
		switch s.kind {
		case segText:
			t.text(s.text)
		case segOut:
			t.output(s)
		case segCode:
			t.code(s)
		}
	}
	for len(t.frames) > 1 {
		f := t.frames[len(t.frames)-1]
		t.issue(f.line, f.code, "not closed by <% end %>")
		t.closeFrame()
	}
	out := t.assemble()
	if _, err := render.Parse("erb", out); err != nil {
		t.issue(0, "", "the translated template does not parse; this is a bug in converge: "+err.Error())
	}
	if len(t.issues) > 0 {
		return out, t.notes, &ERBError{Issues: t.issues}
	}
	return out, t.notes, nil
}

// ---- translation ----

type erbPiece struct {
	s      string
	action bool
}

type erbFrame struct {
	kind     string // top, if, unless, case, range
	scope    bool   // a Ruby block: locals assigned inside stay inside
	start    int    // index in pieces where the frame's body starts (for hoisted declarations)
	open     int    // index in pieces where the frame's opening tag starts (for <% end if c %>)
	vars     map[string]bool
	line     int
	code     string
	caseSubj gx
	whens    int
	caseText int // index in pieces after the case tag
	elseSeen bool
}

type erbTr struct {
	endNL  bool // the last pattern read \Z (regex.go)
	pieces []erbPiece
	frames []*erbFrame
	issues []ERBIssue
	nPair  int
	nBlock int
	seg    erbSeg // the tag being translated
	// noHoist > 0 where a block's loop cannot be placed before the
	// expression (an elsif or when condition).
	noHoist int
	// attrs are the attributes the cookbook sets, nil when unknown
	attrs knownAttrs
	// passed are the instance variables the cookbook's template
	// resources pass (variables), nil when unknown: one it never passes
	// is nil in Chef, so it is read with index, which gives nil too
	passed map[string]bool
	// notes are the walks of facts (hashOrder); orderFree is a keys, values
	// or to_a call whose order does not matter (the receiver of sort,
	// length, include? ...)
	notes     []ERBNote
	orderFree ruby.Expr
	noteMark  int // len(notes) before the tag: a tag left as a TODO has no note
}

// hashOrder notes that the tag walks x, translated as recv, in an order
// that may differ from Chef's. A hash of attributes, variables or a
// hash literal walks in insertion order, as in Chef (engine/keyorder);
// the facts (Ohai's automatic attributes: node['network'], node['cpu']
// ...) do not, converge walks them in sorted key order and Chef in the
// order Ohai wrote them. So a walk of a fact is noted, unless recv is
// known to be a list or x is sorted.
func (t *erbTr) hashOrder(x ruby.Expr, recv gx) {
	if recv.typ == "list" {
		return
	}
	if c, ok := x.(*ruby.CallExpr); ok && (c.Name == "sort" || c.Name == "sort_by") {
		return
	}
	if !readsFact(x) {
		return
	}
	n := ERBNote{Line: t.seg.line, What: rubySource(x)}
	for _, o := range t.notes {
		if o == n {
			return
		}
	}
	t.notes = append(t.notes, n)
}

// factNames are the top-level attributes converge's facts set
// (engine/facts), the automatic attributes of a run.
var factNames = func() map[string]bool {
	m := map[string]bool{}
	for k := range (cfacts.Facts{}).Map() {
		m[k] = true
	}
	return m
}()

// readsFact reports whether x reads into a fact: node['network'][...],
// node[:cpu], node.network['interfaces'].
func readsFact(x ruby.Expr) bool {
	isNode := func(e ruby.Expr) bool {
		switch v := e.(type) {
		case *ruby.CallExpr:
			return v.Recv == nil && v.Name == "node" && len(v.Args) == 0
		case *ruby.IdentRef:
			return v.Name == "node"
		}
		return false
	}
	for {
		switch v := x.(type) {
		case *ruby.IndexExpr:
			if isNode(v.Recv) {
				if len(v.Args) != 1 {
					return false
				}
				switch k := v.Args[0].(type) {
				case *ruby.StrLit:
					return isPlain(k) && factNames[plain(k)]
				case *ruby.SymLit:
					return factNames[k.Name]
				}
				return false
			}
			x = v.Recv
		case *ruby.CallExpr:
			if v.Recv == nil {
				return false
			}
			if isNode(v.Recv) {
				return len(v.Args) == 0 && factNames[v.Name]
			}
			x = v.Recv
		default:
			return false
		}
	}
}

// rubySource writes x back as Ruby for a note: a variable, an attribute
// path, a method chain on them; "a hash" for anything else.
func rubySource(x ruby.Expr) string {
	switch v := x.(type) {
	case *ruby.IVarRef:
		return "@" + v.Name
	case *ruby.IdentRef:
		return v.Name
	case *ruby.StrLit:
		if isPlain(v) {
			return strconv.Quote(plain(v))
		}
	case *ruby.SymLit:
		return ":" + v.Name
	case *ruby.IndexExpr:
		if len(v.Args) == 1 {
			if k := rubySource(v.Args[0]); k != "a hash" {
				return rubySource(v.Recv) + "[" + strings.ReplaceAll(k, `"`, "'") + "]"
			}
		}
	case *ruby.CallExpr:
		if v.Recv == nil && len(v.Args) == 0 {
			return v.Name
		}
		if v.Recv != nil && len(v.Args) == 0 && v.Block == nil {
			return rubySource(v.Recv) + "." + v.Name
		}
	}
	return "a hash"
}

func (t *erbTr) issue(line int, code, why string) {
	t.issues = append(t.issues, ERBIssue{Line: line, Code: code, Why: why})
}

func (t *erbTr) text(s string) {
	if s != "" {
		t.pieces = append(t.pieces, erbPiece{s: s})
	}
}

func (t *erbTr) action(s string) {
	t.pieces = append(t.pieces, erbPiece{s: "{{" + s + "}}", action: true})
}

func (t *erbTr) todo(seg erbSeg, why string) {
	t.issue(seg.line, seg.tag, why)
	c := strings.ReplaceAll(seg.tag, "*/", "* /")
	t.action("/* TODO(migrate): " + c + ": " + strings.ReplaceAll(why, "*/", "* /") + " */")
}

func (t *erbTr) top() *erbFrame { return t.frames[len(t.frames)-1] }

// root is how the template's data is reached: "." outside loops, "$."
// inside a range, where dot is the element.
func (t *erbTr) root() string {
	for _, f := range t.frames {
		if f.kind == "range" {
			return "$."
		}
	}
	return "."
}

// lookup reports whether a Ruby local is declared in a visible scope.
func (t *erbTr) lookup(name string) bool {
	for i := len(t.frames) - 1; i >= 0; i-- {
		if t.frames[i].vars[name] {
			return true
		}
	}
	return false
}

func (t *erbTr) declareHere(name string) {
	f := t.top()
	if f.vars == nil {
		f.vars = map[string]bool{}
	}
	f.vars[name] = true
}

// nearestScope is the innermost frame that is a Ruby scope (a block or
// the template itself).
func (t *erbTr) nearestScope() *erbFrame {
	for i := len(t.frames) - 1; i >= 0; i-- {
		if t.frames[i].scope {
			return t.frames[i]
		}
	}
	return t.frames[0]
}

func (t *erbTr) closeFrame() {
	f := t.top()
	t.frames = t.frames[:len(t.frames)-1]
	if f.kind == "case" && f.whens == 0 {
		if f.elseSeen {
			t.action("end")
		}
		return
	}
	t.action("end")
}

// closeModified closes the innermost block with <% end if cond %> (or
// unless): in Ruby the modifier applies to the whole block expression, so
// the block, from its opening tag, goes inside {{if cond}}. The condition
// is read where the block opens (its locals are out of scope); what it
// hoists (a map block) goes before the if. A condition that is not
// translated is a TODO, and the block is left out (false), as an if's.
func (t *erbTr) closeModified(seg erbSeg, toks []ruby.Token, unless bool) {
	f := t.top()
	t.closeFrame()
	mark := len(t.pieces)
	cond := "false"
	func() {
		defer t.guardFrom(mark, seg, nil)
		p := t.parser(withEnd(toks))
		x := p.ParseExprStmt()
		if p.Tok().Kind != ruby.NL {
			bail("code after the condition")
		}
		cond = t.cond(x, unless)
	}()
	// the condition's hoisted pieces (or its TODO) and the if go where
	// the block opened
	head := append(append([]erbPiece(nil), t.pieces[mark:]...), erbPiece{s: "{{if " + cond + "}}", action: true})
	t.pieces = t.pieces[:mark]
	t.pieces = append(t.pieces[:f.open], append(head, t.pieces[f.open:]...)...)
	t.action("end")
}

// untrans aborts the translation of one tag.
type erbUntrans struct{ why string }

func bail(format string, args ...any) { panic(&erbUntrans{why: fmt.Sprintf(format, args...)}) }

func (t *erbTr) guard(seg erbSeg, onErr func()) {
	t.handle(recover(), -1, seg, onErr)
}

// guardFrom is guard that also drops the pieces written since mark.
func (t *erbTr) guardFrom(mark int, seg erbSeg, onErr func()) {
	t.handle(recover(), mark, seg, onErr)
}

func (t *erbTr) handle(r any, mark int, seg erbSeg, onErr func()) {
	if r != nil {
		if mark >= 0 && mark <= len(t.pieces) {
			t.pieces = t.pieces[:mark]
		}
		if t.noteMark <= len(t.notes) {
			t.notes = t.notes[:t.noteMark]
		}
		switch u := r.(type) {
		case *erbUntrans:
			t.todo(seg, u.why)
		case *ruby.SyntaxError:
			t.todo(seg, "not understood: "+u.Msg)
		default:
			panic(r)
		}
		if onErr != nil {
			onErr()
		}
	}
}

// parseFragment parses Ruby code of one tag with the template's locals.
func (t *erbTr) parser(toks []ruby.Token) *ruby.Parser {
	scope := map[string]bool{}
	for _, f := range t.frames {
		for v := range f.vars {
			scope[v] = true
		}
	}
	return ruby.NewParser(toks, scope)
}

func (t *erbTr) output(seg erbSeg) {
	defer t.guardFrom(len(t.pieces), seg, nil)
	if seg.debug {
		bail("<%%=== %%> prints to Chef's standard error; there is no converge equivalent")
	}
	toks, _ := ruby.Lex(seg.text, seg.line)
	p := t.parser(toks)
	p.SkipNL()
	if p.Tok().Kind == ruby.EOF {
		return // <%= %> prints nothing
	}
	x := p.ParseStatement()
	p.SkipNL()
	if p.Tok().Kind != ruby.EOF {
		bail("several statements in an output tag")
	}
	if seg.escape {
		t.action("rb_escape_xml " + t.gx(x).arg())
		return
	}
	t.emitOutput(x)
}

func (t *erbTr) emitOutput(x ruby.Expr) {
	switch v := x.(type) {
	case *ruby.StrLit:
		for _, part := range v.Parts {
			if part.IsCode {
				t.emitOutput(part.X)
			} else {
				t.text(part.Lit)
			}
		}
		return
	case *ruby.IfExpr:
		if v.Modifier {
			t.action("if " + t.cond(v.Conds[0], v.Unless))
			t.emitOutput(v.Bodies[0][0].X)
			t.action("end")
			return
		}
	case *ruby.TernaryExpr:
		t.action("if " + t.cond(v.Cond, false))
		t.emitOutput(v.Yes)
		t.action("else")
		t.emitOutput(v.No)
		t.action("end")
		return
	case *ruby.NilLit:
		return
	case *ruby.IntLit:
		t.text(strconv.FormatInt(v.Val, 10))
		return
	case *ruby.SymLit:
		t.text(v.Name)
		return
	}
	g := t.gx(x)
	if g.typ == "str" {
		t.action(g.cmd())
		return
	}
	t.action("rb_to_s " + g.arg())
}

// code handles a <% %> tag: control flow, loops and local assignments.
func (t *erbTr) code(seg erbSeg) {
	toks, _ := ruby.Lex(seg.text, seg.line)
	for _, frag := range splitFragments(toks) {
		t.fragment(seg, frag)
	}
}

// splitFragments splits a tag's tokens at top-level ';' and newlines.
func splitFragments(toks []ruby.Token) [][]ruby.Token {
	var out [][]ruby.Token
	var cur []ruby.Token
	depth := 0
	for _, tk := range toks {
		if tk.Kind == ruby.EOF {
			break
		}
		if tk.Kind == ruby.OP {
			switch tk.Text {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				depth--
			}
		}
		if tk.Kind == ruby.NL && depth <= 0 {
			if len(cur) > 0 {
				out = append(out, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, tk)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func withEnd(toks []ruby.Token) []ruby.Token {
	line := 1
	if len(toks) > 0 {
		line = toks[len(toks)-1].Line
	}
	out := append([]ruby.Token{}, toks...)
	return append(out, ruby.Token{Kind: ruby.NL, Text: "\n", Line: line}, ruby.Token{Kind: ruby.EOF, Line: line})
}

// blockOpener finds a trailing "do |a, b|" or "{ |a|" and returns the
// tokens before it and the parameters.
func blockOpener(toks []ruby.Token) (head []ruby.Token, params []string, ok bool) {
	depth := 0
	for i, tk := range toks {
		if tk.Kind == ruby.OP {
			switch tk.Text {
			case "(", "[":
				depth++
			case ")", "]":
				depth--
			}
		}
		opener := depth == 0 && ((tk.Kind == ruby.IDENT && tk.Text == "do") || (tk.Kind == ruby.OP && tk.Text == "{"))
		if !opener {
			continue
		}
		rest := toks[i+1:]
		if len(rest) == 0 {
			return toks[:i], nil, true
		}
		if rest[0].Kind == ruby.OP && rest[0].Text == "||" && len(rest) == 1 {
			return toks[:i], nil, true
		}
		if rest[0].Kind != ruby.OP || rest[0].Text != "|" || rest[len(rest)-1].Kind != ruby.OP || rest[len(rest)-1].Text != "|" || len(rest) < 2 {
			continue
		}
		inner := rest[1 : len(rest)-1]
		var names []string
		valid := len(inner)%2 == 1
		for j, p := range inner {
			if j%2 == 0 {
				if p.Kind != ruby.IDENT || ruby.IsKeyword(p.Text) || !identRe.MatchString(p.Text) {
					valid = false
					break
				}
				names = append(names, p.Text)
			} else if p.Kind != ruby.OP || p.Text != "," {
				valid = false
				break
			}
		}
		if valid {
			return toks[:i], names, true
		}
	}
	return nil, nil, false
}

func (t *erbTr) fragment(seg erbSeg, toks []ruby.Token) {
	first := toks[0]
	kw := ""
	if first.Kind == ruby.IDENT {
		kw = first.Text
	}
	if first.Kind == ruby.OP && first.Text == "}" && len(toks) == 1 {
		kw = "end"
	}
	switch kw {
	case "end":
		modified := len(toks) > 2 && toks[1].Kind == ruby.IDENT && (toks[1].Text == "if" || toks[1].Text == "unless")
		if len(toks) > 1 && !modified {
			t.todo(seg, "code after end")
		}
		if len(t.frames) == 1 {
			t.todo(seg, "end without an open block")
			return
		}
		if modified {
			t.closeModified(seg, toks[2:], toks[1].Text == "unless")
			return
		}
		t.closeFrame()
		return
	case "else":
		f := t.top()
		if len(toks) > 1 || (f.kind != "if" && f.kind != "unless" && f.kind != "case") || f.elseSeen {
			t.todo(seg, "else outside an if or case")
			return
		}
		f.elseSeen = true
		if f.kind == "case" && f.whens == 0 {
			t.action("if true")
			return
		}
		t.action("else")
		return
	case "if", "unless", "elsif":
		if kw == "elsif" && t.top().kind != "if" {
			t.todo(seg, "elsif outside an if")
			return
		}
		cond := "false"
		open := len(t.pieces) // what the condition hoists is part of the block
		func() {
			defer t.guardFrom(len(t.pieces), seg, nil)
			if kw == "elsif" {
				// a block's loop would run inside the branch before
				t.noHoist++
				defer func() { t.noHoist-- }()
			}
			p := t.parser(withEnd(toks[1:]))
			if p.Tok().Kind == ruby.NL {
				bail("missing condition")
			}
			p.NoDo++
			x := p.ParseExprStmt()
			if p.IsKw("then") {
				p.Next()
			}
			if p.Tok().Kind != ruby.NL {
				bail("code after the condition")
			}
			cond = t.cond(x, kw == "unless")
		}()
		if kw == "elsif" {
			t.action("else if " + cond)
			return
		}
		t.action("if " + cond)
		t.frames = append(t.frames, &erbFrame{kind: kw, line: seg.line, code: seg.tag, start: len(t.pieces), open: open})
		return
	case "case":
		f := &erbFrame{kind: "case", line: seg.line, code: seg.tag, open: len(t.pieces)}
		func() {
			defer t.guardFrom(len(t.pieces), seg, nil)
			p := t.parser(withEnd(toks[1:]))
			if p.Tok().Kind == ruby.NL {
				bail("case without a value")
			}
			f.caseSubj = t.gx(p.ParseExprStmt())
			if p.Tok().Kind != ruby.NL {
				bail("code after the case value")
			}
		}()
		f.caseText = len(t.pieces)
		t.frames = append(t.frames, f)
		return
	case "when":
		f := t.top()
		if f.kind != "case" || f.elseSeen {
			t.todo(seg, "when outside a case")
			return
		}
		if f.whens == 0 {
			for _, pc := range t.pieces[f.caseText:] {
				if !pc.action && strings.TrimSpace(pc.s) != "" {
					t.todo(seg, "text between case and the first when (a syntax error in Ruby)")
				}
			}
			t.pieces = t.pieces[:f.caseText]
		}
		cond := "false"
		func() {
			defer t.guardFrom(len(t.pieces), seg, nil)
			t.noHoist++
			defer func() { t.noHoist-- }()
			if f.caseSubj.code == "" {
				bail("the case value was not translated")
			}
			p := t.parser(withEnd(toks[1:]))
			var parts []string
			for {
				v := p.ParseArg()
				switch w := v.(type) {
				case *ruby.RegexExpr:
					// Regexp#=== matches
					parts = append(parts, "(rb_truthy (rb_match "+f.caseSubj.arg()+" "+t.pattern(w)+"))")
				case *ruby.ConstRef, *ruby.RangeExpr:
					bail("only literal and variable values and regular expressions are translated in when")
				default:
					parts = append(parts, "(rb_eq "+f.caseSubj.arg()+" "+t.gx(v).arg()+")")
				}
				if p.IsOp(",") {
					p.Next()
					continue
				}
				break
			}
			if p.IsKw("then") {
				p.Next()
			}
			if p.Tok().Kind != ruby.NL {
				bail("code after the when values")
			}
			if len(parts) == 1 {
				cond = strings.TrimSuffix(strings.TrimPrefix(parts[0], "("), ")")
			} else {
				cond = "or " + strings.Join(parts, " ")
			}
		}()
		if f.whens == 0 {
			t.action("if " + cond)
		} else {
			t.action("else if " + cond)
		}
		f.whens++
		return
	case "next", "break":
		t.jump(seg, toks)
		return
	}
	if head, params, ok := blockOpener(toks); ok {
		t.loop(seg, head, params)
		return
	}
	func() {
		defer t.guardFrom(len(t.pieces), seg, nil)
		p := t.parser(withEnd(toks))
		x := p.ParseStatement()
		p.SkipNL()
		if p.Tok().Kind != ruby.EOF {
			bail("not understood")
		}
		t.statement(x)
	}()
}

func (t *erbTr) jump(seg erbSeg, toks []ruby.Token) {
	inLoop := false
	for _, f := range t.frames {
		if f.kind == "range" {
			inLoop = true
		}
	}
	word := map[string]string{"next": "continue", "break": "break"}[toks[0].Text]
	if !inLoop {
		t.todo(seg, toks[0].Text+" outside a loop")
		return
	}
	if len(toks) == 1 {
		t.action(word)
		return
	}
	defer t.guardFrom(len(t.pieces), seg, nil)
	mod := toks[1]
	if mod.Kind != ruby.IDENT || (mod.Text != "if" && mod.Text != "unless") {
		bail("%s with a value", toks[0].Text)
	}
	p := t.parser(withEnd(toks[2:]))
	x := p.ParseExprStmt()
	if p.Tok().Kind != ruby.NL {
		bail("code after the condition")
	}
	t.action("if " + t.cond(x, mod.Text == "unless"))
	t.action(word)
	t.action("end")
}

func (t *erbTr) statement(x ruby.Expr) {
	switch v := x.(type) {
	case *ruby.IfExpr:
		if v.Modifier {
			t.action("if " + t.cond(v.Conds[0], v.Unless))
			t.statement(v.Bodies[0][0].X)
			t.action("end")
			return
		}
	case *ruby.AssignExpr:
		id, ok := v.Target.(*ruby.IdentRef)
		if !ok || !identRe.MatchString(id.Name) {
			bail("only local variables can be assigned in a template")
		}
		val := t.gx(v.Value)
		switch v.Op {
		case "=":
		case "+=":
			val = gx{code: "rb_add $" + id.Name + " " + val.arg()}
		case "||=":
			val = gx{code: "rb_or $" + id.Name + " " + val.arg()}
		default:
			bail("the assignment %s is not translated", v.Op)
		}
		if t.lookup(id.Name) {
			t.action("$" + id.Name + " = " + val.cmd())
			return
		}
		if v.Op != "=" {
			bail("%s on an unset variable", v.Op)
		}
		if t.top().scope {
			t.declareHere(id.Name)
			t.action("$" + id.Name + " := " + val.cmd())
			return
		}
		// assigned inside an if: Ruby's local lives on after the if, a Go
		// template variable would not, so it is declared before.
		sc := t.nearestScope()
		sc.vars[id.Name] = true
		decl := erbPiece{s: "{{$" + id.Name + " := rb_nil}}", action: true}
		t.pieces = append(t.pieces[:sc.start], append([]erbPiece{decl}, t.pieces[sc.start:]...)...)
		for _, f := range t.frames {
			if f != sc && f.start > sc.start {
				f.start++
			}
			if f != sc && f.open >= sc.start {
				f.open++
			}
			if f.kind == "case" && f.caseText >= sc.start {
				f.caseText++
			}
		}
		t.action("$" + id.Name + " = " + val.cmd())
		return
	}
	bail("only if/unless/case/each/end and local assignments are translated in <%% %%>")
}

var eachMethods = map[string]bool{"each": true, "map": true, "collect": true, "each_with_index": true, "each_pair": true, "times": true, "each_key": true, "each_value": true}

func (t *erbTr) loop(seg erbSeg, head []ruby.Token, params []string) {
	f := &erbFrame{kind: "range", scope: true, line: seg.line, code: seg.tag, vars: map[string]bool{}, open: len(t.pieces)}
	for _, p := range params {
		f.vars[p] = true
	}
	var header string
	func() {
		defer t.guardFrom(len(t.pieces), seg, func() {
			vars := make([]string, len(params))
			for i, p := range params {
				vars[i] = "$" + p
			}
			var extra []string
			if len(vars) > 2 {
				extra = vars[2:]
				vars = vars[:2]
			}
			if len(vars) == 0 {
				header = "range rb_list"
			} else {
				header = "range " + strings.Join(vars, ", ") + " := rb_list"
			}
			for _, v := range extra {
				header += "}}{{" + v + " := rb_nil"
			}
		})
		p := t.parser(withEnd(head))
		p.NoDo++
		x := p.ParsePostfix(p.ParsePrimary())
		if p.Tok().Kind != ruby.NL {
			bail("not understood before the block")
		}
		c, ok := x.(*ruby.CallExpr)
		if !ok || c.Recv == nil || !eachMethods[c.Name] || len(c.Args) > 0 {
			bail("only each, each_with_index, each_pair and times blocks are translated")
		}
		recv := t.gx(c.Recv)
		sorted := false
		if rc, ok := c.Recv.(*ruby.CallExpr); ok && (rc.Name == "sort" || rc.Name == "sort_by") {
			sorted = true
		}
		switch c.Name {
		case "times":
			if len(params) > 1 {
				bail("times takes one block parameter")
			}
			iter := "(rb_range 0 " + recv.arg() + " true)"
			if len(params) == 0 {
				header = "range " + iter
			} else {
				header = "range $" + params[0] + " := " + iter
			}
		case "each_with_index":
			if len(params) != 2 {
				bail("each_with_index needs |item, index|")
			}
			header = fmt.Sprintf("range $%s, $%s := rb_each %s", params[1], params[0], recv.arg())
			if !sorted {
				t.hashOrder(c.Recv, recv)
			}
		case "each_key", "each_value":
			if len(params) != 1 {
				bail("%s takes one block parameter", c.Name)
			}
			fn := map[string]string{"each_key": "rb_keys", "each_value": "rb_values"}[c.Name]
			header = fmt.Sprintf("range $%s := %s %s", params[0], fn, recv.arg())
			if !sorted {
				t.hashOrder(c.Recv, recv)
			}
		default:
			if !sorted {
				t.hashOrder(c.Recv, recv)
			}
			switch len(params) {
			case 0:
				header = "range rb_each " + recv.arg()
			case 1:
				if recv.typ == "list" {
					header = fmt.Sprintf("range $%s := %s", params[0], recv.cmd())
				} else {
					header = fmt.Sprintf("range $%s := rb_each %s", params[0], recv.arg())
				}
			case 2:
				t.nPair++
				pair := fmt.Sprintf("$kv%d", t.nPair)
				header = fmt.Sprintf("range %s := rb_each %s}}{{$%s := index %s 0}}{{$%s := index %s 1", pair, recv.arg(), params[0], pair, params[1], pair)
			default:
				bail("more than two block parameters")
			}
		}
	}()
	t.action(header)
	f.start = len(t.pieces)
	t.frames = append(t.frames, f)
}

// ---- expressions ----

// gx is a Go template expression: code is a command ("rb_to_s .x") or an
// operand (".x", "$y", "\"s\"").
type gx struct {
	code    string
	operand bool   // needs no parentheses as an argument
	chain   bool   // a field chain (.node.a) that .b can extend
	typ     string // "str", "bool", "list" or ""
}

func (g gx) arg() string {
	if g.operand {
		return g.code
	}
	return "(" + g.code + ")"
}

func (g gx) cmd() string { return g.code }

func operand(code, typ string) gx { return gx{code: code, operand: true, typ: typ} }

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// cond is a condition for {{if}}: Ruby's truthiness.
func (t *erbTr) cond(x ruby.Expr, neg bool) string {
	g := t.condGx(x)
	if neg {
		return "not " + g.arg()
	}
	return g.cmd()
}

func (t *erbTr) condGx(x ruby.Expr) gx {
	switch v := x.(type) {
	case *ruby.IVarRef:
		// an instance variable the recipe does not pass is nil in Chef:
		// index gives nil for a missing key where .name fails
		obj := "."
		if t.root() == "$." {
			obj = "$"
		}
		return gx{code: "rb_truthy (index " + obj + " " + strconv.Quote(v.Name) + ")", typ: "bool"}
	case *ruby.BinaryExpr:
		switch v.Op {
		case "&&":
			return gx{code: "and " + t.condGx(v.L).arg() + " " + t.condGx(v.R).arg(), typ: "bool"}
		case "||":
			return gx{code: "or " + t.condGx(v.L).arg() + " " + t.condGx(v.R).arg(), typ: "bool"}
		}
	case *ruby.UnaryExpr:
		if v.Op == "!" {
			return gx{code: "not " + t.condGx(v.X).arg(), typ: "bool"}
		}
	case *ruby.IndexExpr:
		// an attribute the cookbook never sets is nil in Chef: index
		// gives nil for a missing key where .node.a.b fails
		if keys, ok := erbNodePath(v); ok && len(keys) >= 2 && t.attrs != nil && !t.attrs.defines(keys) {
			return gx{code: "rb_truthy (index " + t.gx(v.Recv).arg() + " " + strconv.Quote(keys[len(keys)-1]) + ")", typ: "bool"}
		}
	}
	g := t.gx(x)
	if g.typ == "bool" {
		return g
	}
	return gx{code: "rb_truthy " + g.arg(), typ: "bool"}
}

// erbNodePath is the keys of node['a']['b']... (or @node[...]) when each
// is a literal.
func erbNodePath(x *ruby.IndexExpr) ([]string, bool) {
	var keys []string
	var cur ruby.Expr = x
	for {
		ix, ok := cur.(*ruby.IndexExpr)
		if !ok {
			break
		}
		if len(ix.Args) != 1 {
			return nil, false
		}
		k, ok := literalKey(ix.Args[0])
		if !ok {
			return nil, false
		}
		keys = append([]string{k}, keys...)
		cur = ix.Recv
	}
	if iv, ok := cur.(*ruby.IVarRef); ok && iv.Name == "node" {
		return keys, true
	}
	return keys, isNodeRef(cur)
}

func isNodeRef(x ruby.Expr) bool {
	c, ok := x.(*ruby.CallExpr)
	return ok && c.Recv == nil && c.Name == "node" && len(c.Args) == 0 && c.Block == nil
}

func (t *erbTr) gx(x ruby.Expr) gx {
	switch v := x.(type) {
	case *ruby.StrLit:
		if isPlain(v) {
			return operand(strconv.Quote(plain(v)), "str")
		}
		var args []string
		for _, p := range v.Parts {
			if p.IsCode {
				args = append(args, t.gx(p.X).arg())
			} else if p.Lit != "" {
				args = append(args, strconv.Quote(p.Lit))
			}
		}
		return gx{code: "rb_str " + strings.Join(args, " "), typ: "str"}
	case *ruby.SymLit:
		return operand(strconv.Quote(v.Name), "str")
	case *ruby.IntLit:
		return operand(strconv.FormatInt(v.Val, 10), "")
	case *ruby.FloatLit:
		f, err := strconv.ParseFloat(v.Text, 64)
		if err != nil {
			bail("bad float %s", v.Text)
		}
		s := strconv.FormatFloat(f, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEn") {
			s += ".0"
		}
		return operand(s, "")
	case *ruby.NilLit:
		return operand("rb_nil", "")
	case *ruby.BoolLit:
		return operand(strconv.FormatBool(v.Val), "bool")
	case *ruby.ArrayLit:
		args := make([]string, len(v.Elems))
		for i, el := range v.Elems {
			args[i] = " " + t.gx(el).arg()
		}
		return gx{code: "rb_list" + strings.Join(args, ""), typ: "list"}
	case *ruby.HashLit:
		var args []string
		for i := range v.Keys {
			args = append(args, t.gx(v.Keys[i]).arg(), t.gx(v.Vals[i]).arg())
		}
		return gx{code: strings.TrimSpace("rb_hash " + strings.Join(args, " "))}
	case *ruby.IVarRef:
		if identRe.MatchString(v.Name) && (t.passed == nil || t.passed[v.Name]) {
			return gx{code: t.root() + v.Name, operand: true, chain: true}
		}
		obj := "."
		if t.root() == "$." {
			obj = "$"
		}
		return gx{code: "index " + obj + " " + strconv.Quote(v.Name)}
	case *ruby.IdentRef:
		if !t.lookup(v.Name) {
			bail("unknown local variable %s", v.Name)
		}
		return gx{code: "$" + v.Name, operand: true, chain: true}
	case *ruby.IndexExpr:
		return t.index(v)
	case *ruby.CallExpr:
		return t.call(v)
	case *ruby.BinaryExpr:
		if v.Op == "=~" || v.Op == "!~" {
			return t.matchOp(v)
		}
		fn := map[string]string{"==": "rb_eq", "!=": "rb_ne", "<": "rb_lt", "<=": "rb_le", ">": "rb_gt", ">=": "rb_ge",
			"+": "rb_add", "-": "rb_sub", "*": "rb_mul", "/": "rb_div", "%": "rb_mod", "&&": "rb_and", "||": "rb_or"}[v.Op]
		if fn == "" {
			bail("the operator %s is not translated", v.Op)
		}
		if v.Op == "%" {
			if _, ok := v.L.(*ruby.StrLit); ok {
				// String#%: an Array on the right gives the arguments.
				if a, ok := v.R.(*ruby.ArrayLit); ok {
					args := []string{"rb_format", t.gx(v.L).arg()}
					for _, el := range a.Elems {
						args = append(args, t.gx(el).arg())
					}
					return gx{code: strings.Join(args, " "), typ: "str"}
				}
				return gx{code: "rb_format_op " + t.gx(v.L).arg() + " " + t.gx(v.R).arg(), typ: "str"}
			}
		}
		typ := ""
		switch v.Op {
		case "==", "!=", "<", "<=", ">", ">=":
			typ = "bool"
		}
		l, r := t.gx(v.L), t.gx(v.R)
		if v.Op == "+" && l.typ == "str" {
			typ = "str"
		}
		return gx{code: fn + " " + l.arg() + " " + r.arg(), typ: typ}
	case *ruby.UnaryExpr:
		switch v.Op {
		case "!":
			return gx{code: "rb_not " + t.gx(v.X).arg(), typ: "bool"}
		case "-":
			return gx{code: "rb_sub 0 " + t.gx(v.X).arg()}
		}
		bail("the operator %s is not translated", v.Op)
	case *ruby.TernaryExpr:
		return gx{code: "rb_if " + t.gx(v.Cond).arg() + " " + t.gx(v.Yes).arg() + " " + t.gx(v.No).arg()}
	case *ruby.RangeExpr:
		return gx{code: "rb_range " + t.gx(v.Lo).arg() + " " + t.gx(v.Hi).arg() + " " + strconv.FormatBool(v.Excl), typ: "list"}
	case *ruby.ConstRef:
		bail("the constant %s has no converge equivalent", v.Path)
	case *ruby.RegexExpr:
		bail("regular expressions are not translated")
	case *ruby.XStrExpr:
		bail("backticks run a command; templates cannot")
	case *ruby.BadExpr:
		bail("%s", v.Why)
	case *ruby.OpaqueExpr:
		bail("%s is not translated", v.What)
	}
	bail("this expression is not translated")
	return gx{}
}

func (t *erbTr) index(v *ruby.IndexExpr) gx {
	if len(v.Args) != 1 {
		bail("[] with %d arguments is not translated", len(v.Args))
	}
	if _, ok := v.Args[0].(*ruby.RangeExpr); ok {
		bail("slicing with a range is not translated")
	}
	var recv gx
	nodePath := isNodeRef(v.Recv) || isERBNodePath(v.Recv)
	if isNodeRef(v.Recv) {
		recv = gx{code: t.root() + "node", operand: true, chain: true}
	} else {
		recv = t.gx(v.Recv)
	}
	if k, ok := literalKey(v.Args[0]); ok {
		if keys, ok := erbNodePath(v); ok && nodePath && len(keys) >= 2 && t.attrs != nil && !t.attrs.alwaysDefines(keys) && t.attrs.defines(keys[:1]) {
			// an attribute the cookbook does not always set is nil in
			// Chef: index gives nil for a missing key
			return gx{code: "index " + recv.arg() + " " + strconv.Quote(k)}
		}
		if nodePath && recv.chain && identRe.MatchString(k) {
			return gx{code: recv.code + "." + k, operand: true, chain: true}
		}
		return gx{code: "index " + recv.arg() + " " + strconv.Quote(k)}
	}
	return gx{code: "rb_index " + recv.arg() + " " + t.gx(v.Args[0]).arg()}
}

func isERBNodePath(x ruby.Expr) bool {
	switch v := x.(type) {
	case *ruby.IndexExpr:
		return isNodeRef(v.Recv) || isERBNodePath(v.Recv)
	case *ruby.CallExpr:
		if v.Recv != nil && len(v.Args) == 0 && v.Block == nil && !isRubyMethod(v.Name) {
			return isNodeRef(v.Recv) || isERBNodePath(v.Recv)
		}
	}
	return false
}

var erbMethods = map[string]struct {
	fn    string
	nargs []int
	typ   string
}{
	"to_s": {"rb_to_s", []int{0}, "str"}, "to_str": {"rb_to_s", []int{0}, "str"}, "inspect": {"rb_inspect", []int{0}, "str"},
	"to_i": {"rb_to_i", []int{0}, ""}, "to_f": {"rb_to_f", []int{0}, ""},
	"upcase": {"rb_upcase", []int{0}, "str"}, "downcase": {"rb_downcase", []int{0}, "str"},
	"capitalize": {"rb_capitalize", []int{0}, "str"}, "strip": {"rb_strip", []int{0}, "str"},
	"lstrip": {"rb_lstrip", []int{0}, "str"}, "rstrip": {"rb_rstrip", []int{0}, "str"}, "chomp": {"rb_chomp", []int{0}, "str"},
	"length": {"rb_length", []int{0}, ""}, "size": {"rb_length", []int{0}, ""}, "count": {"rb_length", []int{0}, ""},
	"first": {"rb_first", []int{0}, ""}, "last": {"rb_last", []int{0}, ""},
	"empty?": {"rb_is_empty", []int{0}, "bool"}, "nil?": {"rb_is_nil", []int{0}, "bool"},
	"include?": {"rb_includes", []int{1}, "bool"}, "member?": {"rb_includes", []int{1}, "bool"},
	"key?": {"rb_includes", []int{1}, "bool"}, "has_key?": {"rb_includes", []int{1}, "bool"},
	"keys": {"rb_keys", []int{0}, "list"}, "values": {"rb_values", []int{0}, "list"},
	"sort": {"rb_sort", []int{0}, "list"}, "reverse": {"rb_reverse", []int{0}, ""}, "uniq": {"rb_uniq", []int{0}, "list"},
	"compact": {"rb_compact", []int{0}, "list"}, "flatten": {"rb_flatten", []int{0}, "list"},
	"min": {"rb_min", []int{0}, ""}, "max": {"rb_max", []int{0}, ""},
	"split": {"rb_split", []int{0, 1}, "list"}, "join": {"rb_join", []int{0, 1}, "str"},
	"gsub": {"rb_gsub", []int{2}, "str"}, "sub": {"rb_sub_first", []int{2}, "str"},
	"start_with?": {"rb_start_with", []int{1}, "bool"}, "end_with?": {"rb_end_with", []int{1}, "bool"},
	"fetch": {"rb_fetch", []int{1, 2}, ""}, "to_a": {"rb_each", []int{0}, "list"},
	"ljust": {"rb_ljust", []int{1, 2}, "str"}, "rjust": {"rb_rjust", []int{1, 2}, "str"}, "center": {"rb_center", []int{1, 2}, "str"},
	"any?": {"rb_any", []int{0}, "bool"}, "zero?": {"rb_is_zero", []int{0}, "bool"},
	"nil_or_empty?": {"rb_nil_or_empty", []int{0}, "bool"},
}

func (t *erbTr) call(c *ruby.CallExpr) gx {
	if c.Block != nil {
		if c.Name == "sort_by" && c.Recv != nil && len(c.Args) == 0 {
			if steps, ok := trySortBySteps(c.Block); ok {
				return gx{code: strings.TrimSpace("rb_sort_by " + t.gx(c.Recv).arg() + " " + strings.Join(steps, " ")), typ: "list"}
			}
			// a computed key: map the block over the elements, then sort
			// the elements by the keys
			keys := t.hoistBlock(&ruby.CallExpr{Line: c.Line, Recv: c.Recv, Name: "sort_by", Block: c.Block})
			return gx{code: "rb_sort_by_keys " + t.gx(c.Recv).arg() + " " + keys.arg(), typ: "list"}
		}
		if blockMethods[c.Name] && c.Recv != nil && len(c.Args) == 0 {
			return t.hoistBlock(c)
		}
		bail("blocks inside expressions are translated for map, collect, select, reject and sort_by only")
	}
	if c.Recv == nil {
		if c.Name == "node" && len(c.Args) == 0 {
			return gx{code: t.root() + "node", operand: true, chain: true}
		}
		if c.Name == "Array" && len(c.Args) == 1 {
			return gx{code: "rb_array " + t.gx(c.Args[0]).arg(), typ: "list"}
		}
		if (c.Name == "format" || c.Name == "sprintf") && len(c.Args) > 0 {
			args := []string{"rb_format"}
			for _, a := range c.Args {
				args = append(args, t.gx(a).arg())
			}
			return gx{code: strings.Join(args, " "), typ: "str"}
		}
		if c.Name == "nil_or_empty?" && len(c.Args) > 0 {
			// the helper cookbooks define (and Chef's core extensions):
			// whether any argument is nil or empty
			args := []string{"rb_nil_or_empty"}
			for _, a := range c.Args {
				args = append(args, t.gx(a).arg())
			}
			return gx{code: strings.Join(args, " "), typ: "bool"}
		}
		if len(c.Args) == 0 && !c.Parens {
			bail("unknown local variable or helper method %s", c.Name)
		}
		bail("the helper method %s is not translated", c.Name)
	}
	if _, ok := c.Recv.(*ruby.ConstRef); ok {
		bail("Ruby classes have no converge equivalent")
	}
	switch c.Name {
	case "is_a?", "kind_of?":
		if len(c.Args) == 1 {
			if k, ok := c.Args[0].(*ruby.ConstRef); ok {
				return gx{code: "rb_is_a " + t.gx(c.Recv).arg() + " " + strconv.Quote(strings.TrimPrefix(k.Path, "::")), typ: "bool"}
			}
		}
		bail(".%s is translated with a class name", c.Name)
	case "to_sym", "dup", "freeze", "to_h":
		return t.gx(c.Recv)
	case "call", "each", "map", "select":
		bail(".%s is not translated in an expression", c.Name)
	}
	if g, ok := t.regexCall(c); ok {
		return g
	}
	if m, ok := erbMethods[c.Name]; ok {
		okN := false
		for _, n := range m.nargs {
			if len(c.Args) == n {
				okN = true
			}
		}
		if !okN {
			bail(".%s with %d arguments is not translated", c.Name, len(c.Args))
		}
		if orderFreeMethods[c.Name] {
			if rc, ok := c.Recv.(*ruby.CallExpr); ok && walkMethods[rc.Name] {
				t.orderFree = rc
			}
		}
		recv := t.gx(c.Recv)
		if walkMethods[c.Name] && c != t.orderFree {
			t.hashOrder(c.Recv, recv)
		}
		args := []string{m.fn, recv.arg()}
		for _, a := range c.Args {
			if _, ok := a.(*ruby.RegexExpr); ok {
				bail(".%s with a regular expression is not translated", c.Name)
			}
			args = append(args, t.gx(a).arg())
		}
		if c.Name == "join" && len(c.Args) == 0 {
			args = append(args, `""`)
		}
		if c.Name == "split" && len(c.Args) == 0 {
			args = append(args, "rb_nil")
		}
		if (c.Name == "ljust" || c.Name == "rjust" || c.Name == "center") && len(c.Args) == 1 {
			args = append(args, "rb_nil")
		}
		return gx{code: strings.Join(args, " "), typ: m.typ}
	}
	if isERBNodePath(c) {
		recv := gx{code: t.root() + "node", operand: true, chain: true}
		if !isNodeRef(c.Recv) {
			recv = t.gx(c.Recv)
		}
		if recv.chain && identRe.MatchString(c.Name) {
			return gx{code: recv.code + "." + c.Name, operand: true, chain: true}
		}
		return gx{code: "index " + recv.arg() + " " + strconv.Quote(c.Name)}
	}
	bail("the method .%s is not translated", c.Name)
	return gx{}
}

// walkMethods are the methods that walk a hash in its order;
// orderFreeMethods those whose result does not depend on the order of
// their receiver.
var (
	walkMethods      = map[string]bool{"keys": true, "values": true, "to_a": true}
	orderFreeMethods = map[string]bool{"sort": true, "length": true, "size": true, "count": true, "empty?": true,
		"include?": true, "member?": true, "min": true, "max": true, "any?": true}
)

var blockMethods = map[string]bool{"map": true, "collect": true, "select": true, "filter": true, "reject": true}

// hoistBlock translates recv.map { |x| expr } (and collect, select,
// reject) as a loop placed before the action that uses it, collecting into
// a variable: Go templates have no closures.
//
//	{{$blk1 := rb_list}}{{range $x := rb_block_each R}}{{$blk1 = rb_push $blk1 EXPR}}{{end}}
//
// The loop runs even where Ruby would not reach the expression (the other
// side of a ternary, say); rb_block_each takes nil as empty for that.
func (t *erbTr) hoistBlock(c *ruby.CallExpr) gx {
	if t.noHoist > 0 {
		bail(".%s { ... } in an elsif or when condition is not translated; compute it in a variable before the if", c.Name)
	}
	b := c.Block
	if len(b.Groups) > 0 {
		// |(k, v)| is |k, v|
		if len(b.Params) != 1 || len(b.Groups[0]) != 2 {
			bail(".%s: destructuring block parameters of this form are not translated", c.Name)
		}
		b = &ruby.BlockExpr{Line: b.Line, EndLine: b.EndLine, Params: b.Groups[0], Body: b.Unpacked(), Brace: b.Brace}
	}
	if len(b.Body) != 1 || len(b.Params) == 0 || len(b.Params) > 2 {
		bail(".%s is translated with one or two block parameters and one expression", c.Name)
	}
	for _, p := range b.Params {
		if !identRe.MatchString(p) {
			bail("block parameter %s is not translated", p)
		}
	}
	recv := t.gx(c.Recv)
	t.nBlock++
	acc := fmt.Sprintf("$blk%d", t.nBlock)
	elem := "$" + b.Params[0]
	header := fmt.Sprintf("%s := rb_list}}{{range %s := rb_block_each %s", acc, elem, recv.arg())
	if c.Name != "sort_by" {
		t.hashOrder(c.Recv, recv)
	}
	if len(b.Params) == 2 {
		t.nPair++
		elem = fmt.Sprintf("$kv%d", t.nPair)
		header = fmt.Sprintf("%s := rb_list}}{{range %s := rb_block_each %s}}{{$%s := index %s 0}}{{$%s := index %s 1",
			acc, elem, recv.arg(), b.Params[0], elem, b.Params[1], elem)
	}
	t.action(header)
	f := &erbFrame{kind: "range", scope: true, vars: map[string]bool{}}
	for _, p := range b.Params {
		f.vars[p] = true
	}
	t.frames = append(t.frames, f)
	defer func() { t.frames = t.frames[:len(t.frames)-1] }()
	switch c.Name {
	case "map", "collect", "sort_by": // sort_by: the keys
		t.action(acc + " = rb_push " + acc + " " + t.gx(b.Body[0].X).arg())
	case "select", "filter":
		t.action("if " + t.cond(b.Body[0].X, false) + "}}{{" + acc + " = rb_push " + acc + " " + elem + "}}{{end")
	case "reject":
		t.action("if " + t.cond(b.Body[0].X, true) + "}}{{" + acc + " = rb_push " + acc + " " + elem + "}}{{end")
	}
	t.action("end")
	return gx{code: acc, operand: true, typ: "list"}
}

// trySortBySteps is sortBySteps, false where the key is computed.
func trySortBySteps(b *ruby.BlockExpr) (steps []string, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, isBail := r.(*erbUntrans); !isBail {
				panic(r)
			}
			steps, ok = nil, false
		}
	}()
	return sortBySteps(b), true
}

// sortBySteps is the path a sort_by block reads from its element, as
// rb_sort_by steps: |x| x['name'].to_s is "k:name" "m:to_s", and |k, v| v
// (a hash's pair) is "i:1".
func sortBySteps(b *ruby.BlockExpr) []string {
	if len(b.Body) != 1 || len(b.Params) == 0 || len(b.Params) > 2 {
		bail("sort_by is translated with one or two block parameters and one expression")
	}
	var walk func(x ruby.Expr) []string
	walk = func(x ruby.Expr) []string {
		name := ""
		switch v := x.(type) {
		case *ruby.IdentRef:
			name = v.Name
		case *ruby.CallExpr:
			if v.Recv == nil && len(v.Args) == 0 && v.Block == nil {
				name = v.Name
				break
			}
			if v.Recv != nil && len(v.Args) == 0 && v.Block == nil && rb.StepMethods(v.Name) {
				return append(walk(v.Recv), `"m:`+v.Name+`"`)
			}
			bail("sort_by { ... } with .%s is not translated", v.Name)
		case *ruby.IndexExpr:
			if len(v.Args) == 1 {
				if k, ok := literalKey(v.Args[0]); ok {
					return append(walk(v.Recv), strconv.Quote("k:"+k))
				}
				if n, ok := v.Args[0].(*ruby.IntLit); ok {
					return append(walk(v.Recv), strconv.Quote("i:"+strconv.FormatInt(n.Val, 10)))
				}
			}
			bail("sort_by { ... } reads only literal keys and indexes")
		default:
			bail("sort_by { ... } is translated when it reads a path from its parameter")
		}
		for i, p := range b.Params {
			if p == name {
				if len(b.Params) == 2 {
					return []string{strconv.Quote("i:" + strconv.Itoa(i))}
				}
				return nil
			}
		}
		bail("sort_by { ... } reads %s, which is not its parameter", name)
		return nil
	}
	return walk(b.Body[0].X)
}

// assemble joins the pieces, escaping "{{" in text (and a "{" just before
// an action) so Go's template lexer reads them as text.
func (t *erbTr) assemble() string {
	var merged []erbPiece
	for _, p := range t.pieces {
		if !p.action && len(merged) > 0 && !merged[len(merged)-1].action {
			merged[len(merged)-1].s += p.s
			continue
		}
		merged = append(merged, p)
	}
	var b strings.Builder
	for i, p := range merged {
		if p.action {
			b.WriteString(p.s)
			continue
		}
		s := strings.ReplaceAll(p.s, "{{", "{{\"{{\"}}")
		if strings.HasSuffix(s, "{") && !strings.HasSuffix(s, "}}") && i+1 < len(merged) {
			s = s[:len(s)-1] + "{{\"{\"}}"
		}
		b.WriteString(s)
	}
	return b.String()
}
