package recipe

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/keyorder"
	"github.com/hashicorp/go-multierror"
	"go.starlark.net/starlark"
)

// Handle is what a resource builtin returns: printable as kind[name] and
// usable as a notification target.
type Handle struct {
	address string
	res     engine.Resource
}

func (h *Handle) String() string        { return h.address }
func (h *Handle) Type() string          { return "resource" }
func (h *Handle) Freeze()               {}
func (h *Handle) Truth() starlark.Bool  { return true }
func (h *Handle) Hash() (uint32, error) { return starlark.String(h.address).Hash() }

// Props returns the tagged properties of a resource kind, for the builtin
// and for the generated reference.
func Props(k *engine.Kind) []engine.Property { return k.Properties() }

// SupportedType reports whether the builtin generator can set a property
// of type t from a Starlark value (mode properties are strings).
func SupportedType(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int64, reflect.Interface:
		return true
	case reflect.Slice:
		k := t.Elem().Kind()
		return k == reflect.String || k == reflect.Int
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return false
		}
		k := t.Elem().Kind()
		return k == reflect.Interface || k == reflect.String || k == reflect.Bool
	}
	return false
}

func (c *compiler) resourceBuiltin(k *engine.Kind) *starlark.Builtin {
	props := Props(k)
	byName := map[string]engine.Property{}
	for _, p := range props {
		byName[p.Name] = p
	}
	return starlark.NewBuiltin(k.Name, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		pos := callerPos(thread)
		if len(args) != 1 {
			return nil, &engine.Diagnostic{Pos: pos, Summary: fmt.Sprintf("%s() takes the resource name as its one positional argument, got %d", k.Name, len(args)),
				Detail: fmt.Sprintf("write %s(\"NAME\", property=value, ...)", k.Name)}
		}
		res := k.New()
		base := res.Base()
		base.Kind = k.Name
		base.Pos = pos
		base.Cookbook = c.cookbooks[len(c.cookbooks)-1]
		if len(c.recipes) > 0 {
			base.Recipe = c.recipes[len(c.recipes)-1]
		}
		rv := reflect.ValueOf(res).Elem()
		var nameList []string
		switch n := args[0].(type) {
		case starlark.String:
			base.Name = string(n)
		case *starlark.List, starlark.Tuple:
			l, err := stringList(n)
			if err != nil || len(l) == 0 || !hasListName(rv, props) {
				return nil, &engine.Diagnostic{Pos: pos, Summary: fmt.Sprintf("%s() name must be a string, got %s", k.Name, n.Type())}
			}
			nameList = l
			base.Name = strings.Join(l, ", ")
		case TodoValue:
			return nil, todoName(k.Name, n, pos)
		default:
			return nil, &engine.Diagnostic{Pos: pos, Summary: fmt.Sprintf("%s() name must be a string, got %s", k.Name, args[0].Type())}
		}
		if base.Name == "" {
			return nil, &engine.Diagnostic{Pos: pos, Summary: fmt.Sprintf("%s() name is empty", k.Name)}
		}
		perr := func(prop, format string, a ...any) error {
			return &engine.Diagnostic{Pos: pos, Address: base.Address(), Summary: fmt.Sprintf("property %s: ", prop) + fmt.Sprintf(format, a...)}
		}
		for _, kv := range kwargs {
			if string(kv[0].(starlark.String)) == "sensitive" && kv[1] == starlark.True {
				// errors about the other properties must not show the name
				base.Sensitive = true
				if sn, ok := res.(engine.SecretName); ok {
					base.HideName = sn.NameIsSecret()
				}
			}
		}
		c.taint(base, args[0], kwargs)
		for _, kv := range kwargs {
			key := string(kv[0].(starlark.String))
			val := kv[1]
			if val == starlark.None || isTodo(val) {
				// as Chef's nil: None leaves a property unset (its
				// default applies), so node["x"].get("y") can be given
				// as it is; a name that is not a property still errors.
				// So does todo() under --allow-todo (TodoValue).
				if _, ok := byName[key]; !ok && !slices.Contains(engine.CommonProps, key) {
					return nil, unknownProp(k, props, key, pos, base.Address())
				}
				continue
			}
			if err := c.setCommon(res, k, key, val, pos, perr); err != errNotCommon {
				if err != nil {
					return nil, err
				}
				base.MarkSet(key)
				continue
			}
			pf, ok := byName[key]
			if !ok {
				return nil, unknownProp(k, props, key, pos, base.Address())
			}
			if err := setField(rv.FieldByIndex(pf.Index), pf, val, c.ord); err != nil {
				return nil, perr(key, "%v", err)
			}
			base.MarkSet(key)
		}
		for _, pf := range props {
			if !pf.IsName || base.IsSet(pf.Name) {
				continue
			}
			f := rv.FieldByIndex(pf.Index)
			switch f.Kind() {
			case reflect.String:
				f.SetString(base.Name)
			case reflect.Slice:
				if nameList == nil {
					nameList = []string{base.Name}
				}
				f.Set(reflect.ValueOf(nameList))
			}
		}
		if len(base.Actions) == 0 {
			base.Actions = []string{k.Actions[0]}
		}
		if sn, ok := res.(engine.SecretName); ok {
			base.HideName = base.HideName || sn.NameIsSecret()
		}
		c.add(res)
		h := &Handle{address: base.Key(), res: res}
		c.handles[res] = h
		return h, nil
	})
}

