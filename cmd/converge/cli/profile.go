package cli

import (
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// addProfileFlag adds the hidden --cpuprofile FILE flag, for measuring
// where converge spends its CPU (issue 6). The returned func ends the
// profile; Main calls it after the command, whatever its outcome.
func addProfileFlag(cmd *cobra.Command) (stop func()) {
	var path string
	var f *os.File
	cmd.PersistentFlags().StringVar(&path, "cpuprofile", "", "write a Go CPU profile to FILE")
	_ = cmd.PersistentFlags().MarkHidden("cpuprofile")
	cmd.PersistentPreRunE = func(*cobra.Command, []string) error {
		if path == "" {
			return nil
		}
		var err error
		if f, err = os.Create(path); err != nil {
			return usageErr("--cpuprofile: %v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return usageErr("--cpuprofile: %v", err)
		}
		return nil
	}
	return func() {
		if f == nil {
			return
		}
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "converge: --cpuprofile:", err)
		}
	}
}
