package engine

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/converge-cm/converge/engine/shell"
	"github.com/converge-cm/converge/engine/transport"
)

// Op is one operation of a resource's change, as an apply plan ships it:
// a command run by the node's sh (stdin from /dev/null), or a file write.
type Op struct {
	Cmd   string
	Write *transport.FileWrite
	// Display is the command as errors show it; Cmd when empty.
	Display string
	// OK are the exit statuses that are success; nil is 0 alone.
	OK []int
	// Fail turns any other status and the command's output into its
	// error; nil Fail makes a CommandError.
	Fail func(exit int, out string) error
	// Limit is how long the command may run on the node; 0 is the run's
	// command limit.
	Limit time.Duration
}

// Planner is implemented by the Data of a Diff whose change an apply plan
// can ship: ops in order, each run only when the one before succeeded.
// False when the change must run on its own, through Apply.
type Planner interface {
	PlanOps(h *Host) ([]Op, bool)
}

// Rechecker is implemented by resources whose state can be checked again
// on the node, inside an apply plan, when an earlier step of the plan may
// have changed what their probes saw: upToDate is a shell condition, true
// when the resource is up to date (execute's creates path exists), and d
// the change to make otherwise. False: the resource needs fresh probes.
type Rechecker interface {
	Recheck(action string) (upToDate string, d Diff, ok bool)
}

// EmptyCreator is implemented by resources whose change, for some
// actions, creates a new, empty directory where nothing was: what was
// missing under it is still missing after it, so a later step of an apply
// plan may trust those probes.
type EmptyCreator interface {
	CreatesEmpty(action string, d Diff) (dir string, ok bool)
}

// Limits of one apply plan: the script travels on the command line.
const (
	maxPlanSteps  = 256
	maxPlanScript = 96 << 10
)

// planStep is one resource of an apply plan.
type planStep struct {
	res    Resource
	action string
	d      Diff
	ops    []Op
	// done: the resource needs nothing (up to date, or skipped by a guard
	// already known), why says which.
	done   bool
	status Status
	why    string
	// recheck is the node-side condition for up to date; guards are the
	// not_if/only_if commands evaluated on the node, right before the step.
	recheck       string
	notIf, onlyIf []Guard
	diff          string
	skipped       string
	failed        error
	applied       bool
	// groupEnd, on the first step of a run of one-write steps that share
	// a writer, is the index after the run's last step.
	groupEnd int
}

