package migrate

// Resources: a Chef resource block becomes one converge resource call, with
// its properties, action, notifications and guards.

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/migrate/ruby"
	"github.com/converge-cm/converge/engine/shell"
)

func (e *emitter) emitCallStmt(s *ruby.Stmt, c *ruby.CallExpr, ind int) {
	if c.Recv == nil && e.emitChefOnly(s, c, ind) { // chefonly.go: apt_update, build_essential
		return
	}
	if e.customStmt(s, c, ind) { // custom.go: custom kinds and their actions
		return
	}
	if _, ok := c.Recv.(*ruby.ConstRef); ok && (c.Name == "include" || c.Name == "send") && s.Line > 0 && s.EndLine <= len(e.src) &&
		mixinRe.MatchString(strings.Join(e.src[s.Line-1:s.EndLine], " ")) {
		// Chef::DSL::Recipe.include Mod mixes a library's helpers into
		// the DSL: converge loads libraries/*.star where a recipe calls
		// them (a helper that is not translated is a TODO where it is used)
		e.line(ind, "# "+commentText(strings.TrimSpace(e.src[s.Line-1]))+": library helpers, loaded where the recipe calls them")
		return
	}
	if c.Recv == nil && (c.Name == "include" || c.Name == "extend") && len(c.Args) == 1 && c.Block == nil {
		if m, ok := c.Args[0].(*ruby.ConstRef); ok && e.lib.hasModule(m.Path) {
			// the recipe mixes in a library module: its translated
			// helpers are functions the recipe loads where it calls them
			e.line(ind, "# "+c.Name+" "+strings.TrimPrefix(m.Path, "::")+": the library module's helpers, loaded where the recipe calls them")
			return
		}
	}
	if c.Recv == nil {
		if kind, ok := chefResource(c.Name); ok && (len(c.Args) > 0 || c.Block != nil) {
			e.emitResource(s, c, kind, ind)
			return
		}
		switch c.Name {
		case "include_recipe":
			if c.Block != nil || len(c.Args) == 0 {
				no("include_recipe", "unexpected form")
			}
			for _, a := range c.Args {
				v := e.expr(a)
				if sl, ok := a.(*ruby.StrLit); ok && isPlain(sl) && !strings.Contains(sl.Parts[0].Lit, "::") {
					v = atom(starQuote(plain(sl) + "::default"))
				} else if ok && isPlain(sl) && strings.HasPrefix(plain(sl), "::") {
					v = atom(starQuote(e.cookbook + plain(sl))) // the same cookbook
				}
				e.line(ind, "include_recipe("+v.code+")")
			}
			return
		case "raise", "fail":
			args := c.Args
			if len(args) == 2 {
				// raise SomeError, "message": converge has one kind of
				// failure, with the message
				if _, ok := args[0].(*ruby.ConstRef); ok {
					args = args[1:]
				}
			}
			if len(args) == 1 {
				// raise SomeError.new("message")
				if n, ok := args[0].(*ruby.CallExpr); ok && n.Name == "new" && len(n.Args) == 1 && n.Block == nil {
					if _, ok := n.Recv.(*ruby.ConstRef); ok {
						args = n.Args
					}
				}
			}
			if c.Block != nil || len(args) > 1 {
				no(c.Name, "only raise \"message\" and raise SomeError, \"message\" are translated")
			}
			msg := atom(starQuote("raised by the recipe"))
			if len(args) == 1 {
				if _, ok := args[0].(*ruby.ConstRef); ok {
					msg = atom(starQuote("raised " + args[0].(*ruby.ConstRef).Path))
				} else {
					msg = e.expr(args[0])
				}
			}
			e.line(ind, "fail("+msg.code+")")
			return
		}
		if _, ok := unsupportedResources[c.Name]; ok && (len(c.Args) > 0 || c.Block != nil) {
			no(c.Name, unsupportedResources[c.Name])
		}
		if c.Name == "search" && c.Block != nil {
			// search(:node, q) do |n| ... end iterates the results
			loop := &ruby.CallExpr{Line: c.Line, Recv: &ruby.CallExpr{Line: c.Line, Name: "search", Args: c.Args, Parens: true}, Name: "each", Block: c.Block}
			e.emitLoop(loop, ind)
			return
		}
		if c.Block != nil && len(c.Args) > 0 {
			no(c.Name, "a resource or definition converge does not have")
		}
	}
	if c.Block != nil && c.Recv != nil {
		switch c.Name {
		case "each", "each_with_index", "each_pair", "times":
			e.emitLoop(c, ind)
			return
		}
		if e.isLevelTap(c) {
			e.emitLevelTap(c, ind)
			return
		}
		no("."+c.Name+" with a block", "this iterator is not translated")
	}
	if c.Recv != nil && (c.Name == "push" || c.Name == "<<") && len(c.Args) == 1 {
		if root, keys, ok := e.attrTarget(c.Recv); ok && len(keys) > 0 && (e.hoisting > 0 || e.kind == kindRecipe) {
			// an attribute's list, in a loop moving to the attributes
			// file (hoistloop.go), where the level reads back, or moving
			// there itself as an assignment does
			var b strings.Builder
			b.WriteString(root)
			for _, k := range keys {
				b.WriteString("[" + e.expr(k).code + "]")
			}
			line := b.String() + ".append(" + e.expr(c.Args[0]).code + ")"
			if e.hoisting > 0 {
				e.line(ind, line)
			} else {
				e.hoistAttr(&ruby.AssignExpr{Line: c.Line, Target: c.Recv, Op: "=", Value: c.Args[0]}, keys, line, ind)
			}
			return
		}
		e.line(ind, e.expr(c.Recv).in(pPostfix)+".append("+e.expr(c.Args[0]).code+")")
		return
	}
	if c.Name == "save" && len(c.Args) == 0 && c.Block == nil && isNodeCall(c.Recv) {
		// Chef saves the node object to the Chef server; converge keeps
		// none (a node's attributes are its files, set each run)
		e.line(ind, "# node.save: converge keeps no node object on a server; nothing to save")
		return
	}
	if c.Recv != nil && c.Block == nil && e.emitMutation(c, ind) { // stmts.go
		return
	}
	if cr, ok := c.Recv.(*ruby.ConstRef); ok && strings.TrimPrefix(cr.Path, "::") == "Chef::Application" && c.Name == "fatal!" &&
		(len(c.Args) == 1 || len(c.Args) == 2) && c.Block == nil {
		// Chef stops the run with the message (and an exit code
		// converge does not take); so does fail
		e.line(ind, "fail("+e.expr(c.Args[0]).code+")")
		return
	}
	if c.Recv != nil {
		if cr, ok := c.Recv.(*ruby.ConstRef); ok && strings.TrimPrefix(cr.Path, "::") == "Chef::Log" {
			level := map[string]string{"debug": "debug", "info": "info", "warn": "warn", "error": "error", "fatal": "fatal"}[c.Name]
			if level == "" || len(c.Args) != 1 || c.Block != nil {
				no("Chef::Log."+c.Name, "only Chef::Log.debug/info/warn/error/fatal(message) is translated")
			}
			// Chef logs while compiling; converge's log resource writes
			// the message when the run reaches it
			e.line(ind, "log("+e.expr(c.Args[0]).code+", level="+starQuote(level)+")")
			e.resources["log"]++
			return
		}
	}
	if c.Recv == nil && c.Name == "require" && len(c.Args) == 1 && c.Block == nil {
		if sl, ok := c.Args[0].(*ruby.StrLit); ok && isPlain(sl) && rubyStdlib[plain(sl)] {
			// it loads classes only: where the recipe uses them, their
			// own TODO says so
			e.line(ind, "# require "+starQuote(plain(sl))+": a Ruby standard library, nothing for converge to load")
			return
		}
	}
	if c.Recv == nil {
		if why, ok := rubyOnly[c.Name]; ok {
			no(c.Name, why)
		}
		no(c.Name, "unknown method, definition or custom resource")
	}
	no("."+c.Name, "a method call used as a statement")
}

// chefResource returns the converge builtin a Chef resource translates to:
// a registered kind of the same name or one that lists it in its ChefNames.
func chefResource(name string) (string, bool) {
	if k, ok := engine.ChefKind(name); ok {
		return k.Name, true
	}
	return "", false
}

