package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-multierror"
	"github.com/spf13/cobra"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/inventory"
	"github.com/converge-cm/converge/engine/keyorder"
	"github.com/converge-cm/converge/engine/recipe"
	"github.com/converge-cm/converge/engine/transport"
	"github.com/converge-cm/converge/engine/transport/local"
	sshtransport "github.com/converge-cm/converge/engine/transport/ssh"
)

// RunOptions are the flags of converge, plan and facts.
type RunOptions struct {
	IO *IO

	RunList           string
	DryRun            bool
	Local             bool
	User              string
	Identity          string
	Port              int
	Sudo              bool
	Concurrency       int
	Attrs             []string
	JSONAttrs         string
	CookbookPaths     []string
	KnownHosts        string
	AcceptNewHostKeys bool
	Format            string
	Verbose           bool
	Timeout           time.Duration
	// ProbeTimeout and CommandTimeout follow the engine: zero takes the
	// default, engine.NoLimit (the flag's 0) means none.
	ProbeTimeout   time.Duration
	CommandTimeout time.Duration
	// FactsFile plans offline against recorded facts (plan --facts).
	FactsFile string
	// AllowTodo runs cookbooks holding TODO(migrate) markers.
	AllowTodo bool
	// Environment (-E) is the Chef environment of every node of the run;
	// "" leaves each node's own (nodes/NAME.json chef_environment).
	Environment string

	// Serial (--serial N|P%) converges the nodes in batches, in order;
	// once more than MaxFail nodes have failed no new batch starts.
	Serial  serialFlag
	MaxFail int

	Nodes []string
	// NodesExpr selects nodes of nodes/*.json (--nodes EXPR).
	NodesExpr string
	// needRunList: the command compiles a run list (converge, plan), so
	// every node needs one, its own or -r's.
	needRunList bool
}

func (o *RunOptions) addFlags(cmd *cobra.Command, runList bool) {
	f := cmd.Flags()
	if runList {
		f.StringVarP(&o.RunList, "run-list", "r", "", "comma-separated cookbook, cookbook::recipe or recipe[cookbook::recipe] items")
		f.BoolVarP(&o.DryRun, "dry-run", "n", false, "show what would change, change nothing")
		f.BoolVar(&o.DryRun, "why-run", false, "alias of --dry-run")
		f.StringArrayVarP(&o.Attrs, "attr", "a", nil, "normal attribute key.path=value (repeatable; value parsed as JSON when it is JSON)")
		f.StringVarP(&o.JSONAttrs, "json-attributes", "j", "", "JSON file of normal attributes (Chef's -j)")
		f.StringArrayVar(&o.CookbookPaths, "cookbook-path", cookbookPathDefault(), "directory of cookbooks (repeatable; also CONVERGE_COOKBOOK_PATH)")
		f.StringVar(&o.Format, "format", "text", "output format: text or json (one event per line)")
		f.BoolVar(&o.AllowTodo, "allow-todo", false, "run cookbooks holding TODO(migrate) markers left by converge migrate (each todo() is false, empty, an empty string, and leaves a property unset)")
		f.StringVarP(&o.Environment, "environment", "E", "", "Chef environment (environments/NAME.json) of every node, over each node's chef_environment")
		f.Var(&o.Serial, "serial", "rolling converge: N nodes (or P% of them, rounded up) at a time, in the order given or selected; a batch starts when the one before has finished (0: every node at once)")
		f.IntVar(&o.MaxFail, "max-fail", 0, "rolling converge: start no new batch once more than this many nodes have failed (with --serial)")
	}
	f.StringVar(&o.NodesExpr, "nodes", "", "select nodes of nodes/*.json: name glob, role:NAME, env:NAME, tag:NAME; \",\" and, \"|\" or, \"!\" not (see 'converge nodes --help')")
	f.BoolVar(&o.Local, "local", false, "converge this machine, without SSH")
	f.StringVarP(&o.User, "user", "u", "", "SSH user (default: ssh_config's, then $USER)")
	f.StringVarP(&o.Identity, "identity", "i", "", "SSH private key file")
	f.IntVarP(&o.Port, "port", "p", 0, "SSH port (default: ssh_config's, then 22)")
	f.BoolVar(&o.Sudo, "sudo", false, "run commands through sudo (password from CONVERGE_SUDO_PASSWORD)")
	f.IntVarP(&o.Concurrency, "concurrency", "c", 20, "nodes converged in parallel")
	f.StringVar(&o.KnownHosts, "known-hosts", "", "known_hosts file to verify host keys against (default ~/.ssh/known_hosts and .converge/known_hosts)")
	f.BoolVar(&o.AcceptNewHostKeys, "accept-new-host-keys", false, "record the key of a host seen for the first time instead of refusing it")
	f.BoolVarP(&o.Verbose, "verbose", "v", false, "show every resource, also those up to date, with timings")
	f.DurationVar(&o.Timeout, "timeout", 30*time.Second, "connect timeout per node (TCP connect and SSH handshake)")
	o.ProbeTimeout, o.CommandTimeout = engine.DefaultProbeTimeout, engine.DefaultCommandTimeout
	f.Var((*limitFlag)(&o.ProbeTimeout), "probe-timeout", "limit for each guard (not_if/only_if) and state probe on a node, and per probe for the facts and probe round trips; a guard that runs longer fails its resource (0: no limit)")
	f.Var((*limitFlag)(&o.CommandTimeout), "command-timeout", "limit for the commands of each resource action (file writes, packages, services) and for execute commands without a timeout of their own (0: no limit)")
}

