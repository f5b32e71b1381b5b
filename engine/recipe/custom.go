package recipe

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/converge-cm/converge/engine"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// customKind is a resource kind defined by a cookbook's resources/NAME.star
// (Chef's custom resources): `property()` calls at the top level, an
// optional `probes(r)` and `load_current(r, out)`, and one `action_X(r)`
// function per action. It is loaded on its first use.
type customKind struct {
	name     string // cookbook_NAME, or cookbook for default.star
	cookbook string
	file     string

	loaded, loading bool
	err             error

	doc      string
	props    []*customProp
	actions  []string // file order; the first is the default
	actionFn map[string]*starlark.Function
	probes   starlark.Callable
	loadCur  starlark.Callable
	when     map[string]engine.RunWhen
}

// customProp is one property() of a custom kind.
type customProp struct {
	name         string
	typ          string   // str, int, float, bool, list, dict, mode, path; "" for several
	types        []string // the allowed types, in the order given
	nilOK        bool     // None is among the types given (every property may be unset)
	nameProp     bool
	required     bool
	sensitive    bool
	desiredState bool
	def          starlark.Value    // nil: no default
	lazy         starlark.Callable // a default computed from the resource
	coerce       starlark.Callable // applied to a value before its type check
	oneOf        []starlark.Value
	validate     starlark.Callable
	doc          string
}

// customInst is a declared custom resource: its kind and the `r` its
// functions receive.
type customInst struct {
	kind   *customKind
	r      *resValue
	scope  *innerScope // where it was declared; nil: the run list
	recipe string
	// cookbookName is r.cookbook_name, Chef's: the cookbook of the
	// recipe that declared the resource, through the custom resources
	// between them.
	cookbookName string
}

// innerScope collects the resources an action declares; notifications
// by name resolve in it first, then in the enclosing scopes.
type innerScope struct {
	res    []engine.Resource
	parent *innerScope
}

var customTypes = []string{"str", "int", "float", "bool", "list", "dict", "mode", "path"}

// discoverKinds finds the resources/*.star files of the cookbooks.
func (r *Repo) discoverKinds(cookbooks []string) (map[string]*customKind, error) {
	out := map[string]*customKind{}
	for _, name := range cookbooks {
		cb := r.Cookbooks[name]
		files, _ := filepath.Glob(filepath.Join(cb.Dir, "resources", "*.star"))
		sort.Strings(files)
		for _, f := range files {
			base := strings.TrimSuffix(filepath.Base(f), ".star")
			kind := cb.Name + "_" + base
			if base == "default" {
				kind = cb.Name
			}
			if _, builtin := engine.LookupKind(kind); builtin {
				return nil, &engine.Diagnostic{Pos: engine.Pos{File: f, Line: 1}, Summary: fmt.Sprintf("resources/%s.star of cookbook %s defines the kind %s, which is a built-in kind", base, cb.Name, kind),
					Detail: "rename the file or the cookbook"}
			}
			if prev, dup := out[kind]; dup {
				return nil, &engine.Diagnostic{Pos: engine.Pos{File: f, Line: 1}, Summary: fmt.Sprintf("kind %s is defined twice, here and in %s", kind, prev.file)}
			}
			out[kind] = &customKind{name: kind, cookbook: cb.Name, file: f}
		}
	}
	return out, nil
}

// engineKind describes k for setCommon and the reference.
func (k *customKind) engineKind() *engine.Kind {
	ek := &engine.Kind{Name: k.name, Actions: k.actions, Doc: k.doc, Cookbook: k.cookbook, ActionDocs: map[string]string{}}
	for _, p := range k.props {
		ep := engine.Property{Name: p.name, Doc: p.doc, TypeName: p.typeName(), IsName: p.nameProp, Mode: p.typ == "mode",
			Required: p.required, Sensitive: p.sensitive, NoDesiredState: !p.desiredState}
		switch {
		case p.def != nil:
			ep.Default = p.def.String()
		case p.lazy != nil:
			ep.Default = "(computed from the resource)"
		}
		ek.Props = append(ek.Props, ep)
	}
	for a, fn := range k.actionFn {
		ek.ActionDocs[a] = firstSentence(fn.Doc())
	}
	return ek
}

func firstSentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

