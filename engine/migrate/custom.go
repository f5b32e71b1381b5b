package migrate

// Custom resources: a Chef cookbook's resources/*.rb (custom resources,
// Chef >= 12.5), resources/+providers/ pairs (LWRPs) and definitions/*.rb
// become converge custom resources, resources/NAME.star (SPEC §4.6). The
// scan (scanKinds) runs before any recipe is translated, so a recipe's
// resource block of such a kind translates like a built-in one; the
// translation of the kind's file (writeKind) reuses the recipe emitter for
// the action bodies, with e.cr telling it that new_resource.x, a bare
// property name and params[:x] are r.x.

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/migrate/ruby"
	"github.com/converge-cm/converge/engine/shell"
)

// crKind is a kind a Chef cookbook defines, as the migration writes it.
type crKind struct {
	chefName string // what recipes call it (sysctl_param)
	// aliases are the other names its file provides (provides :x)
	aliases []string
	// propAliases are the deprecated names of properties
	// (deprecated_property_alias :old, :new): a call setting old sets new
	propAliases map[string]string
	kind        string // the converge kind (cookbook or cookbook_STEM)
	cookbook    string
	stem        string // resources/STEM.star
	style       string // "custom resource", "LWRP" or "definition"
	src         string // the stem of resources/SRC.rb or definitions/SRC.rb
	props       map[string]*crProp
	order       []string
	// dir is the Chef cookbook's directory: where `use 'partial'` finds
	// the partial's file, and whether it has a template the kind's body
	// renders (crKind.hasSource)
	dir string
	// inner are the resources a definition's body declares with a
	// literal name, by their address ("service[nginx]"): Chef expands a
	// definition in the calling recipe, where they can be notified
	// (definner.go)
	inner map[string]*ruby.CallExpr
	// whole is set for a definition whose body uses params as a whole
	// (paramsWhole): what a call gives it all reaches the body; written
	// when it assigns params[:x], which the body then reads from the dict
	whole, written bool
	// strict are, when written, the parameters with a default other than
	// nil that the body never assigns with =: never None, read
	// params["x"]
	strict map[string]bool
}

type crProp struct {
	name string
	typ  string // converge type: str, int, bool, list, dict, mode
	// guessed is set when nothing says typ (a definition's parameter read
	// as params[:x]): a literal a recipe of the run gives it says better
	guessed bool
}

// crCtx is what the emitter knows while it writes a kind's file.
type crCtx struct {
	k       *crKind
	helpers map[string]bool // action_class and resource methods: f(r, ...)
	// defs are the methods of the kind's own files, by name
	defs map[string]*ruby.DefExpr
	// kwHelpers are the helpers with keyword parameters (name:): a
	// call's trailing hash gives them as keywords
	kwHelpers map[string]bool
	desired   string // load_current_value's block parameter
	// load is set while load_current's body is written: shell_out and
	// ::File reads become probes, property calls set cur[...].
	load   bool
	probes []probe
	// lazy is set while a lazy default is written: self is the resource
	lazy bool
	// action is the action being written ("" outside one): a bare
	// `action` in its body is its name, as Chef's provider has it
	action string
}

// commonReadable are the properties every resource has that a kind's
// actions read (r.sensitive).
var commonReadable = map[string]bool{"sensitive": true, "ignore_failure": true, "retries": true, "retry_delay": true}

type probe struct{ key, cmd string }

// kindName is the converge kind and file stem for the Chef name a
// cookbook gives a kind; renamed when the name does not start with the
// cookbook's (converge names a kind after its cookbook), or when it is
// the name of a kind converge has built in (builtinClash).
func kindName(cookbook, chefName string) (kind, stem string, renamed bool) {
	switch {
	case builtinClash(cookbook, chefName):
	case chefName == cookbook:
		return cookbook, "default", false
	case strings.HasPrefix(chefName, cookbook+"_") && len(chefName) > len(cookbook)+1:
		return chefName, strings.TrimPrefix(chefName, cookbook+"_"), false
	}
	return cookbook + "_" + chefName, chefName, true
}

