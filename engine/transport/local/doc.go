// Package local is the transport for `converge --local`: commands run on the
// machine converge runs on, through /bin/sh, with no SSH.
package local