// loadKind runs a kind's file once: its property() calls and functions.
func (c *compiler) loadKind(k *customKind) error {
	if k.loaded {
		return k.err
	}
	if k.loading {
		return fmt.Errorf("kind %s is used while its own file %s loads; declare resources only inside action functions", k.name, k.file)
	}
	k.loading = true
	defer func() { k.loading, k.loaded = false, true }()
	src, err := os.ReadFile(k.file)
	if err != nil {
		k.err = err
		return err
	}
	pre := make(starlark.StringDict, len(c.predeclared)+1)
	for n, v := range c.predeclared {
		pre[n] = v
	}
	k.actionFn = map[string]*starlark.Function{}
	done := false
	pre["property"] = starlark.NewBuiltin("property", func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if done {
			return nil, fmt.Errorf("property() declares a property of %s at the top level of its file, not inside a function", k.name)
		}
		return starlark.None, c.declareProp(k, thread, args, kwargs)
	})
	c.cookbooks = append(c.cookbooks, k.cookbook)
	th := newThread("resource "+k.file, c.loader)
	g, err := execFile(th, k.file, src, pre)
	c.cookbooks = c.cookbooks[:len(c.cookbooks)-1]
	done = true
	if err != nil {
		k.err = c.hintBuiltin(starlarkDiag(err, ""))
		return k.err
	}
	at := engine.Pos{File: k.file, Line: 1}
	if d, ok := g["doc"]; ok {
		s, ok := starlark.AsString(d)
		if !ok {
			k.err = &engine.Diagnostic{Pos: at, Summary: fmt.Sprintf("doc of %s must be a string, not %s", k.name, d.Type())}
			return k.err
		}
		k.doc = s
	}
	type action struct {
		name string
		fn   *starlark.Function
	}
	var acts []action
	for n, v := range g {
		fn, isFn := v.(*starlark.Function)
		switch {
		case strings.HasPrefix(n, "action_"):
			if !isFn || fn.NumParams() != 1 {
				k.err = &engine.Diagnostic{Pos: funcPos(v, at), Summary: fmt.Sprintf("%s of %s must be a function of one parameter, the resource (def %s(r): ...)", n, k.name, n)}
				return k.err
			}
			a := strings.TrimPrefix(n, "action_")
			if a == "nothing" {
				k.err = &engine.Diagnostic{Pos: funcPos(v, at), Summary: "action_nothing: the action nothing always exists and does nothing; remove the function"}
				return k.err
			}
			acts = append(acts, action{a, fn})
		case n == "probes" || n == "load_current":
			want := map[string]int{"probes": 1, "load_current": 2}[n]
			if !isFn || fn.NumParams() != want {
				k.err = &engine.Diagnostic{Pos: funcPos(v, at), Summary: fmt.Sprintf("%s of %s must be a function of %d parameter(s): def probes(r) / def load_current(r, out)", n, k.name, want)}
				return k.err
			}
			if n == "probes" {
				k.probes = fn
			} else {
				k.loadCur = fn
			}
		}
	}
	if len(acts) == 0 {
		k.err = &engine.Diagnostic{Pos: at, Summary: fmt.Sprintf("kind %s has no action", k.name), Detail: "define one: def action_create(r): ... (the first in the file is the default)"}
		return k.err
	}
	sort.Slice(acts, func(i, j int) bool { return acts[i].fn.Position().Line < acts[j].fn.Position().Line })
	for _, a := range acts {
		k.actions = append(k.actions, a.name)
		k.actionFn[a.name] = a.fn
	}
	if (k.probes == nil) != (k.loadCur == nil) {
		k.err = &engine.Diagnostic{Pos: at, Summary: fmt.Sprintf("kind %s defines only one of probes and load_current", k.name), Detail: "load_current(r, out) reads what probes(r) ran; define both or neither"}
		return k.err
	}
	if w, ok := g["run_when"]; ok {
		d, ok := w.(*starlark.Dict)
		if !ok {
			k.err = &engine.Diagnostic{Pos: at, Summary: "run_when must be a dict of action to \"changed\", \"exists\", \"missing\" or \"always\""}
			return k.err
		}
		k.when = map[string]engine.RunWhen{}
		for _, it := range d.Items() {
			a, _ := starlark.AsString(it[0])
			v, _ := starlark.AsString(it[1])
			if !slices.Contains(k.actions, a) {
				k.err = &engine.Diagnostic{Pos: at, Summary: fmt.Sprintf("run_when names action %s, which %s does not define", it[0], k.name), Detail: "its actions are: " + strings.Join(k.actions, ", ")}
				return k.err
			}
			switch engine.RunWhen(v) {
			case engine.RunIfChanged, engine.RunIfExists, engine.RunIfMissing, engine.RunAlways:
				k.when[a] = engine.RunWhen(v)
			default:
				k.err = &engine.Diagnostic{Pos: at, Summary: fmt.Sprintf("run_when[%q] is %s: want \"changed\", \"exists\", \"missing\" or \"always\"", a, it[1])}
				return k.err
			}
		}
	}
	return nil
}

func funcPos(v starlark.Value, def engine.Pos) engine.Pos {
	if fn, ok := v.(*starlark.Function); ok {
		p := fn.Position()
		return engine.Pos{File: p.Filename(), Line: int(p.Line), Col: int(p.Col)}
	}
	return def
}

