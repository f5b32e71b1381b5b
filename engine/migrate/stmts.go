package migrate

// Mutating method calls used as statements: Ruby's in-place hash and
// array methods, written with the Starlark method that changes the value
// the same way.

import (
	"strings"

	"github.com/converge-cm/converge/engine/migrate/ruby"
)

// emitMutation writes c, a method call with a receiver and no block used
// as a statement, when it is one of Ruby's in-place hash and array
// methods; false when it is not:
//
//	h.merge!(o), h.update(o)  h.update(o)
//	a.push(x, y)              a.extend([x, y])
//	a.concat(b)               a.extend(b)
//	a.insert(i, x)            a.insert(i, x)
//	a.unshift(x)              a.insert(0, x)
//	h.delete(k)               h.pop(k, None)  (a list: every element equal to k is removed)
//
// A statement's value is thrown away, so what the Ruby method returns
// does not matter.
func (e *emitter) emitMutation(c *ruby.CallExpr, ind int) bool {
	args := func() []string {
		var out []string
		for _, a := range c.Args {
			out = append(out, e.expr(a).code)
		}
		return out
	}
	switch c.Name {
	case "merge!", "update":
		if len(c.Args) != 1 {
			return false
		}
		if _, ok := c.Args[0].(*ruby.HashLit); !ok && c.Name == "update" && !e.knownType(c.Recv, "dict") {
			return false // update is also a helper's name (hostsfile's manipulator.update)
		}
		e.line(ind, e.expr(c.Recv).in(pPostfix)+".update("+args()[0]+")")
	case "push", "append":
		if len(c.Args) < 2 || c.Name == "append" && !e.knownType(c.Recv, "list") {
			return false
		}
		e.line(ind, e.expr(c.Recv).in(pPostfix)+".extend(["+strings.Join(args(), ", ")+"])")
	case "concat":
		if len(c.Args) != 1 {
			return false
		}
		e.line(ind, e.expr(c.Recv).in(pPostfix)+".extend("+args()[0]+")")
	case "insert":
		if len(c.Args) != 2 {
			return false
		}
		a := args()
		if id, ok := c.Recv.(*ruby.IdentRef); ok {
			// a string changes in place in Ruby: the local takes the new one
			n := e.ident(id).code
			e.line(ind, n+" = "+insertExpr(n, a[0], a[1]))
			return true
		}
		e.line(ind, e.expr(c.Recv).in(pPostfix)+".insert("+a[0]+", "+a[1]+")")
	case "unshift", "prepend":
		if len(c.Args) != 1 || c.Name == "prepend" && !e.knownType(c.Recv, "list") {
			return false
		}
		e.line(ind, e.expr(c.Recv).in(pPostfix)+".insert(0, "+args()[0]+")")
	case "delete":
		if len(c.Args) != 1 {
			return false
		}
		recv, k := e.expr(c.Recv).in(pPostfix), e.hashKey(c.Args[0])
		switch {
		case e.knownType(c.Recv, "dict"):
			e.line(ind, recv+".pop("+k+", None)")
		case e.knownType(c.Recv, "list"):
			e.line(ind, "for _ in [_x for _x in "+recv+" if _x == "+k+"]:")
			e.line(ind+1, recv+".remove("+k+")")
		default:
			e.line(ind, "if type("+recv+") == \"list\":")
			e.line(ind+1, "for _ in [_x for _x in "+recv+" if _x == "+k+"]:")
			e.line(ind+2, recv+".remove("+k+")")
			e.line(ind, "else:")
			e.line(ind+1, recv+".pop("+k+", None)")
		}
	default:
		return false
	}
	return true
}

// insertExpr is Ruby's recv.insert(i, x) for a string or a list: the
// value with x inserted before position i, or after it counting from the
// end when i is negative (insert(-1, x) appends); a list changes in place,
// as in Ruby.
func insertExpr(recv, i, x string) string {
	return "(lambda _s, _i, _x: (lambda _p: _s[:_p] + _x + _s[_p:] if type(_s) == \"string\" else (_s.insert(_p, _x) or _s))(_i if _i >= 0 else len(_s) + _i + 1))(" +
		recv + ", " + i + ", " + x + ")"
}

// knownType reports whether x is a local variable or a literal of the
// Starlark type typ ("dict" or "list").
func (e *emitter) knownType(x ruby.Expr, typ string) bool {
	switch v := x.(type) {
	case *ruby.IdentRef:
		info, ok := e.vars[v.Name]
		return ok && info.typ == typ
	case *ruby.HashLit:
		return typ == "dict"
	case *ruby.ArrayLit:
		return typ == "list"
	}
	return false
}
