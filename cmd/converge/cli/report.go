package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/facts"
)

// reporter turns engine events into Chef-style text or JSON lines. With
// several nodes, each node's text is kept together and printed when the
// node finishes, under a live progress line on a terminal.
type reporter struct {
	mu      sync.Mutex
	io      *IO
	json    bool
	verbose bool
	dryRun  bool
	offline bool // plan --facts: show the commands changes run
	total   int
	done    int
	live    bool // one node: stream lines as they come
	tty     bool
	bufs    map[string]*bytes.Buffer
	enc     *json.Encoder
}

func newReporter(io *IO, format string, verbose, dryRun bool, total int) *reporter {
	r := &reporter{io: io, json: format == "json", verbose: verbose, dryRun: dryRun, total: total,
		live: total == 1, bufs: map[string]*bytes.Buffer{}}
	if f, ok := io.Err.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			r.tty = true
		}
	}
	r.enc = json.NewEncoder(io.Out)
	return r
}

func (r *reporter) nodeFailed(name string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done++
	if r.json {
		st := engine.StatusFailed
		if errors.Is(err, engine.ErrInterrupted) {
			st = engine.StatusInterrupted
		}
		r.enc.Encode(engine.Event{Type: "node-end", Node: name, Status: st, Error: err.Error()})
		return
	}
	r.clearProgress()
	fmt.Fprintf(r.io.Out, "Node %s: %v\n", name, err)
	r.progress()
}

// nodeSkipped reports a node a stopped roll did not start.
func (r *reporter) nodeSkipped(name, why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done++
	if r.json {
		r.enc.Encode(engine.Event{Type: "node-end", Node: name, Status: engine.StatusSkipped, Why: why})
		return
	}
	r.clearProgress()
	fmt.Fprintf(r.io.Out, "Node %s: skipped (%s)\n", name, why)
	r.progress()
}

// batch announces a batch of a rolling converge (text only).
func (r *reporter) batch(i, total, size int, nodes []*node) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.json {
		return
	}
	names := make([]string, len(nodes))
	for j, n := range nodes {
		names[j] = n.t.Name
	}
	r.clearProgress()
	fmt.Fprintf(r.io.Out, "Batch %d of %d: %s\n", i, (total+size-1)/size, strings.Join(names, ", "))
	r.progress()
}

func (r *reporter) sink(name string, f facts.Facts) engine.Sink {
	return engine.SinkFunc(func(e engine.Event) {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.json {
			r.enc.Encode(e)
			if e.Type == "node-end" {
				r.done++
			}
			return
		}
		var w io.Writer
		if r.live {
			w = r.io.Out
		} else {
			b := r.bufs[name]
			if b == nil {
				b = &bytes.Buffer{}
				r.bufs[name] = b
			}
			w = b
		}
		r.text(w, e, f)
		if e.Type == "node-end" {
			r.done++
			if !r.live {
				r.clearProgress()
				r.io.Out.Write(r.bufs[name].Bytes())
				delete(r.bufs, name)
			}
		}
		r.progress()
	})
}

