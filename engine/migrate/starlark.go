package migrate

// The Starlark writer: the emitter, statements, comments and TODOs. The
// constructs it writes live in resources.go, expressions.go, control.go,
// assign.go and attributes.go.

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/converge-cm/converge/engine/migrate/ruby"
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
	none bool // may be None (an attribute read that is nil when unset)
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
	typ  string // "str", "int", "scalar" (a str or an int), "list", "dict" or ""
	// of is what the value is, for Ruby's to_s (rubystr.go): "strs", a
	// list of strings, or the keys of the node attribute it holds
	of []string
	// level is set on a local bound to an attribute precedence level or
	// a subtree of one (d = default['app'], the d of default.app.tap do
	// |d|), which attrTarget reads as the root of assignments: d.port =
	// 80 and d['port'] = 80 are default['app']['port'] = 80
	level bool
}

type emitter struct {
	file string // path shown in TODOs (cookbook/recipes/x.rb)
	// valueHelpers, while a coerce proc is written, are the kind's
	// methods it may call: those that read only their arguments, called
	// with None for the resource (valueHelper in kindfile.go)
	valueHelpers map[string]bool
	// coerceCallsHelper is set when a property's coerce calls one
	coerceCallsHelper bool
	// lastMatch names the variable holding the match $~ and $1 read
	// (regex.go), "" outside the branch of an if that keeps it
	lastMatch string
	// attrsBefore, in an attributes file, are the attribute paths set
	// before the top-level statement being written (knownattrs.go), nil
	// when unknown; attrsScanned is how many lines of the file they hold;
	// topStmts are the file's top-level statements (some are written
	// nested, under a return's condition)
	attrsBefore  knownAttrs
	attrsScanned int
	topStmts     map[*ruby.Stmt]bool
	// lastStmt is a recipe's last top-level statement: a list of
	// statements ending with it runs to the end of the recipe
	lastStmt *ruby.Stmt
	kind     fileKind
	cookbook string
	recipe   string
	src      []string // source lines
	out      []string
	todos    []Todo
	comments []ruby.Comment
	ci       int
	vars     map[string]varInfo
	loop     int
	resInd   int // indentation of the resource being read
	// conds are the conditions of the ifs and whens around the statement
	// being written, for an attribute a recipe sets; "" when one cannot
	// be repeated in an attributes file (it reads a recipe variable).
	conds []string
	// hoisted are the attribute assignments of a recipe, written to
	// attributes/zz_recipe_NAME.star.
	hoisted []string
	// resources counts the resources written, by kind.
	resources map[string]int
	// kinds are the custom kinds of the migrated cookbooks, by the name
	// Chef recipes use (custom.go); cr is set in a kind's own file.
	kinds map[string]*crKind
	cr    *crCtx
	// lib is what the cookbook's libraries define; loads the functions
	// of it the file calls, by library file
	lib   *library
	loads map[string]map[string]bool
	// renamed are the resources a path or package_name property renamed,
	// by their Chef address ("template[app.conf]"): the Starlark code of
	// their converge name
	renamed map[string]string
	// constCands are the recipe locals that may be constants, consts
	// those whose assignment is read (consts.go), in that order
	// recipeDefs are the methods a recipe defines (def name ... end at
	// its top), by their line (recipedef.go)
	recipeDefs map[int]*libDef
	// defValues are the values the methods of the file end with, by name
	// (rubystr.go), read when first needed
	defValues map[string]ruby.Expr
	// inDef is set while a method body is written (translateDef): a
	// return leaves the Starlark function
	inDef bool
	// hoisting is set while a loop that only sets attributes is written
	// for the recipe's attributes file (hoistloop.go)
	hoisting int
	// usesCache is set when the recipe reads Chef::Config[:file_cache_path]
	usesCache bool
	// notes are facts for MIGRATION.md's Notes: translations worth a look
	notes []string
	// branchGuards are the command guards of the branches of node file
	// tests the emitter is in (control.go's fileTestIf): each resource
	// declared there takes them
	branchGuards []branchGuard
	// inAction names the custom resource action being written (kindAction)
	inAction string
	// defCalls are the definitions the recipe calls whose bodies declare
	// resources (definner.go)
	defCalls   []*crKind
	constCands map[string]bool
	consts     map[string]*constLocal
	constOrder []string
}

