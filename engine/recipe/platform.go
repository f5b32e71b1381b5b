package recipe

import (
	"fmt"
	"strconv"
	"strings"

	"go.starlark.net/starlark"

	"github.com/converge-cm/converge/engine/share/semver"
)

// builtinValueForPlatform is Chef's value_for_platform: the value for the
// node's platform and version from
//
//	value_for_platform({
//	    "ubuntu": {"22.04": "a", ">= 20.04": "b", "default": "c"},
//	    ("centos", "redhat"): {"~> 7.0": "d"},
//	    "default": "e",
//	})
//
// For the node's platform (a key, or one of a tuple or list of them): the
// value of its exact version, else of the version constraint it meets
// (more than one is an error, as in Chef), else its "default"; else the
// outer "default", else None. Constraints are Chef's (=, !=, >, <, >=,
// <=, ~>); versions compare by number, so 22.04 is 22.4.
func (c *compiler) builtinValueForPlatform(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var m *starlark.Dict
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &m); err != nil {
		return nil, err
	}
	f := c.node.Facts
	def := starlark.Value(starlark.None)
	for _, kv := range m.Items() {
		names, err := platformKeys(b.Name(), kv[0])
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			if n == "default" {
				def = kv[1]
				continue
			}
			if n != f.Platform {
				continue
			}
			versions, ok := kv[1].(*starlark.Dict)
			if !ok {
				return nil, fmt.Errorf("%s: the value of %q must be a dict of versions (\"7.1\", \">= 8\", \"default\"), got %s", b.Name(), n, kv[1].Type())
			}
			v, ok, err := versionValue(b.Name(), versions, f.PlatformVersion)
			if err != nil || ok {
				return v, err
			}
		}
	}
	return def, nil
}

// builtinValueForPlatformFamily is Chef's value_for_platform_family: the
// value for the node's platform family (a key, or one of a tuple or list
// of them), else "default", else None.
func (c *compiler) builtinValueForPlatformFamily(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var m *starlark.Dict
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &m); err != nil {
		return nil, err
	}
	def := starlark.Value(starlark.None)
	for _, kv := range m.Items() {
		names, err := platformKeys(b.Name(), kv[0])
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			switch n {
			case c.node.Facts.PlatformFamily:
				return kv[1], nil
			case "default":
				def = kv[1]
			}
		}
	}
	return def, nil
}

func platformKeys(fn string, k starlark.Value) ([]string, error) {
	switch x := k.(type) {
	case starlark.String:
		return []string{string(x)}, nil
	case starlark.Indexable:
		out := make([]string, x.Len())
		for i := range out {
			s, ok := x.Index(i).(starlark.String)
			if !ok {
				return nil, fmt.Errorf("%s: a platform name must be a string, got %s", fn, x.Index(i).Type())
			}
			out[i] = string(s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: a key must be a platform name or a tuple of them, got %s", fn, k.Type())
}

// versionValue is the value for version in a platform's dict: its exact
// version, else the one constraint it meets (more than one is an error, as
// in Chef), else "default"; ok is false when none applies.
func versionValue(fn string, versions *starlark.Dict, version string) (_ starlark.Value, ok bool, err error) {
	var def starlark.Value
	var matches []string
	var matched starlark.Value
	v, verr := platformVersion(version)
	for _, kv := range versions.Items() {
		s, isStr := kv[0].(starlark.String)
		if !isStr {
			return nil, false, fmt.Errorf("%s: a version must be a string, got %s", fn, kv[0].Type())
		}
		key := strings.TrimSpace(string(s))
		switch {
		case key == version:
			return kv[1], true, nil
		case key == "default":
			def = kv[1]
		case strings.ContainsAny(key, "<>=~!"):
			con, err := semver.ParseConstraint(normalizeConstraint(key))
			if err != nil {
				return nil, false, fmt.Errorf("%s: version constraint %q: %v", fn, key, err)
			}
			if verr == nil && con.Allows(v) {
				matches, matched = append(matches, key), kv[1]
			}
		}
	}
	switch {
	case len(matches) > 1:
		return nil, false, fmt.Errorf("%s: version %s meets more than one constraint (%s); make them exclusive", fn, version, strings.Join(matches, ", "))
	case len(matches) == 1:
		return matched, true, nil
	case def != nil:
		return def, true, nil
	}
	return nil, false, nil
}

// platformVersion reads a platform's version as Chef's
// Chef::Version::Platform does: numbers, leading zeros dropped ("22.04"
// is 22.4), at most three of them.
func platformVersion(s string) (semver.Version, error) {
	parts := strings.Split(strings.TrimSpace(s), ".")
	if len(parts) > 3 {
		parts = parts[:3]
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return semver.Version{}, fmt.Errorf("platform version %q is not numeric", s)
		}
		parts[i] = strconv.Itoa(n)
	}
	return semver.Parse(strings.Join(parts, "."))
}

// normalizeConstraint drops leading zeros from the versions of a
// constraint (">= 20.04" is ">= 20.4").
func normalizeConstraint(s string) string {
	var out []string
	for _, clause := range strings.Split(s, ",") {
		clause = strings.TrimSpace(clause)
		i := strings.IndexFunc(clause, func(r rune) bool { return r >= '0' && r <= '9' })
		if i < 0 {
			out = append(out, clause)
			continue
		}
		nums := strings.Split(clause[i:], ".")
		for j, n := range nums {
			if k, err := strconv.Atoi(n); err == nil && k >= 0 {
				nums[j] = strconv.Itoa(k) // as many parts as written: ~> 18.0 is < 19
			}
		}
		clause = clause[:i] + strings.Join(nums, ".")
		out = append(out, clause)
	}
	return strings.Join(out, ", ")
}
