package migrate

// The file of a custom kind, resources/STEM.star: property() calls, the
// helpers of action_class, probes(r) and load_current(r, out) from
// load_current_value (or an LWRP provider's load_current_resource), and
// one action_X(r) per action, the default first.

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/converge-cm/converge/engine/migrate/ruby"
)

// kindState is what the files of one kind (resources/x.rb, and for an
// LWRP providers/x.rb) have said so far.
type kindState struct {
	k             *crKind
	defaultAction string
	declared      []string // an LWRP's `actions :a, :b`
	head          []string // doc, properties, notes: in source order
	funcs         []string // helpers, probes, load_current
	actions       []string // action names, in source order
	actionCode    map[string][]string
	doc           string
	when          map[string]string // action -> run_when rule
	loads         bool              // the kind has a load_current
	notes         []string
}

// kindOutput is a kind's translated file and what it needs a hand for.
type kindOutput struct {
	star      string
	todos     []Todo
	resources map[string]int
	notes     []string
}

// translateKind translates a custom resource (src is resources/x.rb,
// provider "") or an LWRP (provider is providers/x.rb).
func translateKind(k *crKind, kinds map[string]*crKind, resRel, src, provRel, provider string) kindOutput {
	st := &kindState{k: k, actionCode: map[string][]string{}, when: map[string]string{}}
	out := kindOutput{resources: map[string]int{}}
	stmts, comments := ruby.Parse(src)
	var pstmts []*ruby.Stmt
	var pcomments []ruby.Comment
	if provRel != "" {
		pstmts, pcomments = ruby.Parse(provider)
	}
	helpers := map[string]bool{}
	for _, list := range [][]*ruby.Stmt{stmts, pstmts} {
		for _, d := range kindDefs(list) {
			helpers[d.Name] = true
		}
	}
	delete(helpers, "load_current_resource")
	delete(helpers, "whyrun_supported?")
	cr := &crCtx{k: k, helpers: helpers}
	e := newEmitter(resRel, kindRecipe, k.cookbook, "", src, comments)
	e.kinds, e.cr = kinds, cr
	e.kindFile(st, stmts)
	out.collect(e)
	if provRel != "" {
		pe := newEmitter(provRel, kindRecipe, k.cookbook, "", provider, pcomments)
		pe.kinds, pe.cr = kinds, &crCtx{k: k, helpers: helpers}
		pe.kindFile(st, pstmts)
		out.collect(pe)
	}
	out.star = renameTargets(st.assemble(&out), kinds)
	out.notes = append(out.notes, st.notes...)
	if name, _, renamed := kindName(k.cookbook, k.chefName); renamed {
		out.notes = append(out.notes, fmt.Sprintf("%s: the %s %s is the converge kind %s (converge names a kind after its cookbook); the recipes migrated with it call it so", resRel, k.style, k.chefName, name))
	}
	return out
}

func (o *kindOutput) collect(e *emitter) {
	o.todos = append(o.todos, e.todos...)
	for k, n := range e.resources {
		o.resources[k] += n
	}
}

// noHoist replaces, in the lines sec of a kind's function starting at
// source line ln, each attribute assignment the recipe emitter moved to an
// attributes file (a kind has none) by a TODO and its marker.
func (e *emitter) noHoist(sec []string, ln int) []string {
	var out []string
	for _, l := range sec {
		if !strings.Contains(l, "  (moved to attributes/zz_recipe_") {
			out = append(out, l)
			continue
		}
		ind := l[:len(l)-len(strings.TrimLeft(l, " "))]
		const construct = "node attribute set in an action"
		why := "converge sets attributes in attributes files, before any recipe; set it in the cookbook's attributes/*.star"
		e.todos = append(e.todos, Todo{File: e.file, Line: ln, Construct: construct, Why: why})
		out = append(out, ind+"# TODO(migrate): "+construct+": "+why+" ("+e.file+fmt.Sprintf(":%d)", ln),
			ind+"#   "+strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(l), "# "), l[strings.Index(l, "  (moved"):])),
			ind+e.todoMarker(ln, construct))
	}
	e.hoisted = nil
	return out
}