// declareProp is property(name, type, ...) in a kind's file.
func (c *compiler) declareProp(k *customKind, thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) error {
	pos := callerPos(thread)
	diag := func(format string, a ...any) error {
		return &engine.Diagnostic{Pos: pos, Summary: fmt.Sprintf(format, a...)}
	}
	var (
		name                          string
		typ                           starlark.Value
		nameProp, required, sensitive bool
		desiredState                  = true
		def                           starlark.Value
		doc                           string
		oneOf                         starlark.Value
		validate, coerceFn            starlark.Value
	)
	if err := starlark.UnpackArgs("property", args, kwargs, "name", &name, "type", &typ,
		"name_property?", &nameProp, "required?", &required, "default?", &def, "doc?", &doc,
		"sensitive?", &sensitive, "desired_state?", &desiredState, "one_of?", &oneOf, "validate?", &validate,
		"coerce?", &coerceFn); err != nil {
		return diag("%v", err)
	}
	if name == "" || strings.ContainsAny(name, " []") {
		return diag("property name %q is not a name", name)
	}
	if slices.Contains(engine.CommonProps, name) {
		return diag("property %q of %s is a property every resource has; choose another name", name, k.name)
	}
	for _, p := range k.props {
		if p.name == name {
			return diag("property %q of %s is declared twice", name, k.name)
		}
		if nameProp && p.nameProp {
			return diag("%s has two name properties, %s and %s", k.name, p.name, name)
		}
	}
	p := &customProp{name: name, nameProp: nameProp, required: required, sensitive: sensitive, desiredState: desiredState, doc: doc}
	// One type, or a tuple or list of them: a value must match one.
	typs := []starlark.Value{typ}
	switch t := typ.(type) {
	case starlark.Tuple:
		typs = t
	case *starlark.List:
		typs = nil
		for i := 0; i < t.Len(); i++ {
			typs = append(typs, t.Index(i))
		}
	}
	for _, tv := range typs {
		var tn string
		switch t := tv.(type) {
		case *starlark.Builtin:
			tn = t.Name()
		case starlark.String:
			tn = string(t)
		case starlark.NoneType:
			p.nilOK = true
			continue
		}
		if !slices.Contains(customTypes, tn) {
			shown := tv.String()
			if b, ok := tv.(*starlark.Builtin); ok {
				shown = b.Name()
			}
			return diag("property %q: type %s is not one of str, int, float, bool, list, dict, \"mode\", \"path\" (or a tuple of them)", name, shown)
		}
		if !slices.Contains(p.types, tn) {
			p.types = append(p.types, tn)
		}
	}
	if len(p.types) == 0 {
		return diag("property %q: give at least one type besides None", name)
	}
	if len(p.types) == 1 {
		p.typ = p.types[0]
	}
	if nameProp && p.typ != "str" && p.typ != "path" {
		return diag("name property %q must be of type str or \"path\", not %s", name, p.typeName())
	}
	if oneOf != nil && oneOf != starlark.None {
		it, ok := oneOf.(starlark.Iterable)
		if !ok {
			return diag("property %q: one_of must be a list of allowed values, got %s", name, oneOf.Type())
		}
		iter := it.Iterate()
		var x starlark.Value
		for iter.Next(&x) {
			p.oneOf = append(p.oneOf, x)
		}
		iter.Done()
	}
	if validate != nil && validate != starlark.None {
		fn, ok := validate.(starlark.Callable)
		if !ok {
			return diag("property %q: validate must be a function of the value, got %s", name, validate.Type())
		}
		p.validate = fn
	}
	if coerceFn != nil && coerceFn != starlark.None {
		fn, ok := coerceFn.(starlark.Callable)
		if !ok {
			return diag("property %q: coerce must be a function of the value, got %s", name, coerceFn.Type())
		}
		p.coerce = fn
	}
	if def == starlark.None {
		def = nil // the default of every property
	}
	if def != nil {
		if required {
			return diag("property %q is required and has a default; drop one", name)
		}
		if fn, ok := def.(starlark.Callable); ok {
			// computed from the resource once its caller's properties are set
			if f, ok := fn.(*starlark.Function); ok && f.NumParams() != 1 {
				return diag("property %q: a default function takes one parameter, the resource (default=lambda r: ...)", name)
			}
			p.lazy = fn
		} else {
			v, err := c.coerceValue(thread, p, def)
			if err != nil {
				return diag("property %q: default: %v", name, err)
			}
			if v, err = checkType(p, v); err != nil {
				return diag("property %q: default: %v", name, err)
			}
			p.def = v
		}
	}
	k.props = append(k.props, p)
	return nil
}

// typeName is the property's type as messages and the reference show it:
// "str", or "int or str" for several.
func (p *customProp) typeName() string {
	n := strings.Join(p.types, " or ")
	if p.nilOK {
		n += " or None"
	}
	return n
}

// coerceValue applies the property's coerce function to v (a value given,
// or a default), before the type check.
func (c *compiler) coerceValue(thread *starlark.Thread, p *customProp, v starlark.Value) (starlark.Value, error) {
	if p.coerce == nil || v == starlark.None {
		return v, nil
	}
	out, err := starlark.Call(thread, p.coerce, starlark.Tuple{v}, nil)
	if err != nil {
		return nil, fmt.Errorf("coerce: %w", err)
	}
	return out, nil
}

// checkType returns v as property p holds it, or why it cannot: v must
// match one of p's types, the first that it matches in their order.
func checkType(p *customProp, v starlark.Value) (starlark.Value, error) {
	if len(p.types) == 1 {
		return checkOneType(p.types[0], v)
	}
	for _, t := range p.types {
		if out, err := checkOneType(t, v); err == nil {
			return out, nil
		}
	}
	shown := v.String()
	if p.sensitive {
		shown = "(sensitive)"
	}
	return nil, fmt.Errorf("want one of %s, got %s (%s)", strings.Join(p.types, ", "), v.Type(), shown)
}