// plan ships the changes of consecutive resources from i in one apply plan
// (SPEC §5.2): each needs one action, runs no before or immediate
// notification, has no retries or ignore_failure, and its state is known
// at its place in the plan, from the probes, or rechecked on the node.
// Guards an earlier step could change are evaluated on the node. The plan
// stops at the first failure. It returns how many resources it handled
// (0: none, take the normal path).
func (r *run) plan(i int) (int, error) {
	if r.opts.DryRun || r.opts.Offline || !r.plannable(r.c.Resources[i]) {
		return 0, nil
	}
	// The first resource's stale probes are taken again now, as its normal
	// path would; from there on the plan keeps track of what may change.
	if err := r.refresh(r.c.Resources[i]); err != nil {
		return 0, nil // the normal path reports it
	}
	stale := map[string]bool{}
	for k, v := range r.stale {
		stale[k] = v
	}
	var steps []*planStep
	size := 0
	for j := i; j < len(r.c.Resources) && len(steps) < maxPlanSteps && size < maxPlanScript; j++ {
		res := r.c.Resources[j]
		if !r.plannable(res) {
			break
		}
		st, ok := r.planStep(res, stale)
		if !ok {
			break
		}
		steps = append(steps, st)
		for _, op := range st.ops {
			size += 200 + len(op.Cmd)
			if op.Write != nil {
				size += 700 + 4*len(op.Write.Path) + len(op.Write.Opts.Verify)
			}
		}
		if st.done {
			continue
		}
		r.planTouch(st, stale)
	}
	work := 0
	for _, st := range steps {
		if !st.done {
			work++
		}
	}
	if work < 2 {
		return 0, nil
	}
	if err := r.stopped(); err != nil {
		return 0, nil
	}
	// Diffs read the old content, so they are made before the plan runs.
	for _, st := range steps {
		if !st.done && st.d.Content != nil && !st.res.Base().Sensitive {
			st.diff = r.contentDiff(st.d.Content)
		}
	}
	start := time.Now()
	err := r.shipPlan(steps)
	each := time.Since(start).Seconds() / float64(len(steps))
	for k, st := range steps {
		b := st.res.Base()
		r.recipeHeader(b)
		ev := Event{Type: "resource", Resource: b.Address(), Action: st.action, Recipe: b.Recipe, Pos: b.Pos.String(), Duration: each}
		switch {
		case st.done:
			ev.Status, ev.Why = st.status, st.why
			r.emit(ev)
			continue
		case st.skipped != "":
			ev.Status, ev.Why = StatusSkipped, st.skipped
			r.markStale(st.res)
			r.emit(ev)
			continue
		case st.applied:
			r.markStale(st.res)
			ev.Changes, ev.Diff = st.d.Changes, st.diff
			if b.Sensitive {
				ev.Changes, ev.Diff = []string{"suppressed sensitive resource output"}, ""
			} else {
				ev.Commands = st.d.Commands
			}
			ev.Status = StatusUpdated
			r.noteUpdated(st.res)
			r.emit(ev)
			if ferr := r.fire(st.res, 0); ferr != nil {
				return k + 1, ferr
			}
			continue
		}
		// The step that failed, or the first one the plan did not reach.
		r.markStale(st.res)
		ferr := st.failed
		if ferr == nil && err != nil {
			// The round trip itself failed (connection, limit, signal): the
			// output that tells which steps ran is lost with it.
			ferr = fmt.Errorf("%w (in the apply plan of %s: each was applied whole or not at all; the next run checks them again)", err, planNames(steps[k:]))
		}
		if ferr == nil {
			ferr = fmt.Errorf("the apply plan ended before this step; this is a bug in converge")
		}
		if Interrupted(r.ctx) {
			r.abandoned = b.Address() + " action " + st.action
			ev.Status, ev.Error = StatusInterrupted, "abandoned: "+context.Cause(r.ctx).Error()
			r.emit(ev)
			return k + 1, fmt.Errorf("%s (%s) action %s: %w", b.Address(), b.Pos, st.action, context.Cause(r.ctx))
		}
		ferr = redactErr(b, ferr)
		ev.Status, ev.Error = StatusFailed, ferr.Error()
		r.emit(ev)
		return k + 1, fmt.Errorf("%s (%s) action %s: %w", b.Address(), b.Pos, st.action, ferr)
	}
	return len(steps), err
}

// plannable: what an apply plan never takes, whatever the node's state.
func (r *run) plannable(res Resource) bool {
	b := res.Base()
	if len(b.Actions) != 1 || b.Actions[0] == "nothing" || b.Retries > 0 || b.IgnoreFailure || r.parent[res] != nil {
		return false
	}
	if b.IsSet("timeout") {
		// Its own limit is the point: it runs on its own, so that the
		// node is given up when that one command runs past it.
		return false
	}
	if _, ok := res.(Composite); ok {
		return false
	}
	if _, ok := res.(Messenger); ok {
		return false
	}
	for _, e := range r.c.Edges(res) {
		if e.Timing != "delayed" {
			return false
		}
	}
	return r.probeTimedOut(res) == nil
}