// limitFlag is a duration flag whose 0 means no limit (engine.NoLimit).
type limitFlag time.Duration

func (l *limitFlag) String() string {
	if time.Duration(*l) < 0 {
		return "0"
	}
	return time.Duration(*l).String()
}

func (l *limitFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("want a duration such as 90s, 2m or 1h (0: no limit)")
	}
	switch {
	case d < 0:
		return fmt.Errorf("%s is negative: want a duration such as 90s, 2m or 1h (0: no limit)", s)
	case d == 0:
		d = engine.NoLimit
	}
	*l = limitFlag(d)
	return nil
}

func (l *limitFlag) Type() string { return "duration" }

// node is one node's state through a run.
type node struct {
	t     target
	tr    transport.Transport
	facts facts.Facts
	coll  *engine.Collection
	res   engine.Result
	err   error // connect, facts or converge failure
	start time.Time
	// skipped says why a rolling converge did not start the node.
	skipped string
	// trips are the round trips of connecting and gathering facts.
	trips engine.RoundTrips
}

func (o *RunOptions) validate(needRunList bool) error {
	o.needRunList = needRunList
	if o.Local && (len(o.Nodes) > 0 || o.NodesExpr != "") {
		return usageErr("--local converges this machine; do not name nodes or give --nodes with it")
	}
	if o.NodesExpr != "" && len(o.Nodes) > 0 {
		return usageErr("give NODE names or --nodes %q, not both", o.NodesExpr)
	}
	if o.FactsFile != "" {
		if o.Local {
			return usageErr("--facts plans against recorded facts; do not combine it with --local")
		}
		return nil
	}
	// Neither NODE nor --nodes: without -r, a run converges every node of
	// nodes/ with its own run list; facts and -r runs name their nodes.
	if !o.Local && len(o.Nodes) == 0 && o.NodesExpr == "" && (!needRunList || strings.TrimSpace(o.RunList) != "") {
		return usageErr("name at least one node, select some with --nodes EXPR ('*' for all), or use --local")
	}
	if o.ProbeTimeout < 0 && o.ProbeTimeout != engine.NoLimit || o.CommandTimeout < 0 && o.CommandTimeout != engine.NoLimit {
		return usageErr("--probe-timeout and --command-timeout take a duration of 0 (no limit) or more")
	}
	if o.MaxFail < 0 {
		return usageErr("--max-fail must be 0 or more")
	}
	if o.MaxFail > 0 && !o.Serial.rolling() {
		return usageErr("--max-fail applies to a rolling converge: give --serial N or --serial P%% too")
	}
	if o.Concurrency < 1 {
		return usageErr("--concurrency must be at least 1")
	}
	if o.Format != "text" && o.Format != "json" {
		return usageErr("--format %q: want text or json", o.Format)
	}
	return nil
}

