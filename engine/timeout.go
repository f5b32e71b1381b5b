package engine

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Timeouts. Every kind of remote work has a limit, enforced on the node
// where it can be (POSIX `timeout`, in GNU coreutils and BusyBox) and on
// the control machine by a context deadline of that limit plus a grace, so
// that a node or connection that stops answering also ends:
//
//   - each shell probe and guard: Options.ProbeTimeout (default 2 min); the
//     probe round trip as a whole: that much per shell probe, plus once for
//     the stat pass;
//   - the commands of a resource's action (execute's own `timeout`, else
//     Host.CommandTimeout, default an hour as in Chef), file writes
//     included;
//   - reading a file for a diff: the probe timeout.
//
// When only the control-side deadline ends a piece of work, the node is
// taken to have hung: nothing more is started on it (no later resource, no
// delayed notification) and its report says what hung.
const (
	// DefaultProbeTimeout bounds each shell probe and guard.
	DefaultProbeTimeout = 2 * time.Minute
	// DefaultCommandTimeout bounds the commands of an action without a
	// limit of their own: Chef's execute default.
	DefaultCommandTimeout = time.Hour
	// NoLimit, as a timeout, means no limit.
	NoLimit time.Duration = -1
)

// resolveLimit turns an option value into a limit: zero takes def, a
// negative value means none (0).
func resolveLimit(v, def time.Duration) time.Duration {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

// Grace is how long past a node-side limit converge waits for the node's
// answer before it gives up on the connection: a quarter of the limit,
// between 1 and 10 seconds.
func Grace(limit time.Duration) time.Duration {
	return min(max(limit/4, time.Second), 10*time.Second)
}

// Seconds is a limit in whole seconds for the node's `timeout`, rounded up
// (BusyBox's takes no fractions); at least 1.
func Seconds(limit time.Duration) int64 {
	s := int64((limit + time.Second - 1) / time.Second)
	return max(s, 1)
}

// CommandLimiter is a resource whose commands have a limit of their own
// (execute's timeout property). Other resources' actions are bounded by
// Host.CommandTimeout.
type CommandLimiter interface {
	// CommandLimit is how long the action's commands may run, given the
	// run's default; 0 is no limit.
	CommandLimit(def time.Duration) time.Duration
}

// TimeoutError is work that the node ended because it ran past its limit.
type TimeoutError struct {
	// What timed out: "not_if", "only_if", "probe", "command".
	What string
	// Subject is the command, as shown to people ("" when hidden).
	Subject string
	Limit   time.Duration
	// Hint says how to raise the limit.
	Hint string
}

func (e *TimeoutError) Error() string {
	s := e.What
	if e.Subject != "" {
		s += " " + e.Subject
	}
	msg := fmt.Sprintf("%s timed out after %s", s, e.Limit)
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

// HungError is work that got no answer from the node within its limit
// plus the grace: the node or its connection hung.
type HungError struct {
	What  string // "the probe round trip", "the facts round trip", "action run of execute[x]"
	Limit time.Duration
	Hint  string
}

func (e *HungError) Error() string {
	msg := fmt.Sprintf("%s got no answer from the node within %s (its limit %s plus %s grace): the node or its connection hung; nothing more was started on it",
		e.What, e.Limit+Grace(e.Limit), e.Limit, Grace(e.Limit))
	if e.Hint != "" {
		msg += " (" + e.Hint + ")"
	}
	return msg
}

// ErrInterrupted is the cause a caller gives when it cancels a run's
// context on SIGINT or SIGTERM (context.WithCancelCause): the engine then
// reports the node as interrupted instead of failed.
var ErrInterrupted = errors.New("interrupted")

// Interrupted reports whether ctx was cancelled with ErrInterrupted.
func Interrupted(ctx context.Context) bool {
	return errors.Is(context.Cause(ctx), ErrInterrupted)
}

// Within runs fn with a deadline of limit plus its grace (none when limit
// is 0). When fn fails and that deadline, not ctx, ended it, the error is
// a HungError naming what.
func Within(ctx context.Context, limit time.Duration, what, hint string, fn func(context.Context) error) error {
	if limit <= 0 {
		return fn(ctx)
	}
	cctx, cancel := context.WithTimeout(ctx, limit+Grace(limit))
	defer cancel()
	err := fn(cctx)
	if err != nil && ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded) {
		return &HungError{What: what, Limit: limit, Hint: hint}
	}
	return err
}
