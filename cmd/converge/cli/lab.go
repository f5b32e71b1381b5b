package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/converge-cm/converge/engine/lab"
)

// LabOptions are the flags of `converge lab` and its subcommands.
type LabOptions struct {
	// Subnet is the lab bridge's IPv4 subnet; empty keeps the one in use
	// (or the default).
	Subnet string
	// Image is the image `lab up` boots new nodes from.
	Image string
	// Packages are extra packages for the image's apt cache.
	Packages []string
	// Rebuild builds the image again even if it is cached.
	Rebuild bool
}

// NewCmdLab returns `converge lab` with its subcommands up, list, ssh,
// stop, start and down. The repository is the current directory.
func NewCmdLab() *cobra.Command {
	opts := &LabOptions{}
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "Local test nodes: Debian machines booted with systemd-nspawn (root required)",
		Long: `Local test nodes: Debian machines booted by systemd-nspawn on this machine,
each with systemd (or SysV init) as PID 1 in its own network namespace,
reached only over SSH. They join this repository's inventory (nodes/NAME.json
and .converge/known_hosts), so converge reaches them with strict host key
checking.

Images are cached in ` + lab.DefaultImageDir + ` (` + lab.EnvImageDir + `),
node state in ` + lab.DefaultStateDir + ` (` + lab.EnvStateDir + `).`,
		Args: cobra.NoArgs,
	}
	cmd.PersistentFlags().StringVar(&opts.Subnet, "subnet", "", "IPv4 subnet of the lab bridge (default "+lab.DefaultSubnet+", or the one nodes use)")

	up := &cobra.Command{
		Use:   "up NAME...",
		Short: "Start nodes, building the image first if it is not cached",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			c.SilenceUsage = true // the arguments were fine; the error says what failed
			l, err := openLab(opts, c)
			if err != nil {
				return err
			}
			nodes, err := l.Up(c.Context(), args, lab.UpOptions{Image: opts.Image, Packages: opts.Packages, Rebuild: opts.Rebuild})
			if err != nil {
				return err
			}
			printNodes(c, nodes)
			return nil
		},
	}
	up.Flags().StringVar(&opts.Image, "image", lab.ImageDebian12, "image of new nodes: "+strings.Join(lab.Images, " or "))
	up.Flags().StringSliceVar(&opts.Packages, "packages", nil, "extra packages for the image's apt cache (comma separated)")
	up.Flags().BoolVar(&opts.Rebuild, "rebuild", false, "build the image again even if it is cached")

	list := &cobra.Command{
		Use:   "list",
		Short: "List nodes with their address, image and state",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			c.SilenceUsage = true // the arguments were fine; the error says what failed
			l, err := openLab(opts, c)
			if err != nil {
				return err
			}
			nodes, err := l.List()
			if err != nil {
				return err
			}
			printNodes(c, nodes)
			return nil
		},
	}

	ssh := &cobra.Command{
		Use:   "ssh NAME [-- CMD...]",
		Short: "Open a shell on a node, or run one command there",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			c.SilenceUsage = true // the arguments were fine; the error says what failed
			l, err := openLab(opts, c)
			if err != nil {
				return err
			}
			cmdArgs := args[1:]
			if len(cmdArgs) > 0 && cmdArgs[0] == "--" {
				cmdArgs = cmdArgs[1:] // flag parsing stops at NAME, so "--" is still there
			}
			err = l.SSH(args[0], cmdArgs)
			var ee *exec.ExitError
			if errors.As(err, &ee) && ee.ExitCode() > 0 {
				// The remote command's status is the command's status, as
				// with ssh itself; there is nothing to add to what it printed.
				os.Exit(ee.ExitCode())
			}
			return err
		},
	}
	ssh.Flags().SetInterspersed(false)

	stop := &cobra.Command{
		Use:   "stop NAME",
		Short: "Power a node off at once (SIGKILL of its PID 1)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			c.SilenceUsage = true // the arguments were fine; the error says what failed
			l, err := openLab(opts, c)
			if err != nil {
				return err
			}
			return l.Stop(args[0])
		},
	}

	start := &cobra.Command{
		Use:   "start NAME",
		Short: "Boot a stopped node again (same address, disk and host key)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			c.SilenceUsage = true // the arguments were fine; the error says what failed
			l, err := openLab(opts, c)
			if err != nil {
				return err
			}
			return l.Start(c.Context(), args[0])
		},
	}

	down := &cobra.Command{
		Use:   "down [NAME...]",
		Short: "Remove nodes (all when none is named) and everything they started",
		RunE: func(c *cobra.Command, args []string) error {
			c.SilenceUsage = true // the arguments were fine; the error says what failed
			l, err := openLab(opts, c)
			if err != nil {
				return err
			}
			return l.Down(args...)
		},
	}

	cmd.AddCommand(up, list, ssh, stop, start, down)
	return cmd
}

func openLab(opts *LabOptions, c *cobra.Command) (*lab.Lab, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	l, err := lab.Open(wd)
	if err != nil {
		return nil, err
	}
	if opts.Subnet != "" {
		l.Subnet = opts.Subnet
	}
	l.Out = c.ErrOrStderr()
	return l, nil
}

func printNodes(c *cobra.Command, nodes []lab.Node) {
	w := tabwriter.NewWriter(c.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tADDRESS\tIMAGE\tSTATE")
	for _, n := range nodes {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", n.Name, n.Address, n.Image, n.State)
	}
	w.Flush()
}
