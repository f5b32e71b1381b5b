package resources

import (
	"context"
	"fmt"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/shell"
	"github.com/converge-cm/converge/engine/transport"
)

// step is one thing Apply does: write a file, or run a command.
type step struct {
	put *transport.FileWrite
	cmd string
	// fail, when set, explains the command's failure to the user.
	fail func(error) error
}

// steps is the plan Check hands Apply in Diff.Data for kinds that mix
// file writes and commands (sysctl, kernel_module, hostname), or run
// several commands (group, directory, link).
type steps []step

func (s *steps) write(path string, data []byte, mode string) {
	*s = append(*s, step{put: &transport.FileWrite{Path: path, Data: data, Opts: transport.PutOptions{Mode: mode, Owner: "root", Group: "root"}}})
}

func (s *steps) run(cmd string) { *s = append(*s, step{cmd: cmd}) }

func (s *steps) remove(path string) { s.run("rm -f -- " + shell.Quote(path)) }

// commands are the plan's commands, for Diff.Commands.
func (s steps) commands() []string {
	var out []string
	for _, st := range s {
		if st.put == nil {
			out = append(out, transport.ShowPinned(st.cmd))
		}
	}
	return out
}

// PlanOps lets an apply plan run the steps: the same writes and commands,
// in the same order, each after the one before succeeded.
func (s steps) PlanOps(*engine.Host) ([]engine.Op, bool) {
	ops := make([]engine.Op, 0, len(s))
	for _, st := range s {
		if st.put != nil {
			w := *st.put
			ops = append(ops, engine.Op{Write: &w})
			continue
		}
		op := engine.Op{Cmd: st.cmd}
		if st.fail != nil {
			cmd, fail := st.cmd, st.fail
			op.Fail = func(rc int, out string) error {
				return fail(&engine.CommandError{Cmd: cmd, ExitCode: rc, Stderr: out})
			}
		}
		ops = append(ops, op)
	}
	return ops, true
}

// applySteps does what Check planned, in order.
func applySteps(ctx context.Context, d engine.Diff, h *engine.Host) error {
	plan, ok := d.Data.(steps)
	if !ok {
		return fmt.Errorf("apply without a plan from Check; this is a bug in converge")
	}
	for _, st := range plan {
		if st.put != nil {
			if err := h.T.Put(ctx, st.put.Path, st.put.Data, st.put.Opts); err != nil {
				return err
			}
			continue
		}
		if _, err := h.Run(ctx, st.cmd, ""); err != nil {
			if st.fail != nil {
				return st.fail(err)
			}
			return err
		}
	}
	return nil
}

// fileStep plans writing want to path (a stat probe's state st): it adds a
// change line and the write when the content differs, and returns whether
// it did.
func fileStep(d *engine.Diff, s *steps, st engine.FileState, path string, want []byte, mode string) bool {
	switch {
	case !st.Exists:
		d.Changes = append(d.Changes, "create new file "+path)
	case st.SHA256 != sha(want) || st.Type != "file":
		d.Changes = append(d.Changes, fmt.Sprintf("update content of file %s from %.8s to %.8s", path, st.SHA256, sha(want)))
	case mode != "" && st.Mode != mode:
		d.Changes = append(d.Changes, fmt.Sprintf("change mode from %s to %s", st.Mode, mode))
	default:
		return false
	}
	s.write(path, want, mode)
	return true
}

// removeStep plans deleting path when it exists.
func removeStep(d *engine.Diff, s *steps, st engine.FileState, path string) {
	if st.Exists {
		d.Changes = append(d.Changes, "delete file "+path)
		s.remove(path)
	}
}

// statOf returns a stat probe's result or the missing-probe error.
func statOf(p engine.Probed, path string) (engine.FileState, error) {
	st, ok := p.Stat(path)
	if !ok {
		return st, engine.MissingProbe(engine.ProbeStat, path)
	}
	return st, nil
}

// shellOf returns a shell probe's result or the missing-probe error.
func shellOf(p engine.Probed, cmd string) (engine.ShellResult, error) {
	r, ok := p.Shell(cmd)
	if !ok {
		return r, engine.MissingProbe(engine.ProbeShell, cmd)
	}
	return r, nil
}