// kindDefs are the methods a kind's file defines, at its top level and
// in action_class.
func kindDefs(stmts []*ruby.Stmt) []*ruby.DefExpr {
	var out []*ruby.DefExpr
	for _, s := range stmts {
		switch x := s.X.(type) {
		case *ruby.OpaqueExpr:
			if x.Def != nil && x.Def.Name != "" {
				out = append(out, x.Def)
			}
		case *ruby.CallExpr:
			if x.Recv == nil && x.Name == "action_class" && x.Block != nil {
				out = append(out, kindDefs(x.Block.Body)...)
			}
		}
	}
	return out
}

// section runs write and returns the lines it wrote, removed from e.out.
func (e *emitter) section(write func()) []string {
	mark := len(e.out)
	write()
	sec := append([]string(nil), e.out[mark:]...)
	e.out = e.out[:mark]
	return sec
}

// guarded runs write for statement s, turning what it cannot translate
// into a TODO at the top level of the file.
func (e *emitter) guarded(s *ruby.Stmt, ind int, write func()) {
	mark := len(e.out)
	defer func() {
		if r := recover(); r != nil {
			u, ok := r.(*untranslatable)
			if !ok {
				panic(r)
			}
			e.out = e.out[:mark]
			e.todo(s, ind, u.construct, u.why)
		}
	}()
	write()
}

func (e *emitter) kindFile(st *kindState, stmts []*ruby.Stmt) {
	for _, s := range stmts {
		s := s
		head := true
		sec := e.section(func() {
			e.flushComments(s.Line, 0)
			e.guarded(s, 0, func() { head = e.kindStmt(st, s) })
			e.skipComments(s.EndLine)
		})
		if head {
			st.head = append(st.head, sec...)
		}
	}
	e.flushComments(1<<30, 0)
	st.head = append(st.head, e.out...)
	e.out = nil
}

