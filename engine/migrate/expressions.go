package migrate

// Expressions: literals, strings, operators and the Ruby methods with a
// Starlark equivalent.

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/converge-cm/converge/engine/migrate/ruby"
)

// cond translates a condition: Ruby truthiness (only nil and false are
// false) differs from Starlark's for 0, "" and empty collections, but a
// condition compares or tests presence in almost every recipe.
//
// A hash element read as a condition (or on the left of ||) is optional:
// Ruby's [] gives nil for a missing key, so `if opts['x']` and
// `opts['x'] || 'dflt'` read it with .get.
func (e *emitter) cond(x ruby.Expr) sx {
	if v, ok := e.optionalIndex(x); ok {
		return v
	}
	if v, ok := e.unsetAttrCond(x); ok {
		return v
	}
	if b, ok := x.(*ruby.BinaryExpr); ok && b.Op == "=~" {
		return e.matchOp(b, true)
	}
	return e.expr(x)
}

func (e *emitter) optionalIndex(x ruby.Expr) (sx, bool) {
	ix, ok := x.(*ruby.IndexExpr)
	if !ok || len(ix.Args) != 1 || e.isList(ix.Recv) {
		return sx{}, false
	}
	switch ix.Args[0].(type) {
	case *ruby.StrLit, *ruby.SymLit:
	default:
		return sx{}, false // an integer or a computed index may read a list
	}
	if isNodeCall(ix.Recv) || isNodePath(ix.Recv) {
		return sx{}, false // node[...]: a missing attribute is an error in converge
	}
	if _, ok := ix.Recv.(*ruby.ConstRef); ok {
		return sx{}, false // Chef::Config[:solo]
	}
	if e.cr != nil && isParams(ix.Recv) {
		return sx{}, false // a definition's params[:x] is its property r.x
	}
	return atom(e.expr(ix.Recv).in(pPostfix) + ".get(" + e.expr(ix.Args[0]).code + ")"), true
}

func (e *emitter) expr(x ruby.Expr) sx {
	if v, ok := e.customExpr(x); ok { // custom.go: new_resource.x, params[:x]
		return v
	}
	switch v := x.(type) {
	case *ruby.StrLit:
		return e.str(v)
	case *ruby.SymLit:
		return sx{code: starQuote(v.Name), prec: pPostfix, str: true}
	case *ruby.IntLit:
		if len(v.Text) > 1 && v.Text[0] == '0' && v.Text[1] >= '0' && v.Text[1] <= '9' {
			return atom(fmt.Sprintf("0o%o", v.Val))
		}
		if v.Val < 0 {
			return sx{code: strconv.FormatInt(v.Val, 10), prec: pUnary}
		}
		return atom(strconv.FormatInt(v.Val, 10))
	case *ruby.FloatLit:
		if strings.HasPrefix(v.Text, "-") {
			return sx{code: v.Text, prec: pUnary}
		}
		return atom(v.Text)
	case *ruby.NilLit:
		return atom("None")
	case *ruby.BoolLit:
		if v.Val {
			return atom("True")
		}
		return atom("False")
	case *ruby.ArrayLit:
		parts := make([]string, len(v.Elems))
		for i, el := range v.Elems {
			parts[i] = e.expr(el).code
		}
		return atom("[" + strings.Join(parts, ", ") + "]")
	case *ruby.HashLit:
		parts := make([]string, len(v.Keys))
		for i := range v.Keys {
			parts[i] = e.hashKey(v.Keys[i]) + ": " + e.expr(v.Vals[i]).code
		}
		return atom("{" + strings.Join(parts, ", ") + "}")
	case *ruby.IdentRef:
		return e.ident(v)
	case *ruby.IVarRef:
		no("@"+v.Name, "instance variables have no converge equivalent")
	case *ruby.ConstRef:
		if name, ok := chefProviders[strings.TrimPrefix(v.Path, "::")]; ok {
			return atom(starQuote(name))
		}
		no(v.Path, "Ruby constants and classes have no converge equivalent")
	case *ruby.SelfLit:
		no("self", "the Chef recipe object has no converge equivalent")
	case *ruby.IndexExpr:
		if cr, ok := v.Recv.(*ruby.ConstRef); ok && strings.TrimPrefix(cr.Path, "::") == "Chef::Config" && len(v.Args) == 1 {
			if k, ok := v.Args[0].(*ruby.SymLit); ok && k.Name == "solo" {
				// solo is Chef without a server, as converge always is
				return atom("True")
			}
			if k, ok := v.Args[0].(*ruby.SymLit); ok && k.Name == "file_cache_path" {
				if e.inAction != "" && !e.inDef {
					// the action declares the directory (kindAction)
					e.usesCache = true
					return sx{code: starQuote(cacheDir), prec: pPostfix, str: true}
				}
				if e.kind != kindRecipe || e.recipe == "" || e.inDef || e.cr != nil {
					no("Chef::Config[:file_cache_path]", "converge's cache directory is "+cacheDir+", which a recipe declares; use that path and declare directory(\""+cacheDir+"\") in the recipe")
				}
				// the recipe declares the directory (translateFileKinds)
				e.usesCache = true
				return sx{code: starQuote(cacheDir), prec: pPostfix, str: true}
			}
		}
		return e.index(v)
	case *ruby.CallExpr:
		return e.call(v)
	case *ruby.BinaryExpr:
		return e.binary(v)
	case *ruby.UnaryExpr:
		switch v.Op {
		case "!":
			if b, ok := v.X.(*ruby.BinaryExpr); ok && b.Op == "=~" {
				return e.matchOp(&ruby.BinaryExpr{Line: b.Line, Op: "!~", L: b.L, R: b.R}, true)
			}
			return sx{code: "not " + e.cond(v.X).in(pNot), prec: pNot}
		case "-":
			return sx{code: "-" + e.expr(v.X).in(pUnary), prec: pUnary}
		case "+":
			return e.expr(v.X)
		case "defined?":
			return e.defined(v.X)
		}
		no(v.Op, "this operator is not translated")
	case *ruby.TernaryExpr:
		c := e.cond(v.Cond)
		return sx{code: e.expr(v.Yes).in(pOr) + " if " + c.in(pOr) + " else " + e.expr(v.No).in(pTernary), prec: pTernary}
	case *ruby.RangeExpr:
		return atom(e.iterable(v, sx{}))
	case *ruby.XStrExpr:
		no("`command`", "running commands while compiling has no converge equivalent; use a guard or an execute")
	case *ruby.RegexExpr:
		return e.regexLit(v).sx
	case *ruby.IfExpr:
		if len(v.Conds) == 1 && len(v.Bodies[0]) == 1 && v.HasElse && len(v.Else) == 1 && !v.Unless {
			return sx{code: e.expr(v.Bodies[0][0].X).in(pOr) + " if " + e.cond(v.Conds[0]).in(pOr) + " else " + e.expr(v.Else[0].X).in(pTernary), prec: pTernary}
		}
		no("if as a value", "only `if c then a else b end` with one value per branch is translated")
	case *ruby.CaseExpr:
		return e.caseValue(v)
	case *ruby.AssignExpr:
		no("assignment inside an expression", "not translated")
	case *ruby.OpaqueExpr:
		if name, ok := lastMatchVar(v); ok {
			return e.lastMatchGroup(name)
		}
		no(v.What, "arbitrary Ruby has no converge equivalent")
	case *ruby.BadExpr:
		no("unreadable Ruby", v.Why)
	}
	no("expression", "not translated")
	return sx{}
}

