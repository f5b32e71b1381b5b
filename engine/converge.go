package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/go-multierror"
)

// Options control one node's converge.
type Options struct {
	// DryRun checks without applying: nothing on the node changes.
	DryRun bool
	// Sink receives the node's events; nil discards them.
	Sink Sink
	// Offline plans against an assumed fresh node without touching one
	// (implies DryRun); see Probed.Assumed.
	Offline bool
	// ProbeTimeout bounds each shell probe and guard (see timeout.go);
	// zero is DefaultProbeTimeout, negative (NoLimit) none.
	ProbeTimeout time.Duration
	// Trips are the round trips the caller already made to the node
	// (connect, facts); Result.RoundTrips and the node-end event add the
	// engine's own.
	Trips RoundTrips
	// Rolling: the node converges in a batch of a rolling run (--serial).
	// Only then do the recipe's rolling hooks run: a run that converges
	// every node at once would take them all out of service at once.
	Rolling bool
}

// ProbeLimit is the limit for each shell probe and guard; 0 is none.
func (o *Options) ProbeLimit() time.Duration {
	return resolveLimit(o.ProbeTimeout, DefaultProbeTimeout)
}

// maxNotifyDepth bounds chains of immediate notifications.
const maxNotifyDepth = 32

type delayedItem struct {
	target Resource
	action string
	from   string
}

type run struct {
	ctx  context.Context
	c    *Collection
	h    *Host
	opts Options

	probed  Probed
	probes  map[Resource][]Probe
	all     []Probe
	stale   map[string]bool // probe keys to take again before use
	mayStal map[string]bool // dry run: probes an earlier would-change could affect

	delayed     []delayedItem
	seenDelayed map[string]bool
	updated     map[Resource]bool
	order       []string
	lastRecipe  string

	probeLimit time.Duration // each shell probe; 0: none
	// parent maps an inner resource to the custom resource that declared
	// it; inner resources count as updates of their parent, not of the
	// node. held buffers the events of composites running now: a
	// composite's line is shown before its inner resources'.
	parent       map[Resource]Resource
	innerUpdates int
	held         [][]Event
	// hung is set when the node stopped answering (a HungError): nothing
	// more is started on it.
	hung error
	// next is the index of the next resource of the collection to start;
	// abandoned names the action an interruption cut short.
	next      int
	abandoned string
	// trips counts every round trip over h.T; probeTrips those that read
	// node state (the rest change it).
	trips      *TripCounter
	probeTrips int
	// probedAll: the first probe round trip was taken (by withHooks).
	probedAll bool
}

// Converge runs a node's collection: one probe round trip, then each
// resource in declaration order, notifications, and the delayed queue.
func Converge(ctx context.Context, c *Collection, h *Host, opts Options) Result {
	start := time.Now()
	var trips *TripCounter
	if h != nil && h.T != nil {
		trips = NewTripCounter(h.T)
		counted := *h
		counted.T = trips
		h = &counted
	}
	r := &run{
		ctx: ctx, c: c, h: h, opts: opts,
		probed: NewProbed(), probes: map[Resource][]Probe{},
		stale: map[string]bool{}, mayStal: map[string]bool{},
		seenDelayed: map[string]bool{}, updated: map[Resource]bool{},
		probeLimit: opts.ProbeLimit(), parent: map[Resource]Resource{},
		trips: trips,
	}
	res := Result{Node: c.Node.Name, Total: len(c.Resources)}
	r.emit(Event{Type: "node-start"})
	err := r.converge()
	if err != nil && Interrupted(ctx) {
		res.Interrupted = true
		err = r.interruptedErr()
	}
	res.Err = err
	res.Updated = len(r.updated)
	res.UpdatedResources = r.order
	res.Duration = time.Since(start)
	res.RoundTrips = opts.Trips
	if trips != nil {
		res.RoundTrips.Probe += r.probeTrips
		res.RoundTrips.Apply += trips.N() - r.probeTrips
	}
	rt := res.RoundTrips
	end := Event{Type: "node-end", Updated: res.Updated, Total: res.Total, Duration: res.Duration.Seconds(), RoundTrips: &rt}
	if err != nil {
		end.Status, end.Error = StatusFailed, err.Error()
		if res.Interrupted {
			end.Status = StatusInterrupted
		}
	}
	r.emit(end)
	return res
}

