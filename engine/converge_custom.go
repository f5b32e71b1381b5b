package engine

import (
	"fmt"
	"time"
)

// runComposite runs one action of a custom resource whose guards passed:
// Check (load_current against the desired properties), then, unless that
// says up to date, the action's inner resources in order, each through
// runAction. The composite is updated when an inner resource was; its
// event is shown before those of its inner resources.
func (r *run) runComposite(comp Composite, action string, ev *Event, done func(Status), fail func(error) error, depth int) error {
	b := comp.Base()
	d, err := comp.Check(action, r.probed)
	if err != nil {
		return fail(err)
	}
	if d.Empty() && comp.Compares(action) {
		st := StatusUpToDate
		if r.opts.DryRun && r.mayBeStale(comp) {
			st = StatusMayChange
		}
		done(st)
		return nil
	}
	for _, e := range r.c.Edges(comp) {
		if e.Timing == "before" {
			if err := r.runAction(e.Target, e.Action, "before notification from "+b.Address(), depth+1); err != nil && !e.Target.Base().IgnoreFailure {
				return fail(err)
			}
		}
	}
	ev.Changes = d.Changes
	if b.Sensitive && len(d.Changes) > 0 {
		ev.Changes = []string{"suppressed sensitive resource output"}
	}
	var held []Event
	flush := func() {
		for _, e := range held {
			r.emit(e)
		}
	}
	changed := false
	var innerErr error
	for attempt := 0; attempt <= b.Retries; attempt++ {
		if attempt > 0 && b.RetryDelay > 0 {
			select {
			case <-time.After(time.Duration(b.RetryDelay) * time.Second):
			case <-r.ctx.Done():
				err := fail(r.ctx.Err())
				flush()
				return err
			}
		}
		r.held = append(r.held, nil)
		before := r.innerUpdates
		innerErr = r.runInner(comp, action, depth)
		changed = changed || r.innerUpdates > before
		held = append(held, r.held[len(r.held)-1]...)
		r.held = r.held[:len(r.held)-1]
		if innerErr == nil || r.hung != nil || r.ctx.Err() != nil || r.opts.DryRun {
			break
		}
	}
	if innerErr != nil {
		err := fail(innerErr)
		flush()
		return err
	}
	if changed || (r.opts.DryRun && !d.Empty()) {
		r.noteUpdated(comp)
		if r.opts.DryRun {
			done(StatusWouldChange)
		} else {
			done(StatusUpdated)
		}
		flush()
		return r.fire(comp, depth)
	}
	ev.Changes = nil
	done(StatusUpToDate)
	flush()
	return nil
}

// runInner runs the inner resources of one action of comp. Delayed
// notifications between them run at the end of the action (Chef's
// sub-run context); those to resources outside go on to the enclosing
// queue.
func (r *run) runInner(comp Composite, action string, depth int) error {
	outer := r.delayed
	r.delayed = nil
	var runErr error
	for _, in := range comp.Inner(action) {
		if err := r.stopped(); err != nil {
			runErr = err
			break
		}
		if err := r.runResource(in, in.Base().Actions, "", depth); err != nil {
			if in.Base().IgnoreFailure {
				continue
			}
			runErr = err
			break
		}
	}
	var passOn []delayedItem
	for i := 0; i < len(r.delayed); i++ {
		d := r.delayed[i]
		if !r.inside(d.target, comp) || r.stopped() != nil {
			passOn = append(passOn, d)
			continue
		}
		delete(r.seenDelayed, delayedKey(d.target, d.action))
		if err := r.runAction(d.target, d.action, "delayed notification from "+d.from, depth+1); err != nil && !d.target.Base().IgnoreFailure && runErr == nil {
			runErr = err
		}
	}
	r.delayed = append(outer, passOn...)
	return runErr
}

// inside reports whether res was declared, at any depth, by comp.
func (r *run) inside(res Resource, comp Resource) bool {
	for p := r.parent[res]; p != nil; p = r.parent[p] {
		if p == comp {
			return true
		}
	}
	return false
}

func delayedKey(target Resource, action string) string {
	return target.Base().Address() + "\x00" + action + fmt.Sprintf("\x00%p", target)
}