// scanKinds reads the kinds a cookbook defines: their names and
// properties, for the recipes that use them. cookbook is the name it is
// migrated as; Chef names a kind after the name its metadata gives.
func scanKinds(dir, cookbook string) []*crKind {
	var out []*crKind
	chefCookbook := cookbookName(dir)
	files, _ := filepath.Glob(filepath.Join(dir, "resources", "*.rb"))
	sort.Strings(files)
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "_") {
			continue // a partial (Chef >= 16), which kinds `use`
		}
		src, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		stem := strings.TrimSuffix(filepath.Base(f), ".rb")
		stmts, _ := ruby.Parse(string(src))
		stmts = withPartials(dir, stmts, 0)
		chefName := chefCookbook + "_" + stem
		if stem == "default" {
			chefName = chefCookbook
		}
		style := "custom resource"
		if exists(filepath.Join(dir, "providers", stem+".rb")) {
			style = "LWRP"
		}
		k := &crKind{cookbook: cookbook, style: style, src: stem, props: map[string]*crProp{}, dir: dir}
		var names []string // the other names resource_name and provides give it
		named, provided := false, false
		for _, s := range stmts {
			c, ok := s.X.(*ruby.CallExpr)
			if !ok || c.Recv != nil {
				continue
			}
			switch c.Name {
			case "resource_name", "provides":
				if len(c.Args) >= 1 {
					if sym, ok := c.Args[0].(*ruby.SymLit); ok {
						switch {
						case c.Name == "resource_name":
							if provided {
								names = append(names, chefName) // an earlier provides
							}
							chefName, named = sym.Name, true
						case !named && !provided:
							chefName, provided = sym.Name, true
						default:
							names = append(names, sym.Name)
						}
					}
				}
			case "deprecated_property_alias":
				if len(c.Args) >= 2 {
					from, ok1 := literalKey(c.Args[0])
					to, ok2 := literalKey(c.Args[1])
					if ok1 && ok2 {
						if k.propAliases == nil {
							k.propAliases = map[string]string{}
						}
						k.propAliases[from] = to
					}
				}
			case "property", "attribute":
				if len(c.Args) >= 1 {
					if sym, ok := c.Args[0].(*ruby.SymLit); ok {
						typ, _ := propType(sym.Name, c.Args[1:])
						k.addProp(sym.Name, typ)
					}
				}
			}
		}
		k.chefName = chefName
		for _, n := range names {
			if n != chefName && !slices.Contains(k.aliases, n) {
				k.aliases = append(k.aliases, n)
			}
		}
		k.kind, k.stem, _ = kindName(cookbook, renamedKind(chefName, chefCookbook, cookbook))
		out = append(out, k)
	}
	defs, _ := filepath.Glob(filepath.Join(dir, "definitions", "*.rb"))
	sort.Strings(defs)
	for _, f := range defs {
		src, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		stmts, _ := ruby.Parse(string(src))
		for _, s := range stmts {
			c, ok := s.X.(*ruby.CallExpr)
			if !ok || c.Recv != nil || c.Name != "define" || len(c.Args) == 0 || c.Block == nil {
				continue
			}
			sym, ok := c.Args[0].(*ruby.SymLit)
			if !ok {
				continue
			}
			k := &crKind{cookbook: cookbook, chefName: sym.Name, style: "definition", src: strings.TrimSuffix(filepath.Base(f), ".rb"), props: map[string]*crProp{}, dir: dir}
			k.kind, k.stem, _ = kindName(cookbook, sym.Name)
			for _, p := range defineParams(c) {
				k.addProp(p.name, p.typ)
				k.props[p.name].guessed = p.guessed
			}
			k.inner = definitionInner(c.Block.Body)
			k.whole, k.written = paramsWhole(c.Block.Body), paramsWritten(c.Block.Body)
			if k.written {
				k.strict = strictParams(c)
			}
			out = append(out, k)
		}
	}
	return out
}

// partialPath is the file, relative to the cookbook, that `use NAME`
// in a resource reads, as Chef finds it: NAME's directory under
// resources/, and its base name with one leading underscore.
func partialPath(name string) string {
	name = strings.TrimSuffix(name, ".rb")
	d, b := filepath.Dir(name), strings.TrimPrefix(filepath.Base(name), "_")
	return filepath.ToSlash(filepath.Join("resources", d, "_"+b+".rb"))
}

// useOf returns the partial a statement `use 'NAME'` names.
func useOf(s *ruby.Stmt) (string, bool) {
	c, ok := s.X.(*ruby.CallExpr)
	if !ok || c.Recv != nil || c.Name != "use" || len(c.Args) != 1 || c.Block != nil {
		return "", false
	}
	sl, ok := c.Args[0].(*ruby.StrLit)
	if !ok || !isPlain(sl) {
		return "", false
	}
	return plain(sl), true
}

// withPartials returns stmts with each `use 'partial'` followed by the
// statements of the partial's file, for the scan of a kind's properties
// and methods.
func withPartials(dir string, stmts []*ruby.Stmt, depth int) []*ruby.Stmt {
	var out []*ruby.Stmt
	for _, s := range stmts {
		out = append(out, s)
		name, ok := useOf(s)
		if !ok || depth > 4 || dir == "" {
			continue
		}
		src, err := os.ReadFile(filepath.Join(dir, partialPath(name)))
		if err != nil {
			continue
		}
		ps, _ := ruby.Parse(string(src))
		out = append(out, withPartials(dir, ps, depth+1)...)
	}
	return out
}

func (k *crKind) addProp(name, typ string) {
	if _, ok := k.props[name]; ok {
		return
	}
	k.props[name] = &crProp{name: name, typ: typ}
	k.order = append(k.order, name)
}

