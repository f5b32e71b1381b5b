package migrate

// Libraries: a Chef cookbook's libraries/*.rb are Ruby modules whose
// methods recipes call as if they were the DSL's (Chef::DSL::Recipe.send
// (:include, Mod)) or as Mod.name(node) (def self.name). Methods that only
// compute a value from their parameters, node and other such methods are
// translated to Starlark functions in libraries/<name>.star, and a recipe
// calling one loads it; anything else in a library is left as a TODO
// marker naming the method or statement to port.

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/converge-cm/converge/engine/migrate/ruby"
)

// helper is one library method translated to a Starlark function.
type helper struct {
	name     string // Ruby and Starlark name (a ? or ! suffix dropped)
	star     string
	module   string // Ruby module path: NginxLite::Helpers
	self     bool   // def self.name: called as Module.name(...)
	min, max int    // arity
	// ret is the value the method ends with, nil when it may return
	// another (rubystr.go: is it a string?)
	ret  ruby.Expr
	stem string // libraries/<stem>.star
	// cookbook is the dependency whose library defines it, "" for the
	// cookbook's own: loaded as @cookbook//libraries/<stem>.star
	cookbook string
}

// loadKey is the file a call of h loads from: libraries/<stem>.star of
// the cookbook, or @dep//libraries/<stem>.star of a dependency.
func (h *helper) loadKey() string {
	if h.cookbook != "" {
		return "@" + h.cookbook + "//libraries/" + h.stem + ".star"
	}
	return h.stem
}

// library is what the libraries of one cookbook define.
type library struct {
	helpers map[string]*helper
	// loading is the library file being translated: its own functions
	// need no load()
	loading string
	// attrs are the attribute paths the cookbook sets (knownattrs.go);
	// nil when a file is translated alone
	attrs knownAttrs
	// kindModules are the modules only the cookbook's kinds include
	// (kindmixin.go): a method of theirs that is not a plain function is
	// translated in the kinds' files, not marked in the library's
	kindModules map[string]bool
	// before are, by attribute file stem, the paths always set before
	// Chef loads that file (attrsBeforeFiles); nil when unknown
	before map[string]knownAttrs
	// notes are what translating the library's methods noted, for
	// MIGRATION.md
	notes []string
}

func (l *library) lookup(name string) *helper {
	if l == nil {
		return nil
	}
	return l.helpers[name]
}

// hasModule reports whether a helper the libraries define (the
// cookbook's or a dependency's) is a method of the Ruby module path.
func (l *library) hasModule(path string) bool {
	if l == nil {
		return false
	}
	path = strings.TrimPrefix(path, "::")
	for _, h := range l.helpers {
		if h.module == path {
			return true
		}
	}
	return false
}

var (
	defHeadRe = regexp.MustCompile(`^\s*def\s+(self\.)?([a-z_][A-Za-z0-9_]*[?!]?)\s*(?:\((.*)\)|(\s[^#]*))?\s*(?:#.*)?$`)
	modHeadRe = regexp.MustCompile(`^\s*(module|class)\s+((?:::)?[A-Z][A-Za-z0-9_]*(?:::[A-Z][A-Za-z0-9_]*)*)\s*(?:[;#].*)?$`)
	paramRe   = regexp.MustCompile(`^([a-z_][A-Za-z0-9_]*)(?:\s*=\s*(.+))?$`)
	// includeRe matches the lines that mix a module into Chef's DSL
	mixinRe = regexp.MustCompile(`^\s*(?:::)?Chef::(?:DSL::Recipe|Recipe|Resource|Provider|DSL::[A-Za-z]+|Node)(?:::[A-Za-z]+)*(?:\.send\(\s*:include\s*,|\.include\(?)\s*((?:::)?[A-Z][A-Za-z0-9_:]*)\s*\)?\s*$`)
)

// libDef is one method found in a library, before its body is translated.
type libDef struct {
	h      *helper
	line   int
	end    int
	params []string
	dflts  []string // Ruby source of each default, "" when none
	body   string   // the source with only the body's lines kept
	why    string   // why it is not translated, "" when it may be
	// rescues are the method's own rescue, else and ensure clauses: the
	// translation leaves rescues out (see emitter.rescueNote) and does not
	// translate a method with the others
	rescues []ruby.RescueClause
}

