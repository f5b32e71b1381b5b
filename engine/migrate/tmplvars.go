package migrate

import (
	"os"
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