func hasListName(rv reflect.Value, props []engine.Property) bool {
	for _, p := range props {
		if p.IsName && rv.FieldByIndex(p.Index).Kind() == reflect.Slice {
			return true
		}
	}
	return false
}

var errNotCommon = fmt.Errorf("not a common property")

func (c *compiler) setCommon(res engine.Resource, k *engine.Kind, key string, val starlark.Value, pos engine.Pos, perr func(string, string, ...any) error) error {
	b := res.Base()
	switch key {
	case "action":
		acts, err := stringList(val)
		if err != nil {
			return perr(key, "want an action name or a list of them, got %s", val.Type())
		}
		for _, a := range acts {
			if a != "nothing" && !contains(k.Actions, a) {
				return &engine.Diagnostic{Pos: pos, Address: b.Address(), Summary: fmt.Sprintf("%s has no action %q", k.Name, a),
					Detail: "its actions are: " + strings.Join(appendUnique(k.Actions, "nothing"), ", ")}
			}
		}
		b.Actions = acts
	case "not_if", "only_if":
		gs, err := guards(val)
		if err != nil {
			return perr(key, "%v", err)
		}
		if key == "not_if" {
			b.NotIf = gs
		} else {
			b.OnlyIf = gs
		}
	case "ignore_failure", "sensitive":
		v, ok := val.(starlark.Bool)
		if !ok {
			return perr(key, "want True or False, got %s", val.Type())
		}
		if key == "sensitive" {
			b.Sensitive = bool(v)
		} else {
			b.IgnoreFailure = bool(v)
		}
	case "retries", "retry_delay":
		n, err := starlark.AsInt32(val)
		if err != nil || n < 0 {
			return perr(key, "want a non-negative int, got %s", val)
		}
		if key == "retries" {
			b.Retries = n
		} else {
			b.RetryDelay = n
		}
	case "notifies", "subscribes":
		ns, err := c.notifications(val, res, pos, key == "subscribes")
		if err != nil {
			return perr(key, "%v", err)
		}
		for _, n := range ns {
			if key == "notifies" {
				b.Notifies = append(b.Notifies, n.n)
			} else {
				b.Subscribes = append(b.Subscribes, n.n)
			}
		}
		c.pending = append(c.pending, ns...)
	default:
		return errNotCommon
	}
	return nil
}

func guards(v starlark.Value) ([]engine.Guard, error) {
	var items []starlark.Value
	switch x := v.(type) {
	case *starlark.List:
		for i := 0; i < x.Len(); i++ {
			items = append(items, x.Index(i))
		}
	case starlark.Tuple:
		items = x
	default:
		items = []starlark.Value{v}
	}
	var out []engine.Guard
	for _, it := range items {
		switch g := it.(type) {
		case starlark.String:
			out = append(out, engine.Guard{Cmd: string(g), Desc: strconv.Quote(string(g))})
		case starlark.Callable:
			if fn, ok := g.(*starlark.Function); ok && fn.NumParams() > 0 && fn.ParamDefault(0) == nil {
				return nil, fmt.Errorf("the guard function %s must take no arguments (write lambda: ...)", fn.Name())
			}
			fn := g
			out = append(out, engine.Guard{Desc: fn.Name() + "()", Fn: func() (bool, error) {
				th := newThread("guard "+fn.Name(), nil)
				r, err := starlark.Call(th, fn, nil, nil)
				if err != nil {
					return false, starlarkDiag(err, "")
				}
				return bool(r.Truth()), nil
			}})
		default:
			return nil, fmt.Errorf("want a shell command string, a function, or a list of them, got %s", it.Type())
		}
	}
	return out, nil
}

