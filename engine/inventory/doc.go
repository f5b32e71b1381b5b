// Package inventory reads a repository's inventory (the nodes/NAME.json
// files) and selects nodes of it by expression, as `converge --nodes EXPR`
// and `converge nodes EXPR` do.
//
// # Node files
//
// ParseFile and ReadDir read node files for the command line (whom to
// reach, with which run list and normal attributes) and for search() in
// recipes (every attribute level), so both see one node the same way.
// Numbers are exact: a whole number is an int64 (a port 8080 prints as
// 8080 and equals 8080 in a search query), any other a float64, and an
// integer int64 cannot hold is an error rather than rounded. A field of
// the wrong type is an error naming the file and the field.
//
// # Expressions
//
// An expression is one or more alternatives separated by "|" (OR); an
// alternative is one or more terms separated by "," (AND); a term is a
// selector, negated by a leading "!" (NOT). AND binds tighter than OR, and
// there are no parentheses: every selection can be written this way.
//
//	web*                  name glob (path.Match: *, ?, [a-z])
//	name:web*             the same, spelled out (for a name with a ":")
//	role:web              the run list holds role[web], directly or through a role it holds (roles/NAME.json)
//	env:prod              chef_environment is prod (a node without one is in _default)
//	tag:db                the node's tags list holds db
//	role:web,!tag:canary  web nodes that are not canaries
//	role:web,env:prod|role:db   (web AND prod) OR db
//
// Every value is a glob, so role:pm_* and env:prod-* work. Blanks around
// "|", "," and "!" are ignored; a blank inside a term is an error, so a
// forgotten "," is not taken for something else. An expression that
// selects no node is an error naming it, and the selectors that match no
// node at all.
package inventory
