package inventory

import (
	"fmt"
	"path"
	"sort"
	"strings"
)

// Expr is a parsed selection expression: alternatives (OR) of terms (AND).
type Expr struct {
	text string
	alts [][]term
}

// term is one selector, maybe negated.
type term struct {
	not   bool
	key   string // "name", "role", "env" or "tag"
	glob  string
	plain string // the selector as written, without "!"
}

// keys are the selector prefixes.
var keys = []string{"name", "role", "env", "tag"}

// Parse reads a selection expression (see the package documentation).
func Parse(text string) (*Expr, error) {
	e := &Expr{text: text}
	if strings.TrimSpace(text) == "" {
		return nil, fmt.Errorf("empty selection; give a name glob, role:NAME, env:NAME or tag:NAME ('*' selects every node)")
	}
	for _, alt := range strings.Split(text, "|") {
		var terms []term
		for _, raw := range strings.Split(alt, ",") {
			t, err := parseTerm(raw)
			if err != nil {
				return nil, fmt.Errorf("selection %q: %v", text, err)
			}
			terms = append(terms, t)
		}
		e.alts = append(e.alts, terms)
	}
	return e, nil
}

func parseTerm(raw string) (term, error) {
	s := strings.TrimSpace(raw)
	var t term
	for strings.HasPrefix(s, "!") {
		t.not = !t.not
		s = strings.TrimSpace(s[1:])
	}
	if s == "" {
		return t, fmt.Errorf("an empty term (between \",\" or \"|\", or after \"!\")")
	}
	if strings.ContainsAny(s, " \t") {
		return t, fmt.Errorf("%q holds a blank; join terms with \",\" (and) or \"|\" (or)", s)
	}
	t.plain = s
	t.key, t.glob = "name", s
	if k, v, ok := strings.Cut(s, ":"); ok {
		found := false
		for _, want := range keys {
			if k == want {
				found = true
			}
		}
		if !found {
			return t, fmt.Errorf("%q: unknown selector %s:; want role:, env:, tag:, name: or a name glob", s, k)
		}
		if v == "" {
			return t, fmt.Errorf("%q: give a value after %s:, for example %s:web", s, k, k)
		}
		t.key, t.glob = k, v
	}
	if _, err := path.Match(t.glob, ""); err != nil {
		return t, fmt.Errorf("%q: %s is not a valid glob (%v)", s, t.glob, err)
	}
	return t, nil
}

// String is the expression as written.
func (e *Expr) String() string { return e.text }

// Match reports whether the expression selects n.
func (e *Expr) Match(n Node) bool {
	for _, alt := range e.alts {
		all := true
		for _, t := range alt {
			if t.match(n) == t.not {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// match is the selector without its negation.
func (t term) match(n Node) bool {
	switch t.key {
	case "role":
		return anyMatch(t.glob, n.Roles)
	case "tag":
		return anyMatch(t.glob, n.Tags)
	case "env":
		env := n.Environment
		if env == "" {
			env = DefaultEnvironment
		}
		ok, _ := path.Match(t.glob, env)
		return ok
	default:
		ok, _ := path.Match(t.glob, n.Name)
		return ok
	}
}

func anyMatch(glob string, vals []string) bool {
	for _, v := range vals {
		if ok, _ := path.Match(glob, v); ok {
			return true
		}
	}
	return false
}

// Select returns the nodes e selects, in the order given. Selecting none
// is an error that names the expression, and each selector that matches
// no node at all with the values that exist.
func Select(e *Expr, nodes []Node) ([]Node, error) {
	var out []Node
	for _, n := range nodes {
		if e.Match(n) {
			out = append(out, n)
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	if len(nodes) == 0 {
		return nil, fmt.Errorf("selection %q: the inventory has no nodes (write nodes/NAME.json)", e.text)
	}
	msg := fmt.Sprintf("selection %q matches none of the %d nodes", e.text, len(nodes))
	seen := map[string]bool{}
	var hints []string
	for _, alt := range e.alts {
		for _, t := range alt {
			if seen[t.plain] {
				continue
			}
			seen[t.plain] = true
			if t.matchesAny(nodes) {
				continue
			}
			hints = append(hints, fmt.Sprintf("no node has %s (%s)", t.plain, known(t.key, nodes)))
		}
	}
	if len(hints) > 0 {
		msg += ": " + strings.Join(hints, "; ")
	}
	return nil, fmt.Errorf("%s", msg)
}

func (t term) matchesAny(nodes []Node) bool {
	for _, n := range nodes {
		if t.match(n) {
			return true
		}
	}
	return false
}

// known lists the values of key among nodes, for an error message.
func known(key string, nodes []Node) string {
	set := map[string]bool{}
	for _, n := range nodes {
		switch key {
		case "role":
			for _, r := range n.Roles {
				set[r] = true
			}
		case "tag":
			for _, x := range n.Tags {
				set[x] = true
			}
		case "env":
			env := n.Environment
			if env == "" {
				env = DefaultEnvironment
			}
			set[env] = true
		default:
			set[n.Name] = true
		}
	}
	vals := make([]string, 0, len(set))
	for v := range set {
		vals = append(vals, v)
	}
	sort.Strings(vals)
	plural := map[string]string{"role": "roles", "tag": "tags", "env": "environments", "name": "nodes"}[key]
	if len(vals) == 0 {
		return "no node has any " + plural
	}
	const most = 10
	if len(vals) > most {
		return fmt.Sprintf("%s: %s and %d more", plural, strings.Join(vals[:most], ", "), len(vals)-most)
	}
	return plural + ": " + strings.Join(vals, ", ")
}
