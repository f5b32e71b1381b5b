package resources_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/transport"
	"github.com/converge-cm/converge/engine/transport/ssh"
	"github.com/converge-cm/converge/engine/transport/ssh/sshtest"
)

// pinnedApplets are the commands the pinned deletes and mkdirs run, for a
// node whose commands are BusyBox's.
var pinnedApplets = []string{"head", "dd", "cat", "wc", "mktemp", "sha256sum", "stat", "mv", "chmod", "chown",
	"chgrp", "sync", "readlink", "rm", "rmdir", "mkdir", "cp", "ls", "tail", "date", "id"}

// sshNodes returns transports to a real sshd on this machine: one whose
// commands are the system's (/bin/sh is dash on Debian), one whose PATH
// has BusyBox's applets first.
func sshNodes(t *testing.T) map[string]transport.Transport {
	t.Helper()
	t.Setenv("HOME", t.TempDir())
	t.Setenv("SSH_AUTH_SOCK", "")
	bb, err := exec.LookPath("busybox")
	if err != nil {
		if os.Getenv("CONVERGE_E2E") == "1" {
			t.Fatal("busybox not found: apt-get install busybox")
		}
		t.Skip("busybox not found")
	}
	bin := t.TempDir()
	for _, a := range pinnedApplets {
		if err := os.Symlink(bb, filepath.Join(bin, a)); err != nil {
			t.Fatal(err)
		}
	}
	out := map[string]transport.Transport{}
	for name, cfg := range map[string][]string{"dash": nil, "busybox": {"SetEnv PATH=" + bin + ":/usr/sbin:/usr/bin:/sbin:/bin"}} {
		srv := sshtest.Start(t, sshtest.Options{Config: cfg})
		kh := filepath.Join(t.TempDir(), "known_hosts")
		srv.WriteKnownHosts(kh)
		tr, err := ssh.Dial(context.Background(), ssh.Config{Host: srv.Addrs[0], Port: srv.Port, User: srv.User,
			IdentityFiles: []string{srv.ClientKeyPath}, KnownHostsFiles: []string{kh}, DisableAgent: true, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatalf("Dial: %v", err)
		}
		t.Cleanup(func() { tr.Close() })
		out[name] = tr
	}
	return out
}

// Issue 14: file's delete (rm -f PATH) and touch, and directory's mkdir, mkdir -p,
// rmdir and rm -rf resolved PATH by name, so the owner of a directory on
// the way (alice, uid 12345, owning ~/.ssh) redirected them into /etc by
// making .ssh a link: converge deleted /etc's file, created directories
// in /etc, removed /etc's tree. Each now acts in its parent directory
// pinned as the writer pins a destination, and refuses; through a
// directory that is no link, or a link of root's, it does its work.
func TestPinned_DeleteMkdirTouchLinkNeverFollowASwappedDirectory(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CONVERGE_E2E") == "1" {
			t.Fatal("CONVERGE_E2E=1 but not root: cannot give a link to another user")
		}
		t.Skip("needs root to give a link to another user")
	}
	const alice = 12345
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		name, src, action string
		// before is the state the probe saw at .ssh/NAME
		before engine.FileState
		// victim is the entry of .ssh the action removes, created the one
		// it creates (through the link: etc/'s)
		victim, created string
	}{
		{"file delete", `file("%s/victim", action="delete", backup=False)`, "delete", engine.FileState{Exists: true, Type: "file"}, "victim", ""},
		{"file delete with backup", `file("%s/victim", action="delete")`, "delete", engine.FileState{Exists: true, Type: "file"}, "victim", ""},
		{"file delete of a link", `file("%s/victim", action="delete")`, "delete", engine.FileState{Exists: true, Type: "link"}, "victim", ""},
		{"touch", `file("%s/victim", action="touch")`, "touch", engine.FileState{Exists: true, Type: "file", SHA256: sha256hex("root's\n"), Mode: "0644"}, "", ""},
		{"link create", `link("%s/victim", to="/nowhere", owner="root")`, "create", engine.FileState{}, "", ""},
		{"link delete", `link("%s/victim", action="delete")`, "delete", engine.FileState{Exists: true, Type: "link"}, "victim", ""},
		{"link owner", `link("%s/victim", to="/nowhere", group="nogroup")`, "create", engine.FileState{Exists: true, Type: "link", LinkTarget: "/nowhere", Group: "root"}, "", ""},
		{"mkdir", `directory("%s/newdir")`, "create", engine.FileState{}, "", "newdir"},
		{"mkdir -p", `directory("%s/newdir/sub", recursive=True)`, "create", engine.FileState{}, "", "newdir"},
		{"rmdir", `directory("%s/emptydir", action="delete")`, "delete", engine.FileState{Exists: true, Type: "directory"}, "emptydir", ""},
		{"rm -rf", `directory("%s/tree", action="delete", recursive=True)`, "delete", engine.FileState{Exists: true, Type: "directory"}, "tree/keep", ""},
	}
	for shell, tr := range sshNodes(t) {
		for _, c := range cases {
			t.Run(shell+"/"+c.name, func(t *testing.T) {
				root := t.TempDir()
				etc, home := filepath.Join(root, "etc"), filepath.Join(root, "home", "alice")
				for _, d := range []string{etc, filepath.Join(etc, "emptydir"), filepath.Join(etc, "tree"), home} {
					if err := os.MkdirAll(d, 0o755); err != nil {
						t.Fatal(err)
					}
				}
				for _, f := range []string{filepath.Join(etc, "victim"), filepath.Join(etc, "tree", "keep")} {
					if err := os.WriteFile(f, []byte("root's\n"), 0o644); err != nil {
						t.Fatal(err)
					}
					if err := os.Chtimes(f, old, old); err != nil {
						t.Fatal(err)
					}
				}
				if err := os.Chown(home, alice, alice); err != nil {
					t.Fatal(err)
				}
				ssh := filepath.Join(home, ".ssh")
				if err := os.Symlink(etc, ssh); err != nil {
					t.Fatal(err)
				}
				if err := os.Lchown(ssh, alice, alice); err != nil {
					t.Fatal(err)
				}
				apply := func() error {
					r := compileOne(t, strings.ReplaceAll(c.src, "%s", ssh), debian12())
					p := engine.NewProbed()
					for _, q := range []string{filepath.Join(ssh, "victim"), filepath.Join(ssh, "newdir"), filepath.Join(ssh, "newdir", "sub"),
						filepath.Join(ssh, "emptydir"), filepath.Join(ssh, "tree")} {
						p.SetStat(q, c.before)
					}
					d, err := r.Check(c.action, p)
					if err != nil {
						t.Fatalf("Check: %v", err)
					}
					if len(d.Changes) == 0 {
						t.Fatalf("Check planned nothing")
					}
					ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
					defer cancel()
					return r.Apply(ctx, c.action, d, &engine.Host{T: tr})
				}
				err := apply()
				if err == nil || !strings.Contains(err.Error(), "refusing to") || !strings.Contains(err.Error(), "symbolic link owned by uid 12345") {
					t.Errorf("Apply through alice's link = %v, want a refusal naming her link", err)
				}
				etcIntact(t, etc)
				if t.Failed() {
					return
				}

				// The same through a directory that is no link, then through a
				// link of root's: the action is done.
				real := filepath.Join(root, "real")
				reset := func(link bool) {
					os.RemoveAll(real)
					os.RemoveAll(ssh) // a link or alice's directory
					dir := ssh
					if link {
						dir = real
					}
					for _, d := range []string{dir, filepath.Join(dir, "emptydir"), filepath.Join(dir, "tree")} {
						if err := os.Mkdir(d, 0o700); err != nil {
							t.Fatal(err)
						}
					}
					os.WriteFile(filepath.Join(dir, "tree", "keep"), []byte("x"), 0o644)
					os.WriteFile(filepath.Join(dir, "victim"), []byte("alice's\n"), 0o644)
					if link {
						if err := os.Symlink(real, ssh); err != nil {
							t.Fatal(err)
						}
					}
				}
				// A link of root's in alice's home is refused too: she can
				// swap it.
				reset(true)
				if err := apply(); err == nil || !strings.Contains(err.Error(), "is owned by uid 12345, who could swap it") {
					t.Errorf("Apply through root's link in alice's home = %v, want a refusal", err)
				}
				etcIntact(t, etc)
				for _, how := range []string{"directory", "root's link in root's home"} {
					if how == "directory" {
						reset(false)
					} else {
						if err := os.Chown(home, 0, 0); err != nil {
							t.Fatal(err)
						}
						reset(true)
					}
					if err := apply(); err != nil {
						t.Fatalf("through a %s: %v", how, err)
					}
					switch {
					case strings.HasPrefix(c.src, "link(") && c.action == "create":
						if to, err := os.Readlink(filepath.Join(ssh, "victim")); c.name == "link create" && (err != nil || to != "/nowhere") {
							t.Errorf("through a %s: the link points to %q, %v", how, to, err)
						}
					case c.action == "touch":
						st, err := os.Stat(filepath.Join(ssh, "victim"))
						if err != nil || time.Since(st.ModTime()) > time.Minute {
							t.Errorf("through a %s: not touched: %v, %v", how, st, err)
						}
					case c.created != "":
						want := strings.ReplaceAll(strings.Split(c.src, `"`)[1], "%s", ssh)
						if st, err := os.Lstat(want); err != nil || !st.IsDir() {
							t.Errorf("through a %s: %s not created: %v", how, want, err)
						}
						os.RemoveAll(filepath.Join(ssh, "newdir"))
					default:
						gone := filepath.Join(ssh, strings.Split(c.victim, "/")[0])
						if _, err := os.Lstat(gone); err == nil {
							t.Errorf("through a %s: %s still there", how, gone)
						}
						if strings.Contains(c.name, "backup") {
							baks, _ := filepath.Glob(filepath.Join(ssh, "victim.converge-bak.*"))
							if len(baks) != 1 {
								t.Fatalf("through a %s: backups %v, want one", how, baks)
							}
							if b, err := os.ReadFile(baks[0]); err != nil || string(b) != "alice's\n" {
								t.Errorf("through a %s: the backup holds %q, %v", how, b, err)
							}
						}
					}
				}
				etcIntact(t, etc)
			})
		}
	}
}

