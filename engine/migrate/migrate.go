package migrate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Migrate translates Chef cookbooks into converge cookbooks under outDir.
//
// Each srcDir is a Chef cookbook (metadata.rb or metadata.json, with
// attributes/, recipes/, templates/, files/) or a chef-repo (cookbooks/ or
// site-cookbooks/ with cookbooks, plus nodes/*.json and roles/*.json). The
// output is outDir/cookbooks/<name>/..., outDir/nodes, outDir/roles, and
// outDir/MIGRATION.md listing every construct left for a person.
//
// The error is for what stops the migration (an unreadable directory, a
// file that cannot be written); what could not be translated is in
// Report.Todos, and the output is written all the same.
func Migrate(srcDirs []string, outDir string) (Report, error) {
	var r Report
	if len(srcDirs) == 0 {
		return r, errors.New("migrate: no Chef cookbook or chef-repo directory given")
	}
	seen := map[string]string{}
	// the custom kinds first: a recipe may use those of any cookbook
	r.kinds = map[string]*crKind{}
	var renamed []string
	r.names, renamed = testNames(srcCookbooks(srcDirs))
	r.Warnings = append(r.Warnings, renamed...)
	for _, dir := range srcDirs {
		scanTree(&r, dir)
	}
	for _, dir := range srcDirs {
		scanDefinitionCalls(&r, dir)
	}
	for _, dir := range srcDirs {
		st, err := os.Stat(dir)
		if err != nil {
			return r, fmt.Errorf("migrate: %w", err)
		}
		if !st.IsDir() {
			return r, fmt.Errorf("migrate: %s is not a directory", dir)
		}
		switch {
		case isCookbook(dir):
			if err := migrateCookbook(&r, dir, outDir, seen); err != nil {
				return r, err
			}
		case isChefRepo(dir):
			if err := migrateRepo(&r, dir, outDir, seen); err != nil {
				return r, err
			}
		default:
			return r, fmt.Errorf("migrate: %s is neither a Chef cookbook (no metadata.rb) nor a chef-repo (no cookbooks/)", dir)
		}
	}
	r.sortTodos()
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return r, fmt.Errorf("migrate: %w", err)
	}
	if err := os.WriteFile(filepath.Join(outDir, "MIGRATION.md"), []byte(r.markdown()), 0o644); err != nil {
		return r, fmt.Errorf("migrate: %w", err)
	}
	return r, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func isCookbook(dir string) bool {
	return hasMetadata(dir) || isBareCookbook(dir)
}

func hasMetadata(dir string) bool {
	return exists(filepath.Join(dir, "metadata.rb")) || exists(filepath.Join(dir, "metadata.json"))
}

// isBareCookbook reports whether dir is a cookbook without metadata, as
// in older knife-solo repositories: recipes/*.rb and no metadata.rb.
func isBareCookbook(dir string) bool {
	rb, _ := filepath.Glob(filepath.Join(dir, "recipes", "*.rb"))
	return len(rb) > 0 && !exists(filepath.Join(dir, "cookbooks"))
}

func isChefRepo(dir string) bool {
	return exists(filepath.Join(dir, "cookbooks")) || exists(filepath.Join(dir, "site-cookbooks")) ||
		exists(filepath.Join(dir, "nodes")) || exists(filepath.Join(dir, "roles"))
}

func migrateRepo(r *Report, dir, outDir string, seen map[string]string) error {
	for _, sub := range []string{"cookbooks", "site-cookbooks"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		for _, e := range entries {
			cb := filepath.Join(dir, sub, e.Name())
			if e.IsDir() && isCookbook(cb) {
				if err := migrateCookbook(r, cb, outDir, seen); err != nil {
					return err
				}
			}
		}
	}
	if err := migrateJSONDir(r, dir, "nodes", outDir, convertNode, &r.Nodes); err != nil {
		return err
	}
	if err := migrateJSONDir(r, dir, "roles", outDir, convertRole, &r.Roles); err != nil {
		return err
	}
	return migrateTeamData(r, dir, outDir)
}

