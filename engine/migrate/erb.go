package migrate

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

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
// Ruby hashes iterate in insertion order; Go maps in sorted key order. A
// loop over a hash that is not sorted first is translated in sorted order
// and reported as an issue, because the output may differ.
func TranslateERB(src string) (string, error) {
	segs := scanERB(src)
	t := &erbTr{}
	t.frames = []*erbFrame{{kind: "top", scope: true, vars: map[string]bool{}}}
	for _, s := range segs {
		t.seg = s
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
		return out, &ERBError{Issues: t.issues}
	}
	return out, nil
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
	vars     map[string]bool
	line     int
	code     string
	caseSubj gx
	whens    int
	caseText int // index in pieces after the case tag
	elseSeen bool
}

type erbTr struct {
	pieces []erbPiece
	frames []*erbFrame
	issues []ERBIssue
	nPair  int
	nBlock int
	seg    erbSeg // the tag being translated
	// noHoist > 0 where a block's loop cannot be placed before the
	// expression (an elsif or when condition).
	noHoist int
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
		switch u := r.(type) {
		case *erbUntrans:
			t.todo(seg, u.why)
		case *parseError:
			t.todo(seg, "not understood: "+u.msg)
		default:
			panic(r)
		}
		if onErr != nil {
			onErr()
		}
	}
}

// parseFragment parses Ruby code of one tag with the template's locals.
func (t *erbTr) parser(toks []token) *parser {
	scope := map[string]bool{}
	for _, f := range t.frames {
		for v := range f.vars {
			scope[v] = true
		}
	}
	return &parser{toks: toks, scopes: []map[string]bool{scope}}
}

func (t *erbTr) output(seg erbSeg) {
	defer t.guardFrom(len(t.pieces), seg, nil)
	if seg.debug {
		bail("<%%=== %%> prints to Chef's standard error; there is no converge equivalent")
	}
	toks, _ := lexRuby(seg.text, seg.line)
	p := t.parser(toks)
	p.skipNL()
	if p.tok().kind == tEOF {
		return // <%= %> prints nothing
	}
	x := p.parseStatement()
	p.skipNL()
	if p.tok().kind != tEOF {
		bail("several statements in an output tag")
	}
	if seg.escape {
		t.action("rb_escape_xml " + t.gx(x).arg())
		return
	}
	t.emitOutput(x)
}

