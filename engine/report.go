package engine

import (
	"context"
	"io"
	"sync/atomic"
	"time"

	"github.com/converge-cm/converge/engine/transport"
)

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
	// Node-end events carry the totals.
	Updated int `json:"updated,omitempty"`
	Total   int `json:"total,omitempty"`
	// RoundTrips are the node's round trips by phase: on the node-end
	// event of a node the engine converged (not of one that could not be
	// reached or whose facts failed).
	RoundTrips *RoundTrips `json:"round_trips,omitempty"`
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
	// RoundTrips counts the node's round trips: Options.Trips plus the
	// engine's probe and apply round trips.
	RoundTrips RoundTrips
}

// RoundTrips counts a node's round trips by phase: each command run, file
// written or file read over the node's connection is one. A no-op run is
// {connect 1, facts 1, probe 1, apply 0} (SPEC §5.1). The node-end event
// carries them as "round_trips".
type RoundTrips struct {
	// Connect is 1 when the run opened a connection to the node (0 for
	// --local and plan --facts).
	Connect int `json:"connect"`
	// Facts is the facts round trip (see facts.Gather).
	Facts int `json:"facts"`
	// Probe counts the round trips that read node state: the probe round
	// trip, re-probes after a change, reading a file's old content for a
	// diff.
	Probe int `json:"probe"`
	// Apply counts the round trips that change the node.
	Apply int `json:"apply"`
}

// TripCounter wraps a transport and counts its round trips: each Run, Put
// and Get is one. It is safe for concurrent use.
type TripCounter struct {
	transport.Transport
	n atomic.Int64
}

// NewTripCounter wraps t.
func NewTripCounter(t transport.Transport) *TripCounter { return &TripCounter{Transport: t} }

// N is the number of round trips so far.
func (c *TripCounter) N() int { return int(c.n.Load()) }

// Run counts one round trip.
func (c *TripCounter) Run(ctx context.Context, cmd string, stdin io.Reader) (transport.Result, error) {
	c.n.Add(1)
	return c.Transport.Run(ctx, cmd, stdin)
}

// Put counts one round trip.
func (c *TripCounter) Put(ctx context.Context, path string, data []byte, opts transport.PutOptions) error {
	c.n.Add(1)
	return c.Transport.Put(ctx, path, data, opts)
}

// Get counts one round trip.
func (c *TripCounter) Get(ctx context.Context, path string) ([]byte, error) {
	c.n.Add(1)
	return c.Transport.Get(ctx, path)
}
