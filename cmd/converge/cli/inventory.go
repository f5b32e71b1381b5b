package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/converge-cm/converge/engine/inventory"
)

// target is one node to converge, resolved from the command line.
type target struct {
	Name     string // as shown in output
	Host     string // ssh_config alias, name or address
	User     string
	Port     int
	Identity string
	Local    bool
	// Normal attributes from nodes/NAME.json.
	Normal  map[string]any
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

// nodeFile is the converge part of nodes/NAME.json.
type nodeFile struct {
	Name            string `json:"name"`
	ChefEnvironment string `json:"chef_environment"`
	RunList         []string
	Converge        struct {
		Host     string     `json:"host"`
		User     string     `json:"user"`
		Port     portNumber `json:"port"`
		Identity string     `json:"identity"`
	} `json:"converge"`
}

// chefKeys are node JSON keys that are not normal attributes.
var chefKeys = map[string]bool{"name": true, "run_list": true, "converge": true, "chef_environment": true,
	"json_class": true, "chef_type": true, "automatic": true, "default": true, "override": true, "normal": true}

// resolveTarget finds arg in nodes/ or parses it as [user@]host[:port].
func resolveTarget(arg string) (target, error) {
	p := filepath.Join("nodes", arg+".json")
	b, err := os.ReadFile(p)
	if err == nil {
		return parseNodeFile(p, arg, b)
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

func parseNodeFile(path, arg string, b []byte) (target, error) {
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return target{}, usageErr("%s: %v", path, err)
	}
	var nf nodeFile
	if err := json.Unmarshal(b, &nf); err != nil {
		return target{}, usageErr("%s: %v", path, err)
	}
	if rl, ok := raw["run_list"].([]any); ok {
		for _, x := range rl {
			if s, ok := x.(string); ok {
				nf.RunList = append(nf.RunList, s)
			}
		}
	}
	t := target{Name: arg, Host: nf.Converge.Host, User: nf.Converge.User, Port: int(nf.Converge.Port),
		Identity: nf.Converge.Identity, RunList: nf.RunList, Normal: map[string]any{},
		Environment: inventory.DefaultEnvironment, File: path}
	if env, ok := raw["chef_environment"].(string); ok && env != "" {
		t.Environment = env
	}
	if nf.Name != "" {
		t.Name = nf.Name
	}
	if t.Host == "" {
		t.Host = arg
	}
	if n, ok := raw["normal"].(map[string]any); ok {
		for k, v := range n {
			t.Normal[k] = v
		}
	}
	for k, v := range raw {
		if !chefKeys[k] {
			t.Normal[k] = v
		}
	}
	return t, nil
}

// portNumber is converge.port in a node file: a number, or a string of
// digits (as people write it, "2222"), from 1 to 65535.
type portNumber int

func (p *portNumber) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	if uq, err := strconv.Unquote(s); err == nil {
		s = uq
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("converge.port %s is not a port number (1-65535)", b)
	}
	*p = portNumber(n)
	return nil
}

// parseAttr reads -a key.path=value; the value is JSON when it parses as
// JSON (numbers, true, lists), else a string.
func parseAttr(s string) (map[string]any, error) {
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
	var j any
	d := json.NewDecoder(strings.NewReader(s[eq+1:]))
	d.UseNumber()
	if err := d.Decode(&j); err == nil && !d.More() {
		if v, err = exactNumbers(j); err != nil {
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

// exactNumbers turns the json.Numbers of a decoded -a value into int64
// (whole numbers) or float64. A whole number that int64 cannot hold is
// refused rather than rounded: 12345678901234567890 must not arrive as
// 12345678901234567000.
func exactNumbers(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		if !strings.ContainsAny(string(x), ".eE") {
			n, err := strconv.ParseInt(string(x), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("the integer %s does not fit in 64 bits; quote it to pass it as a string (-a 'key=\"%s\"')", x, x)
			}
			return n, nil
		}
		f, err := x.Float64()
		if err != nil {
			return nil, fmt.Errorf("the number %s is out of range", x)
		}
		return f, nil
	case []any:
		for i, e := range x {
			g, err := exactNumbers(e)
			if err != nil {
				return nil, err
			}
			x[i] = g
		}
	case map[string]any:
		for k, e := range x {
			g, err := exactNumbers(e)
			if err != nil {
				return nil, err
			}
			x[k] = g
		}
	}
	return v, nil
}
