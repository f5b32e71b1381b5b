package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/converge-cm/converge/engine/lab"
	"github.com/converge-cm/converge/engine/recipe"
	"github.com/converge-cm/converge/engine/shell"
)

// TestOptions are the flags of `converge test`.
type TestOptions struct {
	IO *IO
	// Run carries the run list, attributes, cookbook paths, output format
	// and verbosity to both converges; its Nodes are the fresh lab nodes.
	Run RunOptions
	// Nodes is how many lab nodes to start.
	Nodes int
	// Image is the image the nodes boot.
	Image string
	// Keep leaves the nodes running when the test ends, passed or not.
	Keep bool
	// Subnet is the lab bridge's subnet; empty keeps the lab's own.
	Subnet string
	// Bridge is the lab bridge; empty keeps the lab's own. A second lab on
	// one machine (converge's own tests) needs its own bridge.
	Bridge string
}

// maxTestNodes bounds --nodes: node names are cut to 11 characters in
// interface names, which leaves room for one digit after "t<pid>x-".
const maxTestNodes = 9

// NewCmdTest returns `converge test`.
func NewCmdTest(io *IO) *cobra.Command {
	opts := &TestOptions{IO: io}
	opts.Run.IO = io
	cmd := &cobra.Command{
		Use:   "test -r RUN_LIST [--nodes N] [--image IMAGE] [--keep]",
		Short: "Converge fresh lab nodes twice, run the cookbooks' test/*.sh on them, tear them down",
		Long: `converge test proves a run list the way Test Kitchen or Molecule would, on
local lab nodes (see 'converge lab'; root required):

  1. start N fresh nodes from the image (named t<pid>-1, t<pid>-2, ...);
  2. converge them with the run list;
  3. converge them again: the test fails if this second run updated any
     resource, and names each one per node;
  4. copy every test/*.sh of the run list's cookbooks to each node (under
     /tmp/converge-test/COOKBOOK/) and run it there with sh, as root, with
     CONVERGE_NODE set to the node's name; a script that exits non-zero
     fails the test;
  5. remove the nodes, also when a step failed or on Ctrl-C, unless --keep.

It exits 0 only when every step held on every node, 1 when one did not,
and 2 for a usage, recipe or cookbook error. With --format json it prints
the events of the main command for both converges, plus test-nodes,
test-phase, test-idempotence, test-script and test-end events.

A test script is a plain sh script that checks the node, for example:

  #!/bin/sh
  set -e
  systemctl is-active --quiet apache2
  curl -fsS http://localhost/ | grep -q 'It works'`,
		Example: `  converge test -r web
  converge test -r pm_corosync --nodes 2 --keep
  converge test -r web --image debian-12-sysvinit -a web.port=8080`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return testRun(c.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Run.RunList, "run-list", "r", "", "comma-separated cookbook, cookbook::recipe or recipe[cookbook::recipe] items")
	f.StringArrayVarP(&opts.Run.Attrs, "attr", "a", nil, "normal attribute key.path=value (repeatable; value parsed as JSON when it is JSON)")
	f.StringVarP(&opts.Run.JSONAttrs, "json-attributes", "j", "", "JSON file of normal attributes (Chef's -j)")
	f.StringArrayVar(&opts.Run.CookbookPaths, "cookbook-path", cookbookPathDefault(), "directory of cookbooks (repeatable; also CONVERGE_COOKBOOK_PATH)")
	f.StringVar(&opts.Run.Format, "format", "text", "output format: text or json (one event per line)")
	f.BoolVarP(&opts.Run.Verbose, "verbose", "v", false, "show every resource, also those up to date, with timings")
	f.DurationVar(&opts.Run.Timeout, "timeout", 30*time.Second, "connect timeout per node")
	f.IntVar(&opts.Nodes, "nodes", 1, fmt.Sprintf("number of nodes to start (1 to %d)", maxTestNodes))
	f.StringVar(&opts.Image, "image", lab.ImageDebian12, "image of the nodes: "+strings.Join(lab.Images, " or "))
	f.BoolVar(&opts.Keep, "keep", false, "leave the nodes running at the end (remove them with 'converge lab down NAME...')")
	f.StringVar(&opts.Subnet, "subnet", "", "IPv4 subnet of the lab bridge (default "+lab.DefaultSubnet+", or the one nodes use)")
	f.StringVar(&opts.Bridge, "bridge", "", "lab bridge (default "+lab.BridgeName+", or the one nodes use); for a second lab on this machine")
	_ = f.MarkHidden("bridge")
	return cmd
}

func (o *TestOptions) validate() error {
	if strings.TrimSpace(o.Run.RunList) == "" {
		return usageErr("converge test needs a run list: -r COOKBOOK[,COOKBOOK::RECIPE...]")
	}
	if o.Nodes < 1 || o.Nodes > maxTestNodes {
		return usageErr("--nodes %d: want 1 to %d", o.Nodes, maxTestNodes)
	}
	known := false
	for _, im := range lab.Images {
		known = known || im == o.Image
	}
	if !known {
		return usageErr("--image %q: want %s", o.Image, strings.Join(lab.Images, " or "))
	}
	if o.Run.Format != "text" && o.Run.Format != "json" {
		return usageErr("--format %q: want text or json", o.Run.Format)
	}
	return nil
}

// testEvent is what `converge test --format json` adds to the events of
// the main command.
type testEvent struct {
	// Type is test-nodes, test-phase, test-idempotence, test-script or
	// test-end.
	Type string `json:"type"`
	// Phase is converge, idempotence or verify (test-phase).
	Phase string     `json:"phase,omitempty"`
	Nodes []testNode `json:"nodes,omitempty"`
	Node  string     `json:"node,omitempty"`
	// Resources are those the second converge updated (test-idempotence).
	Resources []string `json:"resources,omitempty"`
	Script    string   `json:"script,omitempty"`
	// Status is passed or failed.
	Status   string  `json:"status,omitempty"`
	Output   string  `json:"output,omitempty"`
	Error    string  `json:"error,omitempty"`
	Duration float64 `json:"duration,omitempty"`
	// Failures say, one line each, what did not hold (test-end).
	Failures []string `json:"failures,omitempty"`
	// Kept is true when the nodes were left running (test-end).
	Kept bool `json:"kept,omitempty"`
}

type testNode struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Image   string `json:"image"`
}

