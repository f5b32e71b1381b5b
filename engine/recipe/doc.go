// Package recipe compiles converge cookbooks: Starlark recipes, attribute
// files, metadata and load() of libraries, into one node's resource
// collection.
//
// The dialect is go.starlark.net with top-level if/for, while, sets and
// global reassignment. No I/O, clock or randomness is reachable: a recipe
// sees only the node, the cluster and the builtins, so compiling is
// deterministic and touches no node. Resource builtins are generated from
// the tagged fields of each registered resource kind; every resource
// records the file:line that declared it, and every error about a recipe
// names that place.
package recipe
