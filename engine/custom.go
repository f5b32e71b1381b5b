package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
)

// Composite is a resource made of inner resources: a custom resource
// kind written in Starlark (a cookbook's resources/NAME.star). The engine
// takes the probes of every inner resource in the node's one probe round
// trip, and runs an action's inner resources, in order, each through the
// normal path (guards, check, apply, notifications), when Check says the
// composite is not up to date. The composite is updated when one of its
// inner resources is.
type Composite interface {
	Resource
	// Inner returns the resources action declares, in declaration order.
	Inner(action string) []Resource
	// InnerActions lists the actions whose inner resources were compiled.
	InnerActions() []string
	// Compares reports whether Check compares the current state for
	// action: when false an empty Diff does not mean up to date, and the
	// inner resources always run (their own checks decide), as Chef runs
	// an action without load_current_value.
	Compares(action string) bool
}

// CustomProp is one property value of a custom resource.
type CustomProp struct {
	Name string
	// Value is the desired value as a plain Go value (string, int64, bool,
	// []any, map[string]any), nil when unset without a default.
	Value any
	// Set: the caller gave the property; only those are compared (Chef's
	// converge_if_changed).
	Set bool
	// DesiredState false: never compared.
	DesiredState bool
	// Sensitive: the value never reaches output.
	Sensitive bool
}

// RunWhen says when a custom resource's action runs its inner resources,
// given what load_current found.
type RunWhen string

const (
	// RunIfChanged runs when the resource is missing or a compared property
	// differs (the default action's rule, Chef's converge_if_changed).
	RunIfChanged RunWhen = "changed"
	// RunIfExists runs when the resource exists (delete, stop).
	RunIfExists RunWhen = "exists"
	// RunIfMissing runs when it does not exist (create without update).
	RunIfMissing RunWhen = "missing"
	// RunAlways runs every time; the inner resources' checks decide.
	RunAlways RunWhen = "always"
)

// Custom is a resource of a kind defined in Starlark. The recipe compiler
// builds it: properties, the shell probes the kind's probes() returned,
// the converge-time LoadCurrent, and the inner resources of each action.
type Custom struct {
	Common
	Props []CustomProp
	// ShellProbes maps probes()'s keys to commands.
	ShellProbes map[string]string
	// LoadCurrent turns the probe results (by key) into the current
	// property values; exists false is "the resource does not exist". Nil
	// when the kind has no load_current.
	LoadCurrent func(out map[string]ShellResult) (current map[string]any, exists bool, err error)
	// When maps an action to its rule; missing actions are RunIfChanged
	// for the default action and RunIfExists for the others.
	When map[string]RunWhen
	// Actions' inner resources, by action.
	InnerRes map[string][]Resource
	// DefaultAction is the kind's first action.
	DefaultAction string
}

var _ Composite = (*Custom)(nil)

// Inner returns the inner resources of action.
func (c *Custom) Inner(action string) []Resource { return c.InnerRes[action] }

// InnerActions lists the compiled actions, sorted.
func (c *Custom) InnerActions() []string {
	out := make([]string, 0, len(c.InnerRes))
	for a := range c.InnerRes {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// Compares reports whether the kind has a load_current whose answer
// decides whether action runs.
func (c *Custom) Compares(action string) bool {
	return c.LoadCurrent != nil && c.when(action) != RunAlways
}

func (c *Custom) when(action string) RunWhen {
	if w, ok := c.When[action]; ok {
		return w
	}
	if action == c.DefaultAction {
		return RunIfChanged
	}
	return RunIfExists
}

// Prepare prepares every inner resource.
func (c *Custom) Prepare(pc *PrepareContext) error {
	for _, a := range c.InnerActions() {
		for _, r := range c.InnerRes[a] {
			if err := r.Prepare(pc); err != nil {
				return err
			}
		}
	}
	return nil
}

// Probes returns the kind's own shell probes, in key order; the engine
// adds those of the inner resources.
func (c *Custom) Probes() []Probe {
	keys := make([]string, 0, len(c.ShellProbes))
	for k := range c.ShellProbes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Probe, 0, len(keys))
	for _, k := range keys {
		out = append(out, ShellProbe(c.ShellProbes[k]))
	}
	return out
}

// Check runs load_current on the probe results and compares: the Diff
// lists what would be set (`set value from "1" to "3"`), empty when the
// action's rule says there is nothing to do.
func (c *Custom) Check(action string, p Probed) (Diff, error) {
	if _, ok := c.InnerRes[action]; !ok {
		return Diff{}, fmt.Errorf("action %s of %s was not compiled; this is a bug in converge", action, c.Address())
	}
	if c.LoadCurrent == nil || c.when(action) == RunAlways {
		return Diff{}, nil
	}
	out := make(map[string]ShellResult, len(c.ShellProbes))
	for k, cmd := range c.ShellProbes {
		sr, ok := p.Shell(cmd)
		if !ok {
			return Diff{}, MissingProbe(ProbeShell, cmd)
		}
		out[k] = sr
	}
	cur, exists, err := c.LoadCurrent(out)
	if err != nil {
		return Diff{}, err
	}
	switch c.when(action) {
	case RunIfExists:
		if !exists {
			return Diff{}, nil
		}
		return Diff{Changes: []string{action + " " + c.Address()}}, nil
	case RunIfMissing:
		if exists {
			return Diff{}, nil
		}
		return Diff{Changes: []string{action + " " + c.Address()}}, nil
	}
	var changes []string
	if !exists {
		changes = append(changes, "create "+c.Address())
	}
	for _, pr := range c.Props {
		if !pr.Set || !pr.DesiredState {
			continue
		}
		if !exists {
			if pr.Sensitive {
				changes = append(changes, "set "+pr.Name+" (sensitive)")
			} else {
				changes = append(changes, fmt.Sprintf("set %s to %s", pr.Name, FormatValue(pr.Value)))
			}
			continue
		}
		was, loaded := cur[pr.Name]
		if !loaded || equalValues(was, pr.Value) {
			continue // not loaded: Chef copies the desired value
		}
		if pr.Sensitive {
			changes = append(changes, "set "+pr.Name+" (sensitive)")
		} else {
			changes = append(changes, fmt.Sprintf("set %s from %s to %s", pr.Name, FormatValue(was), FormatValue(pr.Value)))
		}
	}
	return Diff{Changes: changes}, nil
}

// Apply is never called: the engine runs the inner resources instead.
func (c *Custom) Apply(context.Context, string, Diff, *Host) error {
	return fmt.Errorf("%s: Apply called on a custom resource; this is a bug in converge", c.Address())
}

// Prop returns the property named name.
func (c *Custom) Prop(name string) (CustomProp, bool) {
	i := slices.IndexFunc(c.Props, func(p CustomProp) bool { return p.Name == name })
	if i < 0 {
		return CustomProp{}, false
	}
	return c.Props[i], true
}

// FormatValue prints a property value in diffs: strings quoted, the rest
// as JSON.
func FormatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case string:
		return strconv.Quote(x)
	case bool:
		if x {
			return "True"
		}
		return "False"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// equalValues compares plain Go values, numbers by value.
func equalValues(a, b any) bool {
	return reflect.DeepEqual(normValue(a), normValue(b))
}

func normValue(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normValue(e)
		}
		return out
	}
	return v
}
