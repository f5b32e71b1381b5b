package ruby

import (
	"strings"
	"testing"
)

// TestInspect_VisitsEveryHeldExpression: the identifiers Inspect reaches
// in each construct, in source order; a false return prunes the subtree; a
// method definition's body is not walked.
func TestInspect_VisitsEveryHeldExpression(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{`a.b(c, d) { |x| e }`, "a c d e"},
		{`a[b][c]`, "a b c"},
		{`"x#{a}y#{b.c}"`, "a b"},
		{"`ls #{a}`", "a"},
		{`[a, {b => c}, d..e]`, "a b c d e"},
		{`a ? b : !c && d`, "a b c d"},
		{"if a\n b\nelsif c\n d\nelse\n e\nend", "a b c d e"},
		{"case a\nwhen b, c\n d\nelse\n e\nend", "a b c d e"},
		{"for x in a do\n b\nend", "a b"},
		{`x = a + b`, "x a b"},
		{"return a", "a"},
		{"def m(x)\n a\nend", ""},
	} {
		stmts, _ := Parse(c.src)
		var got []string
		InspectStmts(stmts, func(x Expr) bool {
			if id, ok := x.(*IdentRef); ok {
				got = append(got, id.Name)
			}
			if cl, ok := x.(*CallExpr); ok && cl.Recv == nil && len(cl.Args) == 0 && cl.Block == nil {
				got = append(got, cl.Name) // a bare name not assigned yet reads as a call
			}
			return true
		})
		if s := strings.Join(got, " "); s != c.want {
			t.Errorf("%q: visited %q, want %q", c.src, s, c.want)
		}
	}
	// Pruning: f returning false for the call keeps its arguments unvisited.
	stmts, _ := Parse(`f(a, g(b))`)
	var got []string
	InspectStmts(stmts, func(x Expr) bool {
		cl, ok := x.(*CallExpr)
		if ok {
			got = append(got, cl.Name)
		}
		return !ok || cl.Name != "g"
	})
	if s := strings.Join(got, " "); s != "f a g" {
		t.Errorf("pruned walk visited %q, want \"f a g\"", s)
	}
}