var unsupportedResources = map[string]string{
	"ruby_block":         "it runs Ruby on the node; rewrite it as an execute or drop it",
	"remote_directory":   "converge has no remote_directory resource; use cookbook_file per file",
	"chef_gem":           "gems for Chef itself have no meaning in converge",
	"gem_package":        "converge has no gem_package resource; use execute",
	"route":              "converge has no route resource; use execute",
	"ifconfig":           "converge has no ifconfig resource; use execute",
	"ruby":               "converge has no ruby script resource; use execute",
	"powershell_script":  "Windows is not supported",
	"windows_package":    "Windows is not supported",
	"deploy":             "converge has no deploy resource",
	"http_request":       "converge has no http_request resource",
	"notify_group":       "converge has no notify_group resource",
	"chef_sleep":         "converge has no sleep resource; use execute",
	"breakpoint":         "chef-shell breakpoints have no meaning in converge",
	"openssl_x509":       "converge has no openssl resources; use execute",
	"selinux_boolean":    "converge has no selinux resources; use execute",
	"ohai":               "converge gathers facts once before compiling",
	"reboot":             "converge has no reboot resource",
	"chocolatey_package": "Windows is not supported",
}

var rubyOnly = map[string]string{
	"data_bag":                  "a data bag read as a statement does nothing; use its value",
	"data_bag_item":             "a data bag item read as a statement does nothing; use its value",
	"encrypted_data_bag_item":   "a data bag item read as a statement does nothing; use its value",
	"lazy":                      "lazy values are computed at converge time in Ruby; use a callable or an attribute",
	"shell_out":                 "running commands while compiling has no converge equivalent; use a guard",
	"shell_out!":                "running commands while compiling has no converge equivalent; use a guard",
	"resources":                 "looking up resources has no converge equivalent",
	"value_for_platform":        "rewrite as an if on node.platform",
	"value_for_platform_family": "rewrite as an if on node.platform_family",
	"puts":                      "printing from a recipe has no converge equivalent",
	"p":                         "printing from a recipe has no converge equivalent",
	"require":                   "Ruby libraries cannot be loaded",
	"run_context":               "Chef internals have no converge equivalent",
	"tag":                       "node tags have no converge equivalent",
	"tagged?":                   "node tags have no converge equivalent",
	"registry_key_exists?":      "Windows is not supported",
	"system":                    "running commands while compiling has no converge equivalent; use a guard",
	"`":                         "running commands while compiling has no converge equivalent; use a guard",
	"node":                      "the node object by itself",
}

// hasProp reports whether converge's kind accepts the property.
func hasProp(kind, name string) bool {
	k, ok := engine.LookupKind(kind)
	return ok && k.HasProperty(name)
}

type kwarg struct {
	name  string
	value string
	multi []string // lines for a value laid out over several lines
	// cond, when set, makes the property conditional (Chef's
	// `version x if cond` in a resource block): the call passes it as
	// **({name: value} if cond else {}), after the other keywords.
	cond string
}

// pathKinds are the kinds named by the path their path property sets.
// securableKinds are the kinds of Chef's file resources, which take
// user as another name of owner (Chef::Mixin::Securable).
var securableKinds = map[string]bool{"file": true, "template": true, "cookbook_file": true, "remote_file": true, "directory": true, "remote_directory": true}

var pathKinds = map[string]bool{"file": true, "template": true, "cookbook_file": true, "remote_file": true, "directory": true}

type resourceBuild struct {
	// rename is the name a package_name or path property gives the
	// resource, "" when none does
	rename string
	kwargs []kwarg
	// condNotifies and condSubscr are the notifications given under a
	// condition: each kwarg's value is the target, cond its condition
	condNotifies, condSubscr []kwarg
	notifies                 []string
	subscr                   []string
	// notifyLists and subscrLists are notifications a loop in the block
	// gives: each a list comprehension
	notifyLists, subscrLists []string
	notIf                    []guard
	onlyIf                   []guard
	notesAt                  []int           // source lines of properties that became TODOs
	todoLines                []func(ind int) // TODO notes about parts of a property (a value of variables), written above the resource
	// source is a template's or cookbook_file's source as Chef names it,
	// when a literal gives it ("" else); sourceSet when the block sets it
	source    string
	sourceSet bool
	// name is the resource's name as translated from Chef's
	name string
	// dict, when set, is the dict of properties set under conditions
	// that the block computes before the resource (several conditional
	// properties, or branches inside the block); the call passes **it
	dict *propDict
}

// propDict is the dict a resource's conditional properties go through:
// name is its variable, lines the statements that fill it (written
// above the resource, ind relative to it), names the keys they may set.
type propDict struct {
	name  string
	lines []preLine
	names map[string]bool
	// nameVar is the variable that holds the resource's name when a
	// branch renames it (package_name, path), "" else
	nameVar string
	// lists holds the list variable of each of notifies and subscribes
	// that a branch adds to
	lists map[string]string
}

// renameKey is the key under which branchProp gives a rename.
const renameKey = "\x00name"

type preLine struct {
	ind  int
	text string
}

type guard struct {
	code  string
	shell bool // a shell command string (else a callable)
	line  int
}

func (e *emitter) emitResource(s *ruby.Stmt, c *ruby.CallExpr, chefKind string, ind int) {
	kind := chefKind
	if len(c.Args) != 1 {
		if len(c.Args) == 0 {
			no(c.Name, "a resource without a name")
		}
		no(c.Name, "a resource with several name arguments")
	}
	name := e.expr(c.Args[0])
	if _, isList := c.Args[0].(*ruby.ArrayLit); isList && kind != "package" {
		no(c.Name, "only package accepts a list of names")
	}
	rb := &resourceBuild{name: name.code}
	e.resInd = ind
	if e.cr != nil && e.cr.action != "" {
		// in a resource's block, a bare action is the resource's own
		// (Chef's Resource#action), not the name of the kind's action
		act := e.cr.action
		e.cr.action = ""
		defer func() { e.cr.action = act }()
	}
	var todos []func(ind int)
	var code *sx
	hasSource := false
	if c.Block != nil {
		if len(c.Block.Params) > 0 {
			no(c.Name, "a resource block with parameters")
		}
		for _, ps := range c.Block.Body {
			ps := ps
			bad := e.property(rb, kind, chefKind, ps, &code, &hasSource)
			if bad != nil {
				todos = append(todos, func(ind int) { e.todoLine(ps.Line, ind, bad.construct, bad.why) })
			}
		}
		rb.settleDict()
	}
	if kind == "template" && !hasSource {
		if sl, ok := c.Args[0].(*ruby.StrLit); ok && isPlain(sl) {
			rb.kwargs = append([]kwarg{{name: "source", value: starQuote(path.Base(plain(sl)) + ".tmpl")}}, rb.kwargs...)
		} else if v, err := e.tryExpr(c.Args[0]); err == nil {
			// Chef's default source: the basename of the path, computed
			rb.kwargs = append([]kwarg{{name: "source", value: v.in(pPostfix) + ".split(\"/\")[-1] + \".tmpl\""}}, rb.kwargs...)
		} else {
			todos = append(todos, func(ind int) {
				e.todoLine(c.Line, ind, "template without source", "Chef's default source is the basename of the path; name it explicitly")
			})
		}
	}
	if (kind == "template" || kind == "cookbook_file") && e.inKind() {
		src := rb.source
		if !rb.sourceSet {
			if sl, ok := c.Args[0].(*ruby.StrLit); ok && isPlain(sl) {
				src = path.Base(plain(sl)) // Chef's default source
				if kind == "template" {
					src += ".erb"
				}
			}
		}
		// a computed source (src "") is looked up in the caller's
		// cookbook, as Chef does: migrate cannot tell whether the kind's
		// cookbook has the file the value names, and where Chef renders it
		// (the kind called from its own cookbook, or the caller shipping
		// the template) the caller's cookbook has it; a kind that renders
		// its own templates by a computed name sets cookbook, which is kept
		if src == "" || !e.cr.k.hasSource(kind, src) {
			rb.callerCookbook()
		}
	}
	if rb.rename != "" {
		if sl, ok := c.Args[0].(*ruby.StrLit); ok && isPlain(sl) {
			if e.renamed == nil {
				e.renamed = map[string]string{}
			}
			e.renamed[chefKind+"["+plain(sl)+"]"] = rb.rename
		}
		name = sx{code: rb.rename, prec: pPostfix}
	} else if rb.dict != nil && rb.dict.nameVar != "" {
		name = sx{code: rb.dict.nameVar, prec: pPostfix}
	}
	for _, bg := range e.branchGuards {
		// the node file test of the branch around the resource
		// (fileTestIf): Chef's condition, tested first
		g := guard{code: bg.cmd, shell: true, line: bg.line}
		if bg.only {
			rb.onlyIf = append([]guard{g}, rb.onlyIf...)
		} else {
			rb.notIf = append([]guard{g}, rb.notIf...)
		}
	}
	if g := combineGuards(rb.notIf, " || "); g != nil {
		rb.kwargs = append(rb.kwargs, *g)
		rb.kwargs[len(rb.kwargs)-1].name = "not_if"
	} else if len(rb.notIf) > 1 {
		todos = append(todos, func(ind int) {
			e.todoLine(rb.notIf[1].line, ind, "several not_if guards", "mixing command and Ruby guards; combine them by hand")
		})
	}
	if g := combineGuards(rb.onlyIf, " && "); g != nil {
		rb.kwargs = append(rb.kwargs, *g)
		rb.kwargs[len(rb.kwargs)-1].name = "only_if"
	} else if len(rb.onlyIf) > 1 {
		todos = append(todos, func(ind int) {
			e.todoLine(rb.onlyIf[1].line, ind, "several only_if guards", "mixing command and Ruby guards; combine them by hand")
		})
	}
	if len(rb.notifies) > 0 || len(rb.condNotifies) > 0 || len(rb.notifyLists) > 0 {
		rb.kwargs = append(rb.kwargs, loopListKwarg(condListKwarg("notifies", rb.notifies, rb.condNotifies), rb.notifies, rb.condNotifies, rb.notifyLists))
	}
	if len(rb.subscr) > 0 || len(rb.condSubscr) > 0 || len(rb.subscrLists) > 0 {
		rb.kwargs = append(rb.kwargs, loopListKwarg(condListKwarg("subscribes", rb.subscr, rb.condSubscr), rb.subscr, rb.condSubscr, rb.subscrLists))
	}
	// comments inside the block go above the call
	e.flushComments(s.EndLine+1, ind)
	for _, t := range todos {
		t(ind)
	}
	for _, t := range rb.todoLines {
		t(ind)
	}
	if d := rb.dict; d != nil {
		lines := d.lines
		if len(d.names) == 0 {
			lines = lines[1:] // only a rename: no dict
		}
		for _, l := range lines {
			e.line(ind+l.ind, l.text)
		}
		if len(d.names) > 0 {
			rb.kwargs = append(rb.kwargs, kwarg{name: "**", value: d.name})
		}
	}
	e.writeCall(ind, kind, name.code, rb.kwargs)
}

