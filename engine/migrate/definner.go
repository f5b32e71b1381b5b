package migrate

// Notifying what a definition declares: Chef expands a definition into
// the calling recipe, so the recipe may notify a resource of its body
// (notifies :restart, 'service[nginx]'). converge's definitions are
// custom kinds, whose resources are their own: the recipe declares the
// resource too, with the same properties and action :nothing, for the
// notification to reach.

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/converge-cm/converge/engine/migrate/ruby"
)

// definitionInner are the resources of a definition's body with a
// literal name, by address.
func definitionInner(body []*ruby.Stmt) map[string]*ruby.CallExpr {
	out := map[string]*ruby.CallExpr{}
	for _, s := range body {
		c, ok := s.X.(*ruby.CallExpr)
		if !ok || c.Recv != nil || len(c.Args) != 1 {
			continue
		}
		kind, ok := chefResource(c.Name)
		if !ok {
			continue
		}
		sl, ok := c.Args[0].(*ruby.StrLit)
		if !ok || !isPlain(sl) {
			continue
		}
		out[kind+"["+plain(sl)+"]"] = c
	}
	return out
}

var notifyTargetRe = regexp.MustCompile(`\("[a-z_]+", "([a-z_]+)\[([^\]"]+)\]"`)

// declareDefinitionTargets declares, at the end of a recipe, the
// resources of the definitions it calls that it notifies and does not
// declare itself.
func (e *emitter) declareDefinitionTargets() {
	if len(e.defCalls) == 0 {
		return
	}
	out := strings.Join(e.out, "\n")
	targets := map[string]bool{}
	for _, m := range notifyTargetRe.FindAllStringSubmatch(out, -1) {
		targets[m[1]+"["+m[2]+"]"] = true
	}
	var addrs []string
	for a := range targets {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	done := map[string]bool{}
	for _, a := range addrs {
		kind, name, _ := strings.Cut(strings.TrimSuffix(a, "]"), "[")
		if regexp.MustCompile(`\b` + regexp.QuoteMeta(kind) + `\(\s*` + regexp.QuoteMeta(starQuote(name))).MatchString(out) {
			continue // the recipe declares it
		}
		for _, k := range e.defCalls {
			c := k.inner[a]
			if c == nil || done[a] {
				continue
			}
			done[a] = true
			e.declareStandIn(k, a, c)
		}
	}
}

// declareStandIn writes the resource c of definition k with action
// :nothing; a TODO when it reads the definition's parameters.
func (e *emitter) declareStandIn(k *crKind, addr string, c *ruby.CallExpr) {
	cp := *c
	if c.Block != nil {
		b := *c.Block
		b.Body = nil
		for _, s := range c.Block.Body {
			if pc, ok := s.X.(*ruby.CallExpr); ok && pc.Recv == nil && (pc.Name == "action" || pc.Name == "notifies" || pc.Name == "subscribes") {
				continue // its action is :nothing; the definition's copy notifies
			}
			b.Body = append(b.Body, s)
		}
		cp.Block = &b
	} else {
		cp.Block = &ruby.BlockExpr{Line: c.Line, EndLine: c.Line}
	}
	cp.Block.Body = append(cp.Block.Body, &ruby.Stmt{Line: c.Line, EndLine: c.Line,
		X: &ruby.CallExpr{Line: c.Line, Name: "action", Args: []ruby.Expr{&ruby.SymLit{Line: c.Line, Name: "nothing"}}}})
	e.line(0, "")
	e.line(0, fmt.Sprintf("# %s, declared by the definition %s (definitions/%s.rb), which this recipe notifies:", addr, k.chefName, k.src))
	e.line(0, "# Chef expands a definition in the recipe; converge's is a kind of its own, so the recipe declares it too.")
	mark, todos := len(e.out), len(e.todos)
	if usesParams(cp.Block.Body) {
		e.todoLine(c.Line, 0, "notifies "+addr, "the resource of definition "+k.chefName+" reads its parameters; declare it in the recipe with action :nothing by hand")
		return
	}
	saved := e.src
	e.src = nil // the statement is the definition's, not a line of the recipe
	e.stmt(&ruby.Stmt{X: &cp, Line: c.Line, EndLine: c.Line}, 0)
	e.src = saved
	if len(e.todos) > todos {
		// the recipe says which resource needs a hand
		e.out, e.todos = e.out[:mark], e.todos[:todos]
		e.todoLine(c.Line, 0, "notifies "+addr, "the resource of definition "+k.chefName+" does not translate here; declare it in the recipe with action :nothing by hand")
	}
}

// usesParams reports whether stmts read a definition's params.
func usesParams(stmts []*ruby.Stmt) bool {
	found := false
	ruby.InspectStmts(stmts, func(x ruby.Expr) bool {
		if c, ok := x.(*ruby.CallExpr); ok && isParams(c) {
			found = true
		}
		return !found
	})
	return found
}
