// Package resources holds converge's resource kinds, one per file, each
// registered with engine.Register in init(). The Starlark builtin of a kind
// is generated from the fields of its struct that carry a `prop` tag; the
// `doc` tag is the property's one-sentence reference.
//
// Every resource follows the engine's contract: Probes are read-only, Check
// compares in memory, Apply runs only the difference, and every value that
// reaches a shell goes through engine/shell.Quote.
package resources
