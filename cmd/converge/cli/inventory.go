package cli

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/converge-cm/converge/engine/inventory"
	"github.com/converge-cm/converge/engine/keyorder"
)

// target is one node to converge, resolved from the command line.
type target struct {
	Name     string // as shown in output
	Host     string // ssh_config alias, name or address
	User     string
	Port     int
	Identity string
	Local    bool
	// Normal attributes from nodes/NAME.json, and their key order.
	Normal  map[string]any
	Order   *keyorder.Table
	RunList []string
	// Environment is chef_environment of nodes/NAME.json ("_default" when
	// it names none); empty for a node not in nodes/.
	Environment string
	// File is nodes/NAME.json, for a node of the inventory.
	File string
}

// tags are Chef's tags of the node: the "tags" list of its normal
// attributes (Chef keeps them there; node JSON writes them at the top or
// under "normal").
func (t target) tags() []string {
	l, _ := t.Normal["tags"].([]any)
	out := []string{}
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// resolveTarget finds arg in nodes/ or parses it as [user@]host[:port].
func resolveTarget(arg string) (target, error) {
	p := filepath.Join("nodes", arg+".json")
	b, err := os.ReadFile(p)
	if err == nil {
		return parseNodeFile(p, b)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return target{}, err
	}
	t := target{Name: arg, Host: arg}
	if i := strings.LastIndexByte(t.Host, '@'); i >= 0 {
		t.User, t.Host = t.Host[:i], t.Host[i+1:]
	}
	if strings.HasPrefix(t.Host, "[") {
		// [::1]:2222
		end := strings.IndexByte(t.Host, ']')
		if end < 0 {
			return target{}, usageErr("node %q: unbalanced [ in address", arg)
		}
		rest := t.Host[end+1:]
		t.Host = t.Host[1:end]
		if strings.HasPrefix(rest, ":") {
			n, err := strconv.Atoi(rest[1:])
			if err != nil {
				return target{}, usageErr("node %q: port %q is not a number", arg, rest[1:])
			}
			t.Port = n
		}
	} else if i := strings.LastIndexByte(t.Host, ':'); i >= 0 && strings.Count(t.Host, ":") == 1 {
		n, err := strconv.Atoi(t.Host[i+1:])
		if err != nil {
			return target{}, usageErr("node %q: port %q is not a number", arg, t.Host[i+1:])
		}
		t.Host, t.Port = t.Host[:i], n
	}
	if t.Host == "" {
		return target{}, usageErr("node %q has no host", arg)
	}
	return t, nil
}

// parseNodeFile is the target of the node file at path.
func parseNodeFile(path string, b []byte) (target, error) {
	f, err := inventory.ParseFile(path, b)
	if err != nil {
		return target{}, usageErr("%v", err)
	}
	return fileTarget(f), nil
}

// fileTarget is the target of node file f: its host is the node's name
// unless the file's "converge" object gives one.
func fileTarget(f inventory.File) target {
	t := target{Name: f.Name, Host: f.Converge.Host, User: f.Converge.User, Port: f.Converge.Port,
		Identity: f.Converge.Identity, RunList: f.RunList, Normal: f.Normal, Order: f.Order, Environment: f.Environment, File: f.Path}
	if t.Host == "" {
		t.Host = t.Name
	}
	return t
}

// parseAttr reads -a key.path=value; the value is JSON when it parses as
// JSON (numbers, true, lists), else a string.
func parseAttr(s string, ord *keyorder.Table) (map[string]any, error) {
	eq := strings.IndexByte(s, '=')
	if eq <= 0 {
		return nil, usageErr("-a %q: want key.path=value", s)
	}
	keys := strings.Split(s[:eq], ".")
	for _, k := range keys {
		if k == "" {
			return nil, usageErr("-a %q: empty key in %q", s, s[:eq])
		}
	}
	var v any = s[eq+1:]
	d := json.NewDecoder(strings.NewReader(s[eq+1:]))
	if j, err := keyorder.Decode(d, ord); err == nil && !d.More() {
		if v, err = inventory.ExactNumbers(j); err != nil {
			return nil, usageErr("-a %q: %v", s, err)
		}
	}
	m := map[string]any{}
	cur := m
	for _, k := range keys[:len(keys)-1] {
		n := map[string]any{}
		cur[k] = n
		cur = n
	}
	cur[keys[len(keys)-1]] = v
	return m, nil
}
