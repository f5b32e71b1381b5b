package recipe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/inventory"
	"github.com/converge-cm/converge/engine/keyorder"
	"github.com/hashicorp/go-multierror"
	starjson "go.starlark.net/lib/json"
	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

// Input is what one node's compile needs.
type Input struct {
	Name  string
	Facts facts.Facts
	// Normal attributes: node JSON, -j and -a, already merged.
	Normal map[string]any
	// Order is the key order of Normal's maps, as the JSON they were read
	// from writes them; nil walks them in sorted order.
	Order   *keyorder.Table
	RunList []string
	Cluster []ClusterMember
	// Environment is the node's Chef environment (environments/NAME.json);
	// "" is _default.
	Environment string
	// AllowTodo compiles cookbooks holding TODO markers left by converge
	// migrate (todo() is then False); without it Compile refuses them
	// with a *TodoError.
	AllowTodo bool
}

type compiler struct {
	repo *Repo
	in   Input
	node *engine.Node
	coll *engine.Collection

	included map[string]bool
	modules  map[string]*moduleEntry
	// stack of the cookbooks and recipes being executed
	cookbooks []string
	recipes   []string
	pending   []pendingNote
	resolved  int // pending[:resolved] are connected
	handles   map[engine.Resource]*Handle

	// kinds are the custom kinds of the run's cookbooks; customs the
	// custom resources declared; scopes the actions being compiled.
	kinds   map[string]*customKind
	customs map[engine.Resource]*customInst
	scopes  []*innerScope
	// callers are the cookbook_name of the custom resources whose
	// actions are being compiled, innermost last.
	callers []string

	nodeVal starlark.Value
	// runState is Chef's node.run_state: a dict the recipes of one run
	// share, to pass values computed in one recipe to a later one.
	runState    *starlark.Dict
	clusterVal  starlark.Value
	predeclared starlark.StringDict
	// searchRecs are the nodes search("node", ...) finds, read once.
	searchRecs []searchRec
	// ord records the key order of the maps of the compile's data
	// (attributes, variables, properties): Ruby's insertion order.
	ord *keyorder.Table
}

type moduleEntry struct {
	globals starlark.StringDict
	err     error
	loading bool
}

type pendingNote struct {
	from      engine.Resource
	n         engine.Notification
	target    engine.Resource // set when a handle was given
	subscribe bool
	scope     *innerScope // where it was declared; nil: the run list
}

// Entry is one run list item, normalised to cookbook::recipe.
type Entry struct {
	Cookbook, Recipe string
}

func (e Entry) String() string { return e.Cookbook + "::" + e.Recipe }

var (
	recipeRe = regexp.MustCompile(`^recipe\[([A-Za-z0-9_.-]+)(?:::([A-Za-z0-9_.-]+))?(?:@[^\]]+)?\]$`)
	roleRe   = regexp.MustCompile(`^role\[([A-Za-z0-9_.-]+)\]$`)
	plainRe  = regexp.MustCompile(`^([A-Za-z0-9_.-]+)(?:::([A-Za-z0-9_.-]+))?$`)
)

