// Package render renders converge templates: Go text/template files whose
// data is the template resource's variables at the top level plus .node
// (merged attributes and facts).
//
// Templates render on the control machine; nodes only receive bytes.
// A key the template reads but the data lacks is an error, not "<no value>".
package render
