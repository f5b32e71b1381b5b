package transport

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/converge-cm/converge/engine/shell"
)

// Result is what a command did on the node.
type Result struct {
	Stdout   []byte
	Stderr   []byte
	ExitCode int
}

// Transport runs commands and moves files on one node.
type Transport interface {
	// Run runs cmd with /bin/sh -c on the node, feeding it stdin when stdin
	// is not nil. A command that exits non-zero is not an error: its status is
	// in Result.ExitCode. err reports a failure to run the command at all
	// (connection lost, context cancelled).
	Run(ctx context.Context, cmd string, stdin io.Reader) (Result, error)
	// Put writes data to path atomically with the given options.
	Put(ctx context.Context, path string, data []byte, opts PutOptions) error
	// Get reads a whole file from the node.
	Get(ctx context.Context, path string) ([]byte, error)
	// Close releases the connection. It is safe to call more than once.
	Close() error
}

// PutOptions says how a file is installed.
type PutOptions struct {
	// Mode is the octal permission string ("0644"); empty keeps the mode of
	// the file being replaced, or the umask default for a new file.
	Mode string
	// Owner and Group are names or numeric ids; empty leaves them as created.
	Owner, Group string
	// Verify is a command run against the temporary file before the rename;
	// "%{path}" in it is replaced by the temporary file's quoted path. A
	// non-zero exit aborts the write and leaves the destination untouched.
	Verify string
	// Backups is how many earlier versions to keep beside the file as
	// PATH.converge-bak.TIMESTAMP; 0 keeps none.
	Backups int
}

// Runner is the part of a Transport that PutScript-based writers need.
type Runner interface {
	Run(ctx context.Context, cmd string, stdin io.Reader) (Result, error)
}

// PutScript returns the shell script that installs the bytes it reads on
// stdin at path: PutManyScript for a batch of one file, which must be data.
// Transports without a faster native path implement Put with PutWith.
func PutScript(path string, data []byte, opts PutOptions) string {
	return PutManyScript([]FileWrite{{Path: path, Data: data, Opts: opts}})
}

// PutWith implements Put on top of Run: PutMany with one file.
func PutWith(ctx context.Context, r Runner, path string, data []byte, opts PutOptions) error {
	_, err := PutMany(ctx, r, []FileWrite{{Path: path, Data: data, Opts: opts}})
	return err
}

// GetWith implements Get on top of Run.
func GetWith(ctx context.Context, r Runner, path string) ([]byte, error) {
	res, err := r.Run(ctx, "cat -- "+shell.Quote(path), nil)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("read %s: %s", path, strings.TrimSpace(string(res.Stderr)))
	}
	return res.Stdout, nil
}

// Sudo wraps a transport so that every command runs as root through sudo.
//
// Without a password, sudo must not ask for one (-n). With one, the
// password travels as the first line of stdin: a small outer shell reads
// it, puts it in a private file that a private askpass program prints, and
// runs sudo -A -k, so the password never appears in a command line, a log
// or the node's process list, and the command's own stdin reaches it
// intact whether or not sudo asks (a NOPASSWD rule, cached credentials).
func Sudo(t Transport, password string) Transport {
	return &sudo{t: t, password: password}
}

type sudo struct {
	t        Transport
	password string
}

// sudoAskpass is the outer shell of a sudo with a password; %s is the
// quoted command.
const sudoAskpass = `IFS= read -r p || exit 126; umask 077; d=$(mktemp -d "${TMPDIR:-/tmp}/.converge-sudo-$$-XXXXXX") || exit 126; ` +
	`printf '%%s\n' "$p" > "$d/p"; p=; printf '#!/bin/sh\ncat "%%s/p"\n' "$d" > "$d/a"; chmod 700 "$d/a"; ` +
	`SUDO_ASKPASS="$d/a" sudo -A -k -p '' -- sh -c %s; rc=$?; rm -rf "$d"; exit $rc`

func (s *sudo) Run(ctx context.Context, cmd string, stdin io.Reader) (Result, error) {
	if s.password == "" {
		return s.t.Run(ctx, "sudo -n -- sh -c "+shell.Quote(cmd), stdin)
	}
	in := io.Reader(strings.NewReader(s.password + "\n"))
	if stdin != nil {
		in = io.MultiReader(in, stdin)
	}
	return s.t.Run(ctx, fmt.Sprintf(sudoAskpass, shell.Quote(cmd)), in)
}

func (s *sudo) Put(ctx context.Context, path string, data []byte, opts PutOptions) error {
	return PutWith(ctx, s, path, data, opts)
}

func (s *sudo) Get(ctx context.Context, path string) ([]byte, error) { return GetWith(ctx, s, path) }
func (s *sudo) Close() error                                         { return s.t.Close() }

// CleanupScript is a shell snippet that removes what converge left in
// ${TMPDIR:-/tmp} on a node when it was killed before its end: resident
// shell directories (.converge-sh-*, holding the last command's stdin),
// RunScript's scripts (.converge-PID-*) and sudo's askpass directories
// (.converge-sudo-PID-*, holding a password), each once the process named
// by its pid is gone. It uses shell builtins only, unless there is
// something to remove. The resident shell runs it as the login user at its
// start; run it through sudo to remove root's leftovers too.
const CleanupScript = `for x in "${TMPDIR:-/tmp}"/.converge-*; do
  p=
  case ${x##*/} in
  .converge-sh-*) [ -f "$x/pid" ] && read -r p 2>/dev/null < "$x/pid" ;;
  .converge-sudo-*) p=${x##*/.converge-sudo-}; p=${p%%-*} ;;
  .converge-*) p=${x##*/.converge-}; p=${p%%-*} ;;
  esac
  case $p in ''|*[!0-9]*) ;; *) kill -0 "$p" 2>/dev/null || rm -rf -- "$x" 2>/dev/null ;; esac
done`

// RunScript runs a shell script that travels on stdin, not on the command
// line: the node stores it in a private temporary file (mode 0600) and runs
// it with stdin from /dev/null. The file's name holds the pid of the
// shell that removes it, for CleanupScript. Long scripts then never hit the kernel's
// limit on one argument (128 KiB), and values in them (a sensitive
// environment, a password for a guard) never show in the node's process
// list.
func RunScript(ctx context.Context, r Runner, script string) (Result, error) {
	const wrapper = `umask 077; f=$(mktemp "${TMPDIR:-/tmp}/.converge-$$-XXXXXX") || exit 125; ` +
		`cat > "$f" || { rm -f "$f"; exit 125; }; sh "$f" </dev/null; rc=$?; rm -f "$f"; exit $rc`
	return r.Run(ctx, wrapper, strings.NewReader(script))
}
