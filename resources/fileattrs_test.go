package resources

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runFix runs the command fixCmd builds with /bin/sh, as a resource's Apply
// would on the node.
func runFix(t *testing.T, o Ownership, p string) (string, error) {
	t.Helper()
	out, err := exec.Command("/bin/sh", "-c", o.fixCmd(p)).CombinedOutput()
	return string(out), err
}

// Issue 14 item 1: the attribute fix used to chmod/chown by path, so a
// link planted at the path (or on its way) redirected it to any file.
func TestFixCmd_NeverFollowsAPlantedLink(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the links are owned by another user")
	}
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("root's\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	nobody := 65534
	cases := []struct {
		name  string
		setup func(t *testing.T) string // returns the managed path
		want  string                    // in the error
	}{
		{"the file is a link to a root file", func(t *testing.T) string {
			p := filepath.Join(home, "authorized_keys")
			os.Remove(p)
			if err := os.Symlink(victim, p); err != nil {
				t.Fatal(err)
			}
			os.Lchown(p, nobody, nobody)
			return p
		}, "symbolic link"},
		{"a root-owned link at the file is refused too", func(t *testing.T) string {
			p := filepath.Join(home, "k2")
			os.Remove(p)
			if err := os.Symlink(victim, p); err != nil {
				t.Fatal(err)
			}
			return p
		}, "it is a symbolic link"},
		{"a directory on the way is someone else's link", func(t *testing.T) string {
			real := filepath.Join(dir, "real")
			os.MkdirAll(real, 0o755)
			os.WriteFile(filepath.Join(real, "victim2"), []byte("x"), 0o600)
			l := filepath.Join(home, "ssh")
			os.Remove(l)
			if err := os.Symlink(real, l); err != nil {
				t.Fatal(err)
			}
			os.Lchown(l, nobody, nobody)
			return filepath.Join(l, "victim2")
		}, "owned by uid 65534"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := c.setup(t)
			out, err := runFix(t, Ownership{Owner: "nobody", Mode: "0644"}, p)
			if err == nil || !strings.Contains(out, c.want) {
				t.Fatalf("fix of %s: err %v, output %q; want a refusal naming %q", p, err, out, c.want)
			}
			for _, f := range []string{victim, filepath.Join(dir, "real", "victim2")} {
				st, err := os.Stat(f)
				if err != nil {
					continue
				}
				if st.Mode().Perm() != 0o600 {
					t.Fatalf("%s changed: mode %v", f, st.Mode())
				}
				if uid := fileUID(t, f); uid != 0 {
					t.Fatalf("%s now owned by uid %d", f, uid)
				}
			}
		})
	}
}

// A trusted (root-owned) link on the way is followed, and setuid survives
// the owner change (chown before chmod).
func TestFixCmd_TrustedLinksAndSetuid(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown")
	}
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	os.MkdirAll(real, 0o755)
	f := filepath.Join(real, "tool")
	os.WriteFile(f, []byte("#!/bin/sh\n"), 0o755)
	via := filepath.Join(dir, "via")
	if err := os.Symlink(real, via); err != nil {
		t.Fatal(err)
	}
	if out, err := runFix(t, Ownership{Owner: "nobody", Group: "nogroup", Mode: "4755"}, filepath.Join(via, "tool")); err != nil {
		t.Fatalf("fix: %v: %s", err, out)
	}
	st, _ := os.Stat(f)
	if st.Mode()&os.ModeSetuid == 0 || st.Mode().Perm() != 0o755 {
		t.Fatalf("mode %v, want setuid 0755", st.Mode())
	}
	if uid := fileUID(t, f); uid != 65534 {
		t.Fatalf("owner %d, want 65534", uid)
	}
	// A directory is fixed the same way.
	if out, err := runFix(t, Ownership{Mode: "0700"}, real); err != nil {
		t.Fatalf("fix of a directory: %v: %s", err, out)
	}
	if st, _ := os.Stat(real); st.Mode().Perm() != 0o700 {
		t.Fatalf("directory mode %v, want 0700", st.Mode())
	}
}

func fileUID(t *testing.T, p string) int {
	t.Helper()
	out, err := exec.Command("stat", "-c", "%u", p).Output()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, c := range strings.TrimSpace(string(out)) {
		n = n*10 + int(c-'0')
	}
	return n
}