// planStep decides how res takes part in the plan, given the probes an
// earlier step may have changed (stale).
func (r *run) planStep(res Resource, stale map[string]bool) (*planStep, bool) {
	b := res.Base()
	st := &planStep{res: res, action: b.Actions[0]}
	fresh := func(p Probe) bool { return !stale[p.key()] && r.probed.has(p) }
	// Guards: known ones decide now, the others on the node.
	for _, set := range []struct {
		gs   []Guard
		not  bool
		into *[]Guard
	}{{b.NotIf, true, &st.notIf}, {b.OnlyIf, false, &st.onlyIf}} {
		for _, g := range set.gs {
			if g.Fn == nil && !fresh(ShellProbe(g.Cmd)) {
				*set.into = append(*set.into, g)
				continue
			}
			var ok bool
			if g.Fn != nil {
				v, err := g.Fn()
				if err != nil {
					return nil, false
				}
				ok = v
			} else {
				sr, _ := r.probed.Shell(g.Cmd)
				if sr.TimedOut {
					return nil, false
				}
				ok = sr.ExitCode == 0
			}
			if ok == set.not {
				st.done, st.status = true, StatusSkipped
				st.why = "skipped due to not_if"
				if !set.not {
					st.why = "skipped due to only_if"
				}
				return st, true
			}
		}
	}
	own := true
	for _, p := range res.Probes() {
		if !fresh(p) {
			own = false
		}
	}
	if own {
		d, err := res.Check(st.action, r.probed)
		if err != nil {
			return nil, false
		}
		if d.Empty() {
			if len(st.notIf)+len(st.onlyIf) > 0 {
				// Up to date whatever the guards say: nothing to run.
				st.notIf, st.onlyIf = nil, nil
			}
			st.done, st.status = true, StatusUpToDate
			return st, true
		}
		st.d = d
	} else {
		rc, ok := res.(Rechecker)
		if !ok {
			return nil, false
		}
		cond, d, ok := rc.Recheck(st.action)
		if !ok {
			return nil, false
		}
		st.recheck, st.d = cond, d
	}
	pl, ok := st.d.Data.(Planner)
	if !ok {
		return nil, false
	}
	ops, ok := pl.PlanOps(r.h)
	if !ok || len(ops) == 0 {
		return nil, false
	}
	st.ops = ops
	return st, true
}

// planTouch marks what st may change as stale for the rest of the plan.
// A directory st creates where there was none is empty: paths under it
// that were missing still are.
func (r *run) planTouch(st *planStep, stale map[string]bool) {
	var touched []string
	all := true
	if t, ok := st.res.(Toucher); ok {
		touched, all = t.Touches(), false
	}
	empty := ""
	if ec, ok := st.res.(EmptyCreator); ok && st.recheck == "" {
		if dir, ok := ec.CreatesEmpty(st.action, st.d); ok {
			empty = path.Clean(dir)
		}
	}
	for _, p := range r.all {
		if !staleAfter(p, touched, all) {
			continue
		}
		if empty != "" && p.Kind == ProbeStat && strings.HasPrefix(path.Clean(p.Arg), empty+"/") && !stale[p.key()] {
			if fs, ok := r.probed.Stat(p.Arg); ok && !fs.Exists {
				continue
			}
		}
		stale[p.key()] = true
	}
}

