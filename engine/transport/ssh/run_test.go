package ssh

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/converge-cm/converge/engine/shell"
	"github.com/converge-cm/converge/engine/transport"
	"github.com/converge-cm/converge/engine/transport/ssh/sshtest"
)

func TestRun_OutputAndExitCode(t *testing.T) {
	srv := start(t, sshtest.Options{})
	tr := dial(t, trusted(t, srv))

	tests := []struct {
		name, cmd        string
		stdin            string
		wantOut, wantErr string
		wantCode         int
	}{
		{name: "stdout", cmd: "echo hello", wantOut: "hello\n"},
		{name: "stderr", cmd: "echo oops >&2", wantErr: "oops\n"},
		{name: "exit code", cmd: "echo partial; exit 3", wantOut: "partial\n", wantCode: 3},
		{name: "killed by signal", cmd: "kill -9 $$", wantCode: 128 + 9},
		{name: "stdin", cmd: "tr a-z A-Z", stdin: "shout\n", wantOut: "SHOUT\n"},
		{name: "no stdin reads eof", cmd: "cat; echo done", wantOut: "done\n"},
		{name: "posix sh syntax", cmd: `x='a b'; set -- $x; echo "$#"`, wantOut: "2\n"},
		{name: "binary stdin", cmd: "od -An -tx1", stdin: "\x00\xff", wantOut: " 00 ff\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in *strings.Reader
			var res transport.Result
			var err error
			if tt.stdin != "" {
				in = strings.NewReader(tt.stdin)
				res, err = tr.Run(context.Background(), tt.cmd, in)
			} else {
				res, err = tr.Run(context.Background(), tt.cmd, nil)
			}
			if err != nil {
				t.Fatalf("Run(%q): %v", tt.cmd, err)
			}
			if string(res.Stdout) != tt.wantOut || string(res.Stderr) != tt.wantErr || res.ExitCode != tt.wantCode {
				t.Errorf("Run(%q) = stdout %q stderr %q exit %d, want %q %q %d",
					tt.cmd, res.Stdout, res.Stderr, res.ExitCode, tt.wantOut, tt.wantErr, tt.wantCode)
			}
		})
	}
}

func TestRun_ConcurrentSessionsShareOneConnection(t *testing.T) {
	srv := start(t, sshtest.Options{})
	tr := dial(t, trusted(t, srv))

	const n = 50
	outs := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// SSH_CONNECTION names the client's source port: one TCP
			// connection means one port for all.
			res, err := tr.Run(context.Background(), "sleep 0.1; echo $SSH_CONNECTION "+strconv.Itoa(i), nil)
			if err == nil && res.ExitCode != 0 {
				err = errors.New(string(res.Stderr))
			}
			outs[i], errs[i] = string(res.Stdout), err
		}()
	}
	wg.Wait()
	conns := map[string]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("run %d: %v", i, errs[i])
		}
		f := strings.Fields(outs[i])
		if len(f) != 5 || f[4] != strconv.Itoa(i) {
			t.Fatalf("run %d: output %q", i, outs[i])
		}
		conns[strings.Join(f[:4], " ")] = true
	}
	if len(conns) != 1 {
		t.Errorf("commands ran over %d connections, want 1: %v", len(conns), conns)
	}
}