// normalAttrs merges -j then -a; the Table is the key order of -j's
// objects.
func (o *RunOptions) normalAttrs() (map[string]any, *keyorder.Table, error) {
	m := map[string]any{}
	ord := keyorder.New()
	if o.JSONAttrs != "" {
		b, err := os.ReadFile(o.JSONAttrs)
		if err != nil {
			return nil, nil, usageErr("-j: %v", err)
		}
		raw, err := keyorder.Decode(json.NewDecoder(bytes.NewReader(b)), ord)
		if err != nil {
			return nil, nil, usageErr("-j %s: %v", o.JSONAttrs, err)
		}
		// numbers as in nodes/*.json: 8080 an integer, a huge id exact or an error
		exact, err := inventory.ExactNumbers(raw)
		if err != nil {
			return nil, nil, usageErr("-j %s: %v", o.JSONAttrs, err)
		}
		j, ok := exact.(map[string]any)
		if !ok {
			return nil, nil, usageErr("-j %s: want a JSON object of attributes", o.JSONAttrs)
		}
		top := map[string]any{}
		var keys []string
		for _, k := range ord.Keys(j) {
			if !inventory.NodeKey(k) {
				top[k] = j[k]
				keys = append(keys, k)
			}
		}
		ord.Set(top, keys)
		merge(ord, m, top)
		if n, ok := j["normal"].(map[string]any); ok {
			merge(ord, m, n)
		}
	}
	for _, a := range o.Attrs {
		am, err := parseAttr(a, ord)
		if err != nil {
			return nil, nil, err
		}
		merge(ord, m, am)
	}
	return m, ord, nil
}

// merge sets src's keys in dst, merging maps key by key. ord has the key
// order of both and records dst's: as Ruby's Hash#merge, dst's keys keep
// their places and src's new ones follow.
func merge(ord *keyorder.Table, dst, src map[string]any) {
	keys := ord.Keys(dst)
	for _, k := range ord.Keys(src) {
		v := src[k]
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				merge(ord, dm, sm)
				continue
			}
		}
		if _, had := dst[k]; !had {
			keys = append(keys, k)
		}
		dst[k] = v
	}
	ord.Set(dst, keys)
}

func knownHostsFiles(explicit string) []string {
	if explicit != "" {
		return []string{explicit}
	}
	var out []string
	if home, err := os.UserHomeDir(); err == nil {
		out = append(out, filepath.Join(home, ".ssh", "known_hosts"))
	}
	return append(out, filepath.Join(".converge", "known_hosts"))
}

// connect opens the transport of one node.
func (o *RunOptions) connect(ctx context.Context, t target) (transport.Transport, error) {
	var tr transport.Transport
	if t.Local {
		tr = local.New()
	} else {
		cfg := sshtransport.Config{
			Host: t.Host, Port: t.Port, User: t.User,
			KnownHostsFiles:   knownHostsFiles(o.KnownHosts),
			AcceptNewHostKeys: o.AcceptNewHostKeys,
			Timeout:           o.Timeout,
		}
		if o.Port != 0 {
			cfg.Port = o.Port
		}
		if o.User != "" {
			cfg.User = o.User
		}
		if id := firstNonEmpty(o.Identity, t.Identity); id != "" {
			cfg.IdentityFiles = []string{id}
		}
		c, err := sshtransport.Dial(ctx, cfg)
		if err != nil {
			return nil, err
		}
		tr = c
	}
	if o.Sudo {
		tr = transport.Sudo(tr, os.Getenv("CONVERGE_SUDO_PASSWORD"))
	}
	return tr, nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// prepare resolves targets, connects and gathers facts on every node in
// parallel. Nodes that fail keep their error; the others go on.
func (o *RunOptions) prepare(ctx context.Context) ([]*node, error) {
	if o.FactsFile != "" {
		return o.recordedNodes()
	}
	var nodes []*node
	if o.Local {
		h, _ := os.Hostname()
		nodes = append(nodes, &node{t: target{Name: h, Local: true}})
	}
	ts, err := o.targets()
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		nodes = append(nodes, &node{t: t})
	}
	probeLimit := (&engine.Options{ProbeTimeout: o.ProbeTimeout}).ProbeLimit()
	parallel(nodes, o.Concurrency, func(n *node) {
		if ctx.Err() != nil {
			n.err = notStarted(ctx)
			return
		}
		n.start = time.Now()
		tr, err := o.connect(ctx, n.t)
		if err != nil {
			if engine.Interrupted(ctx) {
				n.err = notStarted(ctx)
				return
			}
			n.err = fmt.Errorf("unreachable: %w", err)
			return
		}
		n.tr = tr
		if !n.t.Local {
			n.trips.Connect = 1
		}
		var f facts.Facts
		counted := engine.NewTripCounter(tr)
		err = engine.Within(ctx, probeLimit, "the facts round trip", "raise --probe-timeout if the node is only slow", func(ctx context.Context) error {
			f, err = facts.Gather(ctx, counted)
			return err
		})
		n.trips.Facts = counted.N()
		if err != nil {
			if engine.Interrupted(ctx) {
				err = notStarted(ctx)
			}
			n.err = err
			return
		}
		n.facts = f
	})
	return nodes, nil
}

