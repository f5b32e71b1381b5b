package migrate

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Test cookbooks are named for the suite that runs them, and most are
// named "test": `converge migrate autofs line` finds autofs's
// test/cookbooks/test and line's test/fixtures/cookbooks/test. Both are
// migrated, since a test cookbook is how a person checks the migration;
// when two would take the same name, the one of the cookbook that the
// others build on is renamed after its cookbook (line_test), and keeps
// its recipes, kinds and self-references under that name. So the main
// cookbook, the one nothing else given depends on, keeps "test", and
// `converge check -r test::default` runs the suite its kitchen.yml ran.
// Among cookbooks equally depended on, the one given first keeps the
// name. MIGRATION.md says which were renamed.

// srcCookbooks lists the cookbook directories srcDirs name, in order: a
// cookbook itself, or the cookbooks of a chef-repo.
func srcCookbooks(srcDirs []string) []string {
	var out []string
	for _, dir := range srcDirs {
		if isCookbook(dir) {
			out = append(out, dir)
			continue
		}
		for _, sub := range []string{"cookbooks", "site-cookbooks"} {
			entries, _ := os.ReadDir(filepath.Join(dir, sub))
			for _, en := range entries {
				if p := filepath.Join(dir, sub, en.Name()); en.IsDir() && isCookbook(p) {
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// cookbookMeta is the metadata of the cookbook in dir: its name (the
// directory's when metadata does not say) and what it depends on.
func cookbookMeta(dir string) *metadata {
	var m *metadata
	if b, err := os.ReadFile(filepath.Join(dir, "metadata.rb")); err == nil {
		m, _ = readMetadataRb("metadata.rb", string(b))
	} else if b, err := os.ReadFile(filepath.Join(dir, "metadata.json")); err == nil {
		m, _ = readMetadataJSON("metadata.json", b)
	}
	if m == nil {
		m = &metadata{}
	}
	if m.name == "" {
		m.name = filepath.Base(filepath.Clean(dir))
	}
	return m
}

// testNames decides the converge name of every test cookbook of the
// cookbooks in dirs whose name another cookbook of the migration already
// has (see above); it returns them by cleaned directory, with the
// warnings that say so.
func testNames(dirs []string) (map[string]string, []string) {
	type cb struct {
		dir, name string
		order     int
		depended  bool
	}
	var cbs []*cb
	taken := map[string]bool{}
	for i, d := range dirs {
		m := cookbookMeta(d)
		cbs = append(cbs, &cb{dir: d, name: m.name, order: i})
		taken[m.name] = true
	}
	for _, d := range dirs {
		for _, dep := range cookbookMeta(d).depends {
			for _, c := range cbs {
				if c.name == dep[0] && c.dir != d {
					c.depended = true
				}
			}
		}
	}
	sort.SliceStable(cbs, func(i, j int) bool {
		if cbs[i].depended != cbs[j].depended {
			return !cbs[i].depended
		}
		return cbs[i].order < cbs[j].order
	})
	names := map[string]string{}
	var warnings []string
	owner := map[string]string{} // test cookbook name -> the cookbook whose test it is
	for _, c := range cbs {
		for _, tc := range testCookbooks(c.dir) {
			if sameDir(tc, dirs) {
				continue // given by itself too: it keeps its name
			}
			n := cookbookMeta(tc).name
			if !taken[n] {
				taken[n] = true
				owner[n] = c.name
				continue
			}
			renamed := c.name + "_" + n
			for i := 2; taken[renamed]; i++ {
				renamed = fmt.Sprintf("%s_%s%d", c.name, n, i)
			}
			taken[renamed] = true
			names[filepath.Clean(tc)] = renamed
			other := "another cookbook"
			if o, ok := owner[n]; ok {
				other = "the test cookbook of " + o
			}
			warnings = append(warnings, fmt.Sprintf("%s: test cookbook %s of %s is migrated as %s, since %s is also named %s: run its recipes with -r %s::RECIPE", tc, n, c.name, renamed, other, n, renamed))
		}
	}
	return names, warnings
}

// renameSelf rewrites the include_recipe calls of a renamed cookbook's
// recipe that name the cookbook itself by its Chef name.
func renameSelf(star, chefName, name string) string {
	return strings.ReplaceAll(star, `include_recipe("`+chefName+`::`, `include_recipe("`+name+`::`)
}