// SplitRunList splits a comma-separated run list, keeping Chef's
// recipe[a::b] and role[x] forms whole.
func SplitRunList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Compile builds the node's resource collection: attributes of every
// cookbook the run list reaches (dependencies first), then the recipes in
// run list order. All errors found are returned together.
func (r *Repo) Compile(in Input) (*engine.Collection, error) {
	c := &compiler{
		repo: r, in: in,
		included: map[string]bool{}, modules: map[string]*moduleEntry{},
		handles: map[engine.Resource]*Handle{}, customs: map[engine.Resource]*customInst{},
		ord: keyorder.New(),
	}
	c.ord.Include(in.Order)
	entries, roleDefault, roleOverride, err := r.expand(in.RunList, &roleWalk{done: map[string]bool{}, ord: c.ord})
	if err != nil {
		return nil, err
	}
	entries = uniqueEntries(entries)
	if len(entries) == 0 {
		return nil, errors.New("the run list is empty; give one with -r (for example -r pm_corosync) or in nodes/NAME.json")
	}
	order, err := r.closure(entries)
	if err != nil {
		return nil, err
	}
	env, err := r.loadEnvironment(in.Environment, c.ord)
	if err != nil {
		return nil, err
	}
	if err := r.CheckVersions(env, order); err != nil {
		return nil, err
	}
	if !in.AllowTodo {
		todos, err := r.Todos(order)
		if err != nil {
			return nil, err
		}
		if len(todos) > 0 {
			return nil, &TodoError{Todos: todos}
		}
	}
	if c.kinds, err = r.discoverKinds(order); err != nil {
		return nil, err
	}
	automatic := in.Facts.Map()
	// Chef's node["recipes"]: the expanded run list, so a recipe can ask
	// whether another recipe of the run will follow it.
	recipes := make([]any, len(entries))
	for i, e := range entries {
		recipes[i] = e.String()
	}
	automatic["recipes"] = recipes
	c.node = &engine.Node{Name: in.Name, Facts: in.Facts, Environment: env.Name}
	c.clusterVal = clusterValue(in.Cluster)

	// Attributes, as Chef merges them (docs.chef.io/attribute_precedence),
	// lowest first: attributes-file default < environment default < role
	// default < force_default < normal < attributes-file override < role
	// override < environment override < force_override < automatic. The
	// role and environment levels are kept apart from the files' so that a
	// file loaded later cannot beat them. The merged keys are in Chef's
	// order: where a key first appears, walking the levels lowest first
	// (deepMerge).
	var lv attrLevels
	lv.def, lv.ovr, lv.forceDef, lv.forceOvr = map[string]any{}, map[string]any{}, map[string]any{}, map[string]any{}
	lv.normal = deepMerge(c.ord, map[string]any{}, in.Normal)
	merge := func(l attrLevels, ord *keyorder.Table) map[string]any {
		m := deepMerge(ord, map[string]any{}, l.def)
		for _, level := range []map[string]any{env.Default, roleDefault, l.forceDef, l.normal, l.ovr, roleOverride, env.Override, l.forceOvr, automatic} {
			m = deepMerge(ord, m, level)
		}
		return m
	}
	for _, name := range order {
		cb := r.Cookbooks[name]
		for _, f := range cb.AttributeFiles() {
			c.node.Attrs = merge(lv, c.ord)
			got, err := c.execAttributes(cb, f, func(cur attrLevels, ord *keyorder.Table) map[string]any { return merge(lv.with(cur, ord), ord) })
			if err != nil {
				return nil, err
			}
			lv = lv.with(got, c.ord)
		}
	}
	c.node.Attrs = merge(lv, c.ord)
	c.nodeVal = newNodeValue(c.node, c.ord)
	c.coll = engine.NewCollection(c.node)
	c.runState = starlark.NewDict(0)
	c.predeclared = c.builtins()

	for _, e := range entries {
		if err := c.includeRecipe(e, engine.Pos{}); err != nil {
			return nil, err
		}
	}
	var errs *multierror.Error
	if err := c.resolveNotifications(); err != nil {
		errs = multierror.Append(errs, err)
	}
	var nodeData any
	pc := &engine.PrepareContext{
		Node:     c.node,
		Secrets:  r.Secrets,
		ReadFile: os.ReadFile,
		FindFile: func(cookbook, dir, name string) (string, error) {
			if err := r.inRun(cookbook, order); err != nil {
				return "", err
			}
			return r.Cookbooks[cookbook].FindFile(dir, name, c.node)
		},
		KeyOrder: c.ord,
		TemplateData: func(vars map[string]any) map[string]any {
			data := map[string]any{}
			for k, v := range vars {
				data[k] = v
			}
			c.ord.Set(data, append(c.ord.Keys(vars), "node"))
			if nodeData == nil {
				nodeData = wholeNumbers(c.node.Attrs, c.ord) // once per node: templates only read it
			}
			data["node"] = nodeData
			return data
		},
	}
	for _, res := range c.coll.Resources {
		if err := res.Prepare(pc); err != nil {
			var d *engine.Diagnostic
			if !errors.As(err, &d) {
				b := res.Base()
				err = &engine.Diagnostic{Pos: b.Pos, Address: b.Address(), Summary: err.Error()}
			}
			errs = multierror.Append(errs, err)
		}
	}
	if errs != nil {
		errs.ErrorFormat = diagList
		return nil, errs
	}
	return c.coll, nil
}

