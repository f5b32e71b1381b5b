package cli

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/transport/ssh/sshtest"
)

// Issue 14 item 8: Ctrl-C killed converge mid-stream. On SIGINT or
// SIGTERM converge abandons the command in flight, starts nothing new,
// reports the node as interrupted and exits 130 — converge as its own
// process, against a real sshd, signalled while execute("... sleep 30")
// runs.
func TestConverge_SignalAbandonsTheCommandInFlightReportsAndExits130(t *testing.T) {
	tests := []struct {
		sig    syscall.Signal
		name   string
		format string
	}{
		{syscall.SIGINT, "SIGINT", "json"},
		{syscall.SIGTERM, "SIGTERM", "text"},
	}
	s := sshtest.Start(t, sshtest.Options{})
	dir := t.TempDir()
	kh := filepath.Join(dir, "known_hosts")
	s.WriteKnownHosts(kh)
	target := fmt.Sprintf("%s@%s:%d", s.User, s.Addrs[0], s.Port)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "root")
			args := append([]string{"-r", "fleet", "--cookbook-path", repoPath(t, "testdata/cookbooks"),
				"-a", "root=" + root, "-a", "files=1", "-a", "hold=30", "--format", tt.format, target}, sshArgs(s, kh)...)
			cmd := exec.Command(os.Args[0], args...)
			cmd.Env = append(os.Environ(), asCLI+"=1")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			holding := filepath.Join(root, "holding")
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				if _, err := os.Stat(holding); err == nil {
					break
				}
				select {
				case err := <-exited:
					t.Fatalf("converge ended before the command started: %v\n%s%s", err, stdout.String(), stderr.String())
				default:
				}
				if time.Now().After(deadline) {
					_ = cmd.Process.Kill()
					t.Fatalf("execute[hold] did not start\n%s%s", stdout.String(), stderr.String())
				}
			}
			sent := time.Now()
			if err := cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			var err error
			select {
			case err = <-exited:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("converge still runs 10s after %s\n%s%s", tt.name, stdout.String(), stderr.String())
			}
			if took := time.Since(sent); took > 5*time.Second {
				t.Errorf("converge took %s to end after %s", took, tt.name)
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 130 {
				t.Fatalf("exit %v, want 130\n%s%s", err, stdout.String(), stderr.String())
			}
			out := stdout.String()
			if tt.format == "json" {
				hold := engine.Event{}
				var end engine.Event
				for _, e := range events(t, out) {
					if e.Resource == "execute[hold]" {
						hold = e
					}
					if e.Type == "node-end" {
						end = e
					}
				}
				if hold.Status != engine.StatusInterrupted {
					t.Errorf("execute[hold] reported %q, want interrupted\n%s", hold.Status, out)
				}
				want := "interrupted by SIGINT: execute[hold] action run abandoned, 1 more resource(s) not started"
				if end.Status != engine.StatusInterrupted || end.Error != want {
					t.Errorf("node-end %s %q, want interrupted %q", end.Status, end.Error, want)
				}
				if !strings.Contains(out, `"status":"interrupted"}],"type":"summary"`) && !strings.Contains(out, `"status":"interrupted"`) {
					t.Errorf("no interrupted summary:\n%s", out)
				}
			} else {
				for _, want := range []string{
					"* execute[hold] action run INTERRUPTED",
					"Node " + target + " INTERRUPTED after 2/4 resources updated:\n  interrupted by SIGTERM: execute[hold] action run abandoned, 1 more resource(s) not started",
					"interrupted\nconverge finished in",
				} {
					if !strings.Contains(out, want) {
						t.Errorf("output lacks %q:\n%s", want, out)
					}
				}
			}
			if !strings.Contains(stderr.String(), "interrupted by "+tt.name+": 1 of 1 nodes did not finish: "+target) {
				t.Errorf("stderr: %s", stderr.String())
			}
			if _, err := os.Stat(filepath.Join(root, "last")); !os.IsNotExist(err) {
				t.Errorf("the resource after the interrupted one ran: %v", err)
			}
			if b, err := os.ReadFile(filepath.Join(root, "f0")); err != nil || !strings.HasSuffix(string(b), " line\n") {
				t.Errorf("the resource before it should have converged: %q %v", b, err)
			}
		})
	}
}

