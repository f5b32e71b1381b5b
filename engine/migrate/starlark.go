package migrate

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/shell"
	_ "github.com/converge-cm/converge/resources" // registers the kinds translated to
)

// fileKind says what a Ruby file is, which decides what its statements mean.
type fileKind int

const (
	kindRecipe fileKind = iota
	kindAttributes
)

// untranslatable aborts the translation of one statement (or property); the
// emitter catches it and writes a TODO in its place.
type untranslatable struct {
	construct string
	why       string
}

func no(construct, why string) { panic(&untranslatable{construct: construct, why: why}) }

// Starlark operator precedence, loosest first.
const (
	pLambda = iota
	pTernary
	pOr
	pAnd
	pNot
	pCmp
	pBitOr
	pBitXor
	pBitAnd
	pShift
	pAdd
	pMul
	pUnary
	pPostfix
)

type sx struct {
	code string
	prec int
	str  bool // known to be a string
}

func atom(code string) sx { return sx{code: code, prec: pPostfix} }

// in wraps x in parentheses if it binds looser than min.
func (x sx) in(min int) string {
	if x.prec < min {
		return "(" + x.code + ")"
	}
	return x.code
}

type varInfo struct {
	star string // Starlark name
	typ  string // "str", "list", "dict" or ""
}

type emitter struct {
	file     string // path shown in TODOs (cookbook/recipes/x.rb)
	kind     fileKind
	cookbook string
	recipe   string
	src      []string // source lines
	out      []string
	todos    []Todo
	comments []comment
	ci       int
	vars     map[string]varInfo
	loop     int
}

func newEmitter(file string, kind fileKind, cookbook, recipe, src string, comments []comment) *emitter {
	return &emitter{
		file: file, kind: kind, cookbook: cookbook, recipe: recipe,
		src: strings.Split(src, "\n"), comments: comments, vars: map[string]varInfo{},
	}
}

// translateRuby turns a recipe or attribute file into Starlark.
func translateRuby(file string, kind fileKind, cookbook, recipe, src string) (string, []Todo) {
	stmts, comments := parseRuby(src)
	e := newEmitter(file, kind, cookbook, recipe, src, comments)
	e.body(stmts, 0)
	e.flushComments(1<<30, 0)
	out := strings.Join(e.out, "\n")
	out = strings.TrimLeft(out, "\n")
	if out != "" {
		out += "\n"
	}
	return out, e.todos
}

func (e *emitter) line(ind int, s string) {
	e.out = append(e.out, strings.Repeat("    ", ind)+s)
}

// commentText makes s safe inside a one-line Starlark comment.
func commentText(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\f' || r == '\v' || r == 0 {
			return ' '
		}
		return r
	}, s)
}

// gap keeps a blank line of the source before line ln.
func (e *emitter) gap(ln int) {
	if ln < 2 || ln-2 >= len(e.src) || strings.TrimSpace(e.src[ln-2]) != "" || len(e.out) == 0 {
		return
	}
	last := strings.TrimSpace(e.out[len(e.out)-1])
	if last == "" || strings.HasSuffix(last, ":") {
		return
	}
	e.out = append(e.out, "")
}

func (e *emitter) flushComments(before, ind int) {
	for e.ci < len(e.comments) && e.comments[e.ci].line < before {
		c := e.comments[e.ci]
		e.ci++
		e.gap(c.line)
		if strings.HasPrefix(c.text, "!") && c.line == 1 { // shebang
			continue
		}
		e.line(ind, "#"+commentText(strings.TrimRight(c.text, " \t")))
	}
}

// skipComments drops comments inside lines [from, to] (they are quoted
// with the original source in a TODO).
func (e *emitter) skipComments(to int) {
	for e.ci < len(e.comments) && e.comments[e.ci].line <= to {
		e.ci++
	}
}

func (e *emitter) todo(s *stmt, ind int, construct, why string) {
	e.flushComments(s.line, ind)
	e.todos = append(e.todos, Todo{File: e.file, Line: s.line, Construct: commentText(construct), Why: commentText(why)})
	e.line(ind, commentText(fmt.Sprintf("# TODO(migrate): %s: %s (%s:%d)", construct, why, e.file, s.line)))
	for ln := s.line; ln <= s.endLine && ln-1 < len(e.src); ln++ {
		e.line(ind, "#   "+commentText(strings.TrimRight(e.src[ln-1], " \t\r")))
	}
	e.skipComments(s.endLine)
}

// todoLine records a TODO about part of a statement (one property) and
// quotes just that source line.
func (e *emitter) todoLine(ln, ind int, construct, why string) {
	e.todos = append(e.todos, Todo{File: e.file, Line: ln, Construct: commentText(construct), Why: commentText(why)})
	e.line(ind, commentText(fmt.Sprintf("# TODO(migrate): %s: %s (%s:%d)", construct, why, e.file, ln)))
	if ln-1 < len(e.src) && ln > 0 {
		e.line(ind, "#   "+commentText(strings.TrimSpace(e.src[ln-1])))
	}
}

func (e *emitter) body(stmts []*stmt, ind int) {
	n := len(e.out)
	for i := 0; i < len(stmts); i++ {
		s := stmts[i]
		// "return if cond" at the top of a recipe guards the rest of the file
		if j, ok := s.x.(*ifExpr); ok && j.modifier && e.loop == 0 && ind == 0 {
			if r, ok := j.bodies[0][0].x.(*jumpExpr); ok && r.kind == "return" && r.val == nil {
				cond, err := e.tryCond(j.conds[0], !j.unless)
				if err != nil {
					e.todo(s, ind, "return", err.why)
					continue
				}
				e.flushComments(s.line, ind)
				e.skipComments(s.endLine)
				e.line(ind, "if "+cond+":")
				e.body(stmts[i+1:], ind+1)
				return
			}
		}
		if r, ok := s.x.(*jumpExpr); ok && r.kind == "return" && e.loop == 0 && ind == 0 {
			if i == len(stmts)-1 && r.val == nil {
				e.flushComments(s.line, ind)
				e.skipComments(s.endLine)
				e.line(ind, "# (return: end of recipe)")
				continue
			}
		}
		e.stmt(s, ind)
	}
	if !hasCode(e.out[n:]) {
		e.line(ind, "pass")
	}
}

func hasCode(lines []string) bool {
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t != "" && !strings.HasPrefix(t, "#") {
			return true
		}
	}
	return false
}

// tryCond translates a condition (negated when neg) or reports why not.
func (e *emitter) tryCond(x expr, neg bool) (code string, err *untranslatable) {
	defer func() {
		if r := recover(); r != nil {
			u, ok := r.(*untranslatable)
			if !ok {
				panic(r)
			}
			err = u
		}
	}()
	c := e.cond(x)
	if neg {
		return "not " + c.in(pNot), nil
	}
	return c.code, nil
}

func (e *emitter) stmt(s *stmt, ind int) {
	e.flushComments(s.line, ind)
	e.gap(s.line)
	mark := len(e.out)
	varsBefore := copyVars(e.vars)
	defer func() {
		if r := recover(); r != nil {
			u, ok := r.(*untranslatable)
			if !ok {
				panic(r)
			}
			e.out = e.out[:mark]
			e.vars = varsBefore
			e.todo(s, ind, u.construct, u.why)
		}
	}()
	e.stmtInner(s, ind)
	e.skipComments(s.endLine)
}

