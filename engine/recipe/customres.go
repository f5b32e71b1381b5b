package recipe

// The `r` a custom resource's functions receive (SPEC §4.6): its
// properties as fields, r.x; which of them the caller set, for
// property_is_set(r, "x"); and, in an action, fields the action may set
// (r.x = v), as Chef's actions set new_resource.x.

import (
	"fmt"
	"slices"
	"sort"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// resValue is a custom resource as its kind's functions see it.
type resValue struct {
	kind   *customKind
	fields starlark.StringDict
	isSet  func(string) bool // whether the caller gave a property
	frozen bool
}

var _ starlark.HasSetField = (*resValue)(nil)

func (r *resValue) String() string {
	return r.kind.name + "(" + starlark.String(r.name()).String() + ")"
}
func (r *resValue) Type() string          { return r.kind.name }
func (r *resValue) Freeze()               { r.frozen = true }
func (r *resValue) Truth() starlark.Bool  { return starlark.True }
func (r *resValue) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable: %s", r.kind.name) }

func (r *resValue) name() string {
	s, _ := starlark.AsString(r.fields["name"])
	return s
}

// Attr returns a property (or a property every resource has: name,
// sensitive, ignore_failure, retries, retry_delay).
func (r *resValue) Attr(name string) (starlark.Value, error) {
	if v, ok := r.fields[name]; ok {
		return v, nil
	}
	return nil, nil // "has no .x field or method"
}

// AttrNames lists the fields, sorted.
func (r *resValue) AttrNames() []string {
	out := make([]string, 0, len(r.fields))
	for n := range r.fields {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// SetField sets a property from an action (r.x = v): the rest of the
// action, and the functions it passes r to, read the new value. It is
// checked against the property's type; the name cannot change.
func (r *resValue) SetField(name string, v starlark.Value) error {
	if r.frozen {
		return fmt.Errorf("%s.%s: r can be set only inside an action (r.%s = ... in load_current, probes or a default has no effect in Chef either)", r.kind.name, name, name)
	}
	if _, ok := r.fields[name]; !ok {
		return starlark.NoSuchAttrError(fmt.Sprintf("%s has no property %s", r.kind.name, name))
	}
	if isTodo(v) {
		return nil // under --allow-todo, todo() leaves the property as it was
	}
	switch name {
	case "name":
		return fmt.Errorf("%s.name cannot be set: it identifies the resource", r.kind.name)
	case "sensitive", "ignore_failure":
		if _, ok := v.(starlark.Bool); !ok {
			return fmt.Errorf("%s.%s: got %s, want bool", r.kind.name, name, v.Type())
		}
	case "retries", "retry_delay":
		if _, ok := v.(starlark.Int); !ok {
			return fmt.Errorf("%s.%s: got %s, want int", r.kind.name, name, v.Type())
		}
	default:
		i := slices.IndexFunc(r.kind.props, func(p *customProp) bool { return p.name == name })
		if i >= 0 && v != starlark.None {
			cv, err := checkType(r.kind.props[i], v)
			if err != nil {
				return fmt.Errorf("%s.%s: %v", r.kind.name, name, err)
			}
			v = cv
		}
	}
	v.Freeze()
	r.fields[name] = v
	return nil
}

// forAction is the r an action receives: a copy whose fields it may
// set, without changing what other actions, load_current and the
// desired state converge compares see.
func (r *resValue) forAction() *resValue {
	fields := make(starlark.StringDict, len(r.fields))
	for k, v := range r.fields {
		fields[k] = v
	}
	return &resValue{kind: r.kind, fields: fields, isSet: r.isSet}
}

// asStruct is r as a struct, for the values r is converted from (a
// template's variables).
func (r *resValue) asStruct() *starlarkstruct.Struct {
	return starlarkstruct.FromStringDict(starlark.String(r.kind.name), r.fields)
}

// builtinPropertyIsSet is property_is_set(r, "x"): whether the caller of
// the custom resource r gave property x (Chef's property_is_set?(:x)),
// as opposed to x holding its default. A property given None counts as
// set only when None is one of its types.
func builtinPropertyIsSet(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var res starlark.Value
	var name string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &res, &name); err != nil {
		return nil, err
	}
	var isSet, has func(string) bool
	switch r := res.(type) {
	case *resValue:
		isSet = r.isSet
		has = func(n string) bool { _, ok := r.fields[n]; return ok }
	case *lazyRes:
		isSet = r.isSet
		has = func(n string) bool { return slices.Contains(r.AttrNames(), n) }
	default:
		return nil, fmt.Errorf("%s: got %s, want the r of a custom resource", b.Name(), res.Type())
	}
	if !has(name) {
		return nil, fmt.Errorf("%s: %s has no property %s", b.Name(), res.Type(), name)
	}
	return starlark.Bool(isSet(name)), nil
}
