package transport

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/converge-cm/converge/engine/shell"
)

// FileWrite is one file of a PutMany batch.
type FileWrite struct {
	Path string
	Data []byte
	Opts PutOptions
}

// Exit codes of the writer script, beside a verify command's 97.
const (
	exitWriteFailed = 96 // a step failed (no directory, chown of an unknown user...)
	exitRefused     = 98 // a link planted by someone else, or the directory moved
	exitShort       = 99 // the bytes received are not the bytes sent
)

// pinFunc defines pin DIR WHAT PREFIX..., which enters DIR and refuses
// (98) unless the directory entered is the one DIR names, and names only
// through symbolic links owned by root or by us: no link planted by
// someone else is ever followed. WHAT ("write /etc/x") names the action in
// its messages; the PREFIXes are DIR's (see prefixes). The physical path
// of the working directory (getcwd, through readlink -f .; not the shell's
// cached $PWD) must be DIR itself, or, when a prefix of DIR is a trusted
// link, DIR's resolution, in which case every prefix must be owned by root
// or by us, so that nobody else can swap one meanwhile. (The prefixes are
// tested with test -L, a builtin; only a path with a link costs a stat and
// an id -u.) Once pinned, the working directory stays the directory that
// was checked whatever happens to the names above it: what is done there
// by relative name (./NAME) cannot be redirected by a link swapped into
// DIR's path, and a link at NAME itself is replaced or removed by rename,
// rm and rmdir, never followed.
const pinFunc = `pin() {
  d=$1 w=$2 l= o=; shift 2
  cd -P -- "$d" || { echo "converge: cannot $w: cannot enter $d" >&2; exit 96; }
  h=$(readlink -f -- .) || exit 96
  for p; do [ ! -L "$p" ] || l=1; done
  if [ -n "$l" ]; then
    me=$(id -u) || exit 96
    s=$(stat -c '%u %F' -- "$@") || { echo "converge: cannot $w: cannot inspect $d" >&2; exit 96; }
    while read -r u f; do
      if [ "$f" = "symbolic link" ]; then
        case $u in 0|"$me") ;; *) echo "converge: refusing to $w: $1 is a symbolic link owned by uid $u" >&2; exit 98 ;; esac
      fi
      case $u in 0|"$me") ;; *) o="$1 is owned by uid $u" ;; esac
      shift
    done <<CONVERGE_EOF
$s
CONVERGE_EOF
  fi
  r=$d
  if [ -n "$l" ]; then
    [ -z "$o" ] || { echo "converge: refusing to $w: its path goes through a symbolic link and $o, who could swap it" >&2; exit 98; }
    r=$(readlink -f -- "$d") || exit 96
  fi
  [ "$r" = "$h" ] || { echo "converge: refusing to $w: $d was replaced while converge entered it (it led to $h)" >&2; exit 98; }
}
`

