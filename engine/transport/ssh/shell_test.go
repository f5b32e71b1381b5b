package ssh

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// loop runs the resident loop locally under shell, with TMPDIR tmp, feeding
// it in, and returns its stdout.
func loop(t *testing.T, shell []string, tmp string, in []byte) string {
	t.Helper()
	args := append(append([]string(nil), shell[1:]...), "-c", shellLoop, "MARK")
	c := exec.Command(shell[0], args...)
	c.Env = append(os.Environ(), "TMPDIR="+tmp)
	c.Stdin = bytes.NewReader(in)
	var out bytes.Buffer
	c.Stdout = &out
	done := make(chan error, 1)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- c.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = c.Process.Kill()
		t.Fatalf("the loop hangs; output so far %q", out.String())
	}
	return out.String()
}

func frame(cmd, stdin string) string {
	return fmt.Sprintf("%d %d\n%s%sMARK\n", len(cmd), len(stdin), cmd, stdin)
}

func loopShells(t *testing.T) map[string][]string {
	out := map[string][]string{"sh": {"/bin/sh"}}
	bb, err := exec.LookPath("busybox")
	if err != nil {
		if os.Getenv("CONVERGE_E2E") == "1" {
			t.Fatalf("busybox not found: apt-get install busybox")
		}
		return out
	}
	// busybox sh runs applets before PATH: head is BusyBox's.
	out["busybox"] = []string{bb, "sh"}
	return out
}

// A frame cut short (the connection lost mid-command) runs nothing.
func TestShellLoop_ShortFrameRunsNothing(t *testing.T) {
	for name, sh := range loopShells(t) {
		t.Run(name, func(t *testing.T) {
			tmp := t.TempDir()
			out := filepath.Join(tmp, "out")
			cmd := "cat > " + quote(out)
			full := frame(cmd, strings.Repeat("y", 5000))
			got := loop(t, sh, tmp, []byte(frame("echo one", "")+full[:len(full)-3000]))
			if !strings.Contains(got, "one") {
				t.Fatalf("the first, whole command did not run: %q", got)
			}
			if _, err := os.Stat(out); err == nil {
				b, _ := os.ReadFile(out)
				t.Fatalf("the cut command ran, with %d bytes of stdin", len(b))
			}
			// Missing only the mark: still refused.
			got = loop(t, sh, tmp, []byte(full[:len(full)-5]))
			if _, err := os.Stat(out); err == nil || strings.Contains(got, "MARK 0") {
				t.Fatalf("a frame without its end ran: %q", got)
			}
		})
	}
}

// Several commands with stdin in a row get exactly their own bytes (BusyBox
// head reads ahead: the loop must not use it there).
func TestShellLoop_FramesStayApart(t *testing.T) {
	for name, sh := range loopShells(t) {
		t.Run(name, func(t *testing.T) {
			var in strings.Builder
			for i := 0; i < 5; i++ {
				in.WriteString(frame("wc -c", strings.Repeat("z", 1000*i+1)))
			}
			got := loop(t, sh, t.TempDir(), []byte(in.String()))
			for i := 0; i < 5; i++ {
				if !strings.Contains(got, fmt.Sprintf("%d\n", 1000*i+1)) {
					t.Fatalf("command %d did not get its %d bytes: %q", i, 1000*i+1, got)
				}
			}
		})
	}
}

// What killed loops, scripts and askpass programs left is removed at the
// next loop's start; what live ones have is kept.
func TestShellLoop_RemovesLeftoversOfDeadProcesses(t *testing.T) {
	tmp := t.TempDir()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	gone, alive := dead.Process.Pid, os.Getpid()
	mk := func(name string, pidFile int) string {
		p := filepath.Join(tmp, name)
		if err := os.Mkdir(p, 0o700); err != nil {
			t.Fatal(err)
		}
		if pidFile > 0 {
			if err := os.WriteFile(filepath.Join(p, "pid"), []byte(fmt.Sprintf("%d\n", pidFile)), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(p, "i"), []byte("password"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	stale := []string{
		mk(".converge-sh-dead01", gone),
		mk(fmt.Sprintf(".converge-sudo-%d-abc123", gone), 0),
		mk(fmt.Sprintf(".converge-%d-abc123", gone), 0),
	}
	kept := []string{
		mk(".converge-sh-live01", alive),
		mk(".converge-sh-nopid1", 0),
		mk(fmt.Sprintf(".converge-sudo-%d-abc123", alive), 0),
		mk(fmt.Sprintf(".converge-%d-abc123", alive), 0),
		mk(".converge-put-abc123", 0),
	}
	loop(t, []string{"/bin/sh"}, tmp, []byte(frame("true", "")))
	for _, p := range stale {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s of a dead process was kept", filepath.Base(p))
		}
	}
	for _, p := range kept {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(p), err)
		}
	}
	left, _ := filepath.Glob(filepath.Join(tmp, ".converge-sh-*"))
	if len(left) != 2 {
		t.Errorf("the loop left its own directory behind: %v", left)
	}
}
