package transport_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine/transport"
)

// shRunner runs commands with a given shell and PATH, and may cut their
// stdin short after cut bytes, as a lost connection would.
type shRunner struct {
	shell []string // "/bin/sh" or "busybox", "sh"
	path  string   // PATH for the commands
	cut   int      // stdin bytes delivered; <0: all
}

func (r shRunner) Run(ctx context.Context, cmd string, stdin io.Reader) (transport.Result, error) {
	c := exec.CommandContext(ctx, r.shell[0], append(r.shell[1:], "-c", cmd)...)
	c.Env = append(os.Environ(), "PATH="+r.path)
	if stdin != nil && r.cut >= 0 {
		stdin = io.LimitReader(stdin, int64(r.cut))
	}
	var out, errb bytes.Buffer
	c.Stdin, c.Stdout, c.Stderr = stdin, &out, &errb
	err := c.Run()
	res := transport.Result{Stdout: out.Bytes(), Stderr: errb.Bytes()}
	if ee, ok := err.(*exec.ExitError); ok {
		res.ExitCode = ee.ExitCode()
		return res, nil
	}
	return res, err
}

// shells are the shells the writer must work with: the system's sh and
// BusyBox's, the latter with only BusyBox applets first on PATH.
func shells(t *testing.T) map[string]shRunner {
	t.Helper()
	out := map[string]shRunner{"sh": {shell: []string{"/bin/sh"}, path: os.Getenv("PATH"), cut: -1}}
	bb, err := exec.LookPath("busybox")
	if err != nil {
		if os.Getenv("CONVERGE_E2E") == "1" {
			t.Fatalf("busybox not found: apt-get install busybox")
		}
		t.Logf("busybox not found: testing /bin/sh only")
		return out
	}
	out["busybox"] = shRunner{shell: []string{bb, "sh"}, path: BusyBoxPath(t, bb) + ":" + os.Getenv("PATH"), cut: -1}
	return out
}

