package migrate

// Local variables: assignments and the names they bind in Starlark.

import (
	"fmt"
	"strings"

	"github.com/converge-cm/converge/engine/migrate/ruby"
)

func (e *emitter) emitAssign(x *ruby.AssignExpr, ind int) {
	if root, keys, ok := e.attrTarget(x.Target); ok {
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
		op := x.Op
		switch op {
		case "=", "+=", "-=":
		default:
			no(op+" on an attribute", "only =, += and -= are translated for attributes")
		}
		e.line(ind, b.String()+" "+op+" "+e.expr(x.Value).code)
		return
	}
	switch t := x.Target.(type) {
	case *ruby.IdentRef:
		v := e.expr(x.Value)
		typ := typeOf(x.Value, v)
		switch x.Op {
		case "=":
			e.line(ind, e.bind(t.Name, typ)+" = "+v.code)
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

func (e *emitter) ident(id *ruby.IdentRef) sx {
	if v, ok := e.vars[id.Name]; ok {
		return sx{code: v.star, prec: pPostfix, str: v.typ == "str"}
	}
	return atom(e.bind(id.Name, ""))
}

// ---- calls as statements: resources, loops, include_recipe ----