func parallel(nodes []*node, limit int, fn func(*node)) {
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Add(1)
		sem <- struct{}{}
		go func(n *node) {
			defer wg.Done()
			defer func() { <-sem }()
			fn(n)
		}(n)
	}
	wg.Wait()
}

func closeAll(nodes []*node) {
	for _, n := range nodes {
		if n.tr != nil {
			n.tr.Close()
		}
	}
}

// compileAll compiles every reachable node; any error stops the run before
// a node is changed.
func (o *RunOptions) compileAll(nodes []*node) error {
	paths, err := withVendored(o.CookbookPaths)
	if err != nil {
		return err
	}
	repo, err := o.IO.openRepo(paths)
	if err != nil {
		return err
	}
	if repo.VersionOrigin, err = versionOrigin(); err != nil {
		return err
	}
	normal, normalOrd, err := o.normalAttrs()
	if err != nil {
		return err
	}
	var members []recipe.ClusterMember
	for _, n := range nodes {
		if n.err == nil {
			members = append(members, recipe.ClusterMember{Name: n.t.Name, Facts: n.facts})
		}
	}
	var errs *multierror.Error
	seen := map[string]bool{}
	for _, n := range nodes {
		if n.err != nil {
			continue
		}
		rl := recipe.SplitRunList(o.RunList)
		if len(rl) == 0 {
			rl = n.t.RunList
		}
		attrs, ord := map[string]any{}, keyorder.New()
		ord.Include(n.t.Order)
		ord.Include(normalOrd)
		merge(ord, attrs, n.t.Normal)
		merge(ord, attrs, normal)
		coll, err := repo.Compile(recipe.Input{Name: n.t.Name, Facts: n.facts, Normal: attrs, Order: ord, RunList: rl, Cluster: members, AllowTodo: o.AllowTodo,
			Environment: firstNonEmpty(o.Environment, n.t.Environment)})
		if err != nil {
			msg := err.Error()
			if !seen[msg] {
				seen[msg] = true
				errs = multierror.Append(errs, fmt.Errorf("%s (node %s)", msg, n.t.Name))
			}
			continue
		}
		n.coll = coll
	}
	if errs != nil {
		errs.ErrorFormat = func(es []error) string {
			var b strings.Builder
			b.WriteString("no node was changed: the recipes have errors\n")
			for _, e := range es {
				b.WriteString(e.Error() + "\n")
			}
			return b.String()
		}
		return &exitError{code: ExitUsage, err: errs}
	}
	return nil
}

func convergeRun(ctx context.Context, o *RunOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := interruptible(ctx, o.IO.Err)
	defer stop()
	_, err := convergeNodes(ctx, o)
	return err
}

// notStarted is the error of a node an interruption kept from starting.
func notStarted(ctx context.Context) error {
	return fmt.Errorf("%w: not started", context.Cause(ctx))
}