// BusyBoxPath makes a directory of links to busybox for its applets.
func BusyBoxPath(t *testing.T, bb string) string {
	t.Helper()
	dir := t.TempDir()
	for _, a := range []string{"sh", "head", "dd", "cat", "wc", "mktemp", "sha256sum", "stat", "mv", "chmod", "chown",
		"chgrp", "sync", "readlink", "id", "cp", "ls", "tail", "rm", "rmdir", "date", "printf", "grep", "ln", "kill"} {
		if err := os.Symlink(bb, filepath.Join(dir, a)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func workload(dir string, n int) []transport.FileWrite {
	var fs []transport.FileWrite
	for i := 0; i < n; i++ {
		sub := filepath.Join(dir, fmt.Sprintf("d%d", i/3))
		data := bytes.Repeat([]byte(fmt.Sprintf("file %d;", i)), 1+i*150)
		fs = append(fs, transport.FileWrite{Path: filepath.Join(sub, fmt.Sprintf("f%d.conf", i)), Data: data, Opts: transport.PutOptions{Mode: "0640"}})
	}
	return fs
}

func mkdirs(t *testing.T, fs []transport.FileWrite) {
	t.Helper()
	for _, f := range fs {
		if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// noStaging fails the test if a staging directory is left beside fs.
func noStaging(t *testing.T, fs []transport.FileWrite) {
	t.Helper()
	for _, f := range fs {
		if left, _ := filepath.Glob(filepath.Join(filepath.Dir(f.Path), ".*converge-*")); len(left) != 0 {
			t.Fatalf("staging files left behind: %v", left)
		}
	}
}

func TestPutMany_ExactBytesOnEveryShell(t *testing.T) {
	for name, r := range shells(t) {
		t.Run(name, func(t *testing.T) {
			fs := workload(t.TempDir(), 10)
			mkdirs(t, fs)
			n, err := transport.PutMany(context.Background(), r, fs)
			if err != nil || n != len(fs) {
				t.Fatalf("PutMany = %d, %v", n, err)
			}
			for _, f := range fs {
				got, err := os.ReadFile(f.Path)
				if err != nil || !bytes.Equal(got, f.Data) {
					t.Fatalf("%s: %d bytes, want %d (%v)", f.Path, len(got), len(f.Data), err)
				}
				if st, _ := os.Stat(f.Path); st.Mode().Perm() != 0o640 {
					t.Errorf("%s: mode %o", f.Path, st.Mode().Perm())
				}
			}
			noStaging(t, fs)
		})
	}
}

// A stream cut short (a lost connection) replaces no file with a part of
// its new content, and installs nothing of the run it was cut in.
func TestPutMany_CutStreamNeverReplacesAFileWithPartOfIt(t *testing.T) {
	for name, r := range shells(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			fs := workload(dir, 6)
			mkdirs(t, fs)
			for _, f := range fs {
				if err := os.WriteFile(f.Path, []byte("old\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			total := 0
			for _, f := range fs {
				total += len(f.Data)
			}
			for _, cut := range []int{0, 1, len(fs[0].Data) - 1, len(fs[0].Data), len(fs[0].Data) + 100, total / 2, total - 1} {
				r := r
				r.cut = cut
				n, err := transport.PutMany(context.Background(), r, fs)
				if err == nil {
					t.Fatalf("cut at %d: PutMany installed %d files without error", cut, n)
				}
				if !strings.Contains(err.Error(), "the file was not replaced") {
					t.Errorf("cut at %d: error %q does not say why", cut, err)
				}
				for i, f := range fs {
					got, _ := os.ReadFile(f.Path)
					if !bytes.Equal(got, f.Data) && string(got) != "old\n" {
						t.Fatalf("cut at %d: %s has %d bytes: neither old nor new", cut, f.Path, len(got))
					}
					if i >= n && string(got) != "old\n" {
						t.Fatalf("cut at %d: %s replaced but PutMany counted %d", cut, f.Path, n)
					}
				}
				noStaging(t, fs)
			}
		})
	}
}

// plantingPath returns a PATH whose chmod first plays the owner of dir:
// it replaces every converge entry in dir, and dst, by a symbolic link to
// victim, then runs the real chmod.
func plantingPath(t *testing.T, dir, victim string) string {
	t.Helper()
	bin := t.TempDir()
	real, err := exec.LookPath("chmod")
	if err != nil {
		t.Fatal(err)
	}
	shim := fmt.Sprintf(`#!/bin/sh
for e in %[1]q/.*converge* %[1]q/authorized_keys; do
  [ -e "$e" ] || [ -L "$e" ] || continue
  mv -f "$e" "$e.moved" 2>/dev/null; ln -sfn %[2]q "$e"
done
exec %[3]q "$@"
`, dir, victim, real)
	if err := os.WriteFile(filepath.Join(bin, "chmod"), []byte(shim), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin + ":" + os.Getenv("PATH")
}

func TestPut_APlantedLinkIsNeverFollowed(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "authorized_keys")
	r := shRunner{shell: []string{"/bin/sh"}, path: plantingPath(t, dir, victim), cut: -1}
	err := transport.PutWith(context.Background(), r, dst, []byte("ssh-ed25519 AAAA\n"), transport.PutOptions{Mode: "0644"})
	if b, _ := os.ReadFile(victim); string(b) != "secret\n" {
		t.Fatalf("the write went through a planted link: the victim holds %q", b)
	}
	if st, _ := os.Stat(victim); st.Mode().Perm() != 0o600 {
		t.Fatalf("the write chmodded the victim through a planted link: %o", st.Mode().Perm())
	}
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	st, err := os.Lstat(dst)
	if err != nil || !st.Mode().IsRegular() || st.Mode().Perm() != 0o644 {
		t.Fatalf("destination: %v, %v", st, err)
	}
	if b, _ := os.ReadFile(dst); string(b) != "ssh-ed25519 AAAA\n" {
		t.Errorf("destination holds %q", b)
	}
}

// A directory on the path that is a link owned by someone else (who could
// point it anywhere) is refused, with the reason.
func TestPut_DirectoryLinkOwnedBySomeoneElseIsRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CONVERGE_E2E") == "1" {
			t.Fatal("CONVERGE_E2E=1 but not root: cannot give a link to another user")
		}
		t.Skip("needs root to give a link to another user")
	}
	for name, r := range shells(t) {
		t.Run(name, func(t *testing.T) {
			dir, target := t.TempDir(), t.TempDir()
			link := filepath.Join(dir, "ssh")
			if err := os.Symlink(target, link); err != nil {
				t.Fatal(err)
			}
			if err := os.Lchown(link, 12345, 12345); err != nil {
				t.Fatal(err)
			}
			err := transport.PutWith(context.Background(), r, filepath.Join(link, "keys"), []byte("x\n"), transport.PutOptions{})
			if err == nil || !strings.Contains(err.Error(), "is a symbolic link owned by uid 12345") {
				t.Fatalf("Put through another user's link = %v, want a refusal", err)
			}
			if left, _ := os.ReadDir(target); len(left) != 0 {
				t.Errorf("the write went through the link: %v", left)
			}
			// A link of root's is followed.
			if err := os.Lchown(link, 0, 0); err != nil {
				t.Fatal(err)
			}
			if err := transport.PutWith(context.Background(), r, filepath.Join(link, "keys"), []byte("x\n"), transport.PutOptions{}); err != nil {
				t.Fatalf("Put through root's link: %v", err)
			}
			if b, _ := os.ReadFile(filepath.Join(target, "keys")); string(b) != "x\n" {
				t.Errorf("through root's link: %q", b)
			}
		})
	}
}

func TestPut_SetuidKeptWithOwnerAndGroup(t *testing.T) {
	uid, gid := fmt.Sprint(os.Geteuid()), fmt.Sprint(os.Getegid())
	for name, r := range shells(t) {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "tool")
			if err := transport.PutWith(context.Background(), r, p, []byte("#!/bin/sh\n"), transport.PutOptions{Mode: "6755", Owner: uid, Group: gid}); err != nil {
				t.Fatal(err)
			}
			st, _ := os.Stat(p)
			if st.Mode()&(os.ModeSetuid|os.ModeSetgid) != os.ModeSetuid|os.ModeSetgid || st.Mode().Perm() != 0o755 {
				t.Errorf("mode %v, want setuid, setgid, 0755", st.Mode())
			}
		})
	}
}