// caseValue translates a case used as a value (`x = case ... end` as an
// attribute, a property's argument) into nested conditional expressions:
// each when's value if its test holds, the else's value, or None when no
// branch is taken, as in Ruby. Each branch must be one expression.
func (e *emitter) caseValue(x *ruby.CaseExpr) sx {
	one := func(body []*ruby.Stmt) sx {
		switch len(body) {
		case 0:
			return atom("None")
		case 1:
			return e.expr(body[0].X)
		}
		no("case as a value", "a branch of several statements; assign the variable inside each branch instead")
		return sx{}
	}
	var subj sx
	if x.Subject != nil {
		subj = e.expr(x.Subject)
	}
	tail := atom("None")
	if x.HasElse {
		tail = one(x.Else)
	}
	for i := len(x.Whens) - 1; i >= 0; i-- {
		code, err := e.tryWhen(x.Subject != nil, subj, x.Whens[i])
		if err != nil {
			panic(err)
		}
		tail = sx{code: ternaryOperand(one(x.Bodies[i]).in(pOr)) + " if " + ternaryOperand(code) + " else " + tail.in(pTernary), prec: pTernary}
	}
	return tail
}

func (e *emitter) hashKey(k ruby.Expr) string {
	if s, ok := k.(*ruby.SymLit); ok {
		return starQuote(s.Name)
	}
	return e.expr(k).code
}

func isPlain(s *ruby.StrLit) bool {
	for _, p := range s.Parts {
		if p.IsCode {
			return false
		}
	}
	return true
}

func plain(s *ruby.StrLit) string {
	var b strings.Builder
	for _, p := range s.Parts {
		b.WriteString(p.Lit)
	}
	return b.String()
}