// checkOneType returns v as a property of type typ holds it, or why it
// cannot.
func checkOneType(typ string, v starlark.Value) (starlark.Value, error) {
	switch typ {
	case "str":
		if _, ok := v.(starlark.String); !ok {
			return nil, fmt.Errorf("want a string, got %s (%s)", v.Type(), v)
		}
	case "path":
		s, ok := v.(starlark.String)
		if !ok {
			return nil, fmt.Errorf("want a path string, got %s (%s)", v.Type(), v)
		}
		if !strings.HasPrefix(string(s), "/") {
			return nil, fmt.Errorf("want an absolute path, got %q", string(s))
		}
	case "int":
		if _, ok := v.(starlark.Int); !ok {
			return nil, fmt.Errorf("want an int, got %s (%s)", v.Type(), v)
		}
	case "float":
		// Chef's Float: an int is not one (give (int, float) for Numeric)
		if _, ok := v.(starlark.Float); !ok {
			return nil, fmt.Errorf("want a float, got %s (%s)", v.Type(), v)
		}
	case "bool":
		if _, ok := v.(starlark.Bool); !ok {
			return nil, fmt.Errorf("want True or False, got %s", v.Type())
		}
	case "list":
		switch x := v.(type) {
		case *starlark.List:
		case starlark.Tuple:
			return starlark.NewList(append([]starlark.Value{}, x...)), nil
		default:
			return nil, fmt.Errorf("want a list, got %s", v.Type())
		}
	case "dict":
		if _, ok := v.(*starlark.Dict); !ok {
			if av, ok := v.(*AttrView); ok {
				g, err := toGo(av, av.ord)
				if err != nil {
					return nil, err
				}
				return fromGo(g, nil, av.ord), nil
			}
			return nil, fmt.Errorf("want a dict, got %s", v.Type())
		}
	case "mode":
		s, err := modeString(v)
		if err != nil {
			return nil, err
		}
		return starlark.String(s), nil
	}
	return v, nil
}

