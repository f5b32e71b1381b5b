package migrate

// Control flow: if/unless/elsif, case/when, loops over lists and hashes.

import (
	"fmt"
	"strings"

	"github.com/converge-cm/converge/engine/migrate/ruby"
)

// tryCond translates a condition (negated when neg) or reports why not.
func (e *emitter) tryCond(x ruby.Expr, neg bool) (code string, err *untranslatable) {
	defer func() {
		if r := recover(); r != nil {
			u, ok := r.(*untranslatable)
			if !ok {
				panic(r)
			}
			err = u
		}
	}()
	if b, ok := x.(*ruby.BinaryExpr); ok && neg && (b.Op == "=~" || b.Op == "!~") {
		// unless x =~ re: whether there is no match
		op := map[string]string{"=~": "!~", "!~": "=~"}[b.Op]
		return e.matchOp(&ruby.BinaryExpr{Line: b.Line, Op: op, L: b.L, R: b.R}, true).code, nil
	}
	c := e.cond(x)
	if neg {
		return "not " + c.in(pNot), nil
	}
	return c.code, nil
}

func (e *emitter) emitIf(s *ruby.Stmt, x *ruby.IfExpr, ind int) {
	if e.fileTestIf(s, x, ind) {
		return
	}
	var before []string // the earlier branches' conditions, negated
	for i, c := range x.Conds {
		kw := "elif "
		if i == 0 {
			kw = "if "
		}
		code, err := e.tryCond(c, x.Unless)
		matched := false
		if i == 0 && err == nil && !x.Unless && readsLastMatch(x.Bodies[0]) {
			// $1 or $~ in the branch: the match is kept in _m
			if m, ok := e.lastMatchCall(c); ok {
				e.line(ind, "_m = "+m)
				code, matched = "_m != None", true
			}
		}
		if err != nil {
			ln := c.ExprLine()
			e.todoNote(ln, ind, err.construct, err.why+" (in a condition)")
			e.line(ind, kw+e.todoCond(ln, err.construct))
			code = ""
		} else {
			e.line(ind, kw+code+":")
		}
		if e.usesLocals(c) || matched {
			code = ""
		}
		e.conds = append(e.conds, joinConds(append(before, code)))
		saved := e.lastMatch
		if matched {
			e.lastMatch = "_m"
		}
		e.body(x.Bodies[i], ind+1)
		e.lastMatch = saved
		e.conds = e.conds[:len(e.conds)-1]
		before = append(before, negate(code))
	}
	if x.HasElse {
		e.flushComments(firstLine(x.Else, s.EndLine), ind)
		e.line(ind, "else:")
		e.conds = append(e.conds, joinConds(before))
		e.body(x.Else, ind+1)
		e.conds = e.conds[:len(e.conds)-1]
	}
}

// todoCond is the condition written for one that was not translated: a
// todo() marker, which converge check and runs refuse (naming its
// file:line) until a hand replaces it, and which is false with
// --allow-todo.
func (e *emitter) todoCond(line int, construct string) string {
	return e.todoMarker(line, "condition not translated: "+construct) + ":"
}

// pushCond records the condition code (translated from x) around the
// statements that follow.
func (e *emitter) pushCond(x ruby.Expr, code string) {
	if e.usesLocals(x) {
		code = ""
	}
	e.conds = append(e.conds, code)
}

// usesLocals reports whether x reads a recipe's local variable or block
// parameter.
func (e *emitter) usesLocals(x ruby.Expr) bool {
	if x == nil {
		return false
	}
	used := map[string]bool{}
	walkIdents(x, used)
	for n := range used {
		if e.consts[n] != nil {
			delete(used, n) // a constant reads the same in an attributes file
		}
	}
	return len(used) > 0
}

func negate(code string) string {
	if code == "" {
		return ""
	}
	return "not (" + code + ")"
}

// joinConds is the conjunction of conds, "" when one of them is "".
func joinConds(conds []string) string {
	var parts []string
	for _, c := range conds {
		if c == "" {
			return ""
		}
		parts = append(parts, "("+c+")")
	}
	if len(parts) == 0 {
		return "True"
	}
	if len(parts) == 1 {
		return strings.TrimSuffix(strings.TrimPrefix(parts[0], "("), ")")
	}
	return strings.Join(parts, " and ")
}

func firstLine(stmts []*ruby.Stmt, def int) int {
	if len(stmts) > 0 {
		return stmts[0].Line
	}
	return def
}

