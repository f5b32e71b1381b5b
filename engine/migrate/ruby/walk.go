package ruby

// Inspect walks x depth-first, as go/ast.Inspect does: it calls f(x) and,
// when f returns true, walks each expression x holds — receivers,
// arguments, blocks, interpolations, operands, elements, conditions,
// bodies, assignment targets and values — in source order. A method
// definition's body is another scope and is not walked.
func Inspect(x Expr, f func(Expr) bool) {
	if x == nil || !f(x) {
		return
	}
	all := func(xs []Expr) {
		for _, e := range xs {
			Inspect(e, f)
		}
	}
	parts := func(ps []StrElem) {
		for _, p := range ps {
			if p.IsCode {
				Inspect(p.X, f)
			}
		}
	}
	switch v := x.(type) {
	case *StrLit:
		parts(v.Parts)
	case *XStrExpr:
		parts(v.Parts)
	case *RegexExpr:
		parts(v.Parts)
	case *ArrayLit:
		all(v.Elems)
	case *HashLit:
		for i := range v.Keys {
			Inspect(v.Keys[i], f)
			Inspect(v.Vals[i], f)
		}
	case *CallExpr:
		Inspect(v.Recv, f)
		all(v.Args)
		if v.Block != nil {
			InspectStmts(v.Block.Body, f)
		}
	case *IndexExpr:
		Inspect(v.Recv, f)
		all(v.Args)
	case *BinaryExpr:
		Inspect(v.L, f)
		Inspect(v.R, f)
	case *UnaryExpr:
		Inspect(v.X, f)
	case *TernaryExpr:
		Inspect(v.Cond, f)
		Inspect(v.Yes, f)
		Inspect(v.No, f)
	case *RangeExpr:
		Inspect(v.Lo, f)
		Inspect(v.Hi, f)
	case *IfExpr:
		for i, c := range v.Conds {
			Inspect(c, f)
			if i < len(v.Bodies) {
				InspectStmts(v.Bodies[i], f)
			}
		}
		InspectStmts(v.Else, f)
	case *CaseExpr:
		Inspect(v.Subject, f)
		for i, w := range v.Whens {
			all(w)
			if i < len(v.Bodies) {
				InspectStmts(v.Bodies[i], f)
			}
		}
		InspectStmts(v.Else, f)
	case *ForExpr:
		Inspect(v.Iter, f)
		InspectStmts(v.Body, f)
	case *AssignExpr:
		Inspect(v.Target, f)
		Inspect(v.Value, f)
	case *JumpExpr:
		Inspect(v.Val, f)
	}
}

// InspectStmts is Inspect for each statement of stmts.
func InspectStmts(stmts []*Stmt, f func(Expr) bool) {
	for _, s := range stmts {
		Inspect(s.X, f)
	}
}
