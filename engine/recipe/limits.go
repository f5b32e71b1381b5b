package recipe

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

// Cookbook code runs on the control machine for every node, so a recipe
// that loops forever or builds a value of gigabytes must fail with an error
// at its line, not hang converge or kill it out of memory. Three bounds do
// that:
//
//   - every thread that runs cookbook code has an execution step limit;
//   - the operators and builtins that can make a large value in one step
//     (x * n, x + y, "%s" % x, range, str, "".join, .replace, .format,
//     .split, list.extend) check the size of the result before making it:
//     the parsed file is rewritten so that `*`, `+`, `%` and their
//     augmented forms go through a checked builtin, and the allocating
//     builtins and methods are wrapped;
//   - the large values a thread makes count against an allocation budget,
//     so a loop of large values fails too.
//
// Sizes are in bytes as converge counts them: a string byte is 1, a list,
// tuple or dict element 16, an integer bit 1/8.
const (
	// maxValueBytes is the largest value one operation may make.
	maxValueBytes = 16 << 20
	// allocBudgetBytes is what one thread may allocate in large values.
	allocBudgetBytes = 256 << 20
	// chargeFrom is the size from which a value counts against the budget.
	chargeFrom = 64 << 10
	elemBytes  = 16
	// maxIntBits bounds integer products: multiplying huge integers is
	// slow long before it is large.
	maxIntBits = 1 << 16
	// maxIntDigits bounds int("..."), whose parse is slow for long strings.
	maxIntDigits = 4096
)

// maxSteps is the execution step limit of one thread (a file, a guard);
// a variable so that tests and the fuzz target can lower it.
var maxSteps uint64 = 20_000_000

// limitsKey is the thread-local key of a thread's *allocBudget.
const limitsKey = "converge.limits"

// allocBudget is a thread's limits: what it may still allocate, and its
// step limit.
type allocBudget struct {
	left  int64
	steps uint64
	kind  string // "recipe", "attributes file", ...
}

// newThread returns a thread for cookbook code with the step limit and an
// allocation budget.
func newThread(name string, load func(*starlark.Thread, string) (starlark.StringDict, error)) *starlark.Thread {
	th := &starlark.Thread{Name: name, Load: load}
	steps := maxSteps
	kind, _, _ := strings.Cut(name, " ")
	kind = map[string]string{"attributes": "attributes file", "load": "library", "metadata": "metadata file"}[kind] + ""
	if kind == "" {
		kind, _, _ = strings.Cut(name, " ")
	}
	lim := &allocBudget{left: allocBudgetBytes, steps: steps, kind: kind}
	// Every loop body calls __cv_loop, which stops the thread at the
	// loop's line; the interpreter's own limit, a little higher, is the
	// backstop (its position is less precise).
	th.SetMaxExecutionSteps(steps + steps/8 + 1000)
	th.OnMaxSteps = func(t *starlark.Thread) { t.Cancel(lim.stepsMsg()) }
	th.SetLocal(limitsKey, lim)
	return th
}

func (b *allocBudget) stepsMsg() string {
	return fmt.Sprintf("the %s ran more than %d steps; is there an endless loop? (each file, library and guard may run at most %d steps)", b.kind, b.steps, b.steps)
}

// loopStep is called at the top of every loop body.
func loopStep(thread *starlark.Thread, _ *starlark.Builtin, _ starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if b, _ := thread.Local(limitsKey).(*allocBudget); b != nil && thread.ExecutionSteps() >= b.steps {
		return nil, errors.New(b.stepsMsg())
	}
	return starlark.True, nil
}

// charge checks that a value of size bytes may be made on thread.
func charge(thread *starlark.Thread, what string, size int64) error {
	if size > maxValueBytes {
		return fmt.Errorf("%s would make a value of %s; values are limited to %s (is a repeat count or a loop bound wrong?)", what, humanBytes(size), humanBytes(maxValueBytes))
	}
	if size < chargeFrom {
		return nil
	}
	b, _ := thread.Local(limitsKey).(*allocBudget)
	if b == nil {
		return nil
	}
	if b.left -= size; b.left < 0 {
		return fmt.Errorf("%s: the code made more than %s of large values; build big strings with \"\".join and keep lists small", what, humanBytes(allocBudgetBytes))
	}
	return nil
}