func (e *emitter) emitCase(x *ruby.CaseExpr, ind int) {
	var subj sx
	if x.Subject != nil {
		subj = e.expr(x.Subject)
	}
	var before []string
	subjLocal := e.usesLocals(x.Subject)
	for i, vals := range x.Whens {
		kw := "elif "
		if i == 0 {
			kw = "if "
		}
		code, err := e.tryWhen(x.Subject != nil, subj, vals)
		if err != nil {
			e.todoNote(vals[0].ExprLine(), ind, err.construct, err.why+" (in a when)")
			e.line(ind, kw+e.todoCond(vals[0].ExprLine(), err.construct))
			code = ""
		} else {
			e.line(ind, kw+code+":")
		}
		for _, v := range vals {
			if e.usesLocals(v) {
				code = ""
			}
		}
		if subjLocal {
			code = ""
		}
		e.conds = append(e.conds, joinConds(append(before, code)))
		e.body(x.Bodies[i], ind+1)
		e.conds = e.conds[:len(e.conds)-1]
		before = append(before, negate(code))
	}
	if x.HasElse {
		if len(x.Whens) == 0 {
			e.line(ind, "if True:")
		} else {
			e.line(ind, "else:")
		}
		e.conds = append(e.conds, joinConds(before))
		e.body(x.Else, ind+1)
		e.conds = e.conds[:len(e.conds)-1]
	}
}

