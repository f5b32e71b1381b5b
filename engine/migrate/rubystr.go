package migrate

// Ruby's to_s: "#{x}" and x.to_s write true as "true", nil as "" and a
// hash as {"a"=>1}, where Starlark's "%s" % x and str(x) write True,
// None and {"a": 1}. A string or an integer writes the same in both, so
// the translation keeps "%s" % x where x is known to be one and writes
// rb_to_s(x) (engine/recipe/rbtos.go) for every other value: a boolean,
// a hash, and what the migration cannot tell, such as an attribute that
// nothing it sees sets, or sets to anything but a literal.

import (
	"encoding/json"
	"regexp"
	"strings"
	"sync"

	cfacts "github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/migrate/ruby"
)

// litKind is a set of the kinds of value assigned to an attribute path.
type litKind uint8

const (
	litStr     litKind = 1 << iota // a string or symbol literal
	litInt                         // an integer literal
	litStrList                     // a list of string literals (%w(a b), ['a', 'b'])
	litOther                       // anything else: true, nil, a hash, an expression
)

var (
	// rubyStrLitRe is a value that is one string literal, with an
	// optional modifier condition or comment after it
	rubyStrLitRe = regexp.MustCompile(`^\s*(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|:[A-Za-z_][A-Za-z0-9_]*)(?:\.freeze)?\s*(?:(?:if|unless)\b.*)?(?:#.*)?$`)
	rubyIntLitRe = regexp.MustCompile(`^\s*-?[0-9][0-9_]*\s*(?:(?:if|unless)\b.*)?(?:#.*)?$`)
	// rubyStrListRe is a one-line list of string literals
	rubyStrListRe = regexp.MustCompile(`^\s*(?:%w\([^()]*\)|%w\[[^\[\]]*\]|%w\{[^{}]*\}|\[\s*(?:(?:'[^'\\]*'|"[^"\\#]*")\s*(?:,\s*(?:'[^'\\]*'|"[^"\\#]*")\s*)*,?)?\s*\])(?:\.freeze)?\s*(?:(?:if|unless)\b.*)?(?:#.*)?$`)
)

// rubyTernaryRe is `cond ? a : b` whose branches are string or integer
// literals
var rubyTernaryRe = regexp.MustCompile(`\?\s*(-?[0-9]+|'[^'\\]*'|"[^"\\#]*")\s*:\s*(-?[0-9]+|'[^'\\]*'|"[^"\\#]*")\s*(?:#.*)?$`)

func litKindOf(lit string) litKind {
	if lit[0] == '\'' || lit[0] == '"' {
		return litStr
	}
	return litInt
}

// assignedKind is the kind of value the attribute assignment that
// attrSetRe matched at loc in line assigns.
func assignedKind(line string, loc []int) litKind {
	m := line[loc[0]:loc[1]]
	var rhs string
	switch {
	case strings.HasSuffix(m, "<<"):
		return litOther // appends to a list
	case strings.HasSuffix(m, "||="):
		rhs = line[loc[1]:]
	default: // = and the first character of the value
		rhs = line[loc[1]-1:]
	}
	switch {
	case rubyStrLitRe.MatchString(rhs):
		return litStr
	case rubyIntLitRe.MatchString(rhs):
		return litInt
	case rubyStrListRe.MatchString(rhs):
		return litStrList
	}
	if m := rubyTernaryRe.FindStringSubmatch(rhs); m != nil {
		return litKindOf(m[1]) | litKindOf(m[2])
	}
	return litOther
}

// jsonKind is the kind of a value of a node or role JSON file.
func jsonKind(v any) litKind {
	switch x := v.(type) {
	case string:
		return litStr
	case json.Number:
		if !strings.ContainsAny(string(x), ".eE") {
			return litInt
		}
	case []any:
		for _, el := range x {
			if _, ok := el.(string); !ok {
				return litOther
			}
		}
		return litStrList
	}
	return litOther
}

// kindOf is the kind of every value assigned to path, 0 when that is not
// known: nothing sets it, it is set within a hash assigned whole, or it
// holds attributes set under it (a hash).
func (k knownAttrs) kindOf(path []string) litKind {
	if k == nil {
		return 0
	}
	p := strings.Join(path, "\x00")
	a, ok := k[p]
	if !ok || a.lits == 0 || a.lits&litOther != 0 {
		return 0
	}
	for q, b := range k {
		if strings.HasPrefix(q, p+"\x00") || b.lits != 0 && strings.HasPrefix(p, q+"\x00") {
			return 0
		}
	}
	return a.lits
}