// str translates a Ruby string, with interpolation as Starlark % formatting.
func (e *emitter) str(s *ruby.StrLit) sx {
	if isPlain(s) {
		return sx{code: starQuote(plain(s)), prec: pPostfix, str: true}
	}
	var format strings.Builder
	var args []sx
	for _, p := range s.Parts {
		if p.IsCode {
			if lit, ok := rubyLitToS(p.X); ok {
				format.WriteString(lit) // "#{nil}", "#{true}"
				continue
			}
			a := e.expr(p.X)
			if lit, ok := unquoteStar(a.code); ok && a.prec == pPostfix {
				format.WriteString(strings.ReplaceAll(lit, "%", "%%"))
				continue
			}
			if !e.printsAsRuby(p.X, a) {
				// "#{true}" is "true" in Ruby, "%s" % True "True" (rubystr.go)
				a = e.rubyToS(p.X, a)
			}
			format.WriteString("%s")
			args = append(args, a)
			continue
		}
		format.WriteString(strings.ReplaceAll(p.Lit, "%", "%%"))
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
	"call": true, "zero?": true, "dig": true, "kind_of?": true, "is_a?": true, "instance_of?": true, "respond_to?": true,
	"sample": true, "shuffle": true, "sort_by": true, "group_by": true, "each_slice": true, "each_key": true,
	"each_value": true, "values_at": true, "flat_map": true, "inject": true, "reduce": true, "min_by": true,
	"max_by": true, "tap": true, "to_set": true, "casecmp": true, "squeeze": true, "chars": true, "each_cons": true,
	"match": true, "scan": true, "captures": true, "named_captures": true, "pre_match": true, "post_match": true,
}

// isRubyMethod reports whether x.name, read without arguments, calls a
// Ruby method rather than reading the attribute name the method-call
// syntax of Chef's node (node.app.port) reads: a name of rubyMethods, or
// one ending in ? or !, which no attribute is read as.
func isRubyMethod(name string) bool {
	return rubyMethods[name] || strings.HasSuffix(name, "?") || strings.HasSuffix(name, "!")
}

func (e *emitter) call(c *ruby.CallExpr) sx {
	if c.Recv == nil {
		return e.selfCall(c)
	}
	if cr, ok := c.Recv.(*ruby.ConstRef); ok {
		return e.constCall(cr, c)
	}
	if v, ok := e.searchMethod(c); ok {
		return v
	}
	if isNodeCall(c.Recv) {
		if facts[c.Name] && len(c.Args) == 0 && c.Block == nil {
			return sx{code: "node." + c.Name, prec: pPostfix, str: true}
		}
		if c.Name == "name" && len(c.Args) == 0 {
			return sx{code: "node.name", prec: pPostfix, str: true}
		}
		if c.Name == "chef_environment" && len(c.Args) == 0 && c.Block == nil {
			return sx{code: "node.chef_environment", prec: pPostfix, str: true}
		}
		if c.Name == "run_state" && len(c.Args) == 0 && c.Block == nil {
			if e.kind == kindAttributes {
				no("node.run_state", "run_state is for recipes; an attributes file sets attributes")
			}
			return atom("run_state")
		}
		if why, ok := nodeMethods[c.Name]; ok {
			no("node."+c.Name, why)
		}
		if _, ok := attrRoots[c.Name]; ok {
			if e.kind == kindAttributes {
				return atom(attrRoots[c.Name])
			}
			no("node."+c.Name, "reading a precedence level from a recipe; read node[...] instead")
		}
	}
	if v, ok := e.versionConstraint(c); ok {
		return v
	}
	if v, ok := e.regexBlockCall(c); ok {
		return v
	}
	if c.Block != nil {
		return e.blockCall(c)
	}
	if v, ok := e.regexCall(c); ok {
		return v
	}
	recv := e.expr(c.Recv)
	r := recv.in(pPostfix)
	arg := func(i int) sx { return e.expr(c.Args[i]) }
	nargs := func(n ...int) {
		for _, k := range n {
			if len(c.Args) == k {
				return
			}
		}
		no("."+c.Name, fmt.Sprintf("unexpected number of arguments (%d)", len(c.Args)))
	}
	switch c.Name {
	case "uniq":
		nargs(0)
		return atom("(lambda _l: [_x for _i, _x in enumerate(_l) if _x not in _l[:_i]])(list(" + recv.code + "))")
	case "kind_of?", "is_a?", "instance_of?":
		nargs(1)
		cr, ok := c.Args[0].(*ruby.ConstRef)
		if !ok {
			no("."+c.Name, "the class is not a constant")
		}
		types, ok := rubyTypes[strings.TrimPrefix(cr.Path, "::")]
		if !ok {
			no("."+c.Name+"("+cr.Path+")", "this class has no Starlark type")
		}
		return typeTest(recv, types)
	case "respond_to?":
		nargs(1)
		m, _ := literalKey(c.Args[0])
		types, ok := respondTypes[m]
		if !ok {
			no(".respond_to?("+m+")", "only "+respondNames()+" are translated")
		}
		return typeTest(recv, types)
	case "to_s", "to_str":
		nargs(0)
		return e.rubyToS(c.Recv, recv) // nil.to_s is "", true.to_s "true"
	case "to_sym", "dup", "freeze":
		nargs(0)
		return recv
	case "to_h", "to_hash":
		nargs(0)
		return atom("dict(" + recv.code + ")") // a hash, or a list of pairs
	case "to_i":
		nargs(0)
		// String#to_i reads the leading digits ("2048000kB" is 2048000, "7.1"
		// is 7, "x" is 0); Integer and Float#to_i are what str() writes
		// before the point
		if strings.HasSuffix(recv.code, "platform_version") {
			// a version starts with its digits
			return atom("int(" + r + ".split(\".\")[0])")
		}
		s := recv.code
		if !recv.str {
			s = "str(" + s + ")"
		}
		return atom(`(lambda s: (lambda t: int(t) if t.lstrip("+-") else 0)(s[:([i for i, c in enumerate(s.elems()) if not (c.isdigit() or (i == 0 and c in "+-"))] + [len(s)])[0]]))(` + s + `.strip())`)
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
		m := map[string]string{"upcase": "upper", "downcase": "lower", "capitalize": "capitalize", "strip": "strip", "lstrip": "lstrip", "rstrip": "rstrip"}[c.Name]
		return sx{code: r + "." + m + "()", prec: pPostfix, str: true}
	case "chomp":
		nargs(0, 1)
		if len(c.Args) == 1 {
			// chomp(s) drops the suffix s when the string ends with it
			// (chomp("") drops every trailing line break: not translated)
			if sl, ok := c.Args[0].(*ruby.StrLit); !ok || !isPlain(sl) || plain(sl) == "" || plain(sl) == "\n" {
				// a computed separator, "" or "\n" (which drop line
				// breaks of either kind): Ruby's chomp
				return sx{code: "rb_chomp(" + recv.code + ", " + arg(0).code + ")", prec: pPostfix, str: true}
			}
			return sx{code: r + ".removesuffix(" + arg(0).code + ")", prec: pPostfix, str: true}
		}
		return sx{code: r + `.removesuffix("\n")`, prec: pPostfix, str: true}
	case "compact":
		// nil elements (an Array) or nil values (a Hash) dropped
		nargs(0)
		return atom("(lambda _c: {_k: _v for _k, _v in _c.items() if _v != None} if type(_c) in (\"dict\", \"attributes\") else [_x for _x in _c if _x != None])(" + recv.code + ")")
	case "split":
		nargs(0, 1)
		if len(c.Args) == 0 {
			return atom(r + ".split()")
		}
		if sl, ok := c.Args[0].(*ruby.StrLit); ok && isPlain(sl) && plain(sl) == " " {
			// Ruby's split(' ') is awk-style: runs of white space, none
			// leading or trailing
			return atom(r + ".split()")
		}
		// Ruby drops the empty fields at the end: "".split(",") is [],
		// where Starlark's is [""]
		return atom("rb_split(" + recv.code + ", " + arg(0).code + ")")
	case "join":
		nargs(0, 1)
		sep := atom(`""`)
		if len(c.Args) == 1 {
			sep = arg(0)
		}
		return sx{code: sep.in(pPostfix) + ".join(" + recv.code + ")", prec: pPostfix, str: true}
	case "length", "size", "count":
		if c.Name == "count" && len(c.Args) == 1 {
			// a list's elements equal to x; a string's characters in x
			// (a set of plain characters: no ranges or negation)
			if sl, ok := c.Args[0].(*ruby.StrLit); ok && (!isPlain(sl) || strings.ContainsAny(plain(sl), "-^\\")) {
				no(".count", "counting the characters of a set with ranges or negation is not translated")
			}
			return atom("(lambda _s, _x: len([_c for _c in _s.elems() if _c in _x]) if type(_s) == \"string\" else len([_y for _y in _s if _y == _x]))(" + recv.code + ", " + arg(0).code + ")")
		}
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
	case "eql?", "equal?":
		// eql? is == without numeric conversion (1.eql?(1.0) is false),
		// which Starlark's == also keeps apart only by type; equal? is
		// identity, the same as == for the strings and numbers compared
		nargs(1)
		return sx{code: recv.in(pCmp+1) + " == " + arg(0).in(pCmp+1), prec: pCmp}
	case "include?", "member?", "key?", "has_key?":
		nargs(1)
		return sx{code: arg(0).in(pCmp+1) + " in " + recv.in(pCmp+1), prec: pCmp}
	case "start_with?", "end_with?":
		nargs(1)
		m := map[string]string{"start_with?": "startswith", "end_with?": "endswith"}[c.Name]
		return atom(r + "." + m + "(" + arg(0).code + ")")
	case "sample":
		// Chef picks an element at random; any element will do, so
		// converge takes the first (and stays reproducible)
		nargs(0)
		return atom(r + "[0]")
	case "first", "last":
		nargs(0, 1)
		if len(c.Args) == 1 {
			if c.Name == "first" {
				return atom(r + "[:" + arg(0).code + "]")
			}
			return atom(r + "[-" + arg(0).in(pUnary) + ":]")
		}
		if c.Name == "first" {
			return atom(r + "[0]")
		}
		return atom(r + "[-1]")
	case "keys", "values":
		nargs(0)
		return atom(r + "." + c.Name + "()")
	case "sort", "reverse", "min", "max":
		nargs(0)
		f := map[string]string{"sort": "sorted", "reverse": "reversed", "min": "min", "max": "max"}[c.Name]
		return atom(f + "(" + recv.code + ")")
	case "sum":
		// the elements added to init (0): a running total, as Starlark
		// has no sum
		nargs(0, 1)
		init := "0"
		if len(c.Args) == 1 {
			init = arg(0).code
		}
		return atom(sumExpr("list("+recv.code+")", init))
	case "nil_or_empty?":
		// Chef's core extension form of the nil_or_empty? helper
		nargs(0)
		return atom(nilOrEmpty(recv.code))
	case "each_slice":
		// the elements in lists of n, the last one shorter
		nargs(1)
		return atom("(lambda _l, _n: [_l[_i:_i + _n] for _i in range(0, len(_l), _n)])(list(" + recv.code + "), " + arg(0).code + ")")
	case "zip":
		// pairs of this list's elements and the other's, nil past its end
		nargs(1)
		return atom("(lambda _l, _z: [[_a, _z[_i] if _i < len(_z) else None] for _i, _a in enumerate(_l)])(list(" + recv.code + "), list(" + arg(0).code + "))")
	case "find_index", "index":
		// the first position of x, nil when there is none
		nargs(1)
		if c.Name == "index" {
			return atom("(lambda _s, _x: (lambda _i: None if _i < 0 else _i)(_s.find(_x)) if type(_s) == \"string\" else ([_i for _i, _y in enumerate(_s) if _y == _x] + [None])[0])(" + recv.code + ", " + arg(0).code + ")")
		}
		return atom("(lambda _s, _x: ([_i for _i, _y in enumerate(_s) if _y == _x] + [None])[0])(" + recv.code + ", " + arg(0).code + ")")
	case "drop", "take":
		// the list (or string) past its first n elements, or those n
		nargs(1)
		if c.Name == "drop" {
			return atom(r + "[" + arg(0).code + ":]")
		}
		return atom(r + "[:" + arg(0).code + "]")
	case "rindex":
		// the last position of x (a substring, or an element), nil when
		// there is none (Starlark's rfind says -1)
		nargs(1)
		return atom("(lambda _s, _x: (lambda _i: None if _i < 0 else _i)(_s.rfind(_x)) if type(_s) == \"string\" else ([_i for _i in range(len(_s)) if _s[_i] == _x] or [None])[-1])(" + recv.code + ", " + arg(0).code + ")")
	case "tr":
		// one character for another is a replace; character sets
		// (ranges, ^ negation, several characters) are Ruby's tr
		nargs(2)
		if trChar(c.Args[0]) && trChar(c.Args[1]) {
			return sx{code: r + ".replace(" + arg(0).code + ", " + arg(1).code + ")", prec: pPostfix, str: true}
		}
		return sx{code: "rb_tr(" + recv.code + ", " + arg(0).code + ", " + arg(1).code + ")", prec: pPostfix, str: true}
	case "send", "public_send":
		// obj.send(:name, args...) with a literal name is obj.name(args...)
		if len(c.Args) > 0 {
			if sym, ok := c.Args[0].(*ruby.SymLit); ok && sym.Name != "send" && sym.Name != "public_send" {
				d := *c
				d.Name, d.Args = sym.Name, c.Args[1:]
				return e.call(&d)
			}
		}
		no("."+c.Name, "calling a method named at run time is not translated")
	case "gsub", "sub":
		nargs(2)
		if c.Name == "sub" {
			return sx{code: r + ".replace(" + arg(0).code + ", " + arg(1).code + ", 1)", prec: pPostfix, str: true}
		}
		return sx{code: r + ".replace(" + arg(0).code + ", " + arg(1).code + ")", prec: pPostfix, str: true}
	case "fetch":
		nargs(1, 2)
		if len(c.Args) == 1 {
			return atom(r + "[" + arg(0).code + "]")
		}
		return atom(r + ".get(" + arg(0).code + ", " + arg(1).code + ")")
	case "merge":
		nargs(1)
		return atom("dict(" + recv.code + ", **" + arg(0).in(pPostfix) + ")")
	case "insert":
		nargs(2)
		return atom(insertExpr(recv.code, arg(0).code, arg(1).code))
	case "call":
		args := make([]string, len(c.Args))
		for i := range c.Args {
			args[i] = arg(i).code
		}
		return atom(r + "(" + strings.Join(args, ", ") + ")")
	}
	if len(c.Args) == 0 && c.Block == nil && !isRubyMethod(c.Name) && e.kind == kindAttributes {
		if _, _, ok := e.attrTarget(c.Recv); ok {
			// default.app.port, d.port of a local level: the key's value
			return atom(r + "[" + starQuote(c.Name) + "]")
		}
	}
	if isNodePath(c) {
		// node.attr.sub: method-style attribute access
		if facts[c.Name] && isNodeCall(c.Recv) {
			return atom("node." + c.Name)
		}
		return atom(r + "[" + starQuote(c.Name) + "]")
	}
	if why, ok := rubyOnly[c.Name]; ok {
		no("."+c.Name, why)
	}
	no("."+c.Name, "this Ruby method is not translated")
	return sx{}
}

// sumExpr is the Starlark of Ruby's list.sum(init): each element added
// to a running total that starts at init.
func sumExpr(list, init string) string {
	return "(lambda _l, _a: ([_a.append(_a[-1] + _x) for _x in _l], _a[-1])[1])(" + list + ", [" + init + "])"
}

// nilOrEmpty is the Starlark of Ruby's x.nil? || x.empty? for a String,
// Array or Hash x (other values are not empty).
func nilOrEmpty(x string) string {
	return "(lambda _v: _v == None or (type(_v) in (\"string\", \"list\", \"tuple\", \"dict\", \"attributes\") and len(_v) == 0))(" + x + ")"
}

// trChar reports whether x is a plain one-character string literal, which
// tr reads as itself (a lone ^, - or backslash builds no character set).
func trChar(x ruby.Expr) bool {
	sl, ok := x.(*ruby.StrLit)
	if !ok || !isPlain(sl) {
		return false
	}
	p := plain(sl)
	return len([]rune(p)) == 1
}

func (e *emitter) blockCall(c *ruby.CallExpr) sx {
	b := c.Block
	params, stmts := b.Params, b.Body
	group := false
	if len(b.Groups) > 0 {
		// |(k, v)| is |k, v|; on a list, its elements unpacked
		if len(b.Params) != 1 || len(b.Groups[0]) != 2 {
			no("."+c.Name+" { }", "destructuring block parameters of this form are not translated")
		}
		params, stmts, group = b.Groups[0], b.Unpacked(), true
	}
	if len(stmts) != 1 || len(params) < 1 || len(params) > 2 {
		no("."+c.Name+" { }", "only blocks of one or two parameters and one expression are translated")
	}
	recv := e.expr(c.Recv)
	saved := copyVars(e.vars)
	defer func() { e.vars = saved }()
	// |k, v| walks a hash's pairs
	pair := len(params) == 2
	list := e.isList(c.Recv)
	if pair && list && !group {
		no("."+c.Name+" { |a, b| } on a list", "destructuring list elements is not translated")
	}
	var v, over, elem string
	switch {
	case pair && list:
		a, z := e.bind(params[0], ""), e.bind(params[1], "")
		v, over, elem = a+", "+z, recv.in(pOr), "["+a+", "+z+"]"
	case pair:
		k, val := e.bind(params[0], "str"), e.bind(params[1], "")
		v, over, elem = k+", "+val, recv.in(pPostfix)+".items()", "["+k+", "+val+"]"
	default:
		v = e.bind(params[0], e.elemType(c.Recv))
		over, elem = recv.in(pOr), v
	}
	body := e.expr(stmts[0].X)
	switch c.Name {
	case "map", "collect":
		return atom("[" + body.in(pOr) + " for " + v + " in " + over + "]")
	case "select", "filter", "reject":
		cond := " if " + body.in(pOr)
		if c.Name == "reject" {
			cond = " if not " + body.in(pNot)
		}
		if pair { // Hash#select is a hash
			return atom("{" + strings.Replace(v, ", ", ": ", 1) + " for " + v + " in " + over + cond + "}")
		}
		return atom("[" + v + " for " + v + " in " + over + cond + "]")
	case "sort_by":
		// sorted by the keys the block computes; ties keep their order
		// (Ruby's sort_by does not promise one)
		if pair {
			return atom("[_p[1] for _p in sorted([(" + body.in(pOr) + ", " + elem + ") for " + v + " in " + over + "], key = lambda _p: _p[0])]")
		}
		return atom("sorted(" + over + ", key = lambda " + v + ": " + body.in(pOr) + ")")
	case "any?":
		return atom("any([" + body.in(pOr) + " for " + v + " in " + over + "])")
	case "all?":
		return atom("all([" + body.in(pOr) + " for " + v + " in " + over + "])")
	case "sum":
		return atom(sumExpr("["+body.in(pOr)+" for "+v+" in "+over+"]", "0"))
	case "count":
		return atom("len([1 for " + v + " in " + over + " if " + body.in(pOr) + "])")
	case "flat_map", "collect_concat":
		// an Array the block gives is spliced in, one level
		return atom("[_y for " + v + " in " + over + " for _y in (lambda _r: _r if type(_r) == \"list\" else [_r])(" + body.code + ")]")
	}
	if pair {
		no("."+c.Name+" { |k, v| }", "this iterator over a hash's pairs is not translated as a value")
	}
	switch c.Name {
	case "min_by", "max_by":
		// the first element of the least (greatest) key; nil when empty
		f := strings.TrimSuffix(c.Name, "_by")
		return atom("(lambda _l: " + f + "(_l, key = lambda " + v + ": " + body.in(pOr) + ") if _l else None)(list(" + recv.code + "))")
	case "group_by":
		// a hash of the keys, in first-seen order, to their elements
		return atom("(lambda _g: ([_g.setdefault(" + body.in(pOr) + ", []).append(" + v + ") for " + v + " in " + over + "], _g)[1])({})")
	case "partition":
		return atom("(lambda _l: [[" + v + " for " + v + " in _l if " + body.in(pOr) + "], [" + v + " for " + v + " in _l if not " + body.in(pNot) + "]])(list(" + recv.code + "))")
	case "find_index":
		return atom("([_i for _i, " + v + " in enumerate(" + over + ") if " + body.in(pOr) + "] + [None])[0]")
	case "each_with_index", "each", "each_pair":
		no("."+c.Name+" { } as a value", "an iterator used as a value is not translated; loop over it as a statement")
	}
	no("."+c.Name+" { }", "this iterator is not translated as a value")
	return sx{}
}

func (e *emitter) selfCall(c *ruby.CallExpr) sx {
	if x, ok := e.dataBagCall(c); ok && c.Name != "load" {
		return x
	}
	if x, ok := e.searchCall(c); ok {
		return x
	}
	switch c.Name {
	case "send", "public_send":
		// send(:name, args...) with a literal name is name(args...)
		if len(c.Args) > 0 {
			if sym, ok := c.Args[0].(*ruby.SymLit); ok && sym.Name != "send" && sym.Name != "public_send" {
				d := *c
				d.Name, d.Args = sym.Name, c.Args[1:]
				return e.call(&d)
			}
		}
	case "nil_or_empty?":
		// the helper cookbooks define: whether any argument is nil or
		// an empty String, Array or Hash
		if len(c.Args) > 0 && c.Block == nil {
			var parts []string
			for _, a := range c.Args {
				parts = append(parts, nilOrEmpty(e.expr(a).code))
			}
			if len(parts) == 1 {
				return atom(parts[0])
			}
			return atom("any([" + strings.Join(parts, ", ") + "])")
		}
	case "node":
		if len(c.Args) == 0 && c.Block == nil {
			return atom("node")
		}
	case "cookbook_name":
		return sx{code: starQuote(e.cookbook), prec: pPostfix, str: true}
	case "recipe_name":
		return sx{code: starQuote(e.recipe), prec: pPostfix, str: true}
	case "platform?", "platform_family?":
		if len(c.Args) == 0 || c.Block != nil {
			break
		}
		f := strings.TrimSuffix(c.Name, "?")
		var vals []string
		for _, a := range c.Args {
			if arr, ok := a.(*ruby.ArrayLit); ok {
				for _, el := range arr.Elems {
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
		if c.Block != nil && len(c.Block.Body) == 1 {
			saved := copyVars(e.vars)
			defer func() { e.vars = saved }()
			var params []string
			for _, p := range c.Block.Params {
				params = append(params, e.bind(p, ""))
			}
			body := e.expr(c.Block.Body[0].X)
			if len(params) == 0 {
				return sx{code: "lambda: " + body.code, prec: pLambda}
			}
			return sx{code: "lambda " + strings.Join(params, ", ") + ": " + body.code, prec: pLambda}
		}
		no(c.Name, "only one-expression lambdas are translated")
	case "format", "sprintf":
		if len(c.Args) >= 1 {
			return e.format(c.Args[0], e.expr(c.Args[0]), c.Args[1:], false)
		}
	case "value_for_platform", "value_for_platform_family":
		return e.valueForPlatform(c)
	case "lazy":
		// converge has no lazy values: a block reading node attributes and
		// recipe variables gives at compile time what it would give at
		// converge time, since nothing a translated recipe runs changes
		// them in between; anything else is not translated
		if c.Block != nil && len(c.Block.Params) == 0 && len(c.Block.Body) == 1 && len(c.Args) == 0 {
			return e.expr(c.Block.Body[0].X)
		}
		no("lazy", "only a one-expression lazy block without parameters is translated (evaluated at compile time)")
	case "Integer":
		if len(c.Args) == 1 {
			return atom("int(" + e.expr(c.Args[0]).code + ")")
		}
	case "String":
		if len(c.Args) == 1 {
			return sx{code: "str(" + e.expr(c.Args[0]).code + ")", prec: pPostfix, str: true}
		}
	case "Array":
		if len(c.Args) == 1 {
			// Kernel#Array: nil is [], an array itself, a hash its pairs,
			// anything else a one-element array
			return atom("(lambda _v: [] if _v == None else list(_v) if type(_v) == \"list\" else [[_k, _v[_k]] for _k in _v] if type(_v) in (\"dict\", \"attributes\") else [_v])(" + e.expr(c.Args[0]).code + ")")
		}
	}
	if why, ok := rubyOnly[c.Name]; ok {
		no(c.Name, why)
	}
	if bareNodeMethods[c.Name] && len(c.Args) == 0 && c.Block == nil && !c.Parens && e.cr == nil && e.valueHelpers == nil && e.lib.lookup(c.Name) == nil {
		if _, res := chefResource(c.Name); e.kind == kindAttributes || e.kind == kindRecipe && !res {
			// an attribute file runs in the node, which reads these
			// bare (ipaddress is node['ipaddress']), and old Chef's
			// recipes did; in a recipe hostname is the resource
			return e.expr(&ruby.IndexExpr{Line: c.Line, Recv: &ruby.CallExpr{Line: c.Line, Name: "node"},
				Args: []ruby.Expr{&ruby.StrLit{Line: c.Line, Parts: []ruby.StrElem{{Lit: c.Name}}}}})
		}
	}
	if _, ok := chefResource(c.Name); ok {
		no(c.Name, "a resource used as a value")
	}
	if _, ok := attrRoots[c.Name]; ok && e.kind == kindAttributes && len(c.Args) == 0 && c.Block == nil {
		return atom(attrRoots[c.Name])
	}
	if free, ok := e.valueHelpers[c.Name]; ok && c.Block == nil {
		if !free {
			no(c.Name+"(...)", "a method of the kind that reads the resource: converge coerces a value before the resource is complete, so a coerce has no resource to give it")
		}
		// a kind's method a coerce calls: it reads no resource
		e.coerceCallsHelper = true
		parts := []string{"None"}
		for _, a := range c.Args {
			parts = append(parts, e.expr(a).code)
		}
		return atom(helperStar(c.Name) + "(" + strings.Join(parts, ", ") + ")")
	}
	if v, ok := e.helperCall(c, ""); ok {
		return v
	}
	if h, ok := chefUtilsHelpers[c.Name]; ok && len(c.Args) == 0 && c.Block == nil {
		return sx{code: h, prec: pCmp}
	}
	if len(c.Args) == 0 && c.Block == nil && !c.Parens {
		no(c.Name, "unknown local variable or method (a library helper?)")
	}
	no(c.Name+"(...)", "unknown method (a library helper?)")
	return sx{}
}

func (e *emitter) constCall(cr *ruby.ConstRef, c *ruby.CallExpr) sx {
	p := strings.TrimPrefix(cr.Path, "::")
	if v, ok := e.helperCall(c, p); ok {
		return v
	}
	switch {
	case p == "File" && c.Name == "join" && len(c.Args) >= 1:
		var args []string
		for _, a := range c.Args {
			args = append(args, e.expr(a).code)
		}
		return sx{code: `"/".join([` + strings.Join(args, ", ") + "])", prec: pPostfix, str: true}
	case p == "File" && c.Name == "basename" && len(c.Args) == 1:
		return sx{code: e.expr(c.Args[0]).in(pPostfix) + `.rsplit("/", 1)[-1]`, prec: pPostfix, str: true}
	case p == "File" && c.Name == "dirname" && len(c.Args) == 1:
		// Ruby's dirname: trailing and doubled slashes go, "/" and "."
		// when nothing is left
		return sx{code: `(lambda _p: _p.rstrip("/").rpartition("/")[0].rstrip("/") or ("/" if _p.startswith("/") else "."))(` + e.expr(c.Args[0]).code + ")", prec: pPostfix, str: true}
	case p == "Regexp" && (c.Name == "escape" || c.Name == "quote") && len(c.Args) == 1 && c.Block == nil:
		return sx{code: "re.escape(" + e.expr(c.Args[0]).code + ")", prec: pPostfix, str: true}
	case p == "Regexp" && c.Name == "last_match" && len(c.Args) <= 1 && c.Block == nil:
		if len(c.Args) == 0 {
			return e.lastMatchGroup("$~")
		}
		n, ok := c.Args[0].(*ruby.IntLit)
		if !ok || n.Val < 0 || n.Val > 9 {
			no("Regexp.last_match", "only a group number 0 to 9 is translated")
		}
		return e.lastMatchGroup("$" + strconv.FormatInt(n.Val, 10))
	case p == "Regexp" && c.Name == "union" && c.Block == nil:
		return e.regexpUnion(c)
	case p == "Regexp" && (c.Name == "new" || c.Name == "compile"):
		return e.regexpNew(c)
	case p == "File" || p == "Dir" || p == "IO" || p == "FileTest":
		no(cr.Path+"."+c.Name, "reads the files of the machine running the migration, not of the node; use a guard or a fact")
	case (p == "Hash" || p == "Array") && c.Name == "new" && len(c.Args) == 0 && c.Block == nil:
		return atom(map[string]string{"Hash": "{}", "Array": "[]"}[p])
	case p == "Chef::EncryptedDataBagItem" && c.Name == "load" || p == "Chef::DataBagItem" && c.Name == "load":
		if x, ok := e.dataBagCall(c); ok {
			return x
		}
	case p == "Chef::Log":
		no("Chef::Log."+c.Name, "a log message as a value; write it as a statement")
	case strings.HasPrefix(p, "Chef::"):
		no(cr.Path+"."+c.Name, "Chef internals have no converge equivalent")
	}
	no(cr.Path+"."+c.Name, "Ruby classes have no converge equivalent")
	return sx{}
}

func (e *emitter) binary(v *ruby.BinaryExpr) sx {
	switch v.Op {
	case "&&":
		return sx{code: e.cond(v.L).in(pAnd) + " and " + e.cond(v.R).in(pAnd+1), prec: pAnd}
	case "||":
		return sx{code: e.cond(v.L).in(pOr) + " or " + e.expr(v.R).in(pOr+1), prec: pOr}
	case "==", "!=", "<", ">", "<=", ">=":
		return sx{code: e.expr(v.L).in(pCmp+1) + " " + v.Op + " " + e.expr(v.R).in(pCmp+1), prec: pCmp}
	case "+", "-":
		l, r := e.expr(v.L), e.expr(v.R)
		return sx{code: l.in(pAdd) + " " + v.Op + " " + r.in(pAdd+1), prec: pAdd, str: l.str && r.str}
	case "*", "%":
		l, r := e.expr(v.L), e.expr(v.R)
		if v.Op == "%" && l.str {
			if a, ok := v.R.(*ruby.ArrayLit); ok {
				return e.format(v.L, l, a.Elems, false)
			}
			if sl, ok := v.L.(*ruby.StrLit); ok && isPlain(sl) {
				// one argument, not a list: Ruby would spread a list
				// given here, which the translation cannot tell
				if c, _ := formatConversions(plain(sl)); len(c) == 1 {
					return e.format(v.L, l, []ruby.Expr{v.R}, true)
				}
			}
		}
		return sx{code: l.in(pMul) + " " + v.Op + " " + r.in(pMul+1), prec: pMul}
	case "/":
		l, r := e.expr(v.L), e.expr(v.R)
		op := "//"
		if _, ok := v.L.(*ruby.FloatLit); ok {
			op = "/"
		}
		if _, ok := v.R.(*ruby.FloatLit); ok {
			op = "/"
		}
		return sx{code: l.in(pMul) + " " + op + " " + r.in(pMul+1), prec: pMul}
	case "=~", "!~":
		return e.matchOp(v, false)
	case "<<":
		no("<<", "appending inside an expression is not translated")
	}
	no(v.Op, "this operator is not translated")
	return sx{}
}

// format translates Kernel#format (or String#%) of format string f,
// translated as fv, and its arguments. Starlark's % knows %s and %d
// without flags: a %s argument is passed through rb_to_s unless it is
// known to be a string or an integer (Ruby's %s writes true as "true"
// and nil as ""), and a format with flags, widths, a precision or
// another conversion ("%-10s", "%05d", "%.2f") is rb_format's.
// With op (String#% of one value, not a list) the value stays on the
// right of the %.
func (e *emitter) format(f ruby.Expr, fv sx, args []ruby.Expr, op bool) sx {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = e.expr(a).code
	}
	if op && len(args) == 1 {
		out[0] = e.expr(args[0]).in(pMul + 1)
	}
	var convs []byte
	simple := false
	if sl, ok := f.(*ruby.StrLit); ok && isPlain(sl) {
		convs, simple = formatConversions(plain(sl))
		if len(convs) != len(args) {
			convs, simple = nil, true // Ruby's error, left to Starlark's
		}
	}
	for i, a := range args {
		if i < len(convs) && convs[i] == 's' {
			if v := e.expr(a); !e.printsAsRuby(a, v) {
				out[i] = "rb_to_s(" + v.code + ")"
			}
		}
	}
	if !simple {
		return sx{code: "rb_format(" + strings.Join(append([]string{fv.code}, out...), ", ") + ")", prec: pPostfix, str: true}
	}
	if op && len(out) == 1 {
		return sx{code: fv.in(pMul) + " % " + out[0], prec: pMul, str: true}
	}
	if len(out) == 1 {
		return sx{code: fv.in(pMul) + " % (" + out[0] + ",)", prec: pMul, str: true}
	}
	return sx{code: fv.in(pMul) + " % (" + strings.Join(out, ", ") + ")", prec: pMul, str: true}
}

// formatConversions lists the conversion character of each argument a
// Ruby format string takes ("%s:%d" gives s, d) and whether Starlark's %
// formats it alike: only %s, %d and %% without flags, width or
// precision. Named references (%<a>s, %{a}) and * widths give nil, false.
func formatConversions(f string) (convs []byte, simple bool) {
	simple = true
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		i++
		start := i
		for i < len(f) && strings.IndexByte("-+ 0#.123456789", f[i]) >= 0 {
			i++
		}
		if i >= len(f) {
			return nil, false
		}
		switch c := f[i]; {
		case c == '%' && i == start:
		case c == '<' || c == '{' || c == '*':
			return nil, false
		default:
			convs = append(convs, c)
			if i != start || c != 's' && c != 'd' {
				simple = false
			}
		}
	}
	return convs, simple
}

// rubyTypes are the Starlark types of a Ruby class's values; a hash read
// from node attributes is an "attributes" view.
var rubyTypes = map[string][]string{
	"String": {"string"}, "Symbol": {"string"}, "Array": {"list"}, "Hash": {"dict", "attributes"},
	"Integer": {"int"}, "Fixnum": {"int"}, "Numeric": {"int", "float"}, "Float": {"float"},
	"TrueClass": {"bool"}, "FalseClass": {"bool"}, "NilClass": {"NoneType"},
}

// respondTypes are the Starlark types of the values whose Ruby class has
// the method respond_to? asks about: a Hash's (has_key?, keys ...) are a
// dict or node attributes, a String's a string, each a list or a dict.
var respondTypes = map[string][]string{
	"each": {"list", "dict", "attributes"}, "each_pair": {"dict", "attributes"}, "keys": {"dict", "attributes"},
	"has_key?": {"dict", "attributes"}, "key?": {"dict", "attributes"}, "to_hash": {"dict", "attributes"},
	"upcase": {"string"}, "to_str": {"string"}, "<<": {"list"},
}

// respondNames lists respondTypes' methods for a TODO: ":each, :keys".
func respondNames() string {
	var names []string
	for _, m := range sortedKeys(respondTypes) {
		names = append(names, ":"+m)
	}
	return strings.Join(names, ", ")
}

func typeTest(v sx, types []string) sx {
	if len(types) == 1 {
		return sx{code: "type(" + v.code + ") == " + starQuote(types[0]), prec: pCmp}
	}
	q := make([]string, len(types))
	for i, t := range types {
		q[i] = starQuote(t)
	}
	return sx{code: "type(" + v.code + ") in (" + strings.Join(q, ", ") + ")", prec: pCmp}
}

// valueForPlatform translates value_for_platform(_family)(hash): a dict
// lookup on the platform (and, for value_for_platform, its version), with
// the hash's "default" as the fallback.
func (e *emitter) valueForPlatform(c *ruby.CallExpr) sx {
	if len(c.Args) != 1 || c.Block != nil {
		no(c.Name, "want one hash argument")
	}
	h, ok := c.Args[0].(*ruby.HashLit)
	if !ok {
		no(c.Name, "want one hash argument")
	}
	family := c.Name == "value_for_platform_family"
	constrained := false
	var entries []string
	def := "None"
	for i, k := range h.Keys {
		var keys []ruby.Expr
		if arr, ok := k.(*ruby.ArrayLit); ok {
			keys = arr.Elems
		} else {
			keys = []ruby.Expr{k}
		}
		var val string
		if !family {
			vh, ok := h.Vals[i].(*ruby.HashLit)
			if !ok {
				if lk, _ := literalKey(k); lk == "default" {
					def = e.expr(h.Vals[i]).code
					continue
				}
				no(c.Name, "a platform's value must be a hash of versions")
			}
			for _, vk := range vh.Keys {
				s, ok := literalKey(vk)
				if !ok {
					no(c.Name, "a version must be a literal")
				}
				if strings.ContainsAny(s, "<>=~!") {
					constrained = true // converge's value_for_platform reads them
				}
			}
			val = e.expr(vh).code
		} else {
			val = e.expr(h.Vals[i]).code
		}
		for _, k := range keys {
			ks, ok := literalKey(k)
			if !ok {
				no(c.Name, "a platform name must be a literal")
			}
			if ks == "default" {
				def = val
				continue
			}
			entries = append(entries, starQuote(ks)+": "+val)
		}
	}
	m := "{" + strings.Join(entries, ", ") + "}"
	if constrained {
		// version constraints: converge's own value_for_platform, Chef's
		// semantics (exact version, the one constraint met, defaults)
		if def != "None" {
			entries = append(entries, `"default": `+def)
		}
		return atom("value_for_platform({" + strings.Join(entries, ", ") + "})")
	}
	if family {
		return atom(m + ".get(node.platform_family, " + def + ")")
	}
	return atom("(lambda v: v.get(node.platform_version, v.get(\"default\", " + def + ")) if v != None else " + def + ")(" + m + ".get(node.platform))")
}

// defined translates defined?(x): a local variable is defined once
// assigned; a method call (node[...] included) is always defined in
// Ruby, whatever the key, so defined?(node['a']) is true.
func (e *emitter) defined(x ruby.Expr) sx {
	switch t := x.(type) {
	case *ruby.IdentRef:
		if _, ok := e.vars[t.Name]; ok {
			return atom("True")
		}
		return atom("False")
	case *ruby.IndexExpr:
		// x[k] is a method call: defined whenever x is, whatever k
		if isNodeCall(t.Recv) || isNodePath(t.Recv) {
			return atom("True")
		}
		if _, ok := t.Recv.(*ruby.IdentRef); ok {
			return e.defined(t.Recv)
		}
	}
	no("defined?", "only defined?(local), defined?(local[...]) and defined?(node[...]) are translated")
	return sx{}
}

// chefProviders names the converge provider of each Chef provider class
// converge has one for (a resource's provider= takes the name).
var chefProviders = map[string]string{
	"Chef::Provider::Service::Upstart":      "upstart",
	"Chef::Provider::Service::Systemd":      "systemd",
	"Chef::Provider::Service::Init::Debian": "sysvinit",
	"Chef::Provider::Service::Init::Redhat": "sysvinit",
	"Chef::Provider::Service::Debian":       "sysvinit",
	"Chef::Provider::Service::Redhat":       "sysvinit",
	"Chef::Provider::Package::Apt":          "apt",
	"Chef::Provider::Package::Yum":          "yum",
	"Chef::Provider::Package::Dnf":          "dnf",
}

// versionConstraint translates
// Chef::VersionConstraint.new("OP X.Y[.Z]").include?(v) for the
// operators >=, >, <=, <, = : Chef compares the versions as three
// integers (a missing part is 0), and so does the list comparison.
func (e *emitter) versionConstraint(c *ruby.CallExpr) (sx, bool) {
	nw, ok := c.Recv.(*ruby.CallExpr)
	if c.Name != "include?" || len(c.Args) != 1 || c.Block != nil || !ok || nw.Name != "new" || len(nw.Args) != 1 || nw.Block != nil {
		return sx{}, false
	}
	cr, ok := nw.Recv.(*ruby.ConstRef)
	if !ok || strings.TrimPrefix(cr.Path, "::") != "Chef::VersionConstraint" {
		return sx{}, false
	}
	sl, ok := nw.Args[0].(*ruby.StrLit)
	if !ok || !isPlain(sl) {
		return sx{}, false
	}
	f := strings.Fields(plain(sl))
	if len(f) == 1 {
		f = []string{"=", f[0]}
	}
	op := map[string]string{">=": ">=", ">": ">", "<=": "<=", "<": "<", "=": "=="}
	if len(f) != 2 || op[f[0]] == "" {
		return sx{}, false
	}
	parts := strings.Split(f[1], ".")
	if len(parts) < 2 || len(parts) > 3 {
		return sx{}, false
	}
	for len(parts) < 3 {
		parts = append(parts, "0")
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return sx{}, false
		}
		parts[i] = strconv.Itoa(n)
	}
	v := `(lambda _v: [int(_x) for _x in (str(_v).split(".") + ["0", "0"])[:3]])(` + e.expr(c.Args[0]).code + ")"
	return sx{code: v + " " + op[f[0]] + " [" + strings.Join(parts, ", ") + "]", prec: pCmp}, true
}

// bareNodeMethods are the node's attributes an attribute file or a
// recipe reads by a bare name, as Chef's node method_missing gives them.
var bareNodeMethods = map[string]bool{"ipaddress": true, "hostname": true, "fqdn": true, "domain": true,
	"platform": true, "platform_family": true, "platform_version": true, "macaddress": true, "ip6address": true}

// chefUtilsHelpers are the predicates of Chef's chef-utils (Chef >= 15.5)
// that read facts converge has, written as the comparisons they make; a
// library method of the same name comes first.
var chefUtilsHelpers = map[string]string{
	// platform_family helpers
	"debian?": `node.platform_family == "debian"`, "rhel?": `node.platform_family == "rhel"`,
	"fedora?": `node.platform_family == "fedora"`, "amazon?": `node.platform_family == "amazon"`,
	"suse?": `node.platform_family == "suse"`, "arch?": `node.platform_family == "arch"`,
	"gentoo?": `node.platform_family == "gentoo"`, "windows?": `node.platform_family == "windows"`,
	"macos?": `node.platform_family == "mac_os_x"`, "mac_os_x?": `node.platform_family == "mac_os_x"`,
	// platform helpers
	"ubuntu?": `node.platform == "ubuntu"`, "centos?": `node.platform == "centos"`,
	// systemd?: PID 1 is systemd, which Ohai's init_package names
	"systemd?": `node["init_package"] == "systemd"`,
}

// cacheDir stands for Chef's file_cache_path (/var/chef/cache): the
// directory a recipe that uses it declares, for the files it downloads.
const cacheDir = "/var/cache/converge"
