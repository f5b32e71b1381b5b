package migrate

// Methods a recipe defines: def name(args) ... end at the top of a recipe
// is a Starlark function of the recipe, translated as a library method is
// (library.go), and the recipe's calls of it call the function.

import (
	"strings"

	"github.com/converge-cm/converge/engine/migrate/ruby"
)

// readRecipeDefs finds the methods defined at the top of a recipe and
// makes them callable from it: e.lib becomes a copy of the cookbook's
// library with them added, so no other file sees them.
func (e *emitter) readRecipeDefs(stmts []*ruby.Stmt) {
	var defs []*libDef
	for _, s := range stmts {
		if o, ok := s.X.(*ruby.OpaqueExpr); ok && o.What == "a method definition" && s.Line-1 < len(e.src) {
			d := readDef(e.src, s, e.src[s.Line-1], "", "")
			if d.why == "" && !d.h.self {
				defs = append(defs, d)
			}
		}
	}
	if len(defs) == 0 {
		return
	}
	local := &library{helpers: map[string]*helper{}}
	if e.lib != nil {
		for k, v := range e.lib.helpers {
			local.helpers[k] = v
		}
		local.attrs = e.lib.attrs
	}
	e.recipeDefs = map[int]*libDef{}
	for _, d := range defs {
		local.helpers[d.h.name] = d.h // stem "": in this file, nothing to load
		e.recipeDefs[d.line] = d
	}
	e.lib = local
}

// emitRecipeDef writes a recipe's method as a Starlark function, or a
// TODO (and the recipe's calls of it become TODOs) when its body does
// not translate.
func (e *emitter) emitRecipeDef(d *libDef) {
	if e.loads == nil {
		e.loads = map[string]map[string]bool{}
	}
	fn, why := translateDef(e.file, e.cookbook, strings.Join(e.src, "\n"), d, e.lib, e.loads)
	if why != "" {
		delete(e.lib.helpers, d.h.name)
		no("method "+d.h.name, why)
	}
	e.line(0, "# def "+d.h.name+": a method of the recipe")
	for _, l := range fn {
		e.line(0, l)
	}
}