// etcIntact fails the test unless etc/ holds exactly what the test put
// there: victim, emptydir and tree/keep, untouched.
func etcIntact(t *testing.T, etc string) {
	t.Helper()
	for _, f := range []string{"victim", "tree/keep"} {
		if b, err := os.ReadFile(filepath.Join(etc, f)); err != nil || string(b) != "root's\n" {
			t.Errorf("etc/%s changed through alice's link: %q, %v", f, b, err)
		}
		if st, err := os.Stat(filepath.Join(etc, f)); err == nil && st.ModTime().Year() != 2020 {
			t.Errorf("etc/%s touched through alice's link: mtime %v", f, st.ModTime())
		}
		if st, err := os.Stat(filepath.Join(etc, f)); err == nil {
			if sys := st.Sys().(*syscall.Stat_t); sys.Uid != 0 || sys.Gid != 0 || st.Mode() != 0o644 {
				t.Errorf("etc/%s given away through alice's link: uid %d, gid %d, mode %v", f, sys.Uid, sys.Gid, st.Mode())
			}
		}
	}
	if st, err := os.Lstat(filepath.Join(etc, "emptydir")); err != nil || !st.IsDir() {
		t.Errorf("etc/emptydir removed through alice's link: %v", err)
	}
	var names []string
	entries, _ := os.ReadDir(etc)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "emptydir tree victim" {
		t.Errorf("etc/ holds %v, want only emptydir, tree and victim", names)
	}
}