// testScript is one test/*.sh of a cookbook of the run list.
type testScript struct {
	Cookbook string
	Path     string // on this machine
}

// Name is how output names the script: COOKBOOK/test/NAME.sh.
func (s testScript) Name() string { return s.Cookbook + "/test/" + filepath.Base(s.Path) }

// testOutput writes a test's own lines: text to IO.Out, or JSON events.
type testOutput struct {
	io   *IO
	json bool
	enc  *json.Encoder
}

func (t *testOutput) event(e testEvent) {
	if t.json {
		t.enc.Encode(e)
	}
}

func (t *testOutput) textf(format string, a ...any) {
	if !t.json {
		fmt.Fprintf(t.io.Out, format, a...)
	}
}

// testRun starts the nodes, converges them twice, runs the test scripts
// and removes the nodes; see NewCmdTest's help.
func testRun(ctx context.Context, o *TestOptions) (err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := o.validate(); err != nil {
		return err
	}
	if err := lab.Requirements(); err != nil {
		return &exitError{code: ExitUsage, err: err}
	}
	scripts, err := findTestScripts(o.Run.CookbookPaths, o.Run.RunList)
	if err != nil {
		return err
	}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	l, err := lab.Open(wd)
	if err != nil {
		return err
	}
	if o.Subnet != "" {
		l.Subnet = o.Subnet
	}
	if o.Bridge != "" {
		l.Bridge = o.Bridge
	}
	l.Out = o.IO.Err
	names, err := testNodeNames(l, o.Nodes)
	if err != nil {
		return err
	}
	out := &testOutput{io: o.IO, json: o.Run.Format == "json", enc: json.NewEncoder(o.IO.Out)}

	// Ctrl-C (or a TERM) cancels the step under way; the nodes are removed
	// all the same, and a second Ctrl-C does not cut that short.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	start := time.Now()
	var failures []string
	defer func() {
		if o.Keep {
			out.textf("\nKept nodes %s; reach them with 'converge lab ssh NAME', remove them with 'converge lab down %s'\n",
				strings.Join(names, ", "), strings.Join(names, " "))
		} else {
			if ctx.Err() != nil {
				fmt.Fprintf(o.IO.Err, "converge test: interrupted; removing nodes %s\n", strings.Join(names, ", "))
			}
			if derr := l.Down(names...); derr != nil {
				failures = append(failures, fmt.Sprintf("removing the nodes failed: %v; run 'converge lab down %s'", derr, strings.Join(names, " ")))
			}
		}
		end := testEvent{Type: "test-end", Status: "passed", Failures: failures, Kept: o.Keep, Duration: time.Since(start).Seconds()}
		if err != nil || len(failures) > 0 {
			end.Status = "failed"
		}
		if err != nil {
			end.Error = err.Error()
		}
		out.event(end)
		if err != nil {
			// A usage or recipe error, or an interruption, is the news; a
			// failure to remove the nodes still needs saying.
			for _, f := range failures {
				fmt.Fprintln(o.IO.Err, "converge test: "+f)
			}
			return
		}
		if len(failures) > 0 {
			out.textf("\nconverge test FAILED (%s on %d node(s), %s) in %.2fs\n", o.Run.RunList, len(names), o.Image, time.Since(start).Seconds())
			err = &exitError{code: ExitNodes, err: errors.New("test failed:\n  " + strings.Join(failures, "\n  "))}
			return
		}
		out.textf("\nconverge test passed (%s on %d node(s), %s) in %.2fs\n", o.Run.RunList, len(names), o.Image, time.Since(start).Seconds())
	}()

	out.textf("-----> Starting %s from %s\n", strings.Join(names, ", "), o.Image)
	nodes, uerr := l.Up(ctx, names, lab.UpOptions{Image: o.Image})
	if uerr != nil {
		if ctx.Err() != nil {
			return &exitError{code: ExitNodes, err: errors.New("interrupted")}
		}
		failures = append(failures, fmt.Sprintf("the lab nodes did not start: %v", uerr))
		return nil
	}
	var tn []testNode
	for _, n := range nodes {
		tn = append(tn, testNode{Name: n.Name, Address: n.Address, Image: n.Image})
	}
	out.event(testEvent{Type: "test-nodes", Nodes: tn})

	ro := o.Run
	ro.Nodes = names
	ro.Concurrency = maxTestNodes
	ro.KnownHosts = l.KnownHostsFile()

	// 1. Converge.
	out.event(testEvent{Type: "test-phase", Phase: "converge"})
	out.textf("-----> Converging %s\n", strings.Join(names, ", "))
	if _, cerr := convergeNodes(ctx, &ro); cerr != nil {
		return testConvergeFailed(ctx, cerr, "the first converge", &failures)
	}

	// 2. Converge again: nothing may change.
	out.event(testEvent{Type: "test-phase", Phase: "idempotence"})
	out.textf("\n-----> Converging %s again: nothing may change\n", strings.Join(names, ", "))
	second, cerr := convergeNodes(ctx, &ro)
	if cerr != nil {
		return testConvergeFailed(ctx, cerr, "the second converge", &failures)
	}
	for _, n := range second {
		if n.res.Updated == 0 {
			out.event(testEvent{Type: "test-idempotence", Node: n.t.Name, Status: "passed"})
			continue
		}
		res := n.res.UpdatedResources
		out.event(testEvent{Type: "test-idempotence", Node: n.t.Name, Status: "failed", Resources: res})
		failures = append(failures, fmt.Sprintf("not idempotent: the second converge updated %d resource(s) on %s: %s",
			n.res.Updated, n.t.Name, strings.Join(res, ", ")))
	}

	// 3. Verify.
	out.event(testEvent{Type: "test-phase", Phase: "verify"})
	if len(scripts) == 0 {
		out.textf("\n-----> Verifying: the run list's cookbooks have no test/*.sh\n")
		return nil
	}
	out.textf("\n-----> Verifying %s\n", strings.Join(names, ", "))
	for _, n := range nodes {
		for _, s := range scripts {
			t0 := time.Now()
			text, serr := runTestScript(ctx, l.RepoDir, n, s)
			if ctx.Err() != nil {
				return &exitError{code: ExitNodes, err: errors.New("interrupted")}
			}
			ev := testEvent{Type: "test-script", Node: n.Name, Script: s.Name(), Status: "passed", Output: text, Duration: time.Since(t0).Seconds()}
			if serr != nil {
				ev.Status, ev.Error = "failed", serr.Error()
				failures = append(failures, fmt.Sprintf("test script %s failed on %s: %v", s.Name(), n.Name, serr))
			}
			out.event(ev)
			out.textf("  * %s on %s: %s (%.2fs)\n", s.Name(), n.Name, ev.Status, ev.Duration)
			if text != "" {
				out.textf("      %s\n", strings.ReplaceAll(strings.TrimRight(text, "\n"), "\n", "\n      "))
			}
		}
	}
	return nil
}

