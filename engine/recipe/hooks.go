package recipe

import (
	"fmt"
	"strings"
	"time"

	"go.starlark.net/starlark"

	"github.com/converge-cm/converge/engine"
)

// builtinRollingHooks is rolling_hooks(before = CMD, after = CMD, timeout =
// SECONDS): shell commands the engine runs on the node before it changes
// anything and once it has converged (see engine.Hooks). One call per run.
func (c *compiler) builtinRollingHooks(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var before, after string
	var timeout starlark.Value = starlark.MakeInt(0)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "before?", &before, "after?", &after, "timeout?", &timeout); err != nil {
		return nil, err
	}
	pos := callerPos(thread)
	if prev := c.coll.Hooks; prev.Declared() || prev.Pos.File != "" {
		return nil, &engine.Diagnostic{Pos: pos, Summary: "rolling_hooks() is called a second time (first at " + prev.Pos.String() + ")",
			Detail: "a run has one pair of hooks: keep one call, in the recipe that owns the node's service, and merge the commands into it"}
	}
	if strings.TrimSpace(before) == "" && strings.TrimSpace(after) == "" {
		return nil, &engine.Diagnostic{Pos: pos, Summary: "rolling_hooks() without a command",
			Detail: `give before = "CMD", after = "CMD", or both`}
	}
	var secs float64
	switch v := timeout.(type) {
	case starlark.Int:
		n, ok := v.Int64()
		if !ok {
			return nil, &engine.Diagnostic{Pos: pos, Summary: "rolling_hooks(timeout = ...): too large"}
		}
		secs = float64(n)
	case starlark.Float:
		secs = float64(v)
	default:
		return nil, &engine.Diagnostic{Pos: pos, Summary: fmt.Sprintf("rolling_hooks(timeout = %s): want a number of seconds, got %s", timeout, timeout.Type())}
	}
	if secs < 0 || secs > 7*24*3600 {
		return nil, &engine.Diagnostic{Pos: pos, Summary: fmt.Sprintf("rolling_hooks(timeout = %v): want seconds between 0 (the run's --command-timeout) and a week", secs)}
	}
	c.coll.Hooks = engine.Hooks{Before: before, After: after, Timeout: time.Duration(secs * float64(time.Second)), Pos: pos}
	return starlark.None, nil
}
