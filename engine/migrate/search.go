package migrate

// Chef's search: search(:node, "q") and search(:BAG, "q") become
// converge's search("node", q) builtin, answered at compile time from
// nodes/*.json, the run's nodes and data bags. A result is a dict:
// n["ipaddress"], and the method-style n.name, n.fqdn, are read as keys.

import (
	"strings"

	"github.com/converge-cm/converge/engine/migrate/ruby"
)

// searchCall translates search(INDEX[, QUERY]) without a block.
func (e *emitter) searchCall(c *ruby.CallExpr) (sx, bool) {
	if c.Recv != nil || c.Name != "search" || c.Block != nil || len(c.Args) < 1 || len(c.Args) > 3 {
		return sx{}, false
	}
	var filter string
	if h, ok := c.Args[len(c.Args)-1].(*ruby.HashLit); ok && len(c.Args) == 3 {
		filter = e.filterResult(h)
		c = &ruby.CallExpr{Line: c.Line, Name: c.Name, Args: c.Args[:2]}
	} else if ok || len(c.Args) == 3 {
		no("search(..., options)", "search options other than filter_result (rows, start, ...) are not translated; search returns whole nodes")
	}
	args := e.expr(c.Args[0]).code
	if len(c.Args) == 2 {
		args += ", " + e.expr(c.Args[1]).code
	}
	if filter != "" {
		return atom("[" + filter + " for _r in search(" + args + ")]"), true
	}
	return atom("search(" + args + ")"), true
}

// filterResult is Chef's filter_result: {"ip" => ["ipaddress"], "port" =>
// ["app", "port"]} keeps, for each result, the values at those paths
// (None where a result has none), as a dict of the names given.
func (e *emitter) filterResult(opts *ruby.HashLit) string {
	if len(opts.Keys) != 1 {
		no("search(..., options)", "only the filter_result option is translated")
	}
	if k, ok := literalKey(opts.Keys[0]); !ok || k != "filter_result" {
		no("search(..., options)", "only the filter_result option is translated")
	}
	h, ok := opts.Vals[0].(*ruby.HashLit)
	if !ok {
		no("search(..., filter_result: x)", "filter_result is not a literal hash")
	}
	var parts []string
	for i, k := range h.Keys {
		arr, ok := h.Vals[i].(*ruby.ArrayLit)
		if !ok || len(arr.Elems) == 0 {
			no("search(..., filter_result: x)", "a filter_result path is not a literal list of keys")
		}
		v := "_r"
		for j, el := range arr.Elems {
			key, ok := literalKey(el)
			if !ok {
				no("search(..., filter_result: x)", "a filter_result path is not a literal list of keys")
			}
			if j < len(arr.Elems)-1 {
				v += ".get(" + starQuote(key) + ", {})"
			} else {
				v += ".get(" + starQuote(key) + ")"
			}
		}
		parts = append(parts, e.hashKey(k)+": "+v)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// listKeeping are the methods that give a list of a list's elements.
var listKeeping = map[string]bool{"select": true, "filter": true, "reject": true, "sort_by": true, "sort": true,
	"uniq": true, "reverse": true, "to_a": true, "dup": true, "shuffle": true}

// isSearchList reports whether x is a list of search results.
func (e *emitter) isSearchList(x ruby.Expr) bool {
	switch t := x.(type) {
	case *ruby.IdentRef:
		return e.vars[t.Name].typ == "nodes"
	case *ruby.CallExpr:
		if t.Recv == nil {
			return t.Name == "search" && t.Block == nil
		}
		if listKeeping[t.Name] {
			return e.isSearchList(t.Recv)
		}
		if (t.Name == "first" || t.Name == "last") && len(t.Args) == 1 {
			return e.isSearchList(t.Recv)
		}
	}
	return false
}

// isSearchNode reports whether x is one search result, or a value read
// from one (n["a"], n.a.b).
func (e *emitter) isSearchNode(x ruby.Expr) bool {
	switch t := x.(type) {
	case *ruby.IdentRef:
		return e.vars[t.Name].typ == "snode"
	case *ruby.IndexExpr:
		if e.isSearchList(t.Recv) {
			if len(t.Args) != 1 {
				return false
			}
			_, ok := t.Args[0].(*ruby.IntLit)
			return ok
		}
		return e.isSearchNode(t.Recv)
	case *ruby.CallExpr:
		if t.Recv == nil || len(t.Args) != 0 || t.Block != nil {
			return false
		}
		if (t.Name == "first" || t.Name == "last" || t.Name == "sample") && e.isSearchList(t.Recv) {
			return true
		}
		return !isRubyMethod(t.Name) && e.isSearchNode(t.Recv)
	}
	return false
}

// searchType is the type of a variable assigned x: "nodes" for a list
// of search results, "snode" for one.
func (e *emitter) searchType(x ruby.Expr) string {
	if e.isSearchList(x) {
		return "nodes"
	}
	if e.isSearchNode(x) {
		return "snode"
	}
	return ""
}

// elemType is the type of the elements of x a loop or block binds.
func (e *emitter) elemType(x ruby.Expr) string {
	if e.isSearchList(x) {
		return "snode"
	}
	if e.strElems(x) {
		return "str"
	}
	return ""
}

// searchMethod reads n.key of a search result as n["key"]; n.role?(r)
// and n.recipe?(r) test its roles and recipes, n.attribute?(k) its keys.
func (e *emitter) searchMethod(c *ruby.CallExpr) (sx, bool) {
	if c.Recv == nil || c.Block != nil || !e.isSearchNode(c.Recv) {
		return sx{}, false
	}
	r := e.expr(c.Recv).in(pPostfix)
	switch {
	case len(c.Args) == 0 && !isRubyMethod(c.Name):
		return atom(r + "[" + starQuote(c.Name) + "]"), true
	case len(c.Args) == 1 && (c.Name == "role?" || c.Name == "recipe?"):
		key := map[string]string{"role?": "roles", "recipe?": "recipes"}[c.Name]
		return sx{code: e.expr(c.Args[0]).in(pCmp+1) + " in " + r + "[" + starQuote(key) + "]", prec: pCmp}, true
	case len(c.Args) == 1 && c.Name == "attribute?":
		return sx{code: e.expr(c.Args[0]).in(pCmp+1) + " in " + r, prec: pCmp}, true
	}
	return sx{}, false
}