func newEmitter(file string, kind fileKind, cookbook, recipe, src string, comments []ruby.Comment) *emitter {
	return &emitter{
		file: file, kind: kind, cookbook: cookbook, recipe: recipe,
		src: strings.Split(src, "\n"), comments: comments, vars: map[string]varInfo{}, resources: map[string]int{},
	}
}

// translateRuby turns a recipe or attribute file into Starlark.
func translateRuby(file string, kind fileKind, cookbook, recipe, src string) (string, []Todo) {
	t := translateFile(file, kind, cookbook, recipe, src)
	return t.star, t.todos
}

// translated is one Ruby file written as Starlark.
type translated struct {
	star  string
	todos []Todo
	// attrs is the attributes file for the attributes a recipe sets
	// (node.default[...] = ...), "" when it sets none.
	attrs string
	// resources counts the resources written, by kind.
	resources map[string]int
	// notes are for MIGRATION.md's Notes
	notes []string
}

func translateFile(file string, kind fileKind, cookbook, recipe, src string) translated {
	return translateFileWith(file, kind, cookbook, recipe, src, nil)
}

// translateFileWith translates a file whose calls of lib's helpers become
// calls of their Starlark functions, loaded at the top.
func translateFileWith(file string, kind fileKind, cookbook, recipe, src string, lib *library) translated {
	return translateFileKinds(file, kind, cookbook, recipe, src, lib, nil)
}

// translateFileKinds is translateFileWith for recipes that may also
// declare the custom kinds of the migrated cookbooks.
func translateFileKinds(file string, kind fileKind, cookbook, recipe, src string, lib *library, kinds map[string]*crKind) translated {
	stmts, comments := ruby.Parse(src)
	e := newEmitter(file, kind, cookbook, recipe, src, comments)
	e.lib = lib
	e.kinds = kinds
	if kind == kindAttributes && lib != nil && lib.before != nil {
		e.attrsBefore = knownAttrs{}
		e.attrsBefore.add(lib.before[recipe], true)
		e.topStmts = map[*ruby.Stmt]bool{}
		for _, s := range stmts {
			e.topStmts[s] = true
		}
	}
	if len(stmts) > 0 && kind == kindRecipe {
		e.lastStmt = stmts[len(stmts)-1]
		e.constCands = constCandidates(stmts, src)
		e.readRecipeDefs(stmts)
	}
	e.body(stmts, 0)
	e.flushComments(1<<30, 0)
	e.declareDefinitionTargets()
	if e.usesCache {
		// Chef creates its file_cache_path; converge's stand-in is a
		// directory the recipe declares (the same declaration in other
		// recipes is the same resource)
		e.out = append([]string{"# Chef::Config[:file_cache_path] is " + cacheDir + ", declared here by converge migrate", "directory(" + starQuote(cacheDir) + ", mode=\"0755\")", ""}, e.out...)
		e.resources["directory"]++
	}
	if ls := e.loadLines(); len(ls) > 0 {
		e.out = append(append(ls, ""), e.out...)
	}
	out := strings.Join(e.out, "\n")
	out = strings.TrimLeft(out, "\n")
	if out != "" {
		out += "\n"
	}
	t := translated{star: renameTargets(out, kinds), todos: e.todos, resources: e.resources, notes: e.notes}
	if len(e.hoisted) > 0 {
		t.attrs = strings.Join(e.hoisted, "\n") + "\n"
	}
	return t
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
	for e.ci < len(e.comments) && e.comments[e.ci].Line < before {
		c := e.comments[e.ci]
		e.ci++
		e.gap(c.Line)
		if strings.HasPrefix(c.Text, "!") && c.Line == 1 { // shebang
			continue
		}
		e.line(ind, "#"+commentText(strings.TrimRight(c.Text, " \t")))
	}
}

// skipComments drops comments inside lines [from, to] (they are quoted
// with the original source in a TODO).
func (e *emitter) skipComments(to int) {
	for e.ci < len(e.comments) && e.comments[e.ci].Line <= to {
		e.ci++
	}
}