// kindStmt translates one top-level statement of a kind's file; it
// returns false when it filed what it wrote as a function or action.
func (e *emitter) kindStmt(st *kindState, s *ruby.Stmt) bool {
	k := st.k
	switch x := s.X.(type) {
	case *ruby.OpaqueExpr:
		if x.Def == nil {
			no(x.What, "arbitrary Ruby has no converge equivalent")
		}
		switch x.Def.Name {
		case "whyrun_supported?":
			e.line(0, "# whyrun_supported?: converge's dry run (check) needs nothing from a kind")
			return true
		case "load_current_resource":
			e.loadCurrent(st, s, x.Def.Body, "")
			return false
		}
		e.helper(st, s, x.Def)
		return false
	case *ruby.CallExpr:
		if x.Recv != nil {
			break
		}
		sym := func() string {
			if len(x.Args) < 1 {
				no(x.Name, "expected a name")
			}
			v, ok := x.Args[0].(*ruby.SymLit)
			if !ok {
				no(x.Name, "expected a symbol")
			}
			return v.Name
		}
		switch x.Name {
		case "property", "attribute":
			e.kindProperty(st, x)
			return true
		case "resource_name", "provides":
			n := sym()
			if len(x.Args) > 1 {
				no(x.Name+" with options", "a kind for some platforms only; converge kinds are the same everywhere (branch on node.platform inside the actions)")
			}
			e.line(0, fmt.Sprintf("# %s :%s: converge names this kind %s (resources/%s.star)", x.Name, n, k.kind, k.stem))
			return true
		case "default_action":
			st.defaultAction = sym()
			e.line(0, "# default_action :"+st.defaultAction+": converge's default action is the first action_ function")
			return true
		case "actions":
			for _, a := range x.Args {
				if v, ok := a.(*ruby.SymLit); ok {
					st.declared = append(st.declared, v.Name)
				}
			}
			e.line(0, "# actions "+strings.Join(st.declared, ", ")+": one action_ function each, from the provider")
			return true
		case "unified_mode":
			e.line(0, "# unified_mode: converge compiles an action's resources in one pass; nothing to translate")
			return true
		case "use_inline_resources":
			e.line(0, "# use_inline_resources: a converge action's resources are always its own")
			return true
		case "description":
			if len(x.Args) == 1 {
				if sl, ok := x.Args[0].(*ruby.StrLit); ok && isPlain(sl) {
					st.doc = plain(sl)
					return true
				}
			}
		case "include", "extend":
			e.line(0, "# "+x.Name+" (a Ruby mixin): its helpers have no converge equivalent; what the actions call is translated or marked")
			return true
		case "load_current_value":
			if x.Block == nil {
				no(x.Name, "load_current_value without a block")
			}
			desired := ""
			if len(x.Block.Params) > 0 {
				desired = x.Block.Params[0]
			}
			e.loadCurrent(st, s, x.Block.Body, desired)
			return false
		case "action":
			n := sym()
			if x.Block == nil {
				no("action :"+n, "an action without a block")
			}
			e.kindAction(st, s, n, x.Block.Body)
			return false
		case "action_class":
			if x.Block == nil {
				no(x.Name, "action_class without a block")
			}
			for _, is := range x.Block.Body {
				is := is
				if o, ok := is.X.(*ruby.OpaqueExpr); ok && o.Def != nil {
					e.helper(st, is, o.Def)
					continue
				}
				if c, ok := is.X.(*ruby.CallExpr); ok && c.Recv == nil && (c.Name == "include" || c.Name == "extend") {
					continue
				}
				st.head = append(st.head, e.section(func() { e.todo(is, 0, "statement in action_class", "only method definitions are translated") })...)
			}
			return false
		}
	}
	no("statement in a "+k.style, "only property, action, load_current_value, action_class and default_action are translated")
	return true
}

// kindProperty writes property() for `property :x, Type, opts` or an
// LWRP's `attribute :x, kind_of: Type, opts`.
func (e *emitter) kindProperty(st *kindState, c *ruby.CallExpr) {
	if len(c.Args) < 1 {
		no(c.Name, "a property without a name")
	}
	sym, ok := c.Args[0].(*ruby.SymLit)
	if !ok {
		no(c.Name, "the name must be a symbol")
	}
	name := sym.Name
	if name == "name" {
		e.line(0, "# "+c.Name+" :name: every converge resource has its name (r.name)")
		return
	}
	if starKeywords[name] || !isASCIIIdent(name) || strings.ContainsAny(name, "?!") {
		no(c.Name+" :"+name, "the name is not a Starlark identifier")
	}
	switch name {
	case "action", "notifies", "subscribes", "not_if", "only_if", "ignore_failure", "retries", "retry_delay", "sensitive", "provider":
		no(c.Name+" :"+name, "every converge resource has a "+name+"; rename the property")
	}
	typ, why := propType(name, c.Args[1:])
	if why != "" {
		no(c.Name+" :"+name, why)
	}
	var opts *ruby.HashLit
	for _, a := range c.Args[1:] {
		if h, ok := a.(*ruby.HashLit); ok && !h.Braces {
			opts = h
		}
	}
	args := []string{starQuote(name), typeArg(typ)}
	var note []string
	if opts != nil {
		for i, kx := range opts.Keys {
			key, _ := literalKey(kx)
			v := opts.Vals[i]
			isTrue := func() bool {
				b, ok := v.(*ruby.BoolLit)
				if !ok {
					no(c.Name+" :"+name+" "+key+":", "expected true or false")
				}
				return b.Val
			}
			switch key {
			case "kind_of":
			case "name_property", "name_attribute":
				if isTrue() {
					if typ != "str" {
						no(c.Name+" :"+name, "a name property must be a String")
					}
					args = append(args, "name_property=True")
				}
			case "required":
				if isTrue() {
					args = append(args, "required=True")
				}
			case "sensitive":
				if isTrue() {
					args = append(args, "sensitive=True")
				}
			case "desired_state":
				if !isTrue() {
					args = append(args, "desired_state=False")
				}
			case "identity":
				note = append(note, "identity")
			case "default":
				if lz, ok := v.(*ruby.CallExpr); ok && lz.Name == "lazy" {
					no(c.Name+" :"+name+" default: lazy", "a default computed from the resource; converge defaults are values (give it in the actions: r."+name+" or ...)")
				}
				if _, ok := v.(*ruby.NilLit); ok {
					continue
				}
				val := e.expr(v).code
				if typ == "mode" {
					val = e.mode(v)
				}
				args = append(args, "default="+val)
			case "equal_to":
				arr, ok := v.(*ruby.ArrayLit)
				if !ok {
					no(c.Name+" :"+name+" equal_to:", "expected a list of values")
				}
				args = append(args, "one_of="+e.expr(arr).code)
			case "description":
				args = append(args, "doc="+e.expr(v).code)
			default:
				no(c.Name+" :"+name+" "+key+":", "this property option has no converge equivalent (converge has default, required, name_property, one_of, sensitive, desired_state, validate)")
			}
		}
	}
	if len(note) > 0 {
		e.line(0, "# "+name+": "+strings.Join(note, ", ")+": converge identifies a resource by its name")
	}
	e.line(0, "property("+strings.Join(args, ", ")+")")
}

