package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine/transport/ssh/sshtest"
	gossh "golang.org/x/crypto/ssh"
)

// sudoServer starts sshd letting the cvgsudo* users in with its client
// key. sshd reads authorized_keys as the user, so the keys file lives in a
// directory they can read (a test's TempDir is root's only).
func sudoServer(t *testing.T) *sshtest.Server {
	t.Helper()
	keys, err := os.MkdirTemp("", "cvgsudo-keys-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(keys) })
	if err := os.Chmod(keys, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(keys, "authorized_keys")
	s := sshtest.Start(t, sshtest.Options{Config: []string{"Match User cvgsudo*", "    AuthorizedKeysFile " + file}})
	if err := os.WriteFile(file, gossh.MarshalAuthorizedKey(s.ClientSigner.PublicKey()), 0o644); err != nil {
		t.Fatal(err)
	}
	return s
}

// sudoUser creates a local user whose sudo rule is rule ("ALL=(ALL) ALL"
// asks for the password, "ALL=(ALL) NOPASSWD: ALL" does not), with
// password pw, and removes both at the end. It needs root.
func sudoUser(t *testing.T, name, pw, rule string) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CONVERGE_E2E") == "1" {
			t.Fatal("CONVERGE_E2E=1: the sudo test needs root to create a user")
		}
		t.Skip("needs root to create a user")
	}
	if _, err := exec.LookPath("sudo"); err != nil {
		if os.Getenv("CONVERGE_E2E") == "1" {
			t.Fatal("CONVERGE_E2E=1: install sudo (apt-get install -y sudo)")
		}
		t.Skip("sudo is not installed")
	}
	exec.Command("userdel", "-r", name).Run()
	if out, err := exec.Command("useradd", "-m", "-s", "/bin/sh", name).CombinedOutput(); err != nil {
		t.Fatalf("useradd: %v\n%s", err, out)
	}
	cmd := exec.Command("chpasswd")
	cmd.Stdin = strings.NewReader(name + ":" + pw + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chpasswd: %v\n%s", err, out)
	}
	rules := filepath.Join("/etc/sudoers.d", name)
	if err := os.WriteFile(rules, []byte(name+" "+rule+"\n"), 0o440); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.Remove(rules)
		exec.Command("userdel", "-r", name).Run()
	})
}

func TestSudo_NonRootUserConvergesThroughSudo(t *testing.T) {
	cases := []struct {
		name, rule, password string
	}{
		{"password", "ALL=(ALL) ALL", "s3cret pass'word"},
		// the password is sent although sudo does not ask: the command's
		// own stdin (the probe script, file contents) must still arrive intact
		{"nopasswd-with-password", "ALL=(ALL) NOPASSWD: ALL", "unused-secret"},
		{"nopasswd", "ALL=(ALL) NOPASSWD: ALL", ""},
	}
	s := sudoServer(t)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			user := fmt.Sprintf("cvgsudo%d", i)
			pw := tc.password
			if pw == "" {
				pw = "not-given"
			}
			sudoUser(t, user, pw, tc.rule)
			t.Setenv("CONVERGE_SUDO_PASSWORD", tc.password)
			dir := t.TempDir()
			// Only root may write here: without sudo the run must fail.
			private := filepath.Join(dir, "private")
			if err := os.Mkdir(private, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			kh := filepath.Join(dir, "known_hosts")
			s.WriteKnownHosts(kh)
			root := filepath.Join(private, "root")
			target := fmt.Sprintf("%s@%s:%d", user, s.Addrs[0], s.Port)
			args := []string{"-r", "tmpdemo", "--cookbook-path", repoPath(t, "testdata/cookbooks"), "-a", "root=" + root,
				"-i", s.ClientKeyPath, "--known-hosts", kh, target}

			r := converge(t, args...)
			if r.code != 1 {
				t.Fatalf("without --sudo the user cannot write %s: want exit 1, got %d\n%s", private, r.code, r.stdout)
			}
			r = converge(t, append([]string{"--sudo"}, args...)...)
			if r.code != 0 {
				t.Fatalf("--sudo: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if tc.password != "" && strings.Contains(r.stdout+r.stderr, tc.password) {
				t.Fatal("the sudo password reached the output")
			}
			st, err := os.Stat(filepath.Join(root, "motd"))
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := os.ReadFile(filepath.Join(root, "motd")); !strings.HasPrefix(string(b), "hello from ") {
				t.Errorf("motd content through sudo: %q", b)
			}
			_ = st
			if out, _ := exec.Command("stat", "-c", "%U", filepath.Join(root, "motd")).Output(); strings.TrimSpace(string(out)) != "root" {
				t.Errorf("files written through sudo should belong to root, got %s", out)
			}
			r = converge(t, append([]string{"--sudo"}, args...)...)
			if r.code != 0 || !strings.Contains(r.stdout, "0/9") {
				t.Errorf("second --sudo run should change nothing: exit %d\n%s", r.code, r.stdout)
			}
		})
	}
}

func TestSudo_WrongPasswordIsAClearError(t *testing.T) {
	s := sudoServer(t)
	sudoUser(t, "cvgsudowrong", "right-password", "ALL=(ALL) ALL")
	t.Setenv("CONVERGE_SUDO_PASSWORD", "wrong-password")
	dir := t.TempDir()
	kh := filepath.Join(dir, "known_hosts")
	s.WriteKnownHosts(kh)
	target := fmt.Sprintf("cvgsudowrong@%s:%d", s.Addrs[0], s.Port)
	r := converge(t, "--sudo", "-r", "tmpdemo", "--cookbook-path", repoPath(t, "testdata/cookbooks"), "-a", "root="+filepath.Join(dir, "r"),
		"-i", s.ClientKeyPath, "--known-hosts", kh, target)
	if r.code != 1 {
		t.Fatalf("wrong sudo password: want exit 1, got %d\n%s", r.code, r.stdout)
	}
	if strings.Contains(r.stdout+r.stderr, "wrong-password") {
		t.Fatal("the sudo password reached the output")
	}
	t.Logf("reported as:\n%s", r.stdout)
}
