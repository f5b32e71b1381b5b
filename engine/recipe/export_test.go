package recipe

import (
	starjson "go.starlark.net/lib/json"
	"go.starlark.net/starlark"
)

// SetMaxSteps sets the execution step limit for a test and returns a
// function that restores it.
func SetMaxSteps(n uint64) (restore func()) {
	old := maxSteps
	maxSteps = n
	return func() { maxSteps = old }
}

// XMLParses returns how many documents xml.decode has parsed (not taken
// from its cache).
func XMLParses() int64 { return xmlParses.Load() }

// Predeclared returns the recipe modules (shell, json, xml, re) for tests
// that run Starlark directly.
func Predeclared() starlark.StringDict {
	return starlark.StringDict{"shell": shellModule, "json": starjson.Module, "xml": xmlModule, "re": reModule}
}
