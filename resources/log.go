package resources

import (
	"context"

	"github.com/converge-cm/converge/engine"
)

// Log writes a message to converge's output when the run reaches it, as
// Chef's log does. It never touches the node and, like Chef's log since
// count_log_resource_updates became false, never counts as updated.
type Log struct {
	engine.Common
	Text  string `prop:"message,name" doc:"The message; defaults to the resource name."`
	Level string `prop:"level" doc:"One of debug, info (the default), warn, error and fatal."`
}

var (
	_ engine.Resource  = (*Log)(nil)
	_ engine.Messenger = (*Log)(nil)
)

func init() {
	engine.Register(engine.Kind{Name: "log", Actions: []string{"write"},
		New: func() engine.Resource { return &Log{} }, Doc: "A message in converge's output; the node is not touched."})
}

// Prepare checks the level.
func (l *Log) Prepare(*engine.PrepareContext) error {
	switch l.Level {
	case "":
		l.Level = "info"
	case "debug", "info", "warn", "error", "fatal":
	default:
		return engine.Errorf(&l.Common, "use debug, info, warn, error or fatal", "log level %q is unknown", l.Level)
	}
	return nil
}

// Message is what the run shows.
func (l *Log) Message(string) (string, string) { return l.Level, l.Text }

// Probes: none.
func (l *Log) Probes() []engine.Probe { return nil }

// Touches nothing.
func (l *Log) Touches() []string { return []string{} }

// Check never plans a change: the message is shown by the engine.
func (l *Log) Check(string, engine.Probed) (engine.Diff, error) { return engine.Diff{}, nil }

// Apply does nothing.
func (l *Log) Apply(context.Context, string, engine.Diff, *engine.Host) error { return nil }