// hasProp reports whether recipes may set prop on the kind.
func (k *crKind) hasProp(prop string) bool {
	_, ok := k.props[prop]
	return ok
}

// rubyTypeNames maps Chef's property types to converge's.
var rubyTypeNames = map[string]string{
	"String": "str", "Symbol": "str", "Integer": "int", "Fixnum": "int", "Array": "list",
	"Hash": "dict", "TrueClass": "bool", "FalseClass": "bool", "Float": "float",
	"Numeric": "(int, float)", // either, as Ruby's Integer and Float are Numeric
	"Regexp":  "str",          // a regular expression is its pattern string (regex.go)
}

// propType is the converge type of `property :name, TYPE, opts` (or an
// LWRP's `attribute :name, kind_of: TYPE`), or why there is none.
func propType(name string, rest []ruby.Expr) (string, string) {
	var t ruby.Expr
	var opts *ruby.HashLit
	for _, a := range rest {
		if h, ok := a.(*ruby.HashLit); ok && !h.Braces {
			opts = h
		} else if t == nil {
			t = a
		}
	}
	if t == nil && opts != nil {
		if v := hashGet(opts, "kind_of"); v != nil {
			t = v
		}
	}
	if t == nil && opts != nil {
		for _, key := range []string{"equal_to"} {
			if arr, ok := hashGet(opts, key).(*ruby.ArrayLit); ok && len(arr.Elems) > 0 {
				return literalType(arr.Elems[0])
			}
		}
		if d := hashGet(opts, "default"); d != nil {
			return literalType(d)
		}
	}
	if t == nil {
		return "", "a property without a type (String, Integer, [true, false], Array, Hash)"
	}
	return typeExpr(name, t)
}

// typeExpr is the converge type of a Chef property type: one type, or
// for a list of several a tuple of them, "(bool, list)", with None when
// nil is among them (an explicit nil is then a value, as in Chef).
func typeExpr(name string, t ruby.Expr) (string, string) {
	switch v := t.(type) {
	case *ruby.ConstRef:
		if s, ok := rubyTypeNames[strings.TrimPrefix(v.Path, "::")]; ok {
			return s, ""
		}
		return "", "the type " + v.Path + " has no converge property type"
	case *ruby.ArrayLit:
		var types []string
		nilOK := false
		add := func(s string) {
			if indexOf(types, s) < 0 {
				types = append(types, s)
			}
		}
		for _, el := range v.Elems {
			switch x := el.(type) {
			case *ruby.BoolLit:
				add("bool")
			case *ruby.NilLit:
				nilOK = true
			case *ruby.ConstRef:
				if strings.TrimPrefix(x.Path, "::") == "NilClass" {
					nilOK = true
					continue
				}
				s, why := typeExpr(name, x)
				if why != "" {
					return "", why
				}
				if s == "(int, float)" {
					add("int")
					add("float")
					continue
				}
				add(s)
			default:
				return "", "a type list converge does not read"
			}
		}
		if len(types) == 2 && indexOf(types, "str") >= 0 && indexOf(types, "int") >= 0 && strings.Contains(name, "mode") {
			types = []string{"mode"}
		}
		switch {
		case len(types) == 0:
			return "", "a property whose only type is nil"
		case len(types) == 1 && !nilOK:
			return types[0], ""
		}
		for i, s := range types {
			types[i] = typeArg(s)
		}
		if nilOK {
			types = append(types, "None")
		}
		return "(" + strings.Join(types, ", ") + ")", ""
	}
	return "", "a type converge does not read"
}

func literalType(x ruby.Expr) (string, string) {
	switch x.(type) {
	case *ruby.StrLit, *ruby.SymLit, *ruby.NilLit:
		return "str", ""
	case *ruby.IntLit:
		return "int", ""
	case *ruby.FloatLit:
		return "float", ""
	case *ruby.BoolLit:
		return "bool", ""
	case *ruby.ArrayLit:
		return "list", ""
	case *ruby.HashLit:
		return "dict", ""
	}
	return "", "a property without a type, whose default does not say one"
}

func hashGet(h *ruby.HashLit, key string) ruby.Expr {
	if h == nil {
		return nil
	}
	for i, k := range h.Keys {
		if s, ok := literalKey(k); ok && s == key {
			return h.Vals[i]
		}
	}
	return nil
}