// An owner or group that looks like an option is a name, not an option.
func TestPut_OwnerIsNeverAnOption(t *testing.T) {
	dir := t.TempDir()
	ref := filepath.Join(dir, "ref")
	if err := os.WriteFile(ref, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, r := range shells(t) {
		t.Run(name, func(t *testing.T) {
			for _, o := range []transport.PutOptions{{Owner: "--reference=" + ref}, {Group: "--reference=" + ref}} {
				p := filepath.Join(dir, "f-"+name)
				err := transport.PutWith(context.Background(), r, p, []byte("x\n"), o)
				if err == nil {
					t.Fatalf("Put with %+v succeeded: the owner was taken as an option", o)
				}
				if _, serr := os.Lstat(p); serr == nil {
					t.Fatalf("Put with %+v wrote the file (%v)", o, err)
				}
			}
		})
	}
}

func TestPutMany_KeepsTheModeOfTheFileItReplacesAndRefusesRelativePaths(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x")
	if err := os.WriteFile(p, []byte("a"), 0o711); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o711|os.ModeSetuid); err != nil {
		t.Fatal(err)
	}
	r := shRunner{shell: []string{"/bin/sh"}, path: os.Getenv("PATH"), cut: -1}
	if err := transport.PutWith(context.Background(), r, p, []byte("b"), transport.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(p); st.Mode()&os.ModeSetuid == 0 || st.Mode().Perm() != 0o711 {
		t.Errorf("mode %v, want the old u+s,0711", st.Mode())
	}
	if err := transport.PutWith(context.Background(), r, "rel/x", []byte("b"), transport.PutOptions{}); err == nil || !strings.Contains(err.Error(), "absolute") {
		t.Errorf("relative path: %v", err)
	}
}

// Names that an option parser, sha256sum's escaping or the staging names
// could trip on are written exactly; a file named twice in a batch ends
// with its last content; a backup's copy never takes a file's name.
func TestPutMany_AwkwardNamesAndRepeats(t *testing.T) {
	for name, r := range shells(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			j := func(n string) string { return filepath.Join(dir, n) }
			if err := os.WriteFile(j(".converge-bak-copy"), []byte("old\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			fs := []transport.FileWrite{
				{Path: j("-rf"), Data: []byte("dash\n")},
				{Path: j(`back\slash`), Data: []byte("backslash\n")},
				{Path: j("new\nline"), Data: []byte("newline\n")},
				{Path: j("dup"), Data: []byte("first\n")},
				{Path: j("dup"), Data: []byte("second\n")},
				{Path: j(".converge-bak-copy"), Data: []byte("new\n"), Opts: transport.PutOptions{Backups: 1}},
				{Path: j("empty"), Data: nil},
			}
			n, err := transport.PutMany(context.Background(), r, fs)
			if err != nil || n != len(fs) {
				t.Fatalf("PutMany = %d, %v", n, err)
			}
			want := map[string]string{"-rf": "dash\n", `back\slash`: "backslash\n", "new\nline": "newline\n",
				"dup": "second\n", ".converge-bak-copy": "new\n", "empty": ""}
			for n, w := range want {
				if b, err := os.ReadFile(j(n)); err != nil || string(b) != w {
					t.Errorf("%q holds %q (%v), want %q", n, b, err, w)
				}
			}
			baks, _ := filepath.Glob(j(".converge-bak-copy.converge-bak.*"))
			if len(baks) != 1 {
				t.Fatalf("backups: %v", baks)
			}
			if b, _ := os.ReadFile(baks[0]); string(b) != "old\n" {
				t.Errorf("backup holds %q", b)
			}
			if left, _ := filepath.Glob(j(".converge-put-*")); len(left) != 0 {
				t.Errorf("staging left behind: %v", left)
			}
		})
	}
}

