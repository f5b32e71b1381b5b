// Package shell builds POSIX shell text from untrusted values.
//
// Every value converge interpolates into a command that runs on a node goes
// through Quote, so no recipe value can inject shell syntax: a package name
// of "x; rm -rf /" reaches the package manager as one odd argument.
package shell