// shipPlan runs the plan's steps in one round trip and records each one's
// outcome; the error is the round trip's own (the connection, the limit).
//
// The script defines the writer's functions and then one shell function
// per step, called in order until one returns non-zero. Each command runs
// in a subshell with its output framed by the boundary and followed by its
// exit status; a run of consecutive writes runs the writer in a subshell
// and reads the files' bytes from the script's stdin, in order.
func (r *run) shipPlan(steps []*planStep) error {
	var nonce [12]byte
	_, _ = rand.Read(nonce[:])
	bnd := "==plan-" + hex.EncodeToString(nonce[:]) + "=="
	var b strings.Builder
	var input []io.Reader
	hasWrite, hasGuard := false, false
	for _, st := range steps {
		for _, op := range st.ops {
			if op.Write != nil {
				hasWrite = true
			}
		}
		if len(st.notIf)+len(st.onlyIf) > 0 {
			hasGuard = true
		}
	}
	if hasWrite {
		b.WriteString(transport.WriterPrologue())
	}
	q := shell.Quote(bnd)
	if hasGuard {
		// Guards run as probes do: under the node's timeout when it has one.
		b.WriteString(`to=; if command -v timeout >/dev/null 2>&1; then to=124; case $(timeout --help 2>&1) in *BusyBox*) to=143;; esac; fi` + "\n")
		if r.probeLimit > 0 {
			fmt.Fprintf(&b, `g() { if [ -n "$to" ]; then timeout %d sh -c "$1"; else ( eval "$1" ); fi; }`+"\n", Seconds(r.probeLimit))
		} else {
			b.WriteString(`g() { ( eval "$1" ); }` + "\n")
		}
	}
	// Ops of consecutive steps that are one write each share a writer run.
	type group struct{ lo, hi int } // steps[lo:hi], one write each
	limit := time.Duration(0)
	unbounded := false
	addLimit := func(l time.Duration) {
		if l <= 0 {
			l = r.h.CommandLimit()
		}
		if l <= 0 {
			unbounded = true
		}
		limit += l
	}
	oneWrite := func(st *planStep) bool {
		return !st.done && len(st.ops) == 1 && st.ops[0].Write != nil && st.recheck == "" && len(st.notIf)+len(st.onlyIf) == 0
	}
	n := 0 // functions
	var calls []string
	for k := 0; k < len(steps); {
		st := steps[k]
		if st.done {
			k++
			continue
		}
		fn := "s" + strconv.Itoa(n)
		n++
		calls = append(calls, fn)
		fmt.Fprintf(&b, "%s() {\n", fn)
		if oneWrite(st) {
			hi := k
			var files []transport.FileWrite
			for hi < len(steps) && oneWrite(steps[hi]) {
				files = append(files, *steps[hi].ops[0].Write)
				hi++
			}
			st.groupEnd = hi
			fmt.Fprintf(&b, "printf '\\n%%s w %d %d\\n' %s\n", k, hi, q)
			fmt.Fprintf(&b, "( %s) 2>&1; r=$?\n", transport.WriteRuns(files))
			fmt.Fprintf(&b, "printf '\\n%%s r w %d %%s\\n' %s \"$r\"; [ $r -eq 0 ]\n}\n", k, q)
			for _, f := range files {
				input = append(input, bytes.NewReader(f.Data))
			}
			addLimit(0)
			k = hi
			continue
		}
		for _, g := range st.notIf {
			fmt.Fprintf(&b, "g %s >/dev/null 2>&1 </dev/null; r=$?; [ \"$r\" != \"$to\" ] || r=timeout; printf '\\n%%s g %d %%s\\n' %s \"$r\"\n", shell.Quote(g.Cmd), k, q)
			b.WriteString("case $r in 0) return 0 ;; timeout) return 1 ;; esac\n")
		}
		for _, g := range st.onlyIf {
			fmt.Fprintf(&b, "g %s >/dev/null 2>&1 </dev/null; r=$?; [ \"$r\" != \"$to\" ] || r=timeout; printf '\\n%%s G %d %%s\\n' %s \"$r\"\n", shell.Quote(g.Cmd), k, q)
			b.WriteString("case $r in 0) ;; timeout) return 1 ;; *) return 0 ;; esac\n")
		}
		if st.recheck != "" {
			fmt.Fprintf(&b, "if %s; then printf '\\n%%s u %d\\n' %s; return 0; fi\n", st.recheck, k, q)
		}
		for o, op := range st.ops {
			if op.Write != nil {
				fmt.Fprintf(&b, "printf '\\n%%s o %d %d\\n' %s\n", k, o, q)
				fmt.Fprintf(&b, "( %s) 2>&1; r=$?\n", transport.WriteRuns([]transport.FileWrite{*op.Write}))
				fmt.Fprintf(&b, "printf '\\n%%s r %d %d %%s\\n' %s \"$r\"; [ $r -eq 0 ] || return 1\n", k, o, q)
				input = append(input, bytes.NewReader(op.Write.Data))
				addLimit(0)
				continue
			}
			fmt.Fprintf(&b, "printf '\\n%%s o %d %d\\n' %s\n", k, o, q)
			fmt.Fprintf(&b, "( %s\n) </dev/null 2>&1; r=$?\n", op.Cmd)
			fmt.Fprintf(&b, "printf '\\n%%s r %d %d %%s\\n' %s \"$r\"\n", k, o, q)
			fmt.Fprintf(&b, "%s\n", acceptCase(op))
			addLimit(op.Limit)
		}
		b.WriteString("}\n")
		k++
	}
	for _, c := range calls {
		fmt.Fprintf(&b, "%s || { printf '\\n%%s end\\n' %s; exit 0; }\n", c, q)
	}
	fmt.Fprintf(&b, "printf '\\n%%s end\\n' %s\n", q)
	if unbounded {
		limit = 0
	}
	var res transport.Result
	err := Within(r.ctx, limit, fmt.Sprintf("the apply plan of %d resources", len(steps)),
		"raise --command-timeout, or the resource's timeout", func(ctx context.Context) error {
			var err error
			res, err = r.h.T.Run(ctx, "sh -c "+shell.Quote(b.String()), io.MultiReader(input...))
			return err
		})
	r.noteHung(err)
	out := string(res.Stdout)
	r.readPlan(steps, out, bnd)
	if err != nil {
		return err
	}
	if res.ExitCode != 0 || !strings.Contains(out, bnd+" end\n") {
		return fmt.Errorf("the apply plan ended early (exit %d): %s", res.ExitCode, strings.TrimSpace(tail(string(res.Stderr)+out, 2000)))
	}
	return nil
}