func (t *erbTr) emitOutput(x expr) {
	switch v := x.(type) {
	case *strLit:
		for _, part := range v.parts {
			if part.isCode {
				t.emitOutput(part.x)
			} else {
				t.text(part.lit)
			}
		}
		return
	case *ifExpr:
		if v.modifier {
			t.action("if " + t.cond(v.conds[0], v.unless))
			t.emitOutput(v.bodies[0][0].x)
			t.action("end")
			return
		}
	case *ternaryExpr:
		t.action("if " + t.cond(v.cond, false))
		t.emitOutput(v.yes)
		t.action("else")
		t.emitOutput(v.no)
		t.action("end")
		return
	case *nilLit:
		return
	case *intLit:
		t.text(strconv.FormatInt(v.val, 10))
		return
	case *symLit:
		t.text(v.name)
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
	toks, _ := lexRuby(seg.text, seg.line)
	for _, frag := range splitFragments(toks) {
		t.fragment(seg, frag)
	}
}

// splitFragments splits a tag's tokens at top-level ';' and newlines.
func splitFragments(toks []token) [][]token {
	var out [][]token
	var cur []token
	depth := 0
	for _, tk := range toks {
		if tk.kind == tEOF {
			break
		}
		if tk.kind == tOp {
			switch tk.text {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				depth--
			}
		}
		if tk.kind == tNL && depth <= 0 {
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

func withEnd(toks []token) []token {
	line := 1
	if len(toks) > 0 {
		line = toks[len(toks)-1].line
	}
	out := append([]token{}, toks...)
	return append(out, token{kind: tNL, text: "\n", line: line}, token{kind: tEOF, line: line})
}

// blockOpener finds a trailing "do |a, b|" or "{ |a|" and returns the
// tokens before it and the parameters.
func blockOpener(toks []token) (head []token, params []string, ok bool) {
	depth := 0
	for i, tk := range toks {
		if tk.kind == tOp {
			switch tk.text {
			case "(", "[":
				depth++
			case ")", "]":
				depth--
			}
		}
		opener := depth == 0 && ((tk.kind == tIdent && tk.text == "do") || (tk.kind == tOp && tk.text == "{"))
		if !opener {
			continue
		}
		rest := toks[i+1:]
		if len(rest) == 0 {
			return toks[:i], nil, true
		}
		if rest[0].kind == tOp && rest[0].text == "||" && len(rest) == 1 {
			return toks[:i], nil, true
		}
		if rest[0].kind != tOp || rest[0].text != "|" || rest[len(rest)-1].kind != tOp || rest[len(rest)-1].text != "|" || len(rest) < 2 {
			continue
		}
		inner := rest[1 : len(rest)-1]
		var names []string
		valid := len(inner)%2 == 1
		for j, p := range inner {
			if j%2 == 0 {
				if p.kind != tIdent || isKeyword(p.text) || !identRe.MatchString(p.text) {
					valid = false
					break
				}
				names = append(names, p.text)
			} else if p.kind != tOp || p.text != "," {
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

func (t *erbTr) fragment(seg erbSeg, toks []token) {
	first := toks[0]
	kw := ""
	if first.kind == tIdent {
		kw = first.text
	}
	if first.kind == tOp && first.text == "}" && len(toks) == 1 {
		kw = "end"
	}
	switch kw {
	case "end":
		if len(toks) > 1 {
			t.todo(seg, "code after end")
		}
		if len(t.frames) == 1 {
			t.todo(seg, "end without an open block")
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
		func() {
			defer t.guardFrom(len(t.pieces), seg, nil)
			if kw == "elsif" {
				// a block's loop would run inside the branch before
				t.noHoist++
				defer func() { t.noHoist-- }()
			}
			p := t.parser(withEnd(toks[1:]))
			if p.tok().kind == tNL {
				bail("missing condition")
			}
			p.noDo++
			x := p.parseExprStmt()
			if p.isKw("then") {
				p.next()
			}
			if p.tok().kind != tNL {
				bail("code after the condition")
			}
			cond = t.cond(x, kw == "unless")
		}()
		if kw == "elsif" {
			t.action("else if " + cond)
			return
		}
		t.action("if " + cond)
		t.frames = append(t.frames, &erbFrame{kind: kw, line: seg.line, code: seg.tag, start: len(t.pieces)})
		return
	case "case":
		f := &erbFrame{kind: "case", line: seg.line, code: seg.tag}
		func() {
			defer t.guardFrom(len(t.pieces), seg, nil)
			p := t.parser(withEnd(toks[1:]))
			if p.tok().kind == tNL {
				bail("case without a value")
			}
			f.caseSubj = t.gx(p.parseExprStmt())
			if p.tok().kind != tNL {
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
				v := p.parseArg()
				switch v.(type) {
				case *regexExpr, *constRef, *rangeExpr:
					bail("only literal and variable values are translated in when")
				}
				parts = append(parts, "(rb_eq "+f.caseSubj.arg()+" "+t.gx(v).arg()+")")
				if p.isOp(",") {
					p.next()
					continue
				}
				break
			}
			if p.isKw("then") {
				p.next()
			}
			if p.tok().kind != tNL {
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
		x := p.parseStatement()
		p.skipNL()
		if p.tok().kind != tEOF {
			bail("not understood")
		}
		t.statement(x)
	}()
}

func (t *erbTr) jump(seg erbSeg, toks []token) {
	inLoop := false
	for _, f := range t.frames {
		if f.kind == "range" {
			inLoop = true
		}
	}
	word := map[string]string{"next": "continue", "break": "break"}[toks[0].text]
	if !inLoop {
		t.todo(seg, toks[0].text+" outside a loop")
		return
	}
	if len(toks) == 1 {
		t.action(word)
		return
	}
	defer t.guardFrom(len(t.pieces), seg, nil)
	mod := toks[1]
	if mod.kind != tIdent || (mod.text != "if" && mod.text != "unless") {
		bail("%s with a value", toks[0].text)
	}
	p := t.parser(withEnd(toks[2:]))
	x := p.parseExprStmt()
	if p.tok().kind != tNL {
		bail("code after the condition")
	}
	t.action("if " + t.cond(x, mod.text == "unless"))
	t.action(word)
	t.action("end")
}

func (t *erbTr) statement(x expr) {
	switch v := x.(type) {
	case *ifExpr:
		if v.modifier {
			t.action("if " + t.cond(v.conds[0], v.unless))
			t.statement(v.bodies[0][0].x)
			t.action("end")
			return
		}
	case *assignExpr:
		id, ok := v.target.(*identRef)
		if !ok || !identRe.MatchString(id.name) {
			bail("only local variables can be assigned in a template")
		}
		val := t.gx(v.value)
		switch v.op {
		case "=":
		case "+=":
			val = gx{code: "rb_add $" + id.name + " " + val.arg()}
		case "||=":
			val = gx{code: "rb_or $" + id.name + " " + val.arg()}
		default:
			bail("the assignment %s is not translated", v.op)
		}
		if t.lookup(id.name) {
			t.action("$" + id.name + " = " + val.cmd())
			return
		}
		if v.op != "=" {
			bail("%s on an unset variable", v.op)
		}
		if t.top().scope {
			t.declareHere(id.name)
			t.action("$" + id.name + " := " + val.cmd())
			return
		}
		// assigned inside an if: Ruby's local lives on after the if, a Go
		// template variable would not, so it is declared before.
		sc := t.nearestScope()
		sc.vars[id.name] = true
		decl := erbPiece{s: "{{$" + id.name + " := rb_nil}}", action: true}
		t.pieces = append(t.pieces[:sc.start], append([]erbPiece{decl}, t.pieces[sc.start:]...)...)
		for _, f := range t.frames {
			if f != sc && f.start > sc.start {
				f.start++
			}
			if f.kind == "case" && f.caseText >= sc.start {
				f.caseText++
			}
		}
		t.action("$" + id.name + " = " + val.cmd())
		return
	}
	bail("only if/unless/case/each/end and local assignments are translated in <%% %%>")
}

var eachMethods = map[string]bool{"each": true, "each_with_index": true, "each_pair": true, "times": true, "each_key": true, "each_value": true}

func (t *erbTr) loop(seg erbSeg, head []token, params []string) {
	f := &erbFrame{kind: "range", scope: true, line: seg.line, code: seg.tag, vars: map[string]bool{}}
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
		p.noDo++
		x := p.parsePostfix(p.parsePrimary())
		if p.tok().kind != tNL {
			bail("not understood before the block")
		}
		c, ok := x.(*callExpr)
		if !ok || c.recv == nil || !eachMethods[c.name] || len(c.args) > 0 {
			bail("only each, each_with_index, each_pair and times blocks are translated")
		}
		recv := t.gx(c.recv)
		sorted := false
		if rc, ok := c.recv.(*callExpr); ok && (rc.name == "sort" || rc.name == "sort_by") {
			sorted = true
		}
		switch c.name {
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
		case "each_key", "each_value":
			if len(params) != 1 {
				bail("%s takes one block parameter", c.name)
			}
			fn := map[string]string{"each_key": "rb_keys", "each_value": "rb_values"}[c.name]
			header = fmt.Sprintf("range $%s := %s %s", params[0], fn, recv.arg())
			if !sorted {
				t.issue(seg.line, seg.tag, "hash order: Ruby walks a hash in insertion order, converge in sorted key order; check the output")
			}
		default:
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
				if !sorted && recv.typ != "list" {
					t.issue(seg.line, seg.tag, "hash order: Ruby walks a hash in insertion order, converge in sorted key order; check the output (or sort the hash in the ERB)")
				}
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
func (t *erbTr) cond(x expr, neg bool) string {
	g := t.condGx(x)
	if neg {
		return "not " + g.arg()
	}
	return g.cmd()
}

func (t *erbTr) condGx(x expr) gx {
	switch v := x.(type) {
	case *binaryExpr:
		switch v.op {
		case "&&":
			return gx{code: "and " + t.condGx(v.l).arg() + " " + t.condGx(v.r).arg(), typ: "bool"}
		case "||":
			return gx{code: "or " + t.condGx(v.l).arg() + " " + t.condGx(v.r).arg(), typ: "bool"}
		}
	case *unaryExpr:
		if v.op == "!" {
			return gx{code: "not " + t.condGx(v.x).arg(), typ: "bool"}
		}
	}
	g := t.gx(x)
	if g.typ == "bool" {
		return g
	}
	return gx{code: "rb_truthy " + g.arg(), typ: "bool"}
}

func isNodeRef(x expr) bool {
	c, ok := x.(*callExpr)
	return ok && c.recv == nil && c.name == "node" && len(c.args) == 0 && c.block == nil
}

func (t *erbTr) gx(x expr) gx {
	switch v := x.(type) {
	case *strLit:
		if isPlain(v) {
			return operand(strconv.Quote(plain(v)), "str")
		}
		var args []string
		for _, p := range v.parts {
			if p.isCode {
				args = append(args, t.gx(p.x).arg())
			} else if p.lit != "" {
				args = append(args, strconv.Quote(p.lit))
			}
		}
		return gx{code: "rb_str " + strings.Join(args, " "), typ: "str"}
	case *symLit:
		return operand(strconv.Quote(v.name), "str")
	case *intLit:
		return operand(strconv.FormatInt(v.val, 10), "")
	case *floatLit:
		f, err := strconv.ParseFloat(v.text, 64)
		if err != nil {
			bail("bad float %s", v.text)
		}
		s := strconv.FormatFloat(f, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEn") {
			s += ".0"
		}
		return operand(s, "")
	case *nilLit:
		return operand("rb_nil", "")
	case *boolLit:
		return operand(strconv.FormatBool(v.val), "bool")
	case *arrayLit:
		args := make([]string, len(v.elems))
		for i, el := range v.elems {
			args[i] = " " + t.gx(el).arg()
		}
		return gx{code: "rb_list" + strings.Join(args, ""), typ: "list"}
	case *hashLit:
		var args []string
		for i := range v.keys {
			args = append(args, t.gx(v.keys[i]).arg(), t.gx(v.vals[i]).arg())
		}
		return gx{code: strings.TrimSpace("rb_hash " + strings.Join(args, " "))}
	case *ivarRef:
		if identRe.MatchString(v.name) {
			return gx{code: t.root() + v.name, operand: true, chain: true}
		}
		obj := "."
		if t.root() == "$." {
			obj = "$"
		}
		return gx{code: "index " + obj + " " + strconv.Quote(v.name)}
	case *identRef:
		if !t.lookup(v.name) {
			bail("unknown local variable %s", v.name)
		}
		return gx{code: "$" + v.name, operand: true, chain: true}
	case *indexExpr:
		return t.index(v)
	case *callExpr:
		return t.call(v)
	case *binaryExpr:
		fn := map[string]string{"==": "rb_eq", "!=": "rb_ne", "<": "rb_lt", "<=": "rb_le", ">": "rb_gt", ">=": "rb_ge",
			"+": "rb_add", "-": "rb_sub", "*": "rb_mul", "/": "rb_div", "%": "rb_mod", "&&": "rb_and", "||": "rb_or"}[v.op]
		if fn == "" {
			bail("the operator %s is not translated", v.op)
		}
		if v.op == "%" {
			if _, ok := v.l.(*strLit); ok {
				// String#%: an Array on the right gives the arguments.
				if a, ok := v.r.(*arrayLit); ok {
					args := []string{"rb_format", t.gx(v.l).arg()}
					for _, el := range a.elems {
						args = append(args, t.gx(el).arg())
					}
					return gx{code: strings.Join(args, " "), typ: "str"}
				}
				return gx{code: "rb_format_op " + t.gx(v.l).arg() + " " + t.gx(v.r).arg(), typ: "str"}
			}
		}
		typ := ""
		switch v.op {
		case "==", "!=", "<", "<=", ">", ">=":
			typ = "bool"
		}
		l, r := t.gx(v.l), t.gx(v.r)
		if v.op == "+" && l.typ == "str" {
			typ = "str"
		}
		return gx{code: fn + " " + l.arg() + " " + r.arg(), typ: typ}
	case *unaryExpr:
		switch v.op {
		case "!":
			return gx{code: "rb_not " + t.gx(v.x).arg(), typ: "bool"}
		case "-":
			return gx{code: "rb_sub 0 " + t.gx(v.x).arg()}
		}
		bail("the operator %s is not translated", v.op)
	case *ternaryExpr:
		return gx{code: "rb_if " + t.gx(v.cond).arg() + " " + t.gx(v.yes).arg() + " " + t.gx(v.no).arg()}
	case *rangeExpr:
		return gx{code: "rb_range " + t.gx(v.lo).arg() + " " + t.gx(v.hi).arg() + " " + strconv.FormatBool(v.excl), typ: "list"}
	case *constRef:
		bail("the constant %s has no converge equivalent", v.path)
	case *regexExpr:
		bail("regular expressions are not translated")
	case *xstrExpr:
		bail("backticks run a command; templates cannot")
	case *badExpr:
		bail("%s", v.why)
	case *opaqueExpr:
		bail("%s is not translated", v.what)
	}
	bail("this expression is not translated")
	return gx{}
}

func (t *erbTr) index(v *indexExpr) gx {
	if len(v.args) != 1 {
		bail("[] with %d arguments is not translated", len(v.args))
	}
	if _, ok := v.args[0].(*rangeExpr); ok {
		bail("slicing with a range is not translated")
	}
	var recv gx
	nodePath := isNodeRef(v.recv) || isERBNodePath(v.recv)
	if isNodeRef(v.recv) {
		recv = gx{code: t.root() + "node", operand: true, chain: true}
	} else {
		recv = t.gx(v.recv)
	}
	if k, ok := literalKey(v.args[0]); ok {
		if nodePath && recv.chain && identRe.MatchString(k) {
			return gx{code: recv.code + "." + k, operand: true, chain: true}
		}
		return gx{code: "index " + recv.arg() + " " + strconv.Quote(k)}
	}
	return gx{code: "rb_index " + recv.arg() + " " + t.gx(v.args[0]).arg()}
}

func isERBNodePath(x expr) bool {
	switch v := x.(type) {
	case *indexExpr:
		return isNodeRef(v.recv) || isERBNodePath(v.recv)
	case *callExpr:
		if v.recv != nil && len(v.args) == 0 && v.block == nil && !rubyMethods[v.name] {
			return isNodeRef(v.recv) || isERBNodePath(v.recv)
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
	"any?": {"rb_any", []int{0}, "bool"},
}

func (t *erbTr) call(c *callExpr) gx {
	if c.block != nil {
		if c.name == "sort_by" && c.recv != nil && len(c.args) == 0 {
			steps := sortBySteps(c.block)
			return gx{code: strings.TrimSpace("rb_sort_by " + t.gx(c.recv).arg() + " " + strings.Join(steps, " ")), typ: "list"}
		}
		if blockMethods[c.name] && c.recv != nil && len(c.args) == 0 {
			return t.hoistBlock(c)
		}
		bail("blocks inside expressions are translated for map, collect, select, reject and sort_by only")
	}
	if c.recv == nil {
		if c.name == "node" && len(c.args) == 0 {
			return gx{code: t.root() + "node", operand: true, chain: true}
		}
		if (c.name == "format" || c.name == "sprintf") && len(c.args) > 0 {
			args := []string{"rb_format"}
			for _, a := range c.args {
				args = append(args, t.gx(a).arg())
			}
			return gx{code: strings.Join(args, " "), typ: "str"}
		}
		if len(c.args) == 0 && !c.parens {
			bail("unknown local variable or helper method %s", c.name)
		}
		bail("the helper method %s is not translated", c.name)
	}
	if _, ok := c.recv.(*constRef); ok {
		bail("Ruby classes have no converge equivalent")
	}
	switch c.name {
	case "is_a?", "kind_of?":
		if len(c.args) == 1 {
			if k, ok := c.args[0].(*constRef); ok {
				return gx{code: "rb_is_a " + t.gx(c.recv).arg() + " " + strconv.Quote(strings.TrimPrefix(k.path, "::")), typ: "bool"}
			}
		}
		bail(".%s is translated with a class name", c.name)
	case "to_sym", "dup", "freeze", "to_h":
		return t.gx(c.recv)
	case "call", "each", "map", "select":
		bail(".%s is not translated in an expression", c.name)
	}
	if m, ok := erbMethods[c.name]; ok {
		okN := false
		for _, n := range m.nargs {
			if len(c.args) == n {
				okN = true
			}
		}
		if !okN {
			bail(".%s with %d arguments is not translated", c.name, len(c.args))
		}
		recv := t.gx(c.recv)
		args := []string{m.fn, recv.arg()}
		for _, a := range c.args {
			if _, ok := a.(*regexExpr); ok {
				bail(".%s with a regular expression is not translated", c.name)
			}
			args = append(args, t.gx(a).arg())
		}
		if c.name == "join" && len(c.args) == 0 {
			args = append(args, `""`)
		}
		if c.name == "split" && len(c.args) == 0 {
			args = append(args, "rb_nil")
		}
		if (c.name == "ljust" || c.name == "rjust" || c.name == "center") && len(c.args) == 1 {
			args = append(args, "rb_nil")
		}
		return gx{code: strings.Join(args, " "), typ: m.typ}
	}
	if isERBNodePath(c) {
		recv := gx{code: t.root() + "node", operand: true, chain: true}
		if !isNodeRef(c.recv) {
			recv = t.gx(c.recv)
		}
		if recv.chain && identRe.MatchString(c.name) {
			return gx{code: recv.code + "." + c.name, operand: true, chain: true}
		}
		return gx{code: "index " + recv.arg() + " " + strconv.Quote(c.name)}
	}
	bail("the method .%s is not translated", c.name)
	return gx{}
}

var blockMethods = map[string]bool{"map": true, "collect": true, "select": true, "filter": true, "reject": true}

// hoistBlock translates recv.map { |x| expr } (and collect, select,
// reject) as a loop placed before the action that uses it, collecting into
// a variable: Go templates have no closures.
//
//	{{$blk1 := rb_list}}{{range $x := rb_block_each R}}{{$blk1 = rb_push $blk1 EXPR}}{{end}}
//
// The loop runs even where Ruby would not reach the expression (the other
// side of a ternary, say); rb_block_each takes nil as empty for that.
func (t *erbTr) hoistBlock(c *callExpr) gx {
	if t.noHoist > 0 {
		bail(".%s { ... } in an elsif or when condition is not translated; compute it in a variable before the if", c.name)
	}
	b := c.block
	if len(b.body) != 1 || len(b.params) == 0 || len(b.params) > 2 {
		bail(".%s is translated with one or two block parameters and one expression", c.name)
	}
	for _, p := range b.params {
		if !identRe.MatchString(p) {
			bail("block parameter %s is not translated", p)
		}
	}
	recv := t.gx(c.recv)
	t.nBlock++
	acc := fmt.Sprintf("$blk%d", t.nBlock)
	elem := "$" + b.params[0]
	header := fmt.Sprintf("%s := rb_list}}{{range %s := rb_block_each %s", acc, elem, recv.arg())
	if len(b.params) == 2 {
		sorted := false
		if rc, ok := c.recv.(*callExpr); ok && (rc.name == "sort" || rc.name == "sort_by") {
			sorted = true
		}
		if !sorted && recv.typ != "list" {
			t.issue(t.seg.line, t.seg.tag, "hash order: Ruby walks a hash in insertion order, converge in sorted key order; check the output (or sort the hash in the ERB)")
		}
		t.nPair++
		elem = fmt.Sprintf("$kv%d", t.nPair)
		header = fmt.Sprintf("%s := rb_list}}{{range %s := rb_block_each %s}}{{$%s := index %s 0}}{{$%s := index %s 1",
			acc, elem, recv.arg(), b.params[0], elem, b.params[1], elem)
	}
	t.action(header)
	f := &erbFrame{kind: "range", scope: true, vars: map[string]bool{}}
	for _, p := range b.params {
		f.vars[p] = true
	}
	t.frames = append(t.frames, f)
	defer func() { t.frames = t.frames[:len(t.frames)-1] }()
	switch c.name {
	case "map", "collect":
		t.action(acc + " = rb_push " + acc + " " + t.gx(b.body[0].x).arg())
	case "select", "filter":
		t.action("if " + t.cond(b.body[0].x, false) + "}}{{" + acc + " = rb_push " + acc + " " + elem + "}}{{end")
	case "reject":
		t.action("if " + t.cond(b.body[0].x, true) + "}}{{" + acc + " = rb_push " + acc + " " + elem + "}}{{end")
	}
	t.action("end")
	return gx{code: acc, operand: true, typ: "list"}
}

// sortBySteps is the path a sort_by block reads from its element, as
// rb_sort_by steps: |x| x['name'].to_s is "k:name" "m:to_s", and |k, v| v
// (a hash's pair) is "i:1".
func sortBySteps(b *blockExpr) []string {
	if len(b.body) != 1 || len(b.params) == 0 || len(b.params) > 2 {
		bail("sort_by is translated with one or two block parameters and one expression")
	}
	var walk func(x expr) []string
	walk = func(x expr) []string {
		name := ""
		switch v := x.(type) {
		case *identRef:
			name = v.name
		case *callExpr:
			if v.recv == nil && len(v.args) == 0 && v.block == nil {
				name = v.name
				break
			}
			if v.recv != nil && len(v.args) == 0 && v.block == nil && rb.StepMethods(v.name) {
				return append(walk(v.recv), `"m:`+v.name+`"`)
			}
			bail("sort_by { ... } with .%s is not translated", v.name)
		case *indexExpr:
			if len(v.args) == 1 {
				if k, ok := literalKey(v.args[0]); ok {
					return append(walk(v.recv), strconv.Quote("k:"+k))
				}
				if n, ok := v.args[0].(*intLit); ok {
					return append(walk(v.recv), strconv.Quote("i:"+strconv.FormatInt(n.val, 10)))
				}
			}
			bail("sort_by { ... } reads only literal keys and indexes")
		default:
			bail("sort_by { ... } is translated when it reads a path from its parameter")
		}
		for i, p := range b.params {
			if p == name {
				if len(b.params) == 2 {
					return []string{strconv.Quote("i:" + strconv.Itoa(i))}
				}
				return nil
			}
		}
		bail("sort_by { ... } reads %s, which is not its parameter", name)
		return nil
	}
	return walk(b.body[0].x)
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
