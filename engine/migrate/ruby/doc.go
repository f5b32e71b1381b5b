// Package ruby reads the subset of Ruby that Chef cookbooks are written in:
// recipes, attribute files, metadata.rb and the code inside ERB tags. It is
// the reader half of `converge migrate`, separate from the Starlark writer
// in package migrate the way go.starlark.net keeps its syntax package apart
// from the interpreter.
//
// It is not a Ruby parser. It knows enough to find where every statement
// starts and ends, to read the constructs converge can translate (calls with
// and without parentheses, blocks, hashes, string interpolation, heredocs,
// %w/%i literals, if/unless/case/for, assignments, ternaries, ranges), and
// to hand everything else back as an OpaqueExpr (def, class, begin/rescue,
// while, lambdas) or a BadExpr (what it could not read), which the writer
// turns into a TODO. It never panics on any input: a statement it cannot
// read is skipped to its end and returned as a BadExpr.
//
// Lex splits source into Tokens (and the Comments, which the writer carries
// into its output); Parse reads a whole file into Stmts. NewParser reads a
// fragment at a time, for ERB tags whose statements span several tags.
//
// The tree is small on purpose: one struct per construct, every node knows
// its first line (ExprLine), and a Stmt knows the lines and byte offsets it
// spans so that the original Ruby can be quoted next to a TODO.
package ruby