func (r *reporter) text(w io.Writer, e engine.Event, f facts.Facts) {
	switch e.Type {
	case "node-start":
		mode := "Converging"
		if r.dryRun {
			mode = "Planning (dry run)"
		}
		fmt.Fprintf(w, "%s %s (%s %s, %s)\n", mode, e.Node, f.Platform, f.PlatformVersion, f.Init)
	case "recipe":
		fmt.Fprintf(w, "Recipe: %s\n", e.Recipe)
	case "resource":
		if e.Depth > 0 {
			// An inner resource of a custom resource: indented under its
			// parent, Chef style.
			var b bytes.Buffer
			inner := e
			inner.Depth = 0
			r.text(&b, inner, f)
			pad := strings.Repeat("    ", e.Depth)
			for _, l := range strings.SplitAfter(b.String(), "\n") {
				if l != "" {
					io.WriteString(w, pad+l)
				}
			}
			return
		}
		line := fmt.Sprintf("  * %s action %s", e.Resource, e.Action)
		if e.Message != "" && e.Status == engine.StatusUpToDate {
			// A log resource: its message, never a change.
			if e.Level != "debug" || r.verbose {
				fmt.Fprintf(w, "%s\n    %s: %s\n", line, strings.ToUpper(e.Level), strings.ReplaceAll(e.Message, "\n", "\n    "))
			}
			return
		}
		switch e.Status {
		case engine.StatusUpToDate:
			fmt.Fprintf(w, "%s (up to date)%s\n", line, r.timing(e))
		case engine.StatusMayChange:
			fmt.Fprintf(w, "%s (up to date now; would change if an earlier resource changed)\n", line)
		case engine.StatusSkipped:
			fmt.Fprintf(w, "%s (%s)\n", line, e.Why)
		case engine.StatusUpdated, engine.StatusWouldChange:
			suffix := ""
			if e.Why != "" {
				suffix = " (" + e.Why + ")"
			}
			if e.Status == engine.StatusWouldChange {
				suffix += " [would change]"
			}
			fmt.Fprintf(w, "%s%s%s\n", line, suffix, r.timing(e))
			for _, c := range e.Changes {
				fmt.Fprintf(w, "    - %s\n", c)
			}
			if r.verbose || r.offline {
				for _, c := range e.Commands {
					if len(e.Changes) == 1 && e.Changes[0] == "execute "+c {
						continue // the change line already is the command
					}
					// A command of several lines (a script, a here-document)
					// keeps its continuation lines under the "$ ".
					fmt.Fprintf(w, "      $ %s\n", strings.ReplaceAll(strings.TrimSuffix(c, "\n"), "\n", "\n        "))
				}
			}
			if e.Diff != "" {
				for _, l := range strings.Split(strings.TrimSuffix(e.Diff, "\n"), "\n") {
					fmt.Fprintf(w, "      %s\n", l)
				}
			}
		case engine.StatusFailed, engine.StatusIgnored, engine.StatusInterrupted:
			what := "FAILED"
			switch e.Status {
			case engine.StatusIgnored:
				what = "failed (ignore_failure)"
			case engine.StatusInterrupted:
				what = "INTERRUPTED"
			}
			fmt.Fprintf(w, "%s %s\n    %s: %s\n", line, what, e.Pos, strings.ReplaceAll(e.Error, "\n", "\n    "))
		}
	case "node-end":
		verb := "updated"
		if r.dryRun {
			verb = "would be updated"
		}
		if e.Status == engine.StatusInterrupted {
			fmt.Fprintf(w, "Node %s INTERRUPTED after %d/%d resources %s:\n  %s\n\n", e.Node, e.Updated, e.Total, verb, strings.ReplaceAll(e.Error, "\n", "\n  "))
		} else if e.Status == engine.StatusFailed {
			fmt.Fprintf(w, "Node %s FAILED after %d/%d resources %s:\n  %s\n\n", e.Node, e.Updated, e.Total, verb, strings.ReplaceAll(e.Error, "\n", "\n  "))
		} else {
			fmt.Fprintf(w, "Node %s: %d/%d resources %s in %.2fs\n\n", e.Node, e.Updated, e.Total, verb, e.Duration)
		}
	}
}

func (r *reporter) timing(e engine.Event) string {
	if !r.verbose {
		return ""
	}
	return fmt.Sprintf(" [%.3fs]", e.Duration)
}

func (r *reporter) progress() {
	if !r.tty || r.live || r.json || r.done >= r.total {
		return
	}
	fmt.Fprintf(r.io.Err, "\r\033[Kconverging: %d/%d nodes done, %d running", r.done, r.total, r.total-r.done)
}

func (r *reporter) clearProgress() {
	if r.tty && !r.live && !r.json {
		fmt.Fprint(r.io.Err, "\r\033[K")
	}
}

// Summary statuses of a node.
const (
	sumChanged     = "changed"
	sumWouldChange = "would-change"
	sumUpToDate    = "up-to-date"
	sumFailed      = "failed"
	sumUnreachable = "unreachable"
	sumInterrupted = "interrupted"
	sumSkipped     = "skipped" // never started: no error, nothing compiled
)

// summaryCounts are the nodes of a run by outcome.
type summaryCounts struct {
	Total       int `json:"total"`
	Changed     int `json:"changed"`
	UpToDate    int `json:"up_to_date"`
	Failed      int `json:"failed"`
	Unreachable int `json:"unreachable"`
	Interrupted int `json:"interrupted"`
	Skipped     int `json:"skipped"`
}

// summaryRow is one node of the summary.
type summaryRow struct {
	Node     string  `json:"node"`
	Updated  int     `json:"updated"`
	Total    int     `json:"total"`
	Duration float64 `json:"duration"`
	Status   string  `json:"status"`
	// Why says why a node was skipped: "the roll stopped after 1 failure".
	Why string `json:"why,omitempty"`
}

// summaryEvent is the last line of --format json: every node's row, the
// counts, and the names of the nodes that did not converge (failed,
// unreachable or interrupted) and of those that changed (in a dry run:
// would change).
type summaryEvent struct {
	Type     string        `json:"type"` // "summary"
	Counts   summaryCounts `json:"counts"`
	Failed   []string      `json:"failed"`
	Changed  []string      `json:"changed"`
	Nodes    []summaryRow  `json:"nodes"`
	Duration float64       `json:"duration"`
}