// customBuiltin is the builtin a recipe calls to declare a resource of k.
func (c *compiler) customBuiltin(k *customKind) *starlark.Builtin {
	return starlark.NewBuiltin(k.name, func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		pos := callerPos(thread)
		cur := c.cookbooks[len(c.cookbooks)-1]
		if cur != k.cookbook {
			if _, ok := c.repo.Cookbooks[cur].Depends[k.cookbook]; !ok {
				return nil, &engine.Diagnostic{Pos: pos, Summary: fmt.Sprintf("%s is a kind of cookbook %s, which cookbook %s does not depend on", k.name, k.cookbook, cur),
					Detail: fmt.Sprintf("add depends = {%q: \">= 0\"} to cookbooks/%s/metadata.star", k.cookbook, cur)}
			}
		}
		if err := c.loadKind(k); err != nil {
			return nil, err
		}
		ek := k.engineKind()
		if len(args) != 1 {
			return nil, &engine.Diagnostic{Pos: pos, Summary: fmt.Sprintf("%s() takes the resource name as its one positional argument, got %d", k.name, len(args)),
				Detail: fmt.Sprintf("write %s(\"NAME\", property=value, ...)", k.name)}
		}
		if t, ok := args[0].(TodoValue); ok {
			return nil, todoName(k.name, t, pos)
		}
		name, ok := args[0].(starlark.String)
		if !ok {
			return nil, &engine.Diagnostic{Pos: pos, Summary: fmt.Sprintf("%s() name must be a string, got %s", k.name, args[0].Type())}
		}
		// an empty name is a name: Chef takes logrotate_package '' for a
		// kind whose actions do not need one; a kind that does says so
		// through its name property's validation
		res := &engine.Custom{DefaultAction: k.actions[0], When: k.when, InnerRes: map[string][]engine.Resource{}}
		base := res.Base()
		base.Kind, base.Name, base.Pos, base.Cookbook = k.name, string(name), pos, cur
		if len(c.recipes) > 0 {
			base.Recipe = c.recipes[len(c.recipes)-1]
		}
		perr := func(prop, format string, a ...any) error {
			return &engine.Diagnostic{Pos: pos, Address: base.Address(), Summary: fmt.Sprintf("property %s: ", prop) + fmt.Sprintf(format, a...)}
		}
		for _, kv := range kwargs {
			if string(kv[0].(starlark.String)) == "sensitive" && kv[1] == starlark.True {
				base.Sensitive = true
			}
		}
		c.taint(base, name, kwargs)
		values := map[string]starlark.Value{}
		for _, kv := range kwargs {
			key := string(kv[0].(starlark.String))
			val := kv[1]
			if err := c.setCommon(res, ek, key, val, pos, perr); err != errNotCommon {
				if err != nil {
					return nil, err
				}
				base.MarkSet(key)
				continue
			}
			i := slices.IndexFunc(k.props, func(p *customProp) bool { return p.name == key })
			if i < 0 {
				return nil, unknownProp(ek, ek.Props, key, pos, base.Address())
			}
			p := k.props[i]
			if isTodo(val) {
				continue // todo() (TodoValue) leaves a property unset
			}
			if val == starlark.None {
				if p.nilOK {
					// None is one of its types: a value, which overrides the default
					values[key] = val
					base.MarkSet(key)
				}
				continue // None leaves a property unset
			}
			v, err := c.coerceValue(thread, p, val)
			if err != nil {
				return nil, perr(key, "%v", err)
			}
			if v, err = checkType(p, v); err != nil {
				return nil, perr(key, "%v", err)
			}
			if err := c.validateProp(thread, p, v); err != nil {
				return nil, perr(key, "%v", err)
			}
			values[key] = v
			base.MarkSet(key)
		}
		// The properties every resource has are readable too (r.sensitive).
		fields := starlark.StringDict{"name": name, "sensitive": starlark.Bool(base.Sensitive), "ignore_failure": starlark.Bool(base.IgnoreFailure),
			"retries": starlark.MakeInt(base.Retries), "retry_delay": starlark.MakeInt(base.RetryDelay)}
		var lazy []*customProp
		for _, p := range k.props {
			v, set := values[p.name]
			switch {
			case set:
			case p.nameProp:
				v = name
				if p.coerce != nil {
					cv, err := c.coerceValue(thread, p, v)
					if err != nil {
						return nil, perr(p.name, "%v", err)
					}
					if v, err = checkType(p, cv); err != nil {
						return nil, perr(p.name, "%v", err)
					}
				}
				if p.typ == "path" && !strings.HasPrefix(string(name), "/") {
					return nil, perr(p.name, "the name %q is the path property %s and must be an absolute path", string(name), p.name)
				}
				if err := c.validateProp(thread, p, v); err != nil {
					return nil, perr(p.name, "%v", err)
				}
			case p.required:
				return nil, &engine.Diagnostic{Pos: pos, Address: base.Address(), Summary: fmt.Sprintf("missing required property %s", p.name),
					Detail: fmt.Sprintf("give %s=... (%s)", p.name, p.doc)}
			case p.lazy != nil:
				lazy = append(lazy, p)
				continue
			case p.def != nil:
				v = p.def
			default:
				v = starlark.None
			}
			v.Freeze()
			fields[p.name] = v
		}
		if len(lazy) > 0 {
			if err := c.lazyDefaults(thread, k, base, fields, lazy); err != nil {
				return nil, err
			}
		}
		for _, p := range k.props {
			_, set := values[p.name]
			g, err := toGo(fields[p.name], c.ord)
			if err != nil {
				return nil, perr(p.name, "%v", err)
			}
			res.Props = append(res.Props, engine.CustomProp{Name: p.name, Value: g, Set: set, DesiredState: p.desiredState, Sensitive: p.sensitive})
		}
		// Chef's new_resource.cookbook_name: the cookbook of the recipe
		// that declared the resource, also when that recipe declared it
		// through other custom resources (Chef evaluates their actions
		// with the outer resource's cookbook_name). Chef looks a
		// definition's templates up there: a migrated definition's body
		// says cookbook=r.cookbook_name.
		cookbookName := cur
		if n := len(c.callers); n > 0 {
			cookbookName = c.callers[n-1]
		}
		if _, prop := fields["cookbook_name"]; !prop {
			fields["cookbook_name"] = starlark.String(cookbookName)
		}
		r := &resValue{kind: k, fields: fields, isSet: base.IsSet}
		r.Freeze()
		if len(base.Actions) == 0 {
			base.Actions = []string{k.actions[0]}
		}
		inst := &customInst{kind: k, r: r, scope: c.scope(), recipe: base.Recipe, cookbookName: cookbookName}
		if k.probes != nil {
			ps, err := c.callProbes(inst, base)
			if err != nil {
				return nil, err
			}
			res.ShellProbes = ps
			res.LoadCurrent = c.loadCurrentFn(inst, base)
		}
		c.customs[res] = inst
		// The resource joins its scope before its inner resources exist:
		// they may notify it by name.
		c.add(res)
		for _, a := range base.Actions {
			if err := c.compileAction(res, a); err != nil {
				return nil, err
			}
		}
		h := &Handle{address: base.Key(), res: res}
		c.handles[res] = h
		return h, nil
	})
}

