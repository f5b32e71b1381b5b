package migrate

// Node attributes: reads of node[...] and the targets attribute files and
// recipes assign to.

import (
	"strings"

	"github.com/converge-cm/converge/engine/migrate/ruby"
)

var attrRoots = map[string]string{
	"default": "default", "override": "override", "normal": "normal", "set": "normal",
	"force_default": "force_default", "force_override": "force_override",
}

// attrTarget splits default["a"]["b"] (or node.default.a.b) into its root
// and keys; ok is false when x is not rooted at an attribute precedence.
func (e *emitter) attrTarget(x ruby.Expr) (root string, keys []ruby.Expr, ok bool) {
	switch t := x.(type) {
	case *ruby.IdentRef:
		if v, known := e.vars[t.Name]; known && v.level {
			return v.star, nil, true
		}
	case *ruby.IndexExpr:
		root, keys, ok = e.attrTarget(t.Recv)
		if !ok || len(t.Args) != 1 {
			return "", nil, false
		}
		return root, append(keys, t.Args[0]), true
	case *ruby.CallExpr:
		if len(t.Args) > 0 || t.Block != nil {
			return "", nil, false
		}
		if t.Recv == nil {
			if r, ok := attrRoots[t.Name]; ok {
				return r, nil, true
			}
			if strings.HasSuffix(t.Name, "_unless") {
				no(t.Name, "this attribute precedence has no converge equivalent")
			}
			return "", nil, false
		}
		if isNodeCall(t.Recv) {
			if r, ok := attrRoots[t.Name]; ok {
				return r, nil, true
			}
			if strings.HasSuffix(t.Name, "_unless") {
				no("node."+t.Name, "this attribute precedence has no converge equivalent")
			}
		}
		root, keys, ok = e.attrTarget(t.Recv)
		if !ok {
			return "", nil, false
		}
		return root, append(keys, &ruby.StrLit{Line: t.Line, Parts: []ruby.StrElem{{Lit: t.Name}}}), true
	}
	return "", nil, false
}

// bindLevel binds the Ruby local name to the value of x, marking it an
// attribute level (varInfo.level) when x is one, an attribute file's
// default['a'] or default.a, and returns its Starlark name.
func (e *emitter) bindLevel(name, typ string, x ruby.Expr) string {
	star := e.bind(name, typ)
	if _, _, ok := e.attrTarget(x); ok && e.kind == kindAttributes {
		v := e.vars[name]
		v.level = true
		e.vars[name] = v
	}
	return star
}

// emitLevelTap translates X.tap do |d| ... end on an attribute level X
// in an attributes file (default.app.tap do |d| d.port = 80 end): tap
// yields X to the block, so d = X, a level, then the block's statements.
// d is the block's: the locals it binds end with it.
func (e *emitter) emitLevelTap(c *ruby.CallExpr, ind int) {
	p := c.Block.Params[0]
	if _, known := e.vars[p]; known {
		no(".tap", "the block parameter has the name of another local")
	}
	saved := copyVars(e.vars)
	defer func() { e.vars = saved }()
	v := e.expr(c.Recv)
	star := e.bindLevel(p, "", c.Recv)
	e.line(ind, star+" = "+v.code)
	e.body(c.Block.Body, ind)
}

// isLevelTap reports whether the statement c is X.tap do |d| ... end on
// an attribute level X of an attributes file (emitLevelTap).
func (e *emitter) isLevelTap(c *ruby.CallExpr) bool {
	if c.Name != "tap" || c.Recv == nil || len(c.Args) != 0 || c.Block == nil || len(c.Block.Params) != 1 || len(c.Block.Groups) > 0 || e.kind != kindAttributes {
		return false
	}
	_, _, ok := e.attrTarget(c.Recv)
	return ok
}

func isNodeCall(x ruby.Expr) bool {
	c, ok := x.(*ruby.CallExpr)
	return ok && c.Recv == nil && c.Name == "node" && len(c.Args) == 0 && c.Block == nil
}

var facts = map[string]bool{
	"platform": true, "platform_version": true, "platform_family": true, "hostname": true,
	"fqdn": true, "ipaddress": true,
}

var nodeMethods = map[string]string{
	"chef_environment": "Chef environments have no converge equivalent",
	"run_list":         "the run list is not visible to recipes",
	"roles":            "roles are not visible to recipes",
	"recipes":          "the expanded run list is not visible to recipes",
	"role?":            "roles are not visible to recipes",
	"recipe?":          "the run list is not visible to recipes",
	"tags":             "node tags have no converge equivalent",
	"save":             "saving the node has no converge equivalent",
	"attribute?":       "test the attribute in an attribute file instead",
	"key?":             "test the attribute in an attribute file instead",
	"to_hash":          "the whole node as a hash has no converge equivalent",
	"each":             "iterating the node has no converge equivalent",
	"automatic":        "automatic attributes are facts: use node.<fact>",
}

func (e *emitter) index(v *ruby.IndexExpr) sx {
	if len(v.Args) >= 1 && len(v.Args) <= 2 && isRegex(v.Args[0]) {
		return e.regexIndex(v)
	}
	if len(v.Args) != 1 {
		no("[a, b]", "slicing with two arguments is not translated")
	}
	if isNodeCall(v.Recv) {
		if k, ok := literalKey(v.Args[0]); ok && facts[k] {
			return sx{code: "node." + k, prec: pPostfix, str: true}
		}
	}
	if x, ok := e.optionalNodeRead(v); ok {
		return x
	}
	if root, _, ok := e.attrTarget(v.Recv); ok && e.kind != kindAttributes {
		no(root+"[...]", "reading a precedence level from a recipe; read node[...] instead")
	}
	recv := e.expr(v.Recv)
	if r, ok := v.Args[0].(*ruby.RangeExpr); ok {
		lo, hi := e.expr(r.Lo), e.expr(r.Hi)
		if r.Excl {
			return atom(recv.in(pPostfix) + "[" + lo.code + ":" + hi.code + "]")
		}
		if n, ok := r.Hi.(*ruby.IntLit); ok && n.Val == -1 {
			return atom(recv.in(pPostfix) + "[" + lo.code + ":]")
		}
		return atom(recv.in(pPostfix) + "[" + lo.code + ":" + hi.in(pAdd) + " + 1]")
	}
	key := e.hashKey(v.Args[0])
	return atom(recv.in(pPostfix) + "[" + key + "]")
}

func literalKey(x ruby.Expr) (string, bool) {
	switch k := x.(type) {
	case *ruby.SymLit:
		return k.Name, true
	case *ruby.StrLit:
		if isPlain(k) {
			return plain(k), true
		}
	}
	return "", false
}

// isNodePath reports whether x reads node attributes (node["a"], node.a.b).
func isNodePath(x ruby.Expr) bool {
	switch t := x.(type) {
	case *ruby.IndexExpr:
		return isNodeCall(t.Recv) || isNodePath(t.Recv)
	case *ruby.CallExpr:
		if isNodeCall(t) {
			return false
		}
		if t.Recv != nil && len(t.Args) == 0 && t.Block == nil {
			if isRubyMethod(t.Name) {
				return false
			}
			return isNodeCall(t.Recv) || isNodePath(t.Recv)
		}
	}
	return false
}