// writerPrologue defines the writer's helpers. The stream on stdin is the
// concatenation of the files' bytes; rd N reads at most N of them (exactly
// N unless the stream ends), with head -c where it reads no more than
// asked (GNU) and dd otherwise (BusyBox's head reads ahead and would
// swallow the next file). The resident shell loop has found the right one
// already and says which in CONVERGE_RD; elsewhere (sudo, a session per
// command, the local transport) the writer finds it itself. A wrong reader
// cannot install a wrong file: it would only make the checksum fail.
//
// pin (see pinFunc) enters the destination directory. stage then
// creates a private staging directory (0700, ours: the owner of DIR can
// neither plant anything in it nor move it to another parent) and enters
// it, refusing (98) unless the directory entered is ours and physically
// DIR's entry of that name: the owner of DIR may have renamed it and put a
// link or a directory of theirs in its place meanwhile (pwd -P is
// getcwd(2) in dash, BusyBox ash and bash; the moved staging directory,
// empty, is left to them). From then on every path is relative to it, and
// files reach DIR by rename(2), which replaces a link at the destination
// instead of following it.
//
// ck DST N SUM FILE... (per file) explains a checksum mismatch (99).
// km DST FILE gives FILE the mode of the regular file DST replaces, or 0644.
// bk BASE KEEP TMP backs BASE up beside itself through the staging name
// TMP and keeps the last KEEP backups.
const writerPrologue = `case ${CONVERGE_RD-} in
head) rd() { head -c "$1"; } ;;
dd) rd() { dd bs=65536 count="$1" iflag=count_bytes,fullblock 2>/dev/null; } ;;
*)
if [ "$(printf abcdef | { head -c 2 >/dev/null; cat; })" = cdef ]; then rd() { head -c "$1"; }
elif [ "$(printf abcdef | { dd bs=65536 count=2 iflag=count_bytes,fullblock >/dev/null 2>&1; cat; })" = cdef ]; then rd() { dd bs=65536 count="$1" iflag=count_bytes,fullblock 2>/dev/null; }
else rd() { dd bs=1 count="$1" 2>/dev/null; }; fi ;;
esac
` + pinFunc + `stage() {
  t=$(mktemp -d ./.converge-put-XXXXXX) || { echo "converge: cannot $w: cannot create a staging directory in $d" >&2; exit 96; }
  cd -P -- "$t" && [ -O . ] && [ "$(pwd -P)" = "${h%/}/${t#./}" ] || {
    t=; echo "converge: refusing to $w: its staging directory in $d was replaced while it was being entered" >&2; exit 98; }
}
ck() {
  while [ $# -gt 0 ]; do
    n=$(wc -c < "$4")
    [ "$n" -eq "$2" ] || { echo "converge: $1: received $n of $2 bytes (connection cut?); the file was not replaced" >&2; exit 99; }
    case $(sha256sum < "$4") in "$3 "*) ;; *) echo "converge: $1: the bytes received do not match the bytes sent (sha256); the file was not replaced" >&2; exit 99 ;; esac
    shift 4
  done
}
km() {
  m=$(stat -c '%a %F' -- "$1" 2>/dev/null) || m=
  case $m in *" regular file"|*" regular empty file") m=${m%% *} ;; *) m=0644 ;; esac
  chmod -- "$m" "$2" || exit 96
}
bk() {
  if [ -f "../$1" ] && [ ! -L "../$1" ]; then
    cp -pP -- "../$1" "$3" || exit 96
    if [ -f "$3" ] && [ ! -L "$3" ]; then mv -fT -- "$3" "../$1.converge-bak.$(date +%Y%m%d%H%M%S%N)" || exit 96; else rm -f -- "$3"; fi
    ls -1t -- "../$1".converge-bak.* 2>/dev/null | tail -n +$(($2+1)) | while IFS= read -r old; do rm -f -- "$old"; done
  fi
}
`

// writerSetup starts a writer: files are staged private (umask 077), the
// staging directory goes whatever way the writer ends, and a signal ends
// it before the next rename. An apply plan runs it in the subshell of
// each run of writes, so that its commands keep the node's umask.
const writerSetup = `umask 077
t=
trap 'if [ -n "$t" ]; then cd .. && rm -rf -- "$t"; fi' EXIT
trap 'exit 130' HUP INT TERM
`

// WriterPrologue defines the writer's shell functions, for a script that
// runs WriteRuns in a subshell of its own.
func WriterPrologue() string { return writerPrologue }

// WriteRuns is the part of PutManyScript that installs files, for a
// script that defined WriterPrologue first: run in a subshell, it starts
// with the writer's setup, prints "ok I" (I from 0) for each installed
// file and exits non-zero at the first failure, installing nothing of
// that file's run.
func WriteRuns(files []FileWrite) string {
	var b strings.Builder
	b.WriteString(writerSetup)
	writeRuns(&b, files)
	return b.String()
}

// PutManyScript returns the script that installs the files of a batch from
// one stream on stdin: each file's bytes follow the previous one's.
// Consecutive files in the same directory, each named once, form a run:
// one pinned working directory (see pin above), one staging directory, one
// checksum, one sync and one rename command for all of them. A file is
// staged, checked against the length and sha256 of its bytes (a cut
// connection never replaces a file with a part of it), given its owner and
// group (chown -- OWNER:GROUP; before chmod, which would lose setuid/setgid
// bits otherwise), its mode and verified, then the run's files are backed
// up and renamed into place, with "ok INDEX" printed for each installed
// file of the longest installed prefix. A failure before the renames of a
// run installs nothing of it and nothing after it.
//
// Processes are what a write costs on a small node, so a run of K files
// costs K+7 of them when every file has a mode (readlink, mktemp, K
// readers, cat and sha256sum, sync, chmod, mv, rmdir; a single file needs
// no cat), where a file each cost three more before: files are staged under their own names, so that
// one mv -- NAME... .. renames them all, and the checksum is that of their
// concatenation (see writeRun).
func PutManyScript(files []FileWrite) string {
	var b strings.Builder
	b.WriteString(writerPrologue)
	b.WriteString(writerSetup)
	writeRuns(&b, files)
	b.WriteString("exit 0\n")
	return b.String()
}