// defineParams are a definition's parameters: the defaults of `define
// :name, a: 1`, every params[:x] its body reads, the keys it looks up in
// params whole (params.fetch(:x, d), params.key?(:x)) and those of a hash
// params is merged into ({x: node[...]}.merge(params): the call may
// override each).
func defineParams(c *ruby.CallExpr) []crProp {
	var out []crProp
	seen := map[string]bool{"name": true}
	add := func(name string, val ruby.Expr) {
		if seen[name] {
			return
		}
		seen[name] = true
		typ := ""
		if val != nil {
			typ, _ = literalType(val)
			if _, isNil := val.(*ruby.NilLit); isNil {
				typ = ""
			}
		}
		if typ == "" {
			out = append(out, crProp{name: name, typ: "str", guessed: true})
			return
		}
		out = append(out, crProp{name: name, typ: typ})
	}
	for _, a := range c.Args[1:] {
		h, ok := a.(*ruby.HashLit)
		if !ok {
			continue
		}
		for i, k := range h.Keys {
			if s, ok := literalKey(k); ok && !seen[s] {
				seen[s] = true
				typ, _ := literalType(h.Vals[i])
				if typ == "" {
					typ = "str"
				}
				out = append(out, crProp{name: s, typ: typ})
			}
		}
	}
	aliases := paramsAliases(c.Block.Body)
	ruby.InspectStmts(c.Block.Body, func(x ruby.Expr) bool {
		switch v := x.(type) {
		case *ruby.IndexExpr:
			if isParams(v.Recv) && len(v.Args) == 1 {
				if s, ok := literalKey(v.Args[0]); ok {
					add(s, nil)
				}
			}
		case *ruby.CallExpr:
			if v.Recv == nil || v.Block != nil || len(v.Args) == 0 {
				break
			}
			switch {
			case isParamsValue(v.Recv, aliases) && (v.Name == "fetch" || paramsTests[v.Name]):
				if s, ok := literalKey(v.Args[0]); ok {
					var d ruby.Expr
					if v.Name == "fetch" && len(v.Args) == 2 {
						d = v.Args[1]
					}
					add(s, d)
				}
			case v.Name == "merge" && len(v.Args) == 1 && isParamsValue(v.Args[0], aliases):
				if h, ok := v.Recv.(*ruby.HashLit); ok {
					for i, k := range h.Keys {
						if s, ok := literalKey(k); ok {
							add(s, h.Vals[i])
						}
					}
				}
			}
		}
		return true
	})
	return out
}

// paramsTests are the methods of a Hash testing a key.
var paramsTests = map[string]bool{"key?": true, "has_key?": true, "include?": true, "member?": true}

// paramsAliases are the locals of a definition's body assigned params
// whole (opts = params).
func paramsAliases(body []*ruby.Stmt) map[string]bool {
	out := map[string]bool{}
	ruby.InspectStmts(body, func(x ruby.Expr) bool {
		if a, ok := x.(*ruby.AssignExpr); ok && a.Op == "=" && isParams(a.Value) {
			if id, ok := a.Target.(*ruby.IdentRef); ok {
				out[id.Name] = true
			}
		}
		return true
	})
	return out
}

func isParamsValue(x ruby.Expr, aliases map[string]bool) bool {
	if id, ok := x.(*ruby.IdentRef); ok {
		return aliases[id.Name]
	}
	return isParams(x)
}

// paramsWritten reports whether a definition's body assigns an element
// of params (params[:port] ||= 80, params[:dir] = ...).
func paramsWritten(body []*ruby.Stmt) bool {
	aliases := paramsAliases(body)
	found := false
	ruby.InspectStmts(body, func(x ruby.Expr) bool {
		if a, ok := x.(*ruby.AssignExpr); ok {
			if ix, ok := a.Target.(*ruby.IndexExpr); ok && isParamsValue(ix.Recv, aliases) {
				found = true
			}
		}
		return !found
	})
	return found
}

// strictParams are the parameters of definition c that always hold a
// value: a default other than nil that the body does not assign with =
// (params[:x] ||= v keeps a value).
func strictParams(c *ruby.CallExpr) map[string]bool {
	out := map[string]bool{"name": true}
	for _, a := range c.Args[1:] {
		if h, ok := a.(*ruby.HashLit); ok {
			for i, kx := range h.Keys {
				if s, ok := literalKey(kx); ok {
					if _, isNil := h.Vals[i].(*ruby.NilLit); !isNil {
						out[s] = true
					}
				}
			}
		}
	}
	ruby.InspectStmts(c.Block.Body, func(x ruby.Expr) bool {
		if a, ok := x.(*ruby.AssignExpr); ok && a.Op == "=" {
			if ix, ok := a.Target.(*ruby.IndexExpr); ok && isParams(ix.Recv) && len(ix.Args) == 1 {
				if s, ok := literalKey(ix.Args[0]); ok && s != "name" {
					delete(out, s)
				}
			}
		}
		return true
	})
	return out
}

