// Package cli is converge's command line: one cobra command per file, each
// an Options struct, a NewCmdX constructor and an xRun function (gh's
// layout). Main maps errors to exit codes: 0 converged, 1 a node failed or
// was unreachable, 2 a usage, recipe or cookbook error found before any
// node was changed, 3 migrate left something to do by hand.
package cli
