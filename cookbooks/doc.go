// Package cookbooks holds converge's bundled cookbooks (pm_corosync, the
// showcase) and their end-to-end tests, which build real Pacemaker clusters
// on `converge lab` nodes.
package cookbooks