// paramsWhole reports whether a definition's body uses params as a
// whole (params.each, {...}.merge(params), variables(params),
// params.fetch(:x, d), params[k] of a computed key, an assignment of an
// element) rather than only reading params[:x] of literal keys, which
// read r.x.
func paramsWhole(body []*ruby.Stmt) bool {
	if paramsWritten(body) {
		return true
	}
	all, keyed := 0, 0
	ruby.InspectStmts(body, func(x ruby.Expr) bool {
		switch v := x.(type) {
		case *ruby.IndexExpr:
			if isParams(v.Recv) && len(v.Args) == 1 {
				if _, ok := literalKey(v.Args[0]); ok {
					keyed++
				}
			}
		case *ruby.CallExpr:
			if isParams(v) {
				all++
			}
		}
		return true
	})
	return all > keyed
}

func isParams(x ruby.Expr) bool {
	c, ok := x.(*ruby.CallExpr)
	return ok && c.Recv == nil && c.Name == "params" && len(c.Args) == 0 && c.Block == nil
}

// ---- the emitter's hooks ----

// customKind is the kind a recipe's `name "x" do ... end` declares when
// the name is a kind of a migrated cookbook.
func (e *emitter) customKind(name string) (*crKind, bool) {
	k, ok := e.kinds[name]
	return k, ok
}

// kindByConverge finds a kind by its converge name.
func (e *emitter) kindByConverge(kind string) *crKind {
	for _, k := range e.kinds {
		if k.kind == kind {
			return k
		}
	}
	return nil
}

// customProperty sets a property of a custom kind in a resource block.
func (e *emitter) customProperty(rb *resourceBuild, k *crKind, c *ruby.CallExpr) {
	prop := c.Name
	if len(c.Args) != 1 || c.Block != nil {
		no(prop, fmt.Sprintf("expected one value, got %d", len(c.Args)))
	}
	switch prop {
	case "ignore_failure", "retries", "retry_delay", "sensitive":
		rb.set(prop, e.expr(c.Args[0]).code)
		return
	}
	if to, ok := k.propAliases[prop]; ok && k.hasProp(to) {
		prop = to // a deprecated name of the property
	}
	p, ok := k.props[prop]
	if !ok {
		no(prop, fmt.Sprintf("the %s %s has no %s property", k.style, k.chefName, prop))
	}
	if p.typ == "mode" {
		rb.set(prop, e.mode(c.Args[0]))
		return
	}
	v := c.Args[0]
	if h, ok := v.(*ruby.HashLit); ok && len(h.Keys) > 2 {
		rb.kwargs = append(rb.kwargs, e.dictKwarg(prop, h))
		return
	}
	rb.set(prop, e.expr(v).code)
}

// customStmt translates the statements only a kind's file has; it
// reports whether it wrote c.
func (e *emitter) customStmt(s *ruby.Stmt, c *ruby.CallExpr, ind int) bool {
	if c.Recv == nil {
		if k, ok := e.customKind(c.Name); ok && (len(c.Args) > 0 || c.Block != nil) {
			e.emitResource(s, c, k.kind, ind)
			if k.style == "definition" && len(k.inner) > 0 {
				e.defCalls = append(e.defCalls, k)
			}
			return true
		}
	}
	cr := e.cr
	if cr == nil {
		return false
	}
	if c.Recv == nil {
		switch c.Name {
		case "converge_if_changed":
			if c.Block == nil {
				no(c.Name, "converge_if_changed without a block")
			}
			var props []string
			for _, a := range c.Args {
				sym, ok := a.(*ruby.SymLit)
				if !ok {
					no(c.Name, "the properties must be symbols")
				}
				props = append(props, sym.Name)
			}
			what := "every property set"
			if len(props) > 0 {
				what = strings.Join(props, ", ")
			}
			e.line(ind, "# converge_if_changed ("+what+"): converge compares the properties load_current")
			e.line(ind, "# returns with the desired ones and runs this action only when one differs.")
			e.body(c.Block.Body, ind)
			return true
		case "current_value_does_not_exist!":
			if !cr.load {
				no(c.Name, "outside load_current_value")
			}
			e.line(ind, "return None")
			return true
		case "converge_by":
			no(c.Name, "converge_by runs Ruby on the node; declare resources (an execute) instead")
		case "use_inline_resources":
			e.line(ind, "# use_inline_resources: a converge action's resources are always its own")
			return true
		}
		if cr.load && cr.k.hasProp(c.Name) && len(c.Args) == 1 && c.Block == nil {
			e.line(ind, "cur["+starQuote(c.Name)+"] = "+e.expr(c.Args[0]).code)
			return true
		}
		if cr.helpers[c.Name] && c.Block == nil {
			e.line(ind, e.kindHelperCall(c.Name, c.Args).code)
			return true
		}
	}
	if c.Recv != nil && c.Block == nil {
		if isNewResource(c.Recv, cr) && c.Name == "updated_by_last_action" {
			e.line(ind, "# updated_by_last_action: converge marks the resource updated when one of its resources is")
			return true
		}
		if iv, ok := c.Recv.(*ruby.IVarRef); ok && iv.Name == "current_resource" && cr.load {
			if cr.k.hasProp(c.Name) && len(c.Args) == 1 {
				e.line(ind, "cur["+starQuote(c.Name)+"] = "+e.expr(c.Args[0]).code)
				return true
			}
		}
	}
	return false
}

