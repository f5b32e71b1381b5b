package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
)

// NewCmdFacts is `converge facts`: the facts of each node, as JSON.
func NewCmdFacts(io *IO) *cobra.Command {
	opts := &RunOptions{IO: io, Format: "text"}
	cmd := &cobra.Command{
		Use:   "facts NODE...",
		Short: "Print the facts gathered from nodes (JSON)",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Nodes = args
			if err := opts.validate(false); err != nil {
				return err
			}
			nodes, err := opts.prepare(cmd.Context())
			if err != nil {
				return err
			}
			defer closeAll(nodes)
			out := map[string]any{}
			failed := 0
			for _, n := range nodes {
				if n.err != nil {
					out[n.t.Name] = map[string]string{"error": n.err.Error()}
					failed++
					continue
				}
				out[n.t.Name] = n.facts
			}
			enc := json.NewEncoder(io.Out)
			enc.SetIndent("", "  ")
			if err := enc.Encode(out); err != nil {
				return err
			}
			if failed > 0 {
				return &exitError{code: ExitNodes, err: fmt.Errorf("%d of %d nodes failed", failed, len(nodes))}
			}
			return nil
		},
	}
	opts.addFlags(cmd, false)
	return cmd
}