// notifications parses (action, target[, timing]) or a list of them.
func (c *compiler) notifications(v starlark.Value, from engine.Resource, pos engine.Pos, subscribe bool) ([]pendingNote, error) {
	var items []starlark.Value
	if l, ok := v.(*starlark.List); ok {
		for i := 0; i < l.Len(); i++ {
			items = append(items, l.Index(i))
		}
	} else if t, ok := v.(starlark.Tuple); ok && len(t) > 0 {
		if _, nested := t[0].(starlark.Tuple); nested {
			items = t
		} else {
			items = []starlark.Value{t}
		}
	} else {
		return nil, fmt.Errorf(`want (action, "kind[name]", timing) or a list of them, got %s`, v.Type())
	}
	var out []pendingNote
	for _, it := range items {
		t, ok := it.(starlark.Tuple)
		if !ok || len(t) < 2 || len(t) > 3 {
			return nil, fmt.Errorf(`each notification is (action, "kind[name]") or (action, "kind[name]", "immediately"|"delayed"|"before"), got %s`, it)
		}
		action, ok := starlark.AsString(t[0])
		if !ok {
			return nil, fmt.Errorf("notification action must be a string, got %s", t[0].Type())
		}
		n := engine.Notification{Action: action, Timing: "delayed", Pos: pos}
		p := pendingNote{from: from, subscribe: subscribe, scope: c.scope()}
		switch tg := t[1].(type) {
		case starlark.String:
			n.Target = string(tg)
			if !addrRe(n.Target) {
				return nil, fmt.Errorf("notification target %q is not kind[name], e.g. \"service[apache2]\"", n.Target)
			}
		case *Handle:
			n.Target = tg.address
			p.target = tg.res
		default:
			return nil, fmt.Errorf("notification target must be \"kind[name]\" or a resource, got %s", t[1].Type())
		}
		if len(t) == 3 {
			timing, _ := starlark.AsString(t[2])
			switch timing {
			case "delayed", "before":
			case "immediately", "immediate":
				timing = "immediately"
			default:
				return nil, fmt.Errorf("notification timing %q: want \"delayed\", \"immediately\" or \"before\"", timing)
			}
			n.Timing = timing
		}
		p.n = n
		out = append(out, p)
	}
	return out, nil
}

func addrRe(s string) bool {
	i := strings.IndexByte(s, '[')
	return i > 0 && strings.HasSuffix(s, "]") && len(s) > i+2
}

// resolveNotifications connects notifications to resources; a target that
// was never declared is an error at the notifying line.
func (c *compiler) resolveNotifications() error {
	var errs *multierror.Error
	// Connecting a notification to a custom resource's action compiles
	// that action, whose inner resources may notify in turn.
	for ; c.resolved < len(c.pending); c.resolved++ {
		p := c.pending[c.resolved]
		target := p.target
		if target == nil {
			t, ok := c.findInScope(p.scope, p.n.Target)
			if !ok {
				errs = multierror.Append(errs, &engine.Diagnostic{Pos: p.n.Pos, Address: p.from.Base().Address(),
					Summary: fmt.Sprintf("%s names %s, which is not declared in this run", verb(p.subscribe), p.n.Target),
					Detail:  c.suggest(p.n.Target)})
				continue
			}
			target = t
		}
		// For subscribes, target is the watched resource and from acts.
		actor, watched := target, p.from
		if p.subscribe {
			actor, watched = p.from, target
		}
		actions := c.actionsOf(actor)
		if p.n.Action != "nothing" && !contains(actions, p.n.Action) {
			errs = multierror.Append(errs, &engine.Diagnostic{Pos: p.n.Pos, Address: p.from.Base().Address(),
				Summary: fmt.Sprintf("%s action %q on %s, which has no such action", verb(p.subscribe), p.n.Action, actor.Base().Address()),
				Detail:  "its actions are: " + strings.Join(actions, ", ")})
			continue
		}
		if err := c.compileNotified(actor, p.n.Action); err != nil {
			errs = multierror.Append(errs, err)
			continue
		}
		c.coll.Connect(watched, engine.Edge{Target: actor, Action: p.n.Action, Timing: p.n.Timing})
	}
	if errs != nil {
		errs.ErrorFormat = diagList
		return errs
	}
	return nil
}