// ohaiScalars are the automatic attributes, by path joined by \x00,
// whose values are strings or integers.
var ohaiScalars = sync.OnceValue(func() map[string]bool {
	out := map[string]bool{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			switch x := v.(type) {
			case string, int, int64:
				out[prefix+k] = true
			case map[string]any:
				walk(prefix+k+"\x00", x)
			}
		}
	}
	walk("", cfacts.Facts{}.Map())
	return out
})

// nodeReadKeys is the keys of node['a']['b'] or node.a.b when each is a
// literal, and of x['c'] where the local x holds node['a']['b'].
func (e *emitter) nodeReadKeys(x ruby.Expr) ([]string, bool) {
	var keys []string
	for {
		switch v := x.(type) {
		case *ruby.IdentRef:
			if vi, ok := e.vars[v.Name]; ok && len(vi.of) > 0 && vi.of[0] == "node" {
				return append(append([]string{}, vi.of[1:]...), keys...), true
			}
			return nil, false
		case *ruby.IndexExpr:
			k, ok := literalKey(v.Args[0])
			if len(v.Args) != 1 || !ok {
				return nil, false
			}
			keys, x = append([]string{k}, keys...), v.Recv
			continue
		case *ruby.CallExpr:
			if isNodeCall(v) {
				return keys, len(keys) > 0
			}
			if v.Recv == nil || len(v.Args) != 0 || v.Block != nil || isRubyMethod(v.Name) {
				return nil, false
			}
			keys, x = append([]string{v.Name}, keys...), v.Recv
			continue
		}
		return nil, false
	}
}

// attrKind is the kind of the attribute x reads, 0 when x reads none or
// its kind is not known.
func (e *emitter) attrKind(x ruby.Expr) litKind {
	keys, ok := e.nodeReadKeys(x)
	if !ok {
		return 0
	}
	var attrs knownAttrs
	if e.lib != nil {
		attrs = e.lib.attrs
	}
	if attrs == nil || !attrs.defines(keys[:1]) {
		// Ohai's, which no cookbook sets
		if ohaiScalars()[strings.Join(keys, "\x00")] {
			return litStr
		}
		return 0
	}
	return attrs.kindOf(keys)
}

// toSMethods are the Ruby methods whose value is a string or an integer.
var toSMethods = map[string]bool{
	"to_s": true, "to_str": true, "to_i": true, "to_int": true, "length": true, "size": true, "count": true,
	"join": true, "upcase": true, "downcase": true, "capitalize": true, "swapcase": true, "strip": true,
	"lstrip": true, "rstrip": true, "chomp": true, "chop": true, "gsub": true, "sub": true, "tr": true,
	"squeeze": true, "hex": true, "oct": true, "ord": true, "center": true, "ljust": true, "rjust": true,
}

// printsAsRuby reports whether "%s" % v, the translation of x, writes
// what Ruby's x.to_s does: x is a string or an integer.
func (e *emitter) printsAsRuby(x ruby.Expr, v sx) bool {
	if v.none {
		return false
	}
	return v.str || e.scalar(x, v)
}

// scalar reports whether x, translated as v, is known to be a string, an
// integer or a list of strings (whose str() is Ruby's Array#to_s).
func (e *emitter) scalar(x ruby.Expr, v sx) bool {
	switch t := x.(type) {
	case *ruby.StrLit, *ruby.SymLit, *ruby.IntLit:
		return true
	case *ruby.IdentRef:
		if vi, ok := e.vars[t.Name]; ok {
			return vi.typ == "str" || vi.typ == "int" || vi.typ == "scalar"
		}
	case *ruby.IndexExpr, *ruby.CallExpr:
		if e.attrKind(x) != 0 {
			return true
		}
		if e.searchFact(x) {
			return true
		}
		switch e.crPropType(x) {
		case "str", "int", "mode":
			return true // a string or integer property of the resource
		}
		if c, ok := x.(*ruby.CallExpr); ok && c.Recv != nil && c.Block == nil && toSMethods[c.Name] {
			return true
		}
		if c, ok := x.(*ruby.CallExpr); ok && e.cr != nil && e.cr.helpers[c.Name] && c.Block == nil && (c.Recv == nil || isNewResource(c.Recv, e.cr)) {
			return e.defScalar(e.fileDefValue(c.Name)) // a method of the kind
		}
		if c, ok := x.(*ruby.CallExpr); ok && c.Recv == nil && c.Block == nil && e.lib != nil {
			if h := e.lib.lookup(c.Name); h != nil && h.ret != nil {
				return e.defScalar(h.ret) // a library or recipe method
			}
		}
	case *ruby.BinaryExpr:
		switch t.Op {
		case "%":
			if _, ok := t.L.(*ruby.StrLit); ok {
				return true // format
			}
			fallthrough
		case "+", "-", "*", "/", "||":
			return e.scalar(t.L, sx{}) && e.scalar(t.R, sx{})
		}
	case *ruby.TernaryExpr:
		return e.scalar(t.Yes, sx{}) && e.scalar(t.No, sx{})
	}
	return false
}

