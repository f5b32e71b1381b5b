// Package render renders converge templates: Go text/template files whose
// data is the template resource's variables at the top level plus .node
// (merged attributes and facts).
//
// Templates render on the control machine; nodes only receive bytes.
// A key the template reads but the data lacks is an error, not "<no value>".
//
// Data stays plain Go maps, so that .node.x.y and range work as
// text/template has them (range over a map is in sorted key order).
// RenderOrdered takes the key order of those maps beside them, a
// keyorder.Table, and makes it the order the rb_ functions walk (Ruby's
// insertion order: attributes as Chef merges them, variables as the
// recipe's dict writes them); it binds rb_hash to a Table of the render,
// so a hash the template writes keeps its order for that render only.
package render
