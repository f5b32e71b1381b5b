package cli

import (
	"os"
	"testing"
)

// asCLI, set in the environment, makes the test binary run converge's CLI
// instead of the tests: tests that need converge as a process of its own
// (to send it signals) start os.Args[0] with it. main.go is no more than
// os.Exit(cli.Main(...)), so this is the converge binary.
const asCLI = "CONVERGE_TEST_RUN_AS_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(asCLI) == "1" {
		os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
