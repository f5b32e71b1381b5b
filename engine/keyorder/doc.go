// Package keyorder records the insertion order of the map[string]any
// values that hold converge's data (attributes, template variables,
// resource properties), so that what walks a hash walks it as Ruby does:
// a key where it was first set.
//
// converge keeps data as plain Go maps: text/template reads .node.x.y from
// them, plans and JSON output marshal them, and content hashes are stable
// because encoding/json sorts their keys. A Table keeps, next to them, the
// key order of each map it was told about, by the map's identity
// (reflect.ValueOf(m).UnsafePointer()). The Table holds each map it
// records, so an identity cannot be reused by another map while the Table
// is alive; one Table lives for one node's compile.
//
// Code that holds the Table asks it (Table.Keys: engine/recipe's merges
// and attribute views). Code handed only the maps, the rb_ template
// functions, asks the package's Keys, which searches the Tables in use:
// engine/render puts the compile's Table in use (Use) for the one render.
// A map no Table knows walks in sorted key order, so data of unknown
// order (facts, plain Go values) stays deterministic. Keys added to a map
// after its order was recorded follow the recorded ones, sorted; keys
// deleted are skipped.
//
// Nothing else changes: plans, diffs and JSON output marshal the same
// maps (encoding/json sorts their keys), so content hashes stay as they
// were.
//
// Decode reads JSON as encoding/json does with UseNumber and records
// every object's key order: node files, roles, environments, -j and data
// bags keep the order they are written in.
package keyorder