// starKeywords are the words a property (a field of r) cannot be named.
var starKeywords = map[string]bool{
	"and": true, "break": true, "continue": true, "def": true, "elif": true, "else": true, "for": true,
	"if": true, "in": true, "lambda": true, "load": true, "not": true, "or": true, "pass": true,
	"return": true, "while": true, "None": true, "True": true, "False": true,
}

func typeArg(t string) string {
	if t == "mode" {
		return `"mode"`
	}
	return t
}

// helper writes a method of action_class (or of the resource) as a
// function of the resource: def name(r, params).
func (e *emitter) helper(st *kindState, s *ruby.Stmt, d *ruby.DefExpr) {
	if d.Rescue {
		no("def "+d.Name, "rescue/ensure in a method is not translated")
	}
	name := d.Name
	if starReserved[name] || !isASCIIIdent(name) || strings.ContainsAny(name, "?!") {
		no("def "+d.Name, "the method name is not a Starlark identifier")
	}
	e.vars = map[string]varInfo{}
	params := []string{"r"}
	for _, p := range d.Params {
		params = append(params, e.bind(p, ""))
	}
	sec := e.section(func() {
		e.flushComments(s.Line, 0)
		e.line(0, "def "+name+"("+strings.Join(params, ", ")+"):")
		e.returning(d.Body, 1)
		e.line(0, "")
	})
	st.funcs = append(st.funcs, e.noHoist(sec, s.Line)...)
}

// returning writes a method body whose last expression is its value.
func (e *emitter) returning(body []*ruby.Stmt, ind int) {
	if len(body) == 0 {
		e.line(ind, "return None")
		return
	}
	last := body[len(body)-1]
	if c, ok := isEachWithObject(last.X); ok {
		// the value is the memo the loop fills
		for _, s := range body[:len(body)-1] {
			e.stmt(s, ind)
		}
		e.guarded(last, ind, func() {
			e.flushComments(last.Line, ind)
			e.gap(last.Line)
			e.line(ind, "return "+e.eachWithObject(c, "", ind))
			e.skipComments(last.EndLine)
		})
		return
	}
	if !isValueStmt(e, last.X) {
		e.body(body, ind)
		return
	}
	for _, s := range body[:len(body)-1] {
		e.stmt(s, ind)
	}
	e.guarded(last, ind, func() {
		e.flushComments(last.Line, ind)
		e.gap(last.Line)
		e.line(ind, "return "+e.expr(last.X).code)
		e.skipComments(last.EndLine)
	})
}