func isNewResource(x ruby.Expr, cr *crCtx) bool {
	switch v := x.(type) {
	case *ruby.CallExpr:
		return v.Recv == nil && v.Name == "new_resource" && len(v.Args) == 0 && v.Block == nil
	case *ruby.IVarRef:
		return v.Name == "new_resource"
	case *ruby.IdentRef:
		return cr != nil && cr.desired != "" && v.Name == cr.desired
	}
	return false
}

// kindHelperCall is a call of an action_class helper of the kind being
// written: the helper takes the resource first.
func (e *emitter) kindHelperCall(name string, args []ruby.Expr) sx {
	parts := []string{"r"}
	if n := len(args); n > 0 && e.cr.kwHelpers[name] {
		if h, ok := args[n-1].(*ruby.HashLit); ok && !h.Braces {
			// f(a, key: v): Ruby's keyword arguments
			args = args[:n-1]
			for _, a := range args {
				parts = append(parts, e.expr(a).code)
			}
			for i, kx := range h.Keys {
				key, ok := literalKey(kx)
				if !ok || !isASCIIIdent(key) {
					no(name, "a keyword argument that is not a name")
				}
				parts = append(parts, key+"="+e.expr(h.Vals[i]).code)
			}
			return atom(helperStar(name) + "(" + strings.Join(parts, ", ") + ")")
		}
	}
	for _, a := range args {
		parts = append(parts, e.expr(a).code)
	}
	return atom(helperStar(name) + "(" + strings.Join(parts, ", ") + ")")
}

// helperStar is the Starlark name of a kind's helper method: a ? or !
// suffix dropped (target_file_exist? is target_file_exist), and a
// Starlark keyword given a _ suffix.
func helperStar(name string) string {
	n := strings.TrimRight(name, "?!")
	if starReserved[n] {
		n += "_"
	}
	return n
}

// customExpr translates what reads the resource in a kind's file:
// new_resource.x, a bare property, params[:x], a helper call, and in
// load_current the probes. ok is false for what it leaves to expr.
func (e *emitter) customExpr(x ruby.Expr) (sx, bool) {
	cr := e.cr
	if cr == nil {
		return sx{}, false
	}
	prop := func(name string) sx {
		typ := ""
		if p, ok := cr.k.props[name]; ok {
			typ = p.typ
		}
		return sx{code: "r." + name, prec: pPostfix, str: typ == "str" || name == "name"}
	}
	switch v := x.(type) {
	case *ruby.IndexExpr:
		if isParams(v.Recv) && len(v.Args) == 1 {
			if s, ok := literalKey(v.Args[0]); ok {
				if cr.k.style == "definition" && cr.k.written {
					// the body assigns elements of params: read them all
					// from the dict, nil when absent as in Chef
					if cr.k.strict[s] {
						typ := ""
						if p, ok := cr.k.props[s]; ok {
							typ = p.typ
						}
						return sx{code: "params[" + starQuote(s) + "]", prec: pPostfix, str: typ == "str" || s == "name"}, true
					}
					return sx{code: "params.get(" + starQuote(s) + ")", prec: pPostfix, none: true}, true
				}
				return prop(s), true
			}
			if cr.k.style == "definition" {
				// a computed key: Chef's params[k], nil when the call
				// did not give it (the params dict the action starts with)
				return atom("params.get(" + e.expr(v.Args[0]).code + ")"), true
			}
			no("params[...]", "a computed parameter name")
		}
	case *ruby.IdentRef:
		if cr.desired != "" && v.Name == cr.desired {
			return atom("r"), true
		}
	case *ruby.IVarRef:
		switch v.Name {
		case "new_resource":
			return atom("r"), true
		case "current_resource":
			no("@current_resource", "the current state is known at converge time only; compare in load_current instead")
		}
	case *ruby.CallExpr:
		if isParams(v) && cr.k.style == "definition" {
			return atom("params"), true // the dict action_create starts with
		}
		if v.Recv == nil && v.Block == nil {
			switch {
			case v.Name == "new_resource" && len(v.Args) == 0:
				return atom("r"), true
			case v.Name == "property_is_set?":
				return e.propertyIsSet(v), true
			case v.Name == "action" && len(v.Args) == 0 && cr.action != "":
				return sx{code: starQuote(cr.action), prec: pPostfix, str: true}, true
			case v.Name == "current_resource" || v.Name == "current_value":
				no(v.Name, "the current state is known at converge time only, after the actions are compiled; compare it in load_current (converge_if_changed does)")
			case (cr.k.hasProp(v.Name) || v.Name == "name") && len(v.Args) == 0:
				return prop(v.Name), true
			case cr.lazy && commonReadable[v.Name] && len(v.Args) == 0:
				return atom("r." + v.Name), true
			case cr.helpers[v.Name]:
				return e.kindHelperCall(v.Name, v.Args), true
			case cr.load && (v.Name == "shell_out" || v.Name == "shell_out!") && len(v.Args) == 1:
				return e.addProbe(e.probeCmd(v.Args[0])), true
			}
		}
		if v.Recv != nil && isNewResource(v.Recv, cr) && v.Block == nil {
			switch {
			case v.Name == "property_is_set?":
				return e.propertyIsSet(v), true
			case cr.k.hasProp(v.Name) || v.Name == "name" || commonReadable[v.Name]:
				if len(v.Args) > 0 {
					no("new_resource."+v.Name+"(...)", "setting a property of the resource from its action")
				}
				return prop(v.Name), true
			case cr.helpers[v.Name]:
				return e.kindHelperCall(v.Name, v.Args), true
			}
			no("new_resource."+v.Name, "the "+cr.k.style+" has no property "+v.Name)
		}
		if cr.load && v.Recv != nil && v.Block == nil && len(v.Args) == 0 {
			switch v.Name {
			case "stdout":
				return atom(e.expr(v.Recv).in(pPostfix) + ".stdout"), true
			case "exitstatus":
				return atom(e.expr(v.Recv).in(pPostfix) + ".exit"), true
			case "error?":
				return sx{code: e.expr(v.Recv).in(pPostfix) + ".exit != 0", prec: pCmp}, true
			}
		}
		if cr.load && v.Block == nil && len(v.Args) == 1 {
			if c, ok := v.Recv.(*ruby.ConstRef); ok && strings.TrimPrefix(c.Path, "::") == "File" {
				switch v.Name {
				case "exist?", "exists?", "file?", "directory?":
					flag := map[string]string{"exist?": "-e", "exists?": "-e", "file?": "-f", "directory?": "-d"}[v.Name]
					p := e.addProbe(e.quotedProbe("test "+flag, v.Args[0]))
					return sx{code: p.code + ".exit == 0", prec: pCmp}, true
				case "read":
					p := e.addProbe(e.quotedProbe("cat", v.Args[0]))
					return sx{code: p.code + ".stdout", prec: pPostfix, str: true}, true
				}
			}
		}
	}
	return sx{}, false
}

