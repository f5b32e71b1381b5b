package migrate

// A loop in a recipe that only sets attributes (node.default[...] = ...
// for each element of a list or hash the recipe does not compute) moves
// whole to the recipe's attributes file, as a single assignment does
// (hoistAttr).

import (
	"fmt"
	"strings"

	"github.com/converge-cm/converge/engine/migrate/ruby"
)

// loopSetsOnlyAttrs reports whether a loop's block only assigns
// attributes (under ifs) from its parameters, constants and the node.
func (e *emitter) loopSetsOnlyAttrs(c *ruby.CallExpr) bool {
	if c.Block == nil || len(c.Block.Body) == 0 || e.usesLocals(c.Recv) {
		return false
	}
	allowed := map[string]bool{}
	for _, p := range c.Block.Params {
		allowed[p] = true
	}
	reads := func(x ruby.Expr) bool {
		used := map[string]bool{}
		walkIdents(x, used)
		for n := range used {
			if !allowed[n] && e.consts[n] == nil {
				return false
			}
		}
		return true
	}
	var ok func(stmts []*ruby.Stmt) bool
	ok = func(stmts []*ruby.Stmt) bool {
		for _, s := range stmts {
			switch x := s.X.(type) {
			case *ruby.AssignExpr:
				if x.Op != "=" && x.Op != "+=" && x.Op != "-=" {
					return false
				}
				if !e.isAttrTarget(x.Target) || !reads(x.Target) || !reads(x.Value) {
					return false
				}
			case *ruby.IfExpr:
				for _, c := range x.Conds {
					if !reads(c) {
						return false
					}
				}
				for _, b := range x.Bodies {
					if !ok(b) {
						return false
					}
				}
				if !ok(x.Else) {
					return false
				}
			case *ruby.CallExpr:
				// node.default['a']['list'].push(v)
				if (x.Name != "push" && x.Name != "<<") || len(x.Args) != 1 || x.Block != nil ||
					!e.isAttrTarget(x.Recv) || !reads(x.Recv) || !reads(x.Args[0]) {
					return false
				}
			case *ruby.BinaryExpr:
				// node.default['a']['list'] << v
				if x.Op != "<<" || !e.isAttrTarget(x.L) || !reads(x.L) || !reads(x.R) {
					return false
				}
			default:
				return false
			}
		}
		return true
	}
	return ok(c.Block.Body)
}

// isAttrTarget reports whether x is an attribute a recipe may set.
func (e *emitter) isAttrTarget(x ruby.Expr) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, u := r.(*untranslatable); !u {
				panic(r)
			}
			ok = false
		}
	}()
	_, keys, ok := e.attrTarget(x)
	return ok && len(keys) > 0
}

// hoistLoop writes the loop c to the recipe's attributes file under the
// conditions around it; false (and nothing written) when it does not
// translate whole.
func (e *emitter) hoistLoop(c *ruby.CallExpr, ind int) bool {
	conds := joinConds(e.conds)
	if conds == "" {
		return false
	}
	mark, todos, vars := len(e.out), len(e.todos), copyVars(e.vars)
	e.hoisting++
	e.emitLoop(c, ind)
	e.hoisting--
	lines := append([]string(nil), e.out[mark:]...)
	e.out = e.out[:mark]
	if len(e.todos) > todos {
		e.todos = e.todos[:todos]
		e.vars = vars
		return false
	}
	pad := strings.Repeat("    ", ind)
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, pad)
	}
	if len(e.hoisted) == 0 {
		e.hoisted = append(e.hoisted, "# Attributes recipes/"+e.recipe+".rb sets, moved here by converge migrate:", "# converge sets attributes in attributes files, before every recipe runs.")
	}
	if defs := e.constDefs(conds + "\n" + strings.Join(lines, "\n")); len(defs) > 0 {
		e.hoisted = append(e.hoisted, "# a constant of recipes/"+e.recipe+".rb the attributes below read")
		e.hoisted = append(e.hoisted, defs...)
	}
	e.hoisted = append(e.hoisted, fmt.Sprintf("# %s:%d", e.file, c.Line))
	if conds != "True" {
		e.hoisted = append(e.hoisted, "if "+conds+":")
		for i, l := range lines {
			if strings.TrimSpace(l) != "" {
				lines[i] = "    " + l
			}
		}
	}
	e.hoisted = append(e.hoisted, lines...)
	e.line(ind, "# "+strings.TrimSpace(lines[0])+" ...  (a loop setting attributes, moved to attributes/zz_recipe_"+e.recipe+".star)")
	return true
}