func isValueStmt(e *emitter, x ruby.Expr) bool {
	switch v := x.(type) {
	case *ruby.StrLit, *ruby.IndexExpr, *ruby.BinaryExpr, *ruby.TernaryExpr, *ruby.ArrayLit, *ruby.HashLit,
		*ruby.IntLit, *ruby.BoolLit, *ruby.NilLit, *ruby.SymLit, *ruby.IdentRef, *ruby.UnaryExpr:
		return true
	case *ruby.CallExpr:
		if v.Recv == nil {
			if _, ok := e.customKind(v.Name); ok {
				return false
			}
			if _, ok := chefResource(v.Name); ok && (len(v.Args) > 0 || v.Block != nil) {
				return false
			}
			return v.Block == nil
		}
		return v.Block == nil || v.Name == "map" || v.Name == "select" || v.Name == "reject"
	}
	return false
}

// loadCurrent writes probes(r) and load_current(r, out).
func (e *emitter) loadCurrent(st *kindState, s *ruby.Stmt, body []*ruby.Stmt, desired string) {
	cr := e.cr
	cr.desired, cr.load, cr.probes = desired, true, nil
	defer func() { cr.load, cr.desired = false, "" }()
	e.vars = map[string]varInfo{}
	var kept []*ruby.Stmt
	for _, b := range body {
		// an LWRP's load_current_resource: @current_resource = X.new(...)
		// and its value at the end
		if a, ok := b.X.(*ruby.AssignExpr); ok {
			if iv, ok := a.Target.(*ruby.IVarRef); ok && iv.Name == "current_resource" {
				continue
			}
		}
		if iv, ok := b.X.(*ruby.IVarRef); ok && iv.Name == "current_resource" {
			continue
		}
		kept = append(kept, b)
	}
	fn := e.section(func() {
		e.flushComments(s.Line, 0)
		e.line(0, "def load_current(r, out):")
		e.line(1, "cur = {}")
		e.body(kept, 1)
		e.line(1, "return cur or None  # nothing loaded: the resource does not exist")
		e.line(0, "")
	})
	pr := []string{"def probes(r):"}
	if len(cr.probes) == 0 {
		pr = append(pr, "    return {}")
	} else {
		pr = append(pr, "    return {")
		for _, p := range cr.probes {
			pr = append(pr, "        "+starQuote(p.key)+": "+p.cmd+",")
		}
		pr = append(pr, "    }")
	}
	st.loads = true
	note := "# load_current_value: its commands and file reads run as probes, in the node's one probe round trip"
	if st.k.style == "LWRP" {
		note = "# load_current_resource: its commands and file reads run as probes, in the node's one probe round trip"
	}
	st.funcs = append(st.funcs, note)
	st.funcs = append(st.funcs, pr...)
	st.funcs = append(st.funcs, "")
	st.funcs = append(st.funcs, e.noHoist(fn, s.Line)...)
}

func (e *emitter) kindAction(st *kindState, s *ruby.Stmt, name string, body []*ruby.Stmt) {
	if name == "nothing" {
		no("action :nothing", "converge's nothing action always exists and does nothing")
	}
	if _, dup := st.actionCode[name]; dup {
		no("action :"+name, "the action is defined twice")
	}
	if !isASCIIIdent(name) || strings.ContainsAny(name, "?!") {
		no("action :"+name, "the action name is not a Starlark identifier")
	}
	e.vars = map[string]varInfo{}
	sec := e.section(func() {
		e.flushComments(s.Line, 0)
		e.line(0, "def action_"+name+"(r):")
		e.body(body, 1)
		e.line(0, "")
	})
	st.actions = append(st.actions, name)
	st.actionCode[name] = e.noHoist(sec, s.Line)
	st.when[name] = e.runWhen(st, s, name, body)
}