// acceptCase is the shell that ends the step unless the exit status in $r
// is one op counts as success.
func acceptCase(op Op) string {
	if len(op.OK) == 0 {
		return "[ $r -eq 0 ] || return 1"
	}
	ok := make([]string, len(op.OK))
	for i, c := range op.OK {
		ok[i] = strconv.Itoa(c)
	}
	return "case $r in " + strings.Join(ok, "|") + ") ;; *) return 1 ;; esac"
}

// readPlan records each step's outcome from the plan's framed output.
// Frames: "o K O" a command's output, "r K O RC" its status; "w K HI" a
// writer run's output for steps K..HI-1, "r w K RC" its status; "g K RC"
// and "G K RC" a not_if and an only_if evaluated on the node; "u K" a
// step found up to date by its recheck. A writer run cut short still
// tells, by its "ok I" lines, which files it installed.
func (r *run) readPlan(steps []*planStep, out, bnd string) {
	type frame struct{ head, body string }
	var frames []frame
	for _, part := range strings.Split(out, bnd+" ")[1:] {
		nl := strings.IndexByte(part, '\n')
		if nl < 0 {
			frames = append(frames, frame{head: part})
			continue
		}
		frames = append(frames, frame{head: part[:nl], body: strings.TrimSuffix(part[nl+1:], "\n")})
	}
	opOut := map[string]string{}
	writeRc := map[int]int{}
	var writeRuns []int
	for _, f := range frames {
		fs := strings.Fields(f.head)
		if len(fs) == 0 {
			continue
		}
		switch {
		case fs[0] == "o" && len(fs) == 3:
			opOut[fs[1]+" "+fs[2]] = f.body
		case fs[0] == "w" && len(fs) == 3:
			if k, ok := stepIndex(fs[1], steps); ok {
				opOut["w "+fs[1]] = f.body
				writeRuns = append(writeRuns, k)
				writeRc[k] = -1
			}
		case fs[0] == "u" && len(fs) == 2:
			if k, ok := stepIndex(fs[1], steps); ok {
				steps[k].done, steps[k].status = true, StatusUpToDate
			}
		case (fs[0] == "g" || fs[0] == "G") && len(fs) == 3:
			k, ok := stepIndex(fs[1], steps)
			if !ok {
				continue
			}
			kind := map[string]string{"g": "not_if", "G": "only_if"}[fs[0]]
			switch rc := fs[2]; {
			case rc == "timeout":
				steps[k].failed = &TimeoutError{What: kind, Subject: "a guard", Limit: r.probeLimit,
					Hint: "a guard must answer within --probe-timeout; make it faster or raise the flag"}
			case (fs[0] == "g") == (rc == "0"):
				steps[k].skipped = "skipped due to " + kind
			}
		case fs[0] == "r" && len(fs) == 4 && fs[1] == "w":
			k, ok := stepIndex(fs[2], steps)
			rc, err := strconv.Atoi(fs[3])
			if ok && err == nil {
				writeRc[k] = rc
			}
		case fs[0] == "r" && len(fs) == 4:
			k, ok := stepIndex(fs[1], steps)
			o, err1 := strconv.Atoi(fs[2])
			rc, err2 := strconv.Atoi(fs[3])
			if !ok || err1 != nil || err2 != nil || o < 0 || o >= len(steps[k].ops) {
				continue
			}
			st, op := steps[k], steps[k].ops[o]
			if err := opErr(op, rc, opOut[fs[1]+" "+fs[2]]); err != nil {
				st.failed = err
				continue
			}
			if o == len(st.ops)-1 && st.skipped == "" && st.failed == nil {
				st.applied = true
			}
		}
	}
	for _, k := range writeRuns {
		readWrites(steps, k, opOut["w "+strconv.Itoa(k)], writeRc[k])
	}
}

