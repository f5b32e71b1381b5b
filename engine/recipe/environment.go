package recipe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/go-multierror"

	"github.com/converge-cm/converge/engine/keyorder"
	"github.com/converge-cm/converge/engine/share/semver"
)

// DefaultEnvironment is the environment of a node that names none, as in
// Chef. It needs no file; environments/_default.json is read when it
// exists.
const DefaultEnvironment = "_default"

// Environment is environments/NAME.json, in Chef's format: its default
// attributes rank above the attribute files' defaults and below a role's,
// its override attributes above a role's overrides (Chef's precedence),
// and cookbook_versions constrains the versions of the cookbooks a run of
// the environment may use.
type Environment struct {
	Name        string
	Description string
	Default     map[string]any
	Override    map[string]any
	// CookbookVersions maps a cookbook to its constraint, as written
	// ("= 1.2.0", "~> 1.2", ">= 1.0").
	CookbookVersions map[string]string
	// File is the file read; "" for a _default without one.
	File string

	constraints map[string]semver.Constraint
}

// envName is Chef's rule for environment names.
var envName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// envFile is the JSON of an environment file.
type envFile struct {
	Name             string            `json:"name"`
	Description      string            `json:"description"`
	Default          map[string]any    `json:"default_attributes"`
	Override         map[string]any    `json:"override_attributes"`
	CookbookVersions map[string]string `json:"cookbook_versions"`
	JSONClass        string            `json:"json_class"`
	ChefType         string            `json:"chef_type"`
}

// LoadEnvironment reads environments/NAME.json of the repository; ""
// is _default. A missing file is an error, except for _default.
func (r *Repo) LoadEnvironment(name string) (*Environment, error) {
	return r.loadEnvironment(name, nil)
}

// loadEnvironment is LoadEnvironment recording the key order of the
// environment's attributes in ord.
func (r *Repo) loadEnvironment(name string, ord *keyorder.Table) (*Environment, error) {
	if name == "" {
		name = DefaultEnvironment
	}
	if !envName.MatchString(name) {
		return nil, fmt.Errorf("environment %q: an environment's name is letters, digits, '_' and '-'", name)
	}
	path := filepath.Join(r.Root, "environments", name+".json")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if name == DefaultEnvironment {
			return &Environment{Name: name}, nil
		}
		have, _ := filepath.Glob(filepath.Join(r.Root, "environments", "*.json"))
		var names []string
		for _, h := range have {
			names = append(names, strings.TrimSuffix(filepath.Base(h), ".json"))
		}
		hint := "no environment files exist"
		if len(names) > 0 {
			hint = "environments found: " + strings.Join(names, ", ")
		}
		return nil, fmt.Errorf("environment %s: %s does not exist (%s); write it in Chef's format, for example {\"name\": %q, \"default_attributes\": {}, \"override_attributes\": {}, \"cookbook_versions\": {}}", name, path, hint, name)
	}
	if err != nil {
		return nil, fmt.Errorf("environment %s: %w", name, err)
	}
	return parseEnvironment(path, name, b, ord)
}

// envKeys are the keys of Chef's environment format.
var envKeys = []string{"name", "description", "default_attributes", "override_attributes", "cookbook_versions", "json_class", "chef_type"}

func parseEnvironment(path, name string, b []byte, ord *keyorder.Table) (*Environment, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%s: not a JSON object: %v", path, err)
	}
	for k := range raw {
		if !contains(envKeys, k) {
			return nil, fmt.Errorf("%s: unknown key %q; an environment has %s", path, k, strings.Join(envKeys, ", "))
		}
	}
	var f envFile
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %v (default_attributes and override_attributes are objects, cookbook_versions maps a cookbook to a constraint such as \"~> 1.2\")", path, err)
	}
	if ord != nil {
		// again, for the order the attributes are written in
		raw, err := keyorder.Decode(json.NewDecoder(bytes.NewReader(b)), ord)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		obj, _ := floatNumbers(raw).(map[string]any)
		f.Default, _ = obj["default_attributes"].(map[string]any)
		f.Override, _ = obj["override_attributes"].(map[string]any)
	}
	if f.Name != "" && f.Name != name {
		return nil, fmt.Errorf("%s: its name is %q; rename the file to environments/%s.json or set \"name\": %q", path, f.Name, f.Name, name)
	}
	env := &Environment{Name: name, Description: f.Description, Default: f.Default, Override: f.Override,
		CookbookVersions: f.CookbookVersions, File: path, constraints: map[string]semver.Constraint{}}
	for _, cb := range sortedKeysOf(f.CookbookVersions) {
		c, err := semver.ParseConstraint(f.CookbookVersions[cb])
		if err != nil {
			return nil, fmt.Errorf("%s: cookbook_versions %s: %v", path, cb, err)
		}
		env.constraints[cb] = c
	}
	return env, nil
}

func sortedKeysOf[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// CheckVersions checks the environment's cookbook_versions against the
// version of each cookbook the run uses (cookbooks, names from the run's
// closure): the locked version of a shared cookbook, metadata.star's of a
// local one. A constraint on a cookbook the run does not use is not
// checked, as in Chef.
func (r *Repo) CheckVersions(env *Environment, cookbooks []string) error {
	if env == nil || len(env.constraints) == 0 {
		return nil
	}
	var errs *multierror.Error
	for _, name := range cookbooks {
		c, ok := env.constraints[name]
		if !ok {
			continue
		}
		cb := r.Cookbooks[name]
		if cb == nil {
			continue
		}
		ver := cb.Version
		if ver == "" {
			ver = "0.0.0"
		}
		v, err := semver.Parse(ver)
		if err != nil {
			errs = multierror.Append(errs, fmt.Errorf("environment %s requires cookbook %s %s, but the version of %s is not a version: %v", env.Name, name, c, filepath.Join(cb.Dir, "metadata.star"), err))
			continue
		}
		if c.Allows(v) {
			continue
		}
		origin, fix := "", ""
		if r.VersionOrigin != nil {
			origin, fix = r.VersionOrigin(cb)
		}
		if origin == "" {
			origin = fmt.Sprintf("%s says version %s", filepath.Join(cb.Dir, "metadata.star"), ver)
			fix = "change the version there"
		}
		errs = multierror.Append(errs, fmt.Errorf("environment %s requires cookbook %s %s, but %s; %s or change the constraint in %s", env.Name, name, c, origin, fix, env.File))
	}
	if errs != nil {
		errs.ErrorFormat = diagList
		return errs
	}
	return nil
}

// floatNumbers turns v's json.Numbers into float64 in place, as
// encoding/json decodes an environment's numbers without UseNumber.
func floatNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case []any:
		for i, e := range x {
			x[i] = floatNumbers(e)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = floatNumbers(e)
		}
	}
	return v
}
