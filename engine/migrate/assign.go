package migrate

// Local variables: assignments and the names they bind in Starlark.

import (
	"fmt"
	"sort"
	"strings"

	"github.com/converge-cm/converge/engine/migrate/ruby"
)

func (e *emitter) emitAssign(x *ruby.AssignExpr, ind int) {
	_, local := x.Target.(*ruby.IdentRef)
	if root, keys, ok := e.attrTarget(x.Target); ok && !local {
		if len(keys) == 0 {
			no("assignment to "+root, "an attribute needs a key")
		}
		var b strings.Builder
		b.WriteString(root)
		for _, k := range keys {
			b.WriteString("[" + e.expr(k).code + "]")
		}
		op := x.Op
		switch op {
		case "=", "+=", "-=":
		default:
			no(op+" on an attribute", "only =, += and -= are translated for attributes")
		}
		line := b.String() + " " + op + " " + e.expr(x.Value).code
		if e.kind == kindRecipe {
			e.hoistAttr(x, keys, line, ind)
			return
		}
		e.line(ind, line)
		return
	}
	switch t := x.Target.(type) {
	case *ruby.ArrayLit:
		var names []string
		for _, n := range t.Elems {
			id, ok := n.(*ruby.IdentRef)
			if !ok {
				no("multiple assignment", "only local variables are translated on the left")
			}
			names = append(names, id.Name)
		}
		var v string
		if arr, ok := x.Value.(*ruby.ArrayLit); ok && len(arr.Elems) == len(names) {
			var vals []string
			for _, el := range arr.Elems {
				vals = append(vals, e.expr(el).in(pOr))
			}
			v = strings.Join(vals, ", ")
		} else {
			v = e.expr(x.Value).code
		}
		typs := e.multiTypes(x.Value, len(names)) // rubystr.go
		for i, n := range names {
			names[i] = e.bind(n, typs[i])
		}
		e.line(ind, strings.Join(names, ", ")+" = "+v)
	case *ruby.IdentRef:
		if x.Op == "=" {
			if c, ok := x.Value.(*ruby.CallExpr); ok && c.Name == "tap" && c.Recv != nil && len(c.Args) == 0 && c.Block != nil && len(c.Block.Params) == 1 {
				e.emitTap(t, c, ind)
				return
			}
			if c, ok := isEachWithObject(x.Value); ok {
				memo := e.eachWithObject(c, t.Name, ind)
				e.line(ind, e.bind(t.Name, e.vars[c.Block.Params[1]].typ)+" = "+memo)
				return
			}
			if br := branchesAssigning(t, x.Value); br != nil {
				e.stmtInner(&ruby.Stmt{X: br, Line: x.Line, EndLine: x.Line}, ind)
				return
			}
		}
		v := e.expr(x.Value)
		typ := typeOf(x.Value, v)
		if typ == "" {
			typ = e.scalarType(x.Value, v) // rubystr.go
		}
		if st := e.searchType(x.Value); st != "" {
			typ = st
		}
		switch x.Op {
		case "=":
			star := e.bindLevel(t.Name, typ, x.Value)
			e.noteValue(t.Name, x.Value) // rubystr.go
			e.line(ind, star+" = "+v.code)
			if e.constCands[t.Name] && ind == 0 && e.loop == 0 && len(e.conds) == 0 && e.consts[t.Name] == nil {
				if e.consts == nil {
					e.consts = map[string]*constLocal{}
				}
				e.consts[t.Name] = &constLocal{star: star, def: star + " = " + v.code}
				e.constOrder = append(e.constOrder, t.Name)
			}
		case "||=":
			if _, known := e.vars[t.Name]; !known {
				e.line(ind, e.bind(t.Name, typ)+" = "+v.code)
				return
			}
			n := e.vars[t.Name].star
			e.line(ind, n+" = "+n+" or "+v.in(pOr+1))
		case "+=", "-=", "*=", "%=", "|=":
			if _, known := e.vars[t.Name]; !known {
				no(x.Op, "the variable is not set before")
			}
			e.line(ind, e.vars[t.Name].star+" "+x.Op+" "+v.code)
		default:
			no(x.Op, "this assignment operator is not translated")
		}
	case *ruby.IndexExpr:
		// h["k"] = v on a local hash, node.run_state["k"] = v
		if x.Op == "||=" && e.cr != nil && e.cr.k.style == "definition" && isParams(t.Recv) {
			// params[:port] ||= 80: set unless nil or false
			el := e.index(t).code
			e.line(ind, "if params.get("+e.hashKey(t.Args[0])+") in (None, False):")
			e.line(ind+1, el+" = "+e.expr(x.Value).code)
			return
		}
		switch x.Op {
		case "=", "+=", "-=":
			// Starlark updates an element in place as Ruby does
			e.line(ind, e.index(t).code+" "+x.Op+" "+e.expr(x.Value).code)
		case "||=":
			e.emitElementOrAssign(t, x.Value, ind)
		default:
			no(x.Op+" on an element", "only =, +=, -= and ||= are translated for an element")
		}
	case *ruby.CallExpr:
		// new_resource.x = v in an action or a helper: the action's r
		// (SPEC §4.6), which the rest of the action reads
		cr := e.cr
		if cr == nil || t.Recv == nil || !isNewResource(t.Recv, cr) || len(t.Args) != 0 || t.Block != nil {
			no("assignment", "only local variables, attributes and new_resource.x can be assigned")
		}
		if cr.load || cr.lazy {
			no("new_resource."+t.Name+" =", "a property is set from an action or its helpers only")
		}
		if !cr.k.hasProp(t.Name) || t.Name == "name" {
			if !commonReadable[t.Name] {
				no("new_resource."+t.Name+" =", "the "+cr.k.style+" has no property "+t.Name)
			}
		}
		if p, ok := cr.k.props[t.Name]; ok && p.typ == "mode" {
			no("new_resource."+t.Name+" =", "setting a mode property from an action is not translated")
		}
		field := "r." + t.Name
		v := e.expr(x.Value)
		switch x.Op {
		case "=":
			e.line(ind, field+" = "+v.code)
		case "||=":
			e.line(ind, "if not "+field+":")
			e.line(ind+1, field+" = "+v.code)
		case "+=", "-=":
			e.line(ind, field+" "+x.Op+" "+v.code)
		default:
			no(x.Op+" on new_resource."+t.Name, "this assignment operator is not translated")
		}
	case *ruby.IVarRef:
		no("@"+t.Name+" =", "instance variables have no converge equivalent")
	case *ruby.ConstRef:
		no(t.Path+" =", "constants have no converge equivalent")
	default:
		no("assignment", "only local variables and attributes can be assigned")
	}
}

