// Package labtest starts converge lab nodes for end-to-end tests: each test
// gets a lab of its own (state directory, bridge, subnet), so that tests
// and a lab someone runs on the machine never share a node, and the lab is
// taken down when the test ends.
//
// Lab tests need root and systemd-nspawn. Without them they skip, and with
// CONVERGE_E2E=1 (CI) they fail instead, so that a suite cannot pass by
// skipping silently.
package labtest