// condListKwarg is listKwarg for a list some of whose items hold under a
// condition (`notifies :restart, 'service[x]' if c`): the list of the
// others plus, per conditional item, [item] if its condition holds.
func condListKwarg(name string, items []string, conds []kwarg) kwarg {
	if len(conds) == 0 {
		return listKwarg(name, items)
	}
	var parts []string
	if len(items) > 0 {
		parts = append(parts, "["+strings.Join(items, ", ")+"]")
	}
	for _, c := range conds {
		parts = append(parts, "(["+c.value+"] if "+c.cond+" else [])")
	}
	return kwarg{name: name, value: strings.Join(parts, " + ")}
}

// loopListKwarg adds to k, the list of items and conds, the lists a
// loop in the resource block gives.
func loopListKwarg(k kwarg, items []string, conds []kwarg, lists []string) kwarg {
	if len(lists) == 0 {
		return k
	}
	var parts []string
	if len(items) > 0 || len(conds) > 0 {
		parts = append(parts, condListKwarg(k.name, items, conds).value)
		if len(conds) == 0 {
			parts[0] = "[" + strings.Join(items, ", ") + "]"
		}
	}
	parts = append(parts, lists...)
	return kwarg{name: k.name, value: strings.Join(parts, " + ")}
}

func listKwarg(name string, items []string) kwarg {
	k := kwarg{name: name, value: "[" + strings.Join(items, ", ") + "]"}
	if len(k.value) > 60 {
		k.multi = append([]string{"["}, nil...)
		for _, it := range items {
			k.multi = append(k.multi, "    "+it+",")
		}
		k.multi = append(k.multi, "]")
	}
	return k
}

func combineGuards(gs []guard, op string) *kwarg {
	switch len(gs) {
	case 0:
		return nil
	case 1:
		return &kwarg{value: gs[0].code}
	}
	var parts, codes []string
	literal := true
	for _, g := range gs {
		if !g.shell {
			return nil
		}
		codes = append(codes, g.code)
		s, ok := unquoteStar(g.code)
		literal = literal && ok
		parts = append(parts, s)
	}
	if !literal {
		// computed commands: joined in Starlark
		return &kwarg{value: strings.Join(codes, " + "+starQuote(op)+" + ")}
	}
	return &kwarg{value: starQuote(strings.Join(parts, op))}
}

func (e *emitter) writeCall(ind int, kind, name string, kwargs []kwarg) {
	e.resources[kind]++
	// A conditional property goes last: Starlark takes **kwargs after the
	// keyword arguments.
	var plainKw, condKw []kwarg
	for _, k := range kwargs {
		if k.cond != "" {
			k = kwarg{name: "**", value: "({" + starQuote(k.name) + ": " + k.value + "} if " + k.cond + " else {})"}
			condKw = append(condKw, k)
			continue
		}
		plainKw = append(plainKw, k)
	}
	kwargs = append(plainKw, condKw...)
	arg := func(k kwarg) string {
		if k.name == "**" {
			return "**" + k.value
		}
		return k.name + "=" + k.value
	}
	one := kind + "(" + name
	multi := false
	for _, k := range kwargs {
		if k.multi != nil || strings.Contains(k.value, "\n") {
			multi = true
		}
		one += ", " + arg(k)
	}
	one += ")"
	if !multi && len(one)+4*ind <= 88 {
		e.line(ind, one)
		return
	}
	e.line(ind, kind+"(")
	e.line(ind+1, name+",")
	for _, k := range kwargs {
		if k.multi != nil {
			e.line(ind+1, k.name+"="+k.multi[0])
			for _, m := range k.multi[1 : len(k.multi)-1] {
				e.line(ind+1, m)
			}
			e.line(ind+1, k.multi[len(k.multi)-1]+",")
			continue
		}
		e.line(ind+1, arg(k)+",")
	}
	e.line(ind, ")")
}

