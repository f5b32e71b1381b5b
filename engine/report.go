package engine

import "time"

// Status is the outcome of one resource action.
type Status string

const (
	StatusUpToDate    Status = "up-to-date"
	StatusUpdated     Status = "updated"
	StatusWouldChange Status = "would-change"
	StatusMayChange   Status = "would-change-if-earlier-changed"
	StatusSkipped     Status = "skipped"
	StatusFailed      Status = "failed"
	StatusIgnored     Status = "failed-ignored"
	// StatusInterrupted is a resource whose action a SIGINT or SIGTERM cut
	// short, or a node whose run it did.
	StatusInterrupted Status = "interrupted"
)

// Event is one line of a node's report; JSON output writes it as is.
type Event struct {
	Type     string  `json:"type"` // "resource", "recipe", "node-start", "node-end", "error"
	Node     string  `json:"node"`
	Resource string  `json:"resource,omitempty"`
	Action   string  `json:"action,omitempty"`
	Status   Status  `json:"status,omitempty"`
	Duration float64 `json:"duration,omitempty"` // seconds
	Recipe   string  `json:"recipe,omitempty"`
	Pos      string  `json:"pos,omitempty"`
	// Parent is the address of the custom resource whose action declared
	// this one; Depth is how deep it nests (0 at the top of the run list).
	Parent string `json:"parent,omitempty"`
	Depth  int    `json:"depth,omitempty"`
	// Changes are the human-readable lines of the diff.
	Changes []string `json:"changes,omitempty"`
	// Diff is a unified diff of content; "" when none or sensitive.
	Diff string `json:"diff,omitempty"`
	// Commands are the commands the change runs (plans); none when sensitive.
	Commands []string `json:"commands,omitempty"`
	// Why says why a resource was skipped or run: "not_if", "notified by X".
	Why string `json:"why,omitempty"`
	// Message and Level are a log resource's message (see Messenger).
	Message string `json:"message,omitempty"`
	Level   string `json:"level,omitempty"`
	Error   string `json:"error,omitempty"`
	// Node-end events carry the totals, and the round trips the node took
	// by phase: "facts" (gathered before compiling), "probe" (probe
	// scripts: one on a no-op run) and "apply" (every other command or
	// write).
	Updated    int            `json:"updated,omitempty"`
	Total      int            `json:"total,omitempty"`
	RoundTrips map[string]int `json:"round_trips,omitempty"`
}

// Sink receives a node's events in order. Implementations must be safe for
// use by several nodes at once.
type Sink interface {
	Event(e Event)
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(Event)

// Event calls f.
func (f SinkFunc) Event(e Event) { f(e) }

// Result is a node's converge outcome.
type Result struct {
	Node     string
	Updated  int // resources updated (or that would be, in a dry run)
	Total    int
	Duration time.Duration
	Err      error // nil when the node converged
	// Interrupted is set when the run's context was cancelled with
	// ErrInterrupted before the node finished.
	Interrupted bool
	// UpdatedResources names the updated resources in order.
	UpdatedResources []string
	// RoundTrips counts the node's round trips by phase, as the node-end
	// event has them.
	RoundTrips map[string]int
}