func (e *emitter) tryWhen(hasSubj bool, subj sx, vals []ruby.Expr) (code string, err *untranslatable) {
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
		case *ruby.StrLit, *ruby.SymLit, *ruby.IntLit, *ruby.FloatLit, *ruby.NilLit, *ruby.BoolLit:
			lits = append(lits, e.expr(w).code)
			continue
		case *ruby.RangeExpr:
			lo, hi := e.expr(w.Lo), e.expr(w.Hi)
			op := "<="
			if w.Excl {
				op = "<"
			}
			parts = append(parts, fmt.Sprintf("%s >= %s and %s %s %s", subj.in(pCmp+1), lo.in(pCmp+1), subj.in(pCmp+1), op, hi.in(pCmp+1)))
			continue
		case *ruby.RegexExpr:
			// Regexp#=== matches
			parts = append(parts, "re.search("+e.regexLit(w).code+", "+subj.code+") != None")
			continue
		case *ruby.ConstRef:
			// Class#=== tests the value's class: its Starlark type
			types, ok := rubyTypes[strings.TrimPrefix(w.Path, "::")]
			if !ok {
				no("when "+w.Path, "matching on this Ruby class has no Starlark equivalent")
			}
			parts = append(parts, typeTest(subj, types).in(pOr+1))
			continue
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

func (e *emitter) emitLoop(c *ruby.CallExpr, ind int) {
	if e.kind == kindRecipe && e.hoisting == 0 && e.loop == 0 && e.loopSetsOnlyAttrs(c) && e.hoistLoop(c, ind) {
		return
	}
	b := c.Block
	recv := e.expr(c.Recv)
	var head string
	e.loop++
	defer func() { e.loop-- }()
	saved := copyVars(e.vars)
	defer func() { e.vars = saved }()
	elemType := e.elemType(c.Recv)
	if a, ok := c.Recv.(*ruby.ArrayLit); ok && a.Words {
		elemType = "str"
	}
	switch c.Name {
	case "times":
		if len(b.Params) > 1 {
			no(".times", "more than one block parameter")
		}
		v := "_"
		if len(b.Params) == 1 {
			v = e.bind(b.Params[0], "int")
		}
		head = fmt.Sprintf("for %s in range(%s):", v, recv.code)
	case "each_with_index":
		if len(b.Params) != 2 || b.Groups[1] != nil {
			no(".each_with_index", "expected |item, index|")
		}
		over := recv.code
		x := ""
		if g := b.Groups[0]; g != nil {
			// |(k, v), i|: a hash's pairs, or a list's elements, unpacked
			if len(g) == 2 && !e.isList(c.Recv) {
				over = recv.in(pPostfix) + ".items()"
			}
			x = e.groupTarget(g)
		} else {
			x = e.bind(b.Params[0], elemType)
		}
		i := e.bind(b.Params[1], "int")
		head = fmt.Sprintf("for %s, %s in enumerate(%s):", i, x, over)
	default:
		if g := b.Groups[0]; g != nil && len(b.Params) == 1 {
			// |(a, b)| is |a, b|; on a list, its elements unpacked
			if len(g) == 2 && !e.isList(c.Recv) {
				k, v := e.bind(g[0], "str"), e.bind(g[1], "")
				head = fmt.Sprintf("for %s, %s in %s.items():", k, v, recv.in(pPostfix))
			} else {
				head = "for " + strings.TrimSuffix(strings.TrimPrefix(e.groupTarget(g), "("), ")") + " in " + e.iterable(c.Recv, recv) + ":"
			}
			break
		}
		if len(b.Groups) > 0 {
			no("."+c.Name, "destructuring block parameters of this form are not translated")
		}
		switch len(b.Params) {
		case 0:
			head = "for _ in " + e.iterable(c.Recv, recv) + ":"
		case 1:
			head = "for " + e.bind(b.Params[0], elemType) + " in " + e.iterable(c.Recv, recv) + ":"
		case 2:
			if e.isList(c.Recv) {
				no(".each |a, b| on a list", "destructuring list elements is not translated")
			}
			k, v := e.bind(b.Params[0], "str"), e.bind(b.Params[1], "")
			head = fmt.Sprintf("for %s, %s in %s.items():", k, v, recv.in(pPostfix))
		default:
			no("."+c.Name, "more than two block parameters")
		}
	}
	e.line(ind, head)
	e.body(b.Unpacked(), ind+1)
}

// groupTarget binds the names of a destructuring block parameter, (a, b),
// and returns the Starlark loop target that unpacks it: (a, b).
func (e *emitter) groupTarget(names []string) string {
	if len(names) < 2 {
		// Ruby's (x) is an array's first element, or a value itself
		no("|(x)|", "a destructuring block parameter of one name is not translated")
	}
	bound := make([]string, len(names))
	for i, n := range names {
		bound[i] = e.bind(n, "")
	}
	return "(" + strings.Join(bound, ", ") + ")"
}

// eachWithObject writes recv.each_with_object(init) do |x, memo| ... end:
// memo set to init, then a loop of the block over recv with its first
// parameter (a group (k, v) unpacks a hash's pairs). It returns memo's
// Starlark name, the value the call has.
func (e *emitter) eachWithObject(c *ruby.CallExpr, target string, ind int) string {
	b := c.Block
	if len(c.Args) != 1 || b == nil || len(b.Params) != 2 || b.Groups[1] != nil {
		no(".each_with_object", "expected (initial value) and a block |item, memo|")
	}
	memo := b.Params[1]
	if _, known := e.vars[memo]; known || memo == target {
		no(".each_with_object", "the block parameter "+memo+" has the name of another local")
	}
	init := e.expr(c.Args[0])
	star := e.bind(memo, typeOf(c.Args[0], init))
	e.line(ind, star+" = "+init.code)
	// the loop has the block's first parameter (and its group, whose
	// unpacking starts the body, when there is one)
	blk := &ruby.BlockExpr{Line: b.Line, EndLine: b.EndLine, Params: b.Params[:1], Body: b.Body, Brace: b.Brace}
	if g := b.Groups[0]; g != nil {
		blk.Groups = map[int][]string{0: g}
	}
	e.emitLoop(&ruby.CallExpr{Line: c.Line, Recv: c.Recv, Name: "each", Block: blk}, ind)
	return star
}

// isEachWithObject reports whether x is a call of each_with_object with
// a block.
func isEachWithObject(x ruby.Expr) (*ruby.CallExpr, bool) {
	c, ok := x.(*ruby.CallExpr)
	return c, ok && c.Recv != nil && c.Name == "each_with_object" && c.Block != nil
}

func (e *emitter) iterable(x ruby.Expr, v sx) string {
	if r, ok := x.(*ruby.RangeExpr); ok {
		lo, hi := e.expr(r.Lo), e.expr(r.Hi)
		if r.Excl {
			return fmt.Sprintf("range(%s, %s)", lo.code, hi.code)
		}
		return fmt.Sprintf("range(%s, %s + 1)", lo.code, hi.in(pAdd))
	}
	return v.in(pOr)
}

func (e *emitter) isList(x ruby.Expr) bool {
	switch t := x.(type) {
	case *ruby.ArrayLit:
		return true
	case *ruby.IdentRef:
		return e.vars[t.Name].typ == "list" || e.vars[t.Name].typ == "nodes"
	}
	return e.isSearchList(x)
}

// ---- resources ----

// branchGuard is a command guard a branch gives its resources.
type branchGuard struct {
	cmd  string // a Starlark expression of the command
	only bool   // only_if (else not_if)
	line int
}

// fileTestIf translates an if (or unless) whose condition tests the
// node's files (File.exist?, File.directory?, ... and their !, && and
// ||), and whose branches only declare resources: Chef tests the file
// while it compiles, on the node; converge compiles on the control
// machine, so each resource of the branch takes the test as a guard,
// run on the node just before the resource (only_if for the if branch,
// not_if for the else branch). It reports false, writing nothing, for
// any other if.
func (e *emitter) fileTestIf(s *ruby.Stmt, x *ruby.IfExpr, ind int) bool {
	if len(x.Conds) != 1 || !readsNodeFiles(x.Conds[0]) {
		return false
	}
	cond := x.Conds[0]
	var rest []ruby.Expr // with &&: the parts that do not test files
	if !x.Unless && !x.HasElse {
		// File.exist?(p) && node['x']: a Starlark if of the rest, the
		// file test a guard
		var files []ruby.Expr
		for _, c := range conjuncts(cond) {
			if readsNodeFiles(c) {
				files = append(files, c)
			} else {
				rest = append(rest, c)
			}
		}
		cond = files[0]
		for _, f := range files[1:] {
			cond = &ruby.BinaryExpr{Op: "&&", L: cond, R: f}
		}
	}
	cmd, ok := e.shellGuard(cond)
	if !ok || !e.onlyResources(x.Bodies[0]) || x.HasElse && !e.onlyResources(x.Else) {
		return false
	}
	var restCode []string
	for _, c := range rest {
		code, err := e.tryCond(c, false)
		if err != nil {
			return false
		}
		restCode = append(restCode, code)
	}
	src := "if"
	if x.Unless {
		src = "unless"
	}
	e.line(ind, fmt.Sprintf("# %s on the node's files (line %d): converge tests it on the node, as a guard of each resource of the branch", src, s.Line))
	in := ind
	if len(restCode) > 0 {
		e.line(ind, "if "+strings.Join(restCode, " and ")+":")
		in++
	}
	branch := func(body []*ruby.Stmt, only bool) {
		e.branchGuards = append(e.branchGuards, branchGuard{cmd: cmd, only: only, line: s.Line})
		defer func() { e.branchGuards = e.branchGuards[:len(e.branchGuards)-1] }()
		for _, st := range body {
			e.stmt(st, in)
		}
	}
	branch(x.Bodies[0], !x.Unless)
	if x.HasElse {
		branch(x.Else, x.Unless)
	}
	return true
}

// conjuncts are the operands of a chain of && (x itself for another
// expression).
func conjuncts(x ruby.Expr) []ruby.Expr {
	if b, ok := x.(*ruby.BinaryExpr); ok && b.Op == "&&" {
		return append(conjuncts(b.L), conjuncts(b.R)...)
	}
	return []ruby.Expr{x}
}

// readsNodeFiles reports whether x calls one of Ruby's file tests
// (File.exist? and the like).
func readsNodeFiles(x ruby.Expr) bool {
	found := false
	ruby.Inspect(x, func(y ruby.Expr) bool {
		if c, ok := y.(*ruby.CallExpr); ok {
			if cr, ok := c.Recv.(*ruby.ConstRef); ok && fileTestRecv(cr.Path, c.Name) {
				found = true
			}
		}
		return !found
	})
	return found
}

// onlyResources reports whether stmts only declare resources (built-in
// or custom kinds), in loops and branches: what a guard can stand in
// for a condition around.
func (e *emitter) onlyResources(stmts []*ruby.Stmt) bool {
	if len(stmts) == 0 {
		return false
	}
	for _, st := range stmts {
		switch x := st.X.(type) {
		case *ruby.CallExpr:
			if x.Recv == nil && (len(x.Args) > 0 || x.Block != nil) {
				if _, ok := chefResource(x.Name); ok && x.Name != "include_recipe" {
					continue
				}
				if _, ok := e.customKind(x.Name); ok {
					continue
				}
			}
			if x.Recv != nil && x.Block != nil && (x.Name == "each" || x.Name == "each_with_index" || x.Name == "each_pair") && e.onlyResources(x.Block.Body) {
				continue
			}
			return false
		case *ruby.ForExpr:
			if !e.onlyResources(x.Body) {
				return false
			}
		case *ruby.IfExpr:
			for _, b := range x.Bodies {
				if !e.onlyResources(b) {
					return false
				}
			}
			if x.HasElse && !e.onlyResources(x.Else) {
				return false
			}
		default:
			return false
		}
	}
	return true
}