// runWhen is the rule converge runs an action by, as Chef would: an
// action without converge_if_changed runs its resources every time
// ("always"); one that is all converge_if_changed only when a property
// differs ("changed"). When resources stand beside a converge_if_changed
// block, "always" is exact if the block holds only resources that
// converge themselves; with an execute in it, the action runs when a
// property differs, which the report says.
func (e *emitter) runWhen(st *kindState, s *ruby.Stmt, name string, body []*ruby.Stmt) string {
	cic, others, commands := 0, 0, false
	for _, b := range body {
		c, ok := b.X.(*ruby.CallExpr)
		if ok && c.Recv == nil && c.Name == "converge_if_changed" && c.Block != nil {
			cic++
			commands = commands || runsCommands(c.Block.Body)
			continue
		}
		if ok && c.Recv != nil && c.Name == "updated_by_last_action" {
			continue
		}
		others++
	}
	switch {
	case cic == 0:
		return "always"
	case others == 0 || commands:
		if others > 0 {
			st.notes = append(st.notes, fmt.Sprintf("%s:%d: action :%s has resources beside converge_if_changed, which holds a command: converge runs the whole action only when a property differs", e.file, s.Line, name))
		}
		return "changed"
	}
	return "always"
}

// runsCommands reports whether stmts declare a resource that runs a
// command every time it is reached (execute, bash, script).
func runsCommands(stmts []*ruby.Stmt) bool {
	found := false
	var walk func([]*ruby.Stmt)
	walk = func(ss []*ruby.Stmt) {
		for _, s := range ss {
			switch x := s.X.(type) {
			case *ruby.CallExpr:
				switch x.Name {
				case "execute", "bash", "script", "sh", "perl", "python":
					if x.Recv == nil {
						found = true
					}
				}
				if x.Block != nil {
					walk(x.Block.Body)
				}
			case *ruby.IfExpr:
				for _, b := range x.Bodies {
					walk(b)
				}
				walk(x.Else)
			case *ruby.CaseExpr:
				for _, b := range x.Bodies {
					walk(b)
				}
				walk(x.Else)
			}
		}
	}
	walk(stmts)
	return found
}

