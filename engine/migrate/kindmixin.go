package migrate

// Library modules included into a kind: `action_class { include
// Line::Helper }`, `include Line::Helper` at the top of the resource, or a
// library's `::Chef::Resource.send(:include, Line::Helper)`. Chef runs
// the module's methods as methods of the resource's action class, where
// new_resource, property_is_set? and the resource's properties are in
// reach. So a method that translates as a plain function of its
// parameters (library.go) is loaded from libraries/<stem>.star, as a
// recipe's call would be; the others are translated like the kind's own
// action_class methods, as functions of the resource r, into the kind's
// file, from the library's source (TODOs name the library's lines). Only
// the methods the kind's actions reach, directly or through another, are
// written. A library function cannot stand for them: it would not know
// which kind's properties r has, nor which kind's file a TODO is for.

import (
	"regexp"
	"sort"
	"strings"

	"github.com/converge-cm/converge/engine/migrate/ruby"
)

// kindLibs is what a kind's translation needs of its cookbook's
// libraries.
type kindLibs struct {
	lib   *library          // the helpers that translate as plain functions
	files map[string]string // libraries/<stem>.rb, by stem
	base  string            // the cookbook's directory name, for file names
	// mixed are the modules a library mixes into every resource or the
	// recipe DSL (mixinRe)
	mixed []string
}

// modDef is one method of a library module.
type modDef struct {
	module, stem string
	s            *ruby.Stmt
	d            *ruby.DefExpr
}

// libModuleDefs lists the methods the modules of a library file define,
// by module path (Line::Helper).
func libModuleDefs(src, stem string) []modDef {
	lines := strings.Split(src, "\n")
	var out []modDef
	var walk func(text, module string)
	walk = func(text, module string) {
		stmts, _ := ruby.Parse(text)
		for _, s := range stmts {
			o, ok := s.X.(*ruby.OpaqueExpr)
			if !ok {
				continue
			}
			switch {
			case o.What == "a module definition" && s.Line-1 < len(lines):
				m := modHeadRe.FindStringSubmatch(lines[s.Line-1])
				if m == nil || m[1] != "module" {
					continue
				}
				path := strings.TrimPrefix(m[2], "::")
				if module != "" {
					path = module + "::" + path
				}
				walk(keepLines(lines, s.Line+1, s.EndLine-1), path)
			case o.Def != nil && o.Def.Name != "" && module != "":
				out = append(out, modDef{module: module, stem: stem, s: s, d: o.Def})
			}
		}
	}
	walk(src, "")
	return out
}

// libMixins are the modules the libraries mix into Chef's resources,
// providers or recipe DSL, and whether a recipe can call them too (a mixin
// into Chef::DSL::Recipe, Chef::Recipe or Chef::Node).
func libMixins(files map[string]string) (mods []string, recipes map[string]bool) {
	recipes = map[string]bool{}
	for _, stem := range sortedKeys(files) {
		for _, l := range strings.Split(files[stem], "\n") {
			m := mixinRe.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			mod := strings.TrimPrefix(m[1], "::")
			mods = append(mods, mod)
			if !strings.Contains(l, "Resource") && !strings.Contains(l, "Provider") {
				recipes[mod] = true
			}
		}
	}
	return mods, recipes
}

// kindIncludes are the modules a kind's file includes, at its top level
// or in action_class.
func kindIncludes(stmts []*ruby.Stmt) []string {
	var out []string
	for _, s := range stmts {
		c, ok := s.X.(*ruby.CallExpr)
		if !ok {
			continue
		}
		if isActionClassEval(c) {
			out = append(out, kindIncludes(c.Block.Body)...)
			continue
		}
		if c.Recv != nil {
			continue
		}
		switch {
		case c.Name == "include" && len(c.Args) == 1:
			if cr, ok := c.Args[0].(*ruby.ConstRef); ok {
				out = append(out, strings.TrimPrefix(cr.Path, "::"))
			}
		case c.Name == "action_class" && c.Block != nil:
			out = append(out, kindIncludes(c.Block.Body)...)
		}
	}
	return out
}

