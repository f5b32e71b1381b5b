package ssh

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/converge-cm/converge/engine/transport"
)

// A session costs more than its round trips: sshd forks, sets the session
// up, and starts the user's login shell, which may read rc files. Debian's
// bash reads ~/.bashrc for every command sshd hands it (bash's
// SSH_SOURCE_BASHRC), and a ~/.bashrc that runs `pyenv init` makes that
// 150-250 ms per command, where the SSH part of the session is ~7 ms.
//
// So a Transport runs its commands through resident shells: a session whose
// login shell execs a small POSIX sh loop that reads one framed command at
// a time, runs it with /bin/sh -c in a child process (so that each command
// starts as fresh as in a session of its own: the environment the login
// shell exported, the home directory as working directory, the umask,
// nothing left from the command before), and answers with its exit status,
// stdout and stderr. The login shell and its rc files start once per
// resident shell, not once per command. (Not the login shell again for
// each command: bash's exec lowers SHLVL, so a bash started below would
// read ~/.bashrc all over again.)
//
// Wire format, client to shell: "CMDLEN INLEN\n", CMDLEN bytes of
// command, INLEN bytes of stdin, then the shell's mark and "\n". Shell to
// client: "MARK RC OUTLEN ERRLEN\n" then the bytes of stdout and of stderr.
//
// The parts are read with a reader that takes no more than it is asked
// from a pipe: GNU head -c, or dd (iflag=count_bytes,fullblock) where head
// reads ahead (BusyBox), which would swallow the next frame; a node with
// neither (or no mktemp) gets a session per command, as before. Both
// readers stop short only at the end of the stream, so a frame cut short
// (a lost connection) is seen when the mark does not follow it: the loop
// then exits without running anything (read is a builtin, no process).
// The loop exports the reader it found as CONVERGE_RD (head or dd), which
// the writer (transport.PutManyScript) takes instead of detecting it again
// for every batch.
//
// Processes are what a command costs on a small node, so the loop starts
// none it can do without: no reader for an empty stdin, no wc or cat for
// an empty stdout or stderr (test -s is a builtin). A command without stdin
// or output costs three: the reader of its text, the cat that hands it to
// sh -c, and that sh.
//
// Nothing of a command stays behind it: its stdin and command files are
// emptied once it ends, the loop's directory holds its pid and is removed
// on exit, and each loop first removes what loops, scripts and sudo
// askpass programs killed before their end left (transport.CleanupScript).
const shellLoop = `m=$0 u=$(umask)
umask 077
` + transport.CleanupScript + `
d=$(mktemp -d "${TMPDIR:-/tmp}/.converge-sh-XXXXXX") || exit 125
trap 'rm -rf "$d"' EXIT
trap 'exit 129' HUP PIPE TERM INT
printf '%s\n' "$$" > "$d/pid" || exit 125
if [ "$(printf abcdef | { head -c 2 >/dev/null; cat; })" = cdef ]; then CONVERGE_RD=head; rd() { head -c "$1"; }
elif [ "$(printf abcdef | { dd bs=65536 count=2 iflag=count_bytes,fullblock >/dev/null 2>&1; cat; })" = cdef ]; then CONVERGE_RD=dd; rd() { dd bs=65536 count="$1" iflag=count_bytes,fullblock 2>/dev/null; }
else exit 125; fi
export CONVERGE_RD
: > "$d/i" || exit 125
printf '%s ready\n' "$m"
while read -r n i; do
  rd "$n" > "$d/c" && { [ "$i" = 0 ] || rd "$i" > "$d/i"; } && read -r e && [ "$e" = "$m" ] || exit 125
  (umask "$u" && exec /bin/sh -c "$(cat "$d/c")" < "$d/i" > "$d/o" 2> "$d/e")
  rc=$?
  : > "$d/i"; : > "$d/c"
  o=0 e=0
  if [ -s "$d/o" ]; then o=$(wc -c < "$d/o") || exit 125; fi
  if [ -s "$d/e" ]; then e=$(wc -c < "$d/e") || exit 125; fi
  printf '%s %d %d %d\n' "$m" "$rc" "$o" "$e"
  [ "$o$e" = 00 ] || cat "$d/o" "$d/e" || exit 125
  : > "$d/o"; : > "$d/e"
done`

// resident is one resident shell.
type resident struct {
	s    *ssh.Session
	in   io.WriteCloser
	out  *bufio.Reader
	mark string
}

