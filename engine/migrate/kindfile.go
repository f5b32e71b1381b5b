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
	// base is the cookbook's path in TODOs (kit of kit/resources/x.rb);
	// subs are the emitters of the partials the kind uses, and depth
	// how deep they nest
	base  string
	subs  []*emitter
	depth int
	// kwHelpers are the helpers with keyword parameters (crCtx.kwHelpers)
	kwHelpers map[string]bool
}

// kindOutput is a kind's translated file and what it needs a hand for.
type kindOutput struct {
	star      string
	todos     []Todo
	resources map[string]int
	notes     []string
	loads     map[string]map[string]bool // the library functions it calls
}

// translateKind translates a custom resource (src is resources/x.rb,
// provider "") or an LWRP (provider is providers/x.rb); libs, when not
// nil, are the cookbook's libraries, whose functions and included
// modules the kind's actions call (kindmixin.go).
func translateKind(k *crKind, kinds map[string]*crKind, resRel, src, provRel, provider string, libs *kindLibs) kindOutput {
	st := &kindState{k: k, actionCode: map[string][]string{}, when: map[string]string{}}
	st.base = k.cookbook
	if i := strings.LastIndex(resRel, "/resources/"); i >= 0 {
		st.base = resRel[:i]
	}
	out := kindOutput{resources: map[string]int{}}
	stmts, comments := ruby.Parse(src)
	var pstmts []*ruby.Stmt
	var pcomments []ruby.Comment
	if provRel != "" {
		pstmts, pcomments = ruby.Parse(provider)
	}
	helpers, kw, defs := map[string]bool{}, map[string]bool{}, map[string]*ruby.DefExpr{}
	for _, list := range [][]*ruby.Stmt{withPartials(k.dir, stmts, 0), pstmts} {
		for _, d := range kindDefs(list) {
			helpers[d.Name] = true
			kw[d.Name] = len(d.Keywords) > 0
			defs[d.Name] = d
		}
	}
	delete(helpers, "load_current_resource")
	delete(helpers, "whyrun_supported?")
	var lib *library
	if libs != nil {
		lib = &library{helpers: libs.lib.helpers, attrs: libs.lib.attrs}
	}
	mixins := libs.mixinDefs(append(kindIncludes(stmts), kindIncludes(pstmts)...), []string{src, provider}, helpers)
	for _, md := range mixins {
		helpers[md.d.Name] = true
		kw[md.d.Name] = len(md.d.Keywords) > 0
	}
	st.kwHelpers = kw
	cr := &crCtx{k: k, helpers: helpers, kwHelpers: kw, defs: defs}
	// the library helpers the kind calls, loaded at the top of its file
	loads := map[string]map[string]bool{}
	e := newEmitter(resRel, kindRecipe, k.cookbook, "", src, comments)
	e.kinds, e.cr, e.lib, e.loads = kinds, cr, lib, loads
	e.kindFile(st, stmts)
	out.collect(e)
	out.mergeLoads(e.loads)
	if provRel != "" {
		pe := newEmitter(provRel, kindRecipe, k.cookbook, "", provider, pcomments)
		pe.kinds, pe.cr, pe.lib, pe.loads = kinds, &crCtx{k: k, helpers: helpers, kwHelpers: cr.kwHelpers}, lib, loads
		pe.kindFile(st, pstmts)
		out.collect(pe)
		out.mergeLoads(pe.loads)
	}
	if len(mixins) > 0 {
		writeMixins(st, libs, mixins, kinds, helpers, &out)
	}
	for _, se := range st.subs {
		out.collect(se)
	}
	out.mergeLoads(loads) // the lazy defaults' and coerce functions' calls
	out.star = renameTargets(st.assemble(&out), kinds)
	out.notes = append(out.notes, st.notes...)
	if name, _, renamed := kindName(k.cookbook, k.chefName); renamed {
		out.notes = append(out.notes, renameNote(resRel, k, name))
	}
	return out
}