// lazyDefaults computes the defaults of props given as functions of the
// resource, as Chef computes a lazy default when the property is read: once
// the caller's properties are set, before any action runs. A function may
// read any property, those computed by other functions included (each is
// computed when first read); fields receives the values.
func (c *compiler) lazyDefaults(thread *starlark.Thread, k *customKind, base *engine.Common, fields starlark.StringDict, props []*customProp) error {
	lr := &lazyRes{kind: k.name, fields: fields, pending: map[string]*customProp{}, busy: map[string]bool{}, isSet: base.IsSet}
	for _, p := range props {
		lr.pending[p.name] = p
	}
	var failed error
	lr.eval = func(p *customProp) (starlark.Value, error) {
		at := fmt.Sprintf("(computing the default of property %s of %s, declared at %s)", p.name, base.Address(), base.Pos)
		v, err := starlark.Call(thread, p.lazy, starlark.Tuple{lr}, nil)
		if err != nil {
			if failed == nil {
				failed = starlarkDiag(err, at)
			}
			return nil, err
		}
		perr := func(err error) error {
			d := &engine.Diagnostic{Pos: base.Pos, Address: base.Address(), Summary: fmt.Sprintf("property %s: default: %v", p.name, err), Detail: at}
			if failed == nil {
				failed = d
			}
			return d
		}
		if v, err = c.coerceValue(thread, p, v); err != nil {
			return nil, perr(err)
		}
		if v == starlark.None {
			return v, nil
		}
		if v, err = checkType(p, v); err != nil {
			return nil, perr(err)
		}
		if err := c.validateProp(thread, p, v); err != nil {
			return nil, perr(err)
		}
		v.Freeze()
		return v, nil
	}
	for _, p := range props {
		if _, err := lr.Attr(p.name); err != nil {
			if failed != nil {
				return failed
			}
			return &engine.Diagnostic{Pos: base.Pos, Address: base.Address(), Summary: fmt.Sprintf("property %s: default: %v", p.name, err)}
		}
	}
	return nil
}

// lazyRes is the resource a default function receives: the properties
// known so far; a property whose default is another function is computed
// when read.
type lazyRes struct {
	kind    string
	fields  starlark.StringDict
	pending map[string]*customProp
	busy    map[string]bool
	eval    func(*customProp) (starlark.Value, error)
	isSet   func(string) bool // for property_is_set
}

var _ starlark.HasAttrs = (*lazyRes)(nil)

func (l *lazyRes) String() string        { return l.kind + "(...)" }
func (l *lazyRes) Type() string          { return l.kind }
func (l *lazyRes) Freeze()               {}
func (l *lazyRes) Truth() starlark.Bool  { return starlark.True }
func (l *lazyRes) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable: %s", l.kind) }

// Attr returns a property, computing its default first when it is a
// function of the resource.
func (l *lazyRes) Attr(name string) (starlark.Value, error) {
	if v, ok := l.fields[name]; ok {
		return v, nil
	}
	p, ok := l.pending[name]
	if !ok {
		return nil, nil // "has no .x attribute"
	}
	if l.busy[name] {
		return nil, fmt.Errorf("the default of property %s of %s reads itself (through the default of another property?)", name, l.kind)
	}
	l.busy[name] = true
	v, err := l.eval(p)
	delete(l.busy, name)
	if err != nil {
		return nil, err
	}
	delete(l.pending, name)
	l.fields[name] = v
	return v, nil
}

