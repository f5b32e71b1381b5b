package ruby

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// dump writes an expression as a compact, unambiguous S-expression.
func dump(x Expr) string {
	switch v := x.(type) {
	case nil:
		return "_"
	case *StrLit:
		var b []string
		for _, p := range v.Parts {
			if p.IsCode {
				b = append(b, "#{"+dump(p.X)+"}")
			} else {
				b = append(b, fmt.Sprintf("%q", p.Lit))
			}
		}
		return "(str " + strings.Join(b, " ") + ")"
	case *SymLit:
		return ":" + v.Name
	case *IntLit:
		return fmt.Sprint(v.Val)
	case *FloatLit:
		return v.Text
	case *NilLit:
		return "nil"
	case *BoolLit:
		return fmt.Sprint(v.Val)
	case *SelfLit:
		return "self"
	case *ArrayLit:
		return "[" + dumps(v.Elems) + "]"
	case *HashLit:
		var b []string
		for i := range v.Keys {
			b = append(b, dump(v.Keys[i])+"=>"+dump(v.Vals[i]))
		}
		return "{" + strings.Join(b, " ") + "}"
	case *IdentRef:
		return "$" + v.Name
	case *IVarRef:
		return "@" + v.Name
	case *ConstRef:
		return v.Path
	case *CallExpr:
		s := "(call " + dump(v.Recv) + " " + v.Name
		if len(v.Args) > 0 {
			s += " " + dumps(v.Args)
		}
		if v.Block != nil {
			s += " {|" + strings.Join(v.Block.Params, ",") + "| " + dumpStmts(v.Block.Body) + "}"
		}
		return s + ")"
	case *IndexExpr:
		return "(index " + dump(v.Recv) + " " + dumps(v.Args) + ")"
	case *BinaryExpr:
		return "(" + v.Op + " " + dump(v.L) + " " + dump(v.R) + ")"
	case *UnaryExpr:
		return "(" + v.Op + " " + dump(v.X) + ")"
	case *TernaryExpr:
		return "(?: " + dump(v.Cond) + " " + dump(v.Yes) + " " + dump(v.No) + ")"
	case *RangeExpr:
		return "(range " + dump(v.Lo) + " " + dump(v.Hi) + fmt.Sprintf(" %v)", v.Excl)
	case *IfExpr:
		kw := "if"
		if v.Unless {
			kw = "unless"
		}
		s := "(" + kw
		for i := range v.Conds {
			s += " " + dump(v.Conds[i]) + " [" + dumpStmts(v.Bodies[i]) + "]"
		}
		if v.HasElse {
			s += " else [" + dumpStmts(v.Else) + "]"
		}
		return s + ")"
	case *CaseExpr:
		s := "(case " + dump(v.Subject)
		for i := range v.Whens {
			s += " (when " + dumps(v.Whens[i]) + " [" + dumpStmts(v.Bodies[i]) + "])"
		}
		if v.HasElse {
			s += " else [" + dumpStmts(v.Else) + "]"
		}
		return s + ")"
	case *ForExpr:
		return "(for " + strings.Join(v.Vars, ",") + " " + dump(v.Iter) + " [" + dumpStmts(v.Body) + "])"
	case *AssignExpr:
		return "(" + v.Op + " " + dump(v.Target) + " " + dump(v.Value) + ")"
	case *JumpExpr:
		return "(" + v.Kind + " " + dump(v.Val) + ")"
	case *OpaqueExpr:
		return "(opaque " + v.What + ")"
	case *BadExpr:
		return "(bad)"
	case *XStrExpr:
		return "(xstr)"
	case *RegexExpr:
		var b []string
		for _, p := range v.Parts {
			if p.IsCode {
				b = append(b, "#{"+dump(p.X)+"}")
			} else {
				b = append(b, fmt.Sprintf("%q", p.Lit))
			}
		}
		return "(regex" + v.Flags + " " + strings.Join(b, " ") + ")"
	}
	return fmt.Sprintf("(?%T)", x)
}

func dumps(xs []Expr) string {
	b := make([]string, len(xs))
	for i, x := range xs {
		b[i] = dump(x)
	}
	return strings.Join(b, " ")
}

func dumpStmts(ss []*Stmt) string {
	b := make([]string, len(ss))
	for i, s := range ss {
		b[i] = dump(s.X)
	}
	return strings.Join(b, "; ")
}

