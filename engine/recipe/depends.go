package recipe

import (
	"fmt"
	"path/filepath"

	"github.com/converge-cm/converge/engine/share/semver"
)

// checkDepends reports an error when dep, found in the cookbook path, has a
// version that cb's depends constraint on it does not allow.
func checkDepends(cb, dep *Cookbook) error {
	text := cb.Depends[dep.Name]
	meta := filepath.Join(cb.Dir, "metadata.star")
	c, err := semver.ParseConstraint(text)
	if err != nil {
		return fmt.Errorf("%s: depends on %s: %v", meta, dep.Name, err)
	}
	if c.Any() {
		return nil
	}
	ver := dep.Version
	if ver == "" {
		ver = "0.0.0" // Chef's default for a cookbook without a version
	}
	v, err := semver.Parse(ver)
	if err != nil {
		return fmt.Errorf("%s: %v", filepath.Join(dep.Dir, "metadata.star"), err)
	}
	if !c.Allows(v) {
		return fmt.Errorf("cookbook %s depends on %s %s, but the %s found in %s is version %s; run 'converge cookbooks update %s' (or install) to fetch an allowed version, or change the constraint in %s",
			cb.Name, dep.Name, c, dep.Name, dep.Dir, ver, dep.Name, meta)
	}
	return nil
}