// summarize sorts the nodes of a run by outcome.
func (r *reporter) summarize(nodes []*node, elapsed time.Duration) summaryEvent {
	ev := summaryEvent{Type: "summary", Failed: []string{}, Changed: []string{}, Nodes: []summaryRow{}, Duration: elapsed.Seconds()}
	for _, n := range nodes {
		st := r.nodeStatus(n)
		d := 0.0
		if !n.start.IsZero() {
			d = n.res.Duration.Seconds()
		}
		ev.Nodes = append(ev.Nodes, summaryRow{n.t.Name, n.res.Updated, n.res.Total, d, st, n.skipped})
		c := &ev.Counts
		c.Total++
		switch st {
		case sumChanged, sumWouldChange:
			c.Changed++
			ev.Changed = append(ev.Changed, n.t.Name)
		case sumUpToDate:
			c.UpToDate++
		case sumSkipped:
			c.Skipped++
		default:
			switch st {
			case sumFailed:
				c.Failed++
			case sumUnreachable:
				c.Unreachable++
			case sumInterrupted:
				c.Interrupted++
			}
			ev.Failed = append(ev.Failed, n.t.Name)
		}
	}
	return ev
}

// summary ends a run. Text: one line per node that failed or changed
// (those that failed first), then the counts of every outcome on the
// "converge finished" line, so that a run of hundreds of nodes that
// changed a few ends with a few lines. JSON: a summary event.
func (r *reporter) summary(nodes []*node, elapsed time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clearProgress()
	ev := r.summarize(nodes, elapsed)
	if r.json {
		r.enc.Encode(ev)
		return
	}
	var rows []summaryRow
	for _, failed := range []bool{true, false} {
		for _, row := range ev.Nodes {
			switch {
			case row.Status == sumSkipped && row.Why != "":
				// A node a stopped roll left alone, after the failures.
				if !failed {
					rows = append(rows, row)
				}
			case row.Status == sumUpToDate, row.Status == sumSkipped:
			case row.Status == sumChanged, row.Status == sumWouldChange:
				if !failed {
					rows = append(rows, row)
				}
			default:
				if failed {
					rows = append(rows, row)
				}
			}
		}
	}
	if len(rows) > 0 {
		tw := tabwriter.NewWriter(r.io.Out, 2, 4, 2, ' ', 0)
		head := "UPDATED"
		if r.dryRun {
			head = "WOULD UPDATE"
		}
		fmt.Fprintf(tw, "NODE\t%s\tTIME\tSTATUS\n", head)
		for _, row := range rows {
			d := "-"
			if row.Duration > 0 || row.Status == sumChanged || row.Status == sumWouldChange {
				d = fmt.Sprintf("%.2fs", row.Duration)
			}
			st := strings.ReplaceAll(row.Status, "-", " ")
			if row.Why != "" {
				st += " (" + row.Why + ")"
			}
			fmt.Fprintf(tw, "%s\t%d/%d\t%s\t%s\n", row.Node, row.Updated, row.Total, d, st)
		}
		tw.Flush()
	}
	fmt.Fprintf(r.io.Out, "converge finished in %.2fs: %s\n", elapsed.Seconds(), r.counts(ev.Counts))
}

// counts is "12 nodes, 2 changed, 1 failed, 9 up to date", leaving out
// the outcomes no node had.
func (r *reporter) counts(c summaryCounts) string {
	changed := "changed"
	if r.dryRun {
		changed = "would change"
	}
	var parts []string
	for _, p := range []struct {
		n    int
		what string
	}{{c.Changed, changed}, {c.Failed, "failed"}, {c.Unreachable, "unreachable"}, {c.Interrupted, "interrupted"}, {c.UpToDate, "up to date"}, {c.Skipped, "skipped"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	noun := "nodes"
	if c.Total == 1 {
		noun = "node"
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%d %s", c.Total, noun)
	}
	return fmt.Sprintf("%d %s, %s", c.Total, noun, strings.Join(parts, ", "))
}

// nodeStatus is the summary status of n.
func (r *reporter) nodeStatus(n *node) string {
	switch {
	case n.skipped != "":
		return sumSkipped
	case errors.Is(n.err, engine.ErrInterrupted):
		return sumInterrupted
	case errUnreachable(n.err):
		return sumUnreachable
	case n.err != nil:
		return sumFailed
	case n.coll == nil && n.res.Total == 0:
		return sumSkipped
	case n.res.Updated > 0 && r.dryRun:
		return sumWouldChange
	case n.res.Updated > 0:
		return sumChanged
	default:
		return sumUpToDate
	}
}
