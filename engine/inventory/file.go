package inventory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/converge-cm/converge/engine/keyorder"
)

// File is one node file of the inventory, nodes/NAME.json, in Chef's node
// JSON format with converge's "converge" object:
//
//	{"name": "web1", "chef_environment": "prod", "run_list": ["role[web]"],
//	 "converge": {"host": "10.0.0.11", "user": "admin", "port": 2222},
//	 "normal": {"nginx": {"port": 8080}}, "tags": ["canary"]}
type File struct {
	// Path is the file the node was read from.
	Path string
	// Name is the "name" key, else the file's name without .json.
	Name string
	// Environment is chef_environment; DefaultEnvironment when the file
	// names none.
	Environment string
	// RunList is the run_list, as written (recipe[cb::r], role[r], cb).
	RunList []string
	// Converge is how converge reaches the node.
	Converge Connection
	// Normal is the "normal" object with every top-level key that is not
	// one of Chef's node keys (tags, app, ...) set over it; never nil.
	Normal map[string]any
	// Default, Override and Automatic are the objects of those keys; nil
	// when the file has none.
	Default, Override, Automatic map[string]any
	// Order is the key order of the file's objects, as written (Normal's:
	// the "normal" object's keys, then the other top-level attributes).
	Order *keyorder.Table
}

// Connection is the "converge" object of a node file. Empty fields are
// left to the caller (ssh_config, the node's name, port 22).
type Connection struct {
	Host, User, Identity string
	// Port is 0 or 1-65535; the file may write it as a number or a string
	// of digits ("2222").
	Port int
}

// chefKeys are the keys of node JSON that are not normal attributes.
var chefKeys = map[string]bool{"name": true, "run_list": true, "converge": true, "chef_environment": true,
	"json_class": true, "chef_type": true, "automatic": true, "default": true, "override": true, "normal": true}

// NodeKey reports whether k is one of the keys of Chef's node JSON (name,
// run_list, normal, ...) or converge's "converge" rather than a normal
// attribute written at the top of the file.
func NodeKey(k string) bool { return chefKeys[k] }