func (o *kindOutput) collect(e *emitter) {
	o.todos = append(o.todos, e.todos...)
	o.notes = append(o.notes, e.notes...)
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
			if x.Recv == nil && x.Name == "action_class" && x.Block != nil || isActionClassEval(x) {
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
	if v := visibility(s.X); v != "" {
		e.line(0, "# "+v+": the methods below are functions of the kind's file, which its actions and properties call")
		return true
	}
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
	case *ruby.IfExpr:
		// unified_mode true if respond_to?(:unified_mode): a guard for old
		// Chef versions; what it guards is translated as if unguarded
		if len(x.Conds) == 1 && !x.Unless && !x.HasElse && len(x.Bodies) == 1 && len(x.Bodies[0]) == 1 && isRespondTo(x.Conds[0]) {
			inner := *x.Bodies[0][0]
			inner.Line, inner.EndLine = s.Line, s.EndLine
			return e.kindStmt(st, &inner)
		}
	case *ruby.CallExpr:
		if isActionClassEval(x) {
			// action_class.class_eval do ... end: as action_class do ... end
			c := *x
			c.Recv, c.Name = nil, "action_class"
			return e.kindStmt(st, &ruby.Stmt{X: &c, Line: s.Line, EndLine: s.EndLine})
		}
		if names, param, body, ok := actionLoop(x); ok {
			// %i(start stop).each { |a| action a do ... end }: one
			// action per symbol, the loop variable its name
			for _, n := range names {
				e.kindAction(st, s, n, body, param)
			}
			return false
		}
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
			if n != k.chefName {
				e.line(0, fmt.Sprintf("# %s :%s: recipes calling %s call this kind, %s (resources/%s.star)", x.Name, n, n, k.kind, k.stem))
				return true
			}
			e.line(0, fmt.Sprintf("# %s :%s: converge names this kind %s (resources/%s.star)", x.Name, n, k.kind, k.stem))
			return true
		case "deprecated_property_alias":
			if len(x.Args) >= 2 {
				from, ok1 := literalKey(x.Args[0])
				to, ok2 := literalKey(x.Args[1])
				if ok1 && ok2 && k.hasProp(to) {
					e.line(0, "# deprecated_property_alias :"+from+", :"+to+": the recipes migrated with this kind set "+to+" where they set "+from)
					return true
				}
			}
		case "allowed_actions":
			var names []string
			for _, a := range x.Args {
				if v, ok := a.(*ruby.SymLit); ok {
					names = append(names, v.Name)
				} else if arr, ok := a.(*ruby.ArrayLit); ok {
					for _, el := range arr.Elems {
						if v, ok := el.(*ruby.SymLit); ok {
							names = append(names, v.Name)
						}
					}
				}
			}
			e.line(0, "# allowed_actions "+strings.Join(names, ", ")+": a converge kind's actions are its action_ functions")
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
		case "use":
			name, ok := useOf(s)
			if !ok {
				no(x.Name, "the partial must be named by a literal string")
			}
			e.usePartial(st, name)
			return true
		case "require", "require_relative":
			if len(x.Args) == 1 && x.Block == nil {
				if sl, ok := x.Args[0].(*ruby.StrLit); ok && isPlain(sl) {
					e.line(0, "# "+x.Name+" '"+commentText(plain(sl))+"': a Ruby library; what the actions call of it is translated or marked where it is called")
					return true
				}
			}
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
			if x.Name == "include" && e.lib != nil && len(x.Args) == 1 {
				if c, ok := x.Args[0].(*ruby.ConstRef); ok {
					e.line(0, "# include "+strings.TrimPrefix(c.Path, "::")+": the methods of the library module the actions call are loaded from libraries/ or written below as functions of r")
					return true
				}
			}
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
			e.kindAction(st, s, n, x.Block.Body, "")
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

// usePartial writes what the partial resource file `use NAME` reads
// (Chef >= 16: resources/_partial/_NAME.rb, shared property lines) into
// the kind, as if the file said it there.
func (e *emitter) usePartial(st *kindState, name string) {
	rel := partialPath(name)
	if st.depth > 4 {
		no("use '"+name+"'", "partials nest more than 4 deep")
	}
	src, err := os.ReadFile(filepath.Join(st.k.dir, rel))
	if err != nil {
		no("use '"+name+"'", "the partial "+rel+" is not in the cookbook")
	}
	stmts, comments := ruby.Parse(string(src))
	pe := newEmitter(st.base+"/"+rel, kindRecipe, st.k.cookbook, "", string(src), comments)
	pe.kinds, pe.cr, pe.lib, pe.loads = e.kinds, e.cr, e.lib, e.loads
	st.subs = append(st.subs, pe)
	head := st.head
	st.head = nil
	st.depth++
	pe.kindFile(st, stmts)
	st.depth--
	part := st.head
	st.head = head
	e.line(0, "# use '"+commentText(name)+"': the properties of the partial "+rel+" (not a kind of its own), as Chef reads them here")
	e.out = append(e.out, part...)
	e.line(0, "# end of "+rel)
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
	e.coerceCallsHelper = false
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
	// A lazy default or a coerce proc converge cannot translate leaves
	// the property declared without it, and a TODO beside it: what reads
	// the property still compiles.
	type dropped struct {
		line           int
		construct, why string
	}
	var drops []dropped
	option := func(key string, ln int, write func() string) {
		mark, tmark := len(e.out), len(e.todos)
		code, bad := func() (code string, bad *untranslatable) {
			defer func() {
				if r := recover(); r != nil {
					u, ok := r.(*untranslatable)
					if !ok {
						panic(r)
					}
					bad = u
				}
			}()
			return write(), nil
		}()
		if bad == nil && len(e.todos) > tmark {
			// a longer block with statements left as TODOs
			t := e.todos[tmark]
			bad = &untranslatable{construct: c.Name + " :" + name + " " + key + ":", why: t.Construct + ": " + t.Why}
		}
		if bad == nil {
			args = append(args, key+"="+code)
			return
		}
		e.out, e.todos = e.out[:mark], e.todos[:tmark]
		if ln == 0 {
			ln = c.Line
		}
		drops = append(drops, dropped{ln, bad.construct, bad.why + "; the property is declared without it"})
	}
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
					if strings.HasPrefix(typ, "(str,") {
						typ = "str" // the name is a string
						args[1] = typ
					}
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
				if lz, ok := v.(*ruby.CallExpr); ok && lz.Name == "lazy" && lz.Recv == nil {
					option("default", lz.Line, func() string { return e.lazyDefault(c.Name+" :"+name+" default: lazy", name, lz) })
					continue
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
			case "coerce":
				ln := 0
				if pc, ok := v.(*ruby.CallExpr); ok {
					ln = pc.Line
				}
				option("coerce", ln, func() string { return e.coerceFn(c.Name+" :"+name+" coerce:", "_coerce_"+name, v) })
			case "callbacks":
				h, ok := v.(*ruby.HashLit)
				if !ok || len(h.Keys) == 0 {
					no(c.Name+" :"+name+" callbacks:", "expected a hash of message to lambda")
				}
				option("validate", h.Line, func() string { return e.callbacks(c.Name+" :"+name+" callbacks:", name, h) })
			default:
				no(c.Name+" :"+name+" "+key+":", "this property option has no converge equivalent (converge has default, required, name_property, one_of, sensitive, desired_state, validate, coerce, callbacks)")
			}
		}
	}
	if e.coerceCallsHelper {
		// converge coerces a plain default when the file loads, before
		// the functions below it exist; a default computed from the
		// resource is coerced when the resource is declared, as Chef
		// coerces a default when it is read
		for i, a := range args {
			if strings.HasPrefix(a, "default=") && !strings.HasPrefix(a, "default=lambda ") && !strings.HasPrefix(a, "default=_default_") {
				args[i] = "default=lambda r: " + strings.TrimPrefix(a, "default=")
			}
		}
	}
	if len(note) > 0 {
		e.line(0, "# "+name+": "+strings.Join(note, ", ")+": converge identifies a resource by its name")
	}
	if len(c.Args) > 1 && mentionsRegexp(c.Args[1]) {
		e.line(0, "# "+name+": a Regexp in Chef, here the pattern's source string (str)")
	}
	e.line(0, "property("+strings.Join(args, ", ")+")")
	for _, d := range drops {
		e.todoLine(d.line, 0, d.construct, d.why)
	}
}

