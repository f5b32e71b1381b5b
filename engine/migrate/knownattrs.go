package migrate

// The attributes a cookbook defines: Chef reads an attribute nobody set
// as nil, converge as an error (which catches a misspelt name). A
// condition testing an attribute the cookbook never sets
// (`if node['app']['extra']`, `!node['app']['managed']`) is Chef's test
// for presence, so it reads the attribute with .get.

import (
	"regexp"
	"strings"

	"github.com/converge-cm/converge/engine/migrate/ruby"
)

var (
	// attrSetRe finds an attribute assignment: default['a']['b'] = ...,
	// node.default[:a] ||= ..., override["a"] << ...
	attrSetRe = regexp.MustCompile(`\b(?:default|normal|override|set|force_default|force_override|default_unless|set_unless|normal_unless)((?:\[\s*(?:'[^']*'|"[^"#]*"|:[A-Za-z_][A-Za-z0-9_]*)\s*\])+)\s*(?:=[^=~]|\|\|=|<<)`)
	attrKeyRe = regexp.MustCompile(`\[\s*(?:'([^']*)'|"([^"]*)"|:([A-Za-z_][A-Za-z0-9_]*))\s*\]`)
)

// knownAttrs are the attribute paths a cookbook's attribute files and
// recipes assign, each as its keys joined by \x00.
type knownAttrs map[string]bool

// scanAttrs adds the attribute paths src assigns.
func (k knownAttrs) scanAttrs(src string) {
	for _, m := range attrSetRe.FindAllStringSubmatch(src, -1) {
		var keys []string
		for _, km := range attrKeyRe.FindAllStringSubmatch(m[1], -1) {
			keys = append(keys, km[1]+km[2]+km[3])
		}
		if len(keys) > 0 {
			k[strings.Join(keys, "\x00")] = true
		}
	}
}

// defines reports whether an attribute at path may be set: an assigned
// path is path itself, holds it (a hash assigned whole) or lies under it.
// A nil set (a file translated alone) defines every path.
func (k knownAttrs) defines(path []string) bool {
	if k == nil {
		return true
	}
	p := strings.Join(path, "\x00")
	for a := range k {
		if a == p || strings.HasPrefix(p, a+"\x00") || strings.HasPrefix(a, p+"\x00") {
			return true
		}
	}
	return false
}

// literalNodePath is the keys of node['a']['b']... when each is a literal.
func literalNodePath(x *ruby.IndexExpr) ([]string, bool) {
	var keys []string
	var cur ruby.Expr = x
	for {
		ix, ok := cur.(*ruby.IndexExpr)
		if !ok {
			break
		}
		if len(ix.Args) != 1 {
			return nil, false
		}
		k, ok := literalKey(ix.Args[0])
		if !ok {
			return nil, false
		}
		keys = append([]string{k}, keys...)
		cur = ix.Recv
	}
	if !isNodeCall(cur) {
		return nil, false
	}
	return keys, true
}

// unsetAttrCond translates a condition on an attribute the cookbook never
// sets as a .get of its last key, None when unset as in Chef.
func (e *emitter) unsetAttrCond(x ruby.Expr) (sx, bool) {
	ix, ok := x.(*ruby.IndexExpr)
	if !ok || e.lib == nil {
		return sx{}, false
	}
	keys, ok := literalNodePath(ix)
	if !ok || len(keys) < 2 || e.lib.attrs.defines(keys) {
		return sx{}, false // node['x'] alone: a whole cookbook's namespace
	}
	return atom(e.expr(ix.Recv).in(pPostfix) + ".get(" + starQuote(keys[len(keys)-1]) + ")"), true
}