// opErr is the error of op ending with status rc and output out, nil on
// success.
func opErr(op Op, rc int, out string) error {
	if op.Write != nil {
		if rc == 0 {
			return nil
		}
		return fmt.Errorf("write %s: exit %d: %s", op.Write.Path, rc, strings.TrimSpace(dropOK(out)))
	}
	ok := op.OK
	if len(ok) == 0 {
		ok = []int{0}
	}
	for _, c := range ok {
		if rc == c {
			return nil
		}
	}
	if op.Fail != nil {
		return op.Fail(rc, out)
	}
	disp := op.Display
	if disp == "" {
		disp = op.Cmd
	}
	return &CommandError{Cmd: disp, ExitCode: rc, Stderr: out}
}

// readWrites records the outcome of the writer run of steps lo..groupEnd
// from its output ("ok I" per installed file) and status (-1: the run
// was cut short). The first file not installed failed with the run.
func readWrites(steps []*planStep, lo int, body string, rc int) {
	installed := map[int]bool{}
	for _, line := range strings.Split(body, "\n") {
		if n, ok := strings.CutPrefix(line, "ok "); ok {
			if i, err := strconv.Atoi(n); err == nil {
				installed[i] = true
			}
		}
	}
	failed := false
	for k := lo; k < steps[lo].groupEnd && k < len(steps); k++ {
		st := steps[k]
		switch {
		case rc == 0 || installed[k-lo]:
			st.applied = true
		case !failed && rc > 0:
			failed = true
			st.failed = fmt.Errorf("write %s: exit %d: %s", st.ops[0].Write.Path, rc, strings.TrimSpace(dropOK(body)))
		}
	}
}

// dropOK removes the writer's "ok I" lines from its output.
func dropOK(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "ok ") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

func stepIndex(s string, steps []*planStep) (int, bool) {
	k, err := strconv.Atoi(s)
	if err != nil || k < 0 || k >= len(steps) {
		return 0, false
	}
	return k, true
}

// planNames names the resources of steps that still had work, for an
// error: the first three and how many more.
func planNames(steps []*planStep) string {
	var names []string
	for _, st := range steps {
		if !st.done && st.skipped == "" && !st.applied {
			names = append(names, st.res.Base().Address())
		}
	}
	if len(names) > 3 {
		return strings.Join(names[:3], ", ") + fmt.Sprintf(" and %d more", len(names)-3)
	}
	return strings.Join(names, ", ")
}
