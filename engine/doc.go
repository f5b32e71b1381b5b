// Package engine holds converge's contracts and its run loop.
//
// A Resource declares desired state. Its check is split in two: Probes lists
// the read-only facts it needs about the node, and Check compares them with
// the desired state in memory. The engine gathers every probe of a node's
// resource collection in ONE remote script before converging the node, so a
// run that changes nothing costs one facts round trip and one probe round
// trip (SPEC §5.1). When a resource changes the node, the probes of later
// resources that could depend on it are taken again before they are checked.
//
// Apply runs only on a non-empty Diff; dry run is Check without Apply, so it
// cannot lie. Notifications follow Chef: immediately, delayed (de-duplicated,
// run at the end, also after a failure) and before.
//
// Files are named by phase: resource.go (contracts), registry.go, probe.go,
// converge.go (apply loop and notifications), report.go (events and output).
package engine
