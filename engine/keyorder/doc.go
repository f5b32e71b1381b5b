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
// What reads the order asks Keys, which searches the Tables in use (see
// Use): attribute views of recipes and the rb_ template functions call it
// without a Table being passed down to them. A map no Table knows walks in
// sorted key order, so data of unknown order (facts, plain Go values)
// stays deterministic. Keys added to a map after its order was recorded
// follow the recorded ones, sorted; keys deleted are skipped.
//
// Decode reads JSON as encoding/json does with UseNumber and records
// every object's key order: node files, roles, environments, -j and data
// bags keep the order they are written in.
package keyorder