// mktempPath returns a PATH whose mktemp plays the owner of dir: once the
// staging directory is made, it renames it and puts plant (a link or a
// directory of theirs) in its place.
func mktempPath(t *testing.T, plant string) string {
	t.Helper()
	bin := t.TempDir()
	real, err := exec.LookPath("mktemp")
	if err != nil {
		t.Fatal(err)
	}
	shim := fmt.Sprintf(`#!/bin/sh
t=$(%q "$@") || exit 1
case $t in */.converge-put-*) mv "$t" "$t.moved" && %s ;; esac
echo "$t"
`, real, plant)
	if err := os.WriteFile(filepath.Join(bin, "mktemp"), []byte(shim), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin + ":" + os.Getenv("PATH")
}

// A staging directory swapped for a link to another directory, or for a
// directory of the owner's, between its creation and its use is refused:
// nothing is written through the link or into their directory.
func TestPut_SwappedStagingDirectoryIsRefused(t *testing.T) {
	for name, plant := range map[string]func(elsewhere string) string{
		"link":      func(e string) string { return `ln -s ` + e + ` "$t"` },
		"directory": func(e string) string { return `mkdir "$t" && chown 12345 "$t"` },
	} {
		t.Run(name, func(t *testing.T) {
			if name == "directory" && os.Geteuid() != 0 {
				t.Skip("needs root to give a directory to another user")
			}
			dir, elsewhere := t.TempDir(), t.TempDir()
			r := shRunner{shell: []string{"/bin/sh"}, path: mktempPath(t, plant(elsewhere)), cut: -1}
			err := transport.PutWith(context.Background(), r, filepath.Join(dir, "authorized_keys"), []byte("k\n"), transport.PutOptions{Mode: "0600"})
			if err == nil || !strings.Contains(err.Error(), "staging directory") || !strings.Contains(err.Error(), "replaced") {
				t.Fatalf("Put = %v, want a refusal that names the swapped staging directory", err)
			}
			if left, _ := os.ReadDir(elsewhere); len(left) != 0 {
				t.Errorf("written through the planted link: %v", left)
			}
			planted, _ := filepath.Glob(filepath.Join(dir, ".converge-put-*"))
			for _, p := range planted {
				if st, err := os.Lstat(p); err == nil && st.IsDir() {
					if left, _ := os.ReadDir(p); len(left) != 0 {
						t.Errorf("written into the planted directory %s: %v", p, left)
					}
				}
			}
			if _, err := os.Lstat(filepath.Join(dir, "authorized_keys")); err == nil {
				t.Errorf("the file was installed")
			}
		})
	}
}