// property translates one statement of a resource block; it returns a
// reason when the statement could not be carried over.
func (e *emitter) property(rb *resourceBuild, kind, chefKind string, ps *ruby.Stmt, code **sx, hasSource *bool) (bad *untranslatable) {
	defer func() {
		if r := recover(); r != nil {
			u, ok := r.(*untranslatable)
			if !ok {
				panic(r)
			}
			bad = u
		}
	}()
	if x, ok := ps.X.(*ruby.IfExpr); ok && len(x.Conds) == 1 && len(x.Bodies) == 1 && len(x.Bodies[0]) == 1 {
		// the one-property forms first; where they do not fit, the
		// branch sets the properties through a dict (branchProps)
		saved := *rb
		saved.kwargs = append([]kwarg(nil), rb.kwargs...)
		if bad := e.simpleConditional(rb, kind, chefKind, x, code, hasSource); bad == nil {
			return nil
		} else if bad.construct != "conditional property" {
			return bad
		}
		*rb = saved
		e.branchProps(rb, kind, chefKind, ps)
		return nil
	}
	switch ps.X.(type) {
	case *ruby.IfExpr, *ruby.CaseExpr:
		e.branchProps(rb, kind, chefKind, ps)
		return nil
	}
	if a, ok := ps.X.(*ruby.AssignExpr); ok {
		if _, local := a.Target.(*ruby.IdentRef); local {
			// a local set inside the block: Ruby runs it while the block
			// is read, so it goes before the resource
			e.emitAssign(a, e.resInd)
			return nil
		}
	}
	if c, ok := ps.X.(*ruby.CallExpr); ok && c.Recv != nil && c.Name == "each" && c.Block != nil && len(c.Block.Params) == 1 && len(c.Args) == 0 {
		e.notifyLoop(rb, c)
		return nil
	}
	c, ok := ps.X.(*ruby.CallExpr)
	if !ok || c.Recv != nil {
		switch x := ps.X.(type) {
		case *ruby.BadExpr:
			no("unreadable Ruby", "the reader could not parse this ("+x.Why+")")
		case *ruby.OpaqueExpr:
			no(x.What, "arbitrary Ruby has no converge equivalent")
		}
		no("statement in a resource block", "only property calls are translated")
	}
	prop := c.Name
	if c.Block != nil && prop != "not_if" && prop != "only_if" {
		if prop == "block" {
			no("block", "Ruby code run on the node has no converge equivalent")
		}
		no(prop+" with a block", "only guards take a block")
	}
	if ck := e.kindByConverge(kind); ck != nil {
		switch prop {
		case "action", "notifies", "subscribes", "not_if", "only_if":
		default:
			e.customProperty(rb, ck, c) // custom.go
			return nil
		}
	}
	if prop == "user" && securableKinds[kind] {
		prop = "owner" // Chef's file resources take user as owner
	}
	one := func() ruby.Expr {
		if len(c.Args) != 1 {
			no(prop, fmt.Sprintf("expected one value, got %d", len(c.Args)))
		}
		return c.Args[0]
	}
	switch prop {
	case "action":
		rb.set("action", e.action(one()))
		return nil
	case "notifies", "subscribes":
		t := e.notification(c)
		if prop == "notifies" {
			rb.notifies = append(rb.notifies, t)
		} else {
			rb.subscr = append(rb.subscr, t)
		}
		return nil
	case "not_if", "only_if":
		g := e.guard(c)
		if prop == "not_if" {
			rb.notIf = append(rb.notIf, g)
		} else {
			rb.onlyIf = append(rb.onlyIf, g)
		}
		return nil
	case "mode":
		rb.set("mode", e.mode(one()))
		return nil
	case "variables":
		v := one()
		h, ok := v.(*ruby.HashLit)
		if !ok {
			rb.set("variables", e.expr(v).code)
			return nil
		}
		rb.kwargs = append(rb.kwargs, e.variablesKwarg(rb, c, h))
		return nil
	case "source":
		v := one()
		*hasSource = true
		rb.source, rb.sourceSet = "", true
		if sl, ok := v.(*ruby.StrLit); ok && isPlain(sl) {
			rb.source = plain(sl)
		}
		if kind == "template" {
			rb.set("source", e.templateSource(v))
			return nil
		}
	case "link_type", "provider_type":
		if s, ok := one().(*ruby.SymLit); ok {
			rb.set(prop, starQuote(s.Name))
			return nil
		}
	case "backup":
		if n, ok := one().(*ruby.IntLit); ok {
			rb.set("backup", map[bool]string{true: "True", false: "False"}[n.Val > 0])
			return nil
		}
	case "gid":
		if kind == "user" { // converge's user gid is a group name or number as a string
			switch v := one().(type) {
			case *ruby.IntLit:
				rb.set("gid", starQuote(strconv.FormatInt(v.Val, 10)))
			case *ruby.StrLit:
				rb.set("gid", e.expr(v).code)
			default:
				rb.set("gid", "str("+e.expr(v).code+")")
			}
			return nil
		}
	case "supports":
		if len(c.Args) == 1 {
			if h, ok := c.Args[0].(*ruby.HashLit); ok {
				rb.set("supports", e.expr(h).code)
				return nil
			}
			if v, ok := e.supportsList(c.Args[0]); ok {
				rb.set("supports", v)
				return nil
			}
		}
	case "package_name", "path":
		if len(c.Args) == 1 && (prop == "package_name" && kind == "package" || prop == "path" && pathKinds[kind]) {
			// converge names the resource by its package or path: the
			// name becomes the resource's, and later notifications of
			// the Chef name in this file follow it
			rb.rename = e.expr(c.Args[0]).code
			return nil
		}
		no(prop, "converge names the resource by its "+map[bool]string{true: "package", false: "path"}[prop == "package_name"]+"; rename the resource (and its notifications)")
	case "provider":
		if len(c.Args) == 1 {
			switch a := c.Args[0].(type) {
			case *ruby.ConstRef:
				if _, ok := chefProviders[strings.TrimPrefix(a.Path, "::")]; ok {
					rb.set("provider", e.expr(a).code)
					return nil
				}
			case *ruby.IdentRef, *ruby.IndexExpr:
				// a computed provider: the constant it holds was
				// translated where it was set, converge refuses a
				// name it does not know, and nil (Chef's default)
				// is converge's unset ""
				rb.set("provider", "("+e.expr(a).code+" or \"\")")
				return nil
			}
		}
		no(prop, "Chef provider classes have no converge equivalent; converge picks the provider from facts (provider= takes a name)")
	case "cookbook":
		if kind == "template" || kind == "cookbook_file" {
			if v, ok := e.sourceCookbook(one()); ok {
				rb.set("cookbook", v)
			}
			return nil
		}
	case "verify":
		if kind == "systemd_unit" && len(c.Args) == 1 {
			if b, ok := c.Args[0].(*ruby.BoolLit); ok && !b.Val {
				return nil // converge does not run systemd-analyze verify either
			}
		}
	case "local":
		no(prop, "local templates are not supported")
	}
	if k, ok := engine.LookupKind(kind); ok {
		if p, ok := k.ChefProperty(prop); ok {
			prop = p.Name // Chef's name is a Starlark keyword (mount's pass)
		}
	}
	if !hasProp(kind, prop) {
		no(prop, fmt.Sprintf("converge's %s has no %s property", kind, prop))
	}
	v := one()
	if h, ok := v.(*ruby.HashLit); ok && len(h.Keys) > 2 {
		rb.kwargs = append(rb.kwargs, e.dictKwarg(prop, h))
		return nil
	}
	rb.set(prop, e.expr(v).code)
	return nil
}

// simpleConditional translates a condition around one property in a
// resource block in the one-property forms: **({prop: v} if c else {}),
// or v if c else w for a property both branches set.
func (e *emitter) simpleConditional(rb *resourceBuild, kind, chefKind string, x *ruby.IfExpr, code **sx, hasSource *bool) (bad *untranslatable) {
	defer func() {
		if r := recover(); r != nil {
			u, ok := r.(*untranslatable)
			if !ok {
				panic(r)
			}
			bad = u
		}
	}()
	if x.Modifier || !x.HasElse {
		// `if cond` around one property reads as `prop v if cond`
		e.conditionalProperty(rb, kind, chefKind, x)
		return nil
	}
	if then, ok := x.Bodies[0][0].X.(*ruby.CallExpr); ok && len(x.Else) == 1 {
		if els, ok := x.Else[0].X.(*ruby.CallExpr); ok && then.Recv == nil && els.Recv == nil && then.Name == els.Name && !sameOnceProps[then.Name] {
			// one property set in both branches: the else value,
			// then the other under the condition (v if cond else w)
			if bad := e.property(rb, kind, chefKind, x.Else[0], code, hasSource); bad != nil {
				panic(bad)
			}
			e.conditionalProperty(rb, kind, chefKind, &ruby.IfExpr{Line: x.Line, Conds: x.Conds, Bodies: x.Bodies, Unless: x.Unless})
			return nil
		}
	}
	no("conditional property", "a branch inside a resource block")
	return nil
}

// sourceCookbook translates Chef's cookbook property of a template or
// cookbook_file, the cookbook its source comes from; ok is false when
// the property is best left out. The recipe's own cookbook, named
// literally, is converge's default (left out), except in a kind's body,
// whose default may be the calling recipe's cookbook (callerCookbook). A value that is nil leaves the property unset, the
// default, as in Chef.
func (e *emitter) sourceCookbook(x ruby.Expr) (string, bool) {
	if sl, ok := x.(*ruby.StrLit); ok && isPlain(sl) && plain(sl) == e.cookbook {
		if e.inKind() {
			return starQuote(e.cookbook), true
		}
		return "", false
	}
	return e.expr(x).code, true
}

// hasSource reports whether the Chef cookbook that defines k has the
// template (kind "template") or cookbook file src, in any folder of file
// specificity (templates/default/, templates/centos/, ...) or at the top.
func (k *crKind) hasSource(kind, src string) bool {
	if k.dir == "" || src == "" || strings.HasPrefix(src, "/") || strings.Contains(src, "..") {
		return false
	}
	dir := filepath.Join(k.dir, map[bool]string{true: "templates", false: "files"}[kind == "template"])
	if st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(src))); err == nil && !st.IsDir() {
		return true
	}
	found, _ := filepath.Glob(filepath.Join(dir, "*", filepath.FromSlash(src)))
	return len(found) > 0
}