func (r *run) converge() error {
	seen := map[string]bool{}
	var gather func(res Resource)
	gather = func(res Resource) {
		var ps []Probe
		ps = append(ps, res.Probes()...)
		b := res.Base()
		for _, g := range append(append([]Guard{}, b.NotIf...), b.OnlyIf...) {
			if g.Fn == nil {
				ps = append(ps, ShellProbe(g.Cmd))
			}
		}
		r.probes[res] = ps
		for _, p := range ps {
			if !seen[p.key()] {
				seen[p.key()] = true
				r.all = append(r.all, p)
			}
		}
		// Every inner resource's probes go into the one round trip too.
		if comp, ok := res.(Composite); ok {
			for _, a := range comp.InnerActions() {
				for _, in := range comp.Inner(a) {
					r.parent[in] = res
					gather(in)
				}
			}
		}
	}
	for _, res := range r.c.Resources {
		gather(res)
	}
	if r.opts.Offline {
		r.opts.DryRun = true
		assumeFresh(r.all, &r.probed)
	}
	return r.withHooks(r.apply)
}

// apply takes the probe round trip (unless the hooks took it), then runs
// each resource in order and the delayed notifications.
func (r *run) apply() error {
	if !r.opts.Offline && !r.probedAll {
		if err := r.take(r.all); err != nil {
			return err
		}
	}
	var runErr error
	for i := 0; i < len(r.c.Resources); i++ {
		res := r.c.Resources[i]
		if err := r.stopped(); err != nil {
			runErr = err
			break
		}
		r.next = i + 1
		if n, err := r.plan(i); n > 0 {
			i += n - 1
			r.next = i + 1
			if err != nil {
				runErr = err
				break
			}
			continue
		}
		if err := r.runResource(res, res.Base().Actions, "", 0); err != nil {
			if res.Base().IgnoreFailure {
				continue
			}
			runErr = err
			break
		}
	}
	// Delayed notifications run at the end, also after a failure (Chef).
	var delayedErr error
	for i := 0; i < len(r.delayed); i++ {
		d := r.delayed[i]
		if r.hung != nil || r.ctx.Err() != nil {
			// An interrupted or hung node starts nothing more; its error
			// says so.
			if runErr == nil {
				runErr = r.stopped()
			}
			break
		}
		if err := r.runAction(d.target, d.action, "delayed notification from "+d.from, 0); err != nil && !d.target.Base().IgnoreFailure {
			delayedErr = multierror.Append(delayedErr, err)
		}
	}
	if runErr != nil && delayedErr != nil {
		return multierror.Append(runErr, delayedErr)
	}
	if runErr != nil {
		return runErr
	}
	return delayedErr
}