func verb(sub bool) string {
	if sub {
		return "subscribes"
	}
	return "notifies"
}

func (c *compiler) suggest(target string) string {
	kind := target[:strings.IndexByte(target, '[')]
	var same []string
	for _, r := range c.coll.Resources {
		if r.Base().Kind == kind {
			same = append(same, r.Base().Address())
		}
	}
	if len(same) == 0 {
		return fmt.Sprintf("declare it (for example %s(%q, action=\"nothing\")) or correct the name", kind, target[len(kind)+1:len(target)-1])
	}
	sort.Strings(same)
	if len(same) > 8 {
		same = append(same[:8], "…")
	}
	return "declared resources of that kind: " + strings.Join(same, ", ")
}

func unknownProp(k *engine.Kind, props []engine.Property, key string, pos engine.Pos, addr string) error {
	names := append([]string{}, engine.CommonProps...)
	for _, p := range props {
		names = append(names, p.Name)
	}
	sort.Strings(names)
	detail := "valid properties: " + strings.Join(names, ", ")
	if near := nearest(key, names); near != "" {
		detail = fmt.Sprintf("did you mean %q? ", near) + detail
	}
	return &engine.Diagnostic{Pos: pos, Address: addr, Summary: fmt.Sprintf("%s has no property %q", k.Name, key), Detail: detail}
}

// setField converts a Starlark value into a tagged struct field; ord
// records the key order of the maps it makes.
func setField(f reflect.Value, pf engine.Property, v starlark.Value, ord *keyorder.Table) error {
	if pf.Mode {
		s, err := modeString(v)
		if err != nil {
			return err
		}
		f.SetString(s)
		return nil
	}
	if pf.Account {
		s, err := accountString(v)
		if err != nil {
			return err
		}
		if f.Kind() == reflect.Int { // a uid or gid: Chef's uid "1000" too
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return fmt.Errorf("want a numeric id, got %q", s)
			}
			f.SetInt(n)
			return nil
		}
		f.SetString(s)
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		s, ok := v.(starlark.String)
		if !ok {
			return fmt.Errorf("want a string, got %s (%s)", v.Type(), v)
		}
		f.SetString(string(s))
	case reflect.Bool:
		b, ok := v.(starlark.Bool)
		if !ok {
			return fmt.Errorf("want True or False, got %s", v.Type())
		}
		f.SetBool(bool(b))
	case reflect.Int, reflect.Int64:
		n, err := starlark.AsInt32(v)
		if err != nil {
			return fmt.Errorf("want an int, got %s (%s)", v.Type(), v)
		}
		f.SetInt(int64(n))
	case reflect.Slice:
		switch f.Type().Elem().Kind() {
		case reflect.String:
			l, err := stringList(v)
			if err != nil {
				return err
			}
			f.Set(reflect.ValueOf(l))
		case reflect.Int:
			var l []int
			vals := []starlark.Value{v}
			switch x := v.(type) {
			case *starlark.List:
				vals = nil
				for i := 0; i < x.Len(); i++ {
					vals = append(vals, x.Index(i))
				}
			case starlark.Tuple: // as stringList accepts for string lists
				vals = x
			}
			for _, e := range vals {
				n, err := starlark.AsInt32(e)
				if err != nil {
					return fmt.Errorf("want an int or a list of ints, got %s", e.Type())
				}
				l = append(l, n)
			}
			f.Set(reflect.ValueOf(l))
		default:
			return fmt.Errorf("unsupported list property; this is a bug in converge")
		}
	case reflect.Map:
		d, ok := v.(*starlark.Dict)
		if !ok {
			if av, ok := v.(*AttrView); ok {
				g, _ := toGo(av, ord)
				return setMap(f, g.(map[string]any))
			}
			return fmt.Errorf("want a dict, got %s", v.Type())
		}
		g, err := toGo(d, ord)
		if err != nil {
			return err
		}
		return setMap(f, g.(map[string]any))
	case reflect.Interface:
		g, err := toGo(v, ord)
		if err != nil {
			return err
		}
		if g != nil {
			f.Set(reflect.ValueOf(g))
		}
	default:
		return fmt.Errorf("unsupported property type %s; this is a bug in converge", f.Type())
	}
	return nil
}