// testConvergeFailed turns a converge's error into the test's outcome: a
// recipe or usage error (exit 2) is returned as it is; failed nodes are a
// test failure.
func testConvergeFailed(ctx context.Context, err error, which string, failures *[]string) error {
	if ctx.Err() != nil {
		return &exitError{code: ExitNodes, err: errors.New("interrupted")}
	}
	var ee *exitError
	if errors.As(err, &ee) && ee.code == ExitNodes {
		*failures = append(*failures, fmt.Sprintf("%s failed: %v", which, ee.err))
		return nil
	}
	return err
}

// runTestScript copies the script to the node over SSH and runs it there
// with sh, returning what it printed (stdout and stderr together).
func runTestScript(ctx context.Context, repo string, n lab.Node, s testScript) (string, error) {
	body, err := os.ReadFile(s.Path)
	if err != nil {
		return "", err
	}
	dir := "/tmp/converge-test/" + s.Cookbook
	remote := dir + "/" + filepath.Base(s.Path)
	cmd := fmt.Sprintf("mkdir -p %s && cat > %s && cd / && CONVERGE_NODE=%s exec sh %s </dev/null",
		shell.Quote(dir), shell.Quote(remote), shell.Quote(n.Name), shell.Quote(remote))
	args := append([]string{"-o", "BatchMode=yes"}, lab.SSHArgs(repo, n.Address)...)
	args = append(args, "--", cmd)
	c := exec.CommandContext(ctx, "ssh", args...)
	c.Stdin = bytes.NewReader(body)
	var b bytes.Buffer
	c.Stdout, c.Stderr = &b, &b
	err = c.Run()
	var xe *exec.ExitError
	switch {
	case err == nil:
		return b.String(), nil
	case errors.As(err, &xe) && xe.ExitCode() == 255:
		return b.String(), fmt.Errorf("ssh to %s failed (exit 255)", n.Address)
	case errors.As(err, &xe) && xe.ExitCode() > 0:
		return b.String(), fmt.Errorf("exit status %d", xe.ExitCode())
	default:
		return b.String(), err
	}
}

