// Package migrate translates Chef cookbooks into converge cookbooks: the
// engine of `converge migrate`.
//
// It reads, without running any Ruby:
//
//   - recipes and attribute files, through a small reader for the subset of
//     Ruby that Chef's DSL uses (package ruby), written out as Starlark by
//     an emitter split by construct (starlark.go: statements and TODOs;
//     resources.go, expressions.go, control.go, assign.go, attributes.go):
//     resource blocks and their properties,
//     notifies/subscribes, guards, case/if/unless on the platform, loops
//     over literal lists, string interpolation (with Ruby's to_s where the
//     value may not be a string or an integer, rubystr.go), node
//     attributes; an if on the node's files (File.exist? ...) around
//     resources becomes a guard of each of them, tested on the node
//     (control.go); begin/rescue is its body with a note, converge having
//     no exceptions, except around a data bag read, which tests for the
//     bag (data_bag_exists) and runs the handler when it is missing;
//   - metadata.rb (or metadata.json): name, version, description, depends
//     (Chef's "~> 1.2" becomes ">= 1.2, < 2.0"), supports;
//   - ERB templates (erb_scan.go splits them as Erubis does, erb.go
//     translates), as Go text/template files for engine/render, keeping
//     their specificity folders (default/, ubuntu/, centos-7.1.1503/,
//     host-…/); Ruby's values and methods come from engine/render/rb, and
//     a map, select, reject or sort_by block becomes a loop before the
//     action that uses it;
//   - libraries/*.rb (library.go): a module method that computes a value
//     from its parameters, node and other such methods (locals, if/case,
//     a final value or return) becomes a Starlark function in
//     libraries/NAME.star, and a recipe or attributes file that calls it
//     (as a DSL method, or Module.name(...) for def self.name) loads it;
//     Chef::DSL::Recipe.send(:include, ...), require and include of a
//     mixin are dropped; every other method or statement is a TODO marker
//     in that file;
//   - a chef-repo's nodes/*.json and roles/*.json, its data_bags/BAG/*.json
//     (each item validated, its id checked) and environments (*.json, and
//     *.rb in the usual DSL of literal values, as JSON), teamdata.go; a
//     Chef encrypted data bag item is not copied but listed in
//     MIGRATION.md with how to re-encrypt it with age, and data_bag_item()
//     reads it again once it is data_bags/BAG/ITEM.age;
//   - custom resources (resources/*.rb), LWRPs (resources/x.rb with
//     providers/x.rb) and definitions (definitions/*.rb), each written as a
//     converge custom resource, resources/STEM.star (custom.go scans their
//     names and properties before any recipe is translated, so a recipe's
//     block of such a kind translates like a built-in resource; kindfile.go
//     writes the kind): property/attribute with their types (a list of
//     several is a tuple, (bool, list); NilClass adds None, an explicit nil
//     being a value then) and options (default: lazy { ... } a function of
//     r, coerce: proc { |v| ... } and callbacks: lambdas functions of the
//     value, a longer block a def returning from each branch of a trailing
//     if/case; one converge cannot translate leaves the property declared
//     without it and a TODO), `use 'partial'` (the partial's lines read in
//     place; resources/_*.rb is no kind), the cookbook's library helpers
//     (loaded at the top), default_action, action :x do ... end as
//     action_x(r) with new_resource.x (sensitive, ignore_failure, retries,
//     retry_delay too), a bare property and params[:x] read as r.x,
//     converge_if_changed (the action runs when load_current differs,
//     run_when "changed"; an action without it runs every time, "always",
//     as in Chef), load_current_value and an LWRP's load_current_resource
//     as probes(r) and load_current(r, out) when they read shell_out and
//     ::File.exist?/read, action_class methods as functions of r (and
//     so the methods of the library modules a kind includes that its
//     actions reach, or load()ed from libraries/ when they are plain
//     functions: kindmixin.go), actions declared in a loop over literal
//     names (%i(start stop).each { |a| action a do ... end }, or
//     send(:action, a)) as one action each with the loop variable bound,
//     property_is_set?(:x) as property_is_set(r, "x") and
//     new_resource.x = v as r.x = v (the action's r), provides' other
//     names (aliases recipes call), deprecated_property_alias (recipes set
//     the new name), action_class.class_eval as action_class,
//     unified_mode (also under `if respond_to?(:unified_mode)`),
//     use_inline_resources, allowed_actions and require (nothing to do). A definition
//     whose body uses params whole (params.each, {...}.merge(params),
//     params.fetch(:x, d)) starts its action with params, the dict of the
//     parameters Chef's Hash holds: the defaults of define, those the call
//     gives (the keys it tests, fetches or merges params into and those a
//     call in the run sets are properties) and the name; a body that
//     sets elements of it (params[:x] ||= v) reads every params[:x] from
//     it. A kind's template and cookbook_file take their source from the
//     calling recipe's cookbook, as Chef's (it expands a definition there
//     and runs a custom resource's actions with the caller's
//     cookbook_name): cookbook=r.cookbook_name (resources.go), unless the
//     kind's own cookbook ships that source or the body names a cookbook;
//     a computed source (a property, a helper's value) is renamed as the
//     template files are, rb_to_s(x).removesuffix(".erb") + ".tmpl", and
//     looked up in the caller's cookbook unless the body names one.
//     A kind whose Chef name does not start with its cookbook's, or is a
//     built-in kind's (the cron cookbook's cron_d), is renamed
//     cookbook_NAME, in the recipes and notifications migrated with it
//     (kindnames.go);
//   - the test cookbooks a cookbook ships (test/cookbooks/*,
//     test/fixtures/cookbooks/*), migrated beside it. When two cookbooks
//     given ship test cookbooks of one name ("test"), the main
//     cookbook's keeps it and the others' are renamed after their
//     cookbook, line_test (testnames.go).
//
// Chef's search(:node, "q") and search(:BAG, "q") become converge's
// search("node", q) builtin (search.go); search(...) do |n| ... end is a
// for loop, and a result, a dict, is read by key: n['ipaddress'] and the
// method-style n.name, n.fqdn alike; filter_result: {...} is a list
// comprehension of dicts. Other search options (rows, start) are a TODO.
//
// The reader desugars &:name into the block { |it| it.name }. A hash's
// element read as a condition or left of || (opts['k'] || 'dflt') is read
// with .get, since Ruby's [] gives nil for a missing key. A node[...] path
// the cookbook always sets (at the top level of an attributes file or
// recipe, or in every branch of an if/case with an else; or in the repo's
// nodes/roles JSON), or one a cookbook it depends on (at any depth, in the
// same migration) always sets, stays plain indexing, a missing one
// converge's error; one set only under a condition or loop, by a cookbook
// of the migration it does not depend on, or never, is read with .get
// (.get(k, {}) through nested levels; index in a template), None as
// Chef's nil (knownattrs.go). MIGRATION.md notes the ones no cookbook of
// the migration sets. In an attributes file, a path not always set before
// the statement (by the file's earlier statements, an attributes file
// loaded before it or a dependency) is read with .get too: Ruby reads
// default['a']['b'] = node['a']['c'] as nil while nothing set node['a'].
//
// A return at the top of a recipe (return 'msg' unless c, return if c,
// an if ending in return) nests the rest of the recipe under the negated
// condition. Block parameters that destructure, |(k, v), i|, unpack in the
// for loop (for i, (k, v) in enumerate(h.items()));
// recv.each_with_object(init) { |x, memo| } is memo = init and a loop.
// rpm_package, dpkg_package and the other Chef package kinds are package
// (source= a package file on the node), and a notification naming
// rpm_package[x] names package[x]. A template's @var is read strictly only
// when every template resource that may render that template passes it (a
// computed source may render any, or any ending in its literal suffix),
// with index (nil) otherwise; <% end if c %> makes the whole block
// conditional. In an attributes file, X.tap do |d| ... end on an attribute
// level (default.app, default['app']) is d = X and the block, and a local
// bound to a level or subtree sets and reads its keys method-style or
// indexed: d.tls.port = 443 is d["tls"]["port"] = 443.
//
// What it promises: it never drops a construct silently and never panics on
// any input. A construct it cannot translate becomes a "# TODO(migrate)"
// comment at its place in the output (with the original Ruby quoted), a
// todo("file.rb:line: construct") marker (`if todo(...):` for a condition;
// a variable the statement set is bound to it) and a Todo in the Report
// (file, line, construct, why), which MIGRATION.md lists per cookbook with
// the resources translated. engine/recipe refuses a cookbook holding a
// todo() marker or a template's {{/* TODO(migrate) */}}, naming each
// file:line, unless --allow-todo (where todo() is false, empty and ""):
// a placeholder never changes behaviour silently.
//
// Attributes a recipe sets (node.default[...] = v, node.set, override,
// force_*) move to attributes/zz_recipe_NAME.star under the conditions around
// them, since converge sets attributes in attributes files; node.run_state
// is run_state. Chef's lazy {} in a resource block has no converge
// equivalent (resources take values, not callables, at compile time; a
// custom resource's lazy default is a function, above): a one-expression block is
// evaluated at compile time, which gives the same value since nothing a
// translated recipe runs changes node attributes or variables before
// converge time; any other lazy block is a TODO.
// A translated template renders byte-for-byte what Chef renders
// (Erubis::Eruby with its default trimming) for the same variables and
// node. Hashes walk in Ruby's insertion order (attributes as Chef merges
// them, variables as the recipe writes them, JSON as written; see
// engine/keyorder), with one documented exception: the facts (Ohai's
// automatic attributes) walk in sorted key order, so a walk (each,
// each_pair, keys, values, to_a, map) of a fact not sorted first is a note
// of MIGRATION.md's Warnings, with its file and line: not a TODO, since
// the template translates whole, but an output to check.
//
// Known limits: Ruby truthiness differs from Starlark's for 0, "" and
// empty collections; recipe conditions are translated as written
// (templates keep Ruby's truthiness through rb_truthy).
package migrate