func migrateCookbook(r *Report, dir, outDir string, seen map[string]string) error {
	if sameDir(dir, slices.Collect(maps.Values(seen))) {
		// given as well as found: a test cookbook named on the command
		// line beside the cookbook that ships it
		return nil
	}
	base := filepath.Base(filepath.Clean(dir))
	var meta *metadata
	var todos []Todo
	if b, err := os.ReadFile(filepath.Join(dir, "metadata.rb")); err == nil {
		meta, todos = readMetadataRb(base+"/metadata.rb", string(b))
	} else if b, err := os.ReadFile(filepath.Join(dir, "metadata.json")); err == nil {
		meta, todos = readMetadataJSON(base+"/metadata.json", b)
	} else {
		// older knife-solo repositories: the directory names the cookbook
		meta = &metadata{name: base}
		as, why := r.nameOf(dir), "its directory name"
		if as != base {
			why = "see above"
		}
		r.Warnings = append(r.Warnings, fmt.Sprintf("%s: no metadata.rb or metadata.json; migrated as cookbook %q (%s), version 0.0.0: write the version and depends into cookbooks/%s/metadata.star", dir, as, why, as))
	}
	firstTodo := len(r.Todos)
	r.Todos = append(r.Todos, todos...)
	name := meta.name
	if name == "" {
		name = base
		meta.name = base
	}
	chefName := name // what the Chef recipes of the cookbook call it
	if n, ok := r.names[filepath.Clean(dir)]; ok {
		name, meta.name = n, n
	}
	if prev, dup := seen[name]; dup {
		return fmt.Errorf("migrate: cookbook %s found twice (%s and %s)", name, prev, dir)
	}
	seen[name] = dir
	out := filepath.Join(outDir, "cookbooks", name)
	sum := CookbookSummary{Name: name, Resources: map[string]int{}}
	included := map[string]bool{}
	// libraries first: the recipes and attribute files call their helpers
	libFiles, _ := filepath.Glob(filepath.Join(dir, "libraries", "*.rb"))
	sort.Strings(libFiles)
	libSrc := map[string]string{}
	for _, f := range libFiles {
		src, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		libSrc[strings.TrimSuffix(filepath.Base(f), ".rb")] = string(src)
	}
	lib, _ := readLibraries(libSrc)
	if meta != nil {
		addDependencyHelpers(r, lib, meta.depends)
	}
	lib.attrs = knownAttrs{}
	lib.attrs.scanRepoJSON(filepath.Dir(filepath.Dir(dir)))
	lib.attrs.add(attrsOf(dir), true)
	r.addRunAttrs(lib.attrs, name, meta.depends)
	lib.attrs.scanEnvironmentKinds(filepath.Dir(filepath.Dir(dir)))
	seenUnset := map[string]bool{}
	for _, pat := range []string{"recipes/*.rb", "libraries/*.rb", "templates/*/*.erb", "templates/*.erb"} {
		files, _ := filepath.Glob(filepath.Join(dir, pat))
		for _, f := range files {
			if src, err := os.ReadFile(f); err == nil {
				for _, p := range lib.attrs.neverSet(string(src), seenUnset) {
					rel, _ := filepath.Rel(dir, f)
					r.Notes = append(r.Notes, fmt.Sprintf("%s/%s reads %s, which no cookbook of the migration sets: Chef reads it as nil, and so does the translation (a misspelt name, or one a node or role is meant to set?)", base, rel, p))
				}
			}
		}
	}
	var kindSrcs []string
	for _, pat := range []string{"resources/*.rb", "providers/*.rb"} {
		files, _ := filepath.Glob(filepath.Join(dir, pat))
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil {
				kindSrcs = append(kindSrcs, string(b))
			}
		}
	}
	lib.kindModules = resourceModules(kindSrcs, libSrc)
	for _, stem := range sortedKeys(libSrc) {
		rel := base + "/libraries/" + stem + ".rb"
		star, todos := translateLibrary(rel, name, stem, libSrc[stem], lib)
		r.Todos = append(r.Todos, todos...)
		header := "# Translated from libraries/" + stem + ".rb by converge migrate.\n"
		if err := writeFile(filepath.Join(out, "libraries", stem+".star"), []byte(header+star)); err != nil {
			return err
		}
	}
	r.Notes = append(r.Notes, lib.notes...)
	for _, n := range sortedKeys(lib.helpers) {
		if lib.helpers[n].cookbook == "" {
			sum.Helpers = append(sum.Helpers, strings.TrimPrefix(lib.helpers[n].module+"#"+n, "#"))
		}
	}
	kinds := r.kindsFor(name, r.testOf[filepath.Clean(dir)], meta.depends)
	lib.before = r.attrsBeforeFiles(dir, name, meta.depends)
	for _, sub := range []string{"attributes", "recipes"} {
		files, err := filepath.Glob(filepath.Join(dir, sub, "*.rb"))
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		sort.Strings(files)
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				return fmt.Errorf("migrate: %w", err)
			}
			kind := kindRecipe
			if sub == "attributes" {
				kind = kindAttributes
			}
			stem := strings.TrimSuffix(filepath.Base(f), ".rb")
			rel := base + "/" + sub + "/" + filepath.Base(f)
			tr := translateFileKinds(rel, kind, name, stem, string(src), lib, kinds)
			if name != chefName {
				tr.star = renameSelf(tr.star, chefName, name)
			}
			r.Todos = append(r.Todos, tr.todos...)
			r.Notes = append(r.Notes, tr.notes...)
			for k, n := range tr.resources {
				sum.Resources[k] += n
			}
			for _, m := range includeRe.FindAllStringSubmatch(tr.star, -1) {
				included[m[1]] = true
			}
			for _, k := range r.kinds {
				if tr.resources[k.kind] > 0 {
					included[k.cookbook] = true // a kind of it is declared
				}
			}
			header := "# Translated from " + sub + "/" + filepath.Base(f) + " by converge migrate.\n"
			if err := writeFile(filepath.Join(out, sub, stem+".star"), []byte(header+tr.star)); err != nil {
				return err
			}
			if tr.attrs != "" {
				if err := writeFile(filepath.Join(out, "attributes", "zz_recipe_"+stem+".star"), []byte(tr.attrs)); err != nil {
					return err
				}
			}
		}
	}
	if !hasMetadata(dir) {
		// no metadata to name the dependencies: the cookbooks the recipes
		// include, or whose kinds they use (a test cookbook's of the
		// cookbook it tests), are depended on, at any version
		for _, k := range r.kinds {
			if sum.Resources[k.kind] > 0 {
				included[k.cookbook] = true
			}
		}
		for _, dep := range sortedKeys(included) {
			if dep != name {
				meta.depends = append(meta.depends, [2]string{dep, ">= 0.0.0"})
			}
		}
	}
	if err := writeFile(filepath.Join(out, "metadata.star"), []byte(meta.star())); err != nil {
		return err
	}
	if err := migrateTemplates(r, dir, name, base, out, lib.attrs); err != nil {
		return err
	}
	if err := copyTree(filepath.Join(dir, "files"), filepath.Join(out, "files")); err != nil {
		return err
	}
	mixed, _ := libMixins(libSrc)
	libs := &kindLibs{lib: lib, files: libSrc, base: base, mixed: mixed}
	if err := migrateKinds(r, &sum, dir, base, out, name, kinds, libs); err != nil {
		return err
	}
	r.Cookbooks = append(r.Cookbooks, name)
	sum.Todos = append([]Todo{}, r.Todos[firstTodo:]...)
	tests := testCookbooks(dir)
	for _, tc := range tests {
		sum.TestCookbooks = append(sum.TestCookbooks, r.nameOf(tc))
	}
	r.Summaries = append(r.Summaries, sum)
	for _, tc := range tests {
		if r.testOf == nil {
			r.testOf = map[string]string{}
		}
		r.testOf[filepath.Clean(tc)] = name
		n := len(r.Summaries)
		if err := migrateCookbook(r, tc, outDir, seen); err != nil {
			return err
		}
		if len(r.Summaries) > n {
			r.Summaries[len(r.Summaries)-1].TestOf = name
		}
	}
	return nil
}

