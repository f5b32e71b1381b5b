package migrate

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/converge-cm/converge/engine/migrate/ruby"
)

// metadata is what converge keeps of a cookbook's metadata.rb.
type metadata struct {
	name        string
	version     string
	description string
	depends     [][2]string // name, constraint in converge syntax
	supports    []string
	notes       []string // comments for metadata.star
}

// metadataIgnored lists metadata.rb fields that do not change what a
// cookbook does; they are named in a comment, not reported as TODOs.
var metadataIgnored = map[string]bool{
	"maintainer": true, "maintainer_email": true, "license": true, "long_description": true,
	"source_url": true, "issues_url": true, "chef_version": true, "recipe": true, "attribute": true,
	"provides": true, "replaces": true, "conflicts": true, "suggests": true, "recommends": true,
	"grouping": true, "privacy": true, "ohai_version": true, "gem": true,
}

// readMetadataRb evaluates the statements of metadata.rb that converge
// keeps; loops over literal lists ("%w(ubuntu debian).each { |os| supports os }")
// are unrolled.
func readMetadataRb(file, src string) (*metadata, []Todo) {
	stmts, _ := ruby.Parse(src)
	m := &metadata{}
	var todos []Todo
	ignored := map[string]bool{}
	var run func(stmts []*ruby.Stmt, env map[string]string)
	run = func(stmts []*ruby.Stmt, env map[string]string) {
		for _, s := range stmts {
			bad := func(construct, why string) {
				todos = append(todos, Todo{File: file, Line: s.Line, Construct: construct, Why: why})
			}
			c, ok := s.X.(*ruby.CallExpr)
			if !ok {
				bad("statement in metadata.rb", "only metadata fields are read")
				continue
			}
			if c.Recv != nil && c.Block != nil && c.Name == "each" && len(c.Block.Params) == 1 {
				a, ok := c.Recv.(*ruby.ArrayLit)
				if !ok {
					bad(".each in metadata.rb", "only loops over literal lists are read")
					continue
				}
				for _, el := range a.Elems {
					v, ok := staticString(el, env)
					if !ok {
						bad(".each in metadata.rb", "only loops over literal lists are read")
						break
					}
					inner := map[string]string{}
					for k, x := range env {
						inner[k] = x
					}
					inner[c.Block.Params[0]] = v
					run(c.Block.Body, inner)
				}
				continue
			}
			if c.Recv != nil || c.Block != nil {
				bad("statement in metadata.rb", "only metadata fields are read")
				continue
			}
			var args []string
			okArgs := true
			for _, a := range c.Args {
				if h, isHash := a.(*ruby.HashLit); isHash && len(h.Keys) > 0 {
					continue // options such as :source_url are ignored
				}
				v, ok := staticString(a, env)
				if !ok {
					okArgs = false
					break
				}
				args = append(args, v)
			}
			if metadataIgnored[c.Name] {
				ignored[c.Name] = true
				continue
			}
			if !okArgs {
				bad(c.Name, "the value is computed; write it as a literal")
				continue
			}
			switch c.Name {
			case "name", "version", "description":
				if len(args) != 1 {
					bad(c.Name, "expected one value")
					continue
				}
				switch c.Name {
				case "name":
					m.name = args[0]
				case "version":
					m.version = args[0]
				default:
					m.description = args[0]
				}
			case "depends":
				if len(args) < 1 || len(args) > 2 {
					bad("depends", "expected a name and an optional constraint")
					continue
				}
				cons := ">= 0.0.0"
				if len(args) == 2 {
					cc, err := chefConstraint(args[1])
					if err != nil {
						bad("depends "+args[0], err.Error())
						continue
					}
					cons = cc
				}
				m.depends = append(m.depends, [2]string{args[0], cons})
			case "supports":
				if len(args) < 1 {
					bad("supports", "expected a platform")
					continue
				}
				m.supports = append(m.supports, args[0])
				if len(args) > 1 {
					m.notes = append(m.notes, fmt.Sprintf("supports %s %s: converge keeps the platform name only", args[0], strings.Join(args[1:], ", ")))
				}
			default:
				bad(c.Name, "unknown metadata field")
			}
		}
	}
	run(stmts, map[string]string{})
	if len(ignored) > 0 {
		var names []string
		for k := range ignored {
			names = append(names, k)
		}
		sort.Strings(names)
		m.notes = append(m.notes, "not carried over from metadata.rb (no effect on runs): "+strings.Join(names, ", "))
	}
	return m, todos
}