func diagList(es []error) string {
	if len(es) == 1 {
		return es[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d errors:\n", len(es))
	for _, e := range es {
		b.WriteString("  " + strings.ReplaceAll(e.Error(), "\n", "\n  ") + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// roleWalk is the state of a run list expansion: the roles being
// expanded (a cycle if met again) and those already expanded (met again
// through another path, a diamond: skipped, as Chef expands a role once).
type roleWalk struct {
	path []string
	done map[string]bool
	ord  *keyorder.Table // records the key order of the roles' attributes
}

// uniqueEntries drops repeated recipes, keeping the first: the expanded
// run list holds each recipe once.
func uniqueEntries(es []Entry) []Entry {
	seen := map[Entry]bool{}
	out := es[:0:0]
	for _, e := range es {
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out
}

// expand turns run list items into recipes, expanding roles.
func (r *Repo) expand(items []string, w *roleWalk) ([]Entry, map[string]any, map[string]any, error) {
	var out []Entry
	def, ovr := map[string]any{}, map[string]any{}
	for _, it := range items {
		if m := roleRe.FindStringSubmatch(it); m != nil {
			if slices.Contains(w.path, m[1]) {
				return nil, nil, nil, fmt.Errorf("role %s includes itself: %s → %s", m[1], strings.Join(w.path, " → "), m[1])
			}
			if w.done[m[1]] {
				continue
			}
			role, err := r.readRole(m[1], w.ord)
			if err != nil {
				return nil, nil, nil, err
			}
			w.path = append(w.path, m[1])
			e, d, o, err := r.expand(role.RunList, w)
			w.path = w.path[:len(w.path)-1]
			if err != nil {
				return nil, nil, nil, err
			}
			w.done[m[1]] = true
			out = append(out, e...)
			def = deepMerge(w.ord, deepMerge(w.ord, def, d), role.Default)
			ovr = deepMerge(w.ord, deepMerge(w.ord, ovr, o), role.Override)
			continue
		}
		m := recipeRe.FindStringSubmatch(it)
		if m == nil {
			m = plainRe.FindStringSubmatch(it)
		}
		if m == nil {
			return nil, nil, nil, fmt.Errorf("run list item %q is not cookbook, cookbook::recipe, recipe[cookbook::recipe] or role[name]", it)
		}
		e := Entry{Cookbook: m[1], Recipe: m[2]}
		if e.Recipe == "" {
			e.Recipe = "default"
		}
		out = append(out, e)
	}
	return out, def, ovr, nil
}

type role struct {
	RunList  []string       `json:"run_list"`
	Default  map[string]any `json:"default_attributes"`
	Override map[string]any `json:"override_attributes"`
}

// readRole reads roles/NAME.json; ord records the key order of its
// attributes.
func (r *Repo) readRole(name string, ord *keyorder.Table) (*role, error) {
	if r.RolesDir == "" {
		return nil, fmt.Errorf("role[%s]: no roles directory (roles/%s.json)", name, name)
	}
	p := filepath.Join(r.RolesDir, name+".json")
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("role[%s]: %w", name, err)
	}
	var ro role
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&ro); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	// again, for the order the attributes are written in
	raw, err := keyorder.Decode(json.NewDecoder(bytes.NewReader(b)), ord)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	obj, _ := raw.(map[string]any)
	ro.Default, _ = obj["default_attributes"].(map[string]any)
	ro.Override, _ = obj["override_attributes"].(map[string]any)
	// numbers as in nodes/*.json: 8080 an integer, a huge id exact or an error
	for _, m := range []*map[string]any{&ro.Default, &ro.Override} {
		v, err := inventory.ExactNumbers(*m)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		*m, _ = v.(map[string]any)
	}
	return &ro, nil
}

// closure returns the cookbooks the run list reaches, each after its
// dependencies, in run list order.
func (r *Repo) closure(entries []Entry) ([]string, error) {
	var order []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(name, from string) error
	visit = func(name, from string) error {
		switch state[name] {
		case 1:
			return fmt.Errorf("cookbook %s depends on itself through %s", name, from)
		case 2:
			return nil
		}
		cb, ok := r.Cookbooks[name]
		if !ok {
			return r.notFound(name, from)
		}
		state[name] = 1
		deps := make([]string, 0, len(cb.Depends))
		for d := range cb.Depends {
			deps = append(deps, d)
		}
		sort.Strings(deps)
		for _, d := range deps {
			if err := visit(d, name); err != nil {
				return err
			}
			if err := checkDepends(cb, r.Cookbooks[d]); err != nil {
				return err
			}
		}
		state[name] = 2
		order = append(order, name)
		return nil
	}
	for _, e := range entries {
		if err := visit(e.Cookbook, "the run list"); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// inRun returns a *engine.CookbookError unless cookbook is one of the
// run's cookbooks (order): as Chef, a template or cookbook_file takes its
// source from the cookbook= it names only when the run brings that
// cookbook.
func (r *Repo) inRun(cookbook string, order []string) error {
	if slices.Contains(order, cookbook) {
		return nil
	}
	if _, ok := r.Cookbooks[cookbook]; !ok {
		return &engine.CookbookError{Msg: fmt.Sprintf("cookbook %q is not in the cookbook path", cookbook),
			Fix: "correct cookbook=, or add the cookbook to the repository (--cookbook-path or CONVERGE_COOKBOOK_PATH)"}
	}
	return &engine.CookbookError{Msg: fmt.Sprintf("cookbook %s is not one of this run's cookbooks (%s)", cookbook, strings.Join(order, ", ")),
		Fix: fmt.Sprintf("make a cookbook of the run depend on it (depends = {%q: \">= 0\"} in its metadata.star), or correct cookbook=", cookbook)}
}

func (r *Repo) notFound(name, from string) error {
	var have []string
	for n := range r.Cookbooks {
		have = append(have, n)
	}
	sort.Strings(have)
	return fmt.Errorf("cookbook %s (wanted by %s) not found in the cookbook path; cookbooks found: %s (set --cookbook-path or CONVERGE_COOKBOOK_PATH)", name, from, strings.Join(have, ", "))
}

// attrLevels are the attribute levels an attributes file sets.
type attrLevels struct {
	def, forceDef, normal, ovr, forceOvr map[string]any
}

// with merges the levels of a later file over l's; ord records the key
// order of the merged maps.
func (l attrLevels) with(o attrLevels, ord *keyorder.Table) attrLevels {
	m := func(a, b map[string]any) map[string]any {
		return deepMerge(ord, deepMerge(ord, map[string]any{}, a), b)
	}
	return attrLevels{
		def:      m(l.def, o.def),
		forceDef: m(l.forceDef, o.forceDef),
		normal:   m(l.normal, o.normal),
		ovr:      m(l.ovr, o.ovr),
		forceOvr: m(l.forceOvr, o.forceOvr),
	}
}

// execAttributes runs one attributes file. Its node[...] reads what the
// earlier files set and what this file has set so far, merged in Chef's
// order (live merges the file's levels over the earlier ones, recording
// the key order in the Table it is given), as Chef's node does while it
// loads attribute files.
func (c *compiler) execAttributes(cb *Cookbook, file string, live func(attrLevels, *keyorder.Table) map[string]any) (attrLevels, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return attrLevels{}, err
	}
	d, o, n := newAttrTree("default"), newAttrTree("override"), newAttrTree("normal")
	fd, fo := newAttrTree("force_default"), newAttrTree("force_override")
	trees := func(ord *keyorder.Table) (attrLevels, error) {
		var l attrLevels
		for _, x := range []struct {
			t   *AttrTree
			dst *map[string]any
		}{{d, &l.def}, {fd, &l.forceDef}, {n, &l.normal}, {o, &l.ovr}, {fo, &l.forceOvr}} {
			m, err := x.t.toGo(ord)
			if err != nil {
				return attrLevels{}, err
			}
			*x.dst = m
		}
		return l, nil
	}
	node := &nodeValue{n: c.node, ord: c.ord, live: func() (map[string]any, *keyorder.Table) {
		// the maps of one read are dropped after it, and so is
		// their order
		ord := c.ord.Child()
		cur, err := trees(ord)
		if err != nil {
			// a value being built that does not convert yet: the
			// error is reported when the file has finished
			return c.node.Attrs, c.ord
		}
		return live(cur, ord), ord
	}}
	pre := starlark.StringDict{
		"default":         d,
		"override":        o,
		"normal":          n,
		"force_default":   fd,
		"force_override":  fo,
		"todo":            todoBuiltin,
		"node":            node,
		"cluster":         c.clusterValue(),
		"struct":          starlark.NewBuiltin("struct", starlarkstruct.Make),
		"re":              reModule,
		"secret":          starlark.NewBuiltin("secret", c.builtinSecret),
		"data_bag":        starlark.NewBuiltin("data_bag", c.builtinDataBag),
		"data_bag_item":   starlark.NewBuiltin("data_bag_item", c.builtinDataBagItem),
		"data_bag_exists": starlark.NewBuiltin("data_bag_exists", c.builtinDataBagExists),
		"search":          starlark.NewBuiltin("search", c.builtinSearch),

		"value_for_platform":        starlark.NewBuiltin("value_for_platform", c.builtinValueForPlatform),
		"value_for_platform_family": starlark.NewBuiltin("value_for_platform_family", c.builtinValueForPlatformFamily),
	}
	for n, b := range RubyBuiltins() {
		pre[n] = b
	}
	thread := newThread("attributes "+file, c.loader)
	d.thread, o.thread, n.thread, fd.thread, fo.thread = thread, thread, thread, thread, thread
	c.cookbooks = append(c.cookbooks, cb.Name)
	defer func() { c.cookbooks = c.cookbooks[:len(c.cookbooks)-1] }()
	if _, err := execFile(thread, file, src, pre); err != nil {
		return attrLevels{}, starlarkDiag(err, "")
	}
	return trees(c.ord)
}

// attributeLibraryBuiltins are the names a library loaded from an
// attribute file sees: the recipes' builtins resolve, so a library may mix
// attribute helpers with resource helpers, but calling one says where
// resources belong.
func (c *compiler) attributeLibraryBuiltins() starlark.StringDict {
	pre := starlark.StringDict{"node": newNodeValue(c.node, c.ord), "cluster": c.clusterValue(), "struct": starlark.NewBuiltin("struct", starlarkstruct.Make), "todo": todoBuiltin, "re": reModule,
		"secret": starlark.NewBuiltin("secret", c.builtinSecret), "data_bag": starlark.NewBuiltin("data_bag", c.builtinDataBag),
		"data_bag_item": starlark.NewBuiltin("data_bag_item", c.builtinDataBagItem), "data_bag_exists": starlark.NewBuiltin("data_bag_exists", c.builtinDataBagExists), "search": starlark.NewBuiltin("search", c.builtinSearch)}
	for n, b := range RubyBuiltins() {
		pre[n] = b
	}
	notHere := func(thread *starlark.Thread, b *starlark.Builtin, _ starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		return nil, fmt.Errorf("%s() can only be called while a recipe runs, not from an attribute file", b.Name())
	}
	pre["include_recipe"] = starlark.NewBuiltin("include_recipe", notHere)
	for _, k := range engine.Kinds() {
		pre[k.Name] = starlark.NewBuiltin(k.Name, notHere)
	}
	return pre
}

func (c *compiler) clusterValue() starlark.Value {
	if c.clusterVal == nil {
		c.clusterVal = clusterValue(c.in.Cluster)
	}
	return c.clusterVal
}

func (c *compiler) builtins() starlark.StringDict {
	d := starlark.StringDict{
		"node":            c.nodeVal,
		"cluster":         c.clusterVal,
		"include_recipe":  starlark.NewBuiltin("include_recipe", c.builtinInclude),
		"rolling_hooks":   starlark.NewBuiltin("rolling_hooks", c.builtinRollingHooks),
		"struct":          starlark.NewBuiltin("struct", starlarkstruct.Make),
		"default":         recipeLevel("default"),
		"override":        recipeLevel("override"),
		"normal":          recipeLevel("normal"),
		"force_default":   recipeLevel("force_default"),
		"force_override":  recipeLevel("force_override"),
		"run_state":       c.runState,
		"todo":            todoBuiltin,
		"secret":          starlark.NewBuiltin("secret", c.builtinSecret),
		"data_bag":        starlark.NewBuiltin("data_bag", c.builtinDataBag),
		"data_bag_item":   starlark.NewBuiltin("data_bag_item", c.builtinDataBagItem),
		"data_bag_exists": starlark.NewBuiltin("data_bag_exists", c.builtinDataBagExists),
		"search":          starlark.NewBuiltin("search", c.builtinSearch),

		"property_is_set":           starlark.NewBuiltin("property_is_set", builtinPropertyIsSet),
		"value_for_platform":        starlark.NewBuiltin("value_for_platform", c.builtinValueForPlatform),
		"value_for_platform_family": starlark.NewBuiltin("value_for_platform_family", c.builtinValueForPlatformFamily),
	}
	for _, k := range engine.Kinds() {
		d[k.Name] = c.resourceBuiltin(k)
	}
	d["shell"] = shellModule
	d["json"] = starjson.Module
	d["xml"] = xmlModule
	d["re"] = reModule
	for n, b := range RubyBuiltins() {
		d[n] = b
	}
	for n, k := range c.kinds {
		d[n] = c.customBuiltin(k)
	}
	return d
}

func (c *compiler) builtinInclude(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &name); err != nil {
		return nil, err
	}
	pos := callerPos(thread)
	m := recipeRe.FindStringSubmatch(name)
	if m == nil {
		m = plainRe.FindStringSubmatch(name)
	}
	if m == nil {
		return nil, fmt.Errorf("include_recipe(%q): want \"cookbook\" or \"cookbook::recipe\"", name)
	}
	e := Entry{Cookbook: m[1], Recipe: m[2]}
	if e.Recipe == "" {
		e.Recipe = "default"
	}
	cur := c.cookbooks[len(c.cookbooks)-1]
	if e.Cookbook != cur {
		if _, ok := c.repo.Cookbooks[cur].Depends[e.Cookbook]; !ok {
			return nil, fmt.Errorf("include_recipe(%q): cookbook %s does not depend on %s; add depends = {%q: \">= 0\"} to cookbooks/%s/metadata.star", name, cur, e.Cookbook, e.Cookbook, cur)
		}
	}
	if err := c.includeRecipe(e, pos); err != nil {
		return nil, err
	}
	return starlark.None, nil
}

// includeRecipe runs a recipe once per run (Chef semantics).
func (c *compiler) includeRecipe(e Entry, from engine.Pos) error {
	key := e.String()
	if c.included[key] {
		return nil
	}
	c.included[key] = true
	cb, ok := c.repo.Cookbooks[e.Cookbook]
	if !ok {
		return c.repo.notFound(e.Cookbook, "include_recipe at "+from.String())
	}
	file := filepath.Join(cb.Dir, "recipes", e.Recipe+".star")
	src, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("recipe %s: %s not found; recipes of %s: %s", key, file, cb.Name, strings.Join(cb.Recipes(), ", "))
	}
	c.cookbooks = append(c.cookbooks, cb.Name)
	c.recipes = append(c.recipes, key)
	defer func() {
		c.cookbooks = c.cookbooks[:len(c.cookbooks)-1]
		c.recipes = c.recipes[:len(c.recipes)-1]
	}()
	thread := newThread("recipe "+key, c.loader)
	if _, err := execFile(thread, file, src, c.predeclared); err != nil {
		return c.hintBuiltin(starlarkDiag(err, ""))
	}
	return nil
}

// hintBuiltin adds "(did you mean package?)" to "undefined: pakage": the
// Starlark resolver only suggests names the file itself declares.
func (c *compiler) hintBuiltin(err error) error {
	all := []error{err}
	var me *multierror.Error
	if errors.As(err, &me) {
		all = me.Errors
	}
	names := make([]string, 0, len(c.predeclared))
	for n := range c.predeclared {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, e := range all {
		d, ok := e.(*engine.Diagnostic)
		if !ok || !strings.HasPrefix(d.Summary, "undefined: ") || strings.Contains(d.Summary, "(did you mean") {
			continue
		}
		undef := strings.TrimPrefix(d.Summary, "undefined: ")
		if cb := c.kindOutsideRun(undef); cb != "" {
			d.Detail = fmt.Sprintf("%s is a kind of cookbook %s; add depends = {%q: \">= 0\"} to the metadata.star of the cookbook that uses it", undef, cb, cb)
		} else if n := nearest(undef, names); n != "" {
			d.Summary += fmt.Sprintf(" (did you mean %s?)", n)
		}
	}
	return err
}

// loader implements load("//libraries/x.star", ...) from the current
// cookbook and load("@dep//libraries/x.star", ...) from a dependency.
func (c *compiler) loader(thread *starlark.Thread, module string) (starlark.StringDict, error) {
	cur := c.cookbooks[len(c.cookbooks)-1]
	cbName, rel := cur, ""
	switch {
	case strings.HasPrefix(module, "//"):
		rel = module[2:]
	case strings.HasPrefix(module, "@"):
		i := strings.Index(module, "//")
		if i < 0 {
			return nil, fmt.Errorf("load(%q): want \"@cookbook//path/file.star\"", module)
		}
		cbName, rel = module[1:i], module[i+2:]
		if cbName != cur {
			if _, ok := c.repo.Cookbooks[cur].Depends[cbName]; !ok {
				return nil, fmt.Errorf("load(%q): cookbook %s does not depend on %s; add it to depends in cookbooks/%s/metadata.star", module, cur, cbName, cur)
			}
		}
	default:
		return nil, fmt.Errorf("load(%q): want \"//libraries/file.star\" (this cookbook) or \"@cookbook//libraries/file.star\"", module)
	}
	cb, ok := c.repo.Cookbooks[cbName]
	if !ok {
		return nil, c.repo.notFound(cbName, "load")
	}
	if strings.Contains(rel, "..") || filepath.IsAbs(rel) {
		return nil, fmt.Errorf("load(%q): the path must stay inside the cookbook", module)
	}
	file := filepath.Join(cb.Dir, filepath.FromSlash(rel))
	key := cbName + "//" + rel
	if c.predeclared == nil {
		// Attribute files run before the recipes' builtins exist; a library
		// they load is loaded again, with them, for the recipes.
		key = "attributes " + key
	}
	if e, ok := c.modules[key]; ok {
		if e.loading {
			return nil, fmt.Errorf("load(%q): cycle: the file loads itself (directly or through another library)", module)
		}
		return e.globals, e.err
	}
	e := &moduleEntry{loading: true}
	c.modules[key] = e
	src, err := os.ReadFile(file)
	if err != nil {
		e.loading, e.err = false, fmt.Errorf("load(%q): %w", module, err)
		return nil, e.err
	}
	c.cookbooks = append(c.cookbooks, cbName)
	pre := c.predeclared
	if pre == nil { // libraries loaded from attribute files
		pre = c.attributeLibraryBuiltins()
	}
	t := newThread("load "+key, c.loader)
	e.globals, e.err = execFile(t, file, src, pre)
	c.cookbooks = c.cookbooks[:len(c.cookbooks)-1]
	e.loading = false
	if e.err != nil {
		e.err = c.hintBuiltin(starlarkDiag(e.err, ""))
	}
	return e.globals, e.err
}

func callerPos(thread *starlark.Thread) engine.Pos {
	f := thread.CallFrame(1)
	return engine.Pos{File: f.Pos.Filename(), Line: int(f.Pos.Line), Col: int(f.Pos.Col)}
}

// starlarkDiag turns a Starlark error into a Diagnostic at the innermost
// recipe position.
func starlarkDiag(err error, detail string) error {
	var d *engine.Diagnostic
	if errors.As(err, &d) {
		return d
	}
	var ee *starlark.EvalError
	if errors.As(err, &ee) {
		// A Diagnostic raised by a builtin keeps its own position.
		if errors.As(ee.Unwrap(), &d) {
			return d
		}
		var pos engine.Pos
		// The innermost frame in a file: builtins (and converge's checked
		// operators, which are builtins) have no position of their own.
		for i := len(ee.CallStack) - 1; i >= 0; i-- {
			fr := ee.CallStack[i]
			if fr.Pos.Filename() == "<builtin>" && i > 0 {
				continue
			}
			pos = engine.Pos{File: fr.Pos.Filename(), Line: int(fr.Pos.Line), Col: int(fr.Pos.Col)}
			break
		}
		msg := ee.Msg
		if cause := ee.Unwrap(); cause != nil {
			msg = cause.Error()
		}
		msg = strings.TrimPrefix(msg, "Starlark computation cancelled: ")
		return &engine.Diagnostic{Pos: pos, Summary: msg, Detail: detail}
	}
	var se syntax.Error
	if errors.As(err, &se) {
		return &engine.Diagnostic{Pos: engine.Pos{File: se.Pos.Filename(), Line: int(se.Pos.Line), Col: int(se.Pos.Col)}, Summary: "syntax error: " + se.Msg, Detail: detail}
	}
	var rl resolve.ErrorList
	if errors.As(err, &rl) && len(rl) > 0 {
		var es *multierror.Error
		for _, e := range rl {
			es = multierror.Append(es, &engine.Diagnostic{Pos: engine.Pos{File: e.Pos.Filename(), Line: int(e.Pos.Line), Col: int(e.Pos.Col)}, Summary: e.Msg, Detail: detail})
		}
		if len(es.Errors) == 1 {
			return es.Errors[0]
		}
		es.ErrorFormat = diagList
		return es
	}
	return err
}