// sameDir reports whether dir is one of dirs.
func sameDir(dir string, dirs []string) bool {
	a, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for _, d := range dirs {
		if b, err := filepath.Abs(d); err == nil && a == b {
			return true
		}
	}
	return false
}

var includeRe = regexp.MustCompile(`(?m)^\s*include_recipe\("([A-Za-z0-9_.-]+)::`)

func migrateTemplates(r *Report, dir, name, base, out string, attrs knownAttrs) error {
	root := filepath.Join(dir, "templates")
	if !exists(root) {
		return nil
	}
	uses := readTemplateUses(dir, name)
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		srcRel := base + "/templates/" + filepath.ToSlash(rel)
		tmpl, notes, terr := translateERB(string(src), attrs, uses.passed(rel))
		for _, n := range notes {
			r.Warnings = append(r.Warnings, hashOrderNote(srcRel, n))
		}
		var ee *ERBError
		if errors.As(terr, &ee) {
			for _, is := range ee.Issues {
				r.Todos = append(r.Todos, Todo{File: srcRel, Line: is.Line, Construct: is.Code, Why: is.Why})
			}
		} else if terr != nil {
			r.Todos = append(r.Todos, Todo{File: srcRel, Construct: "template", Why: terr.Error()})
		}
		dst := filepath.Join(out, "templates", filepath.Dir(rel), tmplName(filepath.Base(rel)))
		return writeFile(dst, []byte(tmpl))
	})
}

