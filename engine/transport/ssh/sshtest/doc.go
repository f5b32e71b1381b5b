// Package sshtest starts a real OpenSSH server for tests: Debian's
// /usr/sbin/sshd on loopback addresses, with a fresh ed25519 host key and a
// fresh client key it authorises, all in the test's temporary directory.
//
// It promises that the server accepts connections when Start returns, that
// it lets Server.User in with the key at Server.ClientKeyPath, and that it
// is stopped when the test ends. Without sshd, tests that use it are
// skipped, or fail when CONVERGE_E2E=1 so that CI cannot pass vacuously.
package sshtest