// scalarType is the type of a local assigned x, translated as v, when
// the value is a string or an integer: "str" or "int" when the attribute
// it reads, or the expression, has one type, "scalar" when it may be
// either; "" otherwise.
func (e *emitter) scalarType(x ruby.Expr, v sx) string {
	switch e.attrKind(x) {
	case litStr:
		return "str"
	case litInt:
		return "int"
	}
	if e.printsAsRuby(x, v) {
		return "scalar"
	}
	return ""
}

// rubyToS is x.to_s, x translated as v: v itself for a string, str(v)
// for an integer, rb_to_s(v) for every other value.
func (e *emitter) rubyToS(x ruby.Expr, v sx) sx {
	switch {
	case v.str && !v.none:
		return v
	case e.printsAsRuby(x, v):
		return sx{code: "str(" + v.code + ")", prec: pPostfix, str: true}
	}
	return sx{code: "rb_to_s(" + v.code + ")", prec: pPostfix, str: true}
}

// strElems reports whether x is a list of strings: a literal one, an
// attribute every assignment sets to one, a local holding one, or one
// sorted or filtered.
func (e *emitter) strElems(x ruby.Expr) bool {
	switch v := x.(type) {
	case *ruby.ArrayLit:
		for _, el := range v.Elems {
			switch el.(type) {
			case *ruby.StrLit, *ruby.SymLit:
			default:
				return false
			}
		}
		return len(v.Elems) > 0
	case *ruby.IdentRef:
		if vi, ok := e.vars[v.Name]; ok && len(vi.of) == 1 && vi.of[0] == "strs" {
			return true
		}
	case *ruby.CallExpr:
		switch v.Name {
		case "sort", "uniq", "compact", "reverse", "select", "reject", "flatten", "sort_by", "to_a", "dup", "freeze":
			if v.Recv != nil && len(v.Args) == 0 {
				return e.strElems(v.Recv)
			}
		}
	case *ruby.BinaryExpr:
		if v.Op == "+" || v.Op == "-" || v.Op == "|" || v.Op == "&" {
			return e.strElems(v.L) && e.strElems(v.R)
		}
	}
	return e.attrKind(x) == litStrList
}

// noteValue records, of the local name just assigned x, what Ruby's to_s
// needs to know: it holds a list of strings, or a node attribute.
func (e *emitter) noteValue(name string, x ruby.Expr) {
	vi := e.vars[name]
	vi.of = nil
	switch {
	case e.strElems(x):
		vi.of = []string{"strs"}
	default:
		if keys, ok := e.nodeReadKeys(x); ok {
			vi.of = append([]string{"node"}, keys...)
		}
	}
	e.vars[name] = vi
}

func isIdent(x ruby.Expr) bool {
	_, ok := x.(*ruby.IdentRef)
	return ok
}

// searchFact reports whether x reads the name or an Ohai fact of a search
// result, n['fqdn'] or n.fqdn: a string.
func (e *emitter) searchFact(x ruby.Expr) bool {
	var recv ruby.Expr
	var key string
	switch v := x.(type) {
	case *ruby.IndexExpr:
		k, ok := literalKey(v.Args[0])
		if len(v.Args) != 1 || !ok {
			return false
		}
		recv, key = v.Recv, k
	case *ruby.CallExpr:
		if len(v.Args) != 0 || v.Block != nil || v.Recv == nil {
			return false
		}
		recv, key = v.Recv, v.Name
	default:
		return false
	}
	return isIdent(recv) && e.isSearchNode(recv) && (key == "name" || ohaiScalars()[key])
}

// crPropType is the type of the property of the custom resource or
// definition being written that x reads (new_resource.x, x, params[:x]),
// "" when x reads none or may read nil.
func (e *emitter) crPropType(x ruby.Expr) string {
	cr := e.cr
	if cr == nil {
		return ""
	}
	name := ""
	switch v := x.(type) {
	case *ruby.CallExpr:
		if len(v.Args) != 0 || v.Block != nil || !(cr.k.hasProp(v.Name) || v.Name == "name") {
			return ""
		}
		if v.Recv == nil || isNewResource(v.Recv, cr) {
			name = v.Name
		}
	case *ruby.IndexExpr:
		if k, ok := literalKey(v.Args[0]); ok && len(v.Args) == 1 && isParams(v.Recv) {
			if cr.k.style == "definition" && cr.k.written && !cr.k.strict[k] {
				return "" // params.get(k), None when not given
			}
			name = k
		}
	}
	switch {
	case name == "":
		return ""
	case name == "name":
		return "str"
	case cr.k.hasProp(name):
		return cr.k.props[name].typ
	}
	return ""
}

