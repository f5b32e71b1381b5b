package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/converge-cm/converge/engine/migrate"
)

// MigrateOptions are the flags of `converge migrate`.
type MigrateOptions struct {
	IO  *IO
	Out string
}

// NewCmdMigrate is `converge migrate`: Chef cookbooks to converge cookbooks.
func NewCmdMigrate(io *IO) *cobra.Command {
	opts := &MigrateOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "migrate CHEF_COOKBOOK_DIR... -o OUT_DIR",
		Short: "Translate Chef cookbooks (or a chef-repo) to converge cookbooks",
		Long: `migrate reads Chef cookbooks (metadata.rb, attributes/*.rb, recipes/*.rb,
templates/**.erb, files/**) or a chef-repo (cookbooks/, nodes/, roles/,
data_bags/, environments/) and writes converge cookbooks, node, role, data
bag and environment files to OUT_DIR, with MIGRATION.md
listing every construct it could not translate (file:line and why) and a
# TODO(migrate) at that place in the output.
Chef encrypted data bag items are not copied: MIGRATION.md lists them
with how to re-encrypt them as data_bags/BAG/ITEM.age.

Exit status: 0 when everything translated, 3 when something needs a hand,
2 when the input could not be read.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Out == "" {
				return usageErr("give the output directory with -o OUT_DIR")
			}
			rep, err := migrate.Migrate(args, opts.Out)
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			for _, w := range rep.Warnings {
				fmt.Fprintf(io.Err, "warning: %s\n", w)
			}
			fmt.Fprintf(io.Out, "migrated %d cookbook(s), %d node(s), %d role(s), %d data bag(s), %d environment(s) into %s\n",
				len(rep.Cookbooks), len(rep.Nodes), len(rep.Roles), len(rep.DataBags), len(rep.Environments), opts.Out)
			if rep.Complete() {
				fmt.Fprintln(io.Out, "everything translated")
				return nil
			}
			for _, t := range rep.Todos {
				fmt.Fprintf(io.Out, "TODO %s:%d: %s: %s\n", t.File, t.Line, t.Construct, t.Why)
			}
			return &exitError{code: ExitMigrate, err: fmt.Errorf("%d construct(s) need a hand: see %s/MIGRATION.md", len(rep.Todos), opts.Out)}
		},
	}
	cmd.Flags().StringVarP(&opts.Out, "output", "o", "", "directory to write the converge cookbooks to")
	return cmd
}