// writeRuns writes the runs of files: consecutive files in one directory,
// each named once.
func writeRuns(b *strings.Builder, files []FileWrite) {
	for lo := 0; lo < len(files); {
		dir := path.Dir(path.Clean(files[lo].Path))
		seen := map[string]bool{path.Base(path.Clean(files[lo].Path)): true}
		hi := lo + 1
		for hi < len(files) && path.Dir(path.Clean(files[hi].Path)) == dir && !seen[path.Base(path.Clean(files[hi].Path))] {
			seen[path.Base(path.Clean(files[hi].Path))] = true
			hi++
		}
		writeRun(b, files, lo, hi)
		lo = hi
	}
}

// writeRun writes the part of the script that installs files[lo:hi], all
// in one directory, with distinct names.
func writeRun(b *strings.Builder, files []FileWrite, lo, hi int) {
	run := files[lo:hi]
	for i, f := range run {
		if err := checkPath(f.Path); err != nil {
			fmt.Fprintf(b, "echo %s >&2; exit %d\n", shell.Quote("converge: "+err.Error()), exitWriteFailed)
			return
		}
		if i == 0 {
			dir := path.Dir(path.Clean(f.Path))
			writePin(b, dir, "write "+f.Path)
			b.WriteString("stage\n")
		}
	}
	// Stage all under their own names (the staging directory holds nothing
	// else), then one checksum over the run: the sha256 of the staged files'
	// concatenation, through cat, is that of the bytes sent. As each reader
	// writes at most the bytes it is asked for, the concatenation has the
	// length of the bytes sent only if every file has its own length, so
	// a match proves every file exact. (sha256sum's own per-file lines
	// would escape names with a backslash or a newline.)
	var names, explain []string
	taken := map[string]bool{}
	all := sha256.New()
	for _, f := range run {
		base := path.Base(path.Clean(f.Path))
		taken[base] = true
		name := shell.Quote(base)
		names = append(names, name)
		all.Write(f.Data)
		sum := sha256.Sum256(f.Data)
		explain = append(explain, shell.Quote(f.Path), fmt.Sprint(len(f.Data)), hex.EncodeToString(sum[:]), name)
		fmt.Fprintf(b, "rd %d > %s\n", len(f.Data), name)
	}
	list := strings.Join(names, " ")
	sum := "cat -- " + list + " | sha256sum"
	if len(run) == 1 {
		sum = "sha256sum < " + list // one process fewer for a single Put
	}
	fmt.Fprintf(b, "[ \"$(%s)\" = %s ] || { ck %s; exit %d; }\n",
		sum, shell.Quote(hex.EncodeToString(all.Sum(nil))+"  -"), strings.Join(explain, " "), exitShort)
	fmt.Fprintf(b, "sync -- %s 2>/dev/null || sync\n", list)
	// Owner and group, then mode (chown clears setuid and setgid bits),
	// then verify: all before the first rename. Files that share a value
	// share one chown or chmod.
	chown, chmod := map[string][]string{}, map[string][]string{}
	var chownKeys, chmodKeys []string
	add := func(m map[string][]string, keys *[]string, k, name string) {
		if _, ok := m[k]; !ok {
			*keys = append(*keys, k)
		}
		m[k] = append(m[k], name)
	}
	for i, f := range run {
		switch o := f.Opts; {
		case o.Owner != "" && o.Group != "":
			add(chown, &chownKeys, "chown -- "+shell.Quote(o.Owner+":"+o.Group), names[i])
		case o.Owner != "":
			add(chown, &chownKeys, "chown -- "+shell.Quote(o.Owner), names[i])
		case o.Group != "":
			add(chown, &chownKeys, "chgrp -- "+shell.Quote(o.Group), names[i])
		}
		if f.Opts.Mode != "" {
			add(chmod, &chmodKeys, "chmod -- "+shell.Quote(f.Opts.Mode), names[i])
		}
	}
	for _, k := range chownKeys {
		fmt.Fprintf(b, "%s %s || exit %d\n", k, strings.Join(chown[k], " "), exitWriteFailed)
	}
	for _, k := range chmodKeys {
		fmt.Fprintf(b, "%s %s || exit %d\n", k, strings.Join(chmod[k], " "), exitWriteFailed)
	}
	for i, f := range run {
		name := names[i]
		if f.Opts.Mode == "" {
			// keep the mode of the file being replaced; a new file gets
			// 0644 as Chef gives it, not mktemp's 0600.
			fmt.Fprintf(b, "km ../%s %s\n", name, name)
		}
		if v := f.Opts.Verify; v != "" {
			v = strings.ReplaceAll(v, "%{path}", `"$h/${t#./}/"`+name)
			fmt.Fprintf(b, "if ! ( %s ) >&2; then echo %s >&2; exit 97; fi\n", v, shell.Quote("converge: verify command failed for "+f.Path))
		}
	}
	// A name for backups' copies that no file of the run has.
	tmp := ".converge-bak-copy"
	for taken[tmp] {
		tmp += "x"
	}
	for i, f := range run {
		if f.Opts.Backups > 0 {
			fmt.Fprintf(b, "bk %s %d %s\n", names[i], f.Opts.Backups, shell.Quote(tmp))
		}
		fmt.Fprintf(b, "[ ! -d ../%s ] || [ -L ../%s ] || { echo %s >&2; exit %d; }\n", names[i], names[i],
			shell.Quote("converge: cannot write "+f.Path+": it is a directory"), exitWriteFailed)
	}
	// One mv renames every file into the parent: mv -- NAME... DIR renames
	// each NAME to DIR/NAME, replacing a link there rather than following
	// it (as -T did for one file). It goes on after a failure, so the files
	// are reported from what is left: "ok" for each moved file up to the
	// first that is still here.
	fmt.Fprintf(b, "mv -f -- %s ..; x=$?; n=%d\n", list, lo)
	fmt.Fprintf(b, "for f in %s; do if [ -e \"$f\" ] || [ -L \"$f\" ]; then x=%d; break; fi; echo ok $n; n=$((n+1)); done\n", list, exitWriteFailed)
	fmt.Fprintf(b, "[ $x -eq 0 ] || exit %d\n", exitWriteFailed)
	b.WriteString("cd .. && { rmdir -- \"$t\" 2>/dev/null || rm -rf -- \"$t\"; }; t=\n")
}