func humanBytes(n int64) string {
	switch {
	case n == math.MaxInt64:
		return "more than 8 EiB"
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// sizeOf is the size of v itself (not of what it refers to).
func sizeOf(v starlark.Value) int64 {
	switch x := v.(type) {
	case starlark.String:
		return int64(len(x))
	case starlark.Bytes:
		return int64(len(x))
	case starlark.Int:
		return int64(x.BigInt().BitLen() / 8)
	}
	if n := starlark.Len(v); n > 0 {
		return satMul(int64(n), elemBytes)
	}
	return 0
}

// mulSize estimates the size of x * y; -1 when it is not a repetition.
func mulSize(x, y starlark.Value) int64 {
	if _, ok := x.(starlark.Int); ok {
		if yi, ok := y.(starlark.Int); ok {
			bits := x.(starlark.Int).BigInt().BitLen() + yi.BigInt().BitLen()
			if bits > maxIntBits {
				// saturate: the product is refused whatever its byte size
				return math.MaxInt64
			}
			return int64(bits) / 8
		}
		x, y = y, x
	}
	n, ok := y.(starlark.Int)
	if !ok {
		return -1
	}
	c, ok := n.Int64()
	if !ok {
		if n.Sign() < 0 {
			return 0
		}
		return math.MaxInt64
	}
	if c <= 0 {
		return 0
	}
	return satMul(sizeOf(x), c)
}

// satMul is a*b for non-negative a and b, saturating at MaxInt64.
func satMul(a, b int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || lo > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(lo)
}

// checkBinary checks the size of x op y before it is computed.
func checkBinary(thread *starlark.Thread, op syntax.Token, x, y starlark.Value) error {
	var size int64 = -1
	switch op {
	case syntax.STAR:
		if xi, ok := x.(starlark.Int); ok {
			if yi, ok := y.(starlark.Int); ok {
				if bits := xi.BigInt().BitLen() + yi.BigInt().BitLen(); bits > maxIntBits {
					return fmt.Errorf("int * int would make an integer of about %d bits; integers are limited to %d bits", bits, maxIntBits)
				}
			}
		}
		size = mulSize(x, y)
	case syntax.PLUS:
		switch x.(type) {
		case starlark.String, starlark.Bytes, *starlark.List, starlark.Tuple:
			size = sizeOf(x) + sizeOf(y)
			if n := starlark.Len(y); n > 0 {
				if _, ok := y.(starlark.String); !ok {
					size = sizeOf(x) + int64(n)*elemBytes
				}
			}
		}
	case syntax.PERCENT:
		if s, ok := x.(starlark.String); ok {
			size = formatSize(string(s), "%", []starlark.Value{y})
		}
	}
	if size < 0 {
		return nil
	}
	return charge(thread, fmt.Sprintf("%s %s %s", x.Type(), op, y.Type()), size)
}

// formatSize bounds the length of a format string expanded with args:
// each verb prints at most the largest argument.
func formatSize(format, verb string, args []starlark.Value) int64 {
	n := int64(strings.Count(format, verb))
	if n == 0 {
		return int64(len(format))
	}
	var widest int64
	for _, a := range args {
		if p := printedSize(a, maxValueBytes+1); p > widest {
			widest = p
		}
	}
	if widest > 0 && n > (maxValueBytes+1)/widest+1 {
		return math.MaxInt64
	}
	return int64(len(format)) + n*widest
}

// printedSize bounds the length of str(v), giving up above limit. A value
// seen twice on the way down is a cycle and prints as "[...]".
func printedSize(v starlark.Value, limit int64) int64 {
	var total int64
	onPath := map[starlark.Value]bool{}
	var walk func(v starlark.Value)
	walk = func(v starlark.Value) {
		if total > limit {
			return
		}
		switch x := v.(type) {
		case starlark.String:
			total += int64(len(x)) + 2
		case starlark.Bytes:
			total += int64(len(x))*4 + 3
		case starlark.Int:
			total += int64(x.BigInt().BitLen())/3 + 2
		case *starlark.List, starlark.Tuple, *starlark.Dict, *starlark.Set:
			if l, ok := x.(*starlark.List); ok {
				if onPath[l] {
					total += 5
					return
				}
				onPath[l] = true
				defer delete(onPath, l)
			}
			if d, ok := x.(*starlark.Dict); ok {
				if onPath[d] {
					total += 5
					return
				}
				onPath[d] = true
				defer delete(onPath, d)
				for _, it := range d.Items() {
					walk(it[0])
					walk(it[1])
					total += 4
					if total > limit {
						return
					}
				}
				total += 2
				return
			}
			it := starlark.Iterate(x)
			defer it.Done()
			var e starlark.Value
			for it.Next(&e) {
				walk(e)
				total += 2
				if total > limit {
					return
				}
			}
			total += 2
		case *resValue:
			walk(x.asStruct())
		case *starlarkstruct.Struct:
			for _, n := range x.AttrNames() {
				f, _ := x.Attr(n)
				total += int64(len(n)) + 3
				if f != nil {
					walk(f)
				}
				if total > limit {
					return
				}
			}
		default:
			total += int64(len(v.String()))
		}
	}
	walk(v)
	return total
}

// checkedBinary is x op y with the size checked first; the rewritten
// syntax tree calls it for *, + and %.
func checkedBinary(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	op, x, y, err := binArgs(args)
	if err != nil {
		return nil, err
	}
	if err := checkBinary(thread, op, x, y); err != nil {
		return nil, err
	}
	return starlark.Binary(op, x, y)
}

// checkedAugmented checks x op= y and returns y, for `x op= __cv_aug("op", x, y)`,
// which keeps += on lists an in-place update.
func checkedAugmented(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	op, x, y, err := binArgs(args)
	if err != nil {
		return nil, err
	}
	if err := checkBinary(thread, op, x, y); err != nil {
		return nil, err
	}
	return y, nil
}

var opTokens = map[string]syntax.Token{"*": syntax.STAR, "+": syntax.PLUS, "%": syntax.PERCENT}

func binArgs(args starlark.Tuple) (syntax.Token, starlark.Value, starlark.Value, error) {
	if len(args) != 3 {
		return 0, nil, nil, fmt.Errorf("internal operator check called with %d arguments; this is a bug in converge", len(args))
	}
	s, _ := starlark.AsString(args[0])
	op, ok := opTokens[s]
	if !ok {
		return 0, nil, nil, fmt.Errorf("internal operator check: unknown operator %q; this is a bug in converge", s)
	}
	return op, args[1], args[2], nil
}

// checkedMethods are the methods that can make a large value in one call.
var checkedMethods = map[string]bool{"join": true, "replace": true, "format": true, "split": true, "rsplit": true, "splitlines": true, "extend": true}

// checkedAttr is x.name for the checked methods: the method, wrapped so
// that it checks the size of its result first.
func checkedAttr(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("internal attribute check called with %d arguments; this is a bug in converge", len(args))
	}
	name, _ := starlark.AsString(args[1])
	return attrOf(args[0], name)
}

func attrOf(x starlark.Value, name string) (starlark.Value, error) {
	ha, ok := x.(starlark.HasAttrs)
	if !ok {
		return nil, fmt.Errorf("%s has no .%s field or method", x.Type(), name)
	}
	v, err := ha.Attr(name)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, fmt.Errorf("%s has no .%s field or method", x.Type(), name)
	}
	m, ok := v.(*starlark.Builtin)
	if !ok || !checkedMethods[name] || m.Receiver() == nil {
		return v, nil
	}
	return starlark.NewBuiltin(name, func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if size := methodSize(x, name, args, kwargs); size >= 0 {
			if err := charge(thread, fmt.Sprintf("%s.%s()", x.Type(), name), size); err != nil {
				return nil, err
			}
		}
		return m.CallInternal(thread, args, kwargs)
	}).BindReceiver(x), nil
}