func typeOf(x ruby.Expr, v sx) string {
	switch x.(type) {
	case *ruby.ArrayLit:
		return "list"
	case *ruby.HashLit:
		return "dict"
	case *ruby.IntLit:
		return "int"
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
	"cluster": true, "default": true, "override": true, "normal": true, "rb_to_s": true,
	"property_is_set": true, "rb_chomp": true, "rb_tr": true, "rb_split": true, "rb_format": true, "data_bag_exists": true, "re": true, "json": true, "xml": true, "shell": true, "struct": true, "todo": true,
	"_m": true, // the match $~ reads (regex.go)
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

func (e *emitter) ident(id *ruby.IdentRef) sx {
	if v, ok := e.vars[id.Name]; ok {
		return sx{code: v.star, prec: pPostfix, str: v.typ == "str"}
	}
	return atom(e.bind(id.Name, ""))
}

// ---- calls as statements: resources, loops, include_recipe ----

// hoistAttr writes an attribute a recipe sets (node.default["a"] = v) to
// the recipe's attributes file, attributes/zz_recipe_NAME.star (named to
// load after the cookbook's other attribute files, as Chef sets it after
// them), under the conditions around it: converge sets attributes in attributes files, which
// run before every recipe. Chef sets it when the recipe runs, so a read
// earlier in the run sees the new value too; in practice recipes set such
// attributes at their top, for the templates and recipes that follow.
// An assignment inside a loop or reading a recipe variable cannot move,
// unless the variable is a constant (consts.go), whose definition moves
// along.
func (e *emitter) hoistAttr(x *ruby.AssignExpr, keys []ruby.Expr, line string, ind int) {
	if e.hoisting > 0 {
		e.line(ind, line) // the whole loop moves
		return
	}
	if e.loop > 0 {
		no("setting a node attribute in a loop", "move it to an attributes file (attributes/*.star) by hand")
	}
	for _, k := range keys {
		if e.usesLocals(k) {
			no("setting a node attribute from a recipe variable", "move it to an attributes file (attributes/*.star) by hand")
		}
	}
	if e.usesLocals(x.Value) {
		no("setting a node attribute from a recipe variable", "move it to an attributes file (attributes/*.star) by hand")
	}
	conds := joinConds(e.conds)
	if conds == "" {
		no("setting a node attribute under a condition on a recipe variable", "move it to an attributes file (attributes/*.star) by hand")
	}
	if len(e.hoisted) == 0 {
		e.hoisted = append(e.hoisted, "# Attributes recipes/"+e.recipe+".rb sets, moved here by converge migrate:", "# converge sets attributes in attributes files, before every recipe runs.")
	}
	src := fmt.Sprintf("# %s:%d", e.file, x.Line)
	if defs := e.constDefs(conds + "\n" + line); len(defs) > 0 {
		e.hoisted = append(e.hoisted, "# a constant of recipes/"+e.recipe+".rb the attributes below read")
		e.hoisted = append(e.hoisted, defs...)
	}
	if conds == "True" {
		e.hoisted = append(e.hoisted, src, line)
	} else {
		e.hoisted = append(e.hoisted, src, "if "+conds+":", "    "+line)
	}
	e.line(ind, "# "+line+"  (moved to attributes/zz_recipe_"+e.recipe+".star)")
}

// branchesAssigning rewrites "x = case ... end" and "x = if ... end" as
// the case or if assigning x at the end of each branch (and nil when no
// branch is taken, as Ruby does); nil when value is neither.
func branchesAssigning(target *ruby.IdentRef, value ruby.Expr) ruby.Expr {
	assign := func(body []*ruby.Stmt, line int) []*ruby.Stmt {
		out := append([]*ruby.Stmt{}, body...)
		var last ruby.Expr = &ruby.NilLit{Line: line}
		if len(out) > 0 {
			last = out[len(out)-1].X
			out = out[:len(out)-1]
		}
		if nested := branchesAssigning(target, last); nested != nil {
			last = nested
		} else {
			last = &ruby.AssignExpr{Line: last.ExprLine(), Target: target, Op: "=", Value: last}
		}
		return append(out, &ruby.Stmt{X: last, Line: last.ExprLine(), EndLine: last.ExprLine()})
	}
	switch v := value.(type) {
	case *ruby.CaseExpr:
		c := *v
		c.Bodies = make([][]*ruby.Stmt, len(v.Bodies))
		for i, b := range v.Bodies {
			c.Bodies[i] = assign(b, v.Line)
		}
		c.Else, c.HasElse = assign(v.Else, v.Line), true
		return &c
	case *ruby.IfExpr:
		if v.Modifier {
			return nil
		}
		c := *v
		c.Bodies = make([][]*ruby.Stmt, len(v.Bodies))
		for i, b := range v.Bodies {
			c.Bodies[i] = assign(b, v.Line)
		}
		c.Else, c.HasElse = assign(v.Else, v.Line), true
		return &c
	}
	return nil
}

// declareBranchLocals sets to None, before an if or a case, the new
// local variables some of its branches assign and others do not: Ruby
// defines a local from its assignment on (nil when the branch is not
// taken: `x = search(...) if c` then `x ||= []`), Starlark only once
// the assignment runs.
func (e *emitter) declareBranchLocals(x ruby.Expr, ind int) {
	var branches [][]*ruby.Stmt
	switch v := x.(type) {
	case *ruby.IfExpr:
		branches = append(branches, v.Bodies...)
		if v.HasElse {
			branches = append(branches, v.Else)
		} else {
			branches = append(branches, nil)
		}
	case *ruby.CaseExpr:
		branches = append(branches, v.Bodies...)
		if v.HasElse {
			branches = append(branches, v.Else)
		} else {
			branches = append(branches, nil)
		}
	}
	count := map[string]int{}
	var order []string
	for _, b := range branches {
		seen := map[string]bool{}
		assignedLocals(b, seen)
		for n := range seen {
			if count[n] == 0 {
				order = append(order, n)
			}
			count[n]++
		}
	}
	sort.Strings(order)
	for _, n := range order {
		if _, known := e.vars[n]; known || count[n] == len(branches) {
			continue
		}
		e.line(ind, e.bind(n, "")+" = None")
	}
}

// assignedLocals adds the local variables stmts assign (in nested ifs and
// cases too, not in blocks, whose locals are their own).
func assignedLocals(stmts []*ruby.Stmt, out map[string]bool) {
	for _, s := range stmts {
		switch v := s.X.(type) {
		case *ruby.AssignExpr:
			if t, ok := v.Target.(*ruby.IdentRef); ok && (v.Op == "=" || v.Op == "||=") {
				out[t.Name] = true
			}
		case *ruby.IfExpr:
			for _, b := range v.Bodies {
				assignedLocals(b, out)
			}
			assignedLocals(v.Else, out)
		case *ruby.CaseExpr:
			for _, b := range v.Bodies {
				assignedLocals(b, out)
			}
			assignedLocals(v.Else, out)
		}
	}
}

// emitTap translates x = v.tap { |a| ... }: tap yields its receiver to
// the block and returns it, so a is v, the block's statements run, and x
// is a (the same object, as the block changed it).
func (e *emitter) emitTap(target *ruby.IdentRef, c *ruby.CallExpr, ind int) {
	p := c.Block.Params[0]
	if _, known := e.vars[p]; known || p == target.Name {
		no(".tap", "the block parameter has the name of another local")
	}
	v := e.expr(c.Recv)
	star := e.bindLevel(p, typeOf(c.Recv, v), c.Recv)
	e.line(ind, star+" = "+v.code)
	e.body(c.Block.Body, ind)
	e.line(ind, e.bindLevel(target.Name, e.vars[p].typ, c.Recv)+" = "+star)
}

// emitElementOrAssign writes h[k] ||= v: Ruby sets the element when it is
// missing, nil or false (not when it is "" or 0, as Starlark's or would).
// A literal integer index is a list's; any other key is a hash's, read
// with get so that a missing key is None.
func (e *emitter) emitElementOrAssign(t *ruby.IndexExpr, value ruby.Expr, ind int) {
	el := e.index(t).code
	if len(t.Args) != 1 {
		no("||= on an element", "only one index is translated")
	}
	cur := e.expr(t.Recv).in(pPostfix) + ".get(" + e.hashKey(t.Args[0]) + ")"
	if _, ok := t.Args[0].(*ruby.IntLit); ok {
		cur = el
	}
	e.line(ind, "if "+cur+" in (None, False):")
	e.line(ind+1, el+" = "+e.expr(value).code)
}