// writePin writes the call of pin that enters dir (see pinFunc).
func writePin(b *strings.Builder, dir, what string) {
	fmt.Fprintf(b, "pin %s %s", shell.Quote(dir), shell.Quote(what))
	for _, p := range prefixes(dir) {
		b.WriteString(" " + shell.Quote(p))
	}
	b.WriteString("\n")
}

// PinnedStep is one step of a PinnedCommand: Body, a shell command list,
// runs in the directory Dir (absolute), entered as the writer enters a
// destination directory, and names what it acts on relative to it
// (./NAME).
type PinnedStep struct {
	Dir, Body string
}

// PinnedCommand returns one command that runs each step's body in its
// directory, pinned as the writer pins a destination directory (see
// pinFunc): a user who owns a directory on the way can neither redirect
// the step through a link of theirs nor by swapping a directory for one
// meanwhile; the command refuses (exit 98) instead, naming what. what
// says what the command does, "delete /home/alice/.ssh/id" (the refusal
// reads "refusing to delete /home/alice/.ssh/id: ..."). A body that fails
// ends the command (exit 96 unless the body exits with its own code). The
// command runs in a subshell: it changes nothing of the caller's shell.
//
// rm -f -- ./NAME, rmdir -- ./NAME, mkdir -- ./NAME and mv -T in a pinned
// directory are safe from links: they act on the entry NAME itself (a link
// is removed or replaced, not followed). cp, chmod, chown and redirections
// do follow a link at NAME: test it first (or use fixCmd's descriptor).
func PinnedCommand(what string, steps ...PinnedStep) string {
	var b strings.Builder
	b.WriteString("(\n" + pinFunc)
	for _, s := range steps {
		writePin(&b, path.Clean(s.Dir), what)
		fmt.Fprintf(&b, "{ %s\n} || exit %d\n", s.Body, exitWriteFailed)
	}
	b.WriteString(")")
	return b.String()
}

// ShowPinned is how plans show a command: a PinnedCommand's definition of
// the pin function, the same in every one, is left out.
func ShowPinned(cmd string) string {
	return strings.Replace(cmd, "(\n"+pinFunc, "( # pin DIR: enter DIR through no link planted by someone else (see the writer)\n", 1)
}

// checkPath refuses a path the writer cannot pin: it must be absolute and
// name a file, not a directory.
func checkPath(p string) error {
	if !path.IsAbs(p) {
		return fmt.Errorf("cannot write %s: the path must be absolute", p)
	}
	if c := path.Clean(p); c == "/" || strings.HasSuffix(p, "/") || path.Base(c) == ".." {
		return fmt.Errorf("cannot write %s: the path names a directory, not a file", p)
	}
	return nil
}

// prefixes are the directories from the root down to dir, without "/":
// /home, /home/alice, /home/alice/.ssh.
func prefixes(dir string) []string {
	var out []string
	for d := dir; d != "/" && d != "."; d = path.Dir(d) {
		out = append(out, d)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// PutMany writes many files in one round trip: one remote receiver reads
// them from one stream (see PutManyScript). It returns how many were
// installed (in order) and the error of the first that was not.
func PutMany(ctx context.Context, r Runner, files []FileWrite) (int, error) {
	if len(files) == 0 {
		return 0, nil
	}
	for _, f := range files {
		if err := checkPath(f.Path); err != nil {
			return 0, err
		}
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
