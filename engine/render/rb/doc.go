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
// Ruby hashes keep insertion order; Go maps do not. Wherever a function
// walks a map (rb_each, rb_keys, rb_to_s of a hash, rb_sort_by ...) it
// walks it in sorted key order.
//
// The package needs no Ruby: its tests are tables of Go values and what
// Ruby prints for them. engine/render registers Funcs for every template.
package rb
