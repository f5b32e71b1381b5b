package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/converge-cm/converge/engine/shell"
)

// Hooks are the shell commands a recipe declares with rolling_hooks(). In a
// rolling run (Options.Rolling) Before runs on the node after the probe
// round trip, when at least one resource would change, and After once the node has converged (also after a failed
// apply, so that a node Before took out of service is brought back). A node
// with nothing to change runs neither: a no-op run stays one probe round
// trip. The pm_corosync cookbook puts a node in standby before and back
// online after, so that a rolling converge moves the cluster's resources
// away from the node it restarts.
type Hooks struct {
	Before, After string
	// Timeout bounds each hook on the node; 0 is the run's command limit.
	Timeout time.Duration
	// Pos is where rolling_hooks() was called.
	Pos Pos
}

// Declared reports whether any hook is set.
func (h Hooks) Declared() bool { return h.Before != "" || h.After != "" }

// hookAddress is the pseudo-resource a hook's events are reported as.
func hookAddress(which string) string { return "rolling_hook[" + which + "]" }

// wouldChange reports whether converging the collection would change the
// node, judged against the first probe round trip without any I/O: a
// resource whose guards let it run and whose check is not empty (or
// fails: when in doubt, it changes). When no resource changes, no
// notification fires, so nothing else runs.
func (r *run) wouldChange() bool {
	for _, res := range r.c.Resources {
		for _, a := range res.Base().Actions {
			if r.actionWouldChange(res, a) {
				return true
			}
		}
	}
	return false
}

func (r *run) actionWouldChange(res Resource, action string) bool {
	if action == "nothing" {
		return false
	}
	skip, _, err := r.guardsSkip(res.Base())
	if err != nil {
		return true
	}
	if skip {
		return false
	}
	if r.probeTimedOut(res) != nil {
		return true
	}
	d, err := res.Check(action, r.probed)
	if err != nil || !d.Empty() {
		return true
	}
	if comp, ok := res.(Composite); ok && !comp.Compares(action) {
		// Its inner resources always run; their checks decide.
		for _, in := range comp.Inner(action) {
			for _, a := range in.Base().Actions {
				if r.actionWouldChange(in, a) {
					return true
				}
			}
		}
	}
	return false
}

// hookLimit is how long a hook may run on the node.
func (r *run) hookLimit() time.Duration {
	if t := r.c.Hooks.Timeout; t > 0 {
		return t
	}
	return r.h.CommandLimit()
}

// runHook runs the hook which ("before", "after") on the node, reported as
// the pseudo-resource rolling_hook[which]. A dry run shows it, runs nothing.
// Its round trip counts as an apply round trip.
func (r *run) runHook(ctx context.Context, which string) error {
	cmd := r.c.Hooks.Before
	if which == "after" {
		cmd = r.c.Hooks.After
	}
	if cmd == "" {
		return nil
	}
	start := time.Now()
	ev := Event{Type: "resource", Resource: hookAddress(which), Action: "run", Pos: r.c.Hooks.Pos.String(),
		Changes: []string{"run the " + which + " hook"}, Commands: []string{cmd}}
	done := func(s Status) {
		ev.Status, ev.Duration = s, time.Since(start).Seconds()
		r.emit(ev)
	}
	if r.opts.DryRun {
		done(StatusWouldChange)
		return nil
	}
	if r.hung != nil {
		ev.Error = "not run: " + r.hung.Error()
		done(StatusFailed)
		return r.hung
	}
	limit := r.hookLimit()
	wrapped := cmd
	if limit > 0 {
		wrapped = fmt.Sprintf("set --; if command -v timeout >/dev/null 2>&1; then set -- timeout %d; fi; \"$@\" sh -c %s", Seconds(limit), shell.Quote(cmd))
	}
	var out string
	err := Within(ctx, limit, "the "+which+" hook", "raise rolling_hooks(timeout = ...)", func(ctx context.Context) error {
		res, err := r.h.Run(ctx, wrapped, cmd)
		out = strings.TrimSpace(string(res.Stdout))
		var ce *CommandError
		if errors.As(err, &ce) && ce.ExitCode == 124 && limit > 0 {
			return &TimeoutError{What: which + " hook", Subject: fmt.Sprintf("%q", cmd), Limit: limit,
				Hint: "raise rolling_hooks(timeout = ...) at " + r.c.Hooks.Pos.String()}
		}
		return err
	})
	r.noteHung(err)
	if out != "" {
		for _, l := range strings.Split(out, "\n") {
			ev.Changes = append(ev.Changes, "output: "+l)
		}
	}
	if err != nil {
		ev.Error = err.Error()
		done(StatusFailed)
		return fmt.Errorf("%s (%s): %w", hookAddress(which), r.c.Hooks.Pos, err)
	}
	done(StatusUpdated)
	return nil
}

// withHooks runs converge between the node's hooks: before when something
// would change (after the probe round trip), after once converge has
// ended, whatever its outcome, when before ran and succeeded. An
// interruption does not keep after from running: it brings a node that
// before took out of service back (bounded by its own limit).
func (r *run) withHooks(converge func() error) error {
	if !r.c.Hooks.Declared() || !r.opts.Rolling {
		return converge()
	}
	// The first probe round trip: also the one converge would take (an
	// offline plan has assumed its probes).
	if !r.opts.Offline {
		if err := r.take(r.all); err != nil {
			return err
		}
		r.probedAll = true
	}
	if !r.wouldChange() {
		return converge()
	}
	if err := r.runHook(r.ctx, "before"); err != nil {
		return fmt.Errorf("%w; nothing was changed on the node (the after hook did not run)", err)
	}
	err := converge()
	afterErr := r.runHook(context.WithoutCancel(r.ctx), "after")
	switch {
	case err != nil && afterErr != nil:
		return errors.Join(err, afterErr)
	case err != nil:
		return err
	}
	return afterErr
}
