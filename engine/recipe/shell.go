package recipe

import (
	"github.com/converge-cm/converge/engine/shell"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// shellModule is the recipes' `shell`: shell.quote(s) quotes s as one
// POSIX shell word.
var shellModule = &starlarkstruct.Module{
	Name: "shell",
	Members: starlark.StringDict{
		"quote": starlark.NewBuiltin("shell.quote", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var s string
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &s); err != nil {
				return nil, err
			}
			return starlark.String(shell.Quote(s)), nil
		}),
	},
}