// methodSize bounds the size of the result of x.name(args); -1 when unknown.
func methodSize(x starlark.Value, name string, args starlark.Tuple, kwargs []starlark.Tuple) int64 {
	switch name {
	case "extend":
		if len(args) == 1 {
			if n := starlark.Len(args[0]); n >= 0 {
				return sizeOf(x) + satMul(int64(n), elemBytes)
			}
		}
	}
	s, ok := x.(starlark.String)
	if !ok {
		return -1
	}
	switch name {
	case "join":
		if len(args) != 1 {
			return -1
		}
		var total int64
		n := starlark.Len(args[0])
		if n < 0 {
			return -1
		}
		it := starlark.Iterate(args[0])
		if it == nil {
			return -1
		}
		defer it.Done()
		var e starlark.Value
		for it.Next(&e) {
			total += sizeOf(e) + int64(len(s))
			if total > maxValueBytes {
				break
			}
		}
		return total
	case "replace":
		if len(args) < 2 {
			return -1
		}
		o, _ := starlark.AsString(args[0])
		nw, _ := starlark.AsString(args[1])
		c := int64(strings.Count(string(s), o))
		if len(args) == 3 {
			if lim, err := starlark.AsInt32(args[2]); err == nil && lim >= 0 && int64(lim) < c {
				c = int64(lim)
			}
		}
		return int64(len(s)) + satMul(c, int64(len(nw)))
	case "format":
		vals := append([]starlark.Value{}, args...)
		for _, kv := range kwargs {
			vals = append(vals, kv[1])
		}
		return formatSize(string(s), "{", vals)
	case "split", "rsplit", "splitlines":
		// at most one piece per byte, each a string header
		return int64(len(s)) * 2 * elemBytes
	}
	return -1
}