// propertyIsSet translates property_is_set?(:x) (or new_resource's):
// whether the caller gave x, property_is_set(r, "x") (SPEC §4.6).
func (e *emitter) propertyIsSet(c *ruby.CallExpr) sx {
	if len(c.Args) != 1 {
		no("property_is_set?", "expected one property name")
	}
	name, ok := literalKey(c.Args[0])
	if !ok {
		no("property_is_set?", "the property must be named by a literal")
	}
	if !e.cr.k.hasProp(name) && name != "name" && !commonReadable[name] {
		no("property_is_set?(:"+name+")", "the "+e.cr.k.style+" has no property "+name)
	}
	return sx{code: "property_is_set(r, " + starQuote(name) + ")", prec: pPostfix}
}

// probeCmd is the command of shell_out(cmd): it is run in probes(r),
// before load_current, so it may read the resource and the node only.
func (e *emitter) probeCmd(x ruby.Expr) string {
	used := map[string]bool{}
	walkIdents(x, used)
	delete(used, e.cr.desired)
	if len(used) > 0 {
		no("shell_out", "the command reads a local variable of load_current_value; converge runs the probes before it")
	}
	load := e.cr.load
	e.cr.load = false
	defer func() { e.cr.load = load }()
	return e.expr(x).code
}

func (e *emitter) quotedProbe(cmd string, path ruby.Expr) string {
	if sl, ok := path.(*ruby.StrLit); ok && isPlain(sl) {
		return starQuote(cmd + " " + shell.Quote(plain(sl)))
	}
	return starQuote(cmd+" ") + " + shell.quote(" + e.probeCmd(path) + ")"
}

func (e *emitter) addProbe(cmd string) sx {
	for _, p := range e.cr.probes {
		if p.cmd == cmd {
			return atom("out[" + starQuote(p.key) + "]")
		}
	}
	key := fmt.Sprintf("p%d", len(e.cr.probes))
	e.cr.probes = append(e.cr.probes, probe{key: key, cmd: cmd})
	return atom("out[" + starQuote(key) + "]")
}

