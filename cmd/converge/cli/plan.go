package cli

import (
	"github.com/spf13/cobra"
)

// NewCmdPlan is `converge plan`: a dry run with diffs.
func NewCmdPlan(io *IO) *cobra.Command {
	opts := &RunOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "plan [-r RUN_LIST] [NODE... | --nodes EXPR] | plan -r RUN_LIST --facts FACTS.json [NODE... | --nodes EXPR]",
		Short: "Show what converge would change, with diffs, changing nothing",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Nodes = args
			opts.DryRun = true
			return convergeRun(cmd.Context(), opts)
		},
	}
	opts.addFlags(cmd, true)
	cmd.Flags().StringVar(&opts.FactsFile, "facts", "", "plan offline against recorded facts (the JSON `converge facts` prints) for a fresh node: no connection; shows the commands each change would run")
	return cmd
}
