package cli

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

// NodesOptions are the flags of `converge nodes`.
type NodesOptions struct {
	IO     *IO
	Format string
	Expr   string
}

// NewCmdNodes is `converge nodes [EXPR]`: the inventory nodes an
// expression selects.
func NewCmdNodes(io *IO) *cobra.Command {
	opts := &NodesOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "nodes [EXPR]",
		Short: "List the nodes of nodes/*.json that a selection expression selects",
		Long: `converge nodes lists the nodes of nodes/*.json that EXPR selects (every
node without EXPR): name, address, environment, roles and tags, one node a
line. converge --nodes EXPR converges the same nodes.

EXPR is one or more alternatives joined by "|" (or); an alternative is one
or more terms joined by "," (and); a term is a selector, negated by a
leading "!" (not). "," binds tighter than "|"; there are no parentheses.

  web*        name glob (*, ?, [a-z]; name:GLOB spells it out)
  role:web    the run list holds role[web], directly or through another
              role (roles/NAME.json)
  env:prod    chef_environment is prod (none: _default)
  tag:db      the node's "tags" list holds db (Chef's tags)

Every value is a glob (role:pm_*). Quote EXPR for the shell: "|" and "!"
mean something there. An expression that selects no node is an error
(exit 2) that names it.`,
		Example: `  converge nodes
  converge nodes 'role:web,!tag:canary'
  converge nodes 'role:web,env:prod|role:db' --format json
  converge --nodes 'env:staging' -n`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Expr = "*"
			if len(args) == 1 {
				opts.Expr = args[0]
			}
			return nodesRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "text", "output format: text or json")
	return cmd
}

// nodeListing is one node of `converge nodes --format json`.
type nodeListing struct {
	Name        string   `json:"name"`
	Address     string   `json:"address"`
	User        string   `json:"user,omitempty"`
	Port        int      `json:"port,omitempty"`
	Environment string   `json:"environment"`
	Roles       []string `json:"roles"`
	Tags        []string `json:"tags"`
	RunList     []string `json:"run_list"`
	File        string   `json:"file"`
}

func nodesRun(o *NodesOptions) error {
	if o.Format != "text" && o.Format != "json" {
		return usageErr("--format %q: want text or json", o.Format)
	}
	ts, roles, err := selectTargets(o.Expr)
	if err != nil {
		return err
	}
	var list []nodeListing
	for i, t := range ts {
		l := nodeListing{Name: t.Name, Address: t.Host, User: t.User, Port: t.Port, Environment: t.Environment,
			Roles: roles[i], Tags: t.tags(), RunList: t.RunList, File: t.File}
		if l.Roles == nil {
			l.Roles = []string{}
		}
		if l.RunList == nil {
			l.RunList = []string{}
		}
		list = append(list, l)
	}
	if o.Format == "json" {
		enc := json.NewEncoder(o.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	tw := tabwriter.NewWriter(o.IO.Out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tADDRESS\tENVIRONMENT\tROLES\tTAGS")
	for _, l := range list {
		addr := l.Address
		if l.Port != 0 {
			if strings.Contains(addr, ":") {
				addr = "[" + addr + "]"
			}
			addr += ":" + strconv.Itoa(l.Port)
		}
		if l.User != "" {
			addr = l.User + "@" + addr
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", l.Name, addr, l.Environment, orDash(l.Roles), orDash(l.Tags))
	}
	return tw.Flush()
}

func orDash(l []string) string {
	if len(l) == 0 {
		return "-"
	}
	return strings.Join(l, ",")
}
