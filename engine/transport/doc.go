// Package transport is how converge reaches a node: four verbs, Run, Put, Get
// and Close (Terraform's communicator, pyinfra's connectors).
//
// Implementations live in sub-packages: local (this machine, no SSH) and ssh
// (one connection per node for the whole run, sessions multiplexed on it).
// Put is atomic on every transport: the bytes go to a temporary file in the
// destination directory, which is renamed over the destination only once it
// is complete, so a node never sees a half-written file.
package transport