// lazyDefault is the default=... of `default: lazy { ... }`: a function
// of the resource, which converge computes once the caller's properties
// are set (SPEC §4.6), as Chef does when the property is read. In the
// block, self is the resource: a bare property name, new_resource.x and
// the block's parameter (lazy { |r| ... }) read r. One expression is a
// lambda; a longer block a function written before the property.
func (e *emitter) lazyDefault(what, prop string, lz *ruby.CallExpr) string {
	if lz.Block == nil || len(lz.Args) > 0 {
		no(what, "lazy without a block")
	}
	defer within(what)
	cr := e.cr
	desired, inLazy := cr.desired, cr.lazy
	defer func() { cr.desired, cr.lazy = desired, inLazy }()
	cr.desired, cr.lazy = "", true
	if len(lz.Block.Params) > 0 {
		cr.desired = lz.Block.Params[0]
	}
	e.vars = map[string]varInfo{}
	body := lz.Block.Body
	if len(body) == 1 && isValueStmt(e, body[0].X) {
		mark := len(e.out)
		code := e.expr(body[0].X).code
		if len(e.out) == mark {
			return "lambda r: " + code
		}
		e.out = e.out[:mark]
	}
	fn := "_default_" + prop
	e.line(0, "def "+fn+"(r):")
	e.blockFunc(body)
	return fn
}

