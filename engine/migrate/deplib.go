package migrate

// Helpers of dependencies: a recipe calls the library helpers of the
// cookbooks its metadata depends on as Chef mixes them all into the DSL;
// when those cookbooks are migrated in the same run, the call loads the
// function from @dep//libraries/<stem>.star.

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// scanLibraryHelpers records the helpers of a cookbook's libraries that
// translate, before any cookbook is written.
func scanLibraryHelpers(r *Report, dir, name string) {
	files, _ := filepath.Glob(filepath.Join(dir, "libraries", "*.rb"))
	if len(files) == 0 {
		return
	}
	sort.Strings(files)
	src := map[string]string{}
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil {
			src[strings.TrimSuffix(filepath.Base(f), ".rb")] = string(b)
		}
	}
	lib, _ := readLibraries(src)
	for _, stem := range sortedKeys(src) {
		translateLibrary(name+"/libraries/"+stem+".rb", name, stem, src[stem], lib) // drops what does not translate
	}
	if r.libs == nil {
		r.libs = map[string]map[string]*helper{}
	}
	if _, dup := r.libs[name]; !dup {
		r.libs[name] = lib.helpers
	}
}

// addDependencyHelpers makes the helpers of the cookbooks deps name
// callable from lib's cookbook; its own helpers of the same name win.
func addDependencyHelpers(r *Report, lib *library, deps [][2]string) {
	for _, d := range deps {
		hs := r.libs[d[0]]
		for _, n := range sortedKeys(hs) {
			if _, own := lib.helpers[n]; own || hs[n].cookbook != "" {
				continue
			}
			h := *hs[n]
			h.cookbook = d[0]
			lib.helpers[n] = &h
		}
	}
}