// scanLibrary finds the modules and methods of a library file.
func scanLibrary(src, stem string) (defs []*libDef, other []*ruby.Stmt, otherWhy []string) {
	lines := strings.Split(src, "\n")
	var walk func(text, module string)
	walk = func(text, module string) {
		stmts, _ := ruby.Parse(text)
		for _, s := range stmts {
			head := ""
			if s.Line-1 < len(lines) {
				head = lines[s.Line-1]
			}
			if o, ok := s.X.(*ruby.OpaqueExpr); ok {
				switch o.What {
				case "a module definition":
					m := modHeadRe.FindStringSubmatch(head)
					if m == nil {
						break
					}
					path := strings.TrimPrefix(m[2], "::")
					if module != "" {
						path = module + "::" + path
					}
					walk(keepLines(lines, s.Line+1, s.EndLine-1), path)
					continue
				case "a method definition":
					defs = append(defs, readDef(lines, s, head, module, stem))
					continue
				}
			}
			if c, ok := s.X.(*ruby.CallExpr); ok && c.Recv == nil && (c.Name == "require" || c.Name == "require_relative") {
				continue // Ruby's loading; the functions are loaded where used
			}
			if mixinRe.MatchString(strings.Join(lines[s.Line-1:min(s.EndLine, len(lines))], " ")) {
				continue // the helpers are loaded where recipes call them
			}
			if c, ok := s.X.(*ruby.CallExpr); ok && c.Recv == nil && (c.Name == "private" || c.Name == "protected" || c.Name == "public") && len(c.Args) == 0 && c.Block == nil {
				continue // method visibility: a Starlark function is callable where it is loaded
			}
			if id, ok := s.X.(*ruby.IdentRef); ok && (id.Name == "private" || id.Name == "protected" || id.Name == "public") {
				continue
			}
			if c, ok := s.X.(*ruby.CallExpr); ok && c.Recv == nil && (c.Name == "module_function" || c.Name == "extend" && len(c.Args) == 1) {
				continue // def self.x and module_function both make Module.x
			}
			if c, ok := s.X.(*ruby.CallExpr); ok && c.Recv == nil && c.Name == "include" && len(c.Args) == 1 {
				if _, isConst := c.Args[0].(*ruby.ConstRef); isConst {
					// a mixin (Chef::Mixin::ShellOut): a method that calls
					// one of its methods is a TODO of its own
					continue
				}
			}
			other = append(other, s)
			why := "Ruby library code is not translated; port it to a Starlark function in libraries/*.star"
			if o, ok := s.X.(*ruby.OpaqueExpr); ok && o.What == "a class definition" {
				why = "Ruby classes are not translated; port what the recipes use to Starlark functions in libraries/*.star"
			}
			otherWhy = append(otherWhy, why)
		}
	}
	walk(src, "")
	return defs, other, otherWhy
}

// keepLines is src with the lines outside [from, to] blanked, so that what
// is parsed again keeps its line numbers.
func keepLines(lines []string, from, to int) string {
	out := make([]string, len(lines))
	for i := range lines {
		if i+1 >= from && i+1 <= to {
			out[i] = lines[i]
		}
	}
	return strings.Join(out, "\n")
}

func readDef(lines []string, s *ruby.Stmt, head, module, stem string) *libDef {
	d := &libDef{line: s.Line, end: s.EndLine}
	m := defHeadRe.FindStringSubmatch(head)
	if m == nil {
		d.h = &helper{name: "?", module: module, stem: stem}
		d.why = "this method definition is not translated"
		if n := regexp.MustCompile(`def\s+(?:self\.)?([A-Za-z_]\w*[?!]?)`).FindStringSubmatch(head); n != nil {
			d.h.name = n[1]
		}
		return d
	}
	star := strings.TrimRight(m[2], "?!")
	if starReserved[star] {
		star += "_"
	}
	h := &helper{name: m[2], star: star, module: module, self: m[1] != "", stem: stem}
	d.h = h
	params := m[3]
	if params == "" {
		params = m[4]
	}
	var decl []string
	for _, p := range strings.Split(params, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		pm := paramRe.FindStringSubmatch(p)
		if pm == nil {
			d.why = "parameter " + p + " is not translated (only plain parameters and defaults)"
			return d
		}
		d.params = append(d.params, pm[1])
		d.dflts = append(d.dflts, pm[2])
		decl = append(decl, pm[1])
	}
	h.max = len(d.params)
	for _, df := range d.dflts {
		if df == "" {
			h.min++
		}
	}
	if s.EndLine <= s.Line {
		d.why = "a one-line method is not translated"
		return d
	}
	// the parameters are locals of the body: declare them on the def's line
	last := s.EndLine - 1
	if o, ok := s.X.(*ruby.OpaqueExpr); ok && o.Def != nil && len(o.Def.Clauses) > 0 {
		// the body up to the first clause (translateDef)
		last = o.Def.Clauses[0].Line - 1
		d.rescues = o.Def.Clauses
	}
	body := strings.Split(keepLines(lines, s.Line+1, last), "\n")
	if len(decl) > 0 {
		body[s.Line-1] = strings.Join(decl, " = ") + " = nil"
	}
	d.body = strings.Join(body, "\n")
	h.ret = defValue(d)
	return d
}