// blockFunc writes the body of a function for a block whose value is its
// last statement's: a trailing if or case returns from each branch.
func (e *emitter) blockFunc(body []*ruby.Stmt) {
	inDef := e.inDef
	defer func() { e.inDef = inDef }()
	e.inDef = true
	e.body(e.returnTail(body), 1)
	e.line(0, "")
}

// returnTail returns body with the value of its last statement returned,
// in each branch of a trailing if or case (nil where no branch is taken),
// as Ruby gives a block's or method's value.
func (e *emitter) returnTail(body []*ruby.Stmt) []*ruby.Stmt {
	if len(body) == 0 {
		return []*ruby.Stmt{{X: &ruby.JumpExpr{Kind: "return"}}}
	}
	body = unmemo(body)
	out := append([]*ruby.Stmt(nil), body[:len(body)-1]...)
	last := *body[len(body)-1]
	switch x := last.X.(type) {
	case *ruby.IfExpr:
		c := *x
		c.Modifier = false
		c.Bodies = nil
		for _, b := range x.Bodies {
			c.Bodies = append(c.Bodies, e.returnTail(b))
		}
		c.Else, c.HasElse = e.returnTail(x.Else), true
		last.X = &c
		return append(out, &last)
	case *ruby.CaseExpr:
		c := *x
		c.Bodies = nil
		for _, b := range x.Bodies {
			c.Bodies = append(c.Bodies, e.returnTail(b))
		}
		c.Else, c.HasElse = e.returnTail(x.Else), true
		last.X = &c
		return append(out, &last)
	case *ruby.JumpExpr:
		return append(out, &last)
	}
	if isValueStmt(e, last.X) {
		last.X = &ruby.JumpExpr{Line: last.Line, Kind: "return", Val: last.X}
		return append(out, &last)
	}
	return append(out, &last, &ruby.Stmt{X: &ruby.JumpExpr{Kind: "return"}, Line: last.EndLine, EndLine: last.EndLine})
}

// within, deferred, names what in what a translation inside it could not
// translate: "property :x default: lazy" for "shell_out".
func within(what string) {
	if r := recover(); r != nil {
		if u, ok := r.(*untranslatable); ok && !strings.HasPrefix(u.construct, what) {
			panic(&untranslatable{construct: what, why: u.construct + ": " + u.why})
		}
		panic(r)
	}
}

