package semver

import (
	"fmt"
	"strings"
)

// Constraint is a conjunction of clauses; its zero value allows every
// version.
type Constraint struct {
	clauses []clause
	text    string
}

type clause struct {
	op string // "=", "!=", ">", ">=", "<", "<="
	v  Version
}

// operators, longest first so that ">=" is not read as ">".
var operators = []string{"~>", ">=", "<=", "!=", "=", ">", "<"}

// ParseConstraint parses a comma-joined constraint such as ">= 1.2, < 2"
// or "~> 1.2". The empty string allows every version.
func ParseConstraint(s string) (Constraint, error) {
	c := Constraint{text: strings.TrimSpace(s)}
	if c.text == "" {
		return c, nil
	}
	for _, part := range strings.Split(c.text, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return Constraint{}, fmt.Errorf("constraint %q: empty clause between commas", s)
		}
		op := "="
		for _, o := range operators {
			if strings.HasPrefix(part, o) {
				op, part = o, strings.TrimSpace(part[len(o):])
				break
			}
		}
		v, err := Parse(part)
		if err != nil {
			return Constraint{}, fmt.Errorf("constraint %q: %v; operators are =, !=, >, >=, <, <= and ~>", s, err)
		}
		if op != "~>" {
			c.clauses = append(c.clauses, clause{op, v})
			continue
		}
		// Chef's pessimistic operator: the last given component may grow.
		// "~> 1.2" is >= 1.2.0, < 2.0.0; "~> 1.2.3" is >= 1.2.3, < 1.3.0;
		// "~> 1" is >= 1.0.0, < 2.0.0.
		upper := Version{Major: v.Major + 1}
		if strings.Count(strings.SplitN(part, "-", 2)[0], ".") == 2 {
			upper = Version{Major: v.Major, Minor: v.Minor + 1}
		}
		c.clauses = append(c.clauses, clause{">=", v}, clause{"<", upper})
	}
	return c, nil
}

// MustParseConstraint is ParseConstraint for constants.
func MustParseConstraint(s string) Constraint {
	c, err := ParseConstraint(s)
	if err != nil {
		panic(err)
	}
	return c
}

// Allows reports whether v satisfies every clause.
func (c Constraint) Allows(v Version) bool {
	for _, cl := range c.clauses {
		d := v.Compare(cl.v)
		var ok bool
		switch cl.op {
		case "=":
			ok = d == 0
		case "!=":
			ok = d != 0
		case ">":
			ok = d > 0
		case ">=":
			ok = d >= 0
		case "<":
			ok = d < 0
		case "<=":
			ok = d <= 0
		}
		if !ok {
			return false
		}
	}
	return true
}

// Any reports whether c allows every version.
func (c Constraint) Any() bool { return len(c.clauses) == 0 }

// String returns the constraint as written, or "any version" when empty.
func (c Constraint) String() string {
	if c.text == "" {
		return "any version"
	}
	return c.text
}
