package migrate

import (
	"os"
	"path"
	"path/filepath"
	"strings"

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
	// suffix is the literal end of a computed source ("#{x}.conf.erb"):
	// the resource renders only the templates whose name ends so; ""
	// when the source may name any template.
	suffix string
}

// templateUses are a cookbook's template resources by the template they
// render (the source's file name, or Chef's default, the path's with
// .erb), those whose source is computed (each may render any template of
// the cookbook, or any ending in its source's literal suffix), and
// passedVars' cookbook-wide names for a template no resource names.
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
				source, known, user.suffix = "", false, ""
				if sl, ok := p.Args[0].(*ruby.StrLit); ok && isPlain(sl) {
					source, known = path.Base(plain(sl)), true
				} else if ok && len(sl.Parts) > 0 && !sl.Parts[len(sl.Parts)-1].IsCode {
					user.suffix = sl.Parts[len(sl.Parts)-1].Lit
				}
			case "cookbook":
				// a computed cookbook may be this one: the resource
				// renders its source here then
				sl, ok := p.Args[0].(*ruby.StrLit)
				if ok && isPlain(sl) && plain(sl) != cookbook {
					return // another cookbook's template
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

// passed are the instance variables every template resource that may
// render the template file rel passes, nil when each passes a computed
// hash (any name). The resources are those naming rel's file name and
// those whose computed source may name it (templateUser.suffix); when
// there are none, the names any resource of the cookbook passes
// (passedVars).
func (u *templateUses) passed(rel string) map[string]bool {
	rel = filepath.ToSlash(rel)
	users := append([]templateUser(nil), u.bySource[path.Base(rel)]...)
	for _, us := range u.computed {
		if strings.HasSuffix(rel, us.suffix) {
			users = append(users, us)
		}
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