// coerceFn is the coerce=... of `coerce: proc { |v| ... }`: a function
// of the value given. The resource is not at hand there (converge coerces
// before the resource is complete): a proc that reads it stays a TODO.
func (e *emitter) coerceFn(what, fn string, v ruby.Expr) string {
	pc, ok := v.(*ruby.CallExpr)
	if !ok || pc.Recv != nil || (pc.Name != "proc" && pc.Name != "lambda") || pc.Block == nil || len(pc.Args) > 0 || len(pc.Block.Params) != 1 {
		no(what, "only proc { |value| ... } is translated")
	}
	defer within(what)
	cr, vh := e.cr, e.valueHelpers
	defer func() { e.cr, e.valueHelpers = cr, vh }()
	e.cr = nil // no r: a property name is not a value here
	e.valueHelpers = nil
	if cr != nil {
		// Chef runs the proc in the resource: it may call the kind's
		// methods, defined before or after the property
		e.valueHelpers = map[string]bool{}
		for name := range cr.defs {
			// false: a method that reads the resource
			e.valueHelpers[name] = valueHelper(cr, name, map[string]bool{})
		}
	}
	e.vars = map[string]varInfo{}
	param := e.bind(pc.Block.Params[0], "")
	body := pc.Block.Body
	if len(body) > 0 {
		if _, ok := isEachWithObject(body[len(body)-1].X); ok {
			// the value is a memo a loop fills: statements, so a def
			e.line(0, "def "+fn+"("+param+"):")
			inDef := e.inDef
			e.inDef = true
			e.returning(body, 1)
			e.inDef = inDef
			e.line(0, "")
			return fn
		}
	}
	if len(body) == 1 && isValueStmt(e, body[0].X) {
		mark := len(e.out)
		code := e.expr(body[0].X).code
		if len(e.out) == mark {
			return "lambda " + param + ": " + code
		}
		e.out = e.out[:mark]
	}
	e.line(0, "def "+fn+"("+param+"):")
	e.blockFunc(body)
	return fn
}

// visibility is x when it is a bare private, protected or public, which
// in a kind's file changes no translation; "" for anything else.
func visibility(x ruby.Expr) string {
	name := ""
	switch v := x.(type) {
	case *ruby.IdentRef:
		name = v.Name
	case *ruby.CallExpr:
		if v.Recv != nil || len(v.Args) > 0 || v.Block != nil {
			return ""
		}
		name = v.Name
	}
	if name == "private" || name == "protected" || name == "public" {
		return name
	}
	return ""
}

// valueHelper reports whether the kind's method name reads only its
// arguments (no property, new_resource, instance variable or self, and
// calls only methods that do the same), so that a coerce, which has no
// resource at hand, may call it with None for the resource.
func valueHelper(cr *crCtx, name string, seen map[string]bool) bool {
	d := cr.defs[name]
	if d == nil || !cr.helpers[name] || len(d.Keywords) > 0 {
		return false
	}
	if seen[name] {
		return true // recursion: decided by the rest of the body
	}
	seen[name] = true
	ok := true
	ruby.InspectStmts(d.Body, func(x ruby.Expr) bool {
		switch v := x.(type) {
		case *ruby.IVarRef, *ruby.SelfLit:
			ok = false
		case *ruby.CallExpr:
			if v.Recv != nil {
				break
			}
			switch {
			case v.Name == "new_resource" || v.Name == "current_resource" || cr.k.hasProp(v.Name) || commonReadable[v.Name]:
				ok = false
			case cr.helpers[v.Name] && !valueHelper(cr, v.Name, seen):
				ok = false
			}
		}
		return ok
	})
	return ok
}