func (st *kindState) assemble(out *kindOutput) string {
	var b []string
	if st.doc != "" {
		b = append(b, "doc = "+starQuote(st.doc), "")
	}
	b = append(b, st.head...)
	if len(st.funcs) > 0 {
		b = append(b, "")
		b = append(b, st.funcs...)
	}
	order := append([]string(nil), st.actions...)
	if st.defaultAction == "" && len(st.declared) > 0 {
		st.defaultAction = st.declared[0]
	}
	if i := indexOf(order, st.defaultAction); i > 0 {
		order = append([]string{order[i]}, append(order[:i:i], order[i+1:]...)...)
	} else if i < 0 && st.defaultAction != "" && st.defaultAction != "nothing" {
		out.todos = append(out.todos, Todo{File: st.k.cookbook + "/resources", Construct: "default_action :" + st.defaultAction,
			Why: "the kind has no such action"})
		b = append(b, "", "todo("+starQuote("default_action :"+st.defaultAction+": no such action")+")")
	}
	if len(order) == 0 {
		out.todos = append(out.todos, Todo{File: st.k.cookbook + "/resources", Construct: st.k.style + " " + st.k.chefName, Why: "no action was translated"})
		b = append(b, "", "# TODO(migrate): no action was translated", "def action_run(r):",
			"    todo("+starQuote(st.k.chefName+": no action")+")", "")
	}
	for _, a := range order {
		b = append(b, "")
		b = append(b, st.actionCode[a]...)
	}
	if st.loads && len(order) > 0 {
		var parts []string
		for _, a := range order {
			parts = append(parts, starQuote(a)+": "+starQuote(st.when[a]))
		}
		b = append(b, "", "# When each action runs: \"changed\" when load_current differs from the desired",
			"# properties (converge_if_changed), \"always\" for an action without it, as in Chef.",
			"run_when = {"+strings.Join(parts, ", ")+"}")
	}
	for _, a := range st.declared {
		if a != "nothing" && indexOf(st.actions, a) < 0 {
			b = append(b, "# action :"+a+" is declared but the provider does not define it (Chef fails when it runs)")
		}
	}
	// tidy: no blank runs, one newline at the end
	var lines []string
	for _, l := range b {
		l = strings.TrimRight(l, " ")
		if l == "" && (len(lines) == 0 || lines[len(lines)-1] == "") {
			continue
		}
		lines = append(lines, l)
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n") + "\n"
}

func indexOf(l []string, s string) int {
	for i, x := range l {
		if x == s {
			return i
		}
	}
	return -1
}

// translateDefinition writes a definition (define :name, params do ...
// end) as a custom resource with one action, create.
func translateDefinition(k *crKind, kinds map[string]*crKind, rel, src string) kindOutput {
	out := kindOutput{resources: map[string]int{}}
	stmts, comments := ruby.Parse(src)
	e := newEmitter(rel, kindRecipe, k.cookbook, "", src, comments)
	e.kinds = kinds
	e.cr = &crCtx{k: k, helpers: map[string]bool{}}
	var b []string
	for _, s := range stmts {
		s := s
		c, ok := s.X.(*ruby.CallExpr)
		if !ok || c.Recv != nil || c.Name != "define" || c.Block == nil || len(c.Args) == 0 {
			b = append(b, e.section(func() {
				e.flushComments(s.Line, 0)
				e.todo(s, 0, "statement in a definition file", "only define :name do ... end is translated")
			})...)
			continue
		}
		if sym, ok := c.Args[0].(*ruby.SymLit); !ok || sym.Name != k.chefName {
			continue
		}
		b = append(b, e.section(func() {
			e.flushComments(s.Line, 0)
			e.line(0, fmt.Sprintf("# define :%s: a Chef definition, here the custom resource %s; its parameters are", k.chefName, k.kind))
			switch {
			case k.written:
				e.line(0, "# properties (params a dict of them, which the body sets elements of) and its body the action create.")
			case paramsWhole(c.Block.Body):
				e.line(0, "# properties (params[:x] is r.x, params whole a dict of them) and its body the action create.")
			default:
				e.line(0, "# properties (params[:x] is r.x) and its body the action create.")
			}
			defaults := map[string]ruby.Expr{}
			for _, a := range c.Args[1:] {
				if h, ok := a.(*ruby.HashLit); ok {
					for i, kx := range h.Keys {
						if s, ok := literalKey(kx); ok {
							defaults[s] = h.Vals[i]
						}
					}
				}
			}
			for _, n := range k.order {
				args := []string{starQuote(n), typeArg(k.props[n].typ)}
				if d, ok := defaults[n]; ok {
					if _, isNil := d.(*ruby.NilLit); !isNil {
						args = append(args, "default="+e.expr(d).code)
					}
				}
				e.line(0, "property("+strings.Join(args, ", ")+")")
			}
			e.line(0, "")
			e.line(0, "def action_create(r):")
			e.vars = map[string]varInfo{}
			if paramsWhole(c.Block.Body) {
				e.paramsDict(k, defaults)
			}
			e.body(c.Block.Body, 1)
		})...)
		b = e.noHoist(b, s.Line)
	}
	e.flushComments(1<<30, 0)
	b = append(b, e.out...)
	out.collect(e)
	var lines []string
	for _, l := range b {
		l = strings.TrimRight(l, " ")
		if l == "" && (len(lines) == 0 || lines[len(lines)-1] == "") {
			continue
		}
		lines = append(lines, l)
	}
	out.star = renameTargets(strings.Join(lines, "\n")+"\n", kinds)
	if strings.Contains(out.star, "template(") || strings.Contains(out.star, "cookbook_file(") {
		out.notes = append(out.notes, fmt.Sprintf("%s: the definition %s reads templates or files: Chef looked for them in the cookbook of the recipe calling it, converge looks in %s (the kind's cookbook); move them there", rel, k.chefName, k.cookbook))
	}
	if _, _, renamed := kindName(k.cookbook, k.chefName); renamed {
		out.notes = append(out.notes, fmt.Sprintf("%s: the definition %s is the converge kind %s (converge names a kind after its cookbook); the recipes migrated with it call it so", rel, k.chefName, k.kind))
	}
	return out
}

// paramsDict writes, at the top of a definition's action, the dict its
// body reads as Chef's params when it uses params whole: the parameters
// define declares (their defaults unless the call gives them), those the
// call gives (the other properties it sets: an unset one is None), and
// the name, last, in the order Chef's Hash has them.
func (e *emitter) paramsDict(k *crKind, defaults map[string]ruby.Expr) {
	var always, given []string
	for _, n := range k.order {
		kv := starQuote(n) + ": r." + n
		if _, ok := defaults[n]; ok {
			always = append(always, kv)
		} else {
			given = append(given, kv)
		}
	}
	e.line(1, "# params: Chef's Hash of the definition's parameters: the defaults of define,")
	e.line(1, "# those the call gives (a property it leaves unset is None) and the name")
	givenOnly := "{_k: _v for _k, _v in {" + strings.Join(given, ", ") + "}.items() if _v != None}"
	switch {
	case len(given) == 0:
		e.line(1, "params = {"+strings.Join(always, ", ")+"}")
	case len(always) == 0:
		e.line(1, "params = "+givenOnly)
	default:
		e.line(1, "params = {"+strings.Join(always, ", ")+"}")
		e.line(1, "params.update("+givenOnly+")")
	}
	e.line(1, `params["name"] = r.name`)
}

// migrateKinds writes the kinds of the cookbook in dir (scanned into
// kinds beforehand) to out/resources.
func migrateKinds(r *Report, sum *CookbookSummary, dir, base, out, cookbook string) error {
	var mine []*crKind
	for _, k := range r.kinds {
		if k.cookbook == cookbook {
			mine = append(mine, k)
		}
	}
	sort.Slice(mine, func(i, j int) bool { return mine[i].chefName < mine[j].chefName })
	for _, k := range mine {
		var ko kindOutput
		var from string
		switch k.style {
		case "definition":
			src, err := os.ReadFile(filepath.Join(dir, "definitions", k.src+".rb"))
			if err != nil {
				return fmt.Errorf("migrate: %w", err)
			}
			from = "definitions/" + k.src + ".rb"
			ko = translateDefinition(k, r.kinds, base+"/"+from, string(src))
		default:
			stem := k.src
			from = "resources/" + stem + ".rb"
			src, err := os.ReadFile(filepath.Join(dir, "resources", stem+".rb"))
			if err != nil {
				return fmt.Errorf("migrate: %w", err)
			}
			provRel, prov := "", ""
			if k.style == "LWRP" {
				b, err := os.ReadFile(filepath.Join(dir, "providers", stem+".rb"))
				if err != nil {
					return fmt.Errorf("migrate: %w", err)
				}
				provRel, prov = base+"/providers/"+stem+".rb", string(b)
				from += " and providers/" + stem + ".rb"
			}
			ko = translateKind(k, r.kinds, base+"/"+from[:strings.Index(from+" ", " ")], string(src), provRel, prov)
		}
		r.Todos = append(r.Todos, ko.todos...)
		for kk, n := range ko.resources {
			sum.Resources[kk] += n
		}
		sum.Kinds = append(sum.Kinds, fmt.Sprintf("%s %s (%s) → the converge custom resource %s, resources/%s.star", k.style, k.chefName, from, k.kind, k.stem))
		r.Warnings = append(r.Warnings, ko.notes...)
		header := "# Translated from " + from + " by converge migrate: the " + k.style + " " + k.chefName + ".\n"
		if err := writeFile(filepath.Join(out, "resources", k.stem+".star"), []byte(header+ko.star)); err != nil {
			return err
		}
	}
	return nil
}
