package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/recipe"

	// The resource kinds register themselves.
	_ "github.com/converge-cm/converge/resources"
)

// Version is set at build time with -ldflags "-X .../cli.Version=...".
var Version = "0.1.0-dev"

// Exit codes.
const (
	ExitOK       = 0
	ExitNodes    = 1
	ExitUsage    = 2
	ExitMigrate  = 3
	exitInternal = 2
	// ExitInterrupted is a run that SIGINT or SIGTERM cut short (128 +
	// SIGINT, as shells report a command Ctrl-C ended).
	ExitInterrupted = 130
)

// exitError carries an exit code to Main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, a ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, a...)}
}

// IO is where commands write.
type IO struct {
	Out, Err io.Writer
	// Secrets are the values the run's recipes opened with secret() and
	// encrypted data bags; Out and Err redact them.
	Secrets *engine.Secrets
	// Decrypt opens age files (secrets/NAME.age); nil: the default
	// keyring.
	Decrypt recipe.Decrypter
}

// Main runs converge with args and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	// Everything converge prints goes through the run's secrets: what a
	// recipe built from secret() is replaced by "(secret)" wherever it
	// would show (a resource name, an error, a fact).
	secrets := &engine.Secrets{}
	rout, rerr := secrets.Writer(stdout), secrets.Writer(stderr)
	defer rerr.Flush()
	defer rout.Flush()
	stdout, stderr = rout, rerr
	io := &IO{Out: stdout, Err: stderr, Secrets: secrets}
	root := NewCmdRoot(io)
	defer addProfileFlag(root)()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintln(stderr, "converge: "+strings.TrimSpace(ee.err.Error()))
		}
		return ee.code
	}
	// cobra's own errors: unknown flags and commands.
	fmt.Fprintln(stderr, "converge: "+err.Error())
	fmt.Fprintln(stderr, "run 'converge --help' for usage")
	return ExitUsage
}

// NewCmdRoot builds the command tree.
func NewCmdRoot(io *IO) *cobra.Command {
	opts := &RunOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "converge [-r RUN_LIST] [flags] [NODE... | --nodes EXPR]",
		Short: "Converge nodes to the state their Starlark recipes declare, over SSH",
		Long: `converge connects to each node over SSH, gathers its facts, compiles the
recipes of the run list, and changes only what differs from the declared state.

A NODE is a name from nodes/NAME.json, a Host alias of ~/.ssh/config, or
[user@]host[:port]. --local converges this machine without SSH. With no
NODE and no -r, converge converges every node of nodes/*.json, each with
its own run list; --nodes EXPR converges a selection of them (role:web,
env:prod, tag:db, a name glob; "," and, "|" or, "!" not: see 'converge
nodes --help'), with their own run lists or the one -r gives.

The summary at the end names the nodes that failed or changed, one a line,
and counts the others.

Timeouts: --timeout bounds connecting to a node. --probe-timeout (default
2m) bounds each guard (not_if, only_if) and state probe: a guard that runs
longer fails its resource with an error naming it, it is not taken as
false. --command-timeout (default 1h, Chef's) bounds the commands of each
resource action, and execute commands without a timeout property of their
own. Guards, probes and execute commands are ended on the node by
timeout(1) where it exists; converge itself gives up on every limit a few
seconds later, so a node that stops answering is reported with what hung,
starts nothing more, and the other nodes go on. 0 means no limit.

Signals: on SIGINT (Ctrl-C) or SIGTERM converge starts nothing new,
abandons the command in flight (a file is never left half-written), reports
every node as interrupted and exits 130. A second signal quits at once.

Rolling: --serial N (or P%) converges N nodes at a time, in the order given
or selected; once more than --max-fail nodes have failed, no new batch starts
and the nodes left are reported skipped. In a rolling run a recipe's
rolling_hooks(before, after) run on a node around its change (not when it
has nothing to change); a run without --serial runs no hook.

Exit status: 0 when every node converged, 1 when a node failed or was
unreachable, 2 for usage and recipe errors, 130 when interrupted.`,
		Example: `  converge -r pm_corosync,pm_corosync::crm n1 n2
  converge
  converge --nodes 'role:web,!tag:canary' -n
  converge --nodes role:db --serial 1 --max-fail 0
  converge -r 'recipe[web::default]' -u admin --sudo web1.example.com
  converge --local -r base`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Nodes = args
			return convergeRun(cmd.Context(), opts)
		},
	}
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErr("%v (see '%s --help')", err, c.CommandPath())
	})
	opts.addFlags(cmd, true)
	cmd.AddCommand(
		NewCmdPlan(io),
		NewCmdFacts(io),
		NewCmdNodes(io),
		NewCmdCheck(io),
		NewCmdCookbooks(io),
		NewCmdVersion(io),
		NewCmdMigrate(io),
		NewCmdLab(),
		NewCmdTest(io),
		NewCmdDoc(io, nil),
		NewCmdSecrets(io),
		NewCmdPull(io),
	)
	return cmd
}

func cookbookPathDefault() []string {
	if v := os.Getenv("CONVERGE_COOKBOOK_PATH"); v != "" {
		return strings.Split(v, ":")
	}
	return []string{"cookbooks"}
}