// sizeBuiltins wrap the universe's builtins that make a large value from
// a small one: range's length and the printed forms.
func sizeBuiltins() starlark.StringDict {
	wrap := func(name string, size func(args starlark.Tuple, res starlark.Value) int64, before bool) *starlark.Builtin {
		real := starlark.Universe[name].(*starlark.Builtin)
		return starlark.NewBuiltin(name, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if before {
				if err := charge(thread, name+"()", size(args, nil)); err != nil {
					return nil, err
				}
				return real.CallInternal(thread, args, kwargs)
			}
			res, err := real.CallInternal(thread, args, kwargs)
			if err != nil {
				return nil, err
			}
			if err := charge(thread, name+"()", size(args, res)); err != nil {
				return nil, err
			}
			return res, nil
		})
	}
	printed := func(args starlark.Tuple, _ starlark.Value) int64 {
		var total int64
		for _, a := range args {
			total += printedSize(a, maxValueBytes+1)
			if total > maxValueBytes {
				break
			}
		}
		return total
	}
	d := starlark.StringDict{
		"range": wrap("range", func(_ starlark.Tuple, res starlark.Value) int64 {
			return satMul(int64(starlark.Len(res)), elemBytes)
		}, false),
		"__cv_bin":  starlark.NewBuiltin("operator", checkedBinary),
		"__cv_aug":  starlark.NewBuiltin("operator", checkedAugmented),
		"__cv_attr": starlark.NewBuiltin("getattr", checkedAttr),
		"__cv_loop": starlark.NewBuiltin("loop", loopStep),
		"__cv_refuse": starlark.NewBuiltin("operator", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
			s, _ := starlark.AsString(args[0])
			return nil, fmt.Errorf("%s on a target that contains a comprehension or lambda is not supported; compute the index into a variable first", s)
		}),
		"getattr": starlark.NewBuiltin("getattr", func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if len(args) >= 2 {
				if name, ok := starlark.AsString(args[1]); ok && checkedMethods[name] {
					v, err := attrOf(args[0], name)
					if err != nil && len(args) == 3 {
						return args[2], nil
					}
					return v, err
				}
			}
			return starlark.Universe["getattr"].(*starlark.Builtin).CallInternal(thread, args, kwargs)
		}),
	}
	d["int"] = starlark.NewBuiltin("int", func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(args) > 0 {
			if s, ok := args[0].(starlark.String); ok && len(s) > maxIntDigits {
				return nil, fmt.Errorf("int(): a string of %d characters is too long for a number (at most %d)", len(s), maxIntDigits)
			}
		}
		return starlark.Universe["int"].(*starlark.Builtin).CallInternal(thread, args, kwargs)
	})
	for _, n := range []string{"str", "repr", "print", "fail"} {
		d[n] = wrap(n, printed, true)
	}
	return d
}

