package labtest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/converge-cm/converge/engine/lab"
)

// Require skips t unless lab nodes can run on this machine; with
// CONVERGE_E2E=1 it fails t instead. what names the test in the message.
func Require(t testing.TB, what string) {
	t.Helper()
	why := ""
	if os.Geteuid() != 0 {
		why = "not root"
	} else if _, err := exec.LookPath("systemd-nspawn"); err != nil {
		why = "no systemd-nspawn (apt-get install -y systemd-container)"
	} else if err := lab.Requirements(); err != nil {
		why = err.Error()
	}
	if why == "" {
		return
	}
	if os.Getenv("CONVERGE_E2E") == "1" {
		t.Fatalf("CONVERGE_E2E=1 but lab nodes cannot run: %s", why)
	}
	t.Skipf("%s needs root and systemd-nspawn (%s)", what, why)
}

// Options say which lab Start makes.
type Options struct {
	// What names the test in the skip message.
	What string
	// Cookbooks, when set, is linked as the repository's cookbooks/.
	Cookbooks string
	// Prefix names the state directory under /var/lib/converge.
	Prefix string
	// Bridge and Subnet are the lab's own; no other test may use them.
	Bridge, Subnet string
	// Image is the nodes' image; lab.ImageDebian12 when empty.
	Image string
	// Timeout bounds bringing the nodes up; 10 minutes when zero.
	Timeout time.Duration
	// Quiet keeps the lab's progress out of the test log.
	Quiet bool
}

// Start requires the lab (see Require), makes a repository in a temporary
// directory, starts the named nodes on a lab of their own, and makes the
// repository the current directory for the rest of the test. The lab goes
// down when the test ends.
func Start(t *testing.T, o Options, names ...string) (l *lab.Lab, repo string, nodes []lab.Node) {
	t.Helper()
	Require(t, o.What)
	repo = t.TempDir()
	if o.Cookbooks != "" {
		if err := os.Symlink(o.Cookbooks, filepath.Join(repo, "cookbooks")); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll("/var/lib/converge", 0o755); err != nil {
		t.Fatal(err)
	}
	state, err := os.MkdirTemp("/var/lib/converge", o.Prefix+"-")
	if err != nil {
		t.Fatal(err)
	}
	l, err = lab.Open(repo)
	if err != nil {
		t.Fatal(err)
	}
	l.StateDir, l.Bridge, l.Subnet = state, o.Bridge, o.Subnet
	l.Out = nil
	if !o.Quiet {
		l.Out = LogWriter{t}
	}
	t.Cleanup(func() {
		if err := l.Down(); err != nil {
			t.Errorf("lab down: %v", err)
		}
		os.RemoveAll(state)
	})
	image, timeout := o.Image, o.Timeout
	if image == "" {
		image = lab.ImageDebian12
	}
	if timeout == 0 {
		timeout = 10 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	nodes, err = l.Up(ctx, names, lab.UpOptions{Image: image})
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(repo)
	return l, repo, nodes
}

// LogWriter writes lines to the test's log.
type LogWriter struct{ T testing.TB }

func (w LogWriter) Write(p []byte) (int, error) {
	w.T.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