// resourceModules are the modules whose methods only resources reach:
// those the cookbook's kinds include, and those its libraries mix into
// Chef's resources or providers. Their methods that do not translate as
// plain functions are not TODOs of the library, since the kinds' files
// translate them (translateLibrary).
func resourceModules(kindSrcs []string, files map[string]string) map[string]bool {
	out := map[string]bool{}
	for _, src := range kindSrcs {
		stmts, _ := ruby.Parse(src)
		for _, m := range kindIncludes(stmts) {
			out[m] = true
		}
	}
	mods, recipes := libMixins(files)
	for _, m := range mods {
		if !recipes[m] {
			out[m] = true
		}
	}
	for m := range recipes {
		delete(out, m) // a recipe may call it: the library keeps its TODOs
	}
	return out
}

// mixinDefs are the methods of the modules kind includes that its
// actions reach (srcs: the kind's files), and that are not already
// callable: a helper of the kind's own (own) or a plain library function.
func (kl *kindLibs) mixinDefs(included []string, srcs []string, own map[string]bool) []modDef {
	if kl == nil {
		return nil
	}
	want := map[string]bool{}
	for _, m := range append(included, kl.mixed...) {
		want[m] = true
	}
	var cands []modDef
	for _, stem := range sortedKeys(kl.files) {
		for _, md := range libModuleDefs(kl.files[stem], stem) {
			if want[md.module] && !own[md.d.Name] && kl.lib.lookup(md.d.Name) == nil {
				cands = append(cands, md)
			}
		}
	}
	text := strings.Join(srcs, "\n")
	var out []modDef
	taken := map[string]bool{}
	for grew := true; grew; {
		grew = false
		for _, md := range cands {
			if taken[md.d.Name] || !mentions(text, md.d.Name) {
				continue
			}
			taken[md.d.Name] = true
			out = append(out, md)
			lines := strings.Split(kl.files[md.stem], "\n")
			text += "\n" + strings.Join(lines[md.s.Line-1:min(md.s.EndLine, len(lines))], "\n")
			grew = true
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].stem != out[j].stem {
			return out[i].stem < out[j].stem
		}
		return out[i].s.Line < out[j].s.Line
	})
	return out
}

// mentions reports whether Ruby source text names the method name (a
// call, or a reference in a string of code is enough).
func mentions(text, name string) bool {
	re := regexp.MustCompile(`(^|[^A-Za-z0-9_:@$])` + regexp.QuoteMeta(name) + `($|[^A-Za-z0-9_?!])`)
	for _, m := range re.FindAllStringIndex(text, -1) {
		// "def name" defines it, it does not call it
		if !strings.HasSuffix(strings.TrimRight(text[:m[0]+1], " \t"), "def") {
			return true
		}
	}
	return false
}

// writeMixins translates the module methods defs into the kind's file as
// functions of r, each from its library's source.
func writeMixins(st *kindState, kl *kindLibs, defs []modDef, kinds map[string]*crKind, helpers map[string]bool, out *kindOutput) {
	byStem := map[string][]modDef{}
	for _, md := range defs {
		byStem[md.stem] = append(byStem[md.stem], md)
	}
	for _, stem := range sortedKeys(byStem) {
		src := kl.files[stem]
		rel := kl.base + "/libraries/" + stem + ".rb"
		_, comments := ruby.Parse(src)
		me := newEmitter(rel, kindRecipe, st.k.cookbook, "", src, comments)
		me.kinds, me.cr, me.lib = kinds, &crCtx{k: st.k, helpers: helpers, kwHelpers: st.kwHelpers}, &library{helpers: kl.lib.helpers}
		for _, md := range byStem[stem] {
			md := md
			me.skipComments(md.s.Line - 1)
			st.funcs = append(st.funcs, "# "+md.module+"#"+md.d.Name+" (libraries/"+stem+".rb), which the kind includes")
			st.funcs = append(st.funcs, me.section(func() { me.guarded(md.s, 0, func() { me.helper(st, md.s, md.d) }) })...)
		}
		out.collect(me)
		out.mergeLoads(me.loads)
	}
}

// mergeLoads adds the load()s of an emitter to those of the kind's file.
func (o *kindOutput) mergeLoads(loads map[string]map[string]bool) {
	for k, names := range loads {
		if o.loads == nil {
			o.loads = map[string]map[string]bool{}
		}
		if o.loads[k] == nil {
			o.loads[k] = map[string]bool{}
		}
		for n := range names {
			o.loads[k][n] = true
		}
	}
}