func TestParse(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"resource block", "package 'ntp' do\n  action :install\nend\n",
			`(call _ package (str "ntp") {|| (call _ action :install)})`},
		{"attribute path", "default['ntp']['servers'] = %w(a b)",
			`(= (index (index (call _ default) (str "ntp")) (str "servers")) [(str "a") (str "b")])`},
		{"%W words interpolate", "x = %W(a --p=#{d}/c\n  #{e})",
			`(= $x [(str "a") (str "--p=" #{(call _ d)} "/c") (str #{(call _ e)})])`},
		{"interpolation", `x = "#{node['d']}/conf"`,
			`(= $x (str #{(index (call _ node) (str "d"))} "/conf"))`},
		{"symbol-key hash", "h = { mode: '0644', :owner => 'root' }",
			`(= $h {:mode=>(str "0644") :owner=>(str "root")})`},
		{"case with value", "v = case node['platform']\nwhen 'debian', 'ubuntu' then 'apt'\nelse 'yum'\nend",
			`(= $v (case (index (call _ node) (str "platform")) (when (str "debian") (str "ubuntu") [(str "apt")]) else [(str "yum")]))`},
		{"modifier unless", "service 'x' unless platform?('windows')",
			`(unless (call _ platform? (str "windows")) [(call _ service (str "x"))])`},
		{"ternary", "x = a ? 1 : 2", `(= $x (?: (call _ a) 1 2))`},
		{"stabby lambda", "f = ->(n) { n > 2 }", `(= $f (call _ lambda {|n| (> $n 2)}))`},
		{"block in expression", "l = %w(a b).map { |s| s.upcase }.join(',')",
			`(= $l (call (call [(str "a") (str "b")] map {|s| (call $s upcase)}) join (str ",")))`},
		{"multiple statements", "a = 1; b = a + 2", `(= $a 1); (= $b (+ $a 2))`},
		{"multiple assignment", "a, b = 1, 'x'", `(= [$a $b] [1 (str "x")])`},
		{"multiple assignment from a list", "a, b = l", `(= [$a $b] (call _ l))`},
		{"defined? keeps its operand", "defined?(node['x'])", `(defined? (index (call _ node) (str "x")))`},
		{"a splat in an array literal is Array()", "x = [*l]", `(= $x (call _ Array (call _ l)))`},
		{"splats among elements join lists", "x = [1, *l, 2, *m]", `(= $x (+ (+ (+ [1] (call _ Array (call _ l))) [2]) (call _ Array (call _ m))))`},
		{"a splat argument of a call in an array is still bad", "x = [f(*l)]", `(bad)`},
		{"opaque def", "def helper\n  1\nend", `(opaque a method definition)`},
		{"heredoc", "x = <<-EOH\n  hello #{y}\n  EOH\n", `(= $x (str "  hello " #{(call _ y)} "\n"))`},
		{"unterminated block is bad, not dropped", "foo do\n", `(bad)`},
		{"&:name is a block", "l = %w(a).map(&:upcase)",
			`(= $l (call [(str "a")] map {|it| (call $it upcase)}))`},
		{"&:name after arguments", "x.each_slice(2, &:first)", `(call (call _ x) each_slice 2 {|it| (call $it first)})`},
		{"a local first in an argument list", "s = 1\nf(s, 2)\nx = [s, 3]",
			`(= $s 1); (call _ f $s 2); (= $x [$s 3])`},
		{"a regexp keeps its escapes and flags", `x =~ /a\d\/#{y}\s/ix`, `(=~ (call _ x) (regexix "a\\d\\/" #{(call _ y)} "\\s"))`},
		{"%r keeps its escapes", `f(%r{\d+\}\.}m)`, `(call _ f (regexm "\\d+\\}\\."))`},
		{"multiple assignment inside a block in arguments", "f(l.each { |a| b, c = a, 1 })",
			`(call _ f (call (call _ l) each {|a| (= [$b $c] [$a 1])}))`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stmts, _ := Parse(tc.src)
			if got := dumpStmts(stmts); got != tc.want {
				t.Errorf("Parse(%q)\n got: %s\nwant: %s", tc.src, got, tc.want)
			}
		})
	}
}

func TestLexComments(t *testing.T) {
	_, cs := Lex("# top\nx = 1 # trailing\n", 1)
	if len(cs) != 2 || cs[0].Line != 1 || !cs[0].Own || cs[1].Line != 2 || cs[1].Own || strings.TrimSpace(cs[1].Text) != "trailing" {
		t.Fatalf("comments = %+v", cs)
	}
}

func TestNewParserFragment(t *testing.T) {
	toks, _ := Lex("name.upcase\n", 7)
	p := NewParser(toks, map[string]bool{"name": true})
	x := p.ParseStatement()
	if got := dump(x); got != "(call $name upcase)" {
		t.Fatalf("fragment = %s", got)
	}
	if x.ExprLine() != 7 {
		t.Fatalf("line = %d, want 7", x.ExprLine())
	}
}