// Issue 14, must show 4: a run of 20 nodes where 3 are dead (nothing
// listens), 1 stops answering mid-run (its sshd and everything under it
// SIGSTOPped while a command runs) and 1 loses its connection in the
// middle of a file batch (a proxy cuts it): the 15 others converge, the 5
// are reported with the reason, converge exits 1, no managed file on any
// node is half-written (each is absent or exactly right, by sha256), and
// the run ends within the timeouts given, long before keepalive (45 s)
// would have noticed the stopped node.
func TestConverge_TwentyNodesThreeDeadOneStoppedOneCutMidWrite(t *testing.T) {
	var healthy []string
	for i := 41; i <= 55; i++ {
		healthy = append(healthy, fmt.Sprintf("127.0.0.%d", i))
	}
	// sshd listens on at most 16 sockets; the stopped node has an sshd of
	// its own so that stopping it stops nothing else.
	// A login shell that runs `pyenv init` (as on some build machines)
	// takes pyenv's rehash lock, which 17 logins at once queue for, up to
	// 60 s each: not what this test measures.
	env := []string{"SetEnv PYENV_REHASH_TIMEOUT=1"}
	s1 := sshtest.Start(t, sshtest.Options{Addrs: healthy[:8], Config: env})
	s2 := sshtest.Start(t, sshtest.Options{Addrs: healthy[8:], HostKeyPath: s1.HostKeyPath, Config: env})
	s3 := sshtest.Start(t, sshtest.Options{Addrs: []string{"127.0.0.56"}, HostKeyPath: s1.HostKeyPath, Config: env})
	var stopped []int
	t.Cleanup(func() { signalAll(stopped, syscall.SIGCONT) })
	proxy := sshtest.NewProxy(t, s1.Addr())

	dir := t.TempDir()
	t.Chdir(dir)
	kh := filepath.Join(dir, "known_hosts")
	for _, s := range []*sshtest.Server{s1, s2, s3} {
		s.WriteKnownHosts(kh)
	}
	f, err := os.OpenFile(kh, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(f, s1.KnownHostsLine(proxy.Addr()))
	f.Close()
	for _, d := range []string{"nodes", "roots"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	writeNode := func(name, addr string, port int, srv *sshtest.Server, extra string) {
		js := fmt.Sprintf(`{"name": %q, "converge": {"host": %q, "port": %d, "user": %q, "identity": %q}, "root": %q%s}`,
			name, addr, port, srv.User, srv.ClientKeyPath, filepath.Join(dir, "roots", name), extra)
		if err := os.WriteFile(filepath.Join("nodes", name+".json"), []byte(js), 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	for i, a := range healthy {
		srv := s1
		if i >= 8 {
			srv = s2
		}
		writeNode(fmt.Sprintf("h%02d", i+1), a, srv.Port, srv, "")
	}
	for i, a := range []string{"127.0.0.57", "127.0.0.58", "127.0.0.59"} {
		writeNode(fmt.Sprintf("dead%d", i+1), a, s1.Port, s1, "") // nothing listens there
	}
	writeNode("stopped", s3.Addrs[0], s3.Port, s3, `, "hold": 30, "hold_timeout": 5`)
	_, pport, _ := strings.Cut(proxy.Addr(), ":")
	var port int
	fmt.Sscan(pport, &port)
	writeNode("cut", "127.0.0.1", port, s1, "")
	// The batch carries 10 files of 40 kB: 200 kB up falls inside it, well
	// past the handshake, the facts and the probe round trip.
	proxy.CutAfter(200_000)

	// Stop the node's sshd once its command runs.
	holding := filepath.Join(dir, "roots", "stopped", "holding")
	stopDone := make(chan string, 1)
	var stoppedAt time.Time
	go func() {
		for deadline := time.Now().Add(50 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if _, err := os.Stat(holding); err == nil {
				stopped = processTree(t, sshdPid(t, s3))
				signalAll(stopped, syscall.SIGSTOP)
				stoppedAt = time.Now()
				stopDone <- ""
				return
			}
		}
		stopDone <- "the stopped node's command never started"
	}()

	start := time.Now()
	r := converge(t, append([]string{"-r", "fleet", "--cookbook-path", repoPath(t, "testdata/cookbooks"),
		"--known-hosts", kh, "--format", "json", "--timeout", "20s", "--probe-timeout", "30s", "--command-timeout", "30s"}, names...)...)
	end := time.Now()
	if msg := <-stopDone; msg != "" {
		t.Fatalf("%s\n%s%s", msg, r.stdout, r.stderr)
	}
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	// The stopped node is given up 5 s (its command's timeout) + 1.25 s
	// (grace) after its command starts, not 45 s later by keepalive.
	if hung := end.Sub(stoppedAt); hung > 12*time.Second {
		t.Errorf("the run ended %s after the node stopped; its command's timeout=5 should have ended it within 6.25s", hung)
	}
	if took := end.Sub(start); took > 60*time.Second {
		t.Errorf("the run took %s", took)
	}
	ends := map[string]engine.Event{}
	for _, e := range events(t, r.stdout) {
		if e.Type == "node-end" {
			ends[e.Node] = e
		}
	}
	for _, n := range names {
		e, ok := ends[n]
		if !ok {
			t.Errorf("%s: not reported", n)
			continue
		}
		var want string
		switch {
		case strings.HasPrefix(n, "h"):
			if e.Status != "" || e.Updated != 12 || e.Total != 12 {
				t.Errorf("%s: %s %d/%d %s, want 12/12 updated", n, e.Status, e.Updated, e.Total, e.Error)
			}
			continue
		case strings.HasPrefix(n, "dead"):
			want = "unreachable"
		case n == "stopped":
			want = "action run of execute[hold] got no answer from the node within 6.25s (its limit 5s plus 1.25s grace)"
		case n == "cut":
			want = "file["
		}
		if e.Status != engine.StatusFailed || !strings.Contains(e.Error, want) {
			t.Errorf("%s: %s %q, want failed with %q", n, e.Status, e.Error, want)
		}
	}
	if !strings.Contains(r.stderr, "5 of 20 nodes failed: cut, dead1, dead2, dead3, stopped") {
		t.Errorf("summary: %s", r.stderr)
	}
	// Nothing half-written: every managed file is absent or exactly right.
	for _, n := range names {
		root := filepath.Join(dir, "roots", n)
		line := n + " line\n"
		want := map[string]string{"last": "done\n"}
		for i := 0; i < 10; i++ {
			want[fmt.Sprintf("f%d", i)] = strings.Repeat(line, 40000/len(line))
		}
		for name, content := range want {
			b, err := os.ReadFile(filepath.Join(root, name))
			switch {
			case os.IsNotExist(err):
				if strings.HasPrefix(n, "h") {
					t.Errorf("%s: %s was not written", n, name)
				}
			case err != nil:
				t.Error(err)
			case sha256.Sum256(b) != sha256.Sum256([]byte(content)):
				t.Errorf("%s: %s is half-written or wrong: %d bytes, want %d", n, name, len(b), len(content))
			}
		}
	}
}

// sshdPid is the pid of s's listening sshd, from its PidFile.
func sshdPid(t *testing.T, s *sshtest.Server) int {
	b, err := os.ReadFile(filepath.Join(filepath.Dir(s.ClientKeyPath), "sshd.pid"))
	if err != nil {
		t.Errorf("sshd pid: %v", err)
		return 0
	}
	var pid int
	fmt.Sscan(string(b), &pid)
	return pid
}

// processTree is pid and its descendants, from /proc.
func processTree(t *testing.T, pid int) []int {
	if pid == 0 {
		return nil
	}
	parent := map[int]int{}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		var me, pp int
		var state string
		fmt.Sscan(s[:strings.IndexByte(s, ' ')], &me)
		if i < 0 || len(s) < i+2 {
			continue
		}
		fmt.Sscan(s[i+2:], &state, &pp)
		parent[me] = pp
	}
	tree := []int{pid}
	for grew := true; grew; {
		grew = false
		for me, pp := range parent {
			if slices.Contains(tree, pp) && !slices.Contains(tree, me) {
				tree = append(tree, me)
				grew = true
			}
		}
	}
	return tree
}

func signalAll(pids []int, sig syscall.Signal) {
	for _, p := range pids {
		_ = syscall.Kill(p, sig)
	}
}

// A second signal quits at once, even while the command in flight does
// not end (here: --local, where the first SIGTERM reaches converge only,
// not the command's sleep).
func TestConverge_SecondSignalQuitsAtOnce(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	cmd := exec.Command(os.Args[0], "--local", "-r", "fleet", "--cookbook-path", repoPath(t, "testdata/cookbooks"),
		"-a", "root="+root, "-a", "files=1", "-a", "hold=10")
	cmd.Env = append(os.Environ(), asCLI+"=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(root, "holding")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("execute[hold] did not start\n%s", out.String())
		}
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(300 * time.Millisecond)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 130 {
			t.Fatalf("exit %v, want 130\n%s", err, out.String())
		}
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("converge still runs 5s after a second SIGTERM\n%s", out.String())
	}
}

// The timeouts are flags documented in --help; a negative one is a usage
// error that says what to give.
func TestConverge_TimeoutFlagsDocumentedAndValidated(t *testing.T) {
	help := converge(t, "--help")
	for _, want := range []string{"--probe-timeout duration", "--command-timeout duration", "(default 2m0s)", "(default 1h0m0s)", "exits 130", "130 when interrupted"} {
		if !strings.Contains(help.stdout, want) {
			t.Errorf("--help lacks %q", want)
		}
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--probe-timeout", "-5s"}, `invalid argument "-5s" for "--probe-timeout" flag: -5s is negative`},
		{[]string{"--command-timeout", "soon"}, `invalid argument "soon" for "--command-timeout" flag: want a duration such as 90s, 2m or 1h (0: no limit)`},
	}
	for _, tt := range tests {
		r := converge(t, append([]string{"--local", "-r", "fleet"}, tt.args...)...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: exit %d %q, want %d with %q", tt.args, r.code, r.stderr, ExitUsage, tt.want)
		}
	}
}
