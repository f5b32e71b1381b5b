package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/converge-cm/converge/engine/share"
)

// CookbooksOptions are the flags of `converge cookbooks`.
type CookbooksOptions struct {
	IO *IO
	// Dir is the repository root: converge.yaml, converge.lock and
	// .converge/ live there.
	Dir string
	// Names are the cookbooks update moves; empty means all.
	Names []string
}

// NewCmdCookbooks is `converge cookbooks install|update|list`.
func NewCmdCookbooks(io *IO) *cobra.Command {
	opts := &CookbooksOptions{IO: io, Dir: "."}
	cmd := &cobra.Command{
		Use:   "cookbooks install|update|list",
		Short: "Resolve shared cookbooks into converge.lock and .converge/cookbooks",
		Long: `cookbooks resolves the shared cookbooks named in converge.yaml, and the
dependencies of the repository's own cookbooks, to one version each; vendors
them into .converge/cookbooks/ with the git command; and pins them in
converge.lock. Runs use the lock and refuse a vendored cookbook whose content
no longer matches it.

converge.yaml:
  cookbooks:
    drbd: {git: https://git.example.com/platform/drbd.git, version: "~> 1.2"}
    pacemaker_base: {git: ../pacemaker_base.git, tag: v1.2.0}
    corosync: {git: https://git.example.com/platform/corosync.git, branch: main}
    local_thing: {path: ../local_thing}`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(
		&cobra.Command{
			Use:   "install",
			Short: "Vendor what converge.lock pins, resolving only what it lacks",
			Long: `install vendors the cookbooks converge.lock pins, restores vendored copies
that were changed, and resolves what the lock lacks (a new converge.yaml
entry, a new dependency). With a lock that fits and copies that match, it
fetches nothing.`,
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error { return cookbooksInstallRun(opts) },
		},
		&cobra.Command{
			Use:   "update [NAME...]",
			Short: "Move the named cookbooks (or all) to the newest allowed versions",
			Args:  cobra.ArbitraryArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				opts.Names = args
				return cookbooksUpdateRun(opts)
			},
		},
		&cobra.Command{
			Use:   "list",
			Short: "Show each shared cookbook's locked version and the newest available",
			Args:  cobra.NoArgs,
			RunE:  func(cmd *cobra.Command, args []string) error { return cookbooksListRun(opts) },
		},
	)
	return cmd
}

func cookbooksInstallRun(opts *CookbooksOptions) error {
	res, err := share.Install(opts.Dir)
	if err != nil {
		return &exitError{code: ExitUsage, err: err}
	}
	printResult(opts.IO, res)
	return nil
}

func cookbooksUpdateRun(opts *CookbooksOptions) error {
	res, err := share.Update(opts.Dir, opts.Names...)
	if err != nil {
		return &exitError{code: ExitUsage, err: err}
	}
	printResult(opts.IO, res)
	return nil
}

func printResult(io *IO, res *share.Result) {
	for _, c := range res.Changes {
		fmt.Fprintln(io.Out, c)
	}
	for _, n := range res.Notes {
		fmt.Fprintln(io.Err, "note: "+n)
	}
	state := "up to date"
	if len(res.Changes) > 0 {
		state = "written"
	}
	fmt.Fprintf(io.Out, "%s %s: %d cookbook(s) vendored in %s\n", share.LockFile, state, len(res.Lock.Cookbooks), share.VendorDir)
}

func cookbooksListRun(opts *CookbooksOptions) error {
	st, err := share.List(opts.Dir)
	if err != nil {
		return &exitError{code: ExitUsage, err: err}
	}
	w := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tLOCKED\tNEWEST\tSOURCE")
	for _, s := range st {
		locked, newest := s.Locked, s.Newest
		if locked == "" {
			locked = "-"
		}
		if newest == "" {
			newest = "?"
		}
		if s.Newer {
			newest += " (newer)"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", s.Name, locked, newest, s.Source)
	}
	w.Flush()
	for _, s := range st {
		if s.Problem != "" {
			fmt.Fprintf(opts.IO.Err, "%s: %s\n", s.Name, s.Problem)
		}
	}
	return nil
}

// withVendored returns the cookbook paths a run uses: paths, then, when
// converge.lock exists in the working directory, the vendored cookbooks it
// pins (so the repository's own cookbooks win). A vendored cookbook that
// does not match the lock stops the run before any node is touched.
func withVendored(paths []string) ([]string, error) {
	if _, err := os.Stat(share.LockFile); errors.Is(err, fs.ErrNotExist) {
		return paths, nil
	}
	dir, err := share.Verify(".")
	if err != nil {
		return nil, &exitError{code: ExitUsage, err: err}
	}
	if dir == "" {
		return paths, nil
	}
	return append(slices.Clip(paths), dir), nil
}