func (r *run) runResource(res Resource, actions []string, why string, depth int) error {
	for _, a := range actions {
		if err := r.runAction(res, a, why, depth); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) emit(e Event) {
	if r.opts.Sink == nil {
		return
	}
	e.Node = r.c.Node.Name
	if n := len(r.held); n > 0 {
		r.held[n-1] = append(r.held[n-1], e)
		return
	}
	r.opts.Sink.Event(e)
}

// refresh takes every stale probe again, in one round trip, if any probe
// of res is stale.
func (r *run) refresh(res Resource) error {
	if r.opts.Offline {
		return nil
	}
	need := false
	for _, p := range r.probes[res] {
		if r.stale[p.key()] || !r.probed.has(p) {
			need = true
			break
		}
	}
	if !need {
		return nil
	}
	var again []Probe
	for _, p := range r.all {
		if r.stale[p.key()] || !r.probed.has(p) {
			again = append(again, p)
		}
	}
	if err := r.take(again); err != nil {
		return err
	}
	for _, p := range again {
		delete(r.stale, p.key())
	}
	return nil
}

func (r *run) markStale(res Resource) {
	var touched []string
	all := true
	if t, ok := res.(Toucher); ok {
		touched, all = t.Touches(), false
	}
	target := r.stale
	if r.opts.DryRun {
		target = r.mayStal
	}
	for _, p := range r.all {
		if staleAfter(p, touched, all) {
			target[p.key()] = true
		}
	}
}

func (r *run) guardsSkip(b *Common) (bool, string, error) {
	eval := func(g Guard) (bool, error) {
		if g.Fn != nil {
			return g.Fn()
		}
		sr, ok := r.probed.Shell(g.Cmd)
		if !ok {
			return false, fmt.Errorf("guard %q was not probed; this is a bug in converge", g.Cmd)
		}
		if sr.TimedOut {
			return false, errGuardTimeout
		}
		return sr.ExitCode == 0, nil
	}
	timeout := func(kind string, g Guard) error {
		return &TimeoutError{What: kind, Subject: g.Desc, Limit: r.probeLimit,
			Hint: "a guard must answer within --probe-timeout; make it faster or raise the flag"}
	}
	for _, g := range b.NotIf {
		ok, err := eval(g)
		if err == errGuardTimeout {
			return false, "", timeout("not_if", g)
		}
		if err != nil {
			return false, "", fmt.Errorf("not_if %s: %w", g.Desc, err)
		}
		if ok {
			return true, "skipped due to not_if", nil
		}
	}
	for _, g := range b.OnlyIf {
		ok, err := eval(g)
		if err == errGuardTimeout {
			return false, "", timeout("only_if", g)
		}
		if err != nil {
			return false, "", fmt.Errorf("only_if %s: %w", g.Desc, err)
		}
		if !ok {
			return true, "skipped due to only_if", nil
		}
	}
	return false, "", nil
}

var errGuardTimeout = errors.New("guard timed out")

// probeTimedOut returns the error of a shell probe of res (not a guard)
// that the node's timeout ended.
func (r *run) probeTimedOut(res Resource) error {
	guards := map[string]bool{}
	for _, g := range append(append([]Guard{}, res.Base().NotIf...), res.Base().OnlyIf...) {
		guards[g.Cmd] = true
	}
	for _, p := range r.probes[res] {
		if p.Kind != ProbeShell || guards[p.Arg] {
			continue
		}
		if sr, ok := r.probed.Shell(p.Arg); ok && sr.TimedOut {
			return &TimeoutError{What: "probe", Subject: fmt.Sprintf("%q", p.Arg), Limit: r.probeLimit,
				Hint: "the node must answer each probe within --probe-timeout; raise the flag if it is only slow"}
		}
	}
	return nil
}

// take runs probes in one round trip, bounded by the probe timeouts.
func (r *run) take(probes []Probe) error {
	if r.hung != nil {
		return r.hung
	}
	defer r.reading()()
	err := Within(r.ctx, roundTripLimit(probes, r.probeLimit), "the probe round trip",
		"raise --probe-timeout if the node is only slow", func(ctx context.Context) error {
			return takeProbes(ctx, r.h.T, probes, r.probed, r.probeLimit)
		})
	r.noteHung(err)
	return err
}

// reading counts the round trips until the returned function is called
// as probe round trips.
func (r *run) reading() func() {
	if r.trips == nil {
		return func() {}
	}
	before := r.trips.N()
	return func() { r.probeTrips += r.trips.N() - before }
}

// noteHung records a HungError: the node takes no more work.
func (r *run) noteHung(err error) {
	var he *HungError
	if r.hung == nil && errors.As(err, &he) {
		r.hung = he
	}
}

// stopped returns why nothing more may start on the node: an
// interruption, a hung node, nil when work goes on.
func (r *run) stopped() error {
	if r.ctx.Err() != nil {
		return context.Cause(r.ctx)
	}
	return r.hung
}

// interruptedErr says what an interruption left undone on the node.
func (r *run) interruptedErr() error {
	var parts []string
	if r.abandoned != "" {
		parts = append(parts, r.abandoned+" abandoned")
	}
	if n := len(r.c.Resources) - r.next; n > 0 {
		parts = append(parts, fmt.Sprintf("%d more resource(s) not started", n))
	}
	if len(r.delayed) > 0 {
		parts = append(parts, fmt.Sprintf("%d delayed notification(s) not run", len(r.delayed)))
	}
	if len(parts) == 0 {
		return context.Cause(r.ctx)
	}
	return fmt.Errorf("%w: %s", context.Cause(r.ctx), strings.Join(parts, ", "))
}

func (r *run) recipeHeader(b *Common) {
	if b.Recipe != "" && b.Recipe != r.lastRecipe {
		r.lastRecipe = b.Recipe
		r.emit(Event{Type: "recipe", Recipe: b.Recipe})
	}
}

// runAction runs one action of one resource: guards, check, before
// notifications, apply, then its immediate and delayed notifications.
func (r *run) runAction(res Resource, action, why string, depth int) error {
	if depth > maxNotifyDepth {
		return fmt.Errorf("%s: notifications nest deeper than %d; is there a notification loop?", res.Base().Address(), maxNotifyDepth)
	}
	if err := r.stopped(); err != nil {
		return err // start nothing new
	}
	b := res.Base()
	r.recipeHeader(b)
	start := time.Now()
	ev := Event{Type: "resource", Resource: b.Address(), Action: action, Recipe: b.Recipe, Pos: b.Pos.String(), Why: why}
	if p := r.parent[res]; p != nil {
		ev.Parent = p.Base().Address()
		for q := p; q != nil; q = r.parent[q] {
			ev.Depth++
		}
	}
	done := func(s Status) {
		ev.Status, ev.Duration = s, time.Since(start).Seconds()
		r.emit(ev)
	}
	fail := func(err error) error {
		if Interrupted(r.ctx) {
			// The work in flight was abandoned: its command's context was
			// cancelled; a write in flight is never installed partly.
			r.abandoned = b.Address() + " action " + action
			ev.Error = "abandoned: " + context.Cause(r.ctx).Error()
			done(StatusInterrupted)
			return fmt.Errorf("%s (%s) action %s: %w", b.Address(), b.Pos, action, context.Cause(r.ctx))
		}
		err = redactErr(b, err)
		ev.Error = err.Error()
		if b.IgnoreFailure && r.hung == nil {
			done(StatusIgnored)
			return err
		}
		done(StatusFailed)
		return fmt.Errorf("%s (%s) action %s: %w", b.Address(), b.Pos, action, err)
	}
	if action == "nothing" {
		ev.Why = "skipped due to action nothing"
		done(StatusSkipped)
		return nil
	}
	if err := r.refresh(res); err != nil {
		return fail(err)
	}
	skip, reason, err := r.guardsSkip(b)
	if err != nil {
		return fail(err)
	}
	if skip {
		ev.Why = reason
		done(StatusSkipped)
		return nil
	}
	if err := r.probeTimedOut(res); err != nil {
		return fail(err)
	}
	if comp, ok := res.(Composite); ok {
		return r.runComposite(comp, action, &ev, done, fail, depth)
	}
	if m, ok := res.(Messenger); ok {
		ev.Level, ev.Message = m.Message(action)
		if b.Sensitive {
			ev.Message = "(sensitive message suppressed)"
		}
	}
	d, err := res.Check(action, r.probed)
	if err != nil {
		return fail(err)
	}
	if d.Empty() {
		st := StatusUpToDate
		if r.opts.DryRun && r.mayBeStale(res) {
			st = StatusMayChange
		}
		done(st)
		return nil
	}
	// before: the targets run first, then the resource is checked again.
	befores := 0
	for _, e := range r.c.Edges(res) {
		if e.Timing == "before" {
			befores++
			if err := r.runAction(e.Target, e.Action, "before notification from "+b.Address(), depth+1); err != nil && !e.Target.Base().IgnoreFailure {
				return fail(err)
			}
		}
	}
	if befores > 0 && !r.opts.DryRun {
		if err := r.refresh(res); err != nil {
			return fail(err)
		}
		if d, err = res.Check(action, r.probed); err != nil {
			return fail(err)
		}
		if d.Empty() {
			done(StatusUpToDate)
			return nil
		}
	}
	ev.Changes = d.Changes
	if !b.Sensitive {
		ev.Commands = d.Commands
	}
	if b.Sensitive {
		ev.Changes = []string{"suppressed sensitive resource output"}
	} else if d.Content != nil {
		ev.Diff = r.contentDiff(d.Content)
	}
	if r.opts.DryRun {
		r.markStale(res)
		r.noteUpdated(res)
		done(StatusWouldChange)
		return r.fire(res, depth)
	}
	limit := r.h.CommandLimit()
	if cl, ok := res.(CommandLimiter); ok {
		limit = cl.CommandLimit(limit)
	}
	var applyErr error
	for attempt := 0; attempt <= b.Retries; attempt++ {
		if attempt > 0 && b.RetryDelay > 0 {
			select {
			case <-time.After(time.Duration(b.RetryDelay) * time.Second):
			case <-r.ctx.Done():
				return fail(r.ctx.Err())
			}
		}
		applyErr = Within(r.ctx, limit, "action "+action+" of "+b.Address(),
			"raise --command-timeout, or the resource's timeout", func(ctx context.Context) error {
				return res.Apply(ctx, action, d, r.h)
			})
		r.noteHung(applyErr)
		if applyErr == nil || r.hung != nil || r.ctx.Err() != nil {
			break
		}
	}
	// Whatever happened, the node may have changed.
	r.markStale(res)
	if applyErr != nil {
		return fail(applyErr)
	}
	r.noteUpdated(res)
	done(StatusUpdated)
	return r.fire(res, depth)
}

func (r *run) noteUpdated(res Resource) {
	if r.parent[res] != nil {
		// An inner resource is an update of its parent.
		r.innerUpdates++
		return
	}
	if !r.updated[res] {
		r.updated[res] = true
		r.order = append(r.order, res.Base().Address())
	}
}

func (r *run) mayBeStale(res Resource) bool {
	for _, p := range r.probes[res] {
		if r.mayStal[p.key()] {
			return true
		}
	}
	return false
}

// fire sends the notifications of an updated resource.
func (r *run) fire(res Resource, depth int) error {
	from := res.Base().Address()
	for _, e := range r.c.Edges(res) {
		switch e.Timing {
		case "immediately":
			if err := r.runAction(e.Target, e.Action, "notified by "+from, depth+1); err != nil && !e.Target.Base().IgnoreFailure {
				return err
			}
		case "delayed":
			k := delayedKey(e.Target, e.Action)
			if !r.seenDelayed[k] {
				r.seenDelayed[k] = true
				r.delayed = append(r.delayed, delayedItem{target: e.Target, action: e.Action, from: from})
			}
		}
	}
	return nil
}

func (r *run) contentDiff(c *ContentChange) string {
	old := c.Old
	if c.NeedsOld && c.OldSHA != "" && old == nil && !r.opts.Offline {
		var b []byte
		done := r.reading()
		err := Within(r.ctx, r.probeLimit, "reading "+c.Path+" for its diff", "", func(ctx context.Context) error {
			var err error
			b, err = r.h.T.Get(ctx, c.Path)
			return err
		})
		done()
		r.noteHung(err)
		if err != nil {
			return "(old content unavailable: " + err.Error() + ")"
		}
		old = b
	}
	return UnifiedDiff(c.Path, old, c.New)
}

// redactErr hides command output of sensitive resources.
func redactErr(b *Common, err error) error {
	if !b.Sensitive {
		return err
	}
	var te *TimeoutError
	if errors.As(err, &te) {
		hidden := *te
		hidden.Subject = "(suppressed: the resource is sensitive)"
		return &hidden
	}
	var he *HungError
	if errors.As(err, &he) {
		return he
	}
	var ce *CommandError
	if errors.As(err, &ce) {
		return fmt.Errorf("command exited %d (output suppressed: the resource is sensitive)", ce.ExitCode)
	}
	return errors.New("failed (details suppressed: the resource is sensitive)")
}
