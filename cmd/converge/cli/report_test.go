package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/converge-cm/converge/engine"
)

// fleetOutcome builds the nodes of a finished run of 200 nodes: web007 and
// db02 failed, web150 was unreachable, web042, web099 and db01 changed,
// the rest were up to date.
func fleetOutcome() []*node {
	var nodes []*node
	add := func(name string, updated int, err error) {
		n := &node{t: target{Name: name}, start: time.Now(), coll: &engine.Collection{},
			res: engine.Result{Node: name, Updated: updated, Total: 12, Duration: 1500 * time.Millisecond, Err: err}, err: err}
		if errUnreachable(err) {
			n.coll, n.res = nil, engine.Result{}
		}
		nodes = append(nodes, n)
	}
	for i := 1; i <= 197; i++ {
		name := fmt.Sprintf("web%03d", i)
		switch name {
		case "web007":
			add(name, 3, errors.New("service[nginx] action restart: exit status 1"))
		case "web150":
			add(name, 0, errors.New("unreachable: dial tcp 10.0.1.150:22: connection refused"))
		case "web042", "web099":
			add(name, 2, nil)
		default:
			add(name, 0, nil)
		}
	}
	add("db01", 1, nil)
	add("db02", 0, errors.New("package[postgresql] action install: exit status 100"))
	add("db03", 0, nil)
	return nodes
}

// TestSummary_ManyNodesOneLinePerFailedOrChangedNode: the text summary of
// a 200-node run is a line per node that failed or changed, failed ones
// first, and the counts of the rest on the last line.
func TestSummary_ManyNodesOneLinePerFailedOrChangedNode(t *testing.T) {
	for _, dry := range []bool{false, true} {
		t.Run(fmt.Sprintf("dry-run=%v", dry), func(t *testing.T) {
			var out bytes.Buffer
			r := newReporter(&IO{Out: &out, Err: &bytes.Buffer{}}, "text", false, dry, 200)
			r.summary(fleetOutcome(), 83*time.Second)
			head, changed, last := "UPDATED", "changed", "converge finished in 83.00s: 200 nodes, 3 changed, 2 failed, 1 unreachable, 194 up to date\n"
			if dry {
				head, changed, last = "WOULD UPDATE", "would change", "converge finished in 83.00s: 200 nodes, 3 would change, 2 failed, 1 unreachable, 194 up to date\n"
			}
			lines := strings.SplitAfter(strings.TrimSuffix(out.String(), "\n"), "\n")
			var got []string
			for _, l := range lines {
				got = append(got, strings.Join(strings.Fields(l), " "))
			}
			want := []string{
				"NODE " + head + " TIME STATUS",
				"web007 3/12 1.50s failed",
				"web150 0/0 - unreachable",
				"db02 0/12 1.50s failed",
				"web042 2/12 1.50s " + changed,
				"web099 2/12 1.50s " + changed,
				"db01 1/12 1.50s " + changed,
				strings.TrimSpace(last),
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("summary\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if !strings.HasSuffix(out.String(), last) {
				t.Errorf("last line: %q", lines[len(lines)-1])
			}
		})
	}
}

// TestSummary_AllUpToDateIsOneLine: a run that changed nothing ends with
// the counts alone.
func TestSummary_AllUpToDateIsOneLine(t *testing.T) {
	tests := []struct {
		nodes []*node
		want  string
	}{
		{[]*node{{t: target{Name: "a"}, coll: &engine.Collection{}, res: engine.Result{Total: 4}, start: time.Now()}},
			"converge finished in 2.00s: 1 node, 1 up to date\n"},
		{[]*node{
			{t: target{Name: "a"}, coll: &engine.Collection{}, res: engine.Result{Total: 4}, start: time.Now()},
			{t: target{Name: "b"}, coll: &engine.Collection{}, res: engine.Result{Total: 4}, start: time.Now()},
			{t: target{Name: "c"}}, // never started
		}, "converge finished in 2.00s: 3 nodes, 2 up to date, 1 skipped\n"},
		{nil, "converge finished in 2.00s: 0 nodes\n"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		r := newReporter(&IO{Out: &out, Err: &bytes.Buffer{}}, "text", false, false, len(tt.nodes))
		r.summary(tt.nodes, 2*time.Second)
		if out.String() != tt.want {
			t.Errorf("summary %q, want %q", out.String(), tt.want)
		}
	}
}

// TestSummary_JSONEvent: --format json ends with one summary event: the
// counts, the names of the nodes that did not converge and of those that
// changed, and every node's row.
func TestSummary_JSONEvent(t *testing.T) {
	var out bytes.Buffer
	r := newReporter(&IO{Out: &out, Err: &bytes.Buffer{}}, "json", false, false, 200)
	r.summary(fleetOutcome(), 83*time.Second)
	if strings.Count(out.String(), "\n") != 1 || !strings.HasPrefix(out.String(), `{"type":"summary",`) {
		t.Fatalf("want one summary line, got %s", out.String())
	}
	var ev summaryEvent
	if err := json.Unmarshal(out.Bytes(), &ev); err != nil {
		t.Fatal(err)
	}
	wantCounts := summaryCounts{Total: 200, Changed: 3, UpToDate: 194, Failed: 2, Unreachable: 1}
	if ev.Counts != wantCounts {
		t.Errorf("counts %+v, want %+v", ev.Counts, wantCounts)
	}
	if !reflect.DeepEqual(ev.Failed, []string{"web007", "web150", "db02"}) {
		t.Errorf("failed %v", ev.Failed)
	}
	if !reflect.DeepEqual(ev.Changed, []string{"web042", "web099", "db01"}) {
		t.Errorf("changed %v", ev.Changed)
	}
	if len(ev.Nodes) != 200 || ev.Nodes[6] != (summaryRow{"web007", 3, 12, 1.5, "failed", ""}) || ev.Nodes[0].Status != "up-to-date" || ev.Nodes[149].Status != "unreachable" {
		t.Errorf("rows: %d, %+v %+v %+v", len(ev.Nodes), ev.Nodes[0], ev.Nodes[6], ev.Nodes[149])
	}
	if ev.Duration != 83 {
		t.Errorf("duration %v", ev.Duration)
	}

	// Nothing failed or changed: the lists are [], not null.
	out.Reset()
	r.summary(nil, time.Second)
	if !strings.Contains(out.String(), `"failed":[],"changed":[],"nodes":[]`) {
		t.Errorf("empty run: %s", out.String())
	}
}