// testRuns counts the tests this process started, so that two in one
// process (converge's own tests) do not pick the same node names.
var testRuns atomic.Int32

// testNodeNames picks n node names no node of the lab has: t<pid>-1 ...,
// with a letter after the pid for the second test of one process. The
// pid keeps them apart from the nodes of any other converge at work.
func testNodeNames(l *lab.Lab, n int) ([]string, error) {
	existing, err := l.List()
	if err != nil {
		return nil, err
	}
	taken := map[string]bool{}
	for _, e := range existing {
		taken[e.Name] = true
	}
	for try := 0; try < 26; try++ {
		seq := testRuns.Add(1) - 1
		base := fmt.Sprintf("t%d", os.Getpid())
		if seq > 0 {
			base += string(rune('a' + (seq-1)%26))
		}
		var names []string
		free := true
		for i := 1; i <= n; i++ {
			name := fmt.Sprintf("%s-%d", base, i)
			free = free && !taken[name]
			names = append(names, name)
		}
		if free {
			return names, nil
		}
	}
	return nil, fmt.Errorf("no free test node names for process %d; remove old test nodes with 'converge lab down'", os.Getpid())
}

// findTestScripts lists the test/*.sh of each cookbook the run list names
// (directly or through a role), in run list order and by name within a
// cookbook. A cookbook that is not found is a usage error.
func findTestScripts(paths []string, runList string) ([]testScript, error) {
	repo, err := recipe.LoadRepo(paths)
	if err != nil {
		return nil, &exitError{code: ExitUsage, err: err}
	}
	cookbooks, err := runListCookbooks(recipe.SplitRunList(runList), "roles", map[string]bool{})
	if err != nil {
		return nil, &exitError{code: ExitUsage, err: err}
	}
	var out []testScript
	seen := map[string]bool{}
	for _, name := range cookbooks {
		cb, ok := repo.Cookbooks[name]
		if !ok {
			// Found before any node is started; the compiler would say the
			// same after.
			return nil, usageErr("cookbook %s (in the run list) is not in the cookbook path %s; set --cookbook-path or CONVERGE_COOKBOOK_PATH",
				name, strings.Join(paths, ":"))
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		files, err := filepath.Glob(filepath.Join(cb.Dir, "test", "*.sh"))
		if err != nil {
			return nil, err
		}
		sort.Strings(files)
		for _, f := range files {
			out = append(out, testScript{Cookbook: name, Path: f})
		}
	}
	return out, nil
}

var (
	testRecipeRe = regexp.MustCompile(`^recipe\[([A-Za-z0-9_.-]+)(?:::[A-Za-z0-9_.-]+)?(?:@[^\]]+)?\]$`)
	testRoleRe   = regexp.MustCompile(`^role\[([A-Za-z0-9_.-]+)\]$`)
	testPlainRe  = regexp.MustCompile(`^([A-Za-z0-9_.-]+)(?:::[A-Za-z0-9_.-]+)?$`)
)

// runListCookbooks returns the cookbook of each run list item, expanding
// roles from rolesDir. Items it cannot read are left to the compiler.
func runListCookbooks(items []string, rolesDir string, seenRoles map[string]bool) ([]string, error) {
	var out []string
	for _, it := range items {
		if m := testRoleRe.FindStringSubmatch(it); m != nil {
			if seenRoles[m[1]] {
				continue
			}
			seenRoles[m[1]] = true
			b, err := os.ReadFile(filepath.Join(rolesDir, m[1]+".json"))
			if err != nil {
				continue
			}
			var r struct {
				RunList []string `json:"run_list"`
			}
			if err := json.Unmarshal(b, &r); err != nil {
				return nil, fmt.Errorf("%s: %w", filepath.Join(rolesDir, m[1]+".json"), err)
			}
			sub, err := runListCookbooks(r.RunList, rolesDir, seenRoles)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
			continue
		}
		m := testRecipeRe.FindStringSubmatch(it)
		if m == nil {
			m = testPlainRe.FindStringSubmatch(it)
		}
		if m != nil {
			out = append(out, m[1])
		}
	}
	return out, nil
}
