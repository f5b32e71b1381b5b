package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/go-multierror"

	"github.com/converge-cm/converge/engine/transport"
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
}

// Converge runs a node's collection: one probe round trip, then each
// resource in declaration order, notifications, and the delayed queue.
func Converge(ctx context.Context, c *Collection, h *Host, opts Options) Result {
	start := time.Now()
	r := &run{
		ctx: ctx, c: c, h: h, opts: opts,
		probed: NewProbed(), probes: map[Resource][]Probe{},
		stale: map[string]bool{}, mayStal: map[string]bool{},
		seenDelayed: map[string]bool{}, updated: map[Resource]bool{},
	}
	res := Result{Node: c.Node.Name, Total: len(c.Resources)}
	r.emit(Event{Type: "node-start"})
	err := r.converge()
	res.Err = err
	res.Updated = len(r.updated)
	res.UpdatedResources = r.order
	res.Duration = time.Since(start)
	end := Event{Type: "node-end", Updated: res.Updated, Total: res.Total, Duration: res.Duration.Seconds()}
	if err != nil {
		end.Status, end.Error = StatusFailed, err.Error()
	}
	r.emit(end)
	return res
}

func (r *run) converge() error {
	seen := map[string]bool{}
	for _, res := range r.c.Resources {
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
	}
	if r.opts.Offline {
		r.opts.DryRun = true
		assumeFresh(r.all, &r.probed)
	} else if err := takeProbes(r.ctx, r.h.T, r.all, r.probed); err != nil {
		return err
	}

	var runErr error
	for i := 0; i < len(r.c.Resources); i++ {
		res := r.c.Resources[i]
		if err := r.ctx.Err(); err != nil {
			runErr = err
			break
		}
		if n, err := r.batch(i); n > 0 {
			i += n - 1
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
		if err := r.ctx.Err(); err != nil {
			delayedErr = multierror.Append(delayedErr, err)
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
	if err := takeProbes(r.ctx, r.h.T, again, r.probed); err != nil {
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
		return sr.ExitCode == 0, nil
	}
	for _, g := range b.NotIf {
		ok, err := eval(g)
		if err != nil {
			return false, "", fmt.Errorf("not_if %s: %w", g.Desc, err)
		}
		if ok {
			return true, "skipped due to not_if", nil
		}
	}
	for _, g := range b.OnlyIf {
		ok, err := eval(g)
		if err != nil {
			return false, "", fmt.Errorf("only_if %s: %w", g.Desc, err)
		}
		if !ok {
			return true, "skipped due to only_if", nil
		}
	}
	return false, "", nil
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
	b := res.Base()
	r.recipeHeader(b)
	start := time.Now()
	ev := Event{Type: "resource", Resource: b.Address(), Action: action, Recipe: b.Recipe, Pos: b.Pos.String(), Why: why}
	done := func(s Status) {
		ev.Status, ev.Duration = s, time.Since(start).Seconds()
		r.emit(ev)
	}
	fail := func(err error) error {
		err = redactErr(b, err)
		ev.Error = err.Error()
		if b.IgnoreFailure {
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
	var applyErr error
	for attempt := 0; attempt <= b.Retries; attempt++ {
		if attempt > 0 && b.RetryDelay > 0 {
			select {
			case <-time.After(time.Duration(b.RetryDelay) * time.Second):
			case <-r.ctx.Done():
				return fail(r.ctx.Err())
			}
		}
		if applyErr = res.Apply(r.ctx, action, d, r.h); applyErr == nil {
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
			k := e.Target.Base().Address() + "\x00" + e.Action + fmt.Sprintf("\x00%p", e.Target)
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
		b, err := r.h.T.Get(r.ctx, c.Path)
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
	var ce *CommandError
	if errors.As(err, &ce) {
		return fmt.Errorf("command exited %d (output suppressed: the resource is sensitive)", ce.ExitCode)
	}
	return errors.New("failed (details suppressed: the resource is sensitive)")
}

// maxBatch bounds how many file writes share one round trip (the receiving
// script travels on the command line, which has a size limit).
const maxBatch = 64

// batch streams the writes of consecutive file resources starting at i in
// one round trip, when there are at least two of them: each is a single
// create action whose change is one file write, with fresh probes that no
// earlier write of the batch could affect, no guard that skips it, no
// retries or ignore_failure, and only delayed notifications. It returns how
// many resources it handled (0: none, take the normal path).
func (r *run) batch(i int) (int, error) {
	if r.opts.DryRun {
		return 0, nil
	}
	type item struct {
		res    Resource
		action string
		d      Diff
		w      transport.FileWrite
	}
	var items []item
	var touched []string
	size := 0
scan:
	for j := i; j < len(r.c.Resources) && len(items) < maxBatch && size < 48<<10; j++ {
		res := r.c.Resources[j]
		bw, ok := res.(BatchWriter)
		b := res.Base()
		if !ok || len(b.Actions) != 1 || b.Retries > 0 || b.IgnoreFailure {
			break
		}
		for _, e := range r.c.Edges(res) {
			if e.Timing != "delayed" {
				break scan
			}
		}
		for _, p := range r.probes[res] {
			if r.stale[p.key()] || !r.probed.has(p) || staleAfter(p, touched, false) {
				break scan
			}
		}
		if skip, _, err := r.guardsSkip(b); err != nil || skip {
			break
		}
		d, err := res.Check(b.Actions[0], r.probed)
		if err != nil || d.Empty() {
			break
		}
		w, ok := bw.BatchWrite(b.Actions[0], d)
		if !ok {
			break
		}
		t, ok := res.(Toucher)
		if !ok {
			break
		}
		items = append(items, item{res, b.Actions[0], d, w})
		touched = append(touched, t.Touches()...)
		size += 600 + len(w.Path)*4 + len(w.Opts.Verify)
	}
	if len(items) < 2 {
		return 0, nil
	}
	// Diffs read the old content, so they are made before the writes.
	diffs := make([]string, len(items))
	writes := make([]transport.FileWrite, len(items))
	for k, it := range items {
		writes[k] = it.w
		if it.d.Content != nil && !it.res.Base().Sensitive {
			diffs[k] = r.contentDiff(it.d.Content)
		}
	}
	start := time.Now()
	n, err := transport.PutMany(r.ctx, r.h.T, writes)
	each := time.Since(start).Seconds() / float64(len(items))
	for k, it := range items {
		b := it.res.Base()
		r.markStale(it.res)
		r.recipeHeader(b)
		ev := Event{Type: "resource", Resource: b.Address(), Action: it.action, Recipe: b.Recipe, Pos: b.Pos.String(), Duration: each}
		if k >= n {
			// The first write that failed; the later ones were not tried.
			werr := redactErr(b, err)
			ev.Status, ev.Error = StatusFailed, werr.Error()
			r.emit(ev)
			return k + 1, fmt.Errorf("%s (%s) action %s: %w", b.Address(), b.Pos, it.action, werr)
		}
		ev.Changes, ev.Diff = it.d.Changes, diffs[k]
		if b.Sensitive {
			ev.Changes = []string{"suppressed sensitive resource output"}
		}
		ev.Status = StatusUpdated
		r.noteUpdated(it.res)
		r.emit(ev)
		if ferr := r.fire(it.res, 0); ferr != nil {
			return k + 1, ferr
		}
	}
	return len(items), nil
}