var limitBuiltins = sizeBuiltins()

// execFile parses, bounds and runs one cookbook file on thread.
func execFile(thread *starlark.Thread, file string, src []byte, pre starlark.StringDict) (starlark.StringDict, error) {
	f, err := fileOptions.Parse(file, src, 0)
	if err != nil {
		return nil, err
	}
	rewriteStmts(f.Stmts)
	env := make(starlark.StringDict, len(pre)+len(limitBuiltins))
	for k, v := range pre {
		env[k] = v
	}
	for k, v := range limitBuiltins {
		if _, ok := env[k]; !ok {
			env[k] = v
		}
	}
	prog, err := starlark.FileProgram(f, env.Has)
	if err != nil {
		return nil, err
	}
	g, err := prog.Init(thread, env)
	g.Freeze()
	return g, err
}

// The rewrite: x * y becomes __cv_bin("*", x, y) (also + and %); x *= y
// becomes x *= __cv_aug("*", x, y); x.join becomes __cv_attr(x, "join")
// for the checked methods. Positions are the operator's, so errors name
// the line of the expression.

func rewriteStmts(stmts []syntax.Stmt) {
	for _, s := range stmts {
		rewriteStmt(s)
	}
}

func rewriteStmt(s syntax.Stmt) {
	switch s := s.(type) {
	case *syntax.AssignStmt:
		s.LHS = rewriteTarget(s.LHS)
		s.RHS = rewriteExpr(s.RHS)
		if op, ok := augOps[s.Op]; ok {
			if !clonable(s.LHS) {
				// the check reads the target once more; a target with a
				// comprehension or lambda cannot be copied for it
				s.RHS = hookCall("__cv_refuse", s.OpPos, syntax.End(s), strLit(op+"=", s.OpPos))
				break
			}
			s.RHS = hookCall("__cv_aug", s.OpPos, syntax.End(s), strLit(op, s.OpPos), cloneTarget(s.LHS), s.RHS)
		}
	case *syntax.ExprStmt:
		s.X = rewriteExpr(s.X)
	case *syntax.IfStmt:
		s.Cond = rewriteExpr(s.Cond)
		rewriteStmts(s.True)
		rewriteStmts(s.False)
	case *syntax.ForStmt:
		s.Vars = rewriteTarget(s.Vars)
		s.X = rewriteExpr(s.X)
		rewriteStmts(s.Body)
		s.Body = append([]syntax.Stmt{loopMark(s.For)}, s.Body...)
	case *syntax.WhileStmt:
		s.Cond = rewriteExpr(s.Cond)
		rewriteStmts(s.Body)
		s.Body = append([]syntax.Stmt{loopMark(s.While)}, s.Body...)
	case *syntax.DefStmt:
		rewriteParams(s.Params)
		rewriteStmts(s.Body)
	case *syntax.ReturnStmt:
		if s.Result != nil {
			s.Result = rewriteExpr(s.Result)
		}
	}
}

var augOps = map[syntax.Token]string{syntax.STAR_EQ: "*", syntax.PLUS_EQ: "+", syntax.PERCENT_EQ: "%"}
var binOps = map[syntax.Token]string{syntax.STAR: "*", syntax.PLUS: "+", syntax.PERCENT: "%"}

func rewriteParams(params []syntax.Expr) {
	for _, p := range params {
		if b, ok := p.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
			b.Y = rewriteExpr(b.Y)
		}
	}
}

// rewriteTarget rewrites the expressions inside an assignment target
// (indexes, the object of x.f = ...) but not the target itself.
func rewriteTarget(e syntax.Expr) syntax.Expr {
	switch x := e.(type) {
	case *syntax.IndexExpr:
		x.X = rewriteExpr(x.X)
		x.Y = rewriteExpr(x.Y)
	case *syntax.DotExpr:
		x.X = rewriteExpr(x.X)
	case *syntax.TupleExpr:
		for i := range x.List {
			x.List[i] = rewriteTarget(x.List[i])
		}
	case *syntax.ListExpr:
		for i := range x.List {
			x.List[i] = rewriteTarget(x.List[i])
		}
	case *syntax.ParenExpr:
		x.X = rewriteTarget(x.X)
	}
	return e
}