// convergeNodes is convergeRun that also returns each node's outcome
// (node.res, node.err) for callers that judge it further, as `converge
// test` does. The nodes are nil when the run stopped before converging.
func convergeNodes(ctx context.Context, o *RunOptions) ([]*node, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := o.validate(true); err != nil {
		return nil, err
	}
	start := time.Now()
	nodes, err := o.prepare(ctx)
	if err != nil {
		return nil, err
	}
	defer closeAll(nodes)
	if err := o.compileAll(nodes); err != nil {
		return nil, err
	}
	rep := newReporter(o.IO, o.Format, o.Verbose, o.DryRun, len(nodes))
	rep.offline = o.FactsFile != ""
	for _, n := range nodes {
		if n.err != nil {
			rep.nodeFailed(n.t.Name, n.err)
		}
	}
	failures, stopped := 0, ""
	for bi, batch := range batches(nodes, o.Serial) {
		if stopped != "" {
			for _, n := range batch {
				if n.err == nil {
					n.skipped = stopped
					rep.nodeSkipped(n.t.Name, stopped)
				}
			}
			continue
		}
		if o.Serial.rolling() && ctx.Err() == nil {
			rep.batch(bi+1, len(nodes), o.Serial.size(len(nodes)), batch)
		}
		parallel(batch, o.Concurrency, func(n *node) {
			if n.err != nil || n.coll == nil {
				return
			}
			if ctx.Err() != nil {
				// An interruption starts no new node.
				n.err = notStarted(ctx)
				rep.nodeFailed(n.t.Name, n.err)
				return
			}
			h := &engine.Host{T: n.tr, Node: n.coll.Node, CommandTimeout: o.CommandTimeout}
			n.res = engine.Converge(ctx, n.coll, h, engine.Options{DryRun: o.DryRun, Offline: o.FactsFile != "",
				ProbeTimeout: o.ProbeTimeout, Trips: n.trips, Rolling: o.Serial.rolling(), Sink: rep.sink(n.t.Name, n.facts)})
			n.err = n.res.Err
		})
		for _, n := range batch {
			if n.err != nil && !errors.Is(n.err, engine.ErrInterrupted) {
				failures++
			}
		}
		if o.Serial.rolling() && failures > o.MaxFail {
			stopped = rollStopped(failures)
		}
	}
	rep.summary(nodes, time.Since(start))
	var failed, interrupted, skipped []string
	for _, n := range nodes {
		switch {
		case n.skipped != "":
			skipped = append(skipped, n.t.Name)
		case errors.Is(n.err, engine.ErrInterrupted):
			interrupted = append(interrupted, n.t.Name)
		case n.err != nil:
			failed = append(failed, n.t.Name)
		}
	}
	if len(interrupted) > 0 {
		sort.Strings(interrupted)
		msg := fmt.Sprintf("%v: %d of %d nodes did not finish: %s", context.Cause(ctx), len(interrupted), len(nodes), strings.Join(interrupted, ", "))
		if len(failed) > 0 {
			sort.Strings(failed)
			msg += fmt.Sprintf("; %d failed: %s", len(failed), strings.Join(failed, ", "))
		}
		return nodes, &exitError{code: ExitInterrupted, err: errors.New(msg)}
	}
	if len(failed) > 0 {
		sort.Strings(failed)
		msg := fmt.Sprintf("%d of %d nodes failed: %s", len(failed), len(nodes), strings.Join(failed, ", "))
		if len(skipped) > 0 {
			msg += fmt.Sprintf("; %s (--max-fail %d): %d not converged: %s", stopped, o.MaxFail, len(skipped), strings.Join(skipped, ", "))
		}
		return nodes, &exitError{code: ExitNodes, err: errors.New(msg)}
	}
	return nodes, nil
}

// errUnreachable reports whether a node error came from connecting.
func errUnreachable(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "unreachable:")
}

var _ = errors.New

// recordedNodes reads the nodes of an offline plan from a facts file: the
// JSON `converge facts` prints (node name → facts). Named nodes are taken
// from it in the order given; without names, all of them, sorted.
func (o *RunOptions) recordedNodes() ([]*node, error) {
	b, err := os.ReadFile(o.FactsFile)
	if err != nil {
		return nil, usageErr("--facts: %v", err)
	}
	var recorded map[string]facts.Facts
	if err := json.Unmarshal(b, &recorded); err != nil {
		return nil, usageErr("--facts %s: want the JSON `converge facts` prints (node name → facts): %v", o.FactsFile, err)
	}
	names := o.Nodes
	selected := map[string]target{}
	if o.NodesExpr != "" {
		sel, _, err := selectTargets(o.NodesExpr)
		if err != nil {
			return nil, err
		}
		for _, t := range sel {
			names = append(names, t.Name)
			selected[t.Name] = t
		}
	}
	if len(names) == 0 {
		for n := range recorded {
			names = append(names, n)
		}
		sort.Strings(names)
	}
	var nodes []*node
	for _, n := range names {
		f, ok := recorded[n]
		if !ok {
			return nil, usageErr("--facts %s has no node %s", o.FactsFile, n)
		}
		t := target{Name: n, Host: n}
		if st, ok := selected[n]; ok {
			t = st
		} else if rt, err := resolveTarget(n); err == nil {
			t = rt
			t.Name = n
		}
		nodes = append(nodes, &node{t: t, facts: f, tr: offlineTransport{}, start: time.Now()})
	}
	return nodes, nil
}

// offlineTransport refuses to run anything: an offline plan must not reach
// a node.
type offlineTransport struct{}

func (offlineTransport) Run(context.Context, string, io.Reader) (transport.Result, error) {
	return transport.Result{}, errors.New("an offline plan (--facts) reached for the node; this is a bug in converge")
}
func (offlineTransport) Put(context.Context, string, []byte, transport.PutOptions) error {
	return errors.New("an offline plan (--facts) tried to write; this is a bug in converge")
}
func (offlineTransport) Get(context.Context, string) ([]byte, error) {
	return nil, errors.New("an offline plan (--facts) tried to read; this is a bug in converge")
}
func (offlineTransport) Close() error { return nil }