// AttrNames lists every property.
func (l *lazyRes) AttrNames() []string {
	var out []string
	for n := range l.fields {
		out = append(out, n)
	}
	for n := range l.pending {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// validateProp checks one_of and validate.
func (c *compiler) validateProp(thread *starlark.Thread, p *customProp, v starlark.Value) error {
	if p.oneOf != nil {
		ok := false
		for _, o := range p.oneOf {
			if eq, err := starlark.Equal(o, v); err == nil && eq {
				ok = true
				break
			}
		}
		if !ok {
			var l []string
			for _, o := range p.oneOf {
				l = append(l, o.String())
			}
			shown := v.String()
			if p.sensitive {
				shown = "(sensitive)"
			}
			return fmt.Errorf("%s is not one of %s", shown, strings.Join(l, ", "))
		}
	}
	if p.validate != nil {
		out, err := starlark.Call(thread, p.validate, starlark.Tuple{v}, nil)
		if err != nil {
			return fmt.Errorf("validate: %v", err)
		}
		if !out.Truth() {
			shown := v.String()
			if p.sensitive {
				shown = "(sensitive)"
			}
			return fmt.Errorf("%s fails the kind's validate function", shown)
		}
	}
	return nil
}

// add puts a declared resource in the current scope: the action being
// compiled, or the node's collection.
func (c *compiler) add(res engine.Resource) {
	if n := len(c.scopes); n > 0 {
		c.scopes[n-1].res = append(c.scopes[n-1].res, res)
		return
	}
	c.coll.Add(res)
}

func (c *compiler) scope() *innerScope {
	if n := len(c.scopes); n > 0 {
		return c.scopes[n-1]
	}
	return nil
}

// compileAction runs action's function of a custom resource on the control
// machine; the resources it declares become the action's inner resources.
func (c *compiler) compileAction(res *engine.Custom, action string) error {
	if action == "nothing" {
		return nil
	}
	if _, done := res.InnerRes[action]; done {
		return nil
	}
	inst := c.customs[res]
	k := inst.kind
	if len(c.scopes) > 32 {
		return &engine.Diagnostic{Pos: res.Pos, Address: res.Address(), Summary: "custom resources nest more than 32 deep; does a kind declare itself?"}
	}
	sc := &innerScope{parent: inst.scope}
	c.scopes = append(c.scopes, sc)
	c.cookbooks = append(c.cookbooks, k.cookbook)
	c.recipes = append(c.recipes, inst.recipe)
	c.callers = append(c.callers, inst.cookbookName)
	res.InnerRes[action] = nil // a kind that declares itself stops at the depth bound
	th := newThread("action "+k.name+" "+action, c.loader)
	ar := inst.r.forAction()
	_, err := starlark.Call(th, k.actionFn[action], starlark.Tuple{ar}, nil)
	c.cookbooks = c.cookbooks[:len(c.cookbooks)-1]
	c.recipes = c.recipes[:len(c.recipes)-1]
	c.callers = c.callers[:len(c.callers)-1]
	c.scopes = c.scopes[:len(c.scopes)-1]
	if err != nil {
		err = c.hintBuiltin(starlarkDiag(err, ""))
		if d, ok := err.(*engine.Diagnostic); ok {
			d.Detail = strings.TrimPrefix(d.Detail+"\n    ", "\n    ") + fmt.Sprintf("(in action %s of %s, declared at %s)", action, res.Address(), res.Pos)
		}
		return err
	}
	// The values of sensitive properties reach the inner resources'
	// commands and contents: those are hidden too. An empty value (a
	// default of "" or None) holds no secret.
	// An action that sets r.sensitive = True hides them as well.
	hide := res.Sensitive || ar.fields["sensitive"] == starlark.True
	for _, p := range res.Props {
		if p.Sensitive && p.Value != nil && p.Value != "" {
			hide = true
		}
	}
	if hide {
		hideAll(sc.res)
	}
	res.InnerRes[action] = sc.res
	return nil
}

// hideAll makes rs sensitive, and the inner resources of those that are
// custom, at every depth: theirs were compiled before rs's parent knew it
// hides them.
func hideAll(rs []engine.Resource) {
	for _, in := range rs {
		b := in.Base()
		if !b.Sensitive {
			b.Sensitive = true
			if sn, ok := in.(engine.SecretName); ok {
				b.HideName = sn.NameIsSecret()
			}
		}
		if cu, ok := in.(*engine.Custom); ok {
			for _, inner := range cu.InnerRes {
				hideAll(inner)
			}
		}
	}
}

// callProbes runs the kind's probes(r) at compile time.
func (c *compiler) callProbes(inst *customInst, base *engine.Common) (map[string]string, error) {
	th := newThread("probes "+inst.kind.name, nil)
	v, err := starlark.Call(th, inst.kind.probes, starlark.Tuple{inst.r}, nil)
	if err != nil {
		return nil, starlarkDiag(err, fmt.Sprintf("(in probes of %s, declared at %s)", base.Address(), base.Pos))
	}
	d, ok := v.(*starlark.Dict)
	if !ok {
		return nil, &engine.Diagnostic{Pos: funcPos(inst.kind.probes, base.Pos), Summary: fmt.Sprintf("probes of %s returned %s; want a dict of name to shell command", inst.kind.name, v.Type())}
	}
	out := map[string]string{}
	for _, it := range d.Items() {
		k, ok1 := starlark.AsString(it[0])
		cmd, ok2 := it[1].(starlark.String)
		if !ok1 || !ok2 {
			return nil, &engine.Diagnostic{Pos: funcPos(inst.kind.probes, base.Pos), Summary: fmt.Sprintf("probes of %s: entry %s: %s is not a name and a shell command string", inst.kind.name, it[0], it[1].Type())}
		}
		out[k] = string(cmd)
	}
	return out, nil
}

// probeResult is what load_current sees of one probe: .stdout and .exit.
func probeResult(sr engine.ShellResult) starlark.Value {
	s := starlarkstruct.FromStringDict(starlark.String("probe"), starlark.StringDict{
		"stdout": starlark.String(sr.Stdout), "exit": starlark.MakeInt(sr.ExitCode),
	})
	s.Freeze()
	return s
}

// loadCurrentFn returns the converge-time load_current of a resource: it
// runs the kind's function on the probe results under the step limit and
// checks what it returns.
func (c *compiler) loadCurrentFn(inst *customInst, base *engine.Common) func(map[string]engine.ShellResult) (map[string]any, bool, error) {
	k := inst.kind
	return func(out map[string]engine.ShellResult) (map[string]any, bool, error) {
		d := starlark.NewDict(len(out))
		for key, sr := range out {
			_ = d.SetKey(starlark.String(key), probeResult(sr))
		}
		d.Freeze()
		th := newThread("load_current "+k.name, nil)
		v, err := starlark.Call(th, k.loadCur, starlark.Tuple{inst.r, d}, nil)
		if err != nil {
			return nil, false, starlarkDiag(err, "")
		}
		if v == starlark.None {
			return nil, false, nil
		}
		cd, ok := v.(*starlark.Dict)
		if !ok {
			return nil, false, fmt.Errorf("load_current of %s returned %s; want a dict of property values, or None when the resource does not exist", k.name, v.Type())
		}
		cur := map[string]any{}
		for _, it := range cd.Items() {
			key, _ := starlark.AsString(it[0])
			i := slices.IndexFunc(k.props, func(p *customProp) bool { return p.name == key })
			if i < 0 && key != "name" {
				return nil, false, fmt.Errorf("load_current of %s returned %s, which is not one of its properties", k.name, it[0])
			}
			val := it[1]
			if i >= 0 && k.props[i].coerce != nil && val != starlark.None {
				// as Chef coerces what load_current_value sets
				cv, err := starlark.Call(th, k.props[i].coerce, starlark.Tuple{val}, nil)
				if err != nil {
					return nil, false, fmt.Errorf("load_current of %s: %s: coerce: %v", k.name, key, err)
				}
				val = cv
			}
			g, err := toGo(val, c.ord)
			if err != nil {
				return nil, false, fmt.Errorf("load_current of %s: %s: %v", k.name, key, err)
			}
			if i >= 0 {
				g = coerce(currentType(k.props[i], inst.r), g)
			}
			cur[key] = g
		}
		return cur, true, nil
	}
}

// currentType is the type a current value of p is read as: p's type, or
// for a property of several types the one its desired value has.
func currentType(p *customProp, r *resValue) string {
	if p.typ != "" {
		return p.typ
	}
	if v, err := r.Attr(p.name); err == nil && v != nil && v != starlark.None {
		for _, t := range p.types {
			if _, err := checkOneType(t, v); err == nil {
				return t
			}
		}
	}
	return ""
}

// coerce converts a current value read from a command's output to the
// property's type where that is unambiguous ("3" for an int property).
func coerce(typ string, v any) any {
	switch typ {
	case "int":
		if s, ok := v.(string); ok {
			if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
				return n
			}
		}
	case "float":
		switch x := v.(type) {
		case string:
			if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				return f
			}
		case int64:
			return float64(x) // Ruby's 6 == 6.0
		}
	case "str", "path":
		if n, ok := v.(int64); ok {
			return strconv.FormatInt(n, 10)
		}
	case "bool":
		if s, ok := v.(string); ok {
			switch strings.ToLower(strings.TrimSpace(s)) {
			case "true":
				return true
			case "false":
				return false
			}
		}
	case "mode":
		if s, ok := v.(string); ok {
			if m, err := modeString(starlark.String(strings.TrimSpace(s))); err == nil {
				return m
			}
		}
	}
	return v
}