// testCookbooks are the cookbooks a cookbook ships for its tests:
// test/cookbooks/* and test/fixtures/cookbooks/*.
func testCookbooks(dir string) []string {
	var out []string
	for _, sub := range []string{"test/cookbooks", "test/fixtures/cookbooks"} {
		entries, _ := os.ReadDir(filepath.Join(dir, sub))
		for _, en := range entries {
			p := filepath.Join(dir, sub, en.Name())
			if en.IsDir() && isCookbook(p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// cookbookName is the name metadata.rb gives the cookbook in dir, or its
// directory's name.
func cookbookName(dir string) string {
	if m := cookbookMetadata(dir); m != nil && m.name != "" {
		return m.name
	}
	return filepath.Base(filepath.Clean(dir))
}

// cookbookMetadata is what metadata.rb (or metadata.json) of the
// cookbook in dir says, nil without one.
func cookbookMetadata(dir string) *metadata {
	if b, err := os.ReadFile(filepath.Join(dir, "metadata.rb")); err == nil {
		m, _ := readMetadataRb("metadata.rb", string(b))
		return m
	} else if b, err := os.ReadFile(filepath.Join(dir, "metadata.json")); err == nil {
		m, _ := readMetadataJSON("metadata.json", b)
		return m
	}
	return nil
}

// treeCookbooks are the cookbooks of dir, a cookbook or a chef-repo,
// each followed by its test cookbooks.
func treeCookbooks(dir string) []string {
	var dirs []string
	if isCookbook(dir) {
		dirs = append(dirs, dir)
	} else {
		for _, sub := range []string{"cookbooks", "site-cookbooks"} {
			entries, _ := os.ReadDir(filepath.Join(dir, sub))
			for _, en := range entries {
				if p := filepath.Join(dir, sub, en.Name()); en.IsDir() && isCookbook(p) {
					dirs = append(dirs, p)
				}
			}
		}
	}
	var out []string
	for _, d := range dirs {
		out = append(out, d)
		for _, tc := range testCookbooks(d) {
			out = append(out, treeCookbooks(tc)...)
		}
	}
	return out
}

// scanTree registers the kinds of a cookbook (and of its test
// cookbooks) or of a chef-repo's cookbooks.
func scanTree(r *Report, dir string) {
	var scanned []*crKind
	for _, d := range treeCookbooks(dir) {
		scanLibraryHelpers(r, d, r.nameOf(d))
		scanCookbookAttrs(r, d)
		for _, k := range scanKinds(d, r.nameOf(d)) {
			if _, dup := r.kinds[k.chefName]; !dup {
				r.kinds[k.chefName] = k
				scanned = append(scanned, k)
			}
		}
	}
	// the other names a kind provides, once every kind has its own
	for _, k := range scanned {
		for _, a := range k.aliases {
			if _, dup := r.kinds[a]; !dup {
				r.kinds[a] = k
			}
		}
	}
}

// scanDefinitionCalls reads what the recipes, definitions and kinds of
// the cookbooks in dir give the definitions they call, once every kind
// is registered. In Chef a definition takes any parameter a call gives:
// for one whose body uses params whole, each becomes a property; and a
// literal a call gives says the type of a parameter nothing else types.
func scanDefinitionCalls(r *Report, dir string) {
	for _, d := range treeCookbooks(dir) {
		var files []string
		for _, sub := range []string{"recipes", "definitions", "resources", "providers"} {
			f, _ := filepath.Glob(filepath.Join(d, sub, "*.rb"))
			files = append(files, f...)
		}
		sort.Strings(files)
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			stmts, _ := ruby.Parse(string(src))
			ruby.InspectStmts(stmts, func(x ruby.Expr) bool {
				if c, ok := x.(*ruby.CallExpr); ok && c.Recv == nil && c.Block != nil && len(c.Args) > 0 {
					if k, ok := r.kinds[c.Name]; ok && k.style == "definition" {
						k.readCall(c.Block.Body)
					}
				}
				return true
			})
		}
	}
}

// readCall reads the parameters one call of definition k sets in its
// block (port 8080).
func (k *crKind) readCall(body []*ruby.Stmt) {
	for _, s := range body {
		c, ok := s.X.(*ruby.CallExpr)
		if !ok || c.Recv != nil || c.Block != nil || len(c.Args) != 1 || c.Name == "name" || slices.Contains(engine.CommonProps, c.Name) {
			continue
		}
		if !isASCIIIdent(c.Name) || starKeywords[c.Name] {
			continue
		}
		typ, _ := literalType(c.Args[0])
		if _, isNil := c.Args[0].(*ruby.NilLit); isNil {
			typ = ""
		}
		p, ok := k.props[c.Name]
		switch {
		case ok && p.guessed && typ != "":
			p.typ, p.guessed = typ, false
		case !ok && k.whole:
			k.addProp(c.Name, "str")
			if typ != "" {
				k.props[c.Name].typ = typ
			} else {
				k.props[c.Name].guessed = true
			}
		}
	}
}

// renameTargets rewrites the notification targets ("kind[name]") of the
// kinds renamed after their cookbook in Starlark written by the emitter.
func renameTargets(star string, kinds map[string]*crKind) string {
	for name, k := range kinds {
		if k.kind == name {
			continue
		}
		star = strings.ReplaceAll(star, `"`+name+`[`, `"`+k.kind+`[`) // the kind's name or an alias
	}
	return star
}