// A server with a MaxSessions below ours refuses some sessions; Run waits
// for a free one instead of failing.
func TestRun_WaitsWhenServerRefusesSessions(t *testing.T) {
	srv := start(t, sshtest.Options{MaxSessions: 2})
	tr := dial(t, trusted(t, srv))

	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			res, err := tr.Run(ctx, "sleep 0.05; echo ok", nil)
			if err == nil && string(res.Stdout) != "ok\n" {
				err = errors.New("output " + string(res.Stdout))
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestRun_ContextCancelStopsCommand(t *testing.T) {
	srv := start(t, sshtest.Options{})
	tr := dial(t, trusted(t, srv))
	pidFile := filepath.Join(t.TempDir(), "pid")

	// Cancel once the command runs (a loaded machine may take a while to
	// open the session), then Run must return promptly.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var cancelled time.Time
	go func() {
		for i := 0; i < 200; i++ {
			if b, err := os.ReadFile(pidFile); err == nil && len(b) > 0 {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		cancelled = time.Now()
		cancel()
	}()
	_, err := tr.Run(ctx, "echo $$ > "+shell.Quote(pidFile)+"; exec sleep 30", nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	if d := time.Since(cancelled); d > 5*time.Second {
		t.Errorf("Run returned %s after the cancel, want soon after it", d)
	}

	// sshd runs on this machine, so the remote process is visible here.
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		// OpenSSH refuses the "signal" request for root sessions (it skips
		// post-auth privilege separation for root): the sleep runs on, so
		// end it here rather than leave it behind.
		_ = syscall.Kill(pid, syscall.SIGKILL)
	} else {
		deadline := time.Now().Add(5 * time.Second)
		for syscall.Kill(pid, 0) == nil {
			if time.Now().After(deadline) {
				t.Fatalf("remote sleep (pid %d) still running after cancel\n%s", pid, srv.Logs())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	// The connection survives a cancelled command.
	res, err := tr.Run(context.Background(), "echo still here", nil)
	if err != nil || string(res.Stdout) != "still here\n" {
		t.Errorf("Run after cancel = %q, %v", res.Stdout, err)
	}
}

func TestClose_IsIdempotentAndEndsRuns(t *testing.T) {
	srv := start(t, sshtest.Options{})
	tr := dial(t, trusted(t, srv))
	if err := tr.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := tr.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := tr.Run(context.Background(), "true", nil); err == nil {
		t.Fatal("Run after Close succeeded")
	}
}

func TestPut_AtomicRoundTripWithModeAndOwner(t *testing.T) {
	srv := start(t, sshtest.Options{})
	tr := dial(t, trusted(t, srv))
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "motd")

	opts := transport.PutOptions{Mode: "0640"}
	wantOwner := srv.User
	if os.Geteuid() == 0 {
		opts.Owner, opts.Group = "nobody", "nogroup"
		wantOwner = "nobody:nogroup"
	}
	data := []byte("line one\n\x00binary\xff\n")
	if err := tr.Put(ctx, path, data, opts); err != nil {
		t.Fatalf("Put: %v", err)
	}
	got, err := tr.Get(ctx, path)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if string(got) != string(data) {
		t.Errorf("Get = %q, want %q", got, data)
	}
	res, err := tr.Run(ctx, "stat -c '%a %U:%G' -- "+shell.Quote(path), nil)
	if err != nil {
		t.Fatal(err)
	}
	wantStat := "640 " + wantOwner + "\n"
	if os.Geteuid() != 0 {
		wantStat = "640 " // group is whatever the user's is
	}
	if !strings.HasPrefix(string(res.Stdout), wantStat) {
		t.Errorf("stat = %q, want %q", res.Stdout, wantStat)
	}

	// A failing verify leaves the old content, and no temporary file.
	err = tr.Put(ctx, path, []byte("bad"), transport.PutOptions{Verify: "false %{path}"})
	if err == nil {
		t.Fatal("Put with failing verify succeeded")
	}
	if got, _ := tr.Get(ctx, path); string(got) != string(data) {
		t.Errorf("after failed verify the file is %q", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after Put, want 1 (no temporary left)", len(entries))
	}

	if _, err := tr.Get(ctx, filepath.Join(dir, "missing")); err == nil {
		t.Error("Get of a missing file succeeded")
	}
}

// Guards shell injection through a path: it must land as a literal name.
func TestPut_PathWithShellMetacharactersIsLiteral(t *testing.T) {
	srv := start(t, sshtest.Options{})
	tr := dial(t, trusted(t, srv))
	ctx := context.Background()
	dir := t.TempDir()
	// Injected commands would run in the remote user's home directory.
	canary := fmt.Sprintf("converge-canary-%d", time.Now().UnixNano())
	name := `a b; $(touch ` + canary + `)'"` + "`touch " + canary + "`\n*"
	path := filepath.Join(dir, name)
	t.Cleanup(func() { tr.Run(context.Background(), "rm -f ~/"+canary, nil) })

	if err := tr.Put(ctx, path, []byte("x"), transport.PutOptions{}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("literal file missing: %v", err)
	}
	res, err := tr.Run(ctx, "test -e ~/"+canary, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode == 0 {
		t.Errorf("canary ~/%s created: the path was run as shell code", canary)
	}
	if got, err := tr.Get(ctx, path); err != nil || string(got) != "x" {
		t.Errorf("Get = %q, %v", got, err)
	}
}

// A node that stops answering (rebooted, unplugged) must fail the command
// instead of hanging it: the keepalive closes the connection.
func TestRun_FailsWhenConnectionGoesSilent(t *testing.T) {
	defer func(i time.Duration) { keepaliveInterval = i }(keepaliveInterval)
	keepaliveInterval = 100 * time.Millisecond

	srv := start(t, sshtest.Options{})
	proxy := newFreezingProxy(t, srv.Addr())
	cfg := trusted(t, srv)
	cfg.Port = proxy.port
	kh := filepath.Join(t.TempDir(), "known_hosts")
	line := srv.KnownHostsLine(srv.Addrs[0] + ":" + strconv.Itoa(proxy.port))
	if err := os.WriteFile(kh, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.KnownHostsFiles = []string{kh}
	tr := dial(t, cfg)
	if _, err := tr.Run(context.Background(), "true", nil); err != nil {
		t.Fatal(err)
	}

	proxy.frozen.Store(true)
	begin := time.Now()
	_, err := tr.Run(context.Background(), "sleep 1", nil)
	if err == nil || !strings.Contains(err.Error(), "no answer to keepalive") {
		t.Fatalf("Run = %v, want the connection declared lost", err)
	}
	if d := time.Since(begin); d > 5*time.Second {
		t.Errorf("Run took %s to notice", d)
	}
}

// freezingProxy forwards TCP until frozen, then silently drops everything,
// as a dead network path does.
type freezingProxy struct {
	port   int
	frozen atomic.Bool
}

func newFreezingProxy(t *testing.T, target string) *freezingProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &freezingProxy{port: l.Addr().(*net.TCPAddr).Port}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	pipe := func(dst, src net.Conn) {
		buf := make([]byte, 32*1024)
		for {
			n, err := src.Read(buf)
			if err != nil {
				return
			}
			if !p.frozen.Load() {
				if _, err := dst.Write(buf[:n]); err != nil {
					return
				}
			}
		}
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, u)
			mu.Unlock()
			go pipe(u, c)
			go pipe(c, u)
		}
	}()
	return p
}
