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
//
// Attribute files see default, override, normal, force_default and
// force_override, and node merges what they have set so far over the
// earlier files' in Chef's order.
//
// Hashes keep Ruby's insertion order (engine/keyorder): merged attributes
// iterate as Chef's do, a key where it first appears walking the levels
// lowest first (deepMerge is Ruby's Hash#merge, nested hashes alike);
// attribute files in assignment order, node, role, environment, -j and
// data bag JSON as written, Starlark dicts given as data (variables,
// properties) in dict order. `for k in node[...]`, keys, items, values and
// rb_to_s walk that order, and so do templates (Compile gives its Table
// to Prepare as PrepareContext.KeyOrder). The facts, search results and
// str() of a view (JSON) stay in sorted key order.
//
// Recipes share run_state, a dict (Chef's
// node.run_state). todo("...") is the marker converge migrate leaves
// where it could not translate something: Compile refuses cookbooks that
// hold one (or a template's {{/* TODO(migrate) */}}) unless
// Input.AllowTodo, where todo() is an inert value: false, empty, ""
// in strings, and a property given it is unset (todo.go).
// rb_to_s(x) writes x as Ruby's to_s does (None as "", True as "true", a
// dict as Hash#inspect): migrate's translation of "#{x}" (rbtos.go).
// rb_chomp(s, sep) is Ruby's s.chomp(sep) ("\n" drops "\r\n", "\n" or
// "\r"; "" every trailing line break), for a computed separator.
// rb_tr(s, from, to) is Ruby's s.tr(from, to): character ranges (a-z),
// a leading ^ negating from, to's last character repeated, "" deleting.
// rb_split(s, sep) is Ruby's s.split(sep): no empty fields at the end,
// so "" splits into [] where Starlark's "".split(",") gives [""].
// rb_format(f, ...) is Ruby's format(f, ...), with the flags, widths and
// conversions ("%-10s", "%05d", "%.2f", "%b") Starlark's % lacks.
//
// A custom resource's functions receive r (customres.go): its properties
// as fields. property_is_set(r, "x") is whether the caller gave x, not its
// default (Chef's property_is_set?). An action receives its own copy of r
// and may set its properties (r.x = v, type-checked), which the rest of
// the action and the functions it passes r to read (Chef's
// new_resource.x = v); the desired state and other actions keep the
// caller's values.
//
// Team data is read from the repository root (Repo.Root) on the control
// machine: secret("NAME") opens secrets/NAME.age (secret.go);
// data_bag("BAG") lists data_bags/BAG/ and data_bag_item("BAG", "ITEM")
// reads ITEM.json, or ITEM.age whose values are secrets of the run
// (databag.go). Input.Environment names environments/NAME.json, Chef's
// format: its default attributes rank between the attribute files' and a
// role's, its overrides above a role's, and its cookbook_versions are
// checked against the version of each cookbook the run uses before
// anything compiles (environment.go); node.chef_environment reads it.
// search("node", QUERY) is Chef's search over nodes/*.json and the nodes
// of the run (with their facts); search("BAG", QUERY) over a data bag's
// items. QUERY is Chef's Lucene subset (query.go); it is answered at
// compile time and reads no node (search.go).
//
// rolling_hooks(before = CMD, after = CMD, timeout = SECONDS) sets the
// collection's engine.Hooks, once per run (hooks.go).
package recipe