// inKind reports whether e writes the body of a kind: a definition, a
// custom resource or an LWRP, whose templates and cookbook files Chef
// looks up in the declaring recipe's cookbook (new_resource.cookbook_name).
func (e *emitter) inKind() bool { return e.cr != nil }

// callerCookbook makes a template or cookbook_file of a kind's body take
// its source from the calling recipe's cookbook (r.cookbook_name), as
// Chef does (it expands a definition into that recipe, and runs a custom
// resource's or LWRP's actions with the resource's cookbook_name), where
// the body gives no cookbook, gives one under a condition only, or gives
// a value that may be nil. emitResource calls it unless the kind's own
// cookbook has the source, where converge looks by default: a kind that
// ships its template keeps working when another cookbook declares it
// (in Chef that needs the template in the caller's cookbook, or a
// cookbook property).
func (rb *resourceBuild) callerCookbook() {
	const caller = "r.cookbook_name"
	if d := rb.dict; d != nil && d.names["cookbook"] {
		d.lines = append(d.lines, preLine{0, "if not " + d.name + ".get(\"cookbook\"):"}, preLine{1, d.name + "[\"cookbook\"] = " + caller})
		return
	}
	for i, k := range rb.kwargs {
		if k.name != "cookbook" {
			continue
		}
		switch {
		case k.cond != "":
			rb.kwargs[i] = kwarg{name: k.name, value: ternaryOperand(k.value) + " if " + k.cond + " else " + caller}
		case !strings.HasPrefix(k.value, `"`): // computed: nil is the caller's
			rb.kwargs[i] = kwarg{name: k.name, value: ternaryOperand(k.value) + " or " + caller}
		}
		return
	}
	rb.kwargs = append(rb.kwargs, kwarg{name: "cookbook", value: caller})
}

// sameOnceProps are the properties an if/else inside a resource block
// cannot set as `v if cond else w`: they accumulate, or are not kwargs.
var sameOnceProps = map[string]bool{"notifies": true, "subscribes": true, "not_if": true, "only_if": true, "source": true, "code": true}

// conditionalProperty translates `prop value if cond` (or unless) in a
// resource block. Chef leaves the property unset when cond is false, so
// the call gets it through **({...} if cond else {}); a property given
// before unconditionally becomes `value if cond else earlier`.
func (e *emitter) conditionalProperty(rb *resourceBuild, kind, chefKind string, x *ruby.IfExpr) {
	const construct = "conditional property"
	if len(x.Conds) != 1 || len(x.Bodies) != 1 || len(x.Bodies[0]) != 1 {
		no(construct, "a branch inside a resource block; set the property with a variable before the resource")
	}
	inner, ok := x.Bodies[0][0].X.(*ruby.CallExpr)
	if !ok || inner.Recv != nil || inner.Block != nil {
		no(construct, "only a property call can be conditional; set the property with a variable before the resource")
	}
	switch inner.Name {
	case "notifies", "subscribes":
		t := e.notification(inner)
		cond := e.optionalCond(x.Conds[0])
		if x.Unless {
			cond = sx{code: "not " + cond.in(pNot), prec: pNot}
		}
		k := kwarg{value: t, cond: cond.in(pOr)}
		if inner.Name == "notifies" {
			rb.condNotifies = append(rb.condNotifies, k)
		} else {
			rb.condSubscr = append(rb.condSubscr, k)
		}
		return
	case "source", "code", "not_if", "only_if":
		no(construct, "a conditional "+inner.Name+" is not translated; set it with a variable before the resource")
	}
	sub := &resourceBuild{}
	var code *sx
	hasSource := false
	if bad := e.property(sub, kind, chefKind, x.Bodies[0][0], &code, &hasSource); bad != nil {
		panic(bad)
	}
	if len(sub.kwargs) != 1 || code != nil || hasSource {
		no(construct, "a conditional "+inner.Name+" is not translated; set it with a variable before the resource")
	}
	k := sub.kwargs[0]
	value := k.value
	if k.multi != nil {
		value = strings.Join(k.multi, " ")
	}
	cond := e.optionalCond(x.Conds[0])
	if x.Unless {
		cond = sx{code: "not " + cond.in(pNot), prec: pNot}
	}
	for i, old := range rb.kwargs {
		if old.name != k.name {
			continue
		}
		if old.cond != "" {
			no(construct, k.name+" is set under two conditions; combine them with a variable before the resource")
		}
		if rb.dict != nil && rb.dict.names[k.name] {
			no(construct, k.name+" is set in a branch")
		}
		prev := old.value
		if old.multi != nil {
			prev = strings.Join(old.multi, " ")
		}
		rb.kwargs[i] = kwarg{name: k.name, value: ternaryOperand(value) + " if " + cond.in(pOr) + " else " + ternaryOperand(prev)}
		return
	}
	if rb.dict != nil {
		no(construct, "a conditional property after a branch")
	}
	for _, old := range rb.kwargs {
		if old.cond != "" {
			// a second one: both go through a dict (branchProps)
			no(construct, "only one property of a resource can be conditional; set the others with a variable before the resource")
		}
	}
	rb.kwargs = append(rb.kwargs, kwarg{name: k.name, value: value, cond: cond.in(pOr)})
}

// supportsList translates the older forms of a service's supports: a
// list of actions (supports [:restart, :reload]), a list holding a hash
// (supports [:restart => true]), or a value computed at compile time
// (value_for_platform(...)) that may be either; a list of actions is
// the hash of each set to true, and a computed hash has its values
// turned into booleans.
func (e *emitter) supportsList(x ruby.Expr) (string, bool) {
	switch v := x.(type) {
	case *ruby.ArrayLit:
		if len(v.Elems) == 1 {
			if h, ok := v.Elems[0].(*ruby.HashLit); ok {
				return e.expr(h).code, true
			}
		}
		var parts []string
		for _, el := range v.Elems {
			s, ok := el.(*ruby.SymLit)
			if !ok {
				return "", false
			}
			parts = append(parts, starQuote(s.Name)+": True")
		}
		return "{" + strings.Join(parts, ", ") + "}", true
	case *ruby.CallExpr, *ruby.IndexExpr, *ruby.IdentRef:
		// Chef reads a hash's values as Ruby truthiness (only nil and
		// false are false); converge wants booleans
		return "(lambda _s: {_a: True for _a in _s} if type(_s) == \"list\" else {_k: _v != None and _v != False for _k, _v in _s.items()})(" + e.expr(x).code + ")", true
	}
	return "", false
}

// ternaryOperand parenthesizes a value that would not survive as an
// operand of `x if c else y` (a conditional or a lambda of its own).
func ternaryOperand(v string) string {
	if strings.Contains(v, " if ") || strings.Contains(v, "lambda") {
		return "(" + v + ")"
	}
	return v
}

// optionalCond translates a condition in which a bare node attribute
// tests presence: node["a"]["b"] is nil in Chef when b is unset, so it
// becomes node["a"].get("b"), which is None instead of an error.
func (e *emitter) optionalCond(x ruby.Expr) sx {
	if ix, ok := x.(*ruby.IndexExpr); ok && len(ix.Args) == 1 && isNodePath(ix) {
		if k, ok := literalKey(ix.Args[0]); ok && !(isNodeCall(ix.Recv) && facts[k]) {
			return atom(e.expr(ix.Recv).in(pPostfix) + ".get(" + starQuote(k) + ")")
		}
	}
	return e.cond(x)
}

func (rb *resourceBuild) set(name, value string) {
	for i, k := range rb.kwargs {
		if k.name == name { // Chef: the last assignment wins
			rb.kwargs[i] = kwarg{name: name, value: value}
			return
		}
	}
	rb.kwargs = append(rb.kwargs, kwarg{name: name, value: value})
}

func (e *emitter) dictKwarg(name string, h *ruby.HashLit) kwarg {
	flat := e.expr(h).code
	k := kwarg{name: name, value: flat}
	if len(flat) > 60 {
		k.multi = []string{"{"}
		for i := range h.Keys {
			k.multi = append(k.multi, "    "+e.hashKey(h.Keys[i])+": "+e.expr(h.Vals[i]).code+",")
		}
		k.multi = append(k.multi, "}")
	}
	return k
}

