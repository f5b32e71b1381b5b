// Command converge is an agentless configuration-management tool: Starlark
// recipes converged on nodes over SSH.
package main

import (
	"os"

	"github.com/converge-cm/converge/cmd/converge/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