// rubyLitToS is the to_s of nil, true and false, written into the string
// that interpolates them.
func rubyLitToS(x ruby.Expr) (string, bool) {
	switch v := x.(type) {
	case *ruby.NilLit:
		return "", true
	case *ruby.BoolLit:
		if v.Val {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

// defValue is the value a library or recipe method ends with, nil when
// it has a return anywhere.
func defValue(d *libDef) ruby.Expr {
	if strings.Contains(d.body, "return") {
		return nil
	}
	stmts, _ := ruby.Parse(d.body)
	var last ruby.Expr
	for _, s := range stmts {
		if s.Line != d.line || len(d.params) == 0 {
			last = s.X
		}
	}
	return last
}

// defScalar reports whether x, the value a method ends with, is a string
// or an integer: a literal, a choice between literals, or an attribute
// known to be one. The method's locals are not the caller's, so none is
// looked up.
func (e *emitter) defScalar(x ruby.Expr) bool {
	switch v := x.(type) {
	case nil:
		return false
	case *ruby.StrLit, *ruby.SymLit, *ruby.IntLit:
		return true
	case *ruby.TernaryExpr:
		return e.defScalar(v.Yes) && e.defScalar(v.No)
	case *ruby.IfExpr:
		if !v.HasElse || len(v.Else) != 1 {
			return false
		}
		for _, b := range v.Bodies {
			if len(b) != 1 || !e.defScalar(b[0].X) {
				return false
			}
		}
		return e.defScalar(v.Else[0].X)
	case *ruby.IndexExpr, *ruby.CallExpr:
		saved := e.vars
		e.vars = map[string]varInfo{}
		defer func() { e.vars = saved }()
		return e.attrKind(x) != 0
	}
	return false
}

// fileDefValue is the value the method name defined in the file being
// written ends with, nil when it has a return or is not found.
func (e *emitter) fileDefValue(name string) ruby.Expr {
	if e.defValues == nil {
		e.defValues = map[string]ruby.Expr{}
		stmts, _ := ruby.Parse(strings.Join(e.src, "\n"))
		ruby.InspectStmts(stmts, func(x ruby.Expr) bool {
			o, ok := x.(*ruby.OpaqueExpr)
			if !ok || o.Def == nil || len(o.Def.Body) == 0 {
				return true
			}
			returns := false
			ruby.InspectStmts(o.Def.Body, func(y ruby.Expr) bool {
				if j, ok := y.(*ruby.JumpExpr); ok && j.Kind == "return" {
					returns = true
				}
				return !returns
			})
			if _, dup := e.defValues[o.Def.Name]; dup || returns {
				e.defValues[o.Def.Name] = nil
			} else {
				e.defValues[o.Def.Name] = o.Def.Body[len(o.Def.Body)-1].X
			}
			return true
		})
	}
	return e.defValues[name]
}

// multiTypes are the types of the n locals `a, b = x` assigns: "str" for
// a position every list x may be holds a string at (a, b = 'x', "y#{z}";
// value_for_platform_family('debian' => ['a', 'b'], ...)), "" otherwise.
func (e *emitter) multiTypes(x ruby.Expr, n int) []string {
	typs := make([]string, n)
	var lists []*ruby.ArrayLit
	var walk func(x ruby.Expr, depth int) bool
	walk = func(x ruby.Expr, depth int) bool {
		switch v := x.(type) {
		case *ruby.ArrayLit:
			lists = append(lists, v)
			return len(v.Elems) == n
		case *ruby.HashLit:
			// value_for_platform: platform => version => value
			for _, val := range v.Vals {
				if depth == 0 || !walk(val, depth-1) {
					return false
				}
			}
			return len(v.Vals) > 0
		}
		return false
	}
	ok := walk(x, 0)
	if c, isCall := x.(*ruby.CallExpr); isCall && c.Recv == nil && len(c.Args) == 1 {
		switch c.Name {
		case "value_for_platform_family":
			ok = walk(c.Args[0], 1)
		case "value_for_platform":
			ok = walk(c.Args[0], 2)
		}
	}
	if !ok {
		return typs
	}
	for i := range typs {
		typs[i] = "str"
		for _, l := range lists {
			switch l.Elems[i].(type) {
			case *ruby.StrLit, *ruby.SymLit:
			default:
				typs[i] = ""
			}
		}
	}
	return typs
}