func staticString(x ruby.Expr, env map[string]string) (string, bool) {
	switch v := x.(type) {
	case *ruby.StrLit:
		var b strings.Builder
		for _, p := range v.Parts {
			if p.IsCode {
				s, ok := staticString(p.X, env)
				if !ok {
					return "", false
				}
				b.WriteString(s)
				continue
			}
			b.WriteString(p.Lit)
		}
		return b.String(), true
	case *ruby.SymLit:
		return v.Name, true
	case *ruby.IntLit:
		return strconv.FormatInt(v.Val, 10), true
	case *ruby.FloatLit:
		return v.Text, true
	case *ruby.IdentRef:
		s, ok := env[v.Name]
		return s, ok
	case *ruby.CallExpr:
		if v.Recv == nil && len(v.Args) == 0 && v.Block == nil {
			s, ok := env[v.Name]
			return s, ok
		}
	}
	return "", false
}

// chefConstraint turns a Chef version constraint ("~> 1.2", ">= 2.0",
// "= 1.0.0") into converge's ("">= 1.2, < 2.0").
func chefConstraint(c string) (string, error) {
	c = strings.TrimSpace(c)
	if !strings.HasPrefix(c, "~>") {
		for _, op := range []string{">=", "<=", ">", "<", "="} {
			if strings.HasPrefix(c, op) {
				return op + " " + strings.TrimSpace(c[len(op):]), nil
			}
		}
		if c != "" && strings.Trim(c, "0123456789.") == "" {
			return "= " + c, nil
		}
		return "", fmt.Errorf("unknown version constraint %q", c)
	}
	v := strings.TrimSpace(c[2:])
	parts := strings.Split(v, ".")
	nums := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return "", fmt.Errorf("unknown version constraint %q", c)
		}
		nums[i] = n
	}
	var upper string
	switch len(nums) {
	case 1:
		upper = fmt.Sprintf("%d.0", nums[0]+1)
	case 2:
		upper = fmt.Sprintf("%d.0", nums[0]+1)
	default:
		upper = fmt.Sprintf("%d.%d.0", nums[0], nums[1]+1)
	}
	return ">= " + v + ", < " + upper, nil
}

// readMetadataJSON reads the metadata.json that cookbooks from a Chef
// server or Supermarket carry instead of metadata.rb.
func readMetadataJSON(file string, data []byte) (*metadata, []Todo) {
	var j struct {
		Name         string            `json:"name"`
		Version      string            `json:"version"`
		Description  string            `json:"description"`
		Dependencies map[string]string `json:"dependencies"`
		Platforms    map[string]string `json:"platforms"`
	}
	if err := json.Unmarshal(data, &j); err != nil {
		return &metadata{}, []Todo{{File: file, Construct: "metadata.json", Why: "not valid JSON: " + err.Error()}}
	}
	m := &metadata{name: j.Name, version: j.Version, description: j.Description}
	var todos []Todo
	for _, k := range sortedKeys(j.Dependencies) {
		cons := ">= 0.0.0"
		if v := j.Dependencies[k]; v != "" {
			cc, err := chefConstraint(v)
			if err != nil {
				todos = append(todos, Todo{File: file, Construct: "depends " + k, Why: err.Error()})
				continue
			}
			cons = cc
		}
		m.depends = append(m.depends, [2]string{k, cons})
	}
	m.supports = sortedKeys(j.Platforms)
	return m, todos
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// star renders metadata.star.
func (m *metadata) star() string {
	var b strings.Builder
	b.WriteString("# Translated from Chef metadata by converge migrate.\n")
	for _, n := range m.notes {
		b.WriteString("# " + n + "\n")
	}
	fmt.Fprintf(&b, "name = %s\n", starQuote(m.name))
	if m.description != "" {
		fmt.Fprintf(&b, "description = %s\n", starQuote(m.description))
	}
	v := m.version
	if v == "" {
		v = "0.0.0"
	}
	fmt.Fprintf(&b, "version = %s\n", starQuote(v))
	if len(m.depends) > 0 {
		b.WriteString("depends = {\n")
		for _, d := range m.depends {
			fmt.Fprintf(&b, "    %s: %s,\n", starQuote(d[0]), starQuote(d[1]))
		}
		b.WriteString("}\n")
	}
	if len(m.supports) > 0 {
		q := make([]string, len(m.supports))
		for i, s := range m.supports {
			q[i] = starQuote(s)
		}
		fmt.Fprintf(&b, "supports = [%s]\n", strings.Join(q, ", "))
	}
	return b.String()
}
