package transport

import (
	"bytes"
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
// stdin at path, atomically: a temporary file in the same directory,
// owner and mode set, the verify command, a backup of the old file, then
// rename. Transports without a faster native path implement Put with it.
func PutScript(path string, opts PutOptions) string {
	q := shell.Quote(path)
	var b strings.Builder
	b.WriteString("set -e\n")
	fmt.Fprintf(&b, "dst=%s\n", q)
	b.WriteString(`dir=$(dirname -- "$dst"); base=$(basename -- "$dst")` + "\n")
	b.WriteString(`tmp=$(mktemp "$dir/.$base.converge-XXXXXX")` + "\n")
	b.WriteString(`trap 'rm -f "$tmp"' EXIT` + "\n")
	b.WriteString(`cat > "$tmp"` + "\n")
	if opts.Mode != "" {
		fmt.Fprintf(&b, "chmod %s \"$tmp\"\n", shell.Quote(opts.Mode))
	} else {
		// keep the mode of the file being replaced; a new file gets 0644 as
		// Chef gives it, not mktemp's 0600.
		b.WriteString(`if [ -e "$dst" ]; then chmod "$(stat -c %a -- "$dst")" "$tmp"; else chmod 0644 "$tmp"; fi` + "\n")
	}
	switch {
	case opts.Owner != "" && opts.Group != "":
		fmt.Fprintf(&b, "chown %s \"$tmp\"\n", shell.Quote(opts.Owner+":"+opts.Group))
	case opts.Owner != "":
		fmt.Fprintf(&b, "chown %s \"$tmp\"\n", shell.Quote(opts.Owner))
	case opts.Group != "":
		fmt.Fprintf(&b, "chgrp %s \"$tmp\"\n", shell.Quote(opts.Group))
	}
	if opts.Verify != "" {
		v := strings.ReplaceAll(opts.Verify, "%{path}", `"$tmp"`)
		fmt.Fprintf(&b, "if ! ( %s ) >&2; then echo \"converge: verify command failed for %%s\" \"$dst\" >&2; exit 97; fi\n", v)
	}
	if opts.Backups > 0 {
		b.WriteString(`if [ -f "$dst" ]; then cp -p -- "$dst" "$dst.converge-bak.$(date +%Y%m%d%H%M%S%N)"; fi` + "\n")
		fmt.Fprintf(&b, `ls -1t -- "$dst".converge-bak.* 2>/dev/null | tail -n +%d | while IFS= read -r old; do rm -f -- "$old"; done`+"\n", opts.Backups+1)
	}
	b.WriteString(`mv -f -- "$tmp" "$dst"` + "\n")
	b.WriteString("trap - EXIT\n")
	return b.String()
}

// PutWith implements Put on top of Run.
func PutWith(ctx context.Context, r Runner, path string, data []byte, opts PutOptions) error {
	res, err := r.Run(ctx, PutScript(path, opts), bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("write %s: exit %d: %s", path, res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	return nil
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
const sudoAskpass = `IFS= read -r p || exit 126; umask 077; d=$(mktemp -d "${TMPDIR:-/tmp}/.converge-sudo-XXXXXX") || exit 126; ` +
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

// RunScript runs a shell script that travels on stdin, not on the command
// line: the node stores it in a private temporary file (mode 0600) and runs
// it with stdin from /dev/null. Long scripts then never hit the kernel's
// limit on one argument (128 KiB), and values in them (a sensitive
// environment, a password for a guard) never show in the node's process
// list.
func RunScript(ctx context.Context, r Runner, script string) (Result, error) {
	const wrapper = `umask 077; f=$(mktemp "${TMPDIR:-/tmp}/.converge-XXXXXX") || exit 125; ` +
		`cat > "$f" || { rm -f "$f"; exit 125; }; sh "$f" </dev/null; rc=$?; rm -f "$f"; exit $rc`
	return r.Run(ctx, wrapper, strings.NewReader(script))
}

// FileWrite is one file of a PutMany batch.
type FileWrite struct {
	Path string
	Data []byte
	Opts PutOptions
}

// PutManyScript returns the script that installs the files of a batch from
// one stream on stdin: each file's bytes follow the previous one's, and
// each is installed as PutScript installs one (temporary file in the
// destination directory, owner, mode, verify, backup, rename). After each
// file it prints "ok INDEX"; it stops at the first failure.
func PutManyScript(files []FileWrite) string {
	var b strings.Builder
	b.WriteString("set -e\n")
	for i, f := range files {
		one := PutScript(f.Path, f.Opts)
		one = strings.TrimPrefix(one, "set -e\n")
		// head -c reads exactly this file's bytes from the shared stream.
		one = strings.Replace(one, `cat > "$tmp"`, fmt.Sprintf(`head -c %d > "$tmp"`, len(f.Data)), 1)
		fmt.Fprintf(&b, "(\n%s)\necho ok %d\n", one, i)
	}
	return b.String()
}

// PutMany writes many files in one round trip: one remote receiver reads
// them from one stream. It returns how many were installed (in order) and
// the error of the first that was not.
func PutMany(ctx context.Context, r Runner, files []FileWrite) (int, error) {
	if len(files) == 0 {
		return 0, nil
	}
	readers := make([]io.Reader, len(files))
	for i, f := range files {
		readers[i] = bytes.NewReader(f.Data)
	}
	res, err := r.Run(ctx, "sh -c "+shell.Quote(PutManyScript(files)), io.MultiReader(readers...))
	done := strings.Count(string(res.Stdout), "ok ")
	if err != nil {
		return done, fmt.Errorf("write %s: %w", files[min(done, len(files)-1)].Path, err)
	}
	if res.ExitCode != 0 {
		if done >= len(files) {
			done = len(files) - 1
		}
		return done, fmt.Errorf("write %s: exit %d: %s", files[done].Path, res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	return done, nil
}
