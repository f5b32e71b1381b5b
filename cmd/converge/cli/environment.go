package cli

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/converge-cm/converge/engine/recipe"
	"github.com/converge-cm/converge/engine/share"
)

// versionOrigin tells the recipe compiler where the version of a shared
// cookbook comes from, for an environment's cookbook_versions that the
// lock violates: the vendored copy is what converge.lock pins. A cookbook
// of the repository's own (cookbooks/) is left to the compiler, which
// names its metadata.star.
func versionOrigin() (func(cb *recipe.Cookbook) (string, string), error) {
	lock, err := share.ReadLock(".")
	if err != nil {
		return nil, &exitError{code: ExitUsage, err: err}
	}
	if lock == nil {
		return nil, nil
	}
	vendor := filepath.Clean(share.VendorDir)
	return func(cb *recipe.Cookbook) (string, string) {
		l := lock.Cookbooks[cb.Name]
		if l == nil || filepath.Dir(filepath.Clean(cb.Dir)) != vendor {
			return "", ""
		}
		from := l.Source
		if l.Ref != "" {
			from += " " + strings.TrimPrefix(strings.TrimPrefix(l.Ref, "refs/tags/"), "refs/heads/")
		}
		if len(l.Commit) >= 12 && !strings.Contains(l.Ref, l.Commit) {
			from += ", commit " + l.Commit[:12]
		}
		return fmt.Sprintf("%s pins %s (from %s)", share.LockFile, l.Version, from),
			fmt.Sprintf("run 'converge cookbooks update %s' to lock a version it allows (converge.yaml may pin one)", cb.Name)
	}, nil
}