// clonable reports whether cloneExpr can copy every node of e: names,
// literals, indexes, attributes and calls of them, as augmented assignment
// targets are written. (Comprehensions and lambdas declare names of their
// own and are not copied; such a target is left unchecked.)
func clonable(e syntax.Expr) bool {
	ok := true
	syntax.Walk(e, func(n syntax.Node) bool {
		switch n.(type) {
		case *syntax.Comprehension, *syntax.LambdaExpr:
			ok = false
		}
		return ok
	})
	return ok
}

// cloneTarget copies an assignment target as an expression that reads it.
func cloneTarget(e syntax.Expr) syntax.Expr {
	switch x := e.(type) {
	case *syntax.Ident:
		return &syntax.Ident{NamePos: x.NamePos, Name: x.Name}
	case *syntax.IndexExpr:
		return &syntax.IndexExpr{X: cloneExpr(x.X), Lbrack: x.Lbrack, Y: cloneExpr(x.Y), Rbrack: x.Rbrack}
	case *syntax.DotExpr:
		return &syntax.DotExpr{X: cloneExpr(x.X), Dot: x.Dot, NamePos: x.NamePos, Name: &syntax.Ident{NamePos: x.Name.NamePos, Name: x.Name.Name}}
	case *syntax.ParenExpr:
		return &syntax.ParenExpr{Lparen: x.Lparen, X: cloneTarget(x.X), Rparen: x.Rparen}
	}
	return e
}

// cloneExpr copies an already rewritten expression; the resolver binds
// each Ident node once, so a node must not appear twice in the tree.
func cloneExpr(e syntax.Expr) syntax.Expr {
	switch x := e.(type) {
	case *syntax.Ident:
		return &syntax.Ident{NamePos: x.NamePos, Name: x.Name}
	case *syntax.Literal:
		c := *x
		return &c
	case *syntax.IndexExpr, *syntax.DotExpr:
		return cloneTarget(x)
	case *syntax.ParenExpr:
		return &syntax.ParenExpr{Lparen: x.Lparen, X: cloneExpr(x.X), Rparen: x.Rparen}
	case *syntax.UnaryExpr:
		c := *x
		if x.X != nil {
			c.X = cloneExpr(x.X)
		}
		return &c
	case *syntax.BinaryExpr:
		c := *x
		c.X, c.Y = cloneExpr(x.X), cloneExpr(x.Y)
		return &c
	case *syntax.CallExpr:
		c := *x
		c.Fn = cloneExpr(x.Fn)
		c.Args = make([]syntax.Expr, len(x.Args))
		for i, a := range x.Args {
			c.Args[i] = cloneExpr(a)
		}
		return &c
	case *syntax.TupleExpr:
		c := *x
		c.List = cloneList(x.List)
		return &c
	case *syntax.ListExpr:
		c := *x
		c.List = cloneList(x.List)
		return &c
	case *syntax.DictExpr:
		c := *x
		c.List = cloneList(x.List)
		return &c
	case *syntax.DictEntry:
		return &syntax.DictEntry{Key: cloneExpr(x.Key), Colon: x.Colon, Value: cloneExpr(x.Value)}
	case *syntax.CondExpr:
		c := *x
		c.Cond, c.True, c.False = cloneExpr(x.Cond), cloneExpr(x.True), cloneExpr(x.False)
		return &c
	case *syntax.SliceExpr:
		c := *x
		c.X = cloneExpr(x.X)
		if x.Lo != nil {
			c.Lo = cloneExpr(x.Lo)
		}
		if x.Hi != nil {
			c.Hi = cloneExpr(x.Hi)
		}
		if x.Step != nil {
			c.Step = cloneExpr(x.Step)
		}
		return &c
	}
	return e // not reached for a clonable expression
}

