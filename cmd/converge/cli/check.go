package cli

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/go-multierror"
	"github.com/spf13/cobra"

	"github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/keyorder"
	"github.com/converge-cm/converge/engine/recipe"
)

// CheckOptions are the flags of `converge check`.
type CheckOptions struct {
	IO            *IO
	AllowTodo     bool
	RunList       string
	Platforms     []string
	CookbookPaths []string
	Attrs         []string
	Nodes         int
	Environment   string
}

// NewCmdCheck is `converge check`: compile for platforms, touch no node.
func NewCmdCheck(io *IO) *cobra.Command {
	opts := &CheckOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "check [-r RUN_LIST] [--platform ubuntu-22.04,centos-7 ...]",
		Short: "Compile cookbooks for platforms without touching a node",
		Long: `check compiles the run list (or, without -r, every recipe of every cookbook)
for each platform with plausible facts, and reports unknown properties,
missing templates, bad notification targets and syntax errors.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return checkRun(opts) },
	}
	f := cmd.Flags()
	f.StringVarP(&opts.RunList, "run-list", "r", "", "run list to compile (default: every recipe, one at a time)")
	f.StringSliceVar(&opts.Platforms, "platform", []string{"debian-12"}, "platforms to compile for, e.g. ubuntu-22.04,centos-7.1.1503")
	f.StringArrayVar(&opts.CookbookPaths, "cookbook-path", cookbookPathDefault(), "directory of cookbooks (repeatable)")
	f.StringArrayVarP(&opts.Attrs, "attr", "a", nil, "normal attribute key.path=value (repeatable)")
	f.IntVar(&opts.Nodes, "nodes", 2, "nodes in the simulated cluster (cluster.nodes)")
	f.StringVarP(&opts.Environment, "environment", "E", "", "Chef environment (environments/NAME.json) to compile for")
	f.BoolVar(&opts.AllowTodo, "allow-todo", false, "compile cookbooks holding TODO(migrate) markers (each todo() is false, empty, an empty string, and leaves a property unset)")
	return cmd
}

func checkRun(opts *CheckOptions) error {
	paths, err := withVendored(opts.CookbookPaths)
	if err != nil {
		return err
	}
	repo, err := opts.IO.openRepo(paths)
	if err != nil {
		return err
	}
	if repo.VersionOrigin, err = versionOrigin(); err != nil {
		return err
	}
	if len(repo.Cookbooks) == 0 {
		return usageErr("no cookbooks found in %s", strings.Join(opts.CookbookPaths, ", "))
	}
	normal, ord := map[string]any{}, keyorder.New()
	for _, a := range opts.Attrs {
		m, err := parseAttr(a, ord)
		if err != nil {
			return err
		}
		merge(ord, normal, m)
	}
	var runLists [][]string
	if opts.RunList != "" {
		runLists = [][]string{recipe.SplitRunList(opts.RunList)}
	} else {
		var names []string
		for n := range repo.Cookbooks {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			for _, r := range repo.Cookbooks[n].Recipes() {
				runLists = append(runLists, []string{n + "::" + r})
			}
		}
	}
	var errs *multierror.Error
	seen := map[string]bool{}
	checked := 0
	for _, p := range opts.Platforms {
		base, err := facts.ForPlatform(p)
		if err != nil {
			return usageErr("--platform: %v", err)
		}
		var members []recipe.ClusterMember
		for i := 0; i < opts.Nodes; i++ {
			f := base
			f.Hostname = fmt.Sprintf("check%d", i+1)
			f.FQDN = f.Hostname + ".example.test"
			f.IPAddress = fmt.Sprintf("192.0.2.%d", 10+i)
			members = append(members, recipe.ClusterMember{Name: f.Hostname, Facts: f})
		}
		for _, rl := range runLists {
			for _, m := range members[:1] {
				_, err := repo.Compile(recipe.Input{Name: m.Name, Facts: m.Facts, Normal: normal, Order: ord, RunList: rl, Cluster: members, AllowTodo: opts.AllowTodo, Environment: opts.Environment})
				checked++
				if err != nil {
					msg := fmt.Sprintf("%s [%s, run list %s]", err, p, strings.Join(rl, ","))
					if !seen[err.Error()] {
						seen[err.Error()] = true
						errs = multierror.Append(errs, fmt.Errorf("%s", msg))
					}
				}
			}
		}
	}
	if errs != nil {
		errs.ErrorFormat = func(es []error) string {
			var b strings.Builder
			fmt.Fprintf(&b, "check found %d problem(s):\n", len(es))
			for _, e := range es {
				b.WriteString(e.Error() + "\n")
			}
			return b.String()
		}
		return &exitError{code: ExitUsage, err: errs}
	}
	fmt.Fprintf(opts.IO.Out, "ok: %d compile(s) of %d run list(s) on %s\n", checked, len(runLists), strings.Join(opts.Platforms, ", "))
	return nil
}