func (e *emitter) todo(s *ruby.Stmt, ind int, construct, why string) {
	e.flushComments(s.Line, ind)
	e.todos = append(e.todos, Todo{File: e.file, Line: s.Line, Construct: commentText(construct), Why: commentText(why)})
	e.line(ind, commentText(fmt.Sprintf("# TODO(migrate): %s: %s (%s:%d)", construct, why, e.file, s.Line)))
	for ln := s.Line; ln <= s.EndLine && ln-1 < len(e.src); ln++ {
		e.line(ind, "#   "+commentText(strings.TrimRight(e.src[ln-1], " \t\r")))
	}
	marker := e.todoMarker(s.Line, construct)
	// a variable the statement set is still set, to the marker, so that
	// what reads it later compiles and the marker is what check names
	if a, ok := s.X.(*ruby.AssignExpr); ok {
		var names []string
		switch t := a.Target.(type) {
		case *ruby.IdentRef:
			names = []string{t.Name}
		case *ruby.ArrayLit:
			for _, el := range t.Elems {
				if id, ok := el.(*ruby.IdentRef); ok {
					names = append(names, id.Name)
				}
			}
		}
		if len(names) > 0 {
			var bound []string
			for _, n := range names {
				bound = append(bound, e.bind(n, ""))
			}
			if len(bound) > 1 {
				marker = "(" + marker + ",) * " + fmt.Sprint(len(bound))
			}
			marker = strings.Join(bound, ", ") + " = " + marker
		}
	}
	e.line(ind, marker)
	e.skipComments(s.EndLine)
}

// todoMarker is the todo() call that stands for an untranslated construct:
// converge check and runs refuse the cookbook, naming its file:line, until
// a hand replaces it (or --allow-todo, where it is false, empty and "",
// and leaves a property unset).
func (e *emitter) todoMarker(line int, construct string) string {
	return "todo(" + starQuote(fmt.Sprintf("%s:%d: %s", e.file, line, commentText(construct))) + ")"
}

// todoLine records a TODO about part of a statement (one property) and
// quotes just that source line.
func (e *emitter) todoLine(ln, ind int, construct, why string) {
	e.todoNote(ln, ind, construct, why)
	e.line(ind, e.todoMarker(ln, construct))
}

// todoNote records a TODO and writes its comment, for a caller that
// writes the marker itself (a condition: if todo("..."):).
func (e *emitter) todoNote(ln, ind int, construct, why string) {
	e.todos = append(e.todos, Todo{File: e.file, Line: ln, Construct: commentText(construct), Why: commentText(why)})
	e.line(ind, commentText(fmt.Sprintf("# TODO(migrate): %s: %s (%s:%d)", construct, why, e.file, ln)))
	if ln-1 < len(e.src) && ln > 0 {
		e.line(ind, "#   "+commentText(strings.TrimSpace(e.src[ln-1])))
	}
}

