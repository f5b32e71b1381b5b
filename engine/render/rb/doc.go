// Package rb holds the rb_ template functions that give templates
// translated from Chef's ERB (engine/migrate) Ruby's meaning: Ruby's
// truthiness (only nil and false are false), Ruby's to_s of numbers,
// arrays and hashes (an Integer prints as 8080, a Float as Ruby's
// Float#to_s prints it: 1.5, 100.0, 1.0e+16), Ruby's comparisons across
// types, Kernel#format, and the String, Array and Hash methods real
// templates call.
//
// Values are the ones engine/render passes: nil, bool, int64 (or any Go
// integer), float64, json.Number, string, []any and map[string]any.
//
// Ruby hashes keep insertion order; Go maps do not, so the order travels
// beside them (engine/keyorder): wherever a function walks a map
// (rb_each, rb_keys, rb_values, rb_to_s and rb_inspect of a hash,
// rb_flatten, rb_array, and what builds on rb_each: rb_sort_by's ties,
// the blocks of map, select and reject) it walks the keys in the order a
// keyorder.Table in use records, Ruby's insertion order, and in sorted
// order for a map no Table knows (facts, plain Go values), so output is
// always deterministic. rb_hash, a Hash literal, records the order its
// pairs are written in, in the Table Bind is given for the render.
//
// The lookup goes through keyorder.Keys, which searches the Tables in use
// (engine/render uses the compile's for one render), rather than a Table
// bound into every function: the functions call each other (rb_join calls
// rb_to_s, which inspects nested hashes, rb_sort_by walks with rb_each),
// and binding them all per render would thread a Table through each.
// Only rb_hash, which makes maps, is bound per render.
//
// The package needs no Ruby: its tests are tables of Go values and what
// Ruby prints for them. engine/render registers Funcs for every template.
package rb