// variablesKwarg is a template's variables(...) hash as dictKwarg lays
// it out, except that a value which is not translated becomes that
// value's todo() marker (its TODO note goes above the resource, through
// rb.todoLines) and the other keys are kept.
func (e *emitter) variablesKwarg(rb *resourceBuild, c *ruby.CallExpr, h *ruby.HashLit) kwarg {
	keys := make([]string, len(h.Keys))
	vals := make([]string, len(h.Vals))
	for i := range h.Keys {
		keys[i] = e.hashKey(h.Keys[i])
		v, bad := e.tryExpr(h.Vals[i])
		if bad == nil {
			vals[i] = v.code
			continue
		}
		ln := h.Vals[i].ExprLine()
		if ln == 0 {
			ln = c.Line
		}
		rb.todoLines = append(rb.todoLines, func(ind int) { e.todoNote(ln, ind, bad.construct, bad.why) })
		vals[i] = e.todoMarker(ln, bad.construct)
	}
	parts := make([]string, len(keys))
	for i := range keys {
		parts[i] = keys[i] + ": " + vals[i]
	}
	flat := "{" + strings.Join(parts, ", ") + "}"
	k := kwarg{name: "variables", value: flat}
	if len(flat) > 60 {
		k.multi = []string{"{"}
		for i := range keys {
			k.multi = append(k.multi, "    "+parts[i]+",")
		}
		k.multi = append(k.multi, "}")
	}
	return k
}