func (e *emitter) body(stmts []*ruby.Stmt, ind int) {
	n := len(e.out)
	for i := 0; i < len(stmts); i++ {
		s := stmts[i]
		// "if cond ... return end" at the top of a recipe: the rest of
		// the file is the else branch
		toEnd := ind == 0 || e.lastStmt != nil && stmts[len(stmts)-1] == e.lastStmt // these statements run to the end of the recipe
		if j, ok := s.X.(*ruby.IfExpr); ok && !j.Modifier && e.loop == 0 && toEnd && len(j.Conds) == 1 && !j.HasElse && i < len(stmts)-1 {
			if b := j.Bodies[0]; len(b) > 0 {
				if r, ok := b[len(b)-1].X.(*ruby.JumpExpr); ok && recipeReturn(r) {
					c := *j
					c.Bodies = [][]*ruby.Stmt{b[:len(b)-1]}
					c.Else, c.HasElse = stmts[i+1:], true
					e.stmt(&ruby.Stmt{X: &c, Line: s.Line, EndLine: stmts[len(stmts)-1].EndLine}, ind)
					return
				}
			}
		}
		// a case on a fact (at the top of a recipe, or in a branch
		// running to its end) whose one when ends in return: the rest
		// of the file runs when that when did not
		if x, ok := s.X.(*ruby.CaseExpr); ok && e.loop == 0 && e.lastStmt != nil && stmts[len(stmts)-1] == e.lastStmt && i < len(stmts)-1 {
			if k, cond, ok := e.returningWhen(x); ok {
				c := *x
				c.Bodies = append([][]*ruby.Stmt(nil), x.Bodies...)
				c.Bodies[k] = x.Bodies[k][:len(x.Bodies[k])-1]
				e.stmt(&ruby.Stmt{X: &c, Line: s.Line, EndLine: s.EndLine}, ind)
				e.line(ind, "")
				e.line(ind, "if "+negate(cond)+":")
				e.conds = append(e.conds, negate(cond))
				e.body(stmts[i+1:], ind+1)
				e.conds = e.conds[:len(e.conds)-1]
				return
			}
		}
		// "return if cond" at the top of a recipe (or where the rest of
		// the recipe follows) guards the rest of the file
		if j, ok := s.X.(*ruby.IfExpr); ok && j.Modifier && e.loop == 0 && toEnd {
			if r, ok := j.Bodies[0][0].X.(*ruby.JumpExpr); ok && recipeReturn(r) {
				cond, err := e.tryCond(j.Conds[0], !j.Unless)
				if err != nil {
					e.todo(s, ind, "return", err.why)
					continue
				}
				e.flushComments(s.Line, ind)
				e.skipComments(s.EndLine)
				e.line(ind, "if "+cond+":")
				e.pushCond(j.Conds[0], cond)
				e.body(stmts[i+1:], ind+1)
				e.conds = e.conds[:len(e.conds)-1]
				return
			}
		}
		if r, ok := s.X.(*ruby.JumpExpr); ok && r.Kind == "return" && e.loop == 0 && toEnd {
			if i == len(stmts)-1 && recipeReturn(r) {
				e.flushComments(s.Line, ind)
				e.skipComments(s.EndLine)
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

// recipeReturn reports whether r is a return that leaves a recipe and does
// nothing else: without a value, or with a literal one (`return 'only on
// Windows' unless ...`), which Chef throws away.
func recipeReturn(r *ruby.JumpExpr) bool {
	if r.Kind != "return" {
		return false
	}
	switch r.Val.(type) {
	case nil, *ruby.StrLit, *ruby.SymLit, *ruby.IntLit, *ruby.FloatLit, *ruby.NilLit, *ruby.BoolLit:
		return true
	}
	return false
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

func (e *emitter) stmt(s *ruby.Stmt, ind int) {
	if e.topStmts[s] {
		e.scanAttrsBefore(s.Line)
	}
	e.flushComments(s.Line, ind)
	e.gap(s.Line)
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
	e.skipComments(s.EndLine)
}

func copyVars(m map[string]varInfo) map[string]varInfo {
	c := make(map[string]varInfo, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func (e *emitter) stmtInner(s *ruby.Stmt, ind int) {
	switch x := s.X.(type) {
	case *ruby.BadExpr:
		no("unreadable Ruby", "the reader could not parse this ("+x.Why+")")
	case *ruby.OpaqueExpr:
		if d := e.recipeDefs[s.Line]; d != nil && x.What == "a method definition" && ind == 0 {
			e.emitRecipeDef(d)
			return
		}
		if x.Begin != nil {
			e.emitBegin(s, x.Begin, ind)
			return
		}
		no(x.What, "arbitrary Ruby has no converge equivalent")
	case *ruby.IfExpr:
		e.declareBranchLocals(x, ind)
		e.emitIf(s, x, ind)
	case *ruby.CaseExpr:
		e.declareBranchLocals(x, ind)
		e.emitCase(x, ind)
	case *ruby.ForExpr:
		iter := e.expr(x.Iter)
		names := make([]string, len(x.Vars))
		for i, v := range x.Vars {
			names[i] = e.bind(v, "")
		}
		e.line(ind, "for "+strings.Join(names, ", ")+" in "+iter.in(pOr)+":")
		e.loop++
		e.body(x.Body, ind+1)
		e.loop--
	case *ruby.AssignExpr:
		e.emitAssign(x, ind)
	case *ruby.JumpExpr:
		switch {
		case x.Kind == "next" && e.loop > 0 && x.Val == nil:
			e.line(ind, "continue")
		case x.Kind == "break" && e.loop > 0 && x.Val == nil:
			e.line(ind, "break")
		case x.Kind == "return" && e.inDef:
			// an early return of a method: the function's
			if x.Val == nil {
				e.line(ind, "return None")
			} else {
				e.line(ind, "return "+e.expr(x.Val).code)
			}
		default:
			no(x.Kind, "leaving a recipe or block early has no converge equivalent here")
		}
	case *ruby.CallExpr:
		e.emitCallStmt(s, x, ind)
	case *ruby.BinaryExpr:
		if x.Op == "<<" {
			if id, ok := x.L.(*ruby.IdentRef); ok {
				e.line(ind, e.ident(id).code+".append("+e.expr(x.R).code+")")
				return
			}
			if _, ok := x.L.(*ruby.IndexExpr); ok && !e.isAttrTarget(x.L) {
				// h["k"] << v, node.run_state["k"] << v: the element's list
				e.line(ind, e.expr(x.L).in(pPostfix)+".append("+e.expr(x.R).code+")")
				return
			}
			if (e.hoisting > 0 || e.kind == kindRecipe) && e.isAttrTarget(x.L) {
				// a list attribute, in a loop moving to the attributes file
				e.emitCallStmt(s, &ruby.CallExpr{Line: x.Line, Recv: x.L, Name: "push", Args: []ruby.Expr{x.R}}, ind)
				return
			}
		}
		no("expression statement", "a value computed and thrown away")
	default:
		no("expression statement", "a value computed and thrown away")
	}
}

// returningWhen finds the one when of a case on a fact (node.platform,
// ...) whose body ends in return, and the condition under which the case
// takes it; ok is false when there is none, or more than one branch
// returns, or a condition does not translate.
func (e *emitter) returningWhen(x *ruby.CaseExpr) (k int, cond string, ok bool) {
	if x.Subject == nil || e.usesLocals(x.Subject) {
		return 0, "", false
	}
	ends := func(b []*ruby.Stmt) bool {
		if len(b) == 0 {
			return false
		}
		r, ok := b[len(b)-1].X.(*ruby.JumpExpr)
		if !ok || r.Kind != "return" {
			return false
		}
		switch r.Val.(type) {
		case nil, *ruby.IntLit, *ruby.NilLit, *ruby.BoolLit: // the value of a recipe's return is not used
			return true
		}
		return false
	}
	k = -1
	for i, b := range x.Bodies {
		if ends(b) {
			if k >= 0 {
				return 0, "", false
			}
			k = i
		}
	}
	if k < 0 || ends(x.Else) {
		return 0, "", false
	}
	subj, err := e.trySubject(x.Subject)
	if err || !strings.HasPrefix(subj.code, "node.") || strings.ContainsAny(subj.code, "[(") {
		return 0, "", false
	}
	var parts []string
	for i := 0; i <= k; i++ {
		for _, v := range x.Whens[i] {
			if e.usesLocals(v) {
				return 0, "", false
			}
		}
		code, err := e.tryWhen(true, subj, x.Whens[i])
		if err != nil {
			return 0, "", false
		}
		if i < k {
			code = negate(code)
		}
		parts = append(parts, code)
	}
	return k, joinConds(parts), true
}

// trySubject translates a case's subject, err when it does not.
func (e *emitter) trySubject(x ruby.Expr) (v sx, err bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(*untranslatable); !ok {
				panic(r)
			}
			err = true
		}
	}()
	return e.expr(x), false
}

// emitBegin translates begin ... end: the body, its else clause and its
// ensure clause, in the order Ruby runs them when nothing raises.
// Starlark has no exceptions, so a rescue handler is left out: where
// Chef would run it, the converge run stops with the error, which a
// comment and MIGRATION.md's notes say.
func (e *emitter) emitBegin(s *ruby.Stmt, b *ruby.BeginBody, ind int) {
	var after, ensure []*ruby.Stmt
	for _, c := range b.Clauses {
		switch c.Kind {
		case "else":
			after = c.Body
		case "ensure":
			ensure = c.Body
		}
	}
	var handler *ruby.RescueClause
	for i, c := range b.Clauses {
		if c.Kind == "rescue" && handler == nil {
			handler = &b.Clauses[i]
		}
	}
	if bags, ok := rescuedBags(b.Body); handler != nil && len(bags) > 0 {
		// Chef's rescue around a data bag read runs the handler when the
		// bag is missing: converge tests for the bag first
		if !ok {
			no("begin/rescue", "a rescue around a data bag read whose bag the body computes is not translated")
		}
		var conds []string
		seen := map[string]bool{}
		for _, x := range bags {
			c := "data_bag_exists(" + e.expr(x).code + ")"
			if !seen[c] {
				seen[c] = true
				conds = append(conds, c)
			}
		}
		e.line(ind, "# Chef's rescue (line "+strconv.Itoa(handler.Line)+") runs when the data bag is missing")
		e.line(ind, "if "+strings.Join(conds, " and ")+":")
		e.stmtsOrPass(append(append([]*ruby.Stmt(nil), b.Body...), after...), ind+1)
		e.line(ind, "else:")
		e.stmtsOrPass(handler.Body, ind+1)
		for _, st := range ensure {
			e.stmt(st, ind)
		}
		return
	}
	e.rescueNote(s.Line, b.Clauses, ind)
	stmts := append(append(append([]*ruby.Stmt(nil), b.Body...), after...), ensure...)
	if len(stmts) == 0 {
		e.line(ind, "pass")
		return
	}
	e.stmtsOrPass(stmts, ind)
}

// stmtsOrPass writes stmts, or nothing for none at the top level and
// pass for none inside a block.
func (e *emitter) stmtsOrPass(stmts []*ruby.Stmt, ind int) {
	if len(stmts) == 0 && ind > 0 {
		e.line(ind, "pass")
	}
	for _, st := range stmts {
		e.stmt(st, ind)
	}
}

// rescuedBags returns the bag argument of each data_bag and
// data_bag_item call in body, and whether each can be computed before
// body runs: it reads no local the body assigns or binds.
func rescuedBags(body []*ruby.Stmt) (bags []ruby.Expr, ok bool) {
	local := map[string]bool{}
	ruby.InspectStmts(body, func(x ruby.Expr) bool {
		switch v := x.(type) {
		case *ruby.AssignExpr:
			if id, isID := v.Target.(*ruby.IdentRef); isID {
				local[id.Name] = true
			}
		case *ruby.CallExpr:
			if v.Block != nil {
				for _, p := range v.Block.Params {
					local[p] = true
				}
			}
			if v.Recv == nil && (v.Name == "data_bag" || v.Name == "data_bag_item") && len(v.Args) > 0 {
				bags = append(bags, v.Args[0])
			}
		case *ruby.ForExpr:
			for _, n := range v.Vars {
				local[n] = true
			}
		}
		return true
	})
	ok = true
	for _, x := range bags {
		ruby.Inspect(x, func(y ruby.Expr) bool {
			if id, isID := y.(*ruby.IdentRef); isID && local[id.Name] {
				ok = false
			}
			return true
		})
	}
	return bags, ok
}

// rescueNote writes the comment and the note for the rescue clauses of a
// begin or def at line, which the translation leaves out.
func (e *emitter) rescueNote(line int, clauses []ruby.RescueClause, ind int) {
	var rescued []string
	for _, c := range clauses {
		if c.Kind != "rescue" {
			continue
		}
		what := c.Classes
		if what == "" || strings.HasPrefix(what, "=>") {
			what = "StandardError " + what
		}
		rescued = append(rescued, fmt.Sprintf("%s (line %d)", strings.TrimSpace(what), c.Line))
	}
	if len(rescued) == 0 {
		return
	}
	list := strings.Join(rescued, ", ")
	e.line(ind, "# rescue "+list+": converge has no rescue; where Chef ran the handler, the run stops with the error")
	e.notes = append(e.notes, fmt.Sprintf("%s:%d: the rescue of %s is left out: converge has no exceptions, so where Chef ran the handler the run stops with the error; check that the body cannot fail on your nodes, or test for the condition first", e.file, line, list))
}