// startResident starts the loop in session s. It returns errNoResident
// when the loop does not come up on this node.
func (t *Transport) startResident(ctx context.Context, s *ssh.Session) (*resident, error) {
	in, err := s.StdinPipe()
	if err != nil {
		s.Close()
		return nil, err
	}
	outPipe, err := s.StdoutPipe()
	if err != nil {
		s.Close()
		return nil, err
	}
	s.Stderr = io.Discard
	var nonce [9]byte
	_, _ = rand.Read(nonce[:])
	r := &resident{s: s, in: in, out: bufio.NewReaderSize(outPipe, 64<<10), mark: "converge-" + hex.EncodeToString(nonce[:])}
	if err := s.Start("exec /bin/sh -c " + quote(shellLoop) + " " + r.mark); err != nil {
		s.Close()
		return nil, fmt.Errorf("ssh: %s: start command: %w", t.who, err)
	}
	// rc files may print before the loop does: skip to its line.
	ready := make(chan error, 1)
	go func() {
		for {
			line, err := r.out.ReadString('\n')
			if err != nil {
				ready <- errNoResident
				return
			}
			if line == r.mark+" ready\n" {
				ready <- nil
				return
			}
		}
	}()
	select {
	case err = <-ready:
	case <-ctx.Done():
		err = fmt.Errorf("ssh: %s: %w", t.who, ctx.Err())
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return r, nil
}

var errNoResident = errors.New("the resident shell did not start")

// run runs one command in the resident shell. On any error the shell is
// unusable and the caller closes it.
func (r *resident) run(ctx context.Context, t *Transport, cmd string, stdin []byte) (transport.Result, error) {
	var req bytes.Buffer
	fmt.Fprintf(&req, "%d %d\n", len(cmd), len(stdin))
	req.WriteString(cmd)
	req.Write(stdin)
	req.WriteString(r.mark + "\n")
	type answer struct {
		res transport.Result
		err error
	}
	done := make(chan answer, 1)
	go func() {
		if _, err := r.in.Write(req.Bytes()); err != nil {
			done <- answer{err: err}
			return
		}
		res, err := r.read()
		done <- answer{res, err}
	}()
	select {
	case a := <-done:
		if a.err != nil {
			if lost := t.lost.Load(); lost != nil {
				return transport.Result{}, fmt.Errorf("ssh: %s: %s", t.who, *lost)
			}
			return transport.Result{}, fmt.Errorf("ssh: %s: command ended without an exit status (connection lost?): %w", t.who, a.err)
		}
		return a.res, nil
	case <-ctx.Done():
		// As with a session of its own: best effort, the command may run on.
		_ = r.s.Signal(ssh.SIGKILL)
		return transport.Result{}, fmt.Errorf("ssh: %s: %w", t.who, ctx.Err())
	}
}

// read reads one answer of the loop.
func (r *resident) read() (transport.Result, error) {
	line, err := r.out.ReadString('\n')
	if err != nil {
		return transport.Result{}, err
	}
	f := strings.Fields(line)
	if len(f) != 4 || f[0] != r.mark {
		return transport.Result{}, fmt.Errorf("resident shell: unexpected answer %q", line)
	}
	var n [3]int
	for i := range n {
		if n[i], err = strconv.Atoi(f[i+1]); err != nil || n[i] < 0 {
			return transport.Result{}, fmt.Errorf("resident shell: unexpected answer %q", line)
		}
	}
	out := make([]byte, n[1])
	if _, err := io.ReadFull(r.out, out); err != nil {
		return transport.Result{}, err
	}
	errb := make([]byte, n[2])
	if _, err := io.ReadFull(r.out, errb); err != nil {
		return transport.Result{}, err
	}
	return transport.Result{Stdout: out, Stderr: errb, ExitCode: n[0]}, nil
}

func (r *resident) close() { r.s.Close() }

// getResident takes an idle resident shell, or starts one. ok is false
// when this node cannot have them: Run then opens a session per command.
// Like newSession it waits while the server refuses sessions, taking a
// shell that another command gives back meanwhile.
func (t *Transport) getResident(ctx context.Context) (r *resident, ok bool, err error) {
	backoff := 5 * time.Millisecond
	giveUp := time.Now().Add(sessionWait)
	for {
		t.mu.Lock()
		if t.noResident {
			t.mu.Unlock()
			return nil, false, nil
		}
		if n := len(t.idle); n > 0 {
			r = t.idle[n-1]
			t.idle = t.idle[:n-1]
			t.mu.Unlock()
			return r, true, nil
		}
		t.mu.Unlock()
		s, err := t.client.NewSession()
		if err == nil {
			r, err = t.startResident(ctx, s)
			if errors.Is(err, errNoResident) {
				t.mu.Lock()
				t.noResident = true
				t.mu.Unlock()
				return nil, false, nil
			}
			return r, err == nil, err
		}
		if lost := t.lost.Load(); lost != nil {
			return nil, false, fmt.Errorf("ssh: %s: %s", t.who, *lost)
		}
		var oce *ssh.OpenChannelError
		if !errors.As(err, &oce) || oce.Reason == ssh.UnknownChannelType || time.Now().After(giveUp) {
			return nil, false, fmt.Errorf("ssh: %s: open session: %w", t.who, err)
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return nil, false, fmt.Errorf("ssh: %s: open session: %w (server refused: %v)", t.who, ctx.Err(), err)
		}
		backoff = min(2*backoff, 200*time.Millisecond)
	}
}

// putResident gives a healthy shell back for the next command.
func (t *Transport) putResident(r *resident) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		r.close()
		return
	}
	t.idle = append(t.idle, r)
}

// closeResidents ends the idle shells.
func (t *Transport) closeResidents() {
	t.mu.Lock()
	idle := t.idle
	t.idle, t.closed = nil, true
	t.mu.Unlock()
	for _, r := range idle {
		r.close()
	}
}

// quote is single-quoting for sh.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