// readLibraries scans every library of a cookbook and names the helpers a
// recipe may call; translateLibraries writes them.
func readLibraries(files map[string]string) (*library, map[string][]*libDef) {
	lib := &library{helpers: map[string]*helper{}}
	defs := map[string][]*libDef{}
	for _, stem := range sortedKeys(files) {
		ds, _, _ := scanLibrary(files[stem], stem)
		defs[stem] = ds
		for _, d := range ds {
			if d.why == "" {
				lib.helpers[d.h.name] = d.h
			}
		}
	}
	return lib, defs
}

// translateLibrary writes one library file as Starlark: the methods it
// can translate as functions, a TODO marker for the rest.
func translateLibrary(rel, cookbook, stem, src string, lib *library) (string, []Todo) {
	defs, other, otherWhy := scanLibrary(src, stem)
	lines := strings.Split(src, "\n")
	e := newEmitter(rel, kindRecipe, cookbook, "", src, nil)
	lib.loading = stem
	defer func() { lib.loading = "" }()
	loads := map[string]map[string]bool{}
	var out []string
	var todos []Todo
	mark := func(line, end int, construct, why string) {
		todos = append(todos, Todo{File: rel, Line: line, Construct: construct, Why: why})
		out = append(out, commentText(fmt.Sprintf("# TODO(migrate): %s: %s (%s:%d)", construct, why, rel, line)))
		for ln := line; ln <= end && ln-1 < len(lines); ln++ {
			out = append(out, "#   "+commentText(strings.TrimRight(lines[ln-1], " \t\r")))
		}
		out = append(out, e.todoMarker(line, construct), "")
	}
	type item struct {
		line int
		emit func()
	}
	var items []item
	for i, s := range other {
		s, why := s, otherWhy[i]
		items = append(items, item{s.Line, func() { mark(s.Line, s.EndLine, libConstruct(s), why) }})
	}
	for _, d := range defs {
		d := d
		items = append(items, item{d.line, func() {
			construct := "method " + d.h.name
			if d.why != "" {
				delete(lib.helpers, d.h.name)
				mark(d.line, d.end, construct, d.why)
				return
			}
			fn, why := translateDef(rel, cookbook, src, d, lib, loads)
			if why != "" {
				delete(lib.helpers, d.h.name)
				if lib.kindModules[d.h.module] {
					out = append(out, "# "+d.h.module+"#"+d.h.name+": a method of the resources that include "+d.h.module+
						", translated as a function of r into each kind's file that calls it (resources/*.star)", "")
					return
				}
				mark(d.line, d.end, construct, why)
				return
			}
			if d.h.module != "" {
				out = append(out, "# "+d.h.module+"#"+d.h.name)
			}
			out = append(out, fn...)
			out = append(out, "")
		}})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].line < items[j].line })
	for _, it := range items {
		it.emit()
	}
	e.loads = loads
	if ls := e.loadLines(); len(ls) > 0 {
		out = append(append(ls, ""), out...)
	}
	return strings.TrimRight(strings.Join(out, "\n"), "\n") + "\n", todos
}

func libConstruct(s *ruby.Stmt) string {
	switch x := s.X.(type) {
	case *ruby.OpaqueExpr:
		return x.What
	case *ruby.CallExpr:
		return x.Name
	case *ruby.AssignExpr:
		return "assignment"
	}
	return "library statement"
}