func (e *emitter) action(x ruby.Expr) string {
	switch v := x.(type) {
	case *ruby.SymLit:
		return starQuote(v.Name)
	case *ruby.ArrayLit:
		var parts []string
		for _, el := range v.Elems {
			parts = append(parts, e.action(el))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return e.expr(x).code
}

var timings = map[string]string{"delayed": "", "immediately": "immediately", "immediate": "immediately", "before": "before"}

func (e *emitter) notification(c *ruby.CallExpr) string {
	if len(c.Args) < 2 || len(c.Args) > 3 {
		no(c.Name, "expected :action, \"kind[name]\"[, :timing]")
	}
	action := e.action(c.Args[0])
	var target string
	switch t := c.Args[1].(type) {
	case *ruby.CallExpr:
		if t.Recv == nil && t.Name == "resources" && len(t.Args) == 1 {
			if h, ok := t.Args[0].(*ruby.HashLit); ok && len(h.Keys) == 1 {
				k, ok1 := h.Keys[0].(*ruby.SymLit)
				if ok1 {
					v := e.expr(h.Vals[0])
					kind := targetKind(k.Name)
					if sl, ok := h.Vals[0].(*ruby.StrLit); ok && isPlain(sl) {
						target = starQuote(kind + "[" + plain(sl) + "]")
					} else {
						target = fmt.Sprintf("%s %% %s", starQuote(kind+"[%s]"), v.in(pMul+1))
					}
				}
			} else {
				target = e.expr(t.Args[0]).code
			}
		}
		if target == "" {
			no(c.Name, "unsupported notification target")
		}
	default:
		tx := targetString(c.Args[1])
		target = e.expr(tx).code
		if sl, ok := tx.(*ruby.StrLit); ok && isPlain(sl) {
			if to, ok := e.renamed[plain(sl)]; ok {
				kind := plain(sl)[:strings.Index(plain(sl), "[")]
				if strings.Contains(to, " ") {
					to = "(" + to + ")"
				}
				target = starQuote(kind+"[%s]") + " % " + to
			}
		}
	}
	timing := ""
	if len(c.Args) == 3 {
		s, ok := c.Args[2].(*ruby.SymLit)
		if !ok {
			no(c.Name, "the timing must be :delayed, :immediately or :before")
		}
		t, ok := timings[s.Name]
		if !ok {
			no(c.Name, "unknown timing :"+s.Name)
		}
		timing = t
	}
	if timing == "" {
		return "(" + action + ", " + target + ")"
	}
	return "(" + action + ", " + target + ", " + starQuote(timing) + ")"
}

// targetKind is the converge kind a notification naming a resource of
// Chef kind chefKind names: the kind chefKind translates to when it is a
// Chef name of a converge kind (rpm_package is package), else chefKind.
func targetKind(chefKind string) string {
	if k, ok := chefResource(chefKind); ok {
		return k
	}
	return chefKind
}

// targetString is a notification's "kind[name]" string with its kind
// the converge kind (targetKind): a string whose first part is literal
// text up to "[" names the kind there; any other expression is x.
func targetString(x ruby.Expr) ruby.Expr {
	sl, ok := x.(*ruby.StrLit)
	if !ok || len(sl.Parts) == 0 || sl.Parts[0].IsCode {
		return x
	}
	lit := sl.Parts[0].Lit
	i := strings.Index(lit, "[")
	if i <= 0 {
		return x
	}
	kind := targetKind(lit[:i])
	if kind == lit[:i] {
		return x
	}
	cp := *sl
	cp.Parts = append([]ruby.StrElem(nil), sl.Parts...)
	cp.Parts[0].Lit = kind + lit[i:]
	return &cp
}

func (e *emitter) mode(x ruby.Expr) string {
	switch v := x.(type) {
	case *ruby.IntLit:
		return starQuote(fmt.Sprintf("%04o", v.Val))
	case *ruby.StrLit:
		if isPlain(v) {
			s := plain(v)
			if s != "" && strings.Trim(s, "01234567") == "" {
				t := strings.TrimLeft(s, "0")
				for len(t) < 4 {
					t = "0" + t
				}
				return starQuote(t)
			}
			return starQuote(s)
		}
	}
	return e.expr(x).code
}

// templateSource translates a template's source, Chef's name of a file
// in templates/, to the name migrate gives that file (tmplName): a
// string ending in literal text renames it in place; any other value
// (a string ending in an interpolation, a property, a method's value) is
// renamed when the recipe runs, as tmplName does, by
// rb_to_s(x).removesuffix(".erb") + ".tmpl". A list of sources, of which
// Chef takes the first that exists, is a TODO.
func (e *emitter) templateSource(x ruby.Expr) string {
	if _, ok := x.(*ruby.ArrayLit); ok {
		no("source", "a list of template sources (Chef renders the first that exists) is not translated")
	}
	sl, ok := x.(*ruby.StrLit)
	if !ok || len(sl.Parts) == 0 || sl.Parts[len(sl.Parts)-1].IsCode {
		v := e.rubyToS(x, e.expr(x))
		return v.in(pPostfix) + `.removesuffix(".erb") + ".tmpl"`
	}
	parts := append([]ruby.StrElem(nil), sl.Parts...)
	parts[len(parts)-1].Lit = tmplName(parts[len(parts)-1].Lit)
	return e.str(&ruby.StrLit{Line: sl.Line, Parts: parts}).code
}

// tmplName is the converge template file name for a Chef template name:
// migrateTemplates writes each file of templates/ under it, x.erb as
// x.tmpl and a file without .erb (Chef renders any name) as x.tmpl too.
func tmplName(name string) string {
	return strings.TrimSuffix(name, ".erb") + ".tmpl"
}

func unquoteStar(code string) (string, bool) {
	if strings.HasPrefix(code, `"""`) {
		s, err := strconv.Unquote(`"` + strings.ReplaceAll(strings.ReplaceAll(code[3:len(code)-3], "\n", `\n`), `\"""`, `"""`) + `"`)
		return s, err == nil
	}
	if strings.HasPrefix(code, `'`) && strings.HasSuffix(code, `'`) && len(code) >= 2 {
		inner := strings.ReplaceAll(code[1:len(code)-1], `\'`, `'`)
		inner = strings.ReplaceAll(inner, `"`, `\"`)
		s, err := strconv.Unquote(`"` + inner + `"`)
		return s, err == nil
	}
	if strings.HasPrefix(code, `"`) {
		s, err := strconv.Unquote(code)
		return s, err == nil
	}
	return "", false
}

// ---- guards ----

// fileTestRecv reports whether recv.name is one of Ruby's file tests:
// File's and FileTest's (exist?, directory?, ...) and Dir.exist?.
func fileTestRecv(recv, name string) bool {
	switch strings.TrimPrefix(recv, "::") {
	case "File", "FileTest":
		return true
	case "Dir":
		return name == "exist?" || name == "exists?"
	}
	return false
}

var fileTests = map[string]string{
	"exist?": "-e", "exists?": "-e", "directory?": "-d", "file?": "-f", "symlink?": "-L",
	"executable?": "-x", "readable?": "-r", "writable?": "-w", "size?": "-s",
}

func (e *emitter) guard(c *ruby.CallExpr) guard {
	if c.Block != nil {
		if len(c.Args) > 0 {
			no(c.Name, "a guard with both a command and a block")
		}
		if len(c.Block.Body) != 1 {
			no(c.Name, "a guard block of several statements")
		}
		x := c.Block.Body[0].X
		if sh, ok := e.shellGuard(x); ok {
			return guard{code: sh, shell: true, line: c.Line}
		}
		return guard{code: e.lambda(x), line: c.Line}
	}
	if len(c.Args) == 0 {
		no(c.Name, "a guard without a command")
	}
	if len(c.Args) > 1 {
		no(c.Name+" options", "guard options (:user, :cwd, :environment ...) are not translated")
	}
	if sl, ok := c.Args[0].(*ruby.StrLit); ok {
		return guard{code: e.str(sl).code, shell: isPlain(sl), line: c.Line}
	}
	if e.stringExpr(c.Args[0]) {
		// a command built by a format, % or +: Chef gives the string
		// to the shell as it is, as it does an interpolated one
		return guard{code: e.expr(c.Args[0]).code, line: c.Line}
	}
	no(c.Name, "a guard must be a command string or a block")
	return guard{}
}

// stringExpr reports whether x is a string by its form: a literal, a
// format or String#% of a string pattern, a + with a string operand, a
// join or to_s, or a local variable known to hold a string.
func (e *emitter) stringExpr(x ruby.Expr) bool {
	switch v := x.(type) {
	case *ruby.StrLit:
		return true
	case *ruby.BinaryExpr:
		switch v.Op {
		case "%":
			return e.stringExpr(v.L)
		case "+":
			return e.stringExpr(v.L) || e.stringExpr(v.R)
		}
	case *ruby.CallExpr:
		if v.Recv == nil && (v.Name == "format" || v.Name == "sprintf") && len(v.Args) > 0 && v.Block == nil {
			_, ok := v.Args[0].(*ruby.StrLit)
			return ok
		}
		if v.Recv != nil && (v.Name == "join" || v.Name == "to_s") && v.Block == nil {
			return true
		}
	case *ruby.IdentRef:
		return e.vars[v.Name].typ == "str"
	}
	return false
}

// shellGuard turns ::File.exist?("/x") and friends into a test command.
func (e *emitter) shellGuard(x ruby.Expr) (string, bool) {
	neg := false
	if u, ok := x.(*ruby.UnaryExpr); ok && u.Op == "!" {
		neg = true
		x = u.X
	}
	if b, ok := x.(*ruby.BinaryExpr); ok && !neg && (b.Op == "&&" || b.Op == "||") {
		// File.exist?(a) || File.exist?(b): the shell's || of the tests
		l, lok := e.shellGuard(b.L)
		r, rok := e.shellGuard(b.R)
		if !lok || !rok {
			return "", false
		}
		return l + " + " + starQuote(" "+b.Op+" ") + " + " + r, true
	}
	c, ok := x.(*ruby.CallExpr)
	if !ok {
		return "", false
	}
	if cr, ok := c.Recv.(*ruby.ConstRef); ok && fileTestRecv(cr.Path, c.Name) {
		flag, ok := fileTests[c.Name]
		if !ok || len(c.Args) != 1 {
			return "", false
		}
		if strings.TrimPrefix(cr.Path, "::") == "Dir" {
			flag = "-d"
		}
		if neg {
			flag = "! " + flag
		}
		if sl, ok := c.Args[0].(*ruby.StrLit); ok && isPlain(sl) {
			return starQuote("test " + flag + " " + shell.Quote(plain(sl))), true
		}
		// a computed path reaches the shell quoted
		p := e.rubyToS(c.Args[0], e.expr(c.Args[0]))
		return starQuote("test "+flag+" ") + " + shell.quote(" + p.code + ")", true
	}
	if c.Recv == nil && c.Name == "system" && len(c.Args) == 1 {
		if sl, ok := c.Args[0].(*ruby.StrLit); ok {
			s := e.str(sl)
			if neg {
				if isPlain(sl) {
					return starQuote("! " + plain(sl)), true
				}
				return `"! " + ` + s.in(pAdd+1), true
			}
			return s.code, true
		}
	}
	return "", false
}

// lambda translates a Ruby guard expression into a Starlark callable; the
// locals it reads are bound as default parameters so a loop variable keeps
// its value of that iteration.
func (e *emitter) lambda(x ruby.Expr) string {
	used := map[string]bool{}
	walkIdents(x, used)
	body := e.expr(x)
	var params []string
	for name := range used {
		if v, ok := e.vars[name]; ok {
			params = append(params, v.star+"="+v.star)
		}
	}
	sort.Strings(params)
	if len(params) == 0 {
		return "lambda: " + body.code
	}
	return "lambda " + strings.Join(params, ", ") + ": " + body.code
}

func walkIdents(x ruby.Expr, used map[string]bool) {
	switch t := x.(type) {
	case *ruby.IdentRef:
		used[t.Name] = true
	case *ruby.CallExpr:
		if t.Recv != nil {
			walkIdents(t.Recv, used)
		}
		for _, a := range t.Args {
			walkIdents(a, used)
		}
	case *ruby.IndexExpr:
		walkIdents(t.Recv, used)
		for _, a := range t.Args {
			walkIdents(a, used)
		}
	case *ruby.BinaryExpr:
		walkIdents(t.L, used)
		walkIdents(t.R, used)
	case *ruby.UnaryExpr:
		walkIdents(t.X, used)
	case *ruby.TernaryExpr:
		walkIdents(t.Cond, used)
		walkIdents(t.Yes, used)
		walkIdents(t.No, used)
	case *ruby.StrLit:
		for _, p := range t.Parts {
			if p.IsCode {
				walkIdents(p.X, used)
			}
		}
	case *ruby.ArrayLit:
		for _, a := range t.Elems {
			walkIdents(a, used)
		}
	case *ruby.HashLit:
		for i := range t.Keys {
			walkIdents(t.Keys[i], used)
			walkIdents(t.Vals[i], used)
		}
	}
}

// ---- expressions ----

// rubyStdlib holds Ruby standard libraries recipes require for their
// classes (IPAddr, Resolv, ...); a require of one loads nothing a
// translated recipe needs.
var rubyStdlib = map[string]bool{
	"ipaddr": true, "resolv": true, "socket": true, "json": true, "yaml": true, "erb": true,
	"securerandom": true, "digest": true, "digest/md5": true, "digest/sha1": true, "digest/sha2": true,
	"base64": true, "uri": true, "set": true, "fileutils": true, "shellwords": true, "etc": true,
	"openssl": true, "tempfile": true, "time": true, "date": true, "pathname": true,
}

// notifyLoop translates a loop in a resource block that only notifies
// (list.each { |s| notifies :restart, "service[#{s}]" }): the
// notifications become a list comprehension over the list.
func (e *emitter) notifyLoop(rb *resourceBuild, c *ruby.CallExpr) {
	if len(c.Block.Body) == 0 {
		no("statement in a resource block", "only property calls are translated")
	}
	for _, st := range c.Block.Body {
		in, ok := st.X.(*ruby.CallExpr)
		if !ok || in.Recv != nil || in.Block != nil || in.Name != "notifies" && in.Name != "subscribes" {
			no("statement in a resource block", "only property calls, and loops of notifies or subscribes, are translated")
		}
	}
	over := e.expr(c.Recv)
	saved := copyVars(e.vars)
	defer func() { e.vars = saved }()
	v := e.bind(c.Block.Params[0], "")
	for _, st := range c.Block.Body {
		in := st.X.(*ruby.CallExpr)
		l := "[" + e.notification(in) + " for " + v + " in " + over.in(pOr) + "]"
		if in.Name == "notifies" {
			rb.notifyLists = append(rb.notifyLists, l)
		} else {
			rb.subscrLists = append(rb.subscrLists, l)
		}
	}
}

// branchProps translates a branch inside a resource block (if, elsif,
// else, unless, case, nested, or a second conditional property) that
// sets properties: the branch fills a dict written above the resource,
// which the call passes as **dict. Chef's last assignment wins: a
// property given before the branch goes into the dict first, one given
// after it last (settleDict).
func (e *emitter) branchProps(rb *resourceBuild, kind, chefKind string, ps *ruby.Stmt) {
	const construct = "conditional property"
	name := ""
	if rb.dict != nil {
		name = rb.dict.name
	} else {
		name = kind + "_props"
		if n := e.resources[kind]; n > 0 {
			name += strconv.Itoa(n + 1)
		}
	}
	var lines []preLine
	names := map[string]bool{}
	nameVar := kind + "_resource_name" + strings.TrimPrefix(name, kind+"_props")
	if rb.dict != nil && rb.dict.nameVar != "" {
		nameVar = rb.dict.nameVar
	}
	renamed, assigned := false, false
	// notifies and subscribes in a branch add to a list above the
	// resource, which its notifies= (subscribes=) takes
	lists := map[string]string{}
	if rb.dict != nil {
		for k, v := range rb.dict.lists {
			lists[k] = v
		}
	}
	var newLists []string
	var body func(stmts []*ruby.Stmt, ind int)
	branch := func(head string, stmts []*ruby.Stmt, ind int) {
		lines = append(lines, preLine{ind, head})
		body(stmts, ind+1)
	}
	cond := func(x ruby.Expr, unless bool) string {
		c := e.optionalCond(x)
		if unless {
			return "not " + c.in(pNot)
		}
		return c.code
	}
	body = func(stmts []*ruby.Stmt, ind int) {
		if len(stmts) == 0 {
			lines = append(lines, preLine{ind, "pass"})
		}
		for _, st := range stmts {
			switch x := st.X.(type) {
			case *ruby.IfExpr:
				for i, c := range x.Conds {
					kw := map[bool]string{true: "if ", false: "elif "}[i == 0]
					branch(kw+cond(c, x.Unless)+":", x.Bodies[i], ind)
				}
				if x.HasElse {
					branch("else:", x.Else, ind)
				}
			case *ruby.CaseExpr:
				var subj sx
				if x.Subject != nil {
					subj = e.expr(x.Subject)
				}
				for i, vals := range x.Whens {
					c, err := e.tryWhen(x.Subject != nil, subj, vals)
					if err != nil {
						panic(err)
					}
					kw := map[bool]string{true: "if ", false: "elif "}[i == 0]
					branch(kw+c+":", x.Bodies[i], ind)
				}
				if x.HasElse {
					if len(x.Whens) == 0 {
						body(x.Else, ind)
					} else {
						branch("else:", x.Else, ind)
					}
				}
			case *ruby.AssignExpr:
				if _, local := x.Target.(*ruby.IdentRef); !local {
					no(construct, "only property calls and local variables are translated in a branch inside a resource block")
				}
				// a local set in the branch, as Ruby runs it while the
				// block is read: it goes with the branch, above the resource
				for _, l := range e.capture(func() { e.emitAssign(x, 0) }) {
					lines = append(lines, preLine{ind, l})
				}
				assigned = true
			default:
				if c, ok := st.X.(*ruby.CallExpr); ok && c.Recv == nil && c.Block == nil && (c.Name == "notifies" || c.Name == "subscribes") {
					l, ok := lists[c.Name]
					if !ok {
						l = name + "_" + c.Name
						lists[c.Name] = l
						newLists = append(newLists, c.Name)
					}
					lines = append(lines, preLine{ind, l + ".append(" + e.notification(c) + ")"})
					continue
				}
				for _, k := range e.branchProp(kind, chefKind, st) {
					if k.name == renameKey {
						renamed = true
						lines = append(lines, preLine{ind, nameVar + " = " + k.value})
						continue
					}
					names[k.name] = true
					lines = append(lines, preLine{ind, name + "[" + starQuote(k.name) + "] = " + k.value})
				}
			}
		}
	}
	body([]*ruby.Stmt{ps}, 0)
	if len(names) == 0 && !renamed && !assigned && len(lists) == 0 {
		no(construct, "a branch that sets no property")
	}
	if rb.dict == nil {
		rb.dict = &propDict{name: name, names: map[string]bool{}, lines: []preLine{{0, name + " = {}"}}}
		// a conditional property given before goes into the dict too:
		// Starlark takes one **kwargs
		kept := rb.kwargs[:0]
		for _, k := range rb.kwargs {
			if k.cond == "" {
				kept = append(kept, k)
				continue
			}
			rb.dict.names[k.name] = true
			rb.dict.lines = append(rb.dict.lines, preLine{0, "if " + k.cond + ":"}, preLine{1, name + "[" + starQuote(k.name) + "] = " + k.value})
		}
		rb.kwargs = kept
	}
	// a property the block gave before the branch is the dict's value
	// unless the branch sets it
	kept := rb.kwargs[:0]
	for _, k := range rb.kwargs {
		if names[k.name] {
			rb.dict.lines = append(rb.dict.lines, preLine{0, name + "[" + starQuote(k.name) + "] = " + kwargValue(k)})
			continue
		}
		kept = append(kept, k)
	}
	rb.kwargs = kept
	for n := range names {
		rb.dict.names[n] = true
	}
	if rb.dict.lists == nil {
		rb.dict.lists = map[string]string{}
	}
	for _, n := range newLists {
		rb.dict.lists[n] = lists[n]
		rb.dict.lines = append(rb.dict.lines, preLine{0, lists[n] + " = []"})
		if n == "notifies" {
			rb.notifyLists = append(rb.notifyLists, lists[n])
		} else {
			rb.subscrLists = append(rb.subscrLists, lists[n])
		}
	}
	if renamed && rb.dict.nameVar == "" {
		// the name Chef's block gave so far, which the branch may change
		first := rb.name
		if rb.rename != "" {
			first, rb.rename = rb.rename, ""
		}
		rb.dict.nameVar = nameVar
		rb.dict.lines = append(rb.dict.lines, preLine{0, nameVar + " = " + first})
	}
	rb.dict.lines = append(rb.dict.lines, lines...)
}

// branchProp translates one statement of a branch inside a resource
// block into the properties it sets.
func (e *emitter) branchProp(kind, chefKind string, st *ruby.Stmt) []kwarg {
	const construct = "conditional property"
	c, ok := st.X.(*ruby.CallExpr)
	if !ok || c.Recv != nil || c.Block != nil {
		no(construct, "only property calls are translated in a branch inside a resource block; set the property with a variable before the resource")
	}
	if (c.Name == "package_name" && kind == "package" || c.Name == "path" && pathKinds[kind]) && len(c.Args) == 1 {
		// the resource's name, which converge names it by
		return []kwarg{{name: renameKey, value: e.expr(c.Args[0]).code}}
	}
	switch c.Name {
	case "notifies", "subscribes", "not_if", "only_if", "source", "code", "package_name", "path":
		no(construct, "a "+c.Name+" inside a branch is not translated; set it with a variable before the resource")
	}
	sub := &resourceBuild{}
	var code *sx
	hasSource := false
	if bad := e.property(sub, kind, chefKind, st, &code, &hasSource); bad != nil {
		panic(bad)
	}
	if code != nil || hasSource || sub.rename != "" || len(sub.notifies)+len(sub.subscr)+len(sub.condNotifies)+len(sub.condSubscr)+len(sub.notifyLists)+len(sub.subscrLists)+len(sub.notIf)+len(sub.onlyIf)+len(sub.todoLines) > 0 {
		no(construct, "a "+c.Name+" inside a branch is not translated; set it with a variable before the resource")
	}
	var ks []kwarg
	for _, k := range sub.kwargs {
		if k.cond != "" || k.name == "**" {
			no(construct, "a "+c.Name+" inside a branch is not translated; set it with a variable before the resource")
		}
		ks = append(ks, kwarg{name: k.name, value: kwargValue(k)})
	}
	return ks
}

// kwargValue is k's value on one line.
func kwargValue(k kwarg) string {
	if k.multi != nil {
		return strings.Join(k.multi, " ")
	}
	return k.value
}

// settleDict moves into the dict a property the block gives after a
// branch that set it: in Chef the last assignment wins.
func (rb *resourceBuild) settleDict() {
	d := rb.dict
	if d == nil {
		return
	}
	kept := rb.kwargs[:0]
	for _, k := range rb.kwargs {
		if d.names[k.name] {
			if k.cond != "" {
				d.lines = append(d.lines, preLine{0, "if " + k.cond + ":"}, preLine{1, d.name + "[" + starQuote(k.name) + "] = " + kwargValue(k)})
			} else {
				d.lines = append(d.lines, preLine{0, d.name + "[" + starQuote(k.name) + "] = " + kwargValue(k)})
			}
			continue
		}
		kept = append(kept, k)
	}
	rb.kwargs = kept
}

// capture runs emit and returns the lines it wrote, taking them out of
// e's output (all of them, also when emit panics).
func (e *emitter) capture(emit func()) []string {
	n := len(e.out)
	defer func() { e.out = e.out[:n] }()
	emit()
	return append([]string(nil), e.out[n:]...)
}