// FuzzParse: the reader never panics, and every statement it returns lies
// inside the source, in order.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "testdata", "migrate", "chef", "*", "*", "*.rb"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	for _, s := range []string{
		"x = <<~EOS\n  a #{b}\nEOS\n",
		"%w{a b}.each do |p|\n package p\nend",
		"a ? b : c ? d : e",
		"case\nwhen x then 1\nend",
		"foo(bar: 1, 'baz' => [1, {a: 2}])",
		"\"#{\"#{x}\"}\"",
		"begin\n x\nrescue => e\n y\nend",
		"x = y ||= z &&= 1",
		"((((((((((",
		"end end }",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		stmts, _ := Parse(src)
		prev := 0
		for _, s := range stmts {
			if s.StartOff < prev || s.EndOff < s.StartOff || s.EndOff > len(src) {
				t.Fatalf("statement offsets %d..%d out of order (prev end %d, len %d) in %q", s.StartOff, s.EndOff, prev, len(src), src)
			}
			if s.EndLine < s.Line {
				t.Fatalf("statement lines %d..%d in %q", s.Line, s.EndLine, src)
			}
			prev = s.StartOff
		}
	})
}

// TestParseDefKeywords: a method's keyword parameters are read after its
// positional ones, in scope in its body; a default is flagged.
func TestParseDefKeywords(t *testing.T) {
	for _, tc := range []struct {
		src       string
		params    []string
		keywords  []string
		kwDefault bool
	}{
		{"def f(a, b:, c:)\n  b\nend\n", []string{"a"}, []string{"b", "c"}, false},
		{"def f(a:, b: 1)\n  a\nend\n", nil, []string{"a", "b"}, true},
		{"def f(a, b = 2)\n  a\nend\n", []string{"a", "b"}, nil, false},
	} {
		stmts, _ := Parse(tc.src)
		o, ok := stmts[0].X.(*OpaqueExpr)
		if !ok || o.Def == nil {
			t.Fatalf("%q: %T, want a method definition", tc.src, stmts[0].X)
		}
		d := o.Def
		if !slices.Equal(d.Params, tc.params) || !slices.Equal(d.Keywords, tc.keywords) || d.KwDefault != tc.kwDefault {
			t.Errorf("%q: params %q keywords %q default %v", tc.src, d.Params, d.Keywords, d.KwDefault)
		}
		if _, ok := d.Body[0].X.(*IdentRef); !ok {
			t.Errorf("%q: the body reads %T, want the parameter", tc.src, d.Body[0].X)
		}
	}
}

// TestParseRescueClauses: begin ... end and a def body keep their rescue,
// else and ensure clauses: what each rescues, as written, and its body.
func TestParseRescueClauses(t *testing.T) {
	for _, tc := range []struct {
		src  string
		body int      // statements before the first clause
		want []string // "kind classes: statements"
	}{
		{"begin\n  a = 1\n  b\nrescue\n  c\nend\n", 2, []string{"rescue : 1"}},
		{"begin\n  a\nrescue Errno::ENOENT, IOError => e\n  b\n  c\nelse\n  d\nensure\n  e\nend\n", 1,
			[]string{"rescue Errno::ENOENT, IOError => e: 2", "else : 1", "ensure : 1"}},
		{"def f\n  a\nrescue ArgumentError then b\nend\n", 1, []string{"rescue ArgumentError: 1"}},
	} {
		stmts, _ := Parse(tc.src)
		o, ok := stmts[0].X.(*OpaqueExpr)
		if !ok {
			t.Fatalf("%q: %T", tc.src, stmts[0].X)
		}
		body, clauses := []*Stmt(nil), []RescueClause(nil)
		switch {
		case o.Begin != nil:
			body, clauses = o.Begin.Body, o.Begin.Clauses
		case o.Def != nil:
			body, clauses = o.Def.Body, o.Def.Clauses
			if !o.Def.Rescue {
				t.Errorf("%q: Rescue is false", tc.src)
			}
		default:
			t.Fatalf("%q: neither begin nor def", tc.src)
		}
		var got []string
		for _, c := range clauses {
			got = append(got, fmt.Sprintf("%s %s: %d", c.Kind, c.Classes, len(c.Body)))
		}
		if len(body) != tc.body || !slices.Equal(got, tc.want) {
			t.Errorf("%q: body %d clauses %q, want %d %q", tc.src, len(body), got, tc.body, tc.want)
		}
	}
}