func cloneList(l []syntax.Expr) []syntax.Expr {
	out := make([]syntax.Expr, len(l))
	for i, e := range l {
		out[i] = cloneExpr(e)
	}
	return out
}

func rewriteExpr(e syntax.Expr) syntax.Expr {
	switch x := e.(type) {
	case *syntax.BinaryExpr:
		x.X = rewriteExpr(x.X)
		x.Y = rewriteExpr(x.Y)
		if op, ok := binOps[x.Op]; ok {
			return hookCall("__cv_bin", x.OpPos, syntax.End(x), strLit(op, x.OpPos), x.X, x.Y)
		}
	case *syntax.UnaryExpr:
		if x.X != nil {
			x.X = rewriteExpr(x.X)
		}
	case *syntax.ParenExpr:
		x.X = rewriteExpr(x.X)
	case *syntax.CallExpr:
		x.Fn = rewriteExpr(x.Fn)
		for i, a := range x.Args {
			if b, ok := a.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
				b.Y = rewriteExpr(b.Y) // keyword argument
				continue
			}
			x.Args[i] = rewriteExpr(a)
		}
	case *syntax.DotExpr:
		x.X = rewriteExpr(x.X)
		if checkedMethods[x.Name.Name] {
			return hookCall("__cv_attr", x.Dot, syntax.End(x), x.X, strLit(x.Name.Name, x.NamePos))
		}
	case *syntax.IndexExpr:
		x.X = rewriteExpr(x.X)
		x.Y = rewriteExpr(x.Y)
	case *syntax.SliceExpr:
		x.X = rewriteExpr(x.X)
		if x.Lo != nil {
			x.Lo = rewriteExpr(x.Lo)
		}
		if x.Hi != nil {
			x.Hi = rewriteExpr(x.Hi)
		}
		if x.Step != nil {
			x.Step = rewriteExpr(x.Step)
		}
	case *syntax.ListExpr:
		rewriteList(x.List)
	case *syntax.TupleExpr:
		rewriteList(x.List)
	case *syntax.DictExpr:
		rewriteList(x.List)
	case *syntax.DictEntry:
		x.Key = rewriteExpr(x.Key)
		x.Value = rewriteExpr(x.Value)
	case *syntax.CondExpr:
		x.Cond = rewriteExpr(x.Cond)
		x.True = rewriteExpr(x.True)
		x.False = rewriteExpr(x.False)
	case *syntax.LambdaExpr:
		rewriteParams(x.Params)
		x.Body = rewriteExpr(x.Body)
	case *syntax.Comprehension:
		x.Body = rewriteExpr(x.Body)
		var clauses []syntax.Node
		for _, c := range x.Clauses {
			clauses = append(clauses, c)
			switch c := c.(type) {
			case *syntax.ForClause:
				c.Vars = rewriteTarget(c.Vars)
				c.X = rewriteExpr(c.X)
				// if __cv_loop(): the comprehension's loop mark
				clauses = append(clauses, &syntax.IfClause{If: c.For, Cond: hookCall("__cv_loop", c.For, c.For)})
			case *syntax.IfClause:
				c.Cond = rewriteExpr(c.Cond)
			}
		}
		x.Clauses = clauses
	}
	return e
}

func rewriteList(l []syntax.Expr) {
	for i, e := range l {
		l[i] = rewriteExpr(e)
	}
}

// loopMark is a call at the top of a loop body: a loop of statements
// that carry no position (pass, x = y) stops at the loop's own line.
func loopMark(pos syntax.Position) syntax.Stmt {
	return &syntax.ExprStmt{X: hookCall("__cv_loop", pos, pos)}
}

func strLit(s string, pos syntax.Position) *syntax.Literal {
	return &syntax.Literal{Token: syntax.STRING, TokenPos: pos, Raw: fmt.Sprintf("%q", s), Value: s}
}

func hookCall(name string, pos, end syntax.Position, args ...syntax.Expr) *syntax.CallExpr {
	return &syntax.CallExpr{Fn: &syntax.Ident{NamePos: pos, Name: name}, Lparen: pos, Args: args, Rparen: end}
}