// ParseFile reads the node file at path from b. Numbers are exact (see
// ExactNumbers); a field of the wrong type is an error naming path and
// the field.
func ParseFile(path string, b []byte) (File, error) {
	f, err := parseFile(path, b)
	if err != nil {
		return File{}, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

func parseFile(path string, b []byte) (File, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var raw map[string]any
	if err := d.Decode(&raw); err != nil {
		return File{}, fmt.Errorf("not a JSON object: %v", err)
	}
	if raw == nil {
		return File{}, errors.New("not a JSON object: null")
	}
	if _, err := d.Token(); err != io.EOF {
		return File{}, errors.New("not one JSON object: text follows its closing }")
	}
	// again, for the order of the keys as written
	ord := keyorder.New()
	ordered, err := keyorder.Decode(json.NewDecoder(bytes.NewReader(b)), ord)
	if err != nil {
		return File{}, fmt.Errorf("not a JSON object: %v", err)
	}
	raw = ordered.(map[string]any)
	v, err := exactNumbers(raw, "")
	if err != nil {
		return File{}, err
	}
	raw = v.(map[string]any)
	f := File{Path: path, Name: strings.TrimSuffix(filepath.Base(path), ".json"), Environment: DefaultEnvironment, Order: ord}
	if err := optString(raw, "name", "", &f.Name); err != nil {
		return File{}, err
	}
	if err := optString(raw, "chef_environment", "", &f.Environment); err != nil {
		return File{}, err
	}
	if rl, ok := raw["run_list"]; ok && rl != nil {
		l, ok := rl.([]any)
		if !ok {
			return File{}, fmt.Errorf("run_list is %s; want a list such as [\"recipe[nginx]\", \"role[web]\"]", describe(rl))
		}
		for i, x := range l {
			s, ok := x.(string)
			if !ok {
				return File{}, fmt.Errorf("run_list[%d] is %s; want a string such as \"recipe[nginx]\" or \"role[web]\"", i, describe(x))
			}
			f.RunList = append(f.RunList, s)
		}
	}
	if f.Converge, err = connection(raw["converge"]); err != nil {
		return File{}, err
	}
	objs := []struct {
		key string
		dst *map[string]any
	}{{"normal", &f.Normal}, {"default", &f.Default}, {"override", &f.Override}, {"automatic", &f.Automatic}}
	for _, o := range objs {
		x, ok := raw[o.key]
		if !ok || x == nil {
			continue
		}
		m, ok := x.(map[string]any)
		if !ok {
			return File{}, fmt.Errorf("%s is %s; want an object of attributes", o.key, describe(x))
		}
		*o.dst = m
	}
	if f.Normal == nil {
		f.Normal = map[string]any{}
	}
	keys := ord.Keys(f.Normal)
	for _, k := range ord.Keys(raw) {
		if !chefKeys[k] {
			if _, ok := f.Normal[k]; !ok {
				keys = append(keys, k)
			}
			f.Normal[k] = raw[k]
		}
	}
	ord.Set(f.Normal, keys)
	return f, nil
}

// connection reads the "converge" object v (nil when absent).
func connection(v any) (Connection, error) {
	var c Connection
	if v == nil {
		return c, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return c, fmt.Errorf("converge is %s; want an object such as {\"host\": \"10.0.0.11\", \"user\": \"admin\", \"port\": 2222}", describe(v))
	}
	for _, s := range []struct {
		key string
		dst *string
	}{{"host", &c.Host}, {"user", &c.User}, {"identity", &c.Identity}} {
		if err := optString(m, s.key, "converge.", s.dst); err != nil {
			return c, err
		}
	}
	switch p := m["port"].(type) {
	case nil:
	case int64:
		if p < 1 || p > 65535 {
			return c, fmt.Errorf("converge.port %d is not a port number (1-65535)", p)
		}
		c.Port = int(p)
	case string:
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return c, fmt.Errorf("converge.port %q is not a port number (1-65535)", p)
		}
		c.Port = n
	default:
		return c, fmt.Errorf("converge.port %s is not a port number (1-65535)", jsonText(p))
	}
	return c, nil
}

// optString sets *dst to m[key] when that is a non-empty string; a value
// of another type (other than null) is an error naming prefix+key.
func optString(m map[string]any, key, prefix string, dst *string) error {
	switch x := m[key].(type) {
	case nil:
	case string:
		if x != "" {
			*dst = x
		}
	default:
		return fmt.Errorf("%s%s is %s; want a string", prefix, key, describe(x))
	}
	return nil
}

// describe names a decoded JSON value in an error: its type and text.
func describe(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case bool:
		return "a boolean (" + jsonText(v) + ")"
	case int64, float64:
		return "a number (" + jsonText(v) + ")"
	case string:
		return "a string (" + jsonText(v) + ")"
	}
	return jsonText(v)
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// ReadDir reads every NAME.json of dir (the repository's nodes/), sorted
// by file name. A missing dir is an empty inventory; two files that give
// one name are an error.
func ReadDir(dir string) ([]File, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []File
	seen := map[string]string{}
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".json" {
			continue
		}
		p := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		f, err := ParseFile(p, b)
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[f.Name]; dup {
			return nil, fmt.Errorf("%s and %s both name node %s; give each node its own name", prev, p, f.Name)
		}
		seen[f.Name] = p
		out = append(out, f)
	}
	return out, nil
}

// ExactNumbers turns the json.Numbers of JSON decoded with UseNumber into
// int64 (a number without fraction or exponent, as Chef's Ruby reads it:
// 8080 stays 8080, never 8080.0) or float64 (1.5, 1e3), in place. A whole
// number that int64 cannot hold is an error rather than rounded:
// 12345678901234567890 must not arrive as 12345678901234567000.
func ExactNumbers(v any) (any, error) {
	return exactNumbers(v, "")
}

// exactNumbers is ExactNumbers for the value at path (key.key[i]), which
// an error names.
func exactNumbers(v any, path string) (any, error) {
	at := ""
	if path != "" {
		at = path + ": "
	}
	switch x := v.(type) {
	case json.Number:
		if !strings.ContainsAny(string(x), ".eE") {
			n, err := strconv.ParseInt(string(x), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%sthe integer %s does not fit in 64 bits; quote it (\"%s\") to pass it as a string", at, x, x)
			}
			return n, nil
		}
		f, err := x.Float64()
		if err != nil || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%sthe number %s is out of range", at, x)
		}
		return f, nil
	case []any:
		for i, e := range x {
			g, err := exactNumbers(e, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			x[i] = g
		}
	case map[string]any:
		// in key order, so that of two bad numbers the error names the same one every time
		for _, k := range slices.Sorted(maps.Keys(x)) {
			e := x[k]
			p := k
			if path != "" {
				p = path + "." + k
			}
			g, err := exactNumbers(e, p)
			if err != nil {
				return nil, err
			}
			x[k] = g
		}
	}
	return v, nil
}