func copyVars(m map[string]varInfo) map[string]varInfo {
	c := make(map[string]varInfo, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func (e *emitter) stmtInner(s *stmt, ind int) {
	switch x := s.x.(type) {
	case *badExpr:
		no("unreadable Ruby", "the reader could not parse this ("+x.why+")")
	case *opaqueExpr:
		no(x.what, "arbitrary Ruby has no converge equivalent")
	case *ifExpr:
		e.emitIf(s, x, ind)
	case *caseExpr:
		e.emitCase(x, ind)
	case *forExpr:
		iter := e.expr(x.iter)
		names := make([]string, len(x.vars))
		for i, v := range x.vars {
			names[i] = e.bind(v, "")
		}
		e.line(ind, "for "+strings.Join(names, ", ")+" in "+iter.in(pOr)+":")
		e.loop++
		e.body(x.body, ind+1)
		e.loop--
	case *assignExpr:
		e.emitAssign(x, ind)
	case *jumpExpr:
		switch {
		case x.kind == "next" && e.loop > 0 && x.val == nil:
			e.line(ind, "continue")
		case x.kind == "break" && e.loop > 0 && x.val == nil:
			e.line(ind, "break")
		default:
			no(x.kind, "leaving a recipe or block early has no converge equivalent here")
		}
	case *callExpr:
		e.emitCallStmt(s, x, ind)
	case *binaryExpr:
		if x.op == "<<" {
			if id, ok := x.l.(*identRef); ok {
				e.line(ind, e.ident(id).code+".append("+e.expr(x.r).code+")")
				return
			}
		}
		no("expression statement", "a value computed and thrown away")
	default:
		no("expression statement", "a value computed and thrown away")
	}
}

func (e *emitter) emitIf(s *stmt, x *ifExpr, ind int) {
	for i, c := range x.conds {
		kw := "elif "
		if i == 0 {
			kw = "if "
		}
		code, err := e.tryCond(c, x.unless)
		if err != nil {
			ln := c.exprLine()
			e.todoLine(ln, ind, err.construct, err.why+" (in a condition)")
			e.line(ind, kw+"False:  # TODO(migrate): condition not translated")
		} else {
			e.line(ind, kw+code+":")
		}
		e.body(x.bodies[i], ind+1)
	}
	if x.hasElse {
		e.flushComments(firstLine(x.els, s.endLine), ind)
		e.line(ind, "else:")
		e.body(x.els, ind+1)
	}
}

func firstLine(stmts []*stmt, def int) int {
	if len(stmts) > 0 {
		return stmts[0].line
	}
	return def
}

func (e *emitter) emitCase(x *caseExpr, ind int) {
	var subj sx
	if x.subject != nil {
		subj = e.expr(x.subject)
	}
	for i, vals := range x.whens {
		kw := "elif "
		if i == 0 {
			kw = "if "
		}
		code, err := e.tryWhen(x.subject != nil, subj, vals)
		if err != nil {
			e.todoLine(vals[0].exprLine(), ind, err.construct, err.why+" (in a when)")
			e.line(ind, kw+"False:  # TODO(migrate): condition not translated")
		} else {
			e.line(ind, kw+code+":")
		}
		e.body(x.bodies[i], ind+1)
	}
	if x.hasElse {
		if len(x.whens) == 0 {
			e.line(ind, "if True:")
		} else {
			e.line(ind, "else:")
		}
		e.body(x.els, ind+1)
	}
}

func (e *emitter) tryWhen(hasSubj bool, subj sx, vals []expr) (code string, err *untranslatable) {
	defer func() {
		if r := recover(); r != nil {
			u, ok := r.(*untranslatable)
			if !ok {
				panic(r)
			}
			err = u
		}
	}()
	if !hasSubj {
		var parts []string
		for _, v := range vals {
			parts = append(parts, e.cond(v).in(pOr+1))
		}
		return strings.Join(parts, " or "), nil
	}
	var lits []string
	var parts []string
	for _, v := range vals {
		switch w := v.(type) {
		case *strLit, *symLit, *intLit, *floatLit, *nilLit, *boolLit:
			lits = append(lits, e.expr(w).code)
			continue
		case *rangeExpr:
			lo, hi := e.expr(w.lo), e.expr(w.hi)
			op := "<="
			if w.excl {
				op = "<"
			}
			parts = append(parts, fmt.Sprintf("%s >= %s and %s %s %s", subj.in(pCmp+1), lo.in(pCmp+1), subj.in(pCmp+1), op, hi.in(pCmp+1)))
			continue
		case *regexExpr:
			no("when /regexp/", "regular expressions have no Starlark equivalent")
		case *constRef:
			no("when "+w.path, "matching on a Ruby class has no Starlark equivalent")
		}
		parts = append(parts, subj.in(pCmp+1)+" == "+e.expr(v).in(pCmp+1))
	}
	switch len(lits) {
	case 0:
	case 1:
		parts = append([]string{subj.in(pCmp+1) + " == " + lits[0]}, parts...)
	default:
		parts = append([]string{subj.in(pCmp+1) + " in (" + strings.Join(lits, ", ") + ")"}, parts...)
	}
	return strings.Join(parts, " or "), nil
}

var attrRoots = map[string]string{
	"default": "default", "override": "override", "normal": "normal", "set": "normal",
}

// attrTarget splits default["a"]["b"] (or node.default.a.b) into its root
// and keys; ok is false when x is not rooted at an attribute precedence.
func (e *emitter) attrTarget(x expr) (root string, keys []expr, ok bool) {
	switch t := x.(type) {
	case *indexExpr:
		root, keys, ok = e.attrTarget(t.recv)
		if !ok || len(t.args) != 1 {
			return "", nil, false
		}
		return root, append(keys, t.args[0]), true
	case *callExpr:
		if len(t.args) > 0 || t.block != nil {
			return "", nil, false
		}
		if t.recv == nil {
			if r, ok := attrRoots[t.name]; ok {
				return r, nil, true
			}
			if strings.HasSuffix(t.name, "_unless") || strings.HasPrefix(t.name, "force_") {
				no(t.name, "this attribute precedence has no converge equivalent")
			}
			return "", nil, false
		}
		if isNodeCall(t.recv) {
			if r, ok := attrRoots[t.name]; ok {
				return r, nil, true
			}
			if strings.HasSuffix(t.name, "_unless") || strings.HasPrefix(t.name, "force_") {
				no("node."+t.name, "this attribute precedence has no converge equivalent")
			}
		}
		root, keys, ok = e.attrTarget(t.recv)
		if !ok {
			return "", nil, false
		}
		return root, append(keys, &strLit{line: t.line, parts: []strElem{{lit: t.name}}}), true
	}
	return "", nil, false
}

func isNodeCall(x expr) bool {
	c, ok := x.(*callExpr)
	return ok && c.recv == nil && c.name == "node" && len(c.args) == 0 && c.block == nil
}

func (e *emitter) emitAssign(x *assignExpr, ind int) {
	if root, keys, ok := e.attrTarget(x.target); ok {
		if e.kind != kindAttributes {
			no("setting a node attribute", "a recipe cannot set attributes in converge; move this to an attribute file")
		}
		if len(keys) == 0 {
			no("assignment to "+root, "an attribute needs a key")
		}
		var b strings.Builder
		b.WriteString(root)
		for _, k := range keys {
			b.WriteString("[" + e.expr(k).code + "]")
		}
		op := x.op
		switch op {
		case "=", "+=", "-=":
		default:
			no(op+" on an attribute", "only =, += and -= are translated for attributes")
		}
		e.line(ind, b.String()+" "+op+" "+e.expr(x.value).code)
		return
	}
	switch t := x.target.(type) {
	case *identRef:
		v := e.expr(x.value)
		typ := typeOf(x.value, v)
		switch x.op {
		case "=":
			e.line(ind, e.bind(t.name, typ)+" = "+v.code)
		case "||=":
			if _, known := e.vars[t.name]; !known {
				e.line(ind, e.bind(t.name, typ)+" = "+v.code)
				return
			}
			n := e.vars[t.name].star
			e.line(ind, n+" = "+n+" or "+v.in(pOr+1))
		case "+=", "-=", "*=", "%=", "|=":
			if _, known := e.vars[t.name]; !known {
				no(x.op, "the variable is not set before")
			}
			e.line(ind, e.vars[t.name].star+" "+x.op+" "+v.code)
		default:
			no(x.op, "this assignment operator is not translated")
		}
	case *ivarRef:
		no("@"+t.name+" =", "instance variables have no converge equivalent")
	case *constRef:
		no(t.path+" =", "constants have no converge equivalent")
	default:
		no("assignment", "only local variables and attributes can be assigned")
	}
}

func typeOf(x expr, v sx) string {
	switch x.(type) {
	case *arrayLit:
		return "list"
	case *hashLit:
		return "dict"
	}
	if v.str {
		return "str"
	}
	return ""
}

var starReserved = map[string]bool{
	"and": true, "break": true, "continue": true, "def": true, "elif": true, "else": true, "for": true,
	"if": true, "in": true, "lambda": true, "load": true, "not": true, "or": true, "pass": true,
	"return": true, "while": true, "as": true, "assert": true, "async": true, "await": true, "class": true,
	"del": true, "except": true, "finally": true, "from": true, "global": true, "import": true, "is": true,
	"nonlocal": true, "raise": true, "try": true, "with": true, "yield": true, "None": true, "True": true, "False": true,
	// converge builtins a local must not shadow
	"package": true, "template": true, "file": true, "cookbook_file": true, "directory": true, "link": true,
	"service": true, "execute": true, "user": true, "group": true, "include_recipe": true, "node": true,
	"cluster": true, "default": true, "override": true, "normal": true,
	// Starlark builtins
	"str": true, "int": true, "len": true, "list": true, "dict": true, "range": true, "sorted": true,
	"fail": true, "print": true, "type": true, "bool": true, "float": true, "enumerate": true, "any": true,
	"all": true, "min": true, "max": true, "zip": true, "reversed": true, "repr": true, "hasattr": true,
	"getattr": true, "tuple": true,
}

// bind declares a Ruby local and returns its Starlark name.
func (e *emitter) bind(name, typ string) string {
	star := name
	if starReserved[star] || strings.ContainsAny(star, "?!") || !isASCIIIdent(star) {
		star = sanitizeIdent(star) + "_"
	}
	e.vars[name] = varInfo{star: star, typ: typ}
	return star
}

func isASCIIIdent(s string) bool {
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

func sanitizeIdent(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteString(fmt.Sprintf("u%x", r))
		}
	}
	return b.String()
}

func (e *emitter) ident(id *identRef) sx {
	if v, ok := e.vars[id.name]; ok {
		return sx{code: v.star, prec: pPostfix, str: v.typ == "str"}
	}
	return atom(e.bind(id.name, ""))
}

// ---- calls as statements: resources, loops, include_recipe ----

func (e *emitter) emitCallStmt(s *stmt, c *callExpr, ind int) {
	if c.recv == nil {
		if kind, ok := chefResource(c.name); ok && (len(c.args) > 0 || c.block != nil) {
			e.emitResource(s, c, kind, ind)
			return
		}
		switch c.name {
		case "include_recipe":
			if c.block != nil || len(c.args) == 0 {
				no("include_recipe", "unexpected form")
			}
			for _, a := range c.args {
				v := e.expr(a)
				if sl, ok := a.(*strLit); ok && isPlain(sl) && !strings.Contains(sl.parts[0].lit, "::") {
					v = atom(starQuote(plain(sl) + "::default"))
				}
				e.line(ind, "include_recipe("+v.code+")")
			}
			return
		case "raise", "fail":
			if c.block != nil || len(c.args) > 1 {
				no(c.name, "only raise \"message\" is translated")
			}
			msg := atom(starQuote("raised by the recipe"))
			if len(c.args) == 1 {
				msg = e.expr(c.args[0])
			}
			e.line(ind, "fail("+msg.code+")")
			return
		}
		if _, ok := unsupportedResources[c.name]; ok && (len(c.args) > 0 || c.block != nil) {
			no(c.name, unsupportedResources[c.name])
		}
		if c.block != nil && len(c.args) > 0 {
			no(c.name, "a resource or definition converge does not have")
		}
	}
	if c.block != nil && c.recv != nil {
		switch c.name {
		case "each", "each_with_index", "each_pair", "times":
			e.emitLoop(c, ind)
			return
		}
		no("."+c.name+" with a block", "this iterator is not translated")
	}
	if c.recv != nil && (c.name == "push" || c.name == "<<") && len(c.args) == 1 {
		e.line(ind, e.expr(c.recv).in(pPostfix)+".append("+e.expr(c.args[0]).code+")")
		return
	}
	if c.recv != nil {
		if cr, ok := c.recv.(*constRef); ok && strings.TrimPrefix(cr.path, "::") == "Chef::Log" {
			no("Chef::Log."+c.name, "logging from a recipe has no converge equivalent")
		}
	}
	if c.recv == nil {
		if why, ok := rubyOnly[c.name]; ok {
			no(c.name, why)
		}
		no(c.name, "unknown method, definition or custom resource")
	}
	no("."+c.name, "a method call used as a statement")
}

func (e *emitter) emitLoop(c *callExpr, ind int) {
	b := c.block
	recv := e.expr(c.recv)
	var head string
	e.loop++
	defer func() { e.loop-- }()
	saved := copyVars(e.vars)
	defer func() { e.vars = saved }()
	elemType := ""
	if a, ok := c.recv.(*arrayLit); ok && a.words {
		elemType = "str"
	}
	switch c.name {
	case "times":
		if len(b.params) > 1 {
			no(".times", "more than one block parameter")
		}
		v := "_"
		if len(b.params) == 1 {
			v = e.bind(b.params[0], "")
		}
		head = fmt.Sprintf("for %s in range(%s):", v, recv.code)
	case "each_with_index":
		if len(b.params) != 2 {
			no(".each_with_index", "expected |item, index|")
		}
		x, i := e.bind(b.params[0], elemType), e.bind(b.params[1], "")
		head = fmt.Sprintf("for %s, %s in enumerate(%s):", i, x, recv.code)
	default:
		switch len(b.params) {
		case 0:
			head = "for _ in " + e.iterable(c.recv, recv) + ":"
		case 1:
			head = "for " + e.bind(b.params[0], elemType) + " in " + e.iterable(c.recv, recv) + ":"
		case 2:
			if e.isList(c.recv) {
				no(".each |a, b| on a list", "destructuring list elements is not translated")
			}
			k, v := e.bind(b.params[0], "str"), e.bind(b.params[1], "")
			head = fmt.Sprintf("for %s, %s in %s.items():", k, v, recv.in(pPostfix))
		default:
			no("."+c.name, "more than two block parameters")
		}
	}
	e.line(ind, head)
	e.body(b.body, ind+1)
}

func (e *emitter) iterable(x expr, v sx) string {
	if r, ok := x.(*rangeExpr); ok {
		lo, hi := e.expr(r.lo), e.expr(r.hi)
		if r.excl {
			return fmt.Sprintf("range(%s, %s)", lo.code, hi.code)
		}
		return fmt.Sprintf("range(%s, %s + 1)", lo.code, hi.in(pAdd))
	}
	return v.in(pOr)
}

func (e *emitter) isList(x expr) bool {
	switch t := x.(type) {
	case *arrayLit:
		return true
	case *identRef:
		return e.vars[t.name].typ == "list"
	}
	return false
}

// ---- resources ----

// chefResource returns the converge builtin a Chef resource translates to:
// a registered kind of the same name or one that lists it in its ChefNames.
func chefResource(name string) (string, bool) {
	if k, ok := engine.ChefKind(name); ok {
		return k.Name, true
	}
	return "", false
}

var unsupportedResources = map[string]string{
	"ruby_block":         "it runs Ruby on the node; rewrite it as an execute or drop it",
	"remote_directory":   "converge has no remote_directory resource; use cookbook_file per file",
	"chef_gem":           "gems for Chef itself have no meaning in converge",
	"gem_package":        "converge has no gem_package resource; use execute",
	"route":              "converge has no route resource; use execute",
	"ifconfig":           "converge has no ifconfig resource; use execute",
	"ruby":               "converge has no ruby script resource; use execute",
	"powershell_script":  "Windows is not supported",
	"windows_package":    "Windows is not supported",
	"deploy":             "converge has no deploy resource",
	"http_request":       "converge has no http_request resource",
	"notify_group":       "converge has no notify_group resource",
	"chef_sleep":         "converge has no sleep resource; use execute",
	"breakpoint":         "chef-shell breakpoints have no meaning in converge",
	"openssl_x509":       "converge has no openssl resources; use execute",
	"selinux_boolean":    "converge has no selinux resources; use execute",
	"ohai":               "converge gathers facts once before compiling",
	"reboot":             "converge has no reboot resource",
	"chocolatey_package": "Windows is not supported",
}

var rubyOnly = map[string]string{
	"search":                    "Chef server search has no converge equivalent; list the nodes in the run or in attributes",
	"data_bag":                  "data bags have no converge equivalent; move the data to attributes",
	"data_bag_item":             "data bags have no converge equivalent; move the data to attributes",
	"encrypted_data_bag_item":   "encrypted data bags have no converge equivalent",
	"lazy":                      "lazy values are computed at converge time in Ruby; use a callable or an attribute",
	"shell_out":                 "running commands while compiling has no converge equivalent; use a guard",
	"shell_out!":                "running commands while compiling has no converge equivalent; use a guard",
	"resources":                 "looking up resources has no converge equivalent",
	"value_for_platform":        "rewrite as an if on node.platform",
	"value_for_platform_family": "rewrite as an if on node.platform_family",
	"puts":                      "printing from a recipe has no converge equivalent",
	"p":                         "printing from a recipe has no converge equivalent",
	"require":                   "Ruby libraries cannot be loaded",
	"run_context":               "Chef internals have no converge equivalent",
	"tag":                       "node tags have no converge equivalent",
	"tagged?":                   "node tags have no converge equivalent",
	"registry_key_exists?":      "Windows is not supported",
	"system":                    "running commands while compiling has no converge equivalent; use a guard",
	"`":                         "running commands while compiling has no converge equivalent; use a guard",
	"node":                      "the node object by itself",
}

// hasProp reports whether converge's kind accepts the property.
func hasProp(kind, name string) bool {
	k, ok := engine.LookupKind(kind)
	return ok && k.HasProperty(name)
}

type kwarg struct {
	name  string
	value string
	multi []string // lines for a value laid out over several lines
	// cond, when set, makes the property conditional (Chef's
	// `version x if cond` in a resource block): the call passes it as
	// **({name: value} if cond else {}), after the other keywords.
	cond string
}

type resourceBuild struct {
	kwargs    []kwarg
	notifies  []string
	subscr    []string
	notIf     []guard
	onlyIf    []guard
	notesAt   []int // source lines of properties that became TODOs
	todoLines []func(ind int)
}

type guard struct {
	code  string
	shell bool // a shell command string (else a callable)
	line  int
}

func (e *emitter) emitResource(s *stmt, c *callExpr, chefKind string, ind int) {
	kind := chefKind
	if len(c.args) != 1 {
		if len(c.args) == 0 {
			no(c.name, "a resource without a name")
		}
		no(c.name, "a resource with several name arguments")
	}
	name := e.expr(c.args[0])
	if _, isList := c.args[0].(*arrayLit); isList && kind != "package" {
		no(c.name, "only package accepts a list of names")
	}
	rb := &resourceBuild{}
	var todos []func(ind int)
	var code *sx
	hasSource := false
	if c.block != nil {
		if len(c.block.params) > 0 {
			no(c.name, "a resource block with parameters")
		}
		for _, ps := range c.block.body {
			ps := ps
			bad := e.property(rb, kind, chefKind, ps, &code, &hasSource)
			if bad != nil {
				todos = append(todos, func(ind int) { e.todoLine(ps.line, ind, bad.construct, bad.why) })
			}
		}
	}
	if kind == "template" && !hasSource {
		if sl, ok := c.args[0].(*strLit); ok && isPlain(sl) {
			rb.kwargs = append([]kwarg{{name: "source", value: starQuote(path.Base(plain(sl)) + ".tmpl")}}, rb.kwargs...)
		} else {
			todos = append(todos, func(ind int) {
				e.todoLine(c.line, ind, "template without source", "Chef's default source is the basename of the path; name it explicitly")
			})
		}
	}
	if g := combineGuards(rb.notIf, " || "); g != nil {
		rb.kwargs = append(rb.kwargs, *g)
		rb.kwargs[len(rb.kwargs)-1].name = "not_if"
	} else if len(rb.notIf) > 1 {
		todos = append(todos, func(ind int) {
			e.todoLine(rb.notIf[1].line, ind, "several not_if guards", "mixing command and Ruby guards; combine them by hand")
		})
	}
	if g := combineGuards(rb.onlyIf, " && "); g != nil {
		rb.kwargs = append(rb.kwargs, *g)
		rb.kwargs[len(rb.kwargs)-1].name = "only_if"
	} else if len(rb.onlyIf) > 1 {
		todos = append(todos, func(ind int) {
			e.todoLine(rb.onlyIf[1].line, ind, "several only_if guards", "mixing command and Ruby guards; combine them by hand")
		})
	}
	if len(rb.notifies) > 0 {
		rb.kwargs = append(rb.kwargs, listKwarg("notifies", rb.notifies))
	}
	if len(rb.subscr) > 0 {
		rb.kwargs = append(rb.kwargs, listKwarg("subscribes", rb.subscr))
	}
	// comments inside the block go above the call
	e.flushComments(s.endLine+1, ind)
	for _, t := range todos {
		t(ind)
	}
	e.writeCall(ind, kind, name.code, rb.kwargs)
}

func listKwarg(name string, items []string) kwarg {
	k := kwarg{name: name, value: "[" + strings.Join(items, ", ") + "]"}
	if len(k.value) > 60 {
		k.multi = append([]string{"["}, nil...)
		for _, it := range items {
			k.multi = append(k.multi, "    "+it+",")
		}
		k.multi = append(k.multi, "]")
	}
	return k
}

func combineGuards(gs []guard, op string) *kwarg {
	switch len(gs) {
	case 0:
		return nil
	case 1:
		return &kwarg{value: gs[0].code}
	}
	var parts []string
	for _, g := range gs {
		if !g.shell {
			return nil
		}
		s, ok := unquoteStar(g.code)
		if !ok {
			return nil
		}
		parts = append(parts, s)
	}
	return &kwarg{value: starQuote(strings.Join(parts, op))}
}

func (e *emitter) writeCall(ind int, kind, name string, kwargs []kwarg) {
	// A conditional property goes last: Starlark takes **kwargs after the
	// keyword arguments.
	var plainKw, condKw []kwarg
	for _, k := range kwargs {
		if k.cond != "" {
			k = kwarg{name: "**", value: "({" + starQuote(k.name) + ": " + k.value + "} if " + k.cond + " else {})"}
			condKw = append(condKw, k)
			continue
		}
		plainKw = append(plainKw, k)
	}
	kwargs = append(plainKw, condKw...)
	arg := func(k kwarg) string {
		if k.name == "**" {
			return "**" + k.value
		}
		return k.name + "=" + k.value
	}
	one := kind + "(" + name
	multi := false
	for _, k := range kwargs {
		if k.multi != nil || strings.Contains(k.value, "\n") {
			multi = true
		}
		one += ", " + arg(k)
	}
	one += ")"
	if !multi && len(one)+4*ind <= 88 {
		e.line(ind, one)
		return
	}
	e.line(ind, kind+"(")
	e.line(ind+1, name+",")
	for _, k := range kwargs {
		if k.multi != nil {
			e.line(ind+1, k.name+"="+k.multi[0])
			for _, m := range k.multi[1 : len(k.multi)-1] {
				e.line(ind+1, m)
			}
			e.line(ind+1, k.multi[len(k.multi)-1]+",")
			continue
		}
		e.line(ind+1, arg(k)+",")
	}
	e.line(ind, ")")
}

// property translates one statement of a resource block; it returns a
// reason when the statement could not be carried over.
func (e *emitter) property(rb *resourceBuild, kind, chefKind string, ps *stmt, code **sx, hasSource *bool) (bad *untranslatable) {
	defer func() {
		if r := recover(); r != nil {
			u, ok := r.(*untranslatable)
			if !ok {
				panic(r)
			}
			bad = u
		}
	}()
	if x, ok := ps.x.(*ifExpr); ok && x.modifier {
		e.conditionalProperty(rb, kind, chefKind, x)
		return nil
	}
	c, ok := ps.x.(*callExpr)
	if !ok || c.recv != nil {
		switch x := ps.x.(type) {
		case *badExpr:
			no("unreadable Ruby", "the reader could not parse this ("+x.why+")")
		case *opaqueExpr:
			no(x.what, "arbitrary Ruby has no converge equivalent")
		case *ifExpr, *caseExpr:
			no("conditional property", "a branch inside a resource block; set the property with a variable before the resource")
		}
		no("statement in a resource block", "only property calls are translated")
	}
	prop := c.name
	if c.block != nil && prop != "not_if" && prop != "only_if" {
		if prop == "block" {
			no("block", "Ruby code run on the node has no converge equivalent")
		}
		no(prop+" with a block", "only guards take a block")
	}
	one := func() expr {
		if len(c.args) != 1 {
			no(prop, fmt.Sprintf("expected one value, got %d", len(c.args)))
		}
		return c.args[0]
	}
	switch prop {
	case "action":
		rb.set("action", e.action(one()))
		return nil
	case "notifies", "subscribes":
		t := e.notification(c)
		if prop == "notifies" {
			rb.notifies = append(rb.notifies, t)
		} else {
			rb.subscr = append(rb.subscr, t)
		}
		return nil
	case "not_if", "only_if":
		g := e.guard(c)
		if prop == "not_if" {
			rb.notIf = append(rb.notIf, g)
		} else {
			rb.onlyIf = append(rb.onlyIf, g)
		}
		return nil
	case "mode":
		rb.set("mode", e.mode(one()))
		return nil
	case "variables":
		v := one()
		h, ok := v.(*hashLit)
		if !ok {
			rb.set("variables", e.expr(v).code)
			return nil
		}
		rb.kwargs = append(rb.kwargs, e.dictKwarg("variables", h))
		return nil
	case "source":
		v := one()
		*hasSource = true
		if kind == "template" {
			rb.set("source", e.templateSource(v))
			return nil
		}
	case "link_type", "provider_type":
		if s, ok := one().(*symLit); ok {
			rb.set(prop, starQuote(s.name))
			return nil
		}
	case "backup":
		if n, ok := one().(*intLit); ok {
			rb.set("backup", map[bool]string{true: "True", false: "False"}[n.val > 0])
			return nil
		}
	case "gid":
		if kind == "user" { // converge's user gid is a group name or number as a string
			switch v := one().(type) {
			case *intLit:
				rb.set("gid", starQuote(strconv.FormatInt(v.val, 10)))
			case *strLit:
				rb.set("gid", e.expr(v).code)
			default:
				rb.set("gid", "str("+e.expr(v).code+")")
			}
			return nil
		}
	case "supports":
		if len(c.args) == 1 {
			if h, ok := c.args[0].(*hashLit); ok {
				rb.set("supports", e.expr(h).code)
				return nil
			}
		}
	case "package_name", "path":
		no(prop, "converge names the resource by its "+map[bool]string{true: "package", false: "path"}[prop == "package_name"]+"; rename the resource (and its notifications)")
	case "provider":
		no(prop, "Chef provider classes have no converge equivalent; converge picks the provider from facts (provider= takes a name)")
	case "cookbook":
		no(prop, "templates and files from another cookbook are not supported")
	case "local":
		no(prop, "local templates are not supported")
	}
	if k, ok := engine.LookupKind(kind); ok {
		if p, ok := k.ChefProperty(prop); ok {
			prop = p.Name // Chef's name is a Starlark keyword (mount's pass)
		}
	}
	if !hasProp(kind, prop) {
		no(prop, fmt.Sprintf("converge's %s has no %s property", kind, prop))
	}
	v := one()
	if h, ok := v.(*hashLit); ok && len(h.keys) > 2 {
		rb.kwargs = append(rb.kwargs, e.dictKwarg(prop, h))
		return nil
	}
	rb.set(prop, e.expr(v).code)
	return nil
}

// conditionalProperty translates `prop value if cond` (or unless) in a
// resource block. Chef leaves the property unset when cond is false, so
// the call gets it through **({...} if cond else {}); a property given
// before unconditionally becomes `value if cond else earlier`.
func (e *emitter) conditionalProperty(rb *resourceBuild, kind, chefKind string, x *ifExpr) {
	const construct = "conditional property"
	if len(x.conds) != 1 || len(x.bodies) != 1 || len(x.bodies[0]) != 1 {
		no(construct, "a branch inside a resource block; set the property with a variable before the resource")
	}
	inner, ok := x.bodies[0][0].x.(*callExpr)
	if !ok || inner.recv != nil || inner.block != nil {
		no(construct, "only a property call can be conditional; set the property with a variable before the resource")
	}
	switch inner.name {
	case "source", "code", "notifies", "subscribes", "not_if", "only_if":
		no(construct, "a conditional "+inner.name+" is not translated; set it with a variable before the resource")
	}
	sub := &resourceBuild{}
	var code *sx
	hasSource := false
	if bad := e.property(sub, kind, chefKind, x.bodies[0][0], &code, &hasSource); bad != nil {
		panic(bad)
	}
	if len(sub.kwargs) != 1 || code != nil || hasSource {
		no(construct, "a conditional "+inner.name+" is not translated; set it with a variable before the resource")
	}
	k := sub.kwargs[0]
	value := k.value
	if k.multi != nil {
		value = strings.Join(k.multi, " ")
	}
	cond := e.optionalCond(x.conds[0])
	if x.unless {
		cond = sx{code: "not " + cond.in(pNot), prec: pNot}
	}
	for i, old := range rb.kwargs {
		if old.name != k.name {
			continue
		}
		if old.cond != "" {
			no(construct, k.name+" is set under two conditions; combine them with a variable before the resource")
		}
		prev := old.value
		if old.multi != nil {
			prev = strings.Join(old.multi, " ")
		}
		rb.kwargs[i] = kwarg{name: k.name, value: ternaryOperand(value) + " if " + cond.in(pOr) + " else " + ternaryOperand(prev)}
		return
	}
	for _, old := range rb.kwargs {
		if old.cond != "" {
			no(construct, "only one property of a resource can be conditional; set the others with a variable before the resource")
		}
	}
	rb.kwargs = append(rb.kwargs, kwarg{name: k.name, value: value, cond: cond.in(pOr)})
}

// ternaryOperand parenthesizes a value that would not survive as an
// operand of `x if c else y` (a conditional or a lambda of its own).
func ternaryOperand(v string) string {
	if strings.Contains(v, " if ") || strings.Contains(v, "lambda") {
		return "(" + v + ")"
	}
	return v
}

// optionalCond translates a condition in which a bare node attribute
// tests presence: node["a"]["b"] is nil in Chef when b is unset, so it
// becomes node["a"].get("b"), which is None instead of an error.
func (e *emitter) optionalCond(x expr) sx {
	if ix, ok := x.(*indexExpr); ok && len(ix.args) == 1 && isNodePath(ix) {
		if k, ok := literalKey(ix.args[0]); ok && !(isNodeCall(ix.recv) && facts[k]) {
			return atom(e.expr(ix.recv).in(pPostfix) + ".get(" + starQuote(k) + ")")
		}
	}
	return e.cond(x)
}

func (rb *resourceBuild) set(name, value string) {
	for i, k := range rb.kwargs {
		if k.name == name { // Chef: the last assignment wins
			rb.kwargs[i] = kwarg{name: name, value: value}
			return
		}
	}
	rb.kwargs = append(rb.kwargs, kwarg{name: name, value: value})
}

func (e *emitter) dictKwarg(name string, h *hashLit) kwarg {
	flat := e.expr(h).code
	k := kwarg{name: name, value: flat}
	if len(flat) > 60 {
		k.multi = []string{"{"}
		for i := range h.keys {
			k.multi = append(k.multi, "    "+e.hashKey(h.keys[i])+": "+e.expr(h.vals[i]).code+",")
		}
		k.multi = append(k.multi, "}")
	}
	return k
}

func (e *emitter) action(x expr) string {
	switch v := x.(type) {
	case *symLit:
		return starQuote(v.name)
	case *arrayLit:
		var parts []string
		for _, el := range v.elems {
			parts = append(parts, e.action(el))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return e.expr(x).code
}

var timings = map[string]string{"delayed": "", "immediately": "immediately", "immediate": "immediately", "before": "before"}

func (e *emitter) notification(c *callExpr) string {
	if len(c.args) < 2 || len(c.args) > 3 {
		no(c.name, "expected :action, \"kind[name]\"[, :timing]")
	}
	action := e.action(c.args[0])
	var target string
	switch t := c.args[1].(type) {
	case *callExpr:
		if t.recv == nil && t.name == "resources" && len(t.args) == 1 {
			if h, ok := t.args[0].(*hashLit); ok && len(h.keys) == 1 {
				k, ok1 := h.keys[0].(*symLit)
				if ok1 {
					v := e.expr(h.vals[0])
					if sl, ok := h.vals[0].(*strLit); ok && isPlain(sl) {
						target = starQuote(k.name + "[" + plain(sl) + "]")
					} else {
						target = fmt.Sprintf("%s %% %s", starQuote(k.name+"[%s]"), v.in(pMul+1))
					}
				}
			} else {
				target = e.expr(t.args[0]).code
			}
		}
		if target == "" {
			no(c.name, "unsupported notification target")
		}
	default:
		target = e.expr(c.args[1]).code
	}
	timing := ""
	if len(c.args) == 3 {
		s, ok := c.args[2].(*symLit)
		if !ok {
			no(c.name, "the timing must be :delayed, :immediately or :before")
		}
		t, ok := timings[s.name]
		if !ok {
			no(c.name, "unknown timing :"+s.name)
		}
		timing = t
	}
	if timing == "" {
		return "(" + action + ", " + target + ")"
	}
	return "(" + action + ", " + target + ", " + starQuote(timing) + ")"
}

func (e *emitter) mode(x expr) string {
	switch v := x.(type) {
	case *intLit:
		return starQuote(fmt.Sprintf("%04o", v.val))
	case *strLit:
		if isPlain(v) {
			s := plain(v)
			if s != "" && strings.Trim(s, "01234567") == "" {
				t := strings.TrimLeft(s, "0")
				for len(t) < 4 {
					t = "0" + t
				}
				return starQuote(t)
			}
			return starQuote(s)
		}
	}
	return e.expr(x).code
}

func (e *emitter) templateSource(x expr) string {
	sl, ok := x.(*strLit)
	if !ok {
		no("source", "a computed template source (or a list of sources) is not translated")
	}
	parts := append([]strElem(nil), sl.parts...)
	if n := len(parts); n > 0 && !parts[n-1].isCode {
		parts[n-1].lit = tmplName(parts[n-1].lit)
	} else {
		parts = append(parts, strElem{lit: ".tmpl"})
	}
	return e.str(&strLit{line: sl.line, parts: parts}).code
}

// tmplName is the converge template file name for a Chef template name.
func tmplName(name string) string {
	return strings.TrimSuffix(name, ".erb") + ".tmpl"
}

func unquoteStar(code string) (string, bool) {
	if strings.HasPrefix(code, `"""`) {
		s, err := strconv.Unquote(`"` + strings.ReplaceAll(strings.ReplaceAll(code[3:len(code)-3], "\n", `\n`), `\"""`, `"""`) + `"`)
		return s, err == nil
	}
	if strings.HasPrefix(code, `'`) && strings.HasSuffix(code, `'`) && len(code) >= 2 {
		inner := strings.ReplaceAll(code[1:len(code)-1], `\'`, `'`)
		inner = strings.ReplaceAll(inner, `"`, `\"`)
		s, err := strconv.Unquote(`"` + inner + `"`)
		return s, err == nil
	}
	if strings.HasPrefix(code, `"`) {
		s, err := strconv.Unquote(code)
		return s, err == nil
	}
	return "", false
}

// ---- guards ----

var fileTests = map[string]string{
	"exist?": "-e", "exists?": "-e", "directory?": "-d", "file?": "-f", "symlink?": "-L",
	"executable?": "-x", "readable?": "-r", "writable?": "-w", "size?": "-s",
}

func (e *emitter) guard(c *callExpr) guard {
	if c.block != nil {
		if len(c.args) > 0 {
			no(c.name, "a guard with both a command and a block")
		}
		if len(c.block.body) != 1 {
			no(c.name, "a guard block of several statements")
		}
		x := c.block.body[0].x
		if sh, ok := e.shellGuard(x); ok {
			return guard{code: sh, shell: true, line: c.line}
		}
		return guard{code: e.lambda(x), line: c.line}
	}
	if len(c.args) == 0 {
		no(c.name, "a guard without a command")
	}
	if len(c.args) > 1 {
		no(c.name+" options", "guard options (:user, :cwd, :environment ...) are not translated")
	}
	if sl, ok := c.args[0].(*strLit); ok {
		return guard{code: e.str(sl).code, shell: isPlain(sl), line: c.line}
	}
	no(c.name, "a guard must be a command string or a block")
	return guard{}
}

// shellGuard turns ::File.exist?("/x") and friends into a test command.
func (e *emitter) shellGuard(x expr) (string, bool) {
	neg := false
	if u, ok := x.(*unaryExpr); ok && u.op == "!" {
		neg = true
		x = u.x
	}
	c, ok := x.(*callExpr)
	if !ok {
		return "", false
	}
	if cr, ok := c.recv.(*constRef); ok && strings.TrimPrefix(cr.path, "::") == "File" || ok && strings.TrimPrefix(cr.path, "::") == "Dir" && c.name == "exist?" {
		flag, ok := fileTests[c.name]
		if !ok || len(c.args) != 1 {
			return "", false
		}
		if strings.TrimPrefix(cr.path, "::") == "Dir" {
			flag = "-d"
		}
		if neg {
			flag = "! " + flag
		}
		if sl, ok := c.args[0].(*strLit); ok && isPlain(sl) {
			return starQuote("test " + flag + " " + shell.Quote(plain(sl))), true
		}
		p := e.expr(c.args[0])
		return fmt.Sprintf("%s %% %s", starQuote("test "+flag+" '%s'"), p.in(pMul+1)), true
	}
	if c.recv == nil && c.name == "system" && len(c.args) == 1 {
		if sl, ok := c.args[0].(*strLit); ok {
			s := e.str(sl)
			if neg {
				if isPlain(sl) {
					return starQuote("! " + plain(sl)), true
				}
				return `"! " + ` + s.in(pAdd+1), true
			}
			return s.code, true
		}
	}
	return "", false
}

// lambda translates a Ruby guard expression into a Starlark callable; the
// locals it reads are bound as default parameters so a loop variable keeps
// its value of that iteration.
func (e *emitter) lambda(x expr) string {
	used := map[string]bool{}
	walkIdents(x, used)
	body := e.expr(x)
	var params []string
	for name := range used {
		if v, ok := e.vars[name]; ok {
			params = append(params, v.star+"="+v.star)
		}
	}
	sort.Strings(params)
	if len(params) == 0 {
		return "lambda: " + body.code
	}
	return "lambda " + strings.Join(params, ", ") + ": " + body.code
}

func walkIdents(x expr, used map[string]bool) {
	switch t := x.(type) {
	case *identRef:
		used[t.name] = true
	case *callExpr:
		if t.recv != nil {
			walkIdents(t.recv, used)
		}
		for _, a := range t.args {
			walkIdents(a, used)
		}
	case *indexExpr:
		walkIdents(t.recv, used)
		for _, a := range t.args {
			walkIdents(a, used)
		}
	case *binaryExpr:
		walkIdents(t.l, used)
		walkIdents(t.r, used)
	case *unaryExpr:
		walkIdents(t.x, used)
	case *ternaryExpr:
		walkIdents(t.cond, used)
		walkIdents(t.yes, used)
		walkIdents(t.no, used)
	case *strLit:
		for _, p := range t.parts {
			if p.isCode {
				walkIdents(p.x, used)
			}
		}
	case *arrayLit:
		for _, a := range t.elems {
			walkIdents(a, used)
		}
	case *hashLit:
		for i := range t.keys {
			walkIdents(t.keys[i], used)
			walkIdents(t.vals[i], used)
		}
	}
}

// ---- expressions ----

// cond translates a condition: Ruby truthiness (only nil and false are
// false) differs from Starlark's for 0, "" and empty collections, but a
// condition compares or tests presence in almost every recipe.
func (e *emitter) cond(x expr) sx {
	return e.expr(x)
}

var facts = map[string]bool{
	"platform": true, "platform_version": true, "platform_family": true, "hostname": true,
	"fqdn": true, "ipaddress": true,
}

var nodeMethods = map[string]string{
	"chef_environment": "Chef environments have no converge equivalent",
	"run_list":         "the run list is not visible to recipes",
	"roles":            "roles are not visible to recipes",
	"recipes":          "the expanded run list is not visible to recipes",
	"role?":            "roles are not visible to recipes",
	"recipe?":          "the run list is not visible to recipes",
	"tags":             "node tags have no converge equivalent",
	"save":             "saving the node has no converge equivalent",
	"attribute?":       "test the attribute in an attribute file instead",
	"key?":             "test the attribute in an attribute file instead",
	"to_hash":          "the whole node as a hash has no converge equivalent",
	"each":             "iterating the node has no converge equivalent",
	"automatic":        "automatic attributes are facts: use node.<fact>",
}

func (e *emitter) expr(x expr) sx {
	switch v := x.(type) {
	case *strLit:
		return e.str(v)
	case *symLit:
		return sx{code: starQuote(v.name), prec: pPostfix, str: true}
	case *intLit:
		if len(v.text) > 1 && v.text[0] == '0' && v.text[1] >= '0' && v.text[1] <= '9' {
			return atom(fmt.Sprintf("0o%o", v.val))
		}
		if v.val < 0 {
			return sx{code: strconv.FormatInt(v.val, 10), prec: pUnary}
		}
		return atom(strconv.FormatInt(v.val, 10))
	case *floatLit:
		if strings.HasPrefix(v.text, "-") {
			return sx{code: v.text, prec: pUnary}
		}
		return atom(v.text)
	case *nilLit:
		return atom("None")
	case *boolLit:
		if v.val {
			return atom("True")
		}
		return atom("False")
	case *arrayLit:
		parts := make([]string, len(v.elems))
		for i, el := range v.elems {
			parts[i] = e.expr(el).code
		}
		return atom("[" + strings.Join(parts, ", ") + "]")
	case *hashLit:
		parts := make([]string, len(v.keys))
		for i := range v.keys {
			parts[i] = e.hashKey(v.keys[i]) + ": " + e.expr(v.vals[i]).code
		}
		return atom("{" + strings.Join(parts, ", ") + "}")
	case *identRef:
		return e.ident(v)
	case *ivarRef:
		no("@"+v.name, "instance variables have no converge equivalent")
	case *constRef:
		no(v.path, "Ruby constants and classes have no converge equivalent")
	case *selfLit:
		no("self", "the Chef recipe object has no converge equivalent")
	case *indexExpr:
		return e.index(v)
	case *callExpr:
		return e.call(v)
	case *binaryExpr:
		return e.binary(v)
	case *unaryExpr:
		switch v.op {
		case "!":
			return sx{code: "not " + e.expr(v.x).in(pNot), prec: pNot}
		case "-":
			return sx{code: "-" + e.expr(v.x).in(pUnary), prec: pUnary}
		case "+":
			return e.expr(v.x)
		}
		no(v.op, "this operator is not translated")
	case *ternaryExpr:
		c := e.cond(v.cond)
		return sx{code: e.expr(v.yes).in(pOr) + " if " + c.in(pOr) + " else " + e.expr(v.no).in(pTernary), prec: pTernary}
	case *rangeExpr:
		return atom(e.iterable(v, sx{}))
	case *xstrExpr:
		no("`command`", "running commands while compiling has no converge equivalent; use a guard or an execute")
	case *regexExpr:
		no("/regexp/", "regular expressions have no Starlark equivalent")
	case *ifExpr:
		if len(v.conds) == 1 && len(v.bodies[0]) == 1 && v.hasElse && len(v.els) == 1 && !v.unless {
			return sx{code: e.expr(v.bodies[0][0].x).in(pOr) + " if " + e.cond(v.conds[0]).in(pOr) + " else " + e.expr(v.els[0].x).in(pTernary), prec: pTernary}
		}
		no("if as a value", "only `if c then a else b end` with one value per branch is translated")
	case *caseExpr:
		no("case as a value", "assign the variable inside each branch instead")
	case *assignExpr:
		no("assignment inside an expression", "not translated")
	case *opaqueExpr:
		no(v.what, "arbitrary Ruby has no converge equivalent")
	case *badExpr:
		no("unreadable Ruby", v.why)
	}
	no("expression", "not translated")
	return sx{}
}

func (e *emitter) hashKey(k expr) string {
	if s, ok := k.(*symLit); ok {
		return starQuote(s.name)
	}
	return e.expr(k).code
}

func isPlain(s *strLit) bool {
	for _, p := range s.parts {
		if p.isCode {
			return false
		}
	}
	return true
}

func plain(s *strLit) string {
	var b strings.Builder
	for _, p := range s.parts {
		b.WriteString(p.lit)
	}
	return b.String()
}

// str translates a Ruby string, with interpolation as Starlark % formatting.
func (e *emitter) str(s *strLit) sx {
	if isPlain(s) {
		return sx{code: starQuote(plain(s)), prec: pPostfix, str: true}
	}
	var format strings.Builder
	var args []sx
	for _, p := range s.parts {
		if p.isCode {
			a := e.expr(p.x)
			if lit, ok := unquoteStar(a.code); ok && a.prec == pPostfix {
				format.WriteString(strings.ReplaceAll(lit, "%", "%%"))
				continue
			}
			format.WriteString("%s")
			args = append(args, a)
			continue
		}
		format.WriteString(strings.ReplaceAll(p.lit, "%", "%%"))
	}
	if len(args) == 0 {
		return sx{code: starQuote(strings.ReplaceAll(format.String(), "%%", "%")), prec: pPostfix, str: true}
	}
	if format.String() == "%s" {
		if args[0].str {
			return args[0]
		}
		return sx{code: "str(" + args[0].code + ")", prec: pPostfix, str: true}
	}
	if len(args) == 1 {
		return sx{code: starQuote(format.String()) + " % " + args[0].in(pMul+1), prec: pMul, str: true}
	}
	codes := make([]string, len(args))
	for i, a := range args {
		codes[i] = a.code
	}
	return sx{code: starQuote(format.String()) + " % (" + strings.Join(codes, ", ") + ")", prec: pMul, str: true}
}

// starQuote writes a Starlark string literal.
func starQuote(s string) string {
	if strings.Count(s, "\n") > 1 && !strings.Contains(s, `"""`) && !strings.HasSuffix(s, `"`) && !strings.ContainsAny(s, "\r\t\x00") {
		var b strings.Builder
		b.WriteString(`"""`)
		for _, r := range s {
			switch {
			case r == '\\':
				b.WriteString(`\\`)
			case r < 0x20 && r != '\n':
				fmt.Fprintf(&b, `\x%02x`, r)
			default:
				b.WriteRune(r)
			}
		}
		b.WriteString(`"""`)
		return b.String()
	}
	q := '"'
	if strings.ContainsRune(s, '"') && !strings.ContainsRune(s, '\'') {
		q = '\''
	}
	var b strings.Builder
	b.WriteRune(q)
	for _, r := range s {
		switch r {
		case q:
			b.WriteRune('\\')
			b.WriteRune(q)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else if r == 0xFFFD {
				b.WriteString(`\ufffd`)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteRune(q)
	return b.String()
}

func (e *emitter) index(v *indexExpr) sx {
	if len(v.args) != 1 {
		no("[a, b]", "slicing with two arguments is not translated")
	}
	if isNodeCall(v.recv) {
		if k, ok := literalKey(v.args[0]); ok && facts[k] {
			return sx{code: "node." + k, prec: pPostfix, str: true}
		}
	}
	if root, _, ok := e.attrTarget(v.recv); ok && e.kind != kindAttributes {
		no(root+"[...]", "reading a precedence level from a recipe; read node[...] instead")
	}
	recv := e.expr(v.recv)
	if r, ok := v.args[0].(*rangeExpr); ok {
		lo, hi := e.expr(r.lo), e.expr(r.hi)
		if r.excl {
			return atom(recv.in(pPostfix) + "[" + lo.code + ":" + hi.code + "]")
		}
		if n, ok := r.hi.(*intLit); ok && n.val == -1 {
			return atom(recv.in(pPostfix) + "[" + lo.code + ":]")
		}
		return atom(recv.in(pPostfix) + "[" + lo.code + ":" + hi.in(pAdd) + " + 1]")
	}
	key := e.hashKey(v.args[0])
	return atom(recv.in(pPostfix) + "[" + key + "]")
}

func literalKey(x expr) (string, bool) {
	switch k := x.(type) {
	case *symLit:
		return k.name, true
	case *strLit:
		if isPlain(k) {
			return plain(k), true
		}
	}
	return "", false
}

// isNodePath reports whether x reads node attributes (node["a"], node.a.b).
func isNodePath(x expr) bool {
	switch t := x.(type) {
	case *indexExpr:
		return isNodeCall(t.recv) || isNodePath(t.recv)
	case *callExpr:
		if isNodeCall(t) {
			return false
		}
		if t.recv != nil && len(t.args) == 0 && t.block == nil {
			if _, known := rubyMethods[t.name]; known {
				return false
			}
			return isNodeCall(t.recv) || isNodePath(t.recv)
		}
	}
	return false
}

var rubyMethods = map[string]bool{
	"to_s": true, "to_i": true, "to_f": true, "to_sym": true, "to_a": true, "to_str": true, "inspect": true,
	"upcase": true, "downcase": true, "capitalize": true, "strip": true, "lstrip": true, "rstrip": true,
	"chomp": true, "split": true, "join": true, "length": true, "size": true, "count": true, "empty?": true,
	"nil?": true, "include?": true, "member?": true, "key?": true, "has_key?": true, "start_with?": true,
	"end_with?": true, "first": true, "last": true, "keys": true, "values": true, "sort": true,
	"reverse": true, "min": true, "max": true, "map": true, "collect": true, "select": true, "reject": true,
	"gsub": true, "sub": true, "fetch": true, "merge": true, "each": true, "each_with_index": true,
	"each_pair": true, "times": true, "uniq": true, "to_h": true, "dup": true, "freeze": true, "any?": true,
	"all?": true, "flatten": true, "compact": true, "sum": true, "tr": true, "to_json": true, "to_hash": true,
	"call": true, "zero?": true, "dig": true,
}

func (e *emitter) call(c *callExpr) sx {
	if c.recv == nil {
		return e.selfCall(c)
	}
	if cr, ok := c.recv.(*constRef); ok {
		return e.constCall(cr, c)
	}
	if isNodeCall(c.recv) {
		if facts[c.name] && len(c.args) == 0 && c.block == nil {
			return sx{code: "node." + c.name, prec: pPostfix, str: true}
		}
		if c.name == "name" && len(c.args) == 0 {
			return sx{code: "node.name", prec: pPostfix, str: true}
		}
		if why, ok := nodeMethods[c.name]; ok {
			no("node."+c.name, why)
		}
		if _, ok := attrRoots[c.name]; ok {
			if e.kind == kindAttributes {
				return atom(attrRoots[c.name])
			}
			no("node."+c.name, "reading a precedence level from a recipe; read node[...] instead")
		}
	}
	if c.block != nil {
		return e.blockCall(c)
	}
	recv := e.expr(c.recv)
	r := recv.in(pPostfix)
	arg := func(i int) sx { return e.expr(c.args[i]) }
	nargs := func(n ...int) {
		for _, k := range n {
			if len(c.args) == k {
				return
			}
		}
		no("."+c.name, fmt.Sprintf("unexpected number of arguments (%d)", len(c.args)))
	}
	switch c.name {
	case "to_s", "to_str":
		nargs(0)
		if recv.str {
			return recv
		}
		return sx{code: "str(" + recv.code + ")", prec: pPostfix, str: true}
	case "to_sym", "dup", "freeze", "to_h", "to_hash":
		nargs(0)
		return recv
	case "to_i":
		nargs(0)
		if recv.str {
			return atom("int(" + r + ".split(\".\")[0])")
		}
		return atom("int(str(" + recv.code + ").split(\".\")[0])")
	case "to_f":
		nargs(0)
		if recv.str { // "7.1.1503".to_f is 7.1 in Ruby
			return atom("float(\".\".join(" + r + ".split(\".\")[:2]))")
		}
		return atom("float(" + recv.code + ")")
	case "to_a":
		nargs(0)
		return atom("list(" + recv.code + ")")
	case "inspect":
		nargs(0)
		return atom("repr(" + recv.code + ")")
	case "upcase", "downcase", "capitalize", "strip", "lstrip", "rstrip":
		nargs(0)
		m := map[string]string{"upcase": "upper", "downcase": "lower", "capitalize": "capitalize", "strip": "strip", "lstrip": "lstrip", "rstrip": "rstrip"}[c.name]
		return sx{code: r + "." + m + "()", prec: pPostfix, str: true}
	case "chomp":
		nargs(0)
		return sx{code: r + `.removesuffix("\n")`, prec: pPostfix, str: true}
	case "split":
		nargs(0, 1)
		if len(c.args) == 0 {
			return atom(r + ".split()")
		}
		if _, ok := c.args[0].(*regexExpr); ok {
			no(".split(/re/)", "regular expressions have no Starlark equivalent")
		}
		return atom(r + ".split(" + arg(0).code + ")")
	case "join":
		nargs(0, 1)
		sep := atom(`""`)
		if len(c.args) == 1 {
			sep = arg(0)
		}
		return sx{code: sep.in(pPostfix) + ".join(" + recv.code + ")", prec: pPostfix, str: true}
	case "length", "size", "count":
		nargs(0)
		return atom("len(" + recv.code + ")")
	case "empty?":
		nargs(0)
		return sx{code: "len(" + recv.code + ") == 0", prec: pCmp}
	case "nil?":
		nargs(0)
		return sx{code: recv.in(pCmp+1) + " == None", prec: pCmp}
	case "zero?":
		nargs(0)
		return sx{code: recv.in(pCmp+1) + " == 0", prec: pCmp}
	case "include?", "member?", "key?", "has_key?":
		nargs(1)
		return sx{code: arg(0).in(pCmp+1) + " in " + recv.in(pCmp+1), prec: pCmp}
	case "start_with?", "end_with?":
		nargs(1)
		m := map[string]string{"start_with?": "startswith", "end_with?": "endswith"}[c.name]
		return atom(r + "." + m + "(" + arg(0).code + ")")
	case "first", "last":
		nargs(0, 1)
		if len(c.args) == 1 {
			if c.name == "first" {
				return atom(r + "[:" + arg(0).code + "]")
			}
			return atom(r + "[-" + arg(0).in(pUnary) + ":]")
		}
		if c.name == "first" {
			return atom(r + "[0]")
		}
		return atom(r + "[-1]")
	case "keys", "values":
		nargs(0)
		return atom(r + "." + c.name + "()")
	case "sort", "reverse", "min", "max":
		nargs(0)
		f := map[string]string{"sort": "sorted", "reverse": "reversed", "min": "min", "max": "max"}[c.name]
		return atom(f + "(" + recv.code + ")")
	case "sum":
		nargs(0)
		no(".sum", "not translated")
	case "gsub", "sub":
		nargs(2)
		if _, ok := c.args[0].(*regexExpr); ok {
			no("."+c.name+"(/re/)", "regular expressions have no Starlark equivalent")
		}
		if c.name == "sub" {
			return sx{code: r + ".replace(" + arg(0).code + ", " + arg(1).code + ", 1)", prec: pPostfix, str: true}
		}
		return sx{code: r + ".replace(" + arg(0).code + ", " + arg(1).code + ")", prec: pPostfix, str: true}
	case "fetch":
		nargs(1, 2)
		if len(c.args) == 1 {
			return atom(r + "[" + arg(0).code + "]")
		}
		return atom(r + ".get(" + arg(0).code + ", " + arg(1).code + ")")
	case "merge":
		nargs(1)
		return atom("dict(" + recv.code + ", **" + arg(0).in(pPostfix) + ")")
	case "call":
		args := make([]string, len(c.args))
		for i := range c.args {
			args[i] = arg(i).code
		}
		return atom(r + "(" + strings.Join(args, ", ") + ")")
	}
	if isNodePath(c) {
		// node.attr.sub: method-style attribute access
		if facts[c.name] && isNodeCall(c.recv) {
			return atom("node." + c.name)
		}
		return atom(r + "[" + starQuote(c.name) + "]")
	}
	if why, ok := rubyOnly[c.name]; ok {
		no("."+c.name, why)
	}
	no("."+c.name, "this Ruby method is not translated")
	return sx{}
}

func (e *emitter) blockCall(c *callExpr) sx {
	b := c.block
	if len(b.body) != 1 || len(b.params) != 1 {
		no("."+c.name+" { }", "only one-parameter blocks with one expression are translated")
	}
	recv := e.expr(c.recv)
	saved := copyVars(e.vars)
	defer func() { e.vars = saved }()
	v := e.bind(b.params[0], "")
	body := e.expr(b.body[0].x)
	switch c.name {
	case "map", "collect":
		return atom("[" + body.in(pOr) + " for " + v + " in " + recv.in(pOr) + "]")
	case "select":
		return atom("[" + v + " for " + v + " in " + recv.in(pOr) + " if " + body.in(pOr) + "]")
	case "reject":
		return atom("[" + v + " for " + v + " in " + recv.in(pOr) + " if not " + body.in(pNot) + "]")
	case "any?":
		return atom("any([" + body.in(pOr) + " for " + v + " in " + recv.in(pOr) + "])")
	case "all?":
		return atom("all([" + body.in(pOr) + " for " + v + " in " + recv.in(pOr) + "])")
	}
	no("."+c.name+" { }", "this iterator is not translated as a value")
	return sx{}
}

func (e *emitter) selfCall(c *callExpr) sx {
	switch c.name {
	case "node":
		if len(c.args) == 0 && c.block == nil {
			return atom("node")
		}
	case "cookbook_name":
		return sx{code: starQuote(e.cookbook), prec: pPostfix, str: true}
	case "recipe_name":
		return sx{code: starQuote(e.recipe), prec: pPostfix, str: true}
	case "platform?", "platform_family?":
		if len(c.args) == 0 || c.block != nil {
			break
		}
		f := strings.TrimSuffix(c.name, "?")
		var vals []string
		for _, a := range c.args {
			if arr, ok := a.(*arrayLit); ok {
				for _, el := range arr.elems {
					vals = append(vals, e.expr(el).code)
				}
				continue
			}
			vals = append(vals, e.expr(a).code)
		}
		if len(vals) == 1 {
			return sx{code: "node." + f + " == " + vals[0], prec: pCmp}
		}
		return sx{code: "node." + f + " in (" + strings.Join(vals, ", ") + ")", prec: pCmp}
	case "lambda", "proc":
		if c.block != nil && len(c.block.body) == 1 {
			saved := copyVars(e.vars)
			defer func() { e.vars = saved }()
			var params []string
			for _, p := range c.block.params {
				params = append(params, e.bind(p, ""))
			}
			body := e.expr(c.block.body[0].x)
			if len(params) == 0 {
				return sx{code: "lambda: " + body.code, prec: pLambda}
			}
			return sx{code: "lambda " + strings.Join(params, ", ") + ": " + body.code, prec: pLambda}
		}
		no(c.name, "only one-expression lambdas are translated")
	case "format", "sprintf":
		if len(c.args) >= 1 {
			f := e.expr(c.args[0])
			var args []string
			for _, a := range c.args[1:] {
				args = append(args, e.expr(a).code)
			}
			if len(args) == 1 {
				return sx{code: f.in(pMul) + " % (" + args[0] + ",)", prec: pMul, str: true}
			}
			return sx{code: f.in(pMul) + " % (" + strings.Join(args, ", ") + ")", prec: pMul, str: true}
		}
	case "Integer":
		if len(c.args) == 1 {
			return atom("int(" + e.expr(c.args[0]).code + ")")
		}
	case "String":
		if len(c.args) == 1 {
			return sx{code: "str(" + e.expr(c.args[0]).code + ")", prec: pPostfix, str: true}
		}
	case "Array":
		if len(c.args) == 1 {
			return atom("list(" + e.expr(c.args[0]).code + ")")
		}
	}
	if why, ok := rubyOnly[c.name]; ok {
		no(c.name, why)
	}
	if _, ok := chefResource(c.name); ok {
		no(c.name, "a resource used as a value")
	}
	if _, ok := attrRoots[c.name]; ok && e.kind == kindAttributes && len(c.args) == 0 && c.block == nil {
		return atom(attrRoots[c.name])
	}
	if len(c.args) == 0 && c.block == nil && !c.parens {
		no(c.name, "unknown local variable or method (a library helper?)")
	}
	no(c.name+"(...)", "unknown method (a library helper?)")
	return sx{}
}

func (e *emitter) constCall(cr *constRef, c *callExpr) sx {
	p := strings.TrimPrefix(cr.path, "::")
	switch {
	case p == "File" && c.name == "join" && len(c.args) >= 1:
		var args []string
		for _, a := range c.args {
			args = append(args, e.expr(a).code)
		}
		return sx{code: `"/".join([` + strings.Join(args, ", ") + "])", prec: pPostfix, str: true}
	case p == "File" && c.name == "basename" && len(c.args) == 1:
		return sx{code: e.expr(c.args[0]).in(pPostfix) + `.rsplit("/", 1)[-1]`, prec: pPostfix, str: true}
	case p == "File" || p == "Dir" || p == "IO" || p == "FileTest":
		no(cr.path+"."+c.name, "reads the files of the machine running the migration, not of the node; use a guard or a fact")
	case p == "Chef::Log":
		no("Chef::Log."+c.name, "logging from a recipe has no converge equivalent")
	case strings.HasPrefix(p, "Chef::"):
		no(cr.path+"."+c.name, "Chef internals have no converge equivalent")
	}
	no(cr.path+"."+c.name, "Ruby classes have no converge equivalent")
	return sx{}
}

func (e *emitter) binary(v *binaryExpr) sx {
	switch v.op {
	case "&&":
		return sx{code: e.cond(v.l).in(pAnd) + " and " + e.cond(v.r).in(pAnd+1), prec: pAnd}
	case "||":
		return sx{code: e.expr(v.l).in(pOr) + " or " + e.expr(v.r).in(pOr+1), prec: pOr}
	case "==", "!=", "<", ">", "<=", ">=":
		return sx{code: e.expr(v.l).in(pCmp+1) + " " + v.op + " " + e.expr(v.r).in(pCmp+1), prec: pCmp}
	case "+", "-":
		l, r := e.expr(v.l), e.expr(v.r)
		return sx{code: l.in(pAdd) + " " + v.op + " " + r.in(pAdd+1), prec: pAdd, str: l.str && r.str}
	case "*", "%":
		l, r := e.expr(v.l), e.expr(v.r)
		if v.op == "%" && l.str {
			if a, ok := v.r.(*arrayLit); ok {
				parts := make([]string, len(a.elems))
				for i, el := range a.elems {
					parts[i] = e.expr(el).code
				}
				return sx{code: l.in(pMul) + " % (" + strings.Join(parts, ", ") + ")", prec: pMul, str: true}
			}
		}
		return sx{code: l.in(pMul) + " " + v.op + " " + r.in(pMul+1), prec: pMul}
	case "/":
		l, r := e.expr(v.l), e.expr(v.r)
		op := "//"
		if _, ok := v.l.(*floatLit); ok {
			op = "/"
		}
		if _, ok := v.r.(*floatLit); ok {
			op = "/"
		}
		return sx{code: l.in(pMul) + " " + op + " " + r.in(pMul+1), prec: pMul}
	case "=~", "!~":
		no(v.op, "regular expressions have no Starlark equivalent")
	case "<<":
		no("<<", "appending inside an expression is not translated")
	}
	no(v.op, "this operator is not translated")
	return sx{}
}