// translateDef translates a method body: statements, then the value of
// the last one (or of a return) returned. why is non-empty when any part
// is not translated.
func translateDef(rel, cookbook, src string, d *libDef, lib *library, loads map[string]map[string]bool) (fn []string, why string) {
	stmts, comments := ruby.Parse(d.body)
	var body []*ruby.Stmt
	for _, s := range stmts {
		if s.Line == d.line && len(d.params) > 0 {
			continue // the parameters' declaration
		}
		body = append(body, s)
	}
	if len(body) == 0 {
		return nil, "an empty method is not translated"
	}
	if !onlyRescues(d.rescues) {
		return nil, "else or ensure in a method is not translated"
	}
	if bags, _ := rescuedBags(body); len(d.rescues) > 0 && len(bags) > 0 {
		return nil, "a rescue around a data bag read in a library method is not translated"
	}
	var kept []ruby.Comment
	for _, c := range comments {
		if c.Line > d.line && c.Line < d.end {
			kept = append(kept, c)
		}
	}
	e := newEmitter(rel, kindRecipe, cookbook, "", src, kept)
	e.lib = lib
	e.loads = loads
	e.inDef = true
	e.rescueNote(d.line, d.rescues, 1)
	var params []string
	for i, p := range d.params {
		n := e.bind(p, "")
		if d.dflts[i] != "" {
			ds, _ := ruby.Parse(d.dflts[i])
			if len(ds) != 1 {
				return nil, "the default of " + p + " is not read"
			}
			v, bad := e.tryExpr(ds[0].X)
			if bad != nil {
				return nil, "the default of " + p + ": " + bad.why
			}
			n += " = " + v.code
		}
		params = append(params, n)
	}
	body = unmemo(body)
	last := body[len(body)-1]
	val := last.X
	if j, ok := val.(*ruby.JumpExpr); ok && j.Kind == "return" && j.Val != nil {
		val = j.Val
	}
	switch val.(type) {
	case *ruby.AssignExpr, *ruby.ForExpr, *ruby.JumpExpr:
		return nil, "the method does not end with the value it returns"
	}
	ret := &ruby.IdentRef{Line: last.Line, Name: "value_of_" + strings.TrimSuffix(d.h.star, "_")}
	body[len(body)-1] = &ruby.Stmt{X: &ruby.AssignExpr{Line: last.Line, Target: ret, Op: "=", Value: val}, Line: last.Line, EndLine: last.EndLine}
	e.body(body, 1)
	if len(e.todos) > 0 {
		return nil, e.todos[0].Construct + ": " + e.todos[0].Why
	}
	if len(e.resources) > 0 {
		return nil, "the method declares resources; port it by hand"
	}
	fn = append(fn, "def "+d.h.star+"("+strings.Join(params, ", ")+"):")
	fn = append(fn, e.out...)
	fn = append(fn, "    return "+e.vars[ret.Name].star)
	lib.notes = append(lib.notes, e.notes...)
	return fn, ""
}

// helperCall translates a call of a library helper, or returns false.
func (e *emitter) helperCall(c *ruby.CallExpr, viaModule string) (sx, bool) {
	h := e.lib.lookup(c.Name)
	if h == nil || c.Block != nil {
		return sx{}, false
	}
	if viaModule != "" && (!h.self || strings.TrimPrefix(viaModule, "::") != h.module) {
		return sx{}, false
	}
	if len(c.Args) < h.min || len(c.Args) > h.max {
		no(c.Name, fmt.Sprintf("the library method takes %d to %d arguments, called with %d", h.min, h.max, len(c.Args)))
	}
	var args []string
	for _, a := range c.Args {
		if _, ok := a.(*ruby.HashLit); ok {
			no(c.Name, "keyword or hash arguments to a library method are not translated")
		}
		args = append(args, e.expr(a).code)
	}
	if h.cookbook != "" || h.stem != e.lib.loading {
		if e.loads == nil {
			e.loads = map[string]map[string]bool{}
		}
		k := h.loadKey()
		if e.loads[k] == nil {
			e.loads[k] = map[string]bool{}
		}
		e.loads[k][h.star] = true
	}
	return atom(h.star + "(" + strings.Join(args, ", ") + ")"), true
}

// loadLines are the load() statements of the helpers a file calls.
func (e *emitter) loadLines() []string {
	var out []string
	for _, stem := range sortedKeys(e.loads) {
		names := []string{}
		for _, n := range sortedKeys(e.loads[stem]) {
			names = append(names, starQuote(n))
		}
		path := "//libraries/" + stem + ".star"
		if strings.HasPrefix(stem, "@") {
			path = stem // a dependency's library
		}
		out = append(out, fmt.Sprintf("load(%s, %s)", starQuote(path), strings.Join(names, ", ")))
	}
	return out
}

// tryExpr translates x, or says why not.
func (e *emitter) tryExpr(x ruby.Expr) (v sx, bad *untranslatable) {
	defer func() {
		if r := recover(); r != nil {
			u, ok := r.(*untranslatable)
			if !ok {
				panic(r)
			}
			bad = u
		}
	}()
	return e.expr(x), nil
}
