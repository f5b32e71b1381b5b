package migrate

// Constant locals: a recipe local assigned once, at the top of the recipe,
// a literal nothing changes (opts = %w(may encrypt)), reads the same in an
// attributes file, so an attribute set under a condition on it can move
// to attributes/zz_recipe_NAME.star with the local's definition.

import (
	"regexp"
	"strings"

	"github.com/converge-cm/converge/engine/migrate/ruby"
)

// literalValue reports whether x is a literal of literals: a plain string,
// number, symbol, true, false, nil, or an array or hash of them.
func literalValue(x ruby.Expr) bool {
	switch v := x.(type) {
	case *ruby.StrLit:
		return isPlain(v)
	case *ruby.IntLit, *ruby.FloatLit, *ruby.SymLit, *ruby.BoolLit, *ruby.NilLit:
		return true
	case *ruby.ArrayLit:
		for _, el := range v.Elems {
			if !literalValue(el) {
				return false
			}
		}
		return true
	case *ruby.HashLit:
		for i := range v.Keys {
			if !literalValue(v.Keys[i]) || !literalValue(v.Vals[i]) {
				return false
			}
		}
		return true
	}
	return false
}

// searchValue reports whether x is a search of literal arguments, or one
// with a literal fallback (search(:node, 'role:db') || []): the cluster's
// nodes do not change while the recipes compile, so it reads the same in
// an attributes file (where converge's search runs too).
func searchValue(x ruby.Expr) bool {
	if b, ok := x.(*ruby.BinaryExpr); ok && b.Op == "||" {
		return searchValue(b.L) && literalValue(b.R)
	}
	c, ok := x.(*ruby.CallExpr)
	if !ok || c.Recv != nil || c.Name != "search" || c.Block != nil || len(c.Args) == 0 {
		return false
	}
	for _, a := range c.Args {
		if !literalValue(a) {
			return false
		}
	}
	return true
}

// constCandidates are the locals of a recipe's top-level statements
// assigned a literal, whose name the source (outside comments) otherwise
// only reads: no other assignment, no mutating method (<<, push, x!,
// x[k] = v), no block parameter or loop variable of that name and no
// other local taking the same object (b = a, after which b << x changes a).
func constCandidates(stmts []*ruby.Stmt, src string) map[string]bool {
	out := map[string]bool{}
	for _, s := range stmts {
		a, ok := s.X.(*ruby.AssignExpr)
		if !ok || a.Op != "=" || !literalValue(a.Value) && !searchValue(a.Value) {
			continue
		}
		id, ok := a.Target.(*ruby.IdentRef)
		if !ok {
			continue
		}
		if _, seen := out[id.Name]; seen {
			out[id.Name] = false // assigned twice
			continue
		}
		out[id.Name] = onlyRead(id.Name, src)
	}
	for n, ok := range out {
		if !ok {
			delete(out, n)
		}
	}
	return out
}

var (
	rubyCommentRe = regexp.MustCompile(`(^|\s)#[^{].*$`)
	// aliasRe ends the text before a name another local takes (b = name)
	aliasRe = regexp.MustCompile(`(^|[;(\s])@{0,2}[a-z_][A-Za-z0-9_]*\s*=$`)
)

// onlyRead reports whether, in src, name is assigned exactly once and
// otherwise only read.
func onlyRead(name, src string) bool {
	re := regexp.MustCompile(`(^|[^A-Za-z0-9_@$:.])` + regexp.QuoteMeta(name) + `($|[^A-Za-z0-9_?!:])`)
	assigns := 0
	for _, line := range strings.Split(src, "\n") {
		line = rubyCommentRe.ReplaceAllString(line, "")
		for _, m := range re.FindAllStringSubmatchIndex(line, -1) {
			before := strings.TrimRight(line[:m[3]], " \t")
			after := strings.TrimLeft(line[m[4]:], " \t")
			switch {
			case strings.HasPrefix(after, "=") && !strings.HasPrefix(after, "==") && !strings.HasPrefix(after, "=~") && !strings.HasPrefix(after, "=>"):
				assigns++
			case regexp.MustCompile(`^(\+=|-=|\*=|/=|\|\|=|&&=|<<|\|=|&=)`).MatchString(after):
				return false
			case regexp.MustCompile(`^\.\s*([a-z_]+!|push|concat|delete\w*|clear|insert|unshift|shift|pop|replace|fill|store|update|compare_by_identity|freeze)\b`).MatchString(after):
				return false
			case regexp.MustCompile(`^\[[^\]]*\]\s*(=[^=~>]|<<|\+=|-=|\|\|=)`).MatchString(after):
				return false
			case strings.HasSuffix(before, "|") || strings.HasSuffix(before, ",") && strings.Contains(before, "|") || strings.HasSuffix(before, "for"):
				return false // a block parameter or loop variable
			case aliasRe.MatchString(before) && (after == "" || strings.HasPrefix(after, ";") || strings.HasPrefix(after, ")")):
				return false // b = name: another local holds the same object
			}
		}
	}
	return assigns == 1
}

// constDefs are the definitions of the constant locals code reads, not
// yet written to the recipe's attributes file.
func (e *emitter) constDefs(code string) []string {
	var out []string
	for _, n := range e.constOrder {
		c := e.consts[n]
		if c.written || !regexp.MustCompile(`(^|[^A-Za-z0-9_."])`+regexp.QuoteMeta(c.star)+`($|[^A-Za-z0-9_"])`).MatchString(code) {
			continue
		}
		e.consts[n].written = true
		out = append(out, c.def)
	}
	return out
}

// constLocal is a constant local of a recipe, once its assignment is read.
type constLocal struct {
	star    string // Starlark name
	def     string // its Starlark assignment
	written bool   // in the recipe's attributes file
}