// hashOrderNote is the MIGRATION.md note of a template walking a fact's
// hash: the one walk whose order is not Chef's.
func hashOrderNote(file string, n ERBNote) string {
	return fmt.Sprintf("hash order: %s:%d iterates %s, a fact, in sorted key order; Chef iterates it in the order Ohai wrote it — check the output", file, n.Line, n.What)
}

func writeFile(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

func copyTree(src, dst string) error {
	if !exists(src) {
		return nil
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if d.IsDir() || d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		target := filepath.Join(dst, rel)
		if err := writeFile(target, data); err != nil {
			return err
		}
		return os.Chmod(target, info.Mode().Perm())
	})
}

// ---- nodes and roles ----

type convertFunc func(name string, in map[string]any) (orderedJSON, []string)

// orderedJSON is a JSON object written with its keys in a set order.
type orderedJSON struct {
	keys []string
	vals map[string]any
}

func (o *orderedJSON) set(k string, v any) {
	if o.vals == nil {
		o.vals = map[string]any{}
	}
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

func (o orderedJSON) marshal() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, k := range o.keys {
		kb, _ := json.Marshal(k)
		// not HTML-escaped: a constraint "~> 1.0" stays readable
		var vb bytes.Buffer
		enc := json.NewEncoder(&vb)
		enc.SetEscapeHTML(false)
		enc.SetIndent("  ", "  ")
		if err := enc.Encode(o.vals[k]); err != nil {
			return nil, err
		}
		b.WriteString("  " + string(kb) + ": " + strings.TrimSuffix(vb.String(), "\n"))
		if i < len(o.keys)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	return b.Bytes(), nil
}

func migrateJSONDir(r *Report, dir, sub, outDir string, conv convertFunc, names *[]string) error {
	files, _ := filepath.Glob(filepath.Join(dir, sub, "*"))
	sort.Strings(files)
	for _, f := range files {
		rel := filepath.Base(dir) + "/" + sub + "/" + filepath.Base(f)
		switch filepath.Ext(f) {
		case ".json":
		case ".rb":
			r.Todos = append(r.Todos, Todo{File: rel, Construct: sub + " in Ruby", Why: "only JSON " + sub + " are carried over; write it as JSON (knife role show -F json)"})
			continue
		default:
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		var in map[string]any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&in); err != nil {
			r.Todos = append(r.Todos, Todo{File: rel, Construct: "JSON", Why: "not valid JSON: " + err.Error()})
			continue
		}
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		out, notes := conv(name, in)
		for _, n := range notes {
			r.Todos = append(r.Todos, Todo{File: rel, Construct: sub, Why: n})
		}
		b, err := out.marshal()
		if err != nil {
			return fmt.Errorf("migrate: %s: %w", rel, err)
		}
		if err := writeFile(filepath.Join(outDir, sub, filepath.Base(f)), b); err != nil {
			return err
		}
		*names = append(*names, name)
	}
	return nil
}

// convertNode turns a Chef node (a full node object with "normal", or a
// knife-solo nodes/*.json whose top level holds the normal attributes)
// into converge's node file.
func convertNode(name string, in map[string]any) (orderedJSON, []string) {
	var out orderedJSON
	var notes []string
	if n, ok := in["name"].(string); ok && n != "" {
		name = n
	}
	out.set("name", name)
	if env, ok := in["chef_environment"].(string); ok && env != "" && env != "_default" {
		out.set("chef_environment", env) // environments/ENV.json is carried over
	}
	if rl, ok := in["run_list"]; ok {
		out.set("run_list", rl)
	} else {
		out.set("run_list", []any{})
	}
	if ip := lookupString(in, "automatic", "ipaddress"); ip != "" {
		out.set("converge", map[string]any{"host": ip})
	}
	attrs, full := in, false
	if normal, ok := in["normal"].(map[string]any); ok {
		attrs, full = normal, true
	}
	skip := map[string]bool{"name": true, "run_list": true, "json_class": true, "chef_type": true,
		"chef_environment": true, "automatic": true, "normal": true, "default": true, "override": true}
	for _, k := range sortedKeys(attrs) {
		if !full && skip[k] {
			continue
		}
		out.set(k, attrs[k])
	}
	for _, lvl := range []string{"default", "override"} {
		if m, ok := in[lvl].(map[string]any); ok && len(m) > 0 {
			notes = append(notes, "the node's "+lvl+" attributes are not carried over (a converge node file holds normal attributes); move them to a role or an attribute file")
		}
	}
	return out, notes
}

func lookupString(m map[string]any, keys ...string) string {
	var cur any = m
	for _, k := range keys {
		mm, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = mm[k]
	}
	s, _ := cur.(string)
	return s
}

// convertRole keeps a Chef role's name, description, run_list and
// attributes: converge reads Chef's role format.
func convertRole(name string, in map[string]any) (orderedJSON, []string) {
	var out orderedJSON
	var notes []string
	if n, ok := in["name"].(string); ok && n != "" {
		name = n
	}
	out.set("name", name)
	if d, ok := in["description"].(string); ok && d != "" {
		out.set("description", d)
	}
	rl, ok := in["run_list"]
	if !ok {
		rl = []any{}
	}
	out.set("run_list", rl)
	for _, k := range []string{"default_attributes", "override_attributes"} {
		v, ok := in[k]
		if !ok {
			v = map[string]any{}
		}
		out.set(k, v)
	}
	if m, ok := in["env_run_lists"].(map[string]any); ok && len(m) > 0 {
		notes = append(notes, "env_run_lists have no converge equivalent; the default run_list is kept")
	}
	return out, notes
}