// actionsOf returns the actions res accepts.
func (c *compiler) actionsOf(res engine.Resource) []string {
	if inst, ok := c.customs[res]; ok {
		return inst.kind.actions
	}
	if k, ok := engine.LookupKind(res.Base().Kind); ok {
		return k.Actions
	}
	return nil
}

// compileNotified compiles the action of a custom resource that only a
// notification reaches.
func (c *compiler) compileNotified(res engine.Resource, action string) error {
	if cr, ok := res.(*engine.Custom); ok {
		return c.compileAction(cr, action)
	}
	return nil
}

// findInScope resolves a notification by name: the innermost scope
// first, as Chef looks in the enclosing run contexts.
func (c *compiler) findInScope(s *innerScope, address string) (engine.Resource, bool) {
	for ; s != nil; s = s.parent {
		for i := len(s.res) - 1; i >= 0; i-- {
			if s.res[i].Base().Key() == address {
				return s.res[i], true
			}
		}
	}
	return c.coll.Find(address)
}

// CustomKinds returns every custom kind of the repository, loaded, for
// the reference.
func (r *Repo) CustomKinds() ([]*engine.Kind, error) {
	var names []string
	for n := range r.Cookbooks {
		names = append(names, n)
	}
	sort.Strings(names)
	kinds, err := r.discoverKinds(names)
	if err != nil {
		return nil, err
	}
	c := &compiler{repo: r, included: map[string]bool{}, modules: map[string]*moduleEntry{}, handles: map[engine.Resource]*Handle{},
		customs: map[engine.Resource]*customInst{}, kinds: kinds}
	c.node = &engine.Node{Name: "doc", Attrs: map[string]any{}}
	c.nodeVal = newNodeValue(c.node, nil)
	c.clusterVal = clusterValue(nil)
	c.coll = engine.NewCollection(c.node)
	c.predeclared = c.builtins()
	var out []*engine.Kind
	keys := make([]string, 0, len(kinds))
	for n := range kinds {
		keys = append(keys, n)
	}
	sort.Strings(keys)
	for _, n := range keys {
		if err := c.loadKind(kinds[n]); err != nil {
			return nil, err
		}
		out = append(out, kinds[n].engineKind())
	}
	return out, nil
}

// kindOutsideRun returns the cookbook of the repository that defines the
// custom kind name when the run does not reach it; "" otherwise.
func (c *compiler) kindOutsideRun(name string) string {
	if _, ok := c.kinds[name]; ok || c.repo == nil {
		return ""
	}
	for _, cb := range c.repo.Cookbooks {
		base := "default"
		if name != cb.Name {
			rest, ok := strings.CutPrefix(name, cb.Name+"_")
			if !ok {
				continue
			}
			base = rest
		}
		if _, err := os.Stat(filepath.Join(cb.Dir, "resources", base+".star")); err == nil {
			return cb.Name
		}
	}
	return ""
}