// callbacks is the validate=... of `callbacks: { 'message' => lambda
// { |v| ... }, ... }`: a function of the value true when every callback
// is. Like coerce, it sees the value only.
func (e *emitter) callbacks(what, prop string, h *ruby.HashLit) string {
	var fns, msgs []string
	for i, kx := range h.Keys {
		msg, _ := literalKey(kx)
		msgs = append(msgs, starQuote(msg))
		fns = append(fns, e.coerceFn(what, fmt.Sprintf("_check%d_%s", i, prop), h.Vals[i]))
	}
	e.line(0, "# "+commentText(prop+" callbacks: "+strings.Join(msgs, ", ")))
	if len(fns) == 1 {
		return fns[0]
	}
	var calls []string
	for _, f := range fns {
		if strings.HasPrefix(f, "lambda ") {
			f = "(" + f + ")"
		}
		calls = append(calls, f+"(v)")
	}
	return "lambda v: " + strings.Join(calls, " and ")
}

// mentionsRegexp reports whether a property type is or lists Regexp.
func mentionsRegexp(t ruby.Expr) bool {
	switch v := t.(type) {
	case *ruby.ConstRef:
		return strings.TrimPrefix(v.Path, "::") == "Regexp"
	case *ruby.ArrayLit:
		for _, el := range v.Elems {
			if mentionsRegexp(el) {
				return true
			}
		}
	}
	return false
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
	name := helperStar(d.Name)
	if !isASCIIIdent(name) {
		no("def "+d.Name, "the method name is not a Starlark identifier")
	}
	if d.Rescue && !onlyRescues(d.Clauses) {
		// the actions call it all the same: a function whose value is
		// the marker keeps them compiling under --allow-todo
		sec := e.section(func() {
			e.flushComments(s.Line, 0)
			e.todo(s, 0, "def "+d.Name, "else or ensure in a method is not translated")
		})
		marker := sec[len(sec)-1]
		sec = append(sec[:len(sec)-1], "def "+name+"(r, *args, **kwargs):", "    return "+marker, "")
		st.funcs = append(st.funcs, sec...)
		return
	}
	if d.KwDefault {
		no("def "+d.Name, "a keyword parameter with a default is not translated")
	}
	e.vars = map[string]varInfo{}
	params := []string{"r"}
	for _, p := range d.Params {
		params = append(params, e.bind(p, ""))
	}
	if len(d.Keywords) > 0 {
		// name: parameters, keyword-only as in Ruby
		params = append(params, "*")
		for _, p := range d.Keywords {
			params = append(params, e.bind(p, ""))
		}
	}
	sec := e.section(func() {
		e.flushComments(s.Line, 0)
		e.line(0, "def "+name+"("+strings.Join(params, ", ")+"):")
		inDef := e.inDef
		defer func() { e.inDef = inDef }()
		e.inDef = true // return leaves the function
		if bags, ok := rescuedBags(d.Body); len(d.Clauses) > 0 && len(bags) > 0 {
			// Chef's rescue around a data bag read: its handler's value
			// when the bag is missing
			if !ok {
				no("def "+d.Name, "a rescue around a data bag read whose bag the body computes is not translated")
			}
			var conds []string
			seen := map[string]bool{}
			for _, x := range bags {
				if c := "not data_bag_exists(" + e.expr(x).code + ")"; !seen[c] {
					seen[c] = true
					conds = append(conds, c)
				}
			}
			e.line(1, fmt.Sprintf("# Chef's rescue (line %d) runs when the data bag is missing", d.Clauses[0].Line))
			e.line(1, "if "+strings.Join(conds, " or ")+":")
			e.returning(d.Clauses[0].Body, 2)
		} else {
			e.rescueNote(s.Line, d.Clauses, 1)
		}
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
	body = unmemo(body)
	last := body[len(body)-1]
	mark := len(e.out)
	// the last statement did not translate: the function returns its
	// marker, as Ruby returns the statement's value, and under
	// --allow-todo the caller goes on with it (an empty list, ""), where
	// None would stop it
	defer func() {
		if n := len(e.out); n > mark {
			l := e.out[n-1]
			t := strings.TrimLeft(l, " ")
			if strings.HasPrefix(t, "todo(") && len(l)-len(t) == 4*ind {
				e.out[n-1] = l[:len(l)-len(t)] + "return " + t
			}
		}
	}()
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
	switch last.X.(type) {
	case *ruby.IfExpr, *ruby.CaseExpr:
		if !valueTail(e, last.X) {
			// no branch ends in a value: statements, and None
			e.body(body, ind)
			return
		}
		// a trailing if or case: each branch returns its value
		inDef := e.inDef
		defer func() { e.inDef = inDef }()
		e.inDef = true
		e.body(e.returnTail(body), ind)
		return
	}
	if !isValueStmt(e, last.X) {
		e.body(body, ind)
		return
	}
	for _, s := range body[:len(body)-1] {
		e.stmt(s, ind)
	}
	mark = len(e.out)
	e.guarded(last, ind, func() {
		e.flushComments(last.Line, ind)
		e.gap(last.Line)
		e.line(ind, "return "+e.expr(last.X).code)
		e.skipComments(last.EndLine)
	})
}

// onlyRescues reports whether clauses are rescue clauses only: a method
// body without else or ensure, whose value is its body's when nothing
// raises.
func onlyRescues(clauses []ruby.RescueClause) bool {
	for _, c := range clauses {
		if c.Kind != "rescue" {
			return false
		}
	}
	return true
}

// unmemo turns a method body ending in Ruby's memo, @x ||= value (or
// @x = value), into one ending in the value: the method's value is the
// same, and converge computes it on each call, as there is no instance
// to keep it in. A body that reads @x elsewhere still meets the marker
// for instance variables.
func unmemo(body []*ruby.Stmt) []*ruby.Stmt {
	last := body[len(body)-1]
	a, ok := last.X.(*ruby.AssignExpr)
	if !ok || a.Op != "||=" && a.Op != "=" {
		return body
	}
	if _, ok := a.Target.(*ruby.IVarRef); !ok {
		return body
	}
	v := *last
	v.X = a.Value
	return append(append([]*ruby.Stmt(nil), body[:len(body)-1]...), &v)
}

// valueTail reports whether a branch of the trailing if or case x (or
// of one nested in it) ends in a value.
func valueTail(e *emitter, x ruby.Expr) bool {
	ends := func(b []*ruby.Stmt) bool {
		return len(b) > 0 && valueTail(e, b[len(b)-1].X)
	}
	switch v := x.(type) {
	case *ruby.IfExpr:
		for _, b := range v.Bodies {
			if ends(b) {
				return true
			}
		}
		return ends(v.Else)
	case *ruby.CaseExpr:
		for _, b := range v.Bodies {
			if ends(b) {
				return true
			}
		}
		return ends(v.Else)
	case *ruby.JumpExpr:
		return true
	}
	return isValueStmt(e, x)
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
			switch v.Name {
			case "raise", "fail", "include_recipe", "apt_update", "build_essential":
				// statements (chefonly.go writes the last two as resources)
				return false
			}
			return v.Block == nil
		}
		if cr, ok := v.Recv.(*ruby.ConstRef); ok && strings.TrimPrefix(cr.Path, "::") == "Chef::Log" {
			return false // a log message is a statement (the log resource), not the value
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

// isActionClassEval reports whether x is action_class.class_eval do ...
// end, which older cookbooks write for action_class do ... end.
func isActionClassEval(x *ruby.CallExpr) bool {
	if x.Name != "class_eval" || x.Block == nil || len(x.Args) != 0 {
		return false
	}
	ac, ok := x.Recv.(*ruby.CallExpr)
	return ok && ac.Recv == nil && ac.Name == "action_class" && len(ac.Args) == 0 && ac.Block == nil
}

// isRespondTo reports whether x is respond_to?(:name), a test of the
// Chef version a resource file makes.
func isRespondTo(x ruby.Expr) bool {
	c, ok := x.(*ruby.CallExpr)
	if !ok || c.Recv != nil || c.Name != "respond_to?" || len(c.Args) != 1 || c.Block != nil {
		return false
	}
	_, ok = c.Args[0].(*ruby.SymLit)
	return ok
}

// actionLoop recognizes actions declared in a loop over literal names:
// `%i(start stop).each do |a| action a do ... end end` or `[:a, :b].each
// { |t| send(:action, t) { ... } }`. It returns the names, the loop
// variable and the action's body.
func actionLoop(x *ruby.CallExpr) (names []string, param string, body []*ruby.Stmt, ok bool) {
	if x.Recv == nil || x.Name != "each" || len(x.Args) != 0 || x.Block == nil || len(x.Block.Params) != 1 || len(x.Block.Body) != 1 {
		return nil, "", nil, false
	}
	arr, isArr := x.Recv.(*ruby.ArrayLit)
	if !isArr || len(arr.Elems) == 0 {
		return nil, "", nil, false
	}
	for _, el := range arr.Elems {
		switch v := el.(type) {
		case *ruby.SymLit:
			names = append(names, v.Name)
		case *ruby.StrLit:
			if !isPlain(v) {
				return nil, "", nil, false
			}
			names = append(names, plain(v))
		default:
			return nil, "", nil, false
		}
	}
	param = x.Block.Params[0]
	c, isCall := x.Block.Body[0].X.(*ruby.CallExpr)
	if !isCall || c.Recv != nil || c.Block == nil {
		return nil, "", nil, false
	}
	args := c.Args
	switch c.Name {
	case "action":
	case "send", "public_send":
		if len(args) == 0 {
			return nil, "", nil, false
		}
		if sym, isSym := args[0].(*ruby.SymLit); !isSym || sym.Name != "action" {
			return nil, "", nil, false
		}
		args = args[1:]
	default:
		return nil, "", nil, false
	}
	if len(args) != 1 {
		return nil, "", nil, false
	}
	if id, isID := args[0].(*ruby.IdentRef); !isID || id.Name != param {
		return nil, "", nil, false
	}
	return names, param, c.Block.Body, true
}

// kindAction writes action_NAME(r) for `action :NAME do body end`; loopVar,
// when not "", is the variable of the loop declaring the action
// (actionLoop), bound to the action's name at the top of the function.
func (e *emitter) kindAction(st *kindState, s *ruby.Stmt, name string, body []*ruby.Stmt, loopVar string) {
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
	e.inAction, e.usesCache = name, false
	e.cr.action = name
	defer func() { e.cr.action = "" }()
	sec := e.section(func() {
		e.flushComments(s.Line, 0)
		e.line(0, "def action_"+name+"(r):")
		if loopVar != "" {
			e.line(1, e.bind(loopVar, "str")+" = "+starQuote(name)+"  # the loop declaring the action")
		}
		e.body(body, 1)
		e.line(0, "")
	})
	if e.usesCache {
		// Chef creates its file_cache_path; the action declares converge's
		// stand-in before its resources (the same declaration in a recipe
		// or another action is the same resource)
		for i, l := range sec {
			if l == "def action_"+name+"(r):" {
				decl := []string{"    # Chef::Config[:file_cache_path] is " + cacheDir + ", declared here by converge migrate", "    directory(" + starQuote(cacheDir) + ", mode=\"0755\")"}
				sec = append(sec[:i+1], append(decl, sec[i+1:]...)...)
				break
			}
		}
		e.resources["directory"]++
	}
	e.inAction, e.usesCache = "", false
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
	if ls := (&emitter{loads: out.loads}).loadLines(); len(ls) > 0 {
		b = append(b, ls...)
		b = append(b, "")
	}
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
		out.notes = append(out.notes, renameNote(rel, k, k.kind))
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
// r.kinds beforehand) to out/resources; their bodies call those of kinds
// (Report.kindsFor).
func migrateKinds(r *Report, sum *CookbookSummary, dir, base, out, cookbook string, kinds map[string]*crKind, libs *kindLibs) error {
	var mine []*crKind
	for name, k := range r.kinds {
		if k.cookbook == cookbook && name == k.chefName { // once, not for each alias
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
			ko = translateDefinition(k, kinds, base+"/"+from, string(src))
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
			ko = translateKind(k, kinds, base+"/"+from[:strings.Index(from+" ", " ")], string(src), provRel, prov, libs)
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
