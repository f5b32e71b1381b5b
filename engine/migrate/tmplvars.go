package migrate

import (
	"os"
	"path"
	"path/filepath"

	"github.com/converge-cm/converge/engine/migrate/ruby"
)

// passedVars are the names the cookbook's template resources pass in
// variables(...) hashes (recipes, resources, providers, definitions); nil
// when a call passes a hash it computes, since then any name may be
// passed. A template's instance variable no call passes is nil in Chef.
func passedVars(dir string) map[string]bool {
	out := map[string]bool{}
	known := true
	for _, sub := range []string{"recipes", "resources", "providers", "definitions"} {
		files, _ := filepath.Glob(filepath.Join(dir, sub, "*.rb"))
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				return nil
			}
			stmts, _ := ruby.Parse(string(src))
			ruby.InspectStmts(stmts, func(x ruby.Expr) bool {
				c, ok := x.(*ruby.CallExpr)
				if !ok || c.Name != "variables" || c.Recv != nil {
					return true
				}
				for _, a := range c.Args {
					h, ok := a.(*ruby.HashLit)
					if !ok {
						known = false
						continue
					}
					for _, k := range h.Keys {
						if s, ok := literalKey(k); ok {
							out[s] = true
						} else {
							known = false
						}
					}
				}
				return true
			})
		}
	}
	if !known {
		return nil
	}
	return out
}

// templateUser is one template resource of a cookbook: the instance
// variables its variables(...) passes, or all when it passes a hash it
// computes (any name may be passed).
type templateUser struct {
	vars map[string]bool
	all  bool
}

// templateUses are a cookbook's template resources by the template they
// render (the source's file name, or Chef's default, the path's with
// .erb), those whose source is computed, and passedVars' cookbook-wide
// names for a template no resource of the cookbook names.
type templateUses struct {
	bySource map[string][]templateUser
	computed []templateUser
	wide     map[string]bool
}

// readTemplateUses reads the template resources of the cookbook name in
// dir (recipes, resources, providers, definitions). A variables call
// under a condition in the block may not be made: it passes nothing. A
// resource rendering another cookbook's template is left out.
func readTemplateUses(dir, name string) *templateUses {
	u := &templateUses{bySource: map[string][]templateUser{}, wide: passedVars(dir)}
	for _, sub := range []string{"recipes", "resources", "providers", "definitions"} {
		files, _ := filepath.Glob(filepath.Join(dir, sub, "*.rb"))
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			stmts, _ := ruby.Parse(string(src))
			ruby.InspectStmts(stmts, func(x ruby.Expr) bool {
				c, ok := x.(*ruby.CallExpr)
				if !ok || c.Recv != nil || c.Name != "template" || len(c.Args) != 1 {
					return true
				}
				u.add(c, name)
				return true
			})
		}
	}
	return u
}

// add records the template resource c.
func (u *templateUses) add(c *ruby.CallExpr, cookbook string) {
	source, known := "", false
	if sl, ok := c.Args[0].(*ruby.StrLit); ok && isPlain(sl) {
		source, known = path.Base(plain(sl))+".erb", true
	}
	user := templateUser{vars: map[string]bool{}}
	if c.Block != nil {
		for _, s := range c.Block.Body {
			p, ok := s.X.(*ruby.CallExpr)
			if !ok || p.Recv != nil || len(p.Args) != 1 {
				continue
			}
			switch p.Name {
			case "source":
				source, known = "", false
				if sl, ok := p.Args[0].(*ruby.StrLit); ok && isPlain(sl) {
					source, known = path.Base(plain(sl)), true
				}
			case "cookbook":
				sl, ok := p.Args[0].(*ruby.StrLit)
				if ok && isPlain(sl) && plain(sl) != cookbook {
					return // another cookbook's template
				}
				if !ok || !isPlain(sl) {
					known = false // maybe another cookbook's: any template
				}
			case "variables":
				h, ok := p.Args[0].(*ruby.HashLit)
				if !ok {
					user.all = true
					continue
				}
				for _, k := range h.Keys {
					if s, ok := literalKey(k); ok {
						user.vars[s] = true
					} else {
						user.all = true
					}
				}
			}
		}
	}
	if !known {
		u.computed = append(u.computed, user)
		return
	}
	u.bySource[source] = append(u.bySource[source], user)
}

// passed are the instance variables every template resource rendering
// the template file rel passes, nil when each passes a computed hash
// (any name). The resources are those naming rel's file name; else those
// whose source is computed; else, when none of the cookbook names it,
// the names any of its resources passes (passedVars).
func (u *templateUses) passed(rel string) map[string]bool {
	users := u.bySource[path.Base(filepath.ToSlash(rel))]
	if len(users) == 0 {
		users = u.computed
	}
	if len(users) == 0 {
		return u.wide
	}
	var out map[string]bool
	for _, us := range users {
		if us.all {
			continue
		}
		if out == nil {
			out = map[string]bool{}
			for k := range us.vars {
				out[k] = true
			}
			continue
		}
		for k := range out {
			if !us.vars[k] {
				delete(out, k)
			}
		}
	}
	return out
}