func setMap(f reflect.Value, g map[string]any) error {
	switch f.Type().Elem().Kind() {
	case reflect.Interface:
		f.Set(reflect.ValueOf(g))
	case reflect.String:
		m := map[string]string{}
		for k, x := range g {
			switch x.(type) {
			case map[string]any, []any:
				return fmt.Errorf("value of %q must be a string, number or bool", k)
			case nil:
				// fmt.Sprint would give "<nil>"; unsetting instead would
				// hide a typo in the recipe, so say it
				return fmt.Errorf("value of %q is None; give a string, or leave %q out", k, k)
			}
			m[k] = fmt.Sprint(x)
		}
		f.Set(reflect.ValueOf(m))
	case reflect.Bool:
		m := map[string]bool{}
		for k, x := range g {
			b, ok := x.(bool)
			if !ok {
				return fmt.Errorf("value of %q must be True or False", k)
			}
			m[k] = b
		}
		f.Set(reflect.ValueOf(m))
	default:
		return fmt.Errorf("unsupported map property; this is a bug in converge")
	}
	return nil
}

// modeString accepts 0o644, 420 (as Go would) or "0644"/"644".
func modeString(v starlark.Value) (string, error) {
	switch x := v.(type) {
	case starlark.Int:
		n, ok := x.Int64()
		if !ok || n < 0 || n > 0o7777 {
			return "", fmt.Errorf("mode %s is out of range; write it as 0o644 or \"0644\"", x)
		}
		// mode=644 is Chef's 0644 written without the 0: as a Starlark int
		// it is 0o1204 (sticky bit, wrong permissions). Refuse rather than guess.
		if d := strconv.FormatInt(n, 10); n > 0o777 && strings.Trim(d, "01234567") == "" {
			return "", fmt.Errorf("mode %d is the decimal number %d (0o%o); write 0o%s or \"%04s\" (special bits as a string, e.g. \"4755\")", n, n, n, d, d)
		}
		return fmt.Sprintf("%04o", n), nil
	case starlark.String:
		s := string(x)
		n, err := strconv.ParseUint(s, 8, 32)
		if err != nil || n > 0o7777 {
			return "", fmt.Errorf("mode %q is not an octal mode like \"0644\"", s)
		}
		return fmt.Sprintf("%04o", n), nil
	}
	return "", fmt.Errorf("want an octal mode like \"0644\" or 0o644, got %s", v.Type())
}

// accountString is a user or group property's value: a name as given,
// or a uid/gid (Chef's owner 0, group 1000) in decimal. The resource's
// Prepare checks both (a negative id there), so that every bad value of
// a run is reported together.
func accountString(v starlark.Value) (string, error) {
	switch x := v.(type) {
	case starlark.String:
		return string(x), nil
	case starlark.Int:
		n, ok := x.Int64()
		if !ok {
			return "", fmt.Errorf("id %s is out of range; ids are 0 to 4294967294", x)
		}
		return strconv.FormatInt(n, 10), nil
	}
	return "", fmt.Errorf("want a name or a numeric id, got %s (%s)", v.Type(), v)
}

func stringList(v starlark.Value) ([]string, error) {
	switch x := v.(type) {
	case starlark.String:
		return []string{string(x)}, nil
	case *starlark.List:
		out := make([]string, x.Len())
		for i := 0; i < x.Len(); i++ {
			s, ok := x.Index(i).(starlark.String)
			if !ok {
				return nil, fmt.Errorf("want a list of strings, item %d is %s", i, x.Index(i).Type())
			}
			out[i] = string(s)
		}
		return out, nil
	case starlark.Tuple:
		out := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(starlark.String)
			if !ok {
				return nil, fmt.Errorf("want a list of strings, item %d is %s", i, e.Type())
			}
			out[i] = string(s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("want a string or a list of strings, got %s", v.Type())
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func appendUnique(l []string, s string) []string {
	if contains(l, s) {
		return l
	}
	return append(append([]string{}, l...), s)
}

// nearest returns the candidate within edit distance 2 of s, if any.
func nearest(s string, cands []string) string {
	best, bestD := "", 3
	for _, c := range cands {
		if d := levenshtein(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
